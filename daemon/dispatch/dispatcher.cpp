// One routing pass: load a snapshot from Redis, let the pure router decide,
// apply each decision through the store's atomic scripts.
#include "dispatch/dispatcher.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <malloc.h>

#include <algorithm>
#include <exception>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>

#include "dispatch/reconcile.hpp"
#include "log/log.hpp"
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

void dispatcher::changed(const v1::Event& e) {
  if (e.type() == store::duty_changed_event) duty_stale_ = true;
  if (!e.case_id().empty()) changed_cases_.insert(e.case_id());
  if (!e.counselor_id().empty()) changed_counselors_.insert(e.counselor_id());
  kick();
}

void dispatcher::resync() {
  cache_valid_ = false;
  duty_stale_ = true;
  kick();
}

asio::awaitable<void> dispatcher::run() {
  while (!stopping_) {
    kicked_ = false;
    if (s_.store.connected()) {
      auto r = co_await pass();
      s_.metrics.inc("caseroute_routing_passes_total", {{"result", r ? "ok" : "unavailable"}});
      if (!r) cache_valid_ = false;  // what the feed named may not have been read
    }
    if (stopping_) break;
    if (kicked_) continue;  // a kick arrived during the pass
    // Wake at the next shift start or end, or the next escalation, if it
    // comes before the tick, so a shift start routes at once.
    const auto tick = std::chrono::duration_cast<std::chrono::milliseconds>(s_.cfg->routing.tick);
    auto wait = tick;
    for (auto at : {s_.roster->next_change(now()), cache_.next_escalation()}) {
      if (!at) continue;
      wait =
          std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(*at - now()) + std::chrono::milliseconds(1),
                     std::chrono::milliseconds(1), wait);
    }
    wake_.expires_after(wait);
    co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<dispatcher::result<void>> dispatcher::read_duty() {
  if (!duty_stale_ || s_.duty == nullptr) co_return result<void>{};
  // Cleared first: a change announced while this read is out is read again.
  duty_stale_ = false;
  auto stored = co_await s_.duty->exceptions();
  if (!stored) {
    duty_stale_ = true;
    co_return stored.error();
  }
  if (*stored == s_.roster->stored()) co_return result<void>{};
  // The roster of the config in use now (a reload swaps both; it keeps the
  // stored exceptions of the roster it replaces).
  s_.roster = std::make_shared<schedule::roster>(*s_.cfg, std::move(*stored));
  log::info("duty.roster_changed", {{"why", "stored exceptions changed"}});
  co_return result<void>{};
}

asio::awaitable<boost::system::result<void>> dispatcher::pass() {
  // A duty change from any replica applies before anything is decided.
  if (auto read = co_await read_duty(); !read) co_return read.error();
  const auto cfg = s_.cfg;
  const auto roster = s_.roster;
  const auto now = caseroute::now();

  // Offers expire on the tick (their timeouts are minutes), not on every
  // kick: a busy feed would otherwise run the script hundreds of times a second.
  if (now >= next_expire_) {
    auto expired = co_await expire(cfg->routing.max_missed_offers, now);
    if (!expired) co_return expired.error();
    next_expire_ = now + std::min<std::chrono::milliseconds>(cfg->routing.tick, std::chrono::milliseconds(250));
  }

  auto on_duty = roster->on_duty(now);
  std::set<std::string> duty_ids;
  for (const auto& d : on_duty) duty_ids.insert(d.counselor_id);
  const bool duty_changed = duty_ids != on_duty_;
  auto withdrawn = co_await withdraw_if_shift_ended(cfg, roster, duty_ids, now);
  if (!withdrawn) co_return withdrawn.error();

  // Everything is read again when the cache may be stale (start, a gap in
  // the feed, the feed not followed, a failed pass), and when what routing
  // means changed (a shift boundary, a reload); now and then in any case.
  const bool following = s_.feed_following && s_.feed_following();
  const bool full = !cache_valid_ || !following || duty_changed || cfg != cached_cfg_ || roster != cached_roster_ ||
                    now >= next_full_;
  std::set<std::string> fresh;
  auto read = co_await refresh(full, cfg, now, fresh);
  if (!read) co_return read.error();
  if (full) {
    cached_cfg_ = cfg;
    cached_roster_ = roster;
    next_full_ = now + std::chrono::minutes(10);
    cache_valid_ = following;
  }
  s_.metrics.set("caseroute_counselors_on_duty", {}, static_cast<double>(duty_ids.size()));

  auto escalated = co_await escalate_due(cfg, now, fresh);
  if (!escalated) co_return escalated.error();

  // What to route: after a full read every case; else the cases that changed
  // and, when a counselor changed (a slot may have freed) or on the tick
  // (wrap-ups end, cases age), every case someone on duty could serve.
  const bool servable = read->counselors || now >= next_servable_;
  if (servable) next_servable_ = now + cfg->routing.tick;
  const auto cases = cache_.to_plan(full, fresh, servable);
  if (cases.empty()) co_return boost::system::result<void>{};

  const routing::snapshot& snap = cache_.snapshot(cfg.get(), std::move(on_duty));
  // A crisis case goes to every eligible crisis-trained counselor at once.
  routing::plan_options options;
  options.crisis_broadcast = true;
  // Continuity across shifts: a LOW/MEDIUM case may wait for its counselor's next shift.
  options.continuity_roster = roster.get();
  // Whether a case's servable mark is read again: every case after a full
  // read (the on-duty set or the rules may have changed), else only what
  // changed; a case that did not change keeps its mark.
  const std::set<std::string>* remark = full ? nullptr : &fresh;
  const auto decisions = co_await plan(cases, snap, options, remark, now);
  s_.metrics.inc("caseroute_routing_cases_total", {}, static_cast<double>(decisions.size()));
  s_.metrics.set("caseroute_queue_unservable", {}, static_cast<double>(cache_.unservable()));
  auto done = co_await apply_all(decisions, cases, now);
  // Only now: the decisions pointed into the cache while they were applied.
  for (const std::string& id : left_queue_) cache_.forget(id);
  left_queue_.clear();
  if (!done) co_return done.error();
  if (done->reroute) kick();
  co_return boost::system::result<void>{};
}

asio::awaitable<dispatcher::result<dispatcher::refreshed>> dispatcher::refresh(
    bool full, std::shared_ptr<const config::config> cfg, time_point now, std::set<std::string>& fresh) {
  if (full) {
    // What the feed named so far is in this read: it committed before.
    changed_cases_.clear();
    changed_counselors_.clear();
    auto state = co_await s_.store.load_routing_state(now, cfg->routing.continuity_window());
    if (!state) co_return state.error();
    cache_.replace(std::move(*state), cfg->routing);
    // The read's reply (every queued record) was several times the cache:
    // give what it freed back to the system instead of keeping the peak.
    ::malloc_trim(0);
    s_.metrics.inc("caseroute_routing_reads_total", {{"kind", "full"}});
    co_return refreshed{.counselors = true};
  }
  if (changed_cases_.empty() && changed_counselors_.empty()) co_return refreshed{};
  std::vector<std::string> case_ids(changed_cases_.begin(), changed_cases_.end());
  std::vector<std::string> counselor_ids(changed_counselors_.begin(), changed_counselors_.end());
  changed_cases_.clear();
  changed_counselors_.clear();
  const bool counselors = !counselor_ids.empty();
  auto delta = co_await s_.store.load_routing_delta(now, cfg->routing.continuity_window(), std::move(case_ids),
                                                    std::move(counselor_ids));
  if (!delta) co_return delta.error();
  for (auto& id : cache_.apply(std::move(*delta))) fresh.insert(std::move(id));
  s_.metrics.inc("caseroute_routing_reads_total", {{"kind", "delta"}});
  co_return refreshed{.counselors = counselors};
}

asio::awaitable<std::vector<routing::decision>> dispatcher::plan(const std::vector<const routing::queued_case*>& cases,
                                                                 const routing::snapshot& snap,
                                                                 routing::plan_options options,
                                                                 const std::set<std::string>* remark, time_point now) {
  routing::router router(snap, now, options);
  const auto order = routing::queue_order(cases, now, snap.cfg->routing);
  std::vector<routing::decision> decisions;
  decisions.reserve(order.size());
  constexpr auto slice = std::chrono::milliseconds(2);
  auto slice_start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < order.size(); ++i) {
    // Once nobody on duty is free, no later case gets an offer: the rest
    // stay queued as they are, only sorted into servable or not (crisis
    // cases come first and are all decided: one nobody can take escalates
    // at once).
    if (order[i]->level != routing::risk::crisis && !router.anyone_free()) {
      // Marking is the costly part of a long queue: skip the cases whose
      // mark still holds, so a pass behind a backlog costs what changed.
      if (remark == nullptr || remark->contains(order[i]->id))
        cache_.mark(order[i]->id, !router.could_serve(*order[i]));
    } else {
      decisions.push_back(router.route_and_count(*order[i]));
      if (const auto* kept = std::get_if<routing::keep_queued>(&decisions.back())) {
        cache_.mark(kept->case_id, kept->nobody_on_duty);
      }
    }
    if (i % 64 == 63 && std::chrono::steady_clock::now() - slice_start > slice) {
      // Let requests and the feed in; nothing they do touches the cache or
      // the snapshot (they only note what changed for the next pass).
      co_await asio::post(s_.io, asio::use_awaitable);
      slice_start = std::chrono::steady_clock::now();
    }
  }
  co_return decisions;
}

