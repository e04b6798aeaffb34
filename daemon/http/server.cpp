// The Beast listener and per-connection loop (one of the two translation
// units that include Beast; intake/callback_client.cpp is the other). Per
// request: deadline, read within the limits, respond(), write, loop (Beast
// example/http/server/awaitable). One io_context on one thread, so the
// connection table needs no lock and no strand.
#include "http/server.hpp"

#include "config/digest.hpp"
#include "http/errors.hpp"
#include "http/respond.hpp"
#include "log/log.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/system/result.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <system_error>
#include <type_traits>

namespace caseroute::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
using beast_response = bhttp::response<bhttp::string_body>;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

struct connection_base;

}  // namespace

std::string_view method_label(std::string_view method) {
  static constexpr std::string_view known[] = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                               "OPTIONS", "CONNECT", "TRACE", "PATCH"};
  if (method.empty()) return method;
  for (auto k : known)
    if (k == method) return k;
  return "_OTHER";
}

struct server::impl {
  impl(asio::io_context& io_, const config::server_settings& s, const router& r, server_hooks h)
      : io(io_), settings(s), routes(r), hooks(std::move(h)), acceptor(io_), drained(io_) {}

  asio::io_context& io;
  config::server_settings settings;
  const router& routes;
  server_hooks hooks;
  tcp::acceptor acceptor;
  bool stopping = false;
  bool draining = false;
  std::map<std::uint64_t, connection_base*> open;               // registered and unregistered by connection
  std::map<std::string, std::size_t, std::less<>> per_address;  // open connections by remote address
  std::atomic<std::size_t> open_count{0};
  std::size_t rejecting = 0;
  std::size_t lingering = 0;  // open connections only draining an answered 413/431/400 (linger_close)
  std::size_t evicting = 0;   // idle connections closed to make room, not yet unregistered
  std::uint64_t next_id = 0;
  asio::steady_timer drained;  // drain() waits on it; the last connection to close cancels it
  std::mt19937_64 rng{std::random_device{}()};
  // server.tls: the context new connections use; reload_tls() swaps it, and
  // each connection keeps the one it started with.
  std::shared_ptr<asio::ssl::context> tls;

  // At the connection limit; lingering and evicted connections hold no slot.
  bool full() const { return open.size() - lingering - evicting >= settings.max_connections; }

  std::chrono::steady_clock::duration read_timeout() const {
    return std::max(settings.read_timeout, std::chrono::seconds(1));
  }
  // From a request's first byte to the end of its header: short, so a client
  // trickling a header cannot hold a slot for the whole read_timeout.
  std::chrono::steady_clock::duration header_timeout() const {
    return std::clamp<std::chrono::steady_clock::duration>(settings.header_timeout, std::chrono::seconds(1),
                                                           read_timeout());
  }

  bool address_full(const std::string& address) const {
    if (settings.max_connections_per_address == 0) return false;
    const auto it = per_address.find(address);
    return it != per_address.end() && it->second >= settings.max_connections_per_address;
  }

  std::string new_request_id() {
    const std::uint64_t v = rng();
    return config::hex(std::string_view(reinterpret_cast<const char*>(&v), sizeof v));
  }

  void report(std::string_view route, std::string_view raw_method, int status, double seconds,
              std::string_view request_id) const {
    // The method is client text: only the standard ones become a label value.
    const std::string_view method = method_label(raw_method);
    if (hooks.on_response) hooks.on_response(route, method, status, seconds);
    if (log::enabled(log::level::debug))
      log::debug("http.response", {{"request_id", request_id},
                                   {"route", route},
                                   {"method", method},
                                   {"status", status},
                                   {"ms", seconds * 1000.0}});
  }
};

