// libFuzzer target: raw bytes as they arrive on a connection -> the Beast
// parser with the server's limits (http::parse_request) -> the plain request
// -> the route table -> codec decode of the body into a Referral, and the
// error body the server would answer with. No sockets, no Redis.
#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "caseroute/v1/caseroute.pb.h"
#include "http/codec.hpp"
#include "http/router.hpp"
#include "http/server.hpp"

namespace {

using namespace caseroute;

boost::asio::awaitable<http::response> unused(http::request) { co_return http::response{}; }
boost::asio::awaitable<http::response> unused_stream(http::request, http::stream_writer&) {
  co_return http::response{};
}

// The API's method + path table (daemon/routes.hpp registers the same
// patterns with real handlers, which need a store).
const http::router& api_routes() {
  static const http::router r = [] {
    http::router t;
    for (auto [method, pattern] :
         std::initializer_list<std::pair<const char*, const char*>>{{"POST", "/v1/referrals"},
                                                                    {"GET", "/v1/referrals/{referralId}"},
                                                                    {"PUT", "/v1/me/availability"},
                                                                    {"GET", "/v1/me/offers"},
                                                                    {"GET", "/v1/me/cases"},
                                                                    {"POST", "/v1/cases/{caseId}/accept"},
                                                                    {"POST", "/v1/cases/{caseId}/decline"},
                                                                    {"POST", "/v1/cases/{caseId}/resolve"},
                                                                    {"POST", "/v1/cases/{caseId}/release"},
                                                                    {"GET", "/v1/queue"},
                                                                    {"GET", "/v1/cases"},
                                                                    {"GET", "/v1/cases/{caseId}"},
                                                                    {"POST", "/v1/cases/{caseId}/assign"},
                                                                    {"POST", "/v1/cases/{caseId}/cancel"},
                                                                    {"GET", "/v1/counselors"},
                                                                    {"GET", "/healthz"},
                                                                    {"GET", "/readyz"},
                                                                    {"GET", "/metrics"}})
      t.add(method, pattern, unused);
    t.add_stream("GET", "/v1/events", "/v1/events", unused_stream);
    return t;
  }();
  return r;
}

// The server's limits as config/test.yaml sets them (defaults otherwise).
const config::server_settings& limits() {
  static const config::server_settings s = [] {
    config::server_settings v;
    v.max_body_bytes = 65536;
    v.max_header_bytes = 16384;
    return v;
  }();
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  auto parsed = http::parse_request(raw, limits());
  if (auto* err = std::get_if<http::api_error>(&parsed)) {
    (void)http::to_response(*err);
    return 0;
  }
  auto& req = std::get<http::request>(parsed);
  (void)req.header("x-request-id");
  const auto raw_path = req.target.substr(0, req.target.find('?'));
  auto m = api_routes().find(req.method, raw_path);
  (void)http::response_format(req);
  if (m.status != http::match_status::found) {
    (void)http::to_response(http::not_found("no route"), req);
    return 0;
  }
  req.params = std::move(m.params);
  // Every body goes through the referral decoder, not only POST /v1/referrals.
  caseroute::v1::Referral referral;
  if (auto err = http::decode(req, referral))
    (void)http::to_response(*err, req);
  else
    (void)http::encode(req, referral, 202);
  return 0;
}