asio::awaitable<dispatcher::result<void>> dispatcher::expire(int max_missed_offers, time_point now) {
  auto expired = co_await s_.store.expire_offers(now, max_missed_offers);
  if (!expired) co_return expired.error();
  if (expired->expired > 0) {
    s_.metrics.inc("caseroute_offers_expired_total", {}, expired->expired);
    log::info("offers.expired", {{"count", expired->expired}});
  }
  for (const auto& id : expired->signed_out)
    log::warn("counselor.availability", {{"counselor_id", id}, {"available", false}, {"why", "missed offers"}});
  co_return result<void>{};
}

asio::awaitable<dispatcher::result<void>> dispatcher::withdraw_if_shift_ended(
    std::shared_ptr<const config::config> cfg, std::shared_ptr<const schedule::roster> roster,
    std::set<std::string> duty_ids, time_point now) {
  // A shift ended (someone left the on-duty set) or this replica just started:
  // offers to counselors no longer on duty are withdrawn and routed again.
  const bool someone_left = !std::includes(duty_ids.begin(), duty_ids.end(), on_duty_.begin(), on_duty_.end());
  if (someone_left || !reconciled_) {
    auto withdrawn = co_await withdraw_off_duty_offers(s_.store, cfg, roster, now);
    if (!withdrawn) co_return withdrawn.error();
    if (*withdrawn > 0) log::info("offers.withdrawn", {{"count", *withdrawn}, {"why", "counselor no longer on duty"}});
    reconciled_ = true;
  }
  on_duty_ = std::move(duty_ids);
  co_return result<void>{};
}