namespace {

// One accepted connection, shared by its coroutine and that coroutine's
// completion handler; the last owner to let go unregisters it. The server's
// table sees this part; connection<Stream> adds the stream (plain or TLS).
struct connection_base {
  connection_base(std::shared_ptr<server::impl> o, std::uint64_t i, std::string a)
      : owner(std::move(o)), id(i), address(std::move(a)) {
    owner->open.emplace(id, this);
    ++owner->per_address[address];
    ++owner->open_count;
  }
  virtual ~connection_base() {
    if (evicted) --owner->evicting;
    if (auto it = owner->per_address.find(address); it != owner->per_address.end() && --it->second == 0)
      owner->per_address.erase(it);
    owner->open.erase(id);
    --owner->open_count;
    if (owner->open.empty() && owner->draining) {
      try {
        owner->drained.cancel();
      } catch (...) {
      }
    }
  }
  connection_base(const connection_base&) = delete;
  connection_base& operator=(const connection_base&) = delete;

  // The TCP layer under the stream: deadlines, cancel, close.
  virtual beast::tcp_stream& tcp() = 0;

  std::shared_ptr<server::impl> owner;
  std::uint64_t id;
  std::string address;               // remote address without the port
  asio::cancellation_signal cancel;  // drain() past its deadline cancels the handler
  bool idle = true;                  // waiting for the first byte of a request
  bool in_header = false;            // a request (or TLS handshake) started, its header not complete yet
  bool evicted = false;              // closed to make room for a new connection
  bool client_certified = false;     // TLS: the client presented a certificate of server.tls.client_ca_file
};

template <class Stream>
struct connection final : connection_base {
  static constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;

  connection(std::shared_ptr<server::impl> o, std::uint64_t i, std::string a, tcp::socket s) requires(!is_tls)
      : connection_base(std::move(o), i, std::move(a)), stream(std::move(s)) {}
  connection(std::shared_ptr<server::impl> o, std::uint64_t i, std::string a, tcp::socket s,
             std::shared_ptr<asio::ssl::context> c) requires(is_tls)
      : connection_base(std::move(o), i, std::move(a)), context(std::move(c)), stream(std::move(s), *context) {}

  beast::tcp_stream& tcp() override { return beast::get_lowest_layer(stream); }

  std::shared_ptr<asio::ssl::context> context;  // TLS: kept alive while the connection uses it
  Stream stream;
};

bool sane_request_id(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.' && c != ':') return false;
  return true;
}

bool header_safe(std::string_view s) { return s.find_first_of("\r\n") == std::string_view::npos; }

beast_response to_beast(response r, std::string_view request_id, unsigned version, bool keep_alive, bool head) {
  if (r.status < 100 || r.status > 599) {
    log::error("http.bad_status", {{"request_id", request_id}, {"status", r.status}});
    r = to_response(internal());
  }
  beast_response res{static_cast<bhttp::status>(r.status), version};
  res.set(bhttp::field::server, "caseroute");
  if (!r.content_type.empty()) res.set(bhttp::field::content_type, r.content_type);
  res.set("X-Request-Id", request_id);
  // API answers are never cached; a handler may say otherwise (the console's files).
  const bool cache_said = std::any_of(r.headers.begin(), r.headers.end(),
                                      [](const auto& h) { return beast::iequals(h.first, "cache-control"); });
  if (!cache_said) res.set(bhttp::field::cache_control, "no-store");
  for (const auto& [name, value] : r.headers)
    if (!name.empty() && header_safe(name) && header_safe(value)) res.insert(name, value);
  res.keep_alive(keep_alive);
  res.body() = std::move(r.body);
  res.prepare_payload();
  // HEAD: keep the Content-Length of the GET answer, send no body.
  if (head) res.body().clear();
  return res;
}

// Which read failures deserve an answer; the rest (peer gone, deadline,
// cancelled) just close the connection.
std::optional<api_error> read_error(const beast::error_code& ec, const config::server_settings& s) {
  if (ec == bhttp::error::body_limit)
    return payload_too_large("request body larger than " + std::to_string(s.max_body_bytes) + " bytes");
  if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow)
    return header_too_large("request header larger than " + std::to_string(s.max_header_bytes) + " bytes");
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) return std::nullopt;
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category())
    return invalid_argument("malformed HTTP request");
  return std::nullopt;
}

// The server's limits on one request's parser.
void apply_limits(bhttp::request_parser<bhttp::string_body>& parser, const config::server_settings& s) {
  parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(s.max_header_bytes, UINT32_MAX)));
  parser.body_limit(static_cast<std::uint64_t>(s.max_body_bytes));
}

