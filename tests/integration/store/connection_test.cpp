// The connection under trouble: Redis restarts, a refused eviction policy.
// These tests stop and restart the binary's shared redis-server.
#include <boost/asio/as_tuple.hpp>

#include "store_fixture.hpp"

namespace caseroute::store_test {
namespace {

using store::error;

using connection = store_test;

TEST_F(connection, check_server_refuses_an_evicting_policy) {
  server().cli({"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"});
  run([](env& e) -> asio::awaitable<void> {
    EXPECT_EQ((co_await store::check_server(e.redis)).error(), error::bad_config);
  });
  server().cli({"CONFIG", "SET", "maxmemory-policy", "noeviction"});
  run([](env& e) -> asio::awaitable<void> { EXPECT_TRUE(co_await store::check_server(e.redis)); });
}

TEST_F(connection, commands_fail_fast_while_redis_is_down_and_work_after_it_returns) {
  run(
      [](env& e) -> asio::awaitable<void> {
        auto& s = e.store;
        const auto id = (co_await s.create(referral("R-1"), "henan-12355", at())).value().case_id;
        server().stop();  // blocks this thread until redis-server exited: fine for a test

        for (int i = 0; i < 200 && e.redis.connected(); ++i) co_await sleep_for(10ms);
        EXPECT_FALSE(e.redis.connected());
        const auto t0 = std::chrono::steady_clock::now();
        EXPECT_EQ((co_await s.get(id, {})).error(), error::unavailable);
        EXPECT_EQ((co_await s.create(referral("R-2"), "henan-12355", at())).error(), error::unavailable);
        EXPECT_EQ((co_await e.redis.exec(store::command("PING"))).error(), error::unavailable);
        EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
        co_await sleep_for(300ms);  // let a few reconnect attempts fail

        server().start();
        co_await wait_connected(e.redis, 15s);
        auto pong = (co_await e.redis.exec(store::command("PING"))).value();
        EXPECT_EQ(pong.str, "PONG");
        // The AOF kept the case and the scripts' library.
        auto c = (co_await s.get(id, {.personal = true})).value();
        EXPECT_EQ(c.contact().phone(), test_phone);
        EXPECT_TRUE(co_await s.offer(offer_to(id, "c001", at(1s))));
      },
      40s);
}

TEST_F(connection, a_command_in_flight_when_redis_dies_fails_with_unavailable) {
  run(
      [](env& e) -> asio::awaitable<void> {
        // BLPOP parks the command in Redis; the kill drops the link under it.
        auto ex = co_await asio::this_coro::executor;
        asio::steady_timer killer(ex, 200ms);
        killer.async_wait([](boost::system::error_code) { server().kill9(); });
        const auto t0 = std::chrono::steady_clock::now();
        auto r = co_await e.redis.exec(store::command("BLPOP", "{test:city}:v1:nothing", "10"));
        EXPECT_EQ(r.error(), error::unavailable);
        EXPECT_LT(std::chrono::steady_clock::now() - t0, 1500ms);  // the drop, not the 2 s command timeout
        server().start();
        co_await wait_connected(e.redis, 15s);
        EXPECT_TRUE(co_await e.redis.exec(store::command("PING")));
      },
      40s);
}

}  // namespace
}  // namespace caseroute::store_test
