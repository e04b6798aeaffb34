// Supervisor endpoints: queue view, case lists and details, assign, cancel,
// the roster now and the coverage ahead. Counselors may read their own cases
// through GET /v1/cases/{caseId}; nothing else here is theirs.
#include "supervisor/supervisor.hpp"

#include <boost/asio/awaitable.hpp>

#include <algorithm>

#include "api/errors.hpp"
#include "api/input.hpp"
#include "api/views.hpp"
#include "audit/reads.hpp"
#include "host/off_loop.hpp"
#include "http/codec.hpp"
#include "log/log.hpp"
#include "reports/recount.hpp"
#include "routing/rules.hpp"
#include "schedule/coverage.hpp"
#include "supervisor/duty.hpp"
#include "supervisor/parked_callbacks.hpp"
#include "supervisor/reports.hpp"

namespace caseroute::supervisor {
namespace {

using api::caller;
using api::case_view;
using api::context;
using api::fail;
using api::role;
using api::to_timestamp;

namespace asio = boost::asio;

asio::awaitable<http::response> get_queue(context& ctx, caller, http::request req) {
  const auto cfg = ctx.cfg;
  const auto now = caseroute::now();
  auto view = co_await ctx.store.queue_view(now);
  if (!view) co_return fail(req, view.error());
  for (auto& c : *view->mutable_escalated()) api::show(case_view::supervisor_row, c);
  // Counselor states only, a slice at a time: the queue itself is not read.
  const auto duty = co_await ctx.on_duty.at(cfg, ctx.roster, now);
  auto counts = co_await api::count_duty(ctx.store, *duty, now);
  if (!counts) co_return fail(req, counts.error());
  view->set_counselors_on_duty(counts->on_duty);
  view->set_counselors_available(counts->available);
  view->set_counselors_busy(counts->busy);
  *view->mutable_at() = to_timestamp(now);
  co_return http::encode(req, *view);
}

asio::awaitable<http::response> list_cases(context& ctx, caller, http::request req) {
  store::case_filter f;
  if (auto it = req.query.find("state"); it != req.query.end() && !it->second.empty()) {
    v1::CaseState s;
    if (!v1::CaseState_Parse(it->second, &s) || s == v1::CASE_STATE_UNSPECIFIED)
      co_return fail(req, http::invalid_argument("state: one of CASE_QUEUED, CASE_OFFERED, CASE_ACTIVE, "
                                                 "CASE_RESOLVED, CASE_CANCELLED",
                                                 "state"));
    f.state = s;
  }
  if (auto it = req.query.find("risk"); it != req.query.end() && !it->second.empty()) {
    v1::Risk r;
    if (!v1::Risk_Parse(it->second, &r) || r == v1::RISK_UNSPECIFIED)
      co_return fail(req, http::invalid_argument("risk: one of RISK_LOW, RISK_MEDIUM, RISK_HIGH, RISK_CRISIS", "risk"));
    f.risk = r;
  }
  auto limit = api::query_int(req, "limit", 1, 500, f.limit);
  if (!limit) co_return fail(req, limit.error());
  f.limit = *limit;
  if (auto it = req.query.find("cursor"); it != req.query.end()) f.cursor = it->second;
  auto list = co_await ctx.store.list(f);
  if (!list) co_return fail(req, list.error(), api::store_call::list);
  for (auto& c : *list->mutable_cases()) api::show(case_view::supervisor_row, c);
  co_return http::encode(req, *list);
}

// Fills wait_reason and next_eligible_at of a queued case from the same
// snapshot the dispatcher routes with.
asio::awaitable<boost::system::result<void>> explain_wait(context& ctx, v1::Case& c) {
  const auto cfg = ctx.cfg;
  const auto roster = ctx.roster;
  const auto now = caseroute::now();
  const auto lookback = store::routing_lookback::of(cfg->routing);
  // The case's row and its youth's continuity, then the states of those on
  // duty only (routing looks at no one else), a slice of them a call.
  // (named vectors: g++ 12 miscompiles a braced temporary in a co_await operand)
  std::vector<std::string> ids = {c.case_id()}, no_youths, no_counselors;
  auto read = co_await ctx.store.load_routing_delta(now, lookback, std::move(ids), std::move(no_youths),
                                                    std::move(no_counselors));
  if (!read) co_return read.error();
  auto& state = read->changed;
  const routing::queued_case* queued = nullptr;
  for (const auto& q : state.queued)
    if (q.id == c.case_id()) queued = &q;
  if (queued == nullptr) co_return boost::system::result<void>{};  // routed meanwhile
  const auto duty = co_await ctx.on_duty.at(cfg, roster, now);
  auto states = co_await api::read_duty_states(ctx.store, *duty, now, lookback);
  if (!states) co_return states.error();
  state.counselors = std::move(states->counselors);
  state.crisis_accepted = std::move(states->crisis_accepted);
  // Routing one case indexes everyone on duty: off the loop, on what this
  // request alone holds (its reads, the config and roster it took).
  co_await host::off_loop(ctx.on_duty.worker(), [&] {
    const auto snap = store::to_snapshot(state, cfg.get(), duty->slots);
    // A case waiting for its continuity counselor says so; any other says what
    // excludes everyone on duty.
    routing::plan_options options;
    options.continuity_roster = roster.get();
    const auto decision = routing::route_one(*queued, snap, now, options);
    if (const auto* w = std::get_if<routing::wait_for_counselor>(&decision))
      c.set_wait_reason(w->reason);
    else
      c.set_wait_reason(routing::wait_reason(*queued, snap, now));
    if (auto next = routing::next_eligible_at(*queued, *cfg, *roster, now))
      *c.mutable_next_eligible_at() = to_timestamp(*next);
  });
  co_return boost::system::result<void>{};
}

// GET /v1/cases/{caseId}?reveal=false, and any viewer's read: the supervisor
// view with its history but no sealed field (contact, summary, notes,
// reasons), so nothing is audited.
asio::awaitable<http::response> get_sealed_case(context& ctx, http::request req) {
  auto c = co_await ctx.store.get(req.params["caseId"], store::view_options{.personal = false, .history = true});
  if (!c) co_return fail(req, c.error());
  api::show(case_view::supervisor_case, *c);
  for (auto& e : *c->mutable_history()) {
    e.clear_note();
    e.clear_reason();
  }
  if (c->state() == v1::CASE_QUEUED) {
    auto explained = co_await explain_wait(ctx, *c);
    if (!explained) co_return fail(req, explained.error());
  }
  co_return http::encode(req, *c);
}

asio::awaitable<http::response> get_case(context& ctx, caller who, http::request req) {
  bool reveal = true;
  if (auto it = req.query.find("reveal"); it != req.query.end()) {
    if (it->second != "true" && it->second != "false")
      co_return fail(req, http::invalid_argument("reveal: true or false", "reveal"));
    reveal = it->second == "true";
  }
  if (who.as == role::viewer || (!reveal && who.as == role::supervisor))
    co_return co_await get_sealed_case(ctx, std::move(req));
  auto c = co_await ctx.store.get(req.params["caseId"], api::reads(who.as));
  if (!c) co_return fail(req, c.error());
  if (who.as == role::counselor) {
    const bool offered_to_them =
        std::find(c->offered_to().begin(), c->offered_to().end(), who.id) != c->offered_to().end();
    const bool theirs = offered_to_them || (c->counselor_id() == who.id &&
                                            (c->state() == v1::CASE_OFFERED || c->state() == v1::CASE_ACTIVE));
    if (!theirs) co_return fail(req, http::permission_denied("the case is not offered or assigned to you"));
    api::show(api::counselor_view_of(*c, ctx.cfg->privacy.summary_in_offers), *c);
  } else {
    api::show(case_view::supervisor_case, *c);
    if (c->state() == v1::CASE_QUEUED) {
      auto explained = co_await explain_wait(ctx, *c);
      if (!explained) co_return fail(req, explained.error());
    }
  }
  // Who read which case's sealed fields is recorded before they go out.
  std::vector<audit::access> reads;
  audit::add_read(reads, who, req, *c);
  if (auto e = co_await audit::record(ctx, std::move(reads))) co_return fail(req, *e);
  co_return http::encode(req, *c);
}

asio::awaitable<http::response> get_coverage(context& ctx, caller, http::request req) {
  auto days = api::query_int(req, "days", 1, 31, 7);
  if (!days) co_return fail(req, days.error());
  const auto cfg = ctx.cfg;
  const auto roster = ctx.roster;
  const auto report = schedule::dated_coverage(*cfg, *roster, caseroute::now(), *days);
  v1::CoverageReport out;
  for (const auto& sc : report.shifts) {
    auto* s = out.add_shifts();
    s->set_day(sc.day);
    s->set_weekday(schedule::weekday_name(sc.weekday));
    s->set_shift(sc.shift);
    for (const auto& x : sc.counselors) s->add_counselors(x);
    for (const auto& x : sc.specialties) s->add_specialties(x);
    for (const auto& x : sc.visit_counties) s->add_visit_counties(x);
    s->set_crisis(sc.crisis);
  }
  for (const auto& g : report.gaps) {
    auto* o = out.add_gaps();
    o->set_day(g.day);
    o->set_shift(g.shift);
    o->set_kind(g.kind == schedule::gap_kind::specialty ? "specialty"
                : g.kind == schedule::gap_kind::county  ? "county"
                                                        : "crisis");
    o->set_code(g.code);
  }
  co_return http::encode(req, out);
}

asio::awaitable<http::response> assign(context& ctx, caller who, http::request req) {
  const auto& supervisor_id = who.id;
  v1::AssignRequest body;
  if (auto e = http::decode(req, body)) co_return fail(req, *e);
  const auto cfg = ctx.cfg;
  const auto* counselor = cfg->find_counselor(body.counselor_id());
  if (counselor == nullptr)
    co_return fail(req, http::invalid_argument("counselorId: unknown counselor", "counselorId"));

  // Assignment overrides rules 2-5, never rule 1: the counselor must be on
  // duty, signed in and below capacity (the store checks capacity atomically).
  const auto now = caseroute::now();
  const auto on_duty = co_await ctx.on_duty.at(cfg, ctx.roster, now);
  const auto* duty = on_duty->slot_of(counselor->id);
  if (duty == nullptr) co_return fail(req, http::conflict("the counselor is not on duty now"));
  std::vector<std::string> ids = {counselor->id};
  auto state = co_await ctx.store.load_counselor_states(now, store::routing_lookback::of(cfg->routing), std::move(ids));
  if (!state) co_return fail(req, state.error());
  if (auto it = state->counselors.find(counselor->id);
      it != state->counselors.end() && !routing::signed_in(it->second, *duty))
    co_return fail(req, http::conflict("the counselor is signed out"));

  const auto case_id = req.params["caseId"];
  // The routing facts (risk) set the offer's expiry; nothing personal is read.
  auto current = co_await ctx.store.get(case_id, store::view_options{});
  if (!current) co_return fail(req, current.error());
  store::offer_request offer;
  offer.case_id = case_id;
  offer.counselor_id = counselor->id;
  offer.site_id = duty->site_id;
  offer.rule = "assigned";
  offer.actor = "supervisor:" + supervisor_id;
  offer.capacity = counselor->capacity;
  offer.now = now;
  offer.expires_at = now + routing::offer_timeout(static_cast<routing::risk>(current->risk()), cfg->routing);
  offer.ignore_exclusion = true;
  if (auto r = co_await ctx.store.offer(offer); !r) co_return fail(req, r.error());
  log::info("case.assigned", {{"request_id", req.request_id},
                              {"case_id", case_id},
                              {"counselor_id", counselor->id},
                              {"supervisor_id", supervisor_id}});
  auto c = co_await ctx.store.get(case_id, api::reads(role::supervisor));
  if (!c) co_return fail(req, c.error());
  api::show(case_view::supervisor_case, *c);
  std::vector<audit::access> reads;
  audit::add_read(reads, who, req, *c);
  if (auto e = co_await audit::record(ctx, std::move(reads))) co_return fail(req, *e);
  co_return http::encode(req, *c);
}

asio::awaitable<http::response> cancel(context& ctx, caller who, http::request req) {
  const auto& supervisor_id = who.id;
  v1::CancelRequest body;
  if (auto e = api::decode_optional(req, body)) co_return fail(req, *e);
  if (auto e = api::max_length(body.reason(), "reason", 1000)) co_return fail(req, *e);
  const auto case_id = req.params["caseId"];
  auto c = co_await ctx.store.cancel(case_id, "supervisor:" + supervisor_id, body.reason(), caseroute::now());
  if (!c) co_return fail(req, c.error());
  log::info("case.cancelled", {{"request_id", req.request_id}, {"case_id", case_id}, {"supervisor_id", supervisor_id}});
  ctx.kick_routing();
  api::show(case_view::supervisor_row, *c);
  co_return http::encode(req, *c);
}

asio::awaitable<http::response> list_counselors(context& ctx, caller, http::request req) {
  const auto cfg = ctx.cfg;
  const auto roster = ctx.roster;
  const auto now = caseroute::now();
  // The whole city, so nothing here is done for everyone at once on the
  // loop or in one Redis call: who is on duty comes from the list worked out
  // once per shift change, the states and today's missed offers are read a
  // slice of counselors a call, and the list is built and encoded off the loop.
  const auto duty = co_await ctx.on_duty.at(cfg, roster, now);
  std::vector<std::string> ids;
  ids.reserve(cfg->counselors.size());
  for (const auto& c : cfg->counselors) ids.push_back(c.id);
  auto states = co_await api::read_counselor_states(ctx.store, ids, now, api::states_only);
  if (!states) co_return fail(req, states.error());
  // Today's declines and expiries from the day's report counters (the
  // transition scripts keep them): no scan of the cases.
  auto missed = co_await reports::missed_offers(ctx.redis, store::keys(cfg->redis.key_prefix), roster->local_date(now),
                                                std::move(ids));
  if (!missed) co_return fail(req, missed.error());
  http::response out;
  co_await host::off_loop(ctx.on_duty.worker(), [&] {
    const auto next_duties = roster->next_duties(now);
    v1::CounselorList list;
    for (const auto& c : cfg->counselors) {
      routing::counselor_status s;
      if (auto it = states->counselors.find(c.id); it != states->counselors.end()) s = it->second;
      auto& v = *list.add_counselors();
      v = api::roster_entry(c, duty->slot_of(c.id), s, cfg->routing.max_missed_offers);
      if (auto until = routing::wrap_up_until(s, now, cfg->routing)) *v.mutable_wrap_up_until() = to_timestamp(*until);
      if (auto it = missed->find(c.id); it != missed->end()) v.set_missed_offers(it->second);
      if (auto it = next_duties.find(c.id); !v.on_duty() && it != next_duties.end() && !it->second.empty())
        *v.mutable_next_shift_at() = to_timestamp(it->second.front().shift_start);
    }
    out = http::encode(req, list);
  });
  co_return out;
}

constexpr api::route table[] = {
    {"GET", "/v1/queue", role::supervisor, get_queue},
    {"GET", "/v1/cases", role::supervisor, list_cases},
    {"GET", "/v1/cases/{caseId}", role::staff, get_case},
    {"POST", "/v1/cases/{caseId}/assign", role::supervisor, assign},
    {"POST", "/v1/cases/{caseId}/cancel", role::supervisor, cancel},
    {"GET", "/v1/coverage", role::supervisor, get_coverage},
    {"GET", "/v1/counselors", role::supervisor, list_counselors},
    {"GET", "/v1/callbacks/parked", role::supervisor, list_parked},
    {"POST", "/v1/callbacks/parked/{eventId}/retry", role::supervisor, retry_parked},
    {"PUT", "/v1/sites/{siteId}/exceptions/{date}", role::supervisor, put_exception},
    {"DELETE", "/v1/sites/{siteId}/exceptions/{date}", role::supervisor, delete_exception},
    {"GET", "/v1/sites", role::supervisor, list_sites},
    {"GET", "/v1/sites/{siteId}/roster", role::supervisor, get_site_roster},
    {"PUT", "/v1/counselors/{counselorId}/availability", role::supervisor, put_counselor_availability},
    {"GET", "/v1/duty/changes", role::supervisor, list_duty_changes},
    {"GET", "/v1/reports", role::supervisor, get_reports},
};

}  // namespace

std::span<const api::route> routes() { return table; }

}  // namespace caseroute::supervisor