// The plain request of a Beast message: method, raw target, headers (names
// lowercased) and body. respond() decodes the target.
request to_request(bhttp::request<bhttp::string_body>&& m) {
  request out;
  out.method = std::string(m.method_string());
  out.target = std::string(m.target());
  for (const auto& f : m) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers.emplace_back(std::move(name), std::string(f.value()));
  }
  out.body = std::move(m.body());
  return out;
}

// Half-closes, then reads and discards what the client still sends (for up
// to a second) so the answer is not lost to a reset, then closes. The stream
// belongs to the awaiting caller's frame, so the reference outlives this.
asio::awaitable<void> linger_close(beast::tcp_stream& stream) {
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.expires_after(1s);
  std::array<char, 4096> sink;
  std::size_t total = 0;
  while (total < (1u << 20)) {
    auto [e, n] = co_await stream.async_read_some(asio::buffer(sink), use_tuple);
    if (e) break;
    total += n;
  }
  stream.socket().close(ec);
}

// Over the connection limit: answer 503 at once and close.
asio::awaitable<void> reject(std::shared_ptr<server::impl> self, tcp::socket socket, std::string why) {
  ++self->rejecting;
  beast::tcp_stream stream(std::move(socket));
  stream.expires_after(2s);
  auto id = self->new_request_id();
  auto res = to_beast(to_response(unavailable(std::move(why), 1)), id, 11, false, false);
  auto [ec, n] = co_await bhttp::async_write(stream, res, use_tuple);
  if (!ec) co_await linger_close(stream);
  --self->rejecting;
  self->report("-", "", 503, 0.0, id);
}

// The stream_writer of one connection: a hand-written header, then raw bytes
// until the handler returns; the end of the body is the connection closing.
// For a request that may wait long it also watches the client (watch_peer).
template <class Stream>
class live_stream final : public stream_writer {
 public:
  live_stream(connection<Stream>& c, beast::flat_buffer& buffer, unsigned version, std::string request_id)
      : conn_(c),
        buffer_(buffer),
        version_(version),
        request_id_(std::move(request_id)),
        watch_ended_(c.tcp().get_executor()) {}

  asio::awaitable<bool> start(std::string content_type) override {
    if (started_ || !header_safe(content_type)) co_return false;
    started_ = true;
    // A bounded kernel buffer (no autotuning to megabytes): a client that
    // stops reading blocks our writes soon, and its stream is cut, instead
    // of the kernel holding everything it did not read.
    beast::error_code ignored;
    conn_.tcp().socket().set_option(asio::socket_base::send_buffer_size(64 * 1024), ignored);
    std::string head = version_ == 10 ? "HTTP/1.0 200 OK\r\n" : "HTTP/1.1 200 OK\r\n";
    head += "Server: caseroute\r\nContent-Type: " + content_type + "\r\nX-Request-Id: " + request_id_ +
            "\r\nCache-Control: no-store\r\nX-Accel-Buffering: no\r\nConnection: close\r\n\r\n";
    co_return co_await write(std::move(head));
  }

  asio::awaitable<bool> write(std::string chunk) override {
    if (!started_ || failed_) co_return false;
    // A reader too slow to take a chunk within the deadline is dropped.
    conn_.tcp().expires_after(conn_.owner->read_timeout());
    auto [ec, n] = co_await asio::async_write(conn_.stream, asio::buffer(chunk), use_tuple);
    failed_ = static_cast<bool>(ec);
    co_return !failed_;
  }

  bool closing() const override { return conn_.owner->stopping; }
  bool started() const { return started_; }

  void abort() override {
    failed_ = true;
    beast::error_code ec;
    conn_.tcp().socket().close(ec);
  }

  // Over TLS the raw socket carries records, not requests: no watch there
  // (a client that left is seen at the next write, or when the wait ends).
  void watch_peer() override {
    if constexpr (connection<Stream>::is_tls) return;
    if (watching_) return;
    watching_ = true;
    watch_ended_.expires_at(asio::steady_timer::time_point::max());
    asio::co_spawn(conn_.tcp().get_executor(), watch(), asio::detached);
  }

