// Route rows onto the router: authorize, then call the handler.
#include "api/routes.hpp"

#include <string>

#include "api/errors.hpp"

namespace caseroute::api {
namespace {

boost::asio::awaitable<http::response> serve(context& ctx, route row, http::request req) {
  auto who = authorize(*ctx.cfg, req, row.who, caseroute::now());
  if (!who) {
    if (row.refused) row.refused(ctx);
    co_return fail(req, who.error());
  }
  co_return co_await row.handle(ctx, std::move(*who), std::move(req));
}

boost::asio::awaitable<http::response> serve_stream(context& ctx, route row, http::request req,
                                                    http::stream_writer& out) {
  auto who = authorize(*ctx.cfg, req, row.who, caseroute::now());
  if (!who) {
    if (row.refused) row.refused(ctx);
    co_return fail(req, who.error());
  }
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
