// The feed reader against a real redis-server: entries appended to the
// stream reach the hub in order; after a disconnect it resumes where it was,
// and when what it last saw is gone (trimmed, or Redis emptied) it resyncs
// instead of going silent. The resume read reports a trimmed past.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <exception>
#include <functional>
#include <string>
#include <vector>

#include "live/feed.hpp"
#include "support/redis_server.hpp"

namespace caseroute::live {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

constexpr const char* feed_key = "{test}:v1:feed";

caseroute::testing::redis_server& server() {
  static caseroute::testing::redis_server s;
  return s;
}

std::string event_bytes(const std::string& type, const std::string& counselor = "") {
  v1::Event e;
  e.set_type(type);
  e.set_case_id("case-1");
  e.set_counselor_id(counselor);
  return e.SerializeAsString();
}

std::string append(const std::string& type, const std::string& counselor = "") {
  return server().cli({"XADD", feed_key, "*", "e", event_bytes(type, counselor)});
}

asio::awaitable<void> pause(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::use_awaitable);
}

// Waits until `done()` or `limit`; false at the limit.
asio::awaitable<bool> eventually(std::function<bool()> done, std::chrono::milliseconds limit = 10s) {
  for (auto waited = 0ms; !done(); waited += 10ms) {
    if (waited > limit) co_return false;
    co_await pause(10ms);
  }
  co_return true;
}

class feed_test : public ::testing::Test {
 protected:
  void SetUp() override { server().flush(); }

  // A hub, a feed connection and its reader on a fresh io_context; `body` runs
  // once the reader follows the feed, with a second connection for reads.
  void run(std::function<asio::awaitable<void>(hub&, store::redis_connection&)> body) {
    asio::io_context io;
    auto ep = store::parse_redis_url(server().url()).value();
    store::redis_connection redis(io, ep, 2000ms), reads(io, ep, 2000ms);
    hub h(io);
    feed_reader reader(io, redis, feed_key, h);
    bool done = false;
    std::exception_ptr failure;
    asio::co_spawn(io, redis.run(), asio::detached);
    asio::co_spawn(io, reads.run(), asio::detached);
    asio::co_spawn(io, reader.run(), asio::detached);
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          if (!co_await eventually([&] { return reader.following() && reads.connected(); }))
            throw std::runtime_error("never followed");
          co_await body(h, reads);
        },
        [&](std::exception_ptr p) {
          failure = p;
          done = true;
          reader.stop();
          redis.stop();
          reads.stop();
        });
    io.run_for(30s);
    ASSERT_TRUE(done) << "the test coroutine did not finish within its deadline";
    if (failure) std::rethrow_exception(failure);
  }
};

TEST_F(feed_test, entries_reach_the_hub_in_stream_order) {
  const auto before = append("case.created");  // already there at start: not replayed
  run([&](hub& h, store::redis_connection&) -> asio::awaitable<void> {
    EXPECT_EQ(h.last_id().str(), before);
    std::vector<std::string> seen;
    h.on_entry([&](const entry& e) { seen.push_back(e.id.str() + " " + e.event.type()); });
    const auto a = append("case.offered", "c1");
    const auto b = append("case.accepted", "c1");
    EXPECT_TRUE(co_await eventually([&] { return seen.size() == 2; }));
    EXPECT_EQ(seen, (std::vector<std::string>{a + " case.offered", b + " case.accepted"}));
  });
}

TEST_F(feed_test, a_long_poll_wakes_on_an_entry_for_its_counselor) {
  run([&](hub& h, store::redis_connection&) -> asio::awaitable<void> {
    asio::co_spawn(
        co_await asio::this_coro::executor,
        [&]() -> asio::awaitable<void> {
          co_await pause(50ms);
          append("case.offered", "c7");
        },
        asio::detached);
    const auto started = std::chrono::steady_clock::now();
    EXPECT_TRUE(co_await h.wait_for_counselor("c7", h.counselor_version("c7"), 20s));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  });
}