  // Ends the watch once the answer is ready, and waits until it has ended
  // (so the buffer is the session's again).
  asio::awaitable<void> stop_watching() {
    if (!watching_) co_return;
    stopping_watch_ = true;
    beast::error_code ec;
    conn_.tcp().socket().cancel(ec);
    if (!watch_over_) co_await watch_ended_.async_wait(use_tuple);
  }

 private:
  // Reads what the client sends while its request waits: bytes of a
  // pipelined request stay in the buffer for the next round (up to the
  // header and body limits; past them the watch just stops reading); the end
  // of the connection cancels the handler. On the raw socket, so the
  // stream's write deadline does not cut it.
  asio::awaitable<void> watch() {
    const auto& s = conn_.owner->settings;
    const std::size_t most = s.max_header_bytes + s.max_body_bytes;
    while (!stopping_watch_ && buffer_.size() < most) {
      auto [ec, n] = co_await conn_.tcp().socket().async_read_some(buffer_.prepare(4096), use_tuple);
      if (ec) {
        if (!stopping_watch_) conn_.cancel.emit(asio::cancellation_type::terminal);  // the client left
        break;
      }
      buffer_.commit(n);
    }
    watch_over_ = true;
    watch_ended_.cancel();
  }

  connection<Stream>& conn_;
  beast::flat_buffer& buffer_;
  unsigned version_;
  std::string request_id_;
  bool started_ = false;
  bool failed_ = false;
  bool watching_ = false;
  bool stopping_watch_ = false;
  bool watch_over_ = false;
  asio::steady_timer watch_ended_;
};

// The steps of one connection's loop. Each is awaited directly by session(),
// whose frame owns the connection and the buffer, so they take references.

// "address:port" ("[v6]:port" for IPv6) of the peer, or "" once it is gone.
std::string peer_address(const tcp::socket& socket) {
  beast::error_code ec;
  const auto ep = socket.remote_endpoint(ec);
  if (ec) return {};
  const auto address = ep.address().to_string();
  return (ep.address().is_v6() ? "[" + address + "]" : address) + ":" + std::to_string(ep.port());
}

// Idle between requests until the first byte of the next one; false when
// the server is stopping (stop_accepting() cancels this wait) or the peer
// closed or kept silent past the read timeout.
template <class Stream>
asio::awaitable<bool> wait_for_request(connection<Stream>& conn, beast::flat_buffer& buffer) {
  if (buffer.size() == 0) {
    if (conn.owner->stopping) co_return false;
    conn.idle = true;
    conn.tcp().expires_after(conn.owner->read_timeout());
    auto [ec, n] = co_await conn.stream.async_read_some(buffer.prepare(4096), use_tuple);
    conn.idle = false;
    if (ec) co_return false;
    buffer.commit(n);
  }
  conn.idle = false;
  co_return true;
}

// One request read off the connection, and how its answer is to be framed.
struct incoming {
  request req;
  unsigned version = 11;
  bool keep_alive = false;
  bool head = false;
};

// Reads one request within the limits: the header within header_timeout of
// its first byte, then (after a "100 Continue" when the client waits for
// one) the body within read_timeout: slow-loris protection. While the header
// is incomplete the connection may be evicted to make room (make_room). The
// error is the read's (see refuse()).
template <class Stream>
asio::awaitable<boost::system::result<incoming>> read_request(connection<Stream>& conn, beast::flat_buffer& buffer,
                                                              std::string remote) {
  auto& self = *conn.owner;
  bhttp::request_parser<bhttp::string_body> parser;
  apply_limits(parser, self.settings);
  conn.tcp().expires_after(self.header_timeout());
  conn.in_header = true;
  auto [ec, n] = co_await bhttp::async_read_header(conn.stream, buffer, parser, use_tuple);
  conn.in_header = false;
  if (ec) co_return ec;
  conn.tcp().expires_after(self.read_timeout());
  if (!parser.is_done()) {
    if (parser.get().version() >= 11 && beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
      static constexpr std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
      auto [wec, wn] = co_await asio::async_write(conn.stream, asio::buffer(cont), use_tuple);
      if (wec) co_return wec;
    }
    auto [rec, rn] = co_await bhttp::async_read(conn.stream, buffer, parser, use_tuple);
    if (rec) co_return rec;
  }
  auto msg = parser.release();
  incoming in;
  in.version = msg.version();
  in.keep_alive = msg.keep_alive();
  in.head = msg.method() == bhttp::verb::head;
  in.req = to_request(std::move(msg));
  in.req.remote = std::move(remote);
  in.req.client_certified = conn.client_certified;
  const auto rid = in.req.header("x-request-id");
  in.req.request_id = sane_request_id(rid) ? std::string(rid) : self.new_request_id();
  co_return std::move(in);
}

