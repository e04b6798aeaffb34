// respond() without a socket: the status and route name for each way a
// request can go (found, 404, 405 with Allow, a throwing handler, HEAD, a
// malformed target), streaming routes through a recording writer, and the
// target decoding the connection and the fuzz target share.
#include "http/respond.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <exception>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace caseroute::http {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

asio::awaitable<response> echo(request req) {
  response r;
  r.content_type = "text/plain";
  r.body = req.method + "|" + req.path + "|" + (req.params.count("name") ? req.params.at("name") : "") + "|" +
           (req.query.count("q") ? req.query.at("q") : "") + "|" + req.body;
  co_return r;
}

asio::awaitable<response> created(request) { co_return response{201, "application/json", "{}", {}}; }

asio::awaitable<response> boom(request) {
  throw std::runtime_error("handler exploded (test)");
  co_return response{};
}

asio::awaitable<response> boom_unknown(request) {
  throw 42;
  co_return response{};
}

// Streams two chunks when the request carries a token, else answers 401
// plainly (as a live feed refuses an unauthenticated client).
asio::awaitable<response> events(request req, stream_writer& out) {
  if (req.header("authorization").empty()) co_return to_response(unauthenticated("missing token"));
  if (!co_await out.start("text/event-stream")) co_return response{};
  for (int i = 1; i <= 2; ++i)
    if (!co_await out.write("data: " + std::to_string(i) + "\n\n")) co_return response{};
  co_return response{};
}

asio::awaitable<response> events_then_throw(request, stream_writer& out) {
  // A plain statement around co_await: g++ 12 miscompiles `if (co_await
  // out.start(...)) throw ...;` (and a discarded `co_await out.write(...)`).
  const bool started = co_await out.start("text/event-stream");
  if (started) throw std::runtime_error("feed broke (test)");
  co_return response{};
}

// Records what a streaming route sends instead of writing to a socket.
class recording_writer final : public stream_writer {
 public:
  asio::awaitable<bool> start(std::string type) override {
    started = true;
    content_type = std::move(type);
    co_return true;
  }
  asio::awaitable<bool> write(std::string chunk) override {
    sent += chunk;
    co_return started;
  }
  bool closing() const override { return false; }
  void watch_peer() override { ++watched; }
  void abort() override { started = false; }

  int watched = 0;
  bool started = false;
  std::string content_type;
  std::string sent;
};

router sample() {
  router r;
  r.add("GET", "/hello/{name}", "", echo);
  r.add("POST", "/hello/{name}", "", created);
  r.add("POST", "/only-post", "", created);
  r.add("GET", "/boom", "", boom);
  r.add("GET", "/boom-unknown", "", boom_unknown);
  r.add_stream("GET", "/events", "", events);
  r.add_stream("GET", "/events-broken", "", events_then_throw);
  return r;
}

request make(std::string method, std::string target, std::vector<std::pair<std::string, std::string>> headers = {}) {
  request req;
  req.method = std::move(method);
  req.target = std::move(target);
  req.headers = std::move(headers);
  req.request_id = "req-1";
  return req;
}

// Runs respond() on a fresh io_context; a stuck handler fails the test
// instead of hanging it.
answer run(const router& routes, request req, stream_writer& writer) {
  asio::io_context io;
  std::optional<answer> out;
  std::exception_ptr failure;
  asio::co_spawn(io, respond(routes, std::move(req), writer), [&](std::exception_ptr e, answer a) {
    failure = e;
    if (!e) out = std::move(a);
  });
  io.run_for(5s);
  if (failure) std::rethrow_exception(failure);
  EXPECT_TRUE(out) << "respond() did not finish within its deadline";
  return out.value_or(answer{});
}

answer run(const router& routes, request req) {
  recording_writer writer;
  auto a = run(routes, std::move(req), writer);
  EXPECT_FALSE(writer.started);
  return a;
}

std::string header(const response& r, std::string_view name) {
  for (const auto& [n, v] : r.headers)
    if (n == name) return v;
  return "(none)";
}

TEST(respond, found_route_answers_with_its_handler_and_names_the_pattern) {
  auto req = make("GET", "/hello/w%20x?q=a+b&z=1");
  req.body = "ignored-but-passed";
  const auto a = run(sample(), std::move(req));
  EXPECT_EQ(a.out.status, 200);
  EXPECT_EQ(a.out.content_type, "text/plain");
  EXPECT_EQ(a.out.body, "GET|/hello/w x|w x|a b|ignored-but-passed");
  EXPECT_EQ(a.route, "/hello/{name}");
}

TEST(respond, only_a_route_that_waits_has_the_connection_watch_its_client) {
  auto routes = sample();
  routes.add_waiting("GET", "/poll", "", echo);
  recording_writer plain, waiting;
  EXPECT_EQ(run(routes, make("GET", "/hello/x"), plain).out.status, 200);
  EXPECT_EQ(plain.watched, 0);
  EXPECT_EQ(run(routes, make("GET", "/poll"), waiting).out.status, 200);
  EXPECT_EQ(waiting.watched, 1);
}

