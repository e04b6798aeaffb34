// Supervisor endpoints (SPEC 4.4): queue view, case lists and details,
// assign, cancel, and the roster now. Counselors may read their own cases
// through GET /v1/cases/{caseId}; nothing else here is theirs.
#include "supervisor/supervisor.hpp"

#include <boost/asio/awaitable.hpp>

#include <algorithm>
#include <charconv>
#include <set>

#include "api/views.hpp"
#include "http/codec.hpp"
#include "log/log.hpp"
#include "schedule/coverage.hpp"

namespace caseroute::supervisor {
namespace {

using api::context;
using api::fail;
using api::counselor_view;
using api::require_staff;
using api::require_supervisor;

namespace asio = boost::asio;
using http::api_error;

google::protobuf::Timestamp to_timestamp(time_point t) {
  google::protobuf::Timestamp ts;
  const auto ms = t.time_since_epoch().count();
  ts.set_seconds(ms / 1000);
  ts.set_nanos(static_cast<int>(ms % 1000) * 1000000);
  return ts;
}

const schedule::duty_slot* duty_of(const std::vector<schedule::duty_slot>& on_duty, const std::string& id) {
  for (const auto& d : on_duty)
    if (d.counselor_id == id) return &d;
  return nullptr;
}

asio::awaitable<http::response> get_queue(context& ctx, http::request req) {
  auto who = require_supervisor(ctx, req);
  if (auto* r = std::get_if<http::response>(&who)) co_return std::move(*r);
  const auto cfg = ctx.cfg;
  const auto now = caseroute::now();
  auto view = co_await ctx.store.queue_view(now);
  if (!view) co_return fail(req, view.error());
  // Counselor states only: the queue itself is not read.
  auto state = co_await ctx.store.load_routing_state(now, std::chrono::hours(24) * cfg->routing.continuity_days, "");
  if (!state) co_return fail(req, state.error());

  const auto on_duty = ctx.roster->on_duty(now);
  std::set<std::string> seen;
  int duty = 0, available = 0, busy = 0;
  for (const auto& d : on_duty) {
    if (!seen.insert(d.counselor_id).second) continue;
    const auto* c = cfg->find_counselor(d.counselor_id);
    if (c == nullptr) continue;
    ++duty;
    routing::counselor_status s;
    if (auto it = state->counselors.find(d.counselor_id); it != state->counselors.end()) s = it->second;
    if (s.load >= c->capacity)
      ++busy;
    else if (routing::signed_in(s, d))
      ++available;
  }
  view->set_counselors_on_duty(duty);
  view->set_counselors_available(available);
  view->set_counselors_busy(busy);
  *view->mutable_at() = to_timestamp(now);
  co_return http::encode(req, *view);
}

asio::awaitable<http::response> list_cases(context& ctx, http::request req) {
  auto who = require_supervisor(ctx, req);
  if (auto* r = std::get_if<http::response>(&who)) co_return std::move(*r);
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
  if (auto it = req.query.find("limit"); it != req.query.end() && !it->second.empty()) {
    const auto& s = it->second;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), f.limit);
    if (ec != std::errc{} || p != s.data() + s.size() || f.limit < 1 || f.limit > 500)
      co_return fail(req, http::invalid_argument("limit: 1-500", "limit"));
  }
  if (auto it = req.query.find("cursor"); it != req.query.end()) f.cursor = it->second;
  auto list = co_await ctx.store.list(f);
  if (!list) {
    if (list.error() == store::error::not_found)
      co_return fail(req, http::invalid_argument("cursor: not a cursor from this API", "cursor"));
    co_return fail(req, list.error());
  }
  co_return http::encode(req, *list);
}

// Fills wait_reason and next_eligible_at of a queued case from the same
// snapshot the dispatcher routes with.
asio::awaitable<boost::system::result<void>> explain_wait(context& ctx, v1::Case& c) {
  const auto cfg = ctx.cfg;
  const auto roster = ctx.roster;
  const auto now = caseroute::now();
  auto state =
      co_await ctx.store.load_routing_state(now, std::chrono::hours(24) * cfg->routing.continuity_days, c.case_id());
  if (!state) co_return state.error();
  const routing::queued_case* queued = nullptr;
  for (const auto& q : state->queued)
    if (q.id == c.case_id()) queued = &q;
  if (queued == nullptr) co_return boost::system::result<void>{};  // routed meanwhile
  const auto snap = store::to_snapshot(*state, cfg.get(), roster->on_duty(now));
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
  co_return boost::system::result<void>{};
}

asio::awaitable<http::response> get_case(context& ctx, http::request req) {
  auto who = require_staff(ctx, req);
  if (auto* r = std::get_if<http::response>(&who)) co_return std::move(*r);
  const auto p = std::get<http::principal>(who);
  const bool supervisor = p.role == http::principal::kind::supervisor;
  auto c = co_await ctx.store.get(req.params["caseId"], store::view_options{.personal = true, .history = supervisor});
  if (!c) co_return fail(req, c.error());
  const bool offered_to_them = std::find(c->offered_to().begin(), c->offered_to().end(), p.id) != c->offered_to().end();
  const bool theirs = offered_to_them ||
                      (c->counselor_id() == p.id && (c->state() == v1::CASE_OFFERED || c->state() == v1::CASE_ACTIVE));
  if (!supervisor && !theirs)
    co_return fail(req, http::permission_denied("the case is not offered or assigned to you"));
  if (supervisor && c->state() == v1::CASE_QUEUED) {
    auto explained = co_await explain_wait(ctx, *c);
    if (!explained) co_return fail(req, explained.error());
  }
  co_return http::encode(req, *c);
}

