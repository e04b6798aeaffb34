// Console sessions (docs/API.md, "Sessions and the console"): a browser
// signs in once and then holds an HttpOnly cookie that proves the same roles
// a bearer token does. Sessions and one-time sign-in codes live in Redis
// under the SHA-256 of their secret, never the secret itself, so a page
// survives the loss of its replica and works against any replica.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "api/context.hpp"
#include "http/auth.hpp"
#include "http/errors.hpp"
#include "http/message.hpp"
#include "schedule/time.hpp"

namespace caseroute::api {

inline constexpr std::string_view session_cookie_name = "caseroute_session";
// A one-time sign-in code is good for this long, once.
inline constexpr std::chrono::minutes signin_code_lifetime{15};

struct session {
  http::principal person;
  std::string csrf;  // the X-CSRF-Token state-changing requests must carry
  time_point idle_expires_at;
  time_point expires_at;
};

struct opened_session {
  session s;
  std::string cookie;  // the cookie's value: the session's only copy of its secret
};

// "counselor", "supervisor" or "viewer".
const char* role_name(http::principal::kind k);

// The caseroute_session cookie's value in the request, or "".
std::string session_cookie_of(const http::request& req);
// The Set-Cookie value that stores `value`, or (empty value) clears the cookie.
std::string session_set_cookie(std::string_view value, const config::config& cfg);
// Cookies go out with Secure when the listener speaks TLS or the console's
// public origin is https.
bool secure_cookies(const config::config& cfg);
// server.public_origin, else the request's Host with the listener's scheme.
std::string expected_origin(const config::config& cfg, const http::request& req);
// The 403 for a state-changing request signed in by `s` without this
// console's Origin or without the session's X-CSRF-Token; nothing for GET
// and HEAD.
std::optional<http::api_error> check_csrf(const config::config& cfg, const http::request& req, const session& s);
// A short digest of a person's configured token_sha256, kept in each session:
// a new token (config reload) ends the sessions opened with the old one.
std::string token_fingerprint(std::string_view token_sha256);

// A new session for `person` (sessions.idle and sessions.lifetime).
boost::asio::awaitable<boost::system::result<opened_session>> open_session(context& ctx, http::principal person,
                                                                           time_point now);
// The live session the cookie names, its idle end pushed back; nothing when
// it is unknown, ended, or its person's token changed or is gone (such a
// session is deleted).
boost::asio::awaitable<boost::system::result<std::optional<session>>> find_session(context& ctx, std::string cookie,
                                                                                   time_point now);
// Deletes the session the cookie names (sign-out).
boost::asio::awaitable<boost::system::result<void>> end_session(context& ctx, std::string cookie);
// Deletes every session of the person id (of any role); answers how many.
boost::asio::awaitable<boost::system::result<int>> revoke_sessions(context& ctx, std::string person_id);

// A one-time code that signs `person` in (POST /v1/session {"code"}).
boost::asio::awaitable<boost::system::result<std::string>> create_signin_code(context& ctx, http::principal person);
// The person of a code, which is used up; nothing for an unknown, used or
// expired code, or when the person's token changed since.
boost::asio::awaitable<boost::system::result<std::optional<http::principal>>> redeem_signin_code(context& ctx,
                                                                                                 std::string code);

}  // namespace caseroute::api
