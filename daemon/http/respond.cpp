// Routing one request to its handler, apart from any connection: what every
// request goes through between the read and the write. Includes no Beast.
#include "http/respond.hpp"

#include "log/log.hpp"

#include <boost/asio/this_coro.hpp>

#include <exception>
#include <string_view>
#include <utility>

namespace caseroute::http {

namespace asio = boost::asio;

namespace {

response method_not_allowed_here(const std::vector<std::string>& allowed, std::string_view accept) {
  std::string allow;
  for (const auto& a : allowed) allow += (allow.empty() ? "" : ", ") + a;
  auto out = to_response(method_not_allowed("method not allowed here; allowed: " + allow), accept);
  out.headers.emplace_back("Allow", allow);
  return out;
}

// The query string's "key=value" pairs, '+' as space; empty keys are skipped.
bool decode_query(std::string_view rest, std::map<std::string, std::string>& out) {
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const auto pair = rest.substr(0, amp);
    const auto eq = pair.find('=');
    std::string key, value;
    if (!percent_decode(pair.substr(0, eq), key, true) ||
        (eq != std::string_view::npos && !percent_decode(pair.substr(eq + 1), value, true)))
      return false;
    if (!key.empty()) out.emplace(std::move(key), std::move(value));
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return true;
}

}  // namespace

std::optional<api_error> decode_target(request& req) {
  const std::string_view target = req.target;
  if (target.empty() || target.front() != '/') return invalid_argument("request target must be a path");
  const auto q = target.find('?');
  if (!percent_decode(target.substr(0, q), req.path)) return invalid_argument("malformed percent-encoding in the path");
  if (q != std::string_view::npos && !decode_query(target.substr(q + 1), req.query))
    return invalid_argument("malformed percent-encoding in the query");
  return std::nullopt;
}

asio::awaitable<answer> respond(const router& routes, request req, stream_writer& writer) {
  const std::string accept(req.header("accept"));
  if (auto bad = decode_target(req)) co_return answer{to_response(*bad, accept), "-"};
  // The router splits the raw path before decoding, so "%2F" stays inside a parameter.
  auto m = routes.find(req.method, req.target.substr(0, req.target.find('?')));
  if (m.status == match_status::not_found)
    co_return answer{to_response(not_found("no route for this path"), accept), "unmatched"};
  if (m.status == match_status::method_not_allowed)
    co_return answer{method_not_allowed_here(m.allowed, accept), "unmatched"};

  req.params = std::move(m.params);
  if (m.waits) writer.watch_peer();
  const std::string request_id = req.request_id;
  std::string failure;
  try {
    response out;
    if (m.stream)
      out = co_await (*m.stream)(std::move(req), writer);
    else
      out = co_await (*m.h)(std::move(req));
    co_return answer{std::move(out), m.route_name};
  } catch (const std::exception& e) {
    failure = e.what();
  } catch (...) {
    failure = "unknown exception";
  }
  // A handler cut short by drain() did not fail: the connection sees the
  // cancellation and answers nobody.
  if ((co_await asio::this_coro::cancellation_state).cancelled() == asio::cancellation_type::none) {
    // Handlers keep personal data out of exception messages; log it once here.
    log::error("http.handler_failed", {{"request_id", request_id}, {"route", m.route_name}, {"error", failure}});
  }
  co_return answer{to_response(internal(), accept), m.route_name};
}

}  // namespace caseroute::http
