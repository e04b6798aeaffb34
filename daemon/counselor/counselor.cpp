// Counselor endpoints: availability, offers (long poll), own cases, accept,
// decline, resolve, release. A counselor acts only on cases offered or
// assigned to them; the store's scripts check that atomically.
#include "counselor/counselor.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string_view>

#include "api/errors.hpp"
#include "api/input.hpp"
#include "api/views.hpp"
#include "audit/reads.hpp"
#include "http/codec.hpp"
#include "log/log.hpp"

namespace caseroute::counselor {
namespace {

using api::caller;
using api::case_view;
using api::context;
using api::fail;

namespace asio = boost::asio;
using namespace std::chrono_literals;

double seconds_between(const google::protobuf::Timestamp& a, const google::protobuf::Timestamp& b) {
  return static_cast<double>(b.seconds() - a.seconds()) + (b.nanos() - a.nanos()) / 1e9;
}

asio::awaitable<http::response> put_availability(context& ctx, caller who, http::request req) {
  v1::AvailabilityRequest body;
  if (auto e = http::decode(req, body)) co_return fail(req, *e);
  if (!body.has_available()) co_return fail(req, http::invalid_argument("available: required", "available"));

  const auto now = caseroute::now();
  if (auto r = co_await ctx.store.set_availability(who.id, body.available(), now); !r) co_return fail(req, r.error());
  log::info("counselor.availability", {{"counselor_id", who.id}, {"available", body.available()}});
  if (body.available()) ctx.kick_routing();

  const auto cfg = ctx.cfg;
  auto cases = co_await ctx.store.counselor_cases(who.id, store::view_options{});  // how many, nothing personal
  routing::counselor_status status;
  status.available = body.available();
  status.availability_changed_at = now;
  status.load = cases ? static_cast<int>(cases->size()) : 0;
  const auto* c = cfg->find_counselor(who.id);
  if (c == nullptr) co_return fail(req, http::not_found("counselor is no longer configured"));
  const auto duty = co_await ctx.on_duty.at(cfg, ctx.roster, now);
  co_return http::encode(req, api::roster_entry(*c, duty->slot_of(who.id), status, cfg->routing.max_missed_offers));
}

// The counselor's open offers as an answer shows them: an offer shows no
// personal data (but its summary when privacy.summary_in_offers), so none
// is opened otherwise.
asio::awaitable<store::result<v1::OfferList>> open_offers(context& ctx, std::string counselor_id) {
  const store::view_options view{.personal = ctx.cfg->privacy.summary_in_offers};
  auto cases = co_await ctx.store.counselor_cases(std::move(counselor_id), view);
  if (!cases) co_return cases.error();
  v1::OfferList list;
  for (auto& c : *cases) {
    if (c.state() != v1::CASE_OFFERED) continue;
    auto* offer = list.add_offers();
    offer->set_case_id(c.case_id());
    *offer->mutable_expires_at() = c.offer_expires_at();
    api::show(api::counselor_view_of(c, ctx.cfg->privacy.summary_in_offers), c);
    *offer->mutable_case_() = std::move(c);
  }
  co_return list;
}

// A tag of the list (its case ids and expiries, in order): it changes with
// every new offer, withdrawal or expiry. FNV-1a, 64 bits, in hex.
std::string offers_tag(const v1::OfferList& list) {
  std::uint64_t h = 14695981039346656037ull;
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;  // a separator no id contains
  };
  for (const auto& o : list.offers()) {
    mix(o.case_id());
    mix(std::to_string(o.expires_at().seconds()) + "." + std::to_string(o.expires_at().nanos()));
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

// The tag of If-None-Match ("" when absent); weak and quoted forms accepted.
std::string tag_the_client_has(const http::request& req) {
  std::string_view v = req.header("if-none-match");
  if (v.starts_with("W/")) v.remove_prefix(2);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  return std::string(v);
}

asio::awaitable<bool> cancelled() {
  co_return (co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none;
}

// GET /v1/me/offers?wait=N: the counselor's open offers, with an ETag. With
// wait, it answers as soon as there is an offer, or, when If-None-Match
// names the list the client already has, as soon as the list differs (a
// new offer, a withdrawal, an expiry): within milliseconds of the change on
// any replica, as the change feed wakes it. While the feed is followed and
// names the counselor nowhere, a client holding the list as last read here
// costs no read at all; otherwise it reads Redis once per live.recheck (once
// a second while the feed is not followed). At the deadline: the list, or 304 when it is still the one
// the client has. A client that leaves ends it at once.
asio::awaitable<http::response> get_offers(context& ctx, caller who, http::request req) {
  auto wait = api::query_int(req, "wait", 0, 60, 0, "whole seconds");
  if (!wait) co_return fail(req, wait.error());
  const std::string client_has = tag_the_client_has(req);
  std::optional<api::waiting::slot> slot;
  if (*wait > 0) {
    auto taken = ctx.waits.take(who, ctx.cfg->live, ctx.cfg->server.max_connections);
    if (!taken) co_return fail(req, taken.error());
    slot.emplace(std::move(*taken));
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(*wait);
  for (;;) {
    // Read the hub's count first: news that lands during the read is not missed.
    const auto seen = ctx.hub.counselor_version(who.id);
    // The client holds the list as last read here and the feed has named
    // this counselor nowhere since: the list is the same, nothing to read.
    if (const auto known = ctx.offer_tags.find(who.id); !client_has.empty() && ctx.hub.following() &&
                                                        known != ctx.offer_tags.end() && known->second.first == seen &&
                                                        known->second.second == client_has) {
      const auto left = deadline - std::chrono::steady_clock::now();
      if (left <= 0s || ctx.shutting_down) {
        http::response out;
        out.status = 304;
        out.content_type.clear();
        out.headers.emplace_back("ETag", "\"" + client_has + "\"");
        co_return out;
      }
      co_await ctx.hub.wait_for_counselor(who.id, seen, left);
      if (co_await cancelled()) co_return http::response{};  // the client left: nobody reads this
      continue;
    }
    auto list = co_await open_offers(ctx, who.id);
    if (!list) co_return fail(req, list.error());
    const std::string tag = offers_tag(*list);
    ctx.offer_tags[who.id] = {seen, tag};
    // Without a tag the client waits for any offer; with one, for another list.
    const bool news = client_has.empty() ? list->offers_size() > 0 : tag != client_has;
    const auto left = deadline - std::chrono::steady_clock::now();
    if (news || left <= 0s || ctx.shutting_down) {
      http::response out;
      if (!client_has.empty() && tag == client_has) {
        out.status = 304;
        out.content_type.clear();
      } else {
        // Who read which case's sealed fields is recorded before they go out.
        std::vector<audit::access> reads;
        for (const auto& o : list->offers()) audit::add_read(reads, who, req, o.case_());
        if (auto e = co_await audit::record(ctx, std::move(reads))) co_return fail(req, *e);
        out = http::encode(req, *list);
      }
      out.headers.emplace_back("ETag", "\"" + tag + "\"");
      co_return out;
    }
    const std::chrono::steady_clock::duration recheck =
        ctx.hub.following() ? std::chrono::duration_cast<std::chrono::steady_clock::duration>(ctx.cfg->live.recheck)
                            : std::chrono::steady_clock::duration(1s);
    co_await ctx.hub.wait_for_counselor(who.id, seen, std::min(left, recheck));
    if (co_await cancelled()) co_return http::response{};  // the client left: nobody reads this
  }
}

asio::awaitable<http::response> get_my_cases(context& ctx, caller who, http::request req) {
  auto cases = co_await ctx.store.counselor_cases(who.id);
  if (!cases) co_return fail(req, cases.error());
  v1::CaseList list;
  for (auto& c : *cases) {
    api::show(api::counselor_view_of(c, ctx.cfg->privacy.summary_in_offers), c);
    *list.add_cases() = std::move(c);
  }
  std::vector<audit::access> reads;
  for (const auto& c : list.cases()) audit::add_read(reads, who, req, c);
  if (auto e = co_await audit::record(ctx, std::move(reads))) co_return fail(req, *e);
  co_return http::encode(req, list);
}

asio::awaitable<http::response> accept(context& ctx, caller who, http::request req) {
  const auto case_id = req.params["caseId"];
  // The script records the counselor's read of the answer with the accept.
  store::read_by reader{audit::principal_of(who), req.remote, req.request_id};
  auto accepted = co_await ctx.store.accept(case_id, who.id, caseroute::now(), std::move(reader));
  if (!accepted) co_return fail(req, accepted.error(), api::store_call::accept);
  v1::Case& c = accepted->c;
  ctx.metrics.observe("caseroute_offer_to_accept_seconds", {}, seconds_between(c.offered_at(), c.accepted_at()));
  log::info("case.accepted", {{"request_id", req.request_id}, {"case_id", case_id}, {"counselor_id", who.id}});
  api::show(case_view::counselor_case, c);
  // A read the script did not record as the answer carries it (a case made
  // before its sealed parts were kept) is recorded here. When that fails the
  // accept still stands: the 503 asks for a retry, and a repeated accept by
  // the owner answers again.
  std::vector<audit::access> reads;
  audit::add_read(reads, who, req, c);
  if (reads.size() == 1 && audit::recorded_by_script(reads.front(), accepted->audit_id, accepted->fields))
    reads.clear();
  if (auto e = co_await audit::record(ctx, std::move(reads))) co_return fail(req, *e);
  co_return http::encode(req, c);
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

asio::awaitable<http::response> give_back(context& ctx, caller who, http::request req, hand_back how) {
  v1::DeclineRequest body;  // DeclineRequest and ReleaseRequest are both {reason}
  if (auto e = api::decode_optional(req, body)) co_return fail(req, *e);
  if (auto e = api::max_length(body.reason(), "reason", 1000)) co_return fail(req, *e);
  const auto case_id = req.params["caseId"];
  const auto now = caseroute::now();
  // Plain statements around co_await: g++ 12 miscompiles some co_await
  // operands inside conditional expressions.
  store::result<void> r;
  if (how == hand_back::decline) {
    r = co_await ctx.store.decline(case_id, who.id, body.reason(), now);
  } else {
    r = co_await ctx.store.release(case_id, who.id, body.reason(), now);
  }
  if (!r) co_return fail(req, r.error());
  log::info(how == hand_back::decline ? "case.declined" : "case.released",
            {{"request_id", req.request_id}, {"case_id", case_id}, {"counselor_id", who.id}});
  ctx.kick_routing();
  co_return http::encode(req, brief(case_id, v1::CASE_QUEUED));
}

asio::awaitable<http::response> decline(context& ctx, caller who, http::request req) {
  return give_back(ctx, std::move(who), std::move(req), hand_back::decline);
}

asio::awaitable<http::response> release(context& ctx, caller who, http::request req) {
  return give_back(ctx, std::move(who), std::move(req), hand_back::release);
}

asio::awaitable<http::response> resolve(context& ctx, caller who, http::request req) {
  v1::ResolveRequest body;
  if (auto e = http::decode(req, body)) co_return fail(req, *e);
  if (body.outcome() == v1::OUTCOME_UNSPECIFIED || !v1::Outcome_IsValid(body.outcome()))
    co_return fail(req, http::invalid_argument("outcome: required, one of OUTCOME_*", "outcome"));
  if (auto e = api::max_length(body.note(), "note", 4000)) co_return fail(req, *e);
  const auto case_id = req.params["caseId"];
  auto c = co_await ctx.store.resolve(case_id, who.id, body.outcome(), body.note(), caseroute::now());
  if (!c) co_return fail(req, c.error());
  log::info("case.resolved", {{"request_id", req.request_id},
                              {"case_id", case_id},
                              {"counselor_id", who.id},
                              {"outcome", v1::Outcome_Name(body.outcome())}});
  ctx.kick_routing();
  api::show(case_view::counselor_closed, *c);
  co_return http::encode(req, *c);
}

using api::role;

constexpr api::route table[] = {
    {"PUT", "/v1/me/availability", role::counselor, put_availability},
    {"GET", "/v1/me/offers", role::counselor, get_offers, nullptr, true},
    {"GET", "/v1/me/cases", role::counselor, get_my_cases},
    {"POST", "/v1/cases/{caseId}/accept", role::counselor, accept},
    {"POST", "/v1/cases/{caseId}/decline", role::counselor, decline},
    {"POST", "/v1/cases/{caseId}/resolve", role::counselor, resolve},
    {"POST", "/v1/cases/{caseId}/release", role::counselor, release},
};

}  // namespace

std::span<const api::route> routes() { return table; }

}  // namespace caseroute::counselor
