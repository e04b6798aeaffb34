// One routing pass: load a snapshot from Redis, let the pure router decide,
// apply each decision through the store's atomic scripts.
#include "dispatch.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <set>

#include "log/log.hpp"
#include "reconcile.hpp"
#include "routing/routing.hpp"

namespace caseroute {

namespace asio = boost::asio;

dispatcher::dispatcher(context& ctx) : ctx_(ctx), wake_(ctx.io) {}

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
    if (ctx_.redis.connected()) {
      auto r = co_await pass();
      ctx_.metrics.inc("caseroute_routing_passes_total", {{"result", r ? "ok" : "unavailable"}});
    }
    if (stopping_) break;
    if (kicked_) continue;  // a kick arrived during the pass
    // Wake at the next shift start or end if it comes before the tick, so a
    // shift start routes at once.
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(ctx_.cfg->routing.tick);
    if (auto change = ctx_.roster->next_change(context::now())) {
      wait = std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(*change - context::now()) +
                            std::chrono::milliseconds(1),
                        std::chrono::milliseconds(1), wait);
    }
    wake_.expires_after(wait);
    co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<boost::system::result<void>> dispatcher::pass() {
  const auto cfg = ctx_.cfg;
  const auto roster = ctx_.roster;
  const auto now = context::now();

  auto expired = co_await ctx_.store.expire_offers(now, cfg->routing.max_missed_offers);
  if (!expired) co_return expired.error();
  if (expired->expired > 0) {
    ctx_.metrics.inc("caseroute_offers_expired_total", {}, expired->expired);
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
    auto withdrawn = co_await withdraw_off_duty_offers(ctx_, now);
    if (!withdrawn) co_return withdrawn.error();
    if (*withdrawn > 0) log::info("offers.withdrawn", {{"count", *withdrawn}, {"why", "counselor no longer on duty"}});
    reconciled_ = true;
  }
  on_duty_ = duty_ids;

  auto state = co_await ctx_.store.load_routing_state(now, std::chrono::hours(24) * cfg->routing.continuity_days);
  if (!state) co_return state.error();

  routing::snapshot snap;
  snap.cfg = cfg.get();
  snap.on_duty = std::move(on_duty);
  snap.status = std::move(state->counselors);
  snap.continuity = std::move(state->continuity);

  ctx_.metrics.set("caseroute_counselors_on_duty", {}, static_cast<double>(duty_ids.size()));

  // Escalation: one level per limit passed since the case was queued.
  for (auto& c : state->queued) {
    const int due = routing::due_escalation_level(c, now, cfg->routing);
    if (due <= c.escalation_level) continue;
    auto rose = co_await ctx_.store.escalate(c.id, due, now);
    if (!rose) co_return rose.error();
    if (*rose) {
      ctx_.metrics.inc("caseroute_escalations_total", {{"risk", v1::Risk_Name(static_cast<v1::Risk>(c.level))}});
      log::warn("case.escalated", {{"case_id", c.id}, {"escalation_level", due}});
    }
    c.escalation_level = due;
  }

  const auto decisions = routing::plan(state->queued, snap, now);
  std::map<std::string, const routing::queued_case*> by_id;
  for (const auto& c : state->queued) by_id.emplace(c.id, &c);

  bool reroute = false;
  for (const auto& d : decisions) {
    const auto* offer = std::get_if<routing::offer>(&d);
    if (offer == nullptr) {
      // SPEC 3: a crisis case with no eligible counselor escalates at once,
      // which relaxes rule 2 for the next pass.
      const auto& kept = std::get<routing::keep_queued>(d);
      const auto* c = by_id.at(kept.case_id);
      if (c->level == routing::risk::crisis && c->escalation_level == 0) {
        auto rose = co_await ctx_.store.escalate(c->id, 1, now);
        if (!rose) co_return rose.error();
        if (*rose) {
          ctx_.metrics.inc("caseroute_escalations_total", {{"risk", "RISK_CRISIS"}});
          log::warn("case.escalated", {{"case_id", c->id}, {"escalation_level", 1}, {"why", "no eligible counselor"}});
          reroute = true;
        }
      }
      continue;
    }
    const auto* c = by_id.at(offer->case_id);
    const auto* counselor = cfg->find_counselor(offer->counselor_id);
    if (counselor == nullptr) continue;
    store::offer_request req;
    req.case_id = offer->case_id;
    req.counselor_id = offer->counselor_id;
    req.site_id = offer->site_id;
    req.rule = routing::to_string(offer->chosen_by);
    req.actor = "system";
    req.capacity = counselor->capacity;
    req.now = now;
    req.expires_at = now + routing::offer_timeout(c->level, cfg->routing);
    req.ignore_exclusion = offer->relaxed_rule5;
    auto r = co_await ctx_.store.offer(req);
    if (!r) {
      if (r.error() == store::error::unavailable) co_return r.error();
      // Another replica or a request changed the case or the counselor first;
      // the next pass sees the new state.
      ctx_.metrics.inc("caseroute_offer_conflicts_total");
      continue;
    }
    ctx_.metrics.inc("caseroute_offers_total", {{"rule", req.rule}});
    ctx_.metrics.observe("caseroute_referral_to_offer_seconds", {},
                         std::chrono::duration<double>(now - c->created_at).count());
    log::info(
        "case.offered",
        {{"case_id", req.case_id}, {"counselor_id", req.counselor_id}, {"site_id", req.site_id}, {"rule", req.rule}});
  }
  if (reroute) kick();
  co_return boost::system::result<void>{};
}

}  // namespace caseroute