TEST(respond, the_handlers_status_is_kept) {
  const auto a = run(sample(), make("POST", "/hello/x"));
  EXPECT_EQ(a.out.status, 201);
  EXPECT_EQ(a.route, "/hello/{name}");
}

TEST(respond, unknown_path_is_404_unmatched) {
  const auto a = run(sample(), make("GET", "/nowhere/123"));
  EXPECT_EQ(a.out.status, 404);
  EXPECT_NE(a.out.body.find("\"code\":\"NOT_FOUND\""), std::string::npos);
  EXPECT_EQ(a.route, "unmatched");
}

TEST(respond, wrong_method_is_405_with_allow) {
  const auto a = run(sample(), make("DELETE", "/hello/x"));
  EXPECT_EQ(a.out.status, 405);
  EXPECT_EQ(header(a.out, "Allow"), "GET, POST");
  EXPECT_NE(a.out.body.find("\"code\":\"METHOD_NOT_ALLOWED\""), std::string::npos);
  EXPECT_EQ(a.route, "unmatched");
}

TEST(respond, handler_throwing_is_500_and_keeps_the_route_name) {
  for (const char* target : {"/boom", "/boom-unknown"}) {
    const auto a = run(sample(), make("GET", target));
    EXPECT_EQ(a.out.status, 500) << target;
    EXPECT_EQ(a.out.body, R"({"error":{"code":"INTERNAL","message":"internal error","field":""}})") << target;
    EXPECT_EQ(a.route, target);
  }
}

TEST(respond, head_runs_the_get_handler_and_gets_its_whole_response) {
  // The writer drops the body on the wire and keeps its Content-Length.
  const auto a = run(sample(), make("HEAD", "/hello/abc"));
  EXPECT_EQ(a.out.status, 200);
  EXPECT_EQ(a.out.body, "HEAD|/hello/abc|abc||");
  EXPECT_EQ(a.route, "/hello/{name}");
}

TEST(respond, head_without_a_get_is_405) {
  const auto a = run(sample(), make("HEAD", "/only-post"));
  EXPECT_EQ(a.out.status, 405);
  EXPECT_EQ(header(a.out, "Allow"), "POST");
}

TEST(respond, malformed_target_is_400_with_no_route) {
  for (const char* target : {"*", "http://example.test/hello/x", "/hello/%zz", "/hello/x?q=%z"}) {
    const auto a = run(sample(), make("GET", target));
    EXPECT_EQ(a.out.status, 400) << target;
    EXPECT_NE(a.out.body.find("\"code\":\"INVALID_ARGUMENT\""), std::string::npos) << target;
    EXPECT_EQ(a.route, "-") << target;
  }
}

TEST(respond, errors_follow_the_accept_header) {
  const auto a = run(sample(), make("GET", "/nowhere", {{"accept", "application/x-protobuf"}}));
  EXPECT_EQ(a.out.status, 404);
  EXPECT_EQ(a.out.content_type, "application/x-protobuf");
}

TEST(respond, stream_route_writes_through_the_writer) {
  recording_writer writer;
  const auto a = run(sample(), make("GET", "/events", {{"authorization", "Bearer x"}}), writer);
  EXPECT_TRUE(writer.started);
  EXPECT_EQ(writer.content_type, "text/event-stream");
  EXPECT_EQ(writer.sent, "data: 1\n\ndata: 2\n\n");
  EXPECT_EQ(a.route, "/events");
}

TEST(respond, stream_route_can_answer_plainly_without_starting) {
  recording_writer writer;
  const auto a = run(sample(), make("GET", "/events"), writer);
  EXPECT_FALSE(writer.started);
  EXPECT_EQ(a.out.status, 401);
  EXPECT_EQ(a.route, "/events");
}

TEST(respond, stream_route_throwing_after_start_is_still_a_stream) {
  // The connection sees started() and closes; the 500 is never sent.
  recording_writer writer;
  const auto a = run(sample(), make("GET", "/events-broken"), writer);
  EXPECT_TRUE(writer.started);
  EXPECT_EQ(a.out.status, 500);
  EXPECT_EQ(a.route, "/events-broken");
}

TEST(respond, head_is_not_a_stream) {
  const auto a = run(sample(), make("HEAD", "/events"));
  EXPECT_EQ(a.out.status, 405);
  EXPECT_EQ(header(a.out, "Allow"), "GET");
}

TEST(decode_target, splits_path_and_query_and_decodes_both) {
  auto req = make("GET", "/a%2Fb%20c/d+e?x=1&y=a+b%26c&&=skipped&flag&x=2");
  ASSERT_FALSE(decode_target(req));
  EXPECT_EQ(req.path, "/a/b c/d+e");
  const std::map<std::string, std::string> want{{"x", "1"}, {"y", "a b&c"}, {"flag", ""}};
  EXPECT_EQ(req.query, want);  // the first of a repeated key wins
}

TEST(decode_target, rejects_what_is_not_a_path_or_is_badly_escaped) {
  for (const char* target : {"", "*", "example.test:443", "/%", "/%4", "/ok?k=%G0", "/ok?%=v"}) {
    auto req = make("GET", target);
    EXPECT_TRUE(decode_target(req)) << target;
  }
}

}  // namespace
}  // namespace caseroute::http
