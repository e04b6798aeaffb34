// Socket tests: a real server on 127.0.0.1:0 in this process (io_context on
// a background thread) and a tiny blocking POSIX client. Covers keep-alive,
// limits, slow clients, the connection cap, failing handlers and draining.
#include "http/server.hpp"

#include "http/errors.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

namespace caseroute::http {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

struct reply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lowercased names
  std::string body;
};

// Blocking client with a receive timeout so a broken server fails the test
// instead of hanging it.
class client {
 public:
  // `source`: a loopback address to connect from ("127.0.0.2"), for tests
  // of per-address limits.
  explicit client(unsigned short port, int timeout_ms = 5000, const char* source = nullptr) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (source != nullptr) {
      sockaddr_in from{};
      from.sin_family = AF_INET;
      ::inet_pton(AF_INET, source, &from.sin_addr);
      ::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from);
    }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~client() { ::close(fd_); }
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  bool connected() const { return connected_; }

  bool send(std::string_view s) {
    while (!s.empty()) {
      auto n = ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      s.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // One response, or nullopt when the peer closed or the timeout hit first.
  std::optional<reply> read_reply(bool with_body = true) {
    std::size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return std::nullopt;
    reply r;
    std::string head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    r.status = std::stoi(head.substr(9, 3));
    std::size_t pos = head.find("\r\n");
    while (pos != std::string::npos) {
      auto next = head.find("\r\n", pos + 2);
      auto line = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
      auto colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
      pos = next;
    }
    std::size_t len = r.headers.count("content-length") && with_body ? std::stoul(r.headers["content-length"]) : 0;
    if (r.status == 100) return read_reply();
    while (buf_.size() < len)
      if (!fill()) return std::nullopt;
    r.body = buf_.substr(0, len);
    buf_.erase(0, len);
    return r;
  }

  // Everything until the server closes the connection.
  std::string read_to_close() {
    while (fill()) {
    }
    return std::exchange(buf_, {});
  }

  // True when the server closed the connection (EOF or reset) before the timeout.
  bool closed_by_peer() {
    char c;
    auto n = ::recv(fd_, &c, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }

 private:
  bool fill() {
    char tmp[4096];
    auto n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<std::size_t>(n));
    return true;
  }
  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

std::string get(std::string_view target, std::string_view extra = {}) {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: t\r\n" + std::string(extra) + "\r\n";
}

std::atomic<int> slow_started{0};

asio::awaitable<response> hello(request req) {
  response r;
  r.content_type = "text/plain";
  r.body = req.method + "|" + req.path + "|" + (req.params.count("name") ? req.params.at("name") : "") + "|" +
           (req.query.count("q") ? req.query.at("q") : "") + "|" + req.request_id + "|" +
           std::to_string(req.body.size()) + "|" + (req.remote.empty() ? "no-remote" : "remote");
  co_return r;
}

asio::awaitable<response> sleep_then_answer(request req) {
  ++slow_started;
  auto ms = std::stoi(req.query.count("ms") ? req.query.at("ms") : "1000");
  asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
  co_await t.async_wait(asio::use_awaitable);
  co_return response{200, "text/plain", "slept", {}};
}

asio::awaitable<response> boom(request) {
  throw std::runtime_error("handler exploded (test)");
  co_return response{};
}

asio::awaitable<response> events(request req, stream_writer& out) {
  if (req.header("authorization").empty()) co_return to_response(unauthenticated("missing token"));
  if (!co_await out.start("text/event-stream")) co_return response{};
  for (int i = 0; i < 2; ++i)
    if (!co_await out.write("event: tick\ndata: {\"n\":" + std::to_string(i) + "}\n\n")) co_return response{};
  // Stay open until the server shuts down, as a live feed does.
  asio::steady_timer t(co_await asio::this_coro::executor);
  while (!out.closing()) {
    t.expires_after(20ms);
    co_await t.async_wait(asio::use_awaitable);
  }
  co_await out.write(": bye\n\n");
  co_return response{};
}

asio::awaitable<response> busy(request) { co_return to_response(unavailable("redis unreachable", 7)); }

// A long poll: waits up to ?ms (default 10 s) unless the client goes away.
std::atomic<int> waits_cancelled{0};
asio::awaitable<response> long_poll(request req) {
  const auto ms = std::stoi(req.query.count("ms") ? req.query.at("ms") : "10000");
  asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
  if ((co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none) {
    ++waits_cancelled;
    co_return response{};
  }
  co_return response{200, "text/plain", "waited", {}};
}

class server_test : public ::testing::Test {
 protected:
  server_test() {
    routes_.add("GET", "/hello/{name}", "", hello);
    routes_.add("POST", "/hello/{name}", "", hello);
    routes_.add("GET", "/slow", "", sleep_then_answer);
    routes_.add("GET", "/boom", "", boom);
    routes_.add("GET", "/busy", "", busy);
    routes_.add_stream("GET", "/events", "", events);
    routes_.add_waiting("GET", "/wait", "", long_poll);
    settings_.listen = "127.0.0.1:0";
    settings_.max_body_bytes = 1024;
    settings_.max_header_bytes = 2048;
    settings_.read_timeout = 1s;
    settings_.max_connections = 8;
  }

  void start() {
    server_hooks hooks;
    hooks.on_response = [this](std::string_view route, std::string_view method, int status, double) {
      std::lock_guard lock(mu_);
      seen_.push_back(std::string(method) + " " + std::string(route) + " " + std::to_string(status));
    };
    hooks.admit_address = admit_;
    srv_ = std::make_unique<server>(io_, settings_, routes_, std::move(hooks));
    srv_->listen();
    port_ = srv_->local_endpoint().port();
    asio::co_spawn(io_, srv_->run(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }

  // stop_accepting + drain on the io thread; resolves when drain returns.
  std::future<void> stop_and_drain(std::chrono::milliseconds deadline) {
    auto done = std::make_shared<std::promise<void>>();
    auto f = done->get_future();
    asio::post(io_, [this, deadline, done] {
      srv_->stop_accepting();
      asio::co_spawn(io_, srv_->drain(deadline), [done](std::exception_ptr) { done->set_value(); });
    });
    return f;
  }

  void TearDown() override {
    if (!srv_) return;
    auto f = stop_and_drain(500ms);
    EXPECT_EQ(f.wait_for(5s), std::future_status::ready);
    work_.reset();
    io_.stop();
    thread_.join();
  }

  // Waits (briefly) until the server counts `n` open connections.
  bool wait_open(std::size_t n) {
    for (int i = 0; i < 200; ++i) {
      if (srv_->open_connections() == n) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  std::vector<std::string> seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }

  asio::io_context io_;
  // Keeps io_.run() going after the accept loop and connections have ended.
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  router routes_;
  config::server_settings settings_;
  std::function<int(std::string_view)> admit_;  // the per-address rate hook, when a test sets one
  std::unique_ptr<server> srv_;
  std::thread thread_;
  unsigned short port_ = 0;
  std::mutex mu_;
  std::vector<std::string> seen_;
};

TEST_F(server_test, serves_a_get_through_a_registered_handler) {
  start();
  client c(port_);
  ASSERT_TRUE(c.send(get("/hello/w%20x?q=a+b&z=1", "X-Request-Id: req-123\r\n")));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "GET|/hello/w x|w x|a b|req-123|0|remote");
  EXPECT_EQ(r->headers["server"], "caseroute");
  EXPECT_EQ(r->headers["x-request-id"], "req-123");
  EXPECT_EQ(r->headers["cache-control"], "no-store");
  EXPECT_EQ(r->headers["content-type"], "text/plain");
}

TEST_F(server_test, generates_a_request_id_when_the_clients_is_not_sane) {
  start();
  client c(port_);
  ASSERT_TRUE(c.send(get("/hello/a", "X-Request-Id: has spaces and \"quotes\"\r\n")));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->headers["x-request-id"].size(), 16u);
}

TEST_F(server_test, keep_alive_serves_two_requests_on_one_connection) {
  start();
  client c(port_);
  ASSERT_TRUE(c.send(get("/hello/one")));
  auto a = c.read_reply();
  ASSERT_TRUE(c.send("POST /hello/two HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"));
  auto b = c.read_reply();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->status, 200);
  EXPECT_EQ(b->status, 200);
  EXPECT_EQ(b->body, "POST|/hello/two|two||" + b->headers["x-request-id"] + "|3|remote");
  EXPECT_TRUE(wait_open(1));
}

TEST_F(server_test, expect_continue_gets_100_then_the_answer) {
  start();
  client c(port_);
  ASSERT_TRUE(c.send("POST /hello/x HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n"));
  ASSERT_TRUE(c.send("ok"));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(server_test, body_over_the_limit_is_413_then_close) {
  start();
  client c(port_);
  std::string body(5000, 'x');
  c.send("POST /hello/x HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n" + body);
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->headers["content-type"], "application/json");
  EXPECT_EQ(r->body,
            R"({"error":{"code":"PAYLOAD_TOO_LARGE","message":"request body larger than 1024 bytes","field":""}})");
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(server_test, chunked_body_over_the_limit_is_413) {
  start();
  client c(port_);
  c.send("POST /hello/x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
  for (int i = 0; i < 5; ++i) c.send("200\r\n" + std::string(0x200, 'y') + "\r\n");
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
}

TEST_F(server_test, header_over_the_limit_is_rejected_then_close) {
  start();
  client c(port_);
  c.send(get("/hello/x", "X-Big: " + std::string(4000, 'h') + "\r\n"));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_NE(r->body.find("\"code\":\"INVALID_ARGUMENT\""), std::string::npos);
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(server_test, malformed_request_is_400_then_close) {
  start();
  client c(port_);
  c.send("GET /hello/x HTTP/1.1\r\nHost: t\r\nContent-Length: nope\r\n\r\n");
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(c.closed_by_peer());

  client d(port_);
  d.send("GET /hello/%zz HTTP/1.1\r\nHost: t\r\n\r\n");
  auto bad_escape = d.read_reply();
  ASSERT_TRUE(bad_escape);
  EXPECT_EQ(bad_escape->status, 400);
}

TEST_F(server_test, unknown_path_is_404_and_wrong_method_is_405) {
  start();
  client c(port_);
  c.send(get("/nowhere/123"));
  auto a = c.read_reply();
  c.send("DELETE /hello/x HTTP/1.1\r\nHost: t\r\n\r\n");
  auto b = c.read_reply();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->status, 404);
  EXPECT_NE(a->body.find("\"code\":\"NOT_FOUND\""), std::string::npos);
  EXPECT_EQ(b->status, 405);
  EXPECT_EQ(b->headers["allow"], "GET, POST");
}

TEST_F(server_test, head_answers_without_a_body) {
  start();
  client c(port_);
  c.send("HEAD /hello/abc HTTP/1.1\r\nHost: t\r\n\r\n");
  auto h = c.read_reply(false);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  EXPECT_NE(h->headers["content-length"], "0");
  // No body followed: the next reply starts right after the header.
  c.send(get("/hello/next"));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body.substr(0, 16), "GET|/hello/next|");
}

TEST_F(server_test, slow_loris_does_not_block_others_and_is_cut_after_the_read_timeout) {
  start();
  client slow(port_, 5000);
  ASSERT_TRUE(slow.send("GET /hello/x HTTP/1.1\r\nHost: t\r\nX-Half: "));
  auto t0 = std::chrono::steady_clock::now();
  client other(port_);
  other.send(get("/hello/y"));
  auto r = other.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
  EXPECT_TRUE(slow.closed_by_peer());
  auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(waited, 800ms);
  EXPECT_LT(waited, 3s);
}

TEST_F(server_test, silent_connections_are_closed_oldest_first_to_admit_new_clients) {
  settings_.max_connections = 2;
  start();
  client a(port_), b(port_);
  ASSERT_TRUE(wait_open(2));
  client c(port_);
  c.send(get("/hello/c"));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(a.closed_by_peer());  // the oldest silent connection made room
  b.send(get("/hello/b"));
  auto rb = b.read_reply();
  ASSERT_TRUE(rb);
  EXPECT_EQ(rb->status, 200);
}

TEST_F(server_test, over_the_connection_limit_answers_503_with_retry_after) {
  settings_.max_connections = 2;
  start();
  client a(port_), b(port_);
  // Both are in the middle of a request (header read, body awaited), so
  // neither can be closed for room.
  a.send("POST /hello/a HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n");
  b.send("POST /hello/b HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n");
  ASSERT_TRUE(wait_open(2));
  std::this_thread::sleep_for(100ms);
  client c(port_);
  c.send(get("/hello/x"));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->headers["retry-after"], "1");
  EXPECT_NE(r->body.find("\"code\":\"UNAVAILABLE\""), std::string::npos);
  EXPECT_TRUE(c.closed_by_peer());
  // The connections already open are still served.
  a.send("hi");
  auto ra = a.read_reply();
  ASSERT_TRUE(ra);
  EXPECT_EQ(ra->status, 200);
}

TEST_F(server_test, handler_exception_is_500_and_the_connection_survives) {
  start();
  client c(port_);
  c.send(get("/boom"));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->body, R"({"error":{"code":"INTERNAL","message":"internal error","field":""}})");
  c.send(get("/hello/after"));
  auto again = c.read_reply();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
}

TEST_F(server_test, handler_error_responses_keep_their_extra_headers) {
  start();
  client c(port_);
  c.send(get("/busy"));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->headers["retry-after"], "7");
}

TEST_F(server_test, hooks_see_route_patterns_not_raw_paths) {
  start();
  client c(port_);
  c.send(get("/hello/k-123"));
  ASSERT_TRUE(c.read_reply());
  c.send(get("/missing/k-123"));
  ASSERT_TRUE(c.read_reply());
  // The hook runs after the write completes, so it may trail the client's read.
  for (int i = 0; i < 100 && seen().size() < 2; ++i) std::this_thread::sleep_for(10ms);
  auto s = seen();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0], "GET /hello/{name} 200");
  EXPECT_EQ(s[1], "GET unmatched 404");
}

