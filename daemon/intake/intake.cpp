// Platform endpoints (SPEC 4.2): signed referrals in, referral status out.
// A 2xx goes out only after the store has the case in Redis.
#include "intake/intake.hpp"

#include <boost/asio/awaitable.hpp>

#include "http/codec.hpp"
#include "api/views.hpp"
#include "intake/validate.hpp"
#include "log/log.hpp"

namespace caseroute::intake {
namespace {

using api::context;
using api::fail;
using api::strip_for_platform;

namespace asio = boost::asio;

std::int64_t unix_seconds(time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

asio::awaitable<http::response> post_referral(context& ctx, http::request req) {
  const auto cfg = ctx.cfg;
  const auto now = caseroute::now();
  auto who = http::verify_platform(req, cfg->platforms, unix_seconds(now));
  if (auto* e = std::get_if<http::api_error>(&who)) {
    ctx.metrics.inc("caseroute_referrals_total", {{"platform", ""}, {"outcome", "unauthenticated"}});
    co_return fail(req, *e);
  }
  const std::string platform_id = std::get<const config::platform*>(who)->id;
  auto count = [&](const char* outcome) {
    ctx.metrics.inc("caseroute_referrals_total", {{"platform", platform_id}, {"outcome", outcome}});
  };

  v1::Referral referral;
  if (auto e = http::decode(req, referral)) {
    count("invalid");
    co_return fail(req, *e);
  }
  if (auto e = intake::validate(referral, *cfg, now)) {
    count("invalid");
    log::info("referral.rejected", {{"request_id", req.request_id}, {"platform", platform_id}, {"field", e->field}});
    co_return fail(req, *e);
  }

  auto created = co_await ctx.store.create(referral, platform_id, now);
  if (!created) {
    const bool conflict = created.error() == store::error::referral_conflict;
    count(conflict ? "conflict" : created.error() == store::error::unavailable ? "unavailable" : "error");
    co_return fail(req, created.error());
  }
  v1::ReferralAccepted out;
  out.set_case_id(created->case_id);
  out.set_state(created->state);
  out.set_duplicate(created->duplicate);
  if (created->duplicate) {
    count("duplicate");
    co_return http::encode(req, out, 200);
  }
  count("created");
  log::info("case.created", {{"request_id", req.request_id},
                             {"case_id", created->case_id},
                             {"platform", platform_id},
                             {"risk", v1::Risk_Name(referral.risk())}});
  ctx.kick_routing();
  co_return http::encode(req, out, 202);
}

asio::awaitable<http::response> get_referral(context& ctx, http::request req) {
  const auto cfg = ctx.cfg;
  auto who = http::verify_platform(req, cfg->platforms, unix_seconds(caseroute::now()));
  if (auto* e = std::get_if<http::api_error>(&who)) co_return fail(req, *e);
  const std::string platform_id = std::get<const config::platform*>(who)->id;

  auto case_id = co_await ctx.store.find_referral(platform_id, req.params["referralId"]);
  if (!case_id) {
    if (case_id.error() == store::error::not_found)
      co_return fail(req, http::not_found("no referral with this referralId"));
    co_return fail(req, case_id.error());
  }
  auto c = co_await ctx.store.get(*case_id, store::view_options{});
  if (!c) co_return fail(req, c.error());
  strip_for_platform(*c);
  co_return http::encode(req, *c);
}

}  // namespace

void add_routes(http::router& r, context& ctx) {
  r.add("POST", "/v1/referrals", "/v1/referrals",
        [&ctx](http::request req) { return post_referral(ctx, std::move(req)); });
  r.add("GET", "/v1/referrals/{referralId}", "/v1/referrals/{referralId}",
        [&ctx](http::request req) { return get_referral(ctx, std::move(req)); });
}

}  // namespace caseroute::intake
