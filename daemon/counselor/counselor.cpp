// Counselor endpoints (SPEC 4.3): availability, offers (long poll), own cases,
// accept, decline, resolve, release. A counselor acts only on cases offered
// or assigned to them; the store's scripts check that atomically.
#include "counselor/counselor.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <charconv>

#include "api/views.hpp"
#include "http/codec.hpp"
#include "log/log.hpp"

namespace caseroute::counselor {
namespace {

using api::context;
using api::fail;
using api::counselor_view;
using api::require_counselor;

namespace asio = boost::asio;
using namespace std::chrono_literals;
using http::api_error;

// Decodes an optional body: an empty body leaves the message empty.
std::optional<api_error> decode_optional(const http::request& req, google::protobuf::Message& m) {
  if (req.body.empty()) return std::nullopt;
  return http::decode(req, m);
}

std::optional<api_error> check_length(const std::string& s, const char* field, std::size_t max) {
  if (s.size() > max)
    return http::invalid_argument(std::string(field) + ": longer than " + std::to_string(max) + " bytes", field);
  return std::nullopt;
}

double seconds_between(const google::protobuf::Timestamp& a, const google::protobuf::Timestamp& b) {
  return static_cast<double>(b.seconds() - a.seconds()) + (b.nanos() - a.nanos()) / 1e9;
}

asio::awaitable<http::response> put_availability(context& ctx, http::request req) {
  auto who = require_counselor(ctx, req);
  if (auto* r = std::get_if<http::response>(&who)) co_return std::move(*r);
  const auto id = std::get<http::principal>(who).id;
  v1::AvailabilityRequest body;
  if (auto e = http::decode(req, body)) co_return fail(req, *e);
  if (!body.has_available()) co_return fail(req, http::invalid_argument("available: required", "available"));

  const auto now = caseroute::now();
  if (auto r = co_await ctx.store.set_availability(id, body.available(), now); !r) co_return fail(req, r.error());
  log::info("counselor.availability", {{"counselor_id", id}, {"available", body.available()}});
  if (body.available()) ctx.kick_routing();

  const auto cfg = ctx.cfg;
  auto cases = co_await ctx.store.counselor_cases(id);
  routing::counselor_status status;
  status.available = body.available();
  status.availability_changed_at = now;
  status.load = cases ? static_cast<int>(cases->size()) : 0;
  const auto* c = cfg->find_counselor(id);
  if (c == nullptr) co_return fail(req, http::not_found("counselor is no longer configured"));
  co_return http::encode(req, counselor_view(*c, ctx.roster->on_duty(now), status, cfg->routing.max_missed_offers));
}

asio::awaitable<http::response> get_offers(context& ctx, http::request req) {
  auto who = require_counselor(ctx, req);
  if (auto* r = std::get_if<http::response>(&who)) co_return std::move(*r);
  const auto id = std::get<http::principal>(who).id;

  int wait = 0;
  if (auto it = req.query.find("wait"); it != req.query.end()) {
    const auto& s = it->second;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), wait);
    if (ec != std::errc{} || p != s.data() + s.size() || wait < 0 || wait > 60)
      co_return fail(req, http::invalid_argument("wait: whole seconds 0-60", "wait"));
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait);
  asio::steady_timer timer(ctx.io);
  for (;;) {
    auto cases = co_await ctx.store.counselor_cases(id);
    if (!cases) co_return fail(req, cases.error());
    v1::OfferList list;
    for (auto& c : *cases) {
      if (c.state() != v1::CASE_OFFERED) continue;
      auto* offer = list.add_offers();
      offer->set_case_id(c.case_id());
      *offer->mutable_expires_at() = c.offer_expires_at();
      c.clear_history();
      *offer->mutable_case_() = std::move(c);
    }
    const auto left = deadline - std::chrono::steady_clock::now();
    if (list.offers_size() > 0 || left <= 0s || ctx.shutting_down) co_return http::encode(req, list);
    // Offers may be made by any replica, so poll Redis; half a second keeps
    // an offer's wait short without loading Redis.
    timer.expires_after(std::min<std::chrono::steady_clock::duration>(left, 500ms));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<http::response> get_my_cases(context& ctx, http::request req) {
  auto who = require_counselor(ctx, req);
  if (auto* r = std::get_if<http::response>(&who)) co_return std::move(*r);
  auto cases = co_await ctx.store.counselor_cases(std::get<http::principal>(who).id);
  if (!cases) co_return fail(req, cases.error());
  v1::CaseList list;
  for (auto& c : *cases) {
    c.clear_history();
    *list.add_cases() = std::move(c);
  }
  co_return http::encode(req, list);
}

asio::awaitable<http::response> accept(context& ctx, http::request req) {
  auto who = require_counselor(ctx, req);
  if (auto* r = std::get_if<http::response>(&who)) co_return std::move(*r);
  const auto id = std::get<http::principal>(who).id;
  const auto case_id = req.params["caseId"];
  auto c = co_await ctx.store.accept(case_id, id, caseroute::now());
  if (!c) {
    // SPEC 4.3: accepting an offer that expired or is not yours is a conflict.
    if (c.error() == store::error::not_yours) co_return fail(req, http::conflict("this case is not offered to you"));
    co_return fail(req, c.error());
  }
  ctx.metrics.observe("caseroute_offer_to_accept_seconds", {}, seconds_between(c->offered_at(), c->accepted_at()));
  log::info("case.accepted", {{"request_id", req.request_id}, {"case_id", case_id}, {"counselor_id", id}});
  c->clear_history();
  co_return http::encode(req, *c);
}

v1::Case brief(const std::string& case_id, v1::CaseState state) {
  v1::Case c;
  c.set_case_id(case_id);
  c.set_state(state);
  return c;
}

// Decline (an offer) and release (an active case) both hand the case back to
// the queue with an optional reason; the store checks which state it is in.
enum class hand_back { decline, release };

asio::awaitable<http::response> give_back(context& ctx, http::request req, hand_back how) {
  auto who = require_counselor(ctx, req);
  if (auto* r = std::get_if<http::response>(&who)) co_return std::move(*r);
  const auto id = std::get<http::principal>(who).id;
  v1::DeclineRequest body;  // DeclineRequest and ReleaseRequest are both {reason}
  if (auto e = decode_optional(req, body)) co_return fail(req, *e);
  if (auto e = check_length(body.reason(), "reason", 1000)) co_return fail(req, *e);
  const auto case_id = req.params["caseId"];
  const auto now = caseroute::now();
  // Plain statements around co_await: g++ 12 miscompiles some co_await
  // operands inside conditional expressions.
  store::result<void> r;
  if (how == hand_back::decline) {
    r = co_await ctx.store.decline(case_id, id, body.reason(), now);
  } else {
    r = co_await ctx.store.release(case_id, id, body.reason(), now);
  }
  if (!r) co_return fail(req, r.error());
  log::info(how == hand_back::decline ? "case.declined" : "case.released",
            {{"request_id", req.request_id}, {"case_id", case_id}, {"counselor_id", id}});
  ctx.kick_routing();
  co_return http::encode(req, brief(case_id, v1::CASE_QUEUED));
}

asio::awaitable<http::response> resolve(context& ctx, http::request req) {
  auto who = require_counselor(ctx, req);
  if (auto* r = std::get_if<http::response>(&who)) co_return std::move(*r);
  const auto id = std::get<http::principal>(who).id;
  v1::ResolveRequest body;
  if (auto e = http::decode(req, body)) co_return fail(req, *e);
  if (body.outcome() == v1::OUTCOME_UNSPECIFIED || !v1::Outcome_IsValid(body.outcome()))
    co_return fail(req, http::invalid_argument("outcome: required, one of OUTCOME_*", "outcome"));
  if (auto e = check_length(body.note(), "note", 4000)) co_return fail(req, *e);
  const auto case_id = req.params["caseId"];
  auto c = co_await ctx.store.resolve(case_id, id, body.outcome(), body.note(), caseroute::now());
  if (!c) co_return fail(req, c.error());
  log::info("case.resolved", {{"request_id", req.request_id},
                              {"case_id", case_id},
                              {"counselor_id", id},
                              {"outcome", v1::Outcome_Name(body.outcome())}});
  ctx.kick_routing();
  c->clear_history();
  co_return http::encode(req, *c);
}

}  // namespace

void add_routes(http::router& r, context& ctx) {
  r.add("PUT", "/v1/me/availability", "/v1/me/availability",
        [&ctx](http::request req) { return put_availability(ctx, std::move(req)); });
  r.add("GET", "/v1/me/offers", "/v1/me/offers", [&ctx](http::request req) { return get_offers(ctx, std::move(req)); });
  r.add("GET", "/v1/me/cases", "/v1/me/cases", [&ctx](http::request req) { return get_my_cases(ctx, std::move(req)); });
  r.add("POST", "/v1/cases/{caseId}/accept", "/v1/cases/{caseId}/accept",
        [&ctx](http::request req) { return accept(ctx, std::move(req)); });
  r.add("POST", "/v1/cases/{caseId}/decline", "/v1/cases/{caseId}/decline",
        [&ctx](http::request req) { return give_back(ctx, std::move(req), hand_back::decline); });
  r.add("POST", "/v1/cases/{caseId}/resolve", "/v1/cases/{caseId}/resolve",
        [&ctx](http::request req) { return resolve(ctx, std::move(req)); });
  r.add("POST", "/v1/cases/{caseId}/release", "/v1/cases/{caseId}/release",
        [&ctx](http::request req) { return give_back(ctx, std::move(req), hand_back::release); });
}

}  // namespace caseroute::counselor