// Writes one response; false when the client is gone or too slow to take it.
template <class Stream>
asio::awaitable<bool> write_response(connection<Stream>& conn, beast_response res) {
  conn.tcp().expires_after(conn.owner->read_timeout());
  auto [ec, n] = co_await bhttp::async_write(conn.stream, res, use_tuple);
  co_return !ec;
}

// After a failed read: answers the failures that deserve it (413, 431, 400)
// and lingers so the answer is not lost to a reset. The rest (peer gone,
// deadline, cancelled) get no answer.
template <class Stream>
asio::awaitable<void> refuse(connection<Stream>& conn, beast::error_code ec) {
  auto& self = *conn.owner;
  const auto err = read_error(ec, self.settings);
  if (!err) co_return;
  const auto id = self.new_request_id();
  const bool written = co_await write_response(conn, to_beast(to_response(*err), id, 11, false, false));
  self.report("-", "", err->status, 0.0, id);
  // Lingering holds no slot: a client that closes at once and resends an
  // oversized request must not fill the connection table.
  if (written && self.lingering < self.settings.max_connections) {
    ++self.lingering;
    co_await linger_close(conn.tcp());
    --self.lingering;
  }
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// One connection's requests in turn: wait, read, respond, write, until the
// client or the server ends it.
// TLS: the handshake, within the header deadline (the connection may be
// evicted meanwhile, like one sending its header). A client speaking plain
// HTTP, or with a certificate server.tls.client_ca_file does not vouch for,
// fails here and is closed.
asio::awaitable<bool> handshake(connection<tls_stream>& conn) {
  conn.idle = false;
  conn.in_header = true;
  conn.tcp().expires_after(conn.owner->header_timeout());
  auto [ec] = co_await conn.stream.async_handshake(asio::ssl::stream_base::server, use_tuple);
  conn.in_header = false;
  if (ec) {
    if (log::enabled(log::level::debug))
      log::debug("http.tls_handshake_failed", {{"remote", conn.address}, {"error", ec.message()}});
    co_return false;
  }
  SSL* ssl = conn.stream.native_handle();
  if (X509* cert = SSL_get_peer_certificate(ssl)) {
    conn.client_certified = SSL_get_verify_result(ssl) == X509_V_OK;
    X509_free(cert);
  }
  co_return true;
}

template <class Stream>
asio::awaitable<void> session(std::shared_ptr<connection<Stream>> conn) {
  // After drain() cancels us, later I/O fails on the closed socket with an
  // error code we handle, rather than throwing.
  co_await asio::this_coro::throw_if_cancelled(false);
  auto& self = *conn->owner;
  const std::string remote = peer_address(conn->tcp().socket());
  if constexpr (connection<Stream>::is_tls) {
    if (!co_await handshake(*conn)) {
      beast::error_code ec;
      conn->tcp().socket().close(ec);
      co_return;
    }
  }
  beast::flat_buffer buffer;
  bool graceful = true;
  while (co_await wait_for_request(*conn, buffer)) {
    auto in = co_await read_request(*conn, buffer, remote);
    if (!in) {
      co_await refuse(*conn, in.error());
      graceful = false;
      break;
    }
    const auto start = std::chrono::steady_clock::now();
    const std::string request_id = in->req.request_id;
    const std::string method = in->req.method;
    if (const int wait = self.hooks.admit_address ? self.hooks.admit_address(conn->address) : 0; wait > 0) {
      // Over the address's request rate: 429 without reading further into it.
      const bool keep = in->keep_alive && !self.stopping;
      auto out = to_response(resource_exhausted("too many requests from this address", wait), in->req);
      const bool written =
          co_await write_response(*conn, to_beast(std::move(out), request_id, in->version, keep, in->head));
      self.report("limited", method, 429, seconds_since(start), request_id);
      if (!written) graceful = false;
      if (!written || !keep) break;
      continue;
    }
    live_stream<Stream> writer(*conn, buffer, in->version, request_id);
    answer a = co_await respond(self.routes, std::move(in->req), writer);
    co_await writer.stop_watching();
    // A plain statement: g++ 12 cannot parse this co_await inside the condition in a template.
    const asio::cancellation_state cancel_state = co_await asio::this_coro::cancellation_state;
    if (cancel_state.cancelled() != asio::cancellation_type::none) {
      // drain() gave up on this request: nobody is left to answer.
      log::info("http.request_cancelled", {{"request_id", request_id}, {"route", a.route}});
      graceful = false;
      break;
    }
    // The stream was the answer, and its end is the connection's.
    if (writer.started()) {
      self.report(a.route, method, 200, seconds_since(start), request_id);
      break;
    }
    const bool keep = in->keep_alive && !self.stopping;
    const int status = a.out.status;
    const bool written =
        co_await write_response(*conn, to_beast(std::move(a.out), request_id, in->version, keep, in->head));
    self.report(a.route, method, status, seconds_since(start), request_id);
    if (!written) graceful = false;
    if (!written || !keep) break;
  }
  beast::error_code ec;
  if constexpr (connection<Stream>::is_tls) {
    // close_notify, briefly: a client that does not answer it is not waited for.
    if (graceful) {
      conn->tcp().expires_after(1s);
      auto [sec] = co_await conn->stream.async_shutdown(use_tuple);
      (void)sec;
    }
  } else {
    if (graceful) conn->tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
  }
  conn->tcp().socket().close(ec);
}

void log_connection_end(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const boost::system::system_error& x) {
    if (x.code() == asio::error::operation_aborted) return;  // cancelled by drain()
    log::error("http.connection_failed", {{"error", x.what()}});
  } catch (const std::exception& x) {
    log::error("http.connection_failed", {{"error", x.what()}});
  } catch (...) {
    log::error("http.connection_failed", {{"error", "unknown exception"}});
  }
}

