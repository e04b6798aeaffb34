// Platform endpoints: signed referrals in, referral status out. A 2xx goes
// out only after the store has the case in Redis.
#include "intake/intake.hpp"

#include <boost/asio/awaitable.hpp>

#include "api/errors.hpp"
#include "api/views.hpp"
#include "http/codec.hpp"
#include "intake/validate.hpp"
#include "log/log.hpp"

namespace caseroute::intake {
namespace {

using api::caller;
using api::context;
using api::fail;

namespace asio = boost::asio;

void count(context& ctx, const std::string& platform_id, const char* outcome) {
  ctx.metrics.inc("caseroute_referrals_total", {{"platform", platform_id}, {"outcome", outcome}});
}

// A referral refused for its signature counts under no platform.
void count_unauthenticated(context& ctx) { count(ctx, "", "unauthenticated"); }

asio::awaitable<http::response> post_referral(context& ctx, caller platform, http::request req) {
  const auto cfg = ctx.cfg;
  const auto now = caseroute::now();
  v1::Referral referral;
  if (auto e = http::decode(req, referral)) {
    count(ctx, platform.id, "invalid");
    co_return fail(req, *e);
  }
  if (auto e = intake::validate(referral, *cfg, now)) {
    count(ctx, platform.id, "invalid");
    log::info("referral.rejected", {{"request_id", req.request_id}, {"platform", platform.id}, {"field", e->field}});
    co_return fail(req, *e);
  }

  // With the routing settings' lookback: the answer carries the new case's
  // routing rows, so this replica's next pass routes it without a read.
  auto created = co_await ctx.store.create(referral, platform.id, now, store::routing_lookback::of(cfg->routing));
  if (!created) {
    const bool conflict = created.error() == store::error::referral_conflict;
    count(ctx, platform.id,
          conflict                                       ? "conflict"
          : created.error() == store::error::unavailable ? "unavailable"
                                                         : "error");
    co_return fail(req, created.error());
  }
  v1::ReferralAccepted out;
  out.set_case_id(created->case_id);
  out.set_state(created->state);
  out.set_duplicate(created->duplicate);
  if (created->duplicate) {
    count(ctx, platform.id, "duplicate");
    co_return http::encode(req, out, 200);
  }
  count(ctx, platform.id, "created");
  log::info("case.created", {{"request_id", req.request_id},
                             {"case_id", created->case_id},
                             {"platform", platform.id},
                             {"risk", v1::Risk_Name(referral.risk())}});
  if (ctx.route_case) {
    ctx.route_case(std::move(*created));
  } else {
    ctx.kick_routing();
  }
  co_return http::encode(req, out, 202);
}

asio::awaitable<http::response> get_referral(context& ctx, caller platform, http::request req) {
  auto case_id = co_await ctx.store.find_referral(platform.id, req.params["referralId"]);
  if (!case_id) co_return fail(req, case_id.error(), api::store_call::find_referral);
  auto c = co_await ctx.store.get(*case_id, api::reads(api::role::platform));
  if (!c) co_return fail(req, c.error());
  api::show(api::case_view::platform, *c);
  co_return http::encode(req, *c);
}

using api::role;

constexpr api::route table[] = {
    {"POST", "/v1/referrals", role::platform, post_referral, count_unauthenticated},
    {"GET", "/v1/referrals/{referralId}", role::platform, get_referral},
};

}  // namespace

std::span<const api::route> routes() { return table; }

}  // namespace caseroute::intake
