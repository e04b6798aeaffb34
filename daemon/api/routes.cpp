// Route rows onto the router: authorize, then call the handler.
#include "api/routes.hpp"

#include <optional>
#include <string>

#include "api/errors.hpp"
#include "api/session.hpp"
#include "log/log.hpp"

namespace caseroute::api {

void note_refusal(context& ctx, const http::request& req, std::string_view route_name, std::string_view kind) {
  ctx.metrics.inc("caseroute_auth_failures_total", {{"kind", std::string(kind)}});
  if (ctx.limits == nullptr || !ctx.limits->log_auth_failure(http::limit_clock::now())) return;
  log::warn("http.auth_failed", {{"request_id", req.request_id},
                                 {"remote", http::address_of(req.remote)},
                                 {"route", std::string(route_name)},
                                 {"suppressed", ctx.limits->take_suppressed()}});
}

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

namespace {

// A staff route called with the session cookie and no Authorization header.
bool by_session(const route& row, const http::request& req) {
  return row.who != role::anyone && row.who != role::platform && req.header("authorization").empty() &&
         !session_cookie_of(req).empty();
}

// The caller of `row` proven by the session cookie, or the answer refusing
// the request: 401 for no live session, 403 for the wrong role or (POST,
// PUT, PATCH, DELETE) a missing Origin or CSRF token.
boost::asio::awaitable<boost::system::result<caller, http::response>> admit_session(context& ctx, route row,
                                                                                    const http::request& req) {
  const auto cfg = ctx.cfg;
  auto found = co_await find_session(ctx, session_cookie_of(req), caseroute::now());
  if (!found) co_return fail(req, found.error());
  if (!*found) {
    note_refusal(ctx, req, row.path, "session");
    if (row.refused) row.refused(ctx);
    co_return fail(req, http::unauthenticated("the session ended or is unknown: sign in again"));
  }
  const auto& s = **found;
  auto who = admit_person(s.person, row.who, req.method);
  if (!who) {
    if (row.refused) row.refused(ctx);
    co_return fail(req, who.error());
  }
  if (auto refused = check_csrf(*cfg, req, s)) {
    if (row.refused) row.refused(ctx);
    co_return fail(req, *refused);
  }
  if (auto limited = over_rate(ctx, *who)) co_return fail(req, *limited);
  co_return std::move(*who);
}

// The caller of `row`, or the answer refusing the request.
boost::asio::awaitable<boost::system::result<caller, http::response>> admit(context& ctx, route row,
                                                                            const http::request& req) {
  if (by_session(row, req)) co_return co_await admit_session(ctx, row, req);
  auto who = authorize(*ctx.cfg, req, row.who, caseroute::now());
  if (!who) {
    if (who.error().status == 401) note_refusal(ctx, req, row.path, row.who == role::platform ? "signature" : "bearer");
    if (row.refused) row.refused(ctx);
    co_return fail(req, who.error());
  }
  if (auto limited = over_rate(ctx, *who)) co_return fail(req, *limited);
  co_return std::move(*who);
}

boost::asio::awaitable<http::response> serve(context& ctx, route row, http::request req) {
  auto who = co_await admit(ctx, row, req);
  if (!who) co_return std::move(who.error());
  co_return co_await row.handle(ctx, std::move(*who), std::move(req));
}

boost::asio::awaitable<http::response> serve_stream(context& ctx, route row, http::request req,
                                                    http::stream_writer& out) {
  auto who = co_await admit(ctx, row, req);
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
