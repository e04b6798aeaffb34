// The hub without Redis: entries published in order reach the subscriptions
// whose filter takes them, long polls of the counselor concerned, and
// listeners; a slow subscription is cut; a resync reaches everyone; memory
// answers a resume only when it holds every entry since.
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

#include "live/hub.hpp"

namespace caseroute::live {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

entry_ptr make_entry(std::uint64_t ms, std::uint64_t seq, const std::string& type, const std::string& counselor = "") {
  auto e = std::make_shared<entry>();
  e->id = {ms, seq};
  e->event.set_type(type);
  e->event.set_case_id("case-" + std::to_string(ms));
  e->event.set_counselor_id(counselor);
  return e;
}

// Runs `body` on a fresh io_context; fails instead of hanging past `deadline`.
void run(asio::io_context& io, std::function<asio::awaitable<void>()> body, std::chrono::seconds deadline = 5s) {
  bool done = false;
  std::exception_ptr failure;
  asio::co_spawn(io, body(), [&](std::exception_ptr p) {
    failure = p;
    done = true;
  });
  io.run_for(deadline);
  ASSERT_TRUE(done) << "the test coroutine did not finish";
  if (failure) std::rethrow_exception(failure);
}

asio::awaitable<void> pause(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::use_awaitable);
}

TEST(stream_id, parses_prints_and_orders) {
  EXPECT_EQ(stream_id::parse("1700000000000-5")->str(), "1700000000000-5");
  EXPECT_EQ(stream_id::parse("17")->str(), "17-0");
  for (const char* bad : {"", "-", "1-", "-1", "1-2-3", "a-1", "1-b", " 1-1", "1-1 ", "123456789012345678901-0"})
    EXPECT_FALSE(stream_id::parse(bad)) << bad;
  EXPECT_LT(*stream_id::parse("5-9"), *stream_id::parse("6-0"));
  EXPECT_LT(*stream_id::parse("5-9"), *stream_id::parse("5-10"));
  EXPECT_EQ(*stream_id::parse("5-0"), *stream_id::parse("5"));
}

TEST(hub, a_subscription_gets_what_its_filter_takes_in_stream_order) {
  asio::io_context io;
  hub h(io);
  h.start_at({});
  auto offers = h.subscribe([](const entry& e) { return e.event.type() == "case.offered"; }, 100);
  run(io, [&]() -> asio::awaitable<void> {
    h.publish(make_entry(1, 0, "case.created"));
    h.publish(make_entry(2, 0, "case.offered", "c1"));
    h.publish(make_entry(2, 1, "case.offered", "c2"));
    std::vector<entry_ptr> got;
    EXPECT_EQ(co_await offers->next(got, 1s), subscription::status::entries);
    EXPECT_EQ(got.size(), 2u);
    if (got.size() == 2) {
      EXPECT_EQ(got[0]->id.str(), "2-0");
      EXPECT_EQ(got[1]->id.str(), "2-1");
    }
    // Nothing more: the wait ends at its deadline, time for a heartbeat.
    EXPECT_EQ(co_await offers->next(got, 20ms), subscription::status::idle);
  });
}

TEST(hub, a_waiting_subscription_wakes_at_once) {
  asio::io_context io;
  hub h(io);
  auto all = h.subscribe({}, 100);
  run(io, [&]() -> asio::awaitable<void> {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          co_await pause(10ms);
          h.publish(make_entry(7, 0, "case.created"));
        },
        asio::detached);
    const auto started = std::chrono::steady_clock::now();
    std::vector<entry_ptr> got;
    EXPECT_EQ(co_await all->next(got, 10s), subscription::status::entries);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
    EXPECT_EQ(got.size(), 1u);
  });
}

TEST(hub, a_subscription_that_falls_behind_is_cut_and_others_are_not) {
  asio::io_context io;
  hub h(io);
  auto slow = h.subscribe({}, 3);
  auto fast = h.subscribe({}, 100);
  run(io, [&]() -> asio::awaitable<void> {
    for (std::uint64_t i = 1; i <= 30; ++i) h.publish(make_entry(i, 0, "case.created"));
    std::vector<entry_ptr> got;
    EXPECT_EQ(co_await slow->next(got, 1s), subscription::status::overflow);
    EXPECT_TRUE(got.empty());
    EXPECT_EQ(co_await fast->next(got, 1s), subscription::status::entries);
    EXPECT_EQ(got.size(), 30u);
  });
}

TEST(hub, a_batch_larger_than_the_buffer_reaches_a_client_that_keeps_up) {
  asio::io_context io;
  hub h(io);
  auto sub = h.subscribe({}, 16);
  run(io, [&]() -> asio::awaitable<void> {
    // One XREAD batch, published at once, then the writer takes it.
    for (std::uint64_t i = 1; i <= 40; ++i) h.publish(make_entry(i, 0, "case.created"));
    std::vector<entry_ptr> got;
    EXPECT_EQ(co_await sub->next(got, 1s), subscription::status::entries);
    EXPECT_EQ(got.size(), 40u);
  });
}

TEST(hub, a_resync_reaches_streams_long_polls_and_listeners) {
  asio::io_context io;
  hub h(io);
  int resyncs = 0;
  h.on_resync([&] { ++resyncs; });
  auto all = h.subscribe({}, 100);
  run(io, [&]() -> asio::awaitable<void> {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          co_await pause(10ms);
          h.resync({50, 0});
        },
        asio::detached);
    EXPECT_TRUE(co_await h.wait_for_counselor("c1", h.counselor_version("c1"), 10s));
    std::vector<entry_ptr> got;
    EXPECT_EQ(co_await all->next(got, 1s), subscription::status::resync);
    EXPECT_EQ(resyncs, 1);
    EXPECT_EQ(h.last_id().str(), "50-0");
  });
}

