// Where the daemon is: an http:// or https:// URL from --url or
// CASEROUTE_URL, or the config's server.listen. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace caseroute::cli {

struct endpoint {
  bool tls = false;
  std::string host;  // an IPv6 address without its brackets
  std::string port;
  std::string url;  // scheme://host:port, for messages
};

// http://HOST[:PORT][/] or https://...; the default ports are 80 and 443.
// A path, query, user info or another scheme is refused (nullopt).
std::optional<endpoint> parse_url(std::string_view url);

// The URL a client on this host uses for a listener at `listen` (host:port,
// [v6]:port): the wildcard addresses 0.0.0.0 and [::] become the loopback
// address of their family; https when the listener has TLS.
std::string url_for_listen(std::string_view listen, bool tls);

// `text` with everything but unreserved characters (A-Z a-z 0-9 - . _ ~)
// percent-encoded: path segments and query values built from arguments.
std::string percent_encode(std::string_view text);

}  // namespace caseroute::cli