// "host:port" or "[v6]:port" -> endpoint; "localhost" means 127.0.0.1.
std::optional<tcp::endpoint> parse_listen(const std::string& s) {
  std::string host, port;
  if (!s.empty() && s.front() == '[') {
    auto close = s.find(']');
    if (close == std::string::npos || close + 1 >= s.size() || s[close + 1] != ':') return std::nullopt;
    host = s.substr(1, close - 1);
    port = s.substr(close + 2);
  } else {
    auto colon = s.rfind(':');
    if (colon == std::string::npos) return std::nullopt;
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
  }
  if (host == "localhost") host = "127.0.0.1";
  unsigned p = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || p > 65535) return std::nullopt;
  boost::system::error_code aec;
  auto addr = asio::ip::make_address(host, aec);
  if (aec) return std::nullopt;
  return tcp::endpoint(addr, static_cast<unsigned short>(p));
}

// TLS 1.2 and 1.3 only, forward-secret AEAD suites only. Throws
// std::runtime_error naming the file that could not be used.
std::shared_ptr<asio::ssl::context> make_tls_context(const config::tls_settings& t) {
  namespace ssl = asio::ssl;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use |
                   ssl::context::no_compression);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_cipher_list(native,
                          "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                          "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                          "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305");
  SSL_CTX_set_options(native, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
  const auto load = [](const std::string& what, const std::string& file, auto&& step) {
    boost::system::error_code ec;
    step(ec);
    if (ec) throw std::runtime_error("http: server.tls." + what + " \"" + file + "\": " + ec.message());
  };
  load("cert_file", t.cert_file, [&](auto& ec) { ctx->use_certificate_chain_file(t.cert_file, ec); });
  load("key_file", t.key_file, [&](auto& ec) { ctx->use_private_key_file(t.key_file, ssl::context::pem, ec); });
  if (SSL_CTX_check_private_key(native) != 1)
    throw std::runtime_error("http: server.tls.key_file \"" + t.key_file + "\" does not match the certificate");
  if (X509* cert = SSL_CTX_get0_certificate(native); cert && X509_cmp_current_time(X509_get0_notAfter(cert)) < 0)
    log::warn("http.tls_certificate_expired", {{"cert_file", t.cert_file}});
  if (!t.client_ca_file.empty()) {
    load("client_ca_file", t.client_ca_file, [&](auto& ec) { ctx->load_verify_file(t.client_ca_file, ec); });
    // Asked for, not required: staff clients have none; platform routes
    // refuse a request without one (api/access.cpp).
    ctx->set_verify_mode(ssl::verify_peer);
    SSL_CTX_set_client_CA_list(native, SSL_load_client_CA_file(t.client_ca_file.c_str()));
  }
  return ctx;
}

}  // namespace

