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

}  // namespace

void add_routes(http::router& r, context& ctx, std::span<const route> table) {
  for (const auto& row : table)
    r.add(std::string(row.method), std::string(row.path),
          [&ctx, row](http::request req) { return serve(ctx, row, std::move(req)); });
}

}  // namespace caseroute::api
