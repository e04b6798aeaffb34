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

// "host[:port]" or "[v6]:port"; port keeps its default when absent.
bool parse_host_port(std::string_view u, std::string& host_out, int& port_out) {
  std::string_view host = u;
  std::string_view port;
  if (u.starts_with('[')) {  // [::1]:6379
    auto close = u.find(']');
    if (close == std::string_view::npos) return false;
    host = u.substr(1, close - 1);
    std::string_view rest = u.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return false;
      port = rest.substr(1);
    }
  } else if (auto colon = u.rfind(':'); colon != std::string_view::npos) {
    host = u.substr(0, colon);
    port = u.substr(colon + 1);
  }
  if (host.empty()) return false;
  host_out = std::string(host);
  if (!port.empty() || u.ends_with(':')) {
    if (!parse_int(port, port_out) || port_out < 1 || port_out > 65535) return false;
  }
  return true;
}

// "[[user]:password@]rest": strips the userinfo into ep.
bool take_userinfo(std::string_view& u, endpoint& ep) {
  auto at = u.rfind('@');
  if (at == std::string_view::npos) return true;
  std::string_view userinfo = u.substr(0, at);
  u.remove_prefix(at + 1);
  auto colon = userinfo.find(':');
  if (colon == std::string_view::npos) return false;  // a bare user without password is not useful
  return percent_decode(userinfo.substr(0, colon), ep.username) &&
         percent_decode(userinfo.substr(colon + 1), ep.password);
}

// sentinel://[[user]:password@]h1[:26379],h2[:26379]/master-name[?db=N]; the
// password is the master's (sentinels without a password are assumed).
bool parse_sentinel(std::string_view u, endpoint& ep) {
  if (!take_userinfo(u, ep)) return false;
  auto slash = u.find('/');
  if (slash == std::string_view::npos) return false;
  std::string_view hosts = u.substr(0, slash);
  std::string_view rest = u.substr(slash + 1);
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    std::string_view query = rest.substr(q + 1);
    rest = rest.substr(0, q);
    if (!query.starts_with("db=") || !parse_int(query.substr(3), ep.db) || ep.db < 0) return false;
  }
  if (rest.empty() || rest.find_first_of("/ ") != std::string_view::npos) return false;
  ep.master_name = std::string(rest);
  while (!hosts.empty()) {
    auto comma = hosts.find(',');
    sentinel_address s;
    if (!parse_host_port(hosts.substr(0, comma), s.host, s.port)) return false;
    ep.sentinels.push_back(std::move(s));
    if (comma == std::string_view::npos) break;
    hosts.remove_prefix(comma + 1);
    if (hosts.empty()) return false;  // a trailing comma
  }
  return !ep.sentinels.empty();
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

  if (u.starts_with("sentinel://")) {
    if (!parse_sentinel(u.substr(11), ep)) return bad;
    return ep;
  }

  if (!u.starts_with("redis://")) return bad;
  u.remove_prefix(8);
  if (!take_userinfo(u, ep)) return bad;
  if (auto slash = u.find('/'); slash != std::string_view::npos) {
    std::string_view db = u.substr(slash + 1);
    u = u.substr(0, slash);
    if (!db.empty() && (!parse_int(db, ep.db) || ep.db < 0)) return bad;
  }
  if (!parse_host_port(u, ep.host, ep.port)) return bad;
  return ep;
}

}  // namespace caseroute::store
