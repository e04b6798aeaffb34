// Authentication: HMAC-SHA256 signatures from platforms (docs/API.md, "Platform signatures") and bearer
// tokens from counselors and supervisors (4.3, 4.4). Pure functions of the
// request, the config and the clock; secrets and tokens are never echoed or logged.
#pragma once

#include "config/config.hpp"
#include "config/digest.hpp"
#include "http/errors.hpp"
#include "http/message.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace caseroute::http {

// timestamp + "\n" + METHOD + "\n" + path-with-query + "\n" + body.
std::string signing_payload(std::string_view timestamp, std::string_view method, std::string_view target,
                            std::string_view body);

inline constexpr std::int64_t max_clock_skew_seconds = 300;

// Checks X-Platform-Id, X-Timestamp (decimal Unix seconds, within 300 s of
// now) and X-Signature (lowercase hex, constant-time compare) against the
// request's method, raw target and body. The pointer refers into `platforms`.
// An unknown platform id gets the same 401 as a wrong signature.
std::variant<const config::platform*, api_error> verify_platform(const request& req,
                                                                 const std::vector<config::platform>& platforms,
                                                                 std::int64_t now_unix_seconds);

struct principal {
  enum class kind { counselor, supervisor, viewer };
  kind role = kind::counselor;
  std::string id;
};

// Authorization: Bearer <token>; the token's SHA-256 is compared in constant
// time with every counselor's, supervisor's and viewer's token_sha256.
std::variant<principal, api_error> verify_bearer(const request& req, const config::config& cfg);

// The person whose personal token this is (as verify_bearer checks it), or
// the 401 for an unknown or malformed token (sign-in, docs/API.md "Sessions
// and the console").
std::variant<principal, api_error> verify_token(std::string_view token, const config::config& cfg);

// The configured token_sha256 of `who`, or "" when the person is gone.
std::string configured_token_sha256(const principal& who, const config::config& cfg);

// The three headers a client sends: X-Platform-Id, X-Timestamp, X-Signature
// (for tests, the signing script and outbound status callbacks).
std::vector<std::pair<std::string, std::string>> sign_request(std::string_view platform_id, std::string_view secret,
                                                              std::int64_t now_unix_seconds, std::string_view method,
                                                              std::string_view target, std::string_view body);

}  // namespace caseroute::http
