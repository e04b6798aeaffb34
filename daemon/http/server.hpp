// The HTTP/1.1 listener: accepts connections and runs one coroutine per
// connection that reads a request within the limits, answers it through
// respond() (http/respond.hpp) and writes the response. No Beast in this
// header: server.cpp and intake/callback_client.cpp are the two units that
// include it.
//
// Threading: one io_context run by one thread. Every member except the
// constructor, listen() and local_endpoint() must be called on that thread
// (post to it); open_connections() may be read from anywhere.
#pragma once

#include "config/config.hpp"
#include "http/errors.hpp"
#include "http/router.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string_view>
#include <variant>

namespace caseroute::http {

struct server_hooks {
  // Called once per response written. `route` is the route name (pattern),
  // "unmatched" for 404/405 and "-" when no request could be read (400, 413,
  // 431, 503 over the connection limit). Never a raw path.
  // `method` is the request's when standard (GET, POST, ...), else "_OTHER".
  std::function<void(std::string_view route, std::string_view method, int status, double seconds)> on_response;
  // Per-address request rate (http/rate_limit.hpp): 0 to serve the request,
  // else the Retry-After of the 429 it gets. Unset: no limit.
  std::function<int(std::string_view address)> admit_address;
};

// The label value of an HTTP method: the method itself when it is one of the
// standard ones, else "_OTHER" (no label value ever comes from client text).
std::string_view method_label(std::string_view method);

class server {
 public:
  // `s` is copied; `r` must outlive the server and stay unchanged while it runs.
  server(boost::asio::io_context& io, const config::server_settings& s, const router& r, server_hooks hooks = {});
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Binds and listens on s.listen ("host:port", "[v6]:port"; port 0 picks a
  // free one). Throws std::system_error with the address in the message.
  // With server.tls it also loads the certificate, key and client CAs, and
  // throws std::runtime_error naming the file that failed.
  void listen();
  boost::asio::ip::tcp::endpoint local_endpoint() const;

  // Reads server.tls's files again (SIGHUP): new connections use them,
  // open ones keep theirs. On failure logs why, keeps the old ones and
  // returns false. Without server.tls, true.
  bool reload_tls();

  // The accept loop; returns once stop_accepting() closed the acceptor.
  // Connections run as their own coroutines on the io_context, keeping the
  // server's internals alive until they end.
  boost::asio::awaitable<void> run();

  // Closes the acceptor and idle keep-alive connections; connections in the
  // middle of a request finish it (answered with Connection: close).
  void stop_accepting();

  std::size_t open_connections() const;

  // Waits until no connection is open or `deadline` passed, then cancels the
  // handlers and closes the sockets still open, and waits briefly for them to end.
  boost::asio::awaitable<void> drain(std::chrono::steady_clock::duration deadline);

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
};

// One request parsed from `raw` as a connection parses it (the Beast parser
// with s.max_header_bytes and s.max_body_bytes, then the target and query
// decoding), without a socket: for the fuzz target. Bytes after the request
// are ignored; an incomplete request is 400. request_id and remote stay empty.
std::variant<request, api_error> parse_request(std::string_view raw, const config::server_settings& s);

}  // namespace caseroute::http