TEST_F(server_test, stop_accepting_and_drain_let_an_in_flight_request_finish) {
  start();
  client idle(port_);
  client c(port_);
  slow_started = 0;
  c.send(get("/slow?ms=700"));
  while (slow_started == 0) std::this_thread::sleep_for(5ms);
  auto t0 = std::chrono::steady_clock::now();
  auto drained = stop_and_drain(5s);
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "slept");
  EXPECT_EQ(r->headers["connection"], "close");
  EXPECT_TRUE(idle.closed_by_peer());
  ASSERT_EQ(drained.wait_for(3s), std::future_status::ready);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  EXPECT_EQ(srv_->open_connections(), 0u);
  client late(port_);
  EXPECT_FALSE(late.connected() && late.send(get("/hello/x")) && late.read_reply());
}

TEST_F(server_test, drain_past_its_deadline_closes_what_is_left) {
  start();
  client c(port_);
  slow_started = 0;
  c.send(get("/slow?ms=30000"));
  while (slow_started == 0) std::this_thread::sleep_for(5ms);
  auto t0 = std::chrono::steady_clock::now();
  auto drained = stop_and_drain(200ms);
  ASSERT_EQ(drained.wait_for(3s), std::future_status::ready);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_TRUE(wait_open(0));
}

TEST_F(server_test, stream_route_sends_events_until_shutdown) {
  start();
  client c(port_);
  c.send(get("/events", "Authorization: Bearer x\r\n"));
  std::this_thread::sleep_for(100ms);
  auto drained = stop_and_drain(2s);
  auto all = c.read_to_close();
  EXPECT_EQ(all.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << all;
  EXPECT_NE(all.find("Content-Type: text/event-stream\r\n"), std::string::npos);
  EXPECT_NE(all.find("\r\n\r\nevent: tick\ndata: {\"n\":0}\n\nevent: tick\ndata: {\"n\":1}\n\n: bye\n\n"),
            std::string::npos)
      << all;
  EXPECT_EQ(drained.wait_for(3s), std::future_status::ready);
}

TEST_F(server_test, stream_route_can_answer_an_ordinary_error) {
  start();
  client c(port_);
  c.send(get("/events"));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  c.send(get("/hello/still-open"));
  auto again = c.read_reply();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
}

TEST_F(server_test, a_long_poll_whose_client_leaves_is_cancelled_at_once) {
  start();
  const int before = waits_cancelled.load();
  {
    client c(port_);
    ASSERT_TRUE(c.send(get("/wait")));
    ASSERT_TRUE(wait_open(1));
  }  // the client closes its socket
  // The handler would wait 10 s; the connection sees the client leave.
  ASSERT_TRUE(wait_open(0));
  for (int i = 0; i < 200 && waits_cancelled.load() == before; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(waits_cancelled.load(), before + 1);
}

TEST_F(server_test, a_request_pipelined_behind_a_long_poll_is_answered_after_it) {
  start();
  client c(port_);
  ASSERT_TRUE(c.send(get("/wait?ms=100") + get("/hello/after")));
  auto first = c.read_reply();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->body, "waited");
  auto second = c.read_reply();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
  EXPECT_TRUE(second->body.starts_with("GET|/hello/after|after|"));
}

TEST(server_listen, bad_or_busy_address_throws_a_clear_error) {
  asio::io_context io;
  router r;
  config::server_settings s;
  s.listen = "not-an-address";
  server bad(io, s, r);
  try {
    bad.listen();
    FAIL() << "expected a throw";
  } catch (const std::system_error& e) {
    EXPECT_NE(std::string(e.what()).find("not-an-address"), std::string::npos);
  }
  s.listen = "127.0.0.1:0";
  server first(io, s, r);
  first.listen();
  s.listen = "127.0.0.1:" + std::to_string(first.local_endpoint().port());
  server second(io, s, r);
  try {
    second.listen();
    FAIL() << "expected a throw";
  } catch (const std::system_error& e) {
    EXPECT_NE(std::string(e.what()).find(s.listen), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace caseroute::http

namespace caseroute::http {
namespace {

TEST_F(server_test, a_header_trickled_byte_by_byte_is_cut_at_the_header_timeout) {
  settings_.read_timeout = 5s;
  settings_.header_timeout = 1s;
  start();
  client slow(port_, 8000);
  ASSERT_TRUE(slow.send("GET /hello/x HTTP/1.1\r\nHost: t\r\nX-Trickle: "));
  const auto t0 = std::chrono::steady_clock::now();
  bool cut = false;
  while (std::chrono::steady_clock::now() - t0 < 4s) {
    std::this_thread::sleep_for(200ms);
    if (!slow.send("a")) {
      cut = true;
      break;
    }
  }
  EXPECT_TRUE(cut || slow.closed_by_peer());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
}

TEST_F(server_test, the_body_still_gets_the_read_timeout) {
  settings_.read_timeout = 3s;
  settings_.header_timeout = 1s;
  start();
  client c(port_);
  ASSERT_TRUE(c.send("POST /hello/b HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nab"));
  std::this_thread::sleep_for(1500ms);  // past the header timeout, inside the read timeout
  ASSERT_TRUE(c.send("cd"));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(server_test, at_the_limit_the_oldest_incomplete_header_makes_room) {
  settings_.max_connections = 3;
  settings_.read_timeout = 30s;
  settings_.header_timeout = 30s;
  start();
  client a(port_), b(port_), c(port_);
  for (auto* x : {&a, &b, &c}) ASSERT_TRUE(x->send("GET /hello/a HTTP/1.1\r\nHost: t\r\nX-Half: "));
  ASSERT_TRUE(wait_open(3));
  std::this_thread::sleep_for(100ms);
  for (int i = 0; i < 3; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    client well_behaved(port_);
    well_behaved.send(get("/hello/probe"));
    auto r = well_behaved.read_reply();
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->status, 200);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  }
  EXPECT_TRUE(a.closed_by_peer());  // the oldest went first
}

TEST_F(server_test, one_address_holds_at_most_its_share_of_connections) {
  settings_.max_connections = 8;
  settings_.max_connections_per_address = 2;
  start();
  client a(port_, 5000, "127.0.0.2"), b(port_, 5000, "127.0.0.2");
  ASSERT_TRUE(a.connected() && b.connected());
  ASSERT_TRUE(wait_open(2));
  client c(port_, 5000, "127.0.0.2");
  c.send(get("/hello/c"));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_NE(r->body.find("from this address"), std::string::npos);
  // Another address is served, and so are the two already open.
  client d(port_, 5000, "127.0.0.3");
  d.send(get("/hello/d"));
  auto rd = d.read_reply();
  ASSERT_TRUE(rd);
  EXPECT_EQ(rd->status, 200);
  a.send(get("/hello/a"));
  auto ra = a.read_reply();
  ASSERT_TRUE(ra);
  EXPECT_EQ(ra->status, 200);
}

TEST_F(server_test, invented_methods_share_one_label_value) {
  start();
  client c(port_);
  for (const std::string& m : {std::string("FOO"), std::string("BREW"), std::string(300, 'X')}) {
    c.send(m + " /hello/x HTTP/1.1\r\nHost: t\r\n\r\n");
    auto r = c.read_reply();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 405);
  }
  c.send(get("/hello/y"));
  ASSERT_TRUE(c.read_reply());
  // Reported just after the write: wait for the last one.
  for (int i = 0; i < 100 && seen().size() < 4; ++i) std::this_thread::sleep_for(10ms);
  auto s = seen();
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0], "_OTHER unmatched 405");
  EXPECT_EQ(s[1], "_OTHER unmatched 405");
  EXPECT_EQ(s[2], "_OTHER unmatched 405");
  EXPECT_EQ(s[3], "GET /hello/{name} 200");
  EXPECT_EQ(method_label("PATCH"), "PATCH");
  EXPECT_EQ(method_label("get"), "_OTHER");
}

TEST_F(server_test, over_the_address_rate_answers_429_with_retry_after) {
  int allowed = 2;
  std::string address;
  admit_ = [&](std::string_view a) {
    address = std::string(a);
    return allowed-- > 0 ? 0 : 7;
  };
  start();
  client c(port_);
  for (int i = 0; i < 2; ++i) {
    c.send(get("/hello/x"));
    auto r = c.read_reply();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  c.send(get("/hello/x"));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(r->headers["retry-after"], "7");
  EXPECT_NE(r->body.find("RESOURCE_EXHAUSTED"), std::string::npos);
  EXPECT_EQ(address, "127.0.0.1");
  // The connection stays usable.
  c.send(get("/hello/x"));
  ASSERT_TRUE(c.read_reply());
}

}  // namespace
}  // namespace caseroute::http
