// URLs of the daemon (address.hpp).
#include "cli/address.hpp"

#include <cctype>

namespace caseroute::cli {

std::optional<endpoint> parse_url(std::string_view url) {
  endpoint e;
  if (url.starts_with("http://")) {
    url.remove_prefix(7);
  } else if (url.starts_with("https://")) {
    url.remove_prefix(8);
    e.tls = true;
  } else {
    return std::nullopt;
  }
  if (url.ends_with('/')) url.remove_suffix(1);
  if (url.empty() || url.find_first_of("/?#@ ") != std::string_view::npos) return std::nullopt;
  std::string_view port;
  if (url.front() == '[') {
    const auto close = url.find(']');
    if (close == std::string_view::npos || close == 1) return std::nullopt;
    e.host = url.substr(1, close - 1);
    const auto rest = url.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);
      if (port.empty()) return std::nullopt;
    }
  } else {
    const auto colon = url.rfind(':');
    e.host = url.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = url.substr(colon + 1);
      if (port.empty()) return std::nullopt;
    }
    if (e.host.empty() || e.host.find(':') != std::string::npos) return std::nullopt;
  }
  for (char c : port)
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  if (port.size() > 5 || (!port.empty() && std::stoi(std::string(port)) > 65535)) return std::nullopt;
  e.port = port.empty() ? (e.tls ? "443" : "80") : std::string(port);
  const bool v6 = e.host.find(':') != std::string::npos;
  e.url = std::string(e.tls ? "https://" : "http://") + (v6 ? "[" + e.host + "]" : e.host) + ":" + e.port;
  return e;
}

std::string url_for_listen(std::string_view listen, bool tls) {
  std::string host(listen);
  std::string port;
  if (const auto colon = listen.rfind(':'); colon != std::string_view::npos) {
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
  }
  if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  if (host == "[::]") host = "[::1]";
  return std::string(tls ? "https://" : "http://") + host + (port.empty() ? "" : ":" + port);
}

std::string percent_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 0x0F];
    }
  }
  return out;
}

}  // namespace caseroute::cli