std::variant<request, api_error> parse_request(std::string_view raw, const config::server_settings& s) {
  bhttp::request_parser<bhttp::string_body> parser;
  apply_limits(parser, s);
  parser.eager(true);
  beast::error_code ec;
  int stalls = 0;
  while (!ec && !parser.is_done()) {
    if (raw.empty()) {
      parser.put_eof(ec);
      if (!ec && !parser.is_done()) ec = bhttp::error::partial_message;
      break;
    }
    const auto n = parser.put(asio::buffer(raw.data(), raw.size()), ec);
    raw.remove_prefix(n);
    if (ec == bhttp::error::need_more) ec = {};
    // Nothing consumed twice: the rest is an unfinished header or chunk.
    stalls = n == 0 ? stalls + 1 : 0;
    if (stalls == 2) raw = {};
  }
  if (ec) {
    if (auto err = read_error(ec, s)) return *err;
    return invalid_argument("incomplete HTTP request");
  }
  auto req = to_request(parser.release());
  if (auto bad_target = decode_target(req)) return *bad_target;
  return req;
}

server::server(asio::io_context& io, const config::server_settings& s, const router& r, server_hooks hooks)
    : impl_(std::make_shared<impl>(io, s, r, std::move(hooks))) {}

server::~server() {
  // Connections still running keep impl alive; only the acceptor goes now.
  beast::error_code ec;
  impl_->stopping = true;
  impl_->acceptor.close(ec);
}

void server::listen() {
  auto& s = impl_->settings;
  if (s.tls) impl_->tls = make_tls_context(*s.tls);
  auto ep = parse_listen(s.listen);
  if (!ep)
    throw std::system_error(std::make_error_code(std::errc::invalid_argument),
                            "http: bad listen address \"" + s.listen + "\" (want host:port)");
  auto& a = impl_->acceptor;
  boost::system::error_code ec;
  auto fail = [&](const char* step) {
    beast::error_code ignored;
    a.close(ignored);
    throw std::system_error(ec, std::string("http: cannot ") + step + " " + s.listen);
  };
  if (a.open(ep->protocol(), ec)) fail("open a socket for");
  if (a.set_option(asio::socket_base::reuse_address(true), ec)) fail("set SO_REUSEADDR for");
  if (a.bind(*ep, ec)) fail("bind");
  if (a.listen(asio::socket_base::max_listen_connections, ec)) fail("listen on");
  log::info("http.listening", {{"address", local_endpoint().address().to_string()}, {"port", local_endpoint().port()}});
}

bool server::reload_tls() {
  auto& s = impl_->settings;
  if (!s.tls) return true;
  try {
    impl_->tls = make_tls_context(*s.tls);
    log::info("http.tls_reloaded", {{"cert_file", s.tls->cert_file}});
    return true;
  } catch (const std::exception& e) {
    log::error("http.tls_reload_failed", {{"problem", e.what()}});
    return false;
  }
}

