// Sessions and sign-in codes in Redis (keys in store/keys.hpp). A session is
// a hash with its person, token fingerprint, CSRF token and ends; its TTL is
// the nearer of its idle and absolute ends, so Redis forgets it by itself.
// Secrets (cookie, code) are only ever stored as their SHA-256.
#include "api/session.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <stdexcept>

#include "config/digest.hpp"
#include "store/errors.hpp"
#include "store/keys.hpp"

namespace caseroute::api {
namespace {

namespace asio = boost::asio;
using boost::system::result;
using store::reply;

constexpr std::size_t secret_bytes = 32;
constexpr std::size_t secret_chars = 43;  // unpadded base64url of 32 bytes

std::string random_secret() {
  std::string raw(secret_bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(raw.size())) != 1)
    throw std::runtime_error("RAND_bytes failed");
  return config::base64url(raw);
}

bool well_formed_secret(std::string_view s) {
  return s.size() == secret_chars && std::all_of(s.begin(), s.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
         });
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::int64_t ms(time_point t) { return t.time_since_epoch().count(); }

std::int64_t to_int(const std::string& s) {
  std::int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

std::optional<http::principal::kind> kind_of(std::string_view role) {
  if (role == "counselor") return http::principal::kind::counselor;
  if (role == "supervisor") return http::principal::kind::supervisor;
  if (role == "viewer") return http::principal::kind::viewer;
  return std::nullopt;
}

// The person's current fingerprint, or "" when they are no longer configured.
std::string current_fingerprint(const config::config& cfg, const http::principal& p) {
  const auto sha = http::configured_token_sha256(p, cfg);
  return sha.empty() ? std::string() : token_fingerprint(sha);
}

store::keys keys_of(const context& ctx) { return store::keys(ctx.cfg->redis.key_prefix); }

// The session's idle end is pushed back at most this often: a request does
// not cost a write when the last one was moments ago.
std::chrono::milliseconds touch_interval(const config::session_settings& s) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(s.idle) / 20;
}

}  // namespace

const char* role_name(http::principal::kind k) {
  switch (k) {
    case http::principal::kind::counselor:
      return "counselor";
    case http::principal::kind::supervisor:
      return "supervisor";
    case http::principal::kind::viewer:
      return "viewer";
  }
  return "?";
}

std::string session_cookie_of(const http::request& req) {
  for (const auto& [name, value] : req.headers) {
    if (name != "cookie") continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      const auto semi = rest.find(';');
      auto pair = rest.substr(0, semi);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      const auto eq = pair.find('=');
      if (eq != std::string_view::npos && pair.substr(0, eq) == session_cookie_name) {
        auto v = pair.substr(eq + 1);
        while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
        return std::string(v);
      }
      if (semi == std::string_view::npos) break;
      rest.remove_prefix(semi + 1);
    }
  }
  return {};
}

bool secure_cookies(const config::config& cfg) {
  return cfg.server.tls.has_value() || cfg.server.public_origin.starts_with("https://");
}

std::string session_set_cookie(std::string_view value, const config::config& cfg) {
  std::string c = std::string(session_cookie_name) + "=" + std::string(value) + "; Path=/; HttpOnly; SameSite=Strict";
  if (value.empty()) c += "; Max-Age=0";
  if (secure_cookies(cfg)) c += "; Secure";
  return c;
}

