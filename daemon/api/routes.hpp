// One route table per audience. A row is a method, a path pattern, who may
// call and the handler; the table authorizes each request before its
// handler runs, so a handler starts from its caller. Adding an endpoint is
// one handler and one row; tests/unit/api checks every row against the
// route table of docs/API.md.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <span>
#include <string_view>

#include "api/access.hpp"
#include "api/context.hpp"
#include "http/message.hpp"
#include "http/router.hpp"

namespace caseroute::api {

using handler = boost::asio::awaitable<http::response> (*)(context& ctx, caller who, http::request req);
// A handler that answers with a stream (Server-Sent Events) through `out`;
// what it returns is sent only when it never started the stream (an error).
using stream_handler = boost::asio::awaitable<http::response> (*)(context& ctx, caller who, http::request req,
                                                                  http::stream_writer& out);

struct route {
  std::string_view method;
  std::string_view path;  // the pattern ("/v1/cases/{caseId}"), also the route's metrics label
  role who;               // who may call
  handler handle;
  // Called when the caller is refused, before the 401/403 goes out.
  void (*refused)(context& ctx) = nullptr;
  // The handler may wait long (a long poll): the connection watches the
  // client meanwhile, and one that leaves cancels the handler.
  bool waits = false;
  // Set instead of `handle` for a stream (which always waits).
  stream_handler stream = nullptr;
};

// Adds every row of `table` to `r`; handlers get `ctx`, which must outlive `r`.
// A staff route's caller proves itself with a bearer token or, without an
// Authorization header, the console's session cookie (api/session.hpp).
void add_routes(http::router& r, context& ctx, std::span<const route> table);

// A refused credential: counted in caseroute_auth_failures_total{kind}
// ("signature", "bearer", "session", "link"), and logged with the remote
// address (never the token, code or signature), at most about one line a second.
void note_refusal(context& ctx, const http::request& req, std::string_view route_name, std::string_view kind);

// The 429 for a caller over its token's or platform's rate, if it is.
std::optional<http::api_error> over_rate(context& ctx, const caller& who);

}  // namespace caseroute::api