tcp::endpoint server::local_endpoint() const {
  boost::system::error_code ec;
  return impl_->acceptor.local_endpoint(ec);
}

namespace {

// Closes the oldest connection that has not started a request (ids grow, so
// the map's first idle entry is the oldest), else the oldest whose request
// header is still incomplete, so neither a flood of silent connections nor
// one trickling headers can lock other clients out (a client with a whole
// header has it in well under a round trip). False when every connection
// is busy with a request.
bool make_room(server::impl& self) {
  for (bool header : {false, true}) {
    for (auto& [id, c] : self.open) {
      if (c->evicted || !(header ? c->in_header : c->idle)) continue;
      c->evicted = true;
      ++self.evicting;
      c->tcp().cancel();
      return true;
    }
  }
  return false;
}

template <class Stream>
void start_session(const std::shared_ptr<server::impl>& self, std::shared_ptr<connection<Stream>> conn) {
  auto slot = conn->cancel.slot();
  asio::co_spawn(self->io, session(conn),
                 asio::bind_cancellation_slot(slot, [conn](std::exception_ptr e) { log_connection_end(e); }));
}

asio::awaitable<void> accept_loop(std::shared_ptr<server::impl> self) {
  while (!self->stopping && self->acceptor.is_open()) {
    auto [ec, socket] = co_await self->acceptor.async_accept(use_tuple);
    if (self->stopping) break;
    if (ec) {
      if (ec == asio::error::operation_aborted) break;
      log::warn("http.accept_failed", {{"error", ec.message()}});
      // Out of descriptors and the like: back off instead of spinning.
      asio::steady_timer pause(self->io, 100ms);
      co_await pause.async_wait(use_tuple);
      continue;
    }
    beast::error_code aec;
    const auto peer = socket.remote_endpoint(aec);
    std::string address = aec ? std::string() : peer.address().to_string();
    const bool address_full = self->address_full(address);
    if (address_full || (self->full() && !make_room(*self))) {
      // Every slot is busy with a request, or this address holds its share:
      // answer the flood cheaply; past a bound, just drop (closing the socket).
      if (self->rejecting < std::max<std::size_t>(16, self->settings.max_connections))
        asio::co_spawn(
            self->io,
            reject(self, std::move(socket),
                   address_full ? "too many open connections from this address" : "too many open connections"),
            asio::detached);
      continue;
    }
    if (self->tls)
      start_session(self, std::make_shared<connection<tls_stream>>(self, ++self->next_id, std::move(address),
                                                                   std::move(socket), self->tls));
    else
      start_session(self, std::make_shared<connection<beast::tcp_stream>>(self, ++self->next_id, std::move(address),
                                                                          std::move(socket)));
  }
}

}  // namespace

asio::awaitable<void> server::run() { return accept_loop(impl_); }

void server::stop_accepting() {
  auto& self = *impl_;
  self.stopping = true;
  beast::error_code ec;
  self.acceptor.close(ec);
  for (auto& [id, c] : self.open)
    if (c->idle) c->tcp().cancel();
}

std::size_t server::open_connections() const { return impl_->open_count.load(); }

namespace {

asio::awaitable<void> drain_connections(std::shared_ptr<server::impl> self,
                                        std::chrono::steady_clock::duration deadline) {
  if (self->open.empty()) co_return;
  self->draining = true;
  self->drained.expires_after(deadline);
  co_await self->drained.async_wait(use_tuple);
  if (!self->open.empty()) {
    log::warn("http.drain_deadline", {{"open", self->open.size()}});
    for (auto& [id, c] : self->open) {
      c->cancel.emit(asio::cancellation_type::terminal);
      beast::error_code ec;
      c->tcp().socket().close(ec);
    }
    // Let the cancelled coroutines unwind before the caller tears things down.
    self->drained.expires_after(2s);
    co_await self->drained.async_wait(use_tuple);
  }
  self->draining = false;
}

}  // namespace

asio::awaitable<void> server::drain(std::chrono::steady_clock::duration deadline) {
  return drain_connections(impl_, deadline);
}

}  // namespace caseroute::http
