// Route rows onto the router: authorize, then call the handler.
#include "api/routes.hpp"

#include <optional>
#include <string>

#include "api/errors.hpp"
#include "log/log.hpp"

namespace caseroute::api {
namespace {

// A refused credential: counted, and logged with the remote address (never
// the token or signature), at most about one line a second.
void note_refusal(context& ctx, const http::request& req, const route& row) {
  ctx.metrics.inc("caseroute_auth_failures_total", {{"kind", row.who == role::platform ? "signature" : "bearer"}});
  if (ctx.limits == nullptr || !ctx.limits->log_auth_failure(http::limit_clock::now())) return;
  log::warn("http.auth_failed", {{"request_id", req.request_id},
                                 {"remote", http::address_of(req.remote)},
                                 {"route", row.path},
                                 {"suppressed", ctx.limits->take_suppressed()}});
}

// The 429 for a caller over its token's or platform's rate, if it is.
std::optional<http::api_error> over_rate(context& ctx, const caller& who) {
  if (ctx.limits == nullptr || who.as == role::anyone) return std::nullopt;
  const auto now = http::limit_clock::now();
  const bool platform = who.as == role::platform;
  const int wait = platform ? ctx.limits->admit_platform(who.id, now) : ctx.limits->admit_token(who.id, now);
  if (wait == 0) return std::nullopt;
  ctx.metrics.inc("caseroute_rate_limited_total", {{"limit", platform ? "platform" : "token"}});
  return http::resource_exhausted(
      platform ? "too many requests from this platform" : "too many requests with this token", wait);
}

// The caller of `row`, or the answer refusing the request.
boost::system::result<caller, http::response> admit(context& ctx, const route& row, const http::request& req) {
  auto who = authorize(*ctx.cfg, req, row.who, caseroute::now());
  if (!who) {
    if (who.error().status == 401) note_refusal(ctx, req, row);
    if (row.refused) row.refused(ctx);
    return fail(req, who.error());
  }
  if (auto limited = over_rate(ctx, *who)) return fail(req, *limited);
  return std::move(*who);
}

boost::asio::awaitable<http::response> serve(context& ctx, route row, http::request req) {
  auto who = admit(ctx, row, req);
  if (!who) co_return std::move(who.error());
  co_return co_await row.handle(ctx, std::move(*who), std::move(req));
}

boost::asio::awaitable<http::response> serve_stream(context& ctx, route row, http::request req,
                                                    http::stream_writer& out) {
  auto who = admit(ctx, row, req);
  if (!who) co_return std::move(who.error());
  co_return co_await row.stream(ctx, std::move(*who), std::move(req), out);
}

}  // namespace

void add_routes(http::router& r, context& ctx, std::span<const route> table) {
  for (const auto& row : table) {
    std::string method(row.method), path(row.path);
    if (row.stream) {
      r.add_stream(std::move(method), path, path, [&ctx, row](http::request req, http::stream_writer& out) {
        return serve_stream(ctx, row, std::move(req), out);
      });
    } else if (row.waits) {
      r.add_waiting(std::move(method), path, path,
                    [&ctx, row](http::request req) { return serve(ctx, row, std::move(req)); });
    } else {
      r.add(std::move(method), path, [&ctx, row](http::request req) { return serve(ctx, row, std::move(req)); });
    }
  }
}

}  // namespace caseroute::api