asio::awaitable<http::response> get_coverage(context& ctx, http::request req) {
  auto who = require_supervisor(ctx, req);
  if (auto* r = std::get_if<http::response>(&who)) co_return std::move(*r);
  int days = 7;
  if (auto it = req.query.find("days"); it != req.query.end() && !it->second.empty()) {
    const auto& s = it->second;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), days);
    if (ec != std::errc{} || p != s.data() + s.size() || days < 1 || days > 31)
      co_return fail(req, http::invalid_argument("days: 1-31", "days"));
  }
  const auto cfg = ctx.cfg;
  const auto roster = ctx.roster;
  const auto report = schedule::dated_coverage(*cfg, *roster, caseroute::now(), days);
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

asio::awaitable<http::response> assign(context& ctx, http::request req) {
  auto who = require_supervisor(ctx, req);
  if (auto* r = std::get_if<http::response>(&who)) co_return std::move(*r);
  const auto supervisor_id = std::get<http::principal>(who).id;
  v1::AssignRequest body;
  if (auto e = http::decode(req, body)) co_return fail(req, *e);
  const auto cfg = ctx.cfg;
  const auto* counselor = cfg->find_counselor(body.counselor_id());
  if (counselor == nullptr)
    co_return fail(req, http::invalid_argument("counselorId: unknown counselor", "counselorId"));

  // Assignment overrides rules 2-5, never rule 1: the counselor must be on
  // duty, signed in and below capacity (the store checks capacity atomically).
  const auto now = caseroute::now();
  const auto on_duty = ctx.roster->on_duty(now);
  const auto* duty = duty_of(on_duty, counselor->id);
  if (duty == nullptr) co_return fail(req, http::conflict("the counselor is not on duty now"));
  auto state = co_await ctx.store.load_routing_state(now, std::chrono::hours(24) * cfg->routing.continuity_days, "");
  if (!state) co_return fail(req, state.error());
  if (auto it = state->counselors.find(counselor->id);
      it != state->counselors.end() && !routing::signed_in(it->second, *duty))
    co_return fail(req, http::conflict("the counselor is signed out"));

  const auto case_id = req.params["caseId"];
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
  auto c = co_await ctx.store.get(case_id, store::view_options{.personal = true, .history = true});
  if (!c) co_return fail(req, c.error());
  co_return http::encode(req, *c);
}

asio::awaitable<http::response> cancel(context& ctx, http::request req) {
  auto who = require_supervisor(ctx, req);
  if (auto* r = std::get_if<http::response>(&who)) co_return std::move(*r);
  const auto supervisor_id = std::get<http::principal>(who).id;
  v1::CancelRequest body;
  if (!req.body.empty())
    if (auto e = http::decode(req, body)) co_return fail(req, *e);
  if (body.reason().size() > 1000)
    co_return fail(req, http::invalid_argument("reason: longer than 1000 bytes", "reason"));
  const auto case_id = req.params["caseId"];
  auto c = co_await ctx.store.cancel(case_id, "supervisor:" + supervisor_id, body.reason(), caseroute::now());
  if (!c) co_return fail(req, c.error());
  log::info("case.cancelled", {{"request_id", req.request_id}, {"case_id", case_id}, {"supervisor_id", supervisor_id}});
  ctx.kick_routing();
  co_return http::encode(req, *c);
}

asio::awaitable<http::response> list_counselors(context& ctx, http::request req) {
  auto who = require_supervisor(ctx, req);
  if (auto* r = std::get_if<http::response>(&who)) co_return std::move(*r);
  const auto cfg = ctx.cfg;
  const auto now = caseroute::now();
  auto state = co_await ctx.store.load_routing_state(now, std::chrono::hours(24) * cfg->routing.continuity_days, "");
  if (!state) co_return fail(req, state.error());
  const auto on_duty = ctx.roster->on_duty(now);
  v1::CounselorList list;
  for (const auto& c : cfg->counselors) {
    routing::counselor_status s;
    if (auto it = state->counselors.find(c.id); it != state->counselors.end()) s = it->second;
    *list.add_counselors() = counselor_view(c, on_duty, s, cfg->routing.max_missed_offers);
  }
  co_return http::encode(req, list);
}

}  // namespace

void add_routes(http::router& r, context& ctx) {
  r.add("GET", "/v1/queue", "/v1/queue", [&ctx](http::request req) { return get_queue(ctx, std::move(req)); });
  r.add("GET", "/v1/cases", "/v1/cases", [&ctx](http::request req) { return list_cases(ctx, std::move(req)); });
  r.add("GET", "/v1/cases/{caseId}", "/v1/cases/{caseId}",
        [&ctx](http::request req) { return get_case(ctx, std::move(req)); });
  r.add("POST", "/v1/cases/{caseId}/assign", "/v1/cases/{caseId}/assign",
        [&ctx](http::request req) { return assign(ctx, std::move(req)); });
  r.add("POST", "/v1/cases/{caseId}/cancel", "/v1/cases/{caseId}/cancel",
        [&ctx](http::request req) { return cancel(ctx, std::move(req)); });
  r.add("GET", "/v1/coverage", "/v1/coverage", [&ctx](http::request req) { return get_coverage(ctx, std::move(req)); });
  r.add("GET", "/v1/counselors", "/v1/counselors",
        [&ctx](http::request req) { return list_counselors(ctx, std::move(req)); });
}

}  // namespace caseroute::supervisor
