// One routing pass: load a snapshot from Redis, let the pure router decide,
// apply each decision through the store's atomic scripts.
#include "dispatch/dispatcher.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <set>
#include <string_view>
#include <unordered_map>

#include "log/log.hpp"
#include "dispatch/reconcile.hpp"
#include "routing/routing.hpp"

namespace caseroute::dispatch {

namespace asio = boost::asio;

dispatcher::dispatcher(services s) : s_(s), wake_(s.io) {}

void dispatcher::kick() {
  kicked_ = true;
  wake_.cancel();
}

void dispatcher::stop() {
  stopping_ = true;
  wake_.cancel();
}

asio::awaitable<void> dispatcher::run() {
  while (!stopping_) {
    kicked_ = false;
    if (s_.store.connected()) {
      auto r = co_await pass();
      s_.metrics.inc("caseroute_routing_passes_total", {{"result", r ? "ok" : "unavailable"}});
    }
    if (stopping_) break;
    if (kicked_) continue;  // a kick arrived during the pass
    // Wake at the next shift start or end if it comes before the tick, so a
    // shift start routes at once.
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(s_.cfg->routing.tick);
    if (auto change = s_.roster->next_change(now())) {
      wait = std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(*change - now()) +
                            std::chrono::milliseconds(1),
                        std::chrono::milliseconds(1), wait);
    }
    wake_.expires_after(wait);
    co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<boost::system::result<void>> dispatcher::pass() {
  const auto cfg = s_.cfg;
  const auto roster = s_.roster;
  const auto now = caseroute::now();

  auto expired = co_await s_.store.expire_offers(now, cfg->routing.max_missed_offers);
  if (!expired) co_return expired.error();
  if (expired->expired > 0) {
    s_.metrics.inc("caseroute_offers_expired_total", {}, expired->expired);
    log::info("offers.expired", {{"count", expired->expired}});
  }
  for (const auto& id : expired->signed_out)
    log::warn("counselor.availability", {{"counselor_id", id}, {"available", false}, {"why", "missed offers"}});

  // A shift ended (someone left the on-duty set) or this replica just started:
  // offers to counselors no longer on duty are withdrawn and routed again.
  auto on_duty = roster->on_duty(now);
  std::set<std::string> duty_ids;
  for (const auto& d : on_duty) duty_ids.insert(d.counselor_id);
  const bool someone_left = !std::includes(duty_ids.begin(), duty_ids.end(), on_duty_.begin(), on_duty_.end());
  if (someone_left || !reconciled_) {
    auto withdrawn = co_await withdraw_off_duty_offers(s_.store, cfg, roster, now);
    if (!withdrawn) co_return withdrawn.error();
    if (*withdrawn > 0) log::info("offers.withdrawn", {{"count", *withdrawn}, {"why", "counselor no longer on duty"}});
    reconciled_ = true;
  }
  on_duty_ = duty_ids;

  auto state = co_await s_.store.load_routing_state(now, std::chrono::hours(24) * cfg->routing.continuity_days);
  if (!state) co_return state.error();

  const auto snap = store::to_snapshot(*state, cfg.get(), std::move(on_duty));

  s_.metrics.set("caseroute_counselors_on_duty", {}, static_cast<double>(duty_ids.size()));

  // Escalation: one level per limit passed since the case was queued, each
  // rise its own event (after an outage a case may be due several at once).
  for (auto& c : state->queued) {
    const int due = routing::due_escalation_level(c, now, cfg->routing);
    for (int level = c.escalation_level + 1; level <= due; ++level) {
      auto rose = co_await s_.store.escalate(c.id, level, now);
      if (!rose) co_return rose.error();
      if (*rose) {
        s_.metrics.inc("caseroute_escalations_total", {{"risk", v1::Risk_Name(static_cast<v1::Risk>(c.level))}});
        log::warn("case.escalated", {{"case_id", c.id}, {"escalation_level", level}});
      }
    }
    c.escalation_level = std::max(c.escalation_level, due);
  }

  // A crisis case goes to every eligible crisis-trained counselor at once.
  routing::plan_options options;
  options.crisis_broadcast = true;
  // Continuity across shifts: a LOW/MEDIUM case may wait for its counselor's next shift.
  options.continuity_roster = roster.get();
  const auto decisions = routing::plan(state->queued, snap, now, options);
  std::unordered_map<std::string_view, const routing::queued_case*> by_id;  // keys point into state
  by_id.reserve(state->queued.size());
  for (const auto& c : state->queued) by_id.emplace(c.id, &c);

  bool reroute = false;
  for (const auto& d : decisions) {
    result<applied> done = applied{};
    if (const auto* o = std::get_if<routing::offer>(&d)) {
      done = co_await apply_offer(*o, by_id.at(o->case_id), now);
    } else if (const auto* k = std::get_if<routing::keep_queued>(&d)) {
      // SPEC 3: a crisis case with no eligible counselor escalates at once.
      const auto* c = by_id.at(k->case_id);
      if (c->level == routing::risk::crisis && c->escalation_level == 0) done = co_await escalate_now(c, now);
    } else if (const auto* b = std::get_if<routing::broadcast>(&d)) {
      done = co_await apply_broadcast(*b, by_id.at(b->case_id), now);
    } else if (const auto* w = std::get_if<routing::wait_for_counselor>(&d)) {
      done = co_await apply_wait(*w, by_id.at(w->case_id), now);
    }
    if (!done) co_return done.error();
    reroute = reroute || done->reroute;
  }
  if (reroute) kick();
  co_return boost::system::result<void>{};
}

asio::awaitable<dispatcher::result<dispatcher::applied>> dispatcher::apply_offer(routing::offer o,
                                                                                 const routing::queued_case* c,
                                                                                 time_point now) {
  const auto cfg = s_.cfg;
  const auto* counselor = cfg->find_counselor(o.counselor_id);
  if (counselor == nullptr) co_return applied{};
  store::offer_request req;
  req.case_id = o.case_id;
  req.counselor_id = o.counselor_id;
  req.site_id = o.site_id;
  req.rule = routing::to_string(o.chosen_by);
  req.actor = "system";
  req.capacity = counselor->capacity;
  req.now = now;
  req.expires_at = now + routing::offer_timeout(c->level, cfg->routing);
  req.ignore_exclusion = o.relaxed_rule5;
  req.note = o.note;
  auto r = co_await s_.store.offer(req);
  if (!r) {
    if (r.error() == store::error::unavailable) co_return r.error();
    // Another replica or a request changed the case or the counselor first;
    // the next pass sees the new state.
    s_.metrics.inc("caseroute_offer_conflicts_total");
    co_return applied{};
  }
  s_.metrics.inc("caseroute_offers_total", {{"rule", req.rule}});
  s_.metrics.observe("caseroute_referral_to_offer_seconds", {},
                       std::chrono::duration<double>(now - c->created_at).count());
  log::info(
      "case.offered",
      {{"case_id", req.case_id}, {"counselor_id", req.counselor_id}, {"site_id", req.site_id}, {"rule", req.rule}});
  co_return applied{};
}

asio::awaitable<dispatcher::result<dispatcher::applied>> dispatcher::escalate_now(const routing::queued_case* c,
                                                                                  time_point now) {
  // Level 1 relaxes rule 2 for the next pass.
  auto rose = co_await s_.store.escalate(c->id, 1, now);
  if (!rose) co_return rose.error();
  if (!*rose) co_return applied{};
  s_.metrics.inc("caseroute_escalations_total", {{"risk", "RISK_CRISIS"}});
  log::warn("case.escalated", {{"case_id", c->id}, {"escalation_level", 1}, {"why", "no eligible counselor"}});
  co_return applied{.reroute = true};
}

asio::awaitable<dispatcher::result<dispatcher::applied>> dispatcher::apply_broadcast(routing::broadcast b,
                                                                                     const routing::queued_case* c,
                                                                                     time_point now) {
  const auto cfg = s_.cfg;
  store::broadcast_request req;
  req.case_id = b.case_id;
  req.now = now;
  req.expires_at = now + routing::offer_timeout(c->level, cfg->routing);
  if (!b.offers.empty()) req.note = b.offers.front().note;  // the same for every offer of the case
  for (const auto& o : b.offers) {
    const auto* counselor = cfg->find_counselor(o.counselor_id);
    if (counselor == nullptr) continue;
    req.targets.push_back({o.counselor_id, o.site_id, counselor->capacity, o.relaxed_rule5});
  }
  if (req.targets.empty()) co_return applied{};
  auto r = co_await s_.store.broadcast(req);
  if (!r) {
    if (r.error() == store::error::unavailable) co_return r.error();
    s_.metrics.inc("caseroute_offer_conflicts_total");
    co_return applied{};
  }
  s_.metrics.inc("caseroute_offers_total", {{"rule", "broadcast"}}, static_cast<double>(r->size()));
  s_.metrics.observe("caseroute_referral_to_offer_seconds", {},
                       std::chrono::duration<double>(now - c->created_at).count());
  log::info("case.broadcast", {{"case_id", req.case_id}, {"offers", static_cast<int>(r->size())}});
  co_return applied{};
}

asio::awaitable<dispatcher::result<dispatcher::applied>> dispatcher::apply_wait(routing::wait_for_counselor w,
                                                                                const routing::queued_case* c,
                                                                                time_point now) {
  // The case stays queued for its continuity counselor. Every pass decides
  // the wait again; the store records it (event case.waiting) only once.
  auto recorded = co_await s_.store.record_wait(w.case_id, w.counselor_id, w.until, w.reason, now);
  if (!recorded) {
    if (recorded.error() == store::error::unavailable) co_return recorded.error();
    co_return applied{};  // offered or cancelled meanwhile: the next pass sees it
  }
  if (*recorded) {
    s_.metrics.inc("caseroute_continuity_waits_total");
    log::info("case.waiting",
              {{"case_id", w.case_id},
               {"counselor_id", w.counselor_id},
               {"risk", v1::Risk_Name(static_cast<v1::Risk>(c->level))},
               {"until_ms",
                static_cast<std::int64_t>(
                    std::chrono::time_point_cast<std::chrono::milliseconds>(w.until).time_since_epoch().count())}});
  }
  co_return applied{};
}

}  // namespace caseroute::dispatch