asio::awaitable<dispatcher::result<void>> dispatcher::escalate_due(std::shared_ptr<const config::config> cfg,
                                                                   time_point now, std::set<std::string>& fresh) {
  // One level per limit passed since the case was queued, each rise its own
  // event (after an outage a case may be due several at once).
  for (const std::string& id : cache_.due_escalations(now)) {
    const routing::queued_case* c = cache_.find(id);
    if (c == nullptr) continue;
    const routing::risk level_risk = c->level;
    const int from = c->escalation_level;
    const int due = routing::due_escalation_level(*c, now, cfg->routing);
    for (int level = from + 1; level <= due; ++level) {
      auto rose = co_await s_.store.escalate(id, level, now);
      if (!rose) co_return rose.error();
      if (*rose) {
        s_.metrics.inc("caseroute_escalations_total", {{"risk", v1::Risk_Name(static_cast<v1::Risk>(level_risk))}});
        log::warn("case.escalated", {{"case_id", id}, {"escalation_level", level}});
      }
    }
    cache_.escalated(id, due);
    fresh.insert(id);
  }
  co_return result<void>{};
}

asio::awaitable<dispatcher::result<dispatcher::applied>> dispatcher::apply_all(
    const std::vector<routing::decision>& decisions, const std::vector<const routing::queued_case*>& queued,
    time_point now) {
  std::unordered_map<std::string_view, const routing::queued_case*> by_id;  // keys point into queued
  by_id.reserve(queued.size());
  for (const auto* c : queued) by_id.emplace(c->id, c);
  // The decisions of one pass never contend (the router counted every slot
  // it filled), so they go to Redis together, a window at a time: a pass
  // costs one round trip, not one per case. A decision that did conflict
  // with another replica or a request is refused by its script and left to
  // the next pass, as before.
  constexpr std::size_t window = 64;
  applied all;
  std::optional<boost::system::error_code> failed;
  std::exception_ptr thrown;
  for (std::size_t first = 0; first < decisions.size() && !failed && !thrown; first += window) {
    const std::size_t last = std::min(decisions.size(), first + window);
    std::size_t pending = last - first;
    asio::steady_timer all_done(s_.io, asio::steady_timer::time_point::max());
    for (std::size_t i = first; i < last; ++i) {
      auto apply_one = [this, &by_id, now](const auto& kind) { return apply(kind, by_id.at(kind.case_id), now); };
      asio::co_spawn(s_.io, std::visit(apply_one, decisions[i]), [&](std::exception_ptr e, result<applied> done) {
        if (e && !thrown) thrown = e;
        if (!e && !done && !failed) failed = done.error();
        if (!e && done) all.reroute = all.reroute || done->reroute;
        if (--pending == 0) all_done.cancel();
      });
    }
    // The children point into this frame: it outlives every one of them.
    while (pending > 0) co_await all_done.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  if (thrown) std::rethrow_exception(thrown);
  if (failed) co_return *failed;
  co_return all;
}

asio::awaitable<dispatcher::result<dispatcher::applied>> dispatcher::apply(routing::offer o,
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
  left_queue_.push_back(req.case_id);
  s_.metrics.inc("caseroute_offers_total", {{"rule", req.rule}});
  s_.metrics.observe("caseroute_referral_to_offer_seconds", {},
                     std::chrono::duration<double>(now - c->created_at).count());
  log::info(
      "case.offered",
      {{"case_id", req.case_id}, {"counselor_id", req.counselor_id}, {"site_id", req.site_id}, {"rule", req.rule}});
  co_return applied{};
}

asio::awaitable<dispatcher::result<dispatcher::applied>> dispatcher::apply(routing::keep_queued,
                                                                           const routing::queued_case* c,
                                                                           time_point now) {
  // A crisis case with no eligible counselor escalates at once: level 1
  // relaxes rule 2 for the next pass.
  if (c->level != routing::risk::crisis || c->escalation_level != 0) co_return applied{};
  auto rose = co_await s_.store.escalate(c->id, 1, now);
  if (!rose) co_return rose.error();
  if (!*rose) co_return applied{};
  s_.metrics.inc("caseroute_escalations_total", {{"risk", "RISK_CRISIS"}});
  log::warn("case.escalated", {{"case_id", c->id}, {"escalation_level", 1}, {"why", "no eligible counselor"}});
  co_return applied{.reroute = true};
}

asio::awaitable<dispatcher::result<dispatcher::applied>> dispatcher::apply(routing::broadcast b,
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
  left_queue_.push_back(req.case_id);
  s_.metrics.inc("caseroute_offers_total", {{"rule", "broadcast"}}, static_cast<double>(r->size()));
  s_.metrics.observe("caseroute_referral_to_offer_seconds", {},
                     std::chrono::duration<double>(now - c->created_at).count());
  log::info("case.broadcast", {{"case_id", req.case_id}, {"offers", static_cast<int>(r->size())}});
  co_return applied{};
}

asio::awaitable<dispatcher::result<dispatcher::applied>> dispatcher::apply(routing::wait_for_counselor w,
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
