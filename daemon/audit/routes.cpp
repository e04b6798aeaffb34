// GET /v1/audit. Every parameter is checked before Redis is read: case ids
// and principals by their form, times as RFC 3339, the cursor as one of our
// entry ids. The answer holds ids, field names and addresses only.
#include "audit/routes.hpp"

#include <google/protobuf/util/time_util.h>

#include <string>

#include "api/errors.hpp"
#include "api/input.hpp"
#include "config/formats.hpp"
#include "http/codec.hpp"

namespace caseroute::audit {
namespace {

namespace asio = boost::asio;

const std::string* param(const http::request& req, const char* name) {
  auto it = req.query.find(name);
  return it == req.query.end() || it->second.empty() ? nullptr : &it->second;
}

// Milliseconds since the epoch of an RFC 3339 time, or nullopt.
std::optional<std::int64_t> rfc3339_ms(const std::string& text) {
  google::protobuf::Timestamp t;
  if (text.size() > 40 || !google::protobuf::util::TimeUtil::FromString(text, &t)) return std::nullopt;
  if (t.seconds() < 0) return std::nullopt;
  return t.seconds() * 1000 + t.nanos() / 1000000;
}

bool is_principal(const std::string& p) {
  const auto colon = p.find(':');
  if (colon == std::string::npos) return config::is_id(p);
  const auto role = p.substr(0, colon);
  return (role == "counselor" || role == "supervisor") && config::is_id(std::string_view(p).substr(colon + 1));
}

asio::awaitable<http::response> get_audit(api::context& ctx, api::caller, http::request req) {
  auto q = parse_query(req);
  if (!q) co_return api::fail(req, q.error());
  const auto cfg = ctx.cfg;
  trail t(ctx.redis, store::keys(cfg->redis.key_prefix));
  auto page = co_await t.read(std::move(*q));
  if (!page) co_return api::fail(req, page.error());
  co_return http::encode(req, *page);
}

constexpr api::route table[] = {
    {"GET", "/v1/audit", api::role::supervisor, get_audit},
};

}  // namespace

std::span<const api::route> routes() { return table; }

boost::system::result<query, http::api_error> parse_query(const http::request& req) {
  query q;
  if (const auto* v = param(req, "caseId")) {
    if (!config::is_id(*v)) return http::invalid_argument("caseId: a case id (letters and digits)", "caseId");
    q.case_id = *v;
  }
  if (const auto* v = param(req, "principal")) {
    if (!is_principal(*v))
      return http::invalid_argument("principal: counselor:<id>, supervisor:<id> or a bare id", "principal");
    q.principal = *v;
  }
  if (const auto* v = param(req, "from")) {
    auto ms = rfc3339_ms(*v);
    if (!ms) return http::invalid_argument("from: an RFC 3339 time, e.g. 2026-12-04T08:00:00Z", "from");
    q.from_ms = *ms;
  }
  if (const auto* v = param(req, "to")) {
    auto ms = rfc3339_ms(*v);
    if (!ms) return http::invalid_argument("to: an RFC 3339 time, e.g. 2026-12-04T18:00:00Z", "to");
    if (*ms < q.from_ms) return http::invalid_argument("to: must not be before from", "to");
    q.to_ms = *ms;
  }
  auto limit = api::query_int(req, "limit", 1, 500, 100);
  if (!limit) return limit.error();
  q.limit = *limit;
  if (const auto* v = param(req, "cursor")) {
    if (!is_entry_id(*v)) return http::invalid_argument("cursor: not a cursor of this list", "cursor");
    q.cursor = *v;
  }
  return q;
}

}  // namespace caseroute::audit