TEST_F(feed_test, after_a_disconnect_it_resumes_where_it_was_without_a_resync) {
  run([&](hub& h, store::redis_connection&) -> asio::awaitable<void> {
    int resyncs = 0;
    std::vector<std::string> seen;
    h.on_resync([&] { ++resyncs; });
    h.on_entry([&](const entry& e) { seen.push_back(e.id.str()); });
    const auto a = append("case.created");
    EXPECT_TRUE(co_await eventually([&] { return seen.size() == 1; }));
    server().cli({"CLIENT", "KILL", "TYPE", "normal"});
    const auto b = append("case.offered", "c1");  // written while the reader is away
    EXPECT_TRUE(co_await eventually([&] { return seen.size() == 2; }));
    EXPECT_EQ(seen, (std::vector<std::string>{a, b}));
    EXPECT_EQ(resyncs, 0);
  });
}

TEST_F(feed_test, when_what_it_saw_is_gone_it_resyncs_and_follows_on) {
  run([&](hub& h, store::redis_connection&) -> asio::awaitable<void> {
    int resyncs = 0;
    std::vector<std::string> seen;
    h.on_resync([&] { ++resyncs; });
    h.on_entry([&](const entry& e) { seen.push_back(e.id.str()); });
    append("case.created");
    EXPECT_TRUE(co_await eventually([&] { return seen.size() == 1; }));
    // The reader is away while Redis loses what it saw (a failover to a
    // replica that never had it looks the same).
    server().flush();
    server().cli({"CLIENT", "KILL", "TYPE", "normal"});
    const auto after = append("case.created");
    EXPECT_TRUE(co_await eventually([&] { return resyncs == 1; }));
    // Whatever comes next is followed again.
    const auto next = append("case.offered", "c1");
    EXPECT_TRUE(co_await eventually([&] { return !seen.empty() && seen.back() == next; }));
    EXPECT_LE(h.last_id(), *stream_id::parse(next));
    (void)after;
  });
}

TEST_F(feed_test, the_resume_read_pages_and_tells_a_trimmed_past) {
  run([&](hub&, store::redis_connection& redis) -> asio::awaitable<void> {
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) ids.push_back(append("case.created"));
    auto page = (co_await read_feed(redis, feed_key, *stream_id::parse(ids[1]), 2)).value();
    EXPECT_FALSE(page.trimmed);
    EXPECT_EQ(page.entries.size(), 2u);
    if (page.entries.size() == 2) {
      EXPECT_EQ(page.entries[0]->id.str(), ids[2]);
      EXPECT_EQ(page.entries[1]->id.str(), ids[3]);
    }
    EXPECT_FALSE((co_await read_feed(redis, feed_key, {}, 10)).value().trimmed);  // from the start
    server().cli({"XTRIM", feed_key, "MAXLEN", "2"});                             // ids[0..2] gone
    EXPECT_TRUE((co_await read_feed(redis, feed_key, *stream_id::parse(ids[1]), 10)).value().trimmed);
    EXPECT_TRUE((co_await read_feed(redis, feed_key, {}, 10)).value().trimmed);
    // Seen the last one trimmed away: the rest is complete... only if it is
    // still held; ids[3] is.
    auto rest = (co_await read_feed(redis, feed_key, *stream_id::parse(ids[3]), 10)).value();
    EXPECT_FALSE(rest.trimmed);
    EXPECT_EQ(rest.entries.size(), 1u);
    // Newer than anything this Redis wrote (a failover lost it): resync.
    auto ahead = *stream_id::parse(ids[4]);
    ahead.ms += 60000;
    EXPECT_TRUE((co_await read_feed(redis, feed_key, ahead, 10)).value().trimmed);
    // A feed nobody wrote yet: nothing missing.
    auto none = (co_await read_feed(redis, "{test}:v1:nofeed", {}, 10)).value();
    EXPECT_FALSE(none.trimmed);
    EXPECT_TRUE(none.entries.empty());
  });
}

}  // namespace
}  // namespace caseroute::live