std::string expected_origin(const config::config& cfg, const http::request& req) {
  if (!cfg.server.public_origin.empty()) return cfg.server.public_origin;
  std::string host(req.header("host"));
  if (host.empty()) return {};
  for (auto& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return (cfg.server.tls ? "https://" : "http://") + host;
}

std::optional<http::api_error> check_csrf(const config::config& cfg, const http::request& req, const session& s) {
  if (is_safe_method(req.method)) return std::nullopt;
  const auto origin = req.header("origin");
  if (origin.empty())
    return http::permission_denied(
        "a request that changes state with the session cookie must carry this console's Origin header");
  std::string o(origin);
  for (auto& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string want = expected_origin(cfg, req);
  for (auto& c : want) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (want.empty() || o != want) return http::permission_denied("the request's Origin is not this console's origin");
  const auto token = req.header("x-csrf-token");
  if (token.empty() || !equal_constant_time(token, s.csrf))
    return http::permission_denied(
        "a request that changes state with the session cookie must carry the session's X-CSRF-Token");
  return std::nullopt;
}

std::string token_fingerprint(std::string_view token_sha256) {
  return config::sha256_hex("caseroute session fingerprint\n" + std::string(token_sha256)).substr(0, 32);
}

asio::awaitable<result<opened_session>> open_session(context& ctx, http::principal person, time_point now) {
  const auto cfg = ctx.cfg;
  const auto k = keys_of(ctx);
  opened_session out;
  out.cookie = random_secret();
  out.s.person = std::move(person);
  out.s.csrf = random_secret();
  out.s.expires_at = now + std::chrono::duration_cast<std::chrono::milliseconds>(cfg->sessions.lifetime);
  out.s.idle_expires_at =
      std::min(out.s.expires_at, now + std::chrono::duration_cast<std::chrono::milliseconds>(cfg->sessions.idle));
  const auto digest = config::sha256_hex(out.cookie);
  const auto key = k.session(digest);
  auto set = co_await ctx.redis.exec_write(
      store::command("HSET", key, "role", role_name(out.s.person.role), "id", out.s.person.id, "fp",
                     current_fingerprint(*cfg, out.s.person), "csrf", out.s.csrf, "created", std::to_string(ms(now)),
                     "seen", std::to_string(ms(now)), "expires", std::to_string(ms(out.s.expires_at))));
  if (!set) co_return set.error();
  if (set->is_error()) co_return store::make_error_code(store::error::redis_error);
  auto ttl = co_await ctx.redis.exec_write(
      store::command("PEXPIRE", key, std::to_string(ms(out.s.idle_expires_at) - ms(now))));
  if (!ttl) co_return ttl.error();
  const auto mine = k.person_sessions(out.s.person.id);
  auto add = co_await ctx.redis.exec_write(store::command("SADD", mine, digest));
  if (!add) co_return add.error();
  // The set outlives every session it lists; a digest left behind is harmless.
  const auto lifetime = std::chrono::duration_cast<std::chrono::milliseconds>(cfg->sessions.lifetime).count();
  auto keep = co_await ctx.redis.exec_write(store::command("PEXPIRE", mine, std::to_string(lifetime)));
  if (!keep) co_return keep.error();
  co_return out;
}

asio::awaitable<result<std::optional<session>>> find_session(context& ctx, std::string cookie, time_point now) {
  if (!well_formed_secret(cookie)) co_return std::optional<session>{};
  const auto cfg = ctx.cfg;
  const auto key = keys_of(ctx).session(config::sha256_hex(cookie));
  auto r = co_await ctx.redis.exec(store::command("HGETALL", key));
  if (!r) co_return r.error();
  if (r->type != reply::kind::array) co_return store::make_error_code(store::error::redis_error);
  std::map<std::string, std::string> f;
  for (std::size_t i = 0; i + 1 < r->elements.size(); i += 2) f[r->elements[i].str] = r->elements[i + 1].str;
  if (f.empty()) co_return std::optional<session>{};

  const auto role = kind_of(f["role"]);
  session s;
  s.person = http::principal{role.value_or(http::principal::kind::viewer), f["id"]};
  s.csrf = f["csrf"];
  s.expires_at = time_point(std::chrono::milliseconds(to_int(f["expires"])));
  const time_point seen(std::chrono::milliseconds(to_int(f["seen"])));
  const auto idle = std::chrono::duration_cast<std::chrono::milliseconds>(cfg->sessions.idle);
  const bool ended = now >= s.expires_at || now >= seen + idle;
  // A token changed or removed by a reload ends the sessions it opened.
  const auto fp = current_fingerprint(*cfg, s.person);
  if (!role || ended || fp.empty() || !equal_constant_time(fp, f["fp"]) || s.csrf.empty()) {
    auto del = co_await ctx.redis.exec_write(store::command("DEL", key));
    if (!del) co_return del.error();
    co_return std::optional<session>{};
  }
  time_point last = seen;
  if (now - seen >= touch_interval(cfg->sessions)) {
    last = now;
    s.idle_expires_at = std::min(s.expires_at, now + idle);
    // Plain exec: a touch lost in a failover only ends the session sooner.
    auto touch = co_await ctx.redis.exec(store::command("HSET", key, "seen", std::to_string(ms(now))));
    if (!touch) co_return touch.error();
    auto ttl = co_await ctx.redis.exec(
        store::command("PEXPIRE", key, std::to_string(std::max<std::int64_t>(1, ms(s.idle_expires_at) - ms(now)))));
    if (!ttl) co_return ttl.error();
  }
  s.idle_expires_at = std::min(s.expires_at, last + idle);
  co_return std::optional<session>{std::move(s)};
}

asio::awaitable<result<void>> end_session(context& ctx, std::string cookie) {
  if (!well_formed_secret(cookie)) co_return result<void>{};
  auto del = co_await ctx.redis.exec_write(store::command("DEL", keys_of(ctx).session(config::sha256_hex(cookie))));
  if (!del) co_return del.error();
  co_return result<void>{};
}

asio::awaitable<result<int>> revoke_sessions(context& ctx, std::string person_id) {
  const auto k = keys_of(ctx);
  const auto mine = k.person_sessions(person_id);
  auto members = co_await ctx.redis.exec(store::command("SMEMBERS", mine));
  if (!members) co_return members.error();
  int revoked = 0;
  for (const auto& m : members->elements) {
    auto del = co_await ctx.redis.exec_write(store::command("DEL", k.session(m.str)));
    if (!del) co_return del.error();
    if (del->type == reply::kind::integer) revoked += static_cast<int>(del->integer);
  }
  auto drop = co_await ctx.redis.exec_write(store::command("DEL", mine));
  if (!drop) co_return drop.error();
  co_return revoked;
}

asio::awaitable<result<std::string>> create_signin_code(context& ctx, http::principal person) {
  const auto cfg = ctx.cfg;
  const auto code = random_secret();
  const auto value = std::string(role_name(person.role)) + ":" + person.id + ":" + current_fingerprint(*cfg, person);
  const auto px = std::chrono::duration_cast<std::chrono::milliseconds>(signin_code_lifetime).count();
  auto set = co_await ctx.redis.exec_write(
      store::command("SET", keys_of(ctx).signin_code(config::sha256_hex(code)), value, "PX", std::to_string(px)));
  if (!set) co_return set.error();
  if (set->is_error()) co_return store::make_error_code(store::error::redis_error);
  co_return code;
}

asio::awaitable<result<std::optional<http::principal>>> redeem_signin_code(context& ctx, std::string code) {
  if (!well_formed_secret(code)) co_return std::optional<http::principal>{};
  const auto cfg = ctx.cfg;
  // GETDEL: of two replicas redeeming the same code at once, one gets it.
  auto r = co_await ctx.redis.exec_write(store::command("GETDEL", keys_of(ctx).signin_code(config::sha256_hex(code))));
  if (!r) co_return r.error();
  if (r->type != reply::kind::string) co_return std::optional<http::principal>{};
  const auto& v = r->str;
  const auto first = v.find(':');
  const auto second = first == std::string::npos ? std::string::npos : v.find(':', first + 1);
  if (second == std::string::npos) co_return std::optional<http::principal>{};
  const auto role = kind_of(std::string_view(v).substr(0, first));
  if (!role) co_return std::optional<http::principal>{};
  http::principal p{*role, v.substr(first + 1, second - first - 1)};
  const auto fp = current_fingerprint(*cfg, p);
  if (fp.empty() || !equal_constant_time(fp, std::string_view(v).substr(second + 1)))
    co_return std::optional<http::principal>{};
  co_return std::optional<http::principal>{std::move(p)};
}

}  // namespace caseroute::api
