// redis.durability: replicated with no replica attached, as just after a
// failover with one replica: a private redis-server without replicas, so every
// WAIT falls short. Many writes at once must each answer unavailable without
// a command timeout, and a read sent among them must be answered on the same
// link: WAIT holds the whole connection, so writes must not queue one WAIT each.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <exception>
#include <string>
#include <vector>

#include "store/errors.hpp"
#include "store/redis_connection.hpp"
#include "support/redis_server.hpp"

namespace caseroute {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using boost::system::result;

// Writes sent at once: with one WAIT each, the read behind them would wait
// writes x wait_timeout = 10 s, well past the command timeout.
constexpr int writes = 20;
constexpr auto command_timeout = 4000ms;
constexpr auto wait_timeout = 500ms;

struct outcome {
  int done = 0;
  int unavailable = 0;
  std::vector<std::string> other;  // anything but unavailable, for the failure message
  result<store::reply> read = store::reply{};
};

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::use_awaitable);
}

asio::awaitable<void> write(store::redis_connection& redis, outcome& out, int n) {
  auto r = co_await redis.exec_write(store::command("SET", "{test}:key:" + std::to_string(n), "v"));
  if (!r && r.error() == store::error::unavailable)
    ++out.unavailable;
  else
    out.other.push_back(r ? r->str : r.error().message());
  ++out.done;
}

asio::awaitable<void> read(store::redis_connection& redis, outcome& out) {
  out.read = co_await redis.exec(store::command("GET", "{test}:key:0"));
}

std::int64_t client_id(const result<store::reply>& r) { return r ? r->integer : -1; }

asio::awaitable<void> body(store::redis_connection& redis, outcome& out, std::int64_t& id_before,
                           std::int64_t& id_after) {
  for (int waited = 0; !redis.connected(); waited += 10) {
    if (waited > 10000) throw std::runtime_error("redis connection did not come up");
    co_await sleep_for(10ms);
  }
  id_before = client_id(co_await redis.exec(store::command("CLIENT", "ID")));
  const auto ex = co_await asio::this_coro::executor;
  // Each sends its write at once; the read goes out behind all of them.
  for (int i = 0; i < writes; ++i) asio::co_spawn(ex, write(redis, out, i), asio::detached);
  asio::co_spawn(ex, read(redis, out), asio::detached);
  for (int waited = 0; out.done < writes; waited += 10) {
    if (waited > 30000) throw std::runtime_error("the writes did not finish");
    co_await sleep_for(10ms);
  }
  id_after = client_id(co_await redis.exec(store::command("CLIENT", "ID")));
}

TEST(replicas_missing, writes_at_once_share_their_waits_and_keep_the_link) {
  testing::redis_server server(false);
  asio::io_context io;
  store::redis_connection redis(io, store::parse_redis_url(server.url()).value(), command_timeout);
  redis.require_replicas(1, wait_timeout);
  outcome out;
  std::int64_t id_before = -1, id_after = -2;
  bool done = false;
  std::exception_ptr failure;
  asio::co_spawn(io, redis.run(), asio::detached);
  asio::co_spawn(io, body(redis, out, id_before, id_after), [&](std::exception_ptr p) {
    failure = p;
    done = true;
    redis.stop();
  });
  io.run_for(60s);
  ASSERT_TRUE(done) << "the test coroutine did not finish within its deadline";
  if (failure) std::rethrow_exception(failure);

  // No replica: no write may be acknowledged, and each says so (503), not a timeout.
  EXPECT_EQ(out.unavailable, writes);
  EXPECT_TRUE(out.other.empty()) << out.other.front();
  // The read behind them was answered, on the same connection: nothing timed out.
  ASSERT_TRUE(out.read) << out.read.error().message();
  EXPECT_EQ(out.read->str, "v");
  EXPECT_GE(id_before, 0);
  EXPECT_EQ(id_after, id_before) << "the link was dropped and re-opened";
}

}  // namespace
}  // namespace caseroute
