// parse_redis_url: where the daemon's Redis lives, from the config's redis.url.
// Pure string handling; the password is never logged or echoed in errors.
#include <charconv>
#include <string_view>

#include "store/errors.hpp"
#include "store/redis_connection.hpp"

namespace caseroute::store {

namespace {

bool parse_int(std::string_view s, int& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Userinfo may carry %-escapes (a password with '@' or ':').
bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

}  // namespace

boost::system::result<endpoint> parse_redis_url(const std::string& url) {
  const auto bad = make_error_code(error::bad_config);
  std::string_view u = url;
  endpoint ep;

  if (u.starts_with("unix://")) {
    u.remove_prefix(7);
    auto q = u.find('?');
    ep.unix_socket = std::string(u.substr(0, q));
    if (ep.unix_socket.empty() || ep.unix_socket[0] != '/') return bad;
    if (q != std::string_view::npos) {
      std::string_view query = u.substr(q + 1);
      if (!query.starts_with("db=") || !parse_int(query.substr(3), ep.db) || ep.db < 0) return bad;
    }
    return ep;
  }

  if (!u.starts_with("redis://")) return bad;
  u.remove_prefix(8);
  if (auto at = u.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = u.substr(0, at);
    u.remove_prefix(at + 1);
    auto colon = userinfo.find(':');
    if (colon == std::string_view::npos) return bad;  // a bare user without password is not useful
    if (!percent_decode(userinfo.substr(0, colon), ep.username)) return bad;
    if (!percent_decode(userinfo.substr(colon + 1), ep.password)) return bad;
  }
  if (auto slash = u.find('/'); slash != std::string_view::npos) {
    std::string_view db = u.substr(slash + 1);
    u = u.substr(0, slash);
    if (!db.empty() && (!parse_int(db, ep.db) || ep.db < 0)) return bad;
  }
  std::string_view host = u;
  std::string_view port;
  if (u.starts_with('[')) {  // [::1]:6379
    auto close = u.find(']');
    if (close == std::string_view::npos) return bad;
    host = u.substr(1, close - 1);
    std::string_view rest = u.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return bad;
      port = rest.substr(1);
    }
  } else if (auto colon = u.rfind(':'); colon != std::string_view::npos) {
    host = u.substr(0, colon);
    port = u.substr(colon + 1);
  }
  if (host.empty()) return bad;
  ep.host = std::string(host);
  if (!port.empty() || u.ends_with(':')) {
    if (!parse_int(port, ep.port) || ep.port < 1 || ep.port > 65535) return bad;
  }
  return ep;
}

}  // namespace caseroute::store
