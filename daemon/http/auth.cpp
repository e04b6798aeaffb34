// HMAC and SHA-256 through OpenSSL; comparisons with CRYPTO_memcmp so a
// client cannot learn a signature or token digest byte by byte from timing.
#include "http/auth.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <stdexcept>

namespace caseroute::http {
namespace {

bool is_lower_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// Strict: 1 to 12 ASCII digits, nothing else (no sign, no spaces).
bool parse_unix_seconds(std::string_view s, std::int64_t& out) {
  if (s.empty() || s.size() > 12) return false;
  if (!std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size();
}

}  // namespace

std::string signing_payload(std::string_view timestamp, std::string_view method, std::string_view target,
                            std::string_view body) {
  std::string s;
  s.reserve(timestamp.size() + method.size() + target.size() + body.size() + 3);
  s.append(timestamp).append("\n");
  for (char c : method) s.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  s.append("\n").append(target).append("\n").append(body);
  return s;
}

std::variant<const config::platform*, api_error> verify_platform(const request& req,
                                                                 const std::vector<config::platform>& platforms,
                                                                 std::int64_t now) {
  auto id = req.header("x-platform-id");
  auto ts = req.header("x-timestamp");
  auto sig = req.header("x-signature");
  if (id.empty()) return unauthenticated("missing X-Platform-Id header");
  if (ts.empty()) return unauthenticated("missing X-Timestamp header");
  if (sig.empty()) return unauthenticated("missing X-Signature header");

  // The timestamp and the signature's form first, and one message for an
  // unknown platform and a wrong signature, with the HMAC computed either
  // way: neither the answer nor its timing tells which platform ids exist.
  std::int64_t t = 0;
  if (!parse_unix_seconds(ts, t)) return unauthenticated("X-Timestamp must be decimal Unix seconds");
  if (t > now + max_clock_skew_seconds || t < now - max_clock_skew_seconds)
    return unauthenticated("X-Timestamp is more than 300 s from the server clock");
  if (sig.size() != 64 || !is_lower_hex(sig)) return unauthenticated("X-Signature must be 64 lowercase hex digits");

  const config::platform* p = nullptr;
  for (const auto& candidate : platforms)
    if (candidate.id == id) p = &candidate;
  // A platform without a loaded secret can never sign: treat it as unknown.
  const bool known = p != nullptr && !p->secret.empty();
  static const std::string no_secret(32, '\0');
  auto expected =
      config::hmac_sha256_hex(known ? p->secret : no_secret, signing_payload(ts, req.method, req.target, req.body));
  if (!equal_constant_time(expected, sig) || !known) return unauthenticated("signature does not match");
  return p;
}

std::variant<principal, api_error> verify_bearer(const request& req, const config::config& cfg) {
  auto h = req.header("authorization");
  if (h.empty()) return unauthenticated("missing Authorization: Bearer token");
  constexpr std::string_view scheme = "bearer ";
  bool is_bearer = h.size() > scheme.size() && std::equal(scheme.begin(), scheme.end(), h.begin(), [](char a, char b) {
                     return a == std::tolower(static_cast<unsigned char>(b));
                   });
  if (!is_bearer) return unauthenticated("Authorization must be \"Bearer <token>\"");
  auto token = h.substr(scheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  return verify_token(token, cfg);
}

std::variant<principal, api_error> verify_token(std::string_view token, const config::config& cfg) {
  if (token.empty() || token.size() > 512 || token.find_first_of(" \t") != std::string_view::npos)
    return unauthenticated("malformed bearer token");

  // Configured digests are lowercase hex (the loader checks), as sha256_hex
  // prints; a digest reveals nothing of the token, so a table look-up by it
  // leaks nothing a constant-time comparison would hide.
  const auto holder = cfg.find_token(config::sha256_hex(token));
  if (holder) {
    switch (holder->role) {
      case config::config::token_role::counselor:
        return principal{principal::kind::counselor, cfg.counselors[holder->at].id};
      case config::config::token_role::supervisor:
        return principal{principal::kind::supervisor, cfg.supervisors[holder->at].id};
      case config::config::token_role::viewer:
        return principal{principal::kind::viewer, cfg.viewers[holder->at].id};
    }
  }
  return unauthenticated("unknown bearer token");
}

std::string configured_token_sha256(const principal& who, const config::config& cfg) {
  const std::string* found = nullptr;
  switch (who.role) {
    case principal::kind::counselor:
      if (const auto* c = cfg.find_counselor(who.id)) found = &c->token_sha256;
      break;
    case principal::kind::supervisor:
      if (const auto* s = cfg.find_supervisor(who.id)) found = &s->token_sha256;
      break;
    case principal::kind::viewer:
      if (const auto* v = cfg.find_viewer(who.id)) found = &v->token_sha256;
      break;
  }
  return found == nullptr ? std::string() : *found;
}

std::vector<std::pair<std::string, std::string>> sign_request(std::string_view platform_id, std::string_view secret,
                                                              std::int64_t now, std::string_view method,
                                                              std::string_view target, std::string_view body) {
  auto ts = std::to_string(now);
  return {{"X-Platform-Id", std::string(platform_id)},
          {"X-Timestamp", ts},
          {"X-Signature", config::hmac_sha256_hex(secret, signing_payload(ts, method, target, body))}};
}

}  // namespace caseroute::http