TEST(hub, a_long_poll_wakes_for_its_counselor_only) {
  asio::io_context io;
  hub h(io);
  run(io, [&]() -> asio::awaitable<void> {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          co_await pause(10ms);
          h.publish(make_entry(1, 0, "case.offered", "c2"));
          co_await pause(10ms);
          h.publish(make_entry(2, 0, "case.offer_withdrawn", "c1"));
        },
        asio::detached);
    const auto started = std::chrono::steady_clock::now();
    EXPECT_TRUE(co_await h.wait_for_counselor("c1", h.counselor_version("c1"), 10s));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
    EXPECT_EQ(h.last_id().str(), "2-0");
    EXPECT_FALSE(co_await h.wait_for_counselor("c1", h.counselor_version("c1"), 20ms));  // nothing more
    EXPECT_EQ(h.waiting(), 0u);
  });
}

TEST(hub, news_between_reading_the_version_and_waiting_is_not_missed) {
  asio::io_context io;
  hub h(io);
  run(io, [&]() -> asio::awaitable<void> {
    const auto seen = h.counselor_version("c1");
    h.publish(make_entry(1, 0, "case.offered", "c1"));  // while the caller was reading Redis
    const auto started = std::chrono::steady_clock::now();
    EXPECT_TRUE(co_await h.wait_for_counselor("c1", seen, 10s));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
    const auto again = h.counselor_version("c1");
    h.resync({2, 0});
    EXPECT_TRUE(co_await h.wait_for_counselor("c1", again, 10s));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
  });
}

TEST(hub, an_offer_this_replica_made_wakes_its_long_poll_once_before_the_feed_brings_it) {
  asio::io_context io;
  hub h(io);
  run(io, [&]() -> asio::awaitable<void> {
    h.publish(make_entry(1, 0, "case.created"));
    const auto seen = h.counselor_version("c1");
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          co_await pause(10ms);
          h.announced("c1", {3, 1});  // its script's last entry: not read by the feed yet
        },
        asio::detached);
    const auto started = std::chrono::steady_clock::now();
    EXPECT_TRUE(co_await h.wait_for_counselor("c1", seen, 10s));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
    // The feed brings the entries up to it (another script's before it, the
    // offer's own): no second wake, a read after announced() saw them.
    const auto woken = h.counselor_version("c1");
    EXPECT_NE(woken, seen);
    h.publish(make_entry(2, 0, "case.offer_withdrawn", "c1"));
    h.publish(make_entry(3, 0, "case.offered", "c2"));
    h.publish(make_entry(3, 1, "case.offered", "c1"));
    EXPECT_EQ(h.counselor_version("c1"), woken);
    EXPECT_NE(h.counselor_version("c2"), seen);  // others are woken by the feed as before
    // What comes after does wake them.
    h.publish(make_entry(4, 0, "case.offer_withdrawn", "c1"));
    EXPECT_NE(h.counselor_version("c1"), woken);
    // Announcing what the feed already published changes nothing.
    const auto now_at = h.counselor_version("c1");
    h.announced("c1", {4, 0});
    h.announced("c1", {2, 0});
    EXPECT_EQ(h.counselor_version("c1"), now_at);
    // After a resync nothing announced before it holds back the feed.
    h.announced("c1", {9, 0});
    h.resync({5, 0});
    const auto after_resync = h.counselor_version("c1");
    h.publish(make_entry(6, 0, "case.offered", "c1"));
    EXPECT_NE(h.counselor_version("c1"), after_resync);
  });
}

TEST(hub, listeners_see_every_entry_in_order) {
  asio::io_context io;
  hub h(io);
  std::vector<std::string> seen;
  h.on_entry([&](const entry& e) { seen.push_back(e.id.str()); });
  h.publish(make_entry(1, 0, "case.created"));
  h.publish(make_entry(1, 1, "case.offered", "c1"));
  EXPECT_EQ(seen, (std::vector<std::string>{"1-0", "1-1"}));
}

TEST(hub, memory_answers_a_resume_only_when_it_holds_every_entry_since) {
  asio::io_context io;
  hub h(io, 3);
  h.start_at({10, 0});
  EXPECT_FALSE(h.since({9, 0}));  // before this replica started: only in Redis
  ASSERT_TRUE(h.since({10, 0}));
  EXPECT_TRUE(h.since({10, 0})->empty());
  for (std::uint64_t i = 11; i <= 15; ++i) h.publish(make_entry(i, 0, "case.created"));
  // Memory holds 13, 14, 15: a resume after 12 or later is served from it.
  EXPECT_FALSE(h.since({11, 0}));
  auto after12 = h.since({12, 0});
  ASSERT_TRUE(after12);
  ASSERT_EQ(after12->size(), 3u);
  EXPECT_EQ(after12->front()->id.str(), "13-0");
  EXPECT_EQ(h.since({14, 0})->size(), 1u);
  EXPECT_TRUE(h.since({15, 0})->empty());
}

TEST(hub, a_dropped_subscription_is_forgotten) {
  asio::io_context io;
  hub h(io);
  auto s = h.subscribe({}, 10);
  EXPECT_EQ(h.subscriptions(), 1u);
  s.reset();
  h.publish(make_entry(1, 0, "case.created"));
  EXPECT_EQ(h.subscriptions(), 0u);
}

}  // namespace
}  // namespace caseroute::live
