// Redis reconnect decisions without a server (store/reconnect.*): the backoff
// between attempts, which sentinel is asked, and what a reply says about
// failover and replication, walked step by step as tables.
#include "store/reconnect.hpp"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace caseroute::store {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

// The jitter's bottom: the delay is then half the cap, which pins the cap down.
constexpr std::uint64_t least = 0;

reply of(reply::kind k) {
  reply r;
  r.type = k;
  return r;
}
reply error_reply(std::string text) {
  reply r = of(reply::kind::error);
  r.str = std::move(text);
  return r;
}
reply text(std::string s) {
  reply r = of(reply::kind::string);
  r.str = std::move(s);
  return r;
}
reply status(std::string s) {
  reply r = of(reply::kind::status);
  r.str = std::move(s);
  return r;
}
reply integer(std::int64_t n) {
  reply r = of(reply::kind::integer);
  r.integer = n;
  return r;
}
reply array(std::vector<reply> e) {
  reply r = of(reply::kind::array);
  r.elements = std::move(e);
  return r;
}

TEST(reconnect_plan, backs_off_up_to_5s_without_sentinel) {
  reconnect_plan plan;
  const milliseconds caps[] = {100ms, 200ms, 400ms, 800ms, 1600ms, 3200ms, 5000ms, 5000ms, 5000ms};
  for (auto cap : caps) EXPECT_EQ(plan.retry_after(least), cap / 2);
}

TEST(reconnect_plan, backs_off_up_to_1s_with_sentinel) {
  reconnect_plan plan(3);
  const milliseconds caps[] = {100ms, 200ms, 400ms, 800ms, 1000ms, 1000ms};
  for (auto cap : caps) EXPECT_EQ(plan.retry_after(least), cap / 2);
}

TEST(reconnect_plan, starts_over_after_a_connection) {
  reconnect_plan plan;
  for (int i = 0; i < 6; ++i) plan.retry_after(least);
  plan.connected();
  EXPECT_EQ(plan.retry_after(least), 50ms);
  EXPECT_EQ(plan.retry_after(least), 100ms);
}

TEST(reconnect_plan, jitters_between_half_the_cap_and_the_cap) {
  const milliseconds caps[] = {100ms, 200ms, 400ms, 800ms, 1600ms, 3200ms, 5000ms, 5000ms};
  for (std::uint64_t r : {std::uint64_t{1}, std::uint64_t{77}, std::uint64_t{123456789}, ~std::uint64_t{0}}) {
    reconnect_plan plan;
    for (auto cap : caps) {
      const auto d = plan.retry_after(r);
      EXPECT_GE(d, cap / 2) << r;
      EXPECT_LE(d, cap) << r;
    }
  }
}

std::vector<std::size_t> discovery_order(const reconnect_plan& plan, std::size_t sentinels) {
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < sentinels; ++i) order.push_back(plan.sentinel_for(i));
  return order;
}

TEST(reconnect_plan, asks_the_sentinel_that_answered_last_first_then_the_others_in_turn) {
  reconnect_plan plan(3);
  EXPECT_EQ(discovery_order(plan, 3), (std::vector<std::size_t>{0, 1, 2}));
  plan.answered(2);
  EXPECT_EQ(discovery_order(plan, 3), (std::vector<std::size_t>{2, 0, 1}));
  plan.answered(1);
  EXPECT_EQ(discovery_order(plan, 3), (std::vector<std::size_t>{1, 2, 0}));
}

TEST(reconnect_plan, the_watch_moves_on_from_a_silent_sentinel) {
  // Step by step: which sentinel the once-a-second watch asks, and what it heard.
  struct step {
    std::size_t asks;
    bool answers;
  };
  const step steps[] = {{0, true}, {0, false}, {1, false}, {2, true}, {2, true}, {2, false}, {0, true}};
  reconnect_plan plan(3);
  for (const auto& s : steps) {
    const std::size_t at = plan.sentinel_for(0);
    ASSERT_EQ(at, s.asks);
    if (s.answers)
      plan.answered(at);
    else
      plan.silent(at);
  }
}

TEST(reconnect_plan, a_single_sentinel_is_always_the_one) {
  reconnect_plan plan(1);
  plan.silent(0);
  EXPECT_EQ(plan.sentinel_for(0), 0u);
  EXPECT_EQ(plan.sentinel_for(1), 0u);
}

TEST(reply_meaning, a_demoted_or_unready_master_means_failover) {
  const std::pair<reply, bool> table[] = {
      {error_reply("READONLY You can't write against a read only replica."), true},
      {error_reply("LOADING Redis is loading the dataset in memory"), true},
      {error_reply("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."), true},
      // A script's READONLY error is wrapped: still the replica answering.
      {error_reply("ERR Error running script (call to f_1): @user_script:1: READONLY You can't write"), true},
      {error_reply("NOSCRIPT No matching script. Please use EVAL."), false},
      // The scripts' library is missing (FUNCTION FLUSH): the runner loads it again.
      {error_reply("ERR Function not found"), false},
      // A master short of min-replicas-to-write is still the master.
      {error_reply("NOREPLICAS Not enough good replicas to write."), false},
      {error_reply("BUSY Redis is busy running a script."), false},
      {error_reply("ERR unknown command 'X'"), false},
      {text("READONLY"), false},  // data, not an error
      {status("OK"), false},
      {reply{}, false},
  };
  for (const auto& [r, expected] : table) EXPECT_EQ(means_failover(r), expected) << r.str;
}

TEST(reply_meaning, reads_the_master_address_sentinel_names) {
  const std::pair<reply, std::optional<master_address>> table[] = {
      {array({text("127.0.0.1"), text("6380")}), master_address{"127.0.0.1", 6380}},
      {array({text("redis-2.internal"), text("26379")}), master_address{"redis-2.internal", 26379}},
      {reply{}, std::nullopt},  // a master name this sentinel does not monitor
      {error_reply("IDONTKNOW No such master with that name"), std::nullopt},
      {array({text("127.0.0.1")}), std::nullopt},
      {array({text(""), text("6380")}), std::nullopt},
      {array({text("127.0.0.1"), text("port")}), std::nullopt},
      {array({text("127.0.0.1"), text("0")}), std::nullopt},
      {array({text("127.0.0.1"), text("-1")}), std::nullopt},
  };
  for (const auto& [r, expected] : table) EXPECT_EQ(read_master_address(r), expected);
}

TEST(reply_meaning, role_says_master_only_for_a_master) {
  EXPECT_TRUE(says_master(array({text("master"), integer(42), array({})})));
  EXPECT_FALSE(says_master(array({text("slave"), text("127.0.0.1"), integer(6379), text("connected"), integer(1)})));
  EXPECT_FALSE(says_master(array({text("sentinel"), array({text("m")})})));
  EXPECT_FALSE(says_master(array({})));
  EXPECT_FALSE(says_master(error_reply("NOAUTH Authentication required.")));
}

TEST(reply_meaning, the_master_moved_when_sentinel_names_another_address) {
  EXPECT_FALSE(master_moved({"127.0.0.1", 6379}, "127.0.0.1", 6379));
  EXPECT_TRUE(master_moved({"127.0.0.1", 6380}, "127.0.0.1", 6379));
  EXPECT_TRUE(master_moved({"10.0.0.2", 6379}, "127.0.0.1", 6379));
}

TEST(replication, waits_briefly_while_replicas_are_missing) {
  const std::tuple<milliseconds, bool, milliseconds> table[] = {
      {1000ms, false, 1000ms}, {1000ms, true, 100ms}, {500ms, true, 100ms}, {50ms, true, 50ms}, {50ms, false, 50ms}};
  for (const auto& [configured, missing, expected] : table)
    EXPECT_EQ(wait_timeout(configured, missing), expected) << configured.count() << " " << missing;
}

TEST(replication, reads_what_wait_answered) {
  const std::tuple<reply, int, replication> table[] = {
      {integer(1), 1, replication::acknowledged},
      {integer(2), 1, replication::acknowledged},
      {integer(0), 1, replication::missing},
      {integer(1), 2, replication::missing},
      {error_reply("ERR WAIT cannot be used with replica instances."), 1, replication::bad_reply},
      {reply{}, 1, replication::bad_reply},
  };
  for (const auto& [w, required, expected] : table) EXPECT_EQ(read_wait(w, required), expected);
}

}  // namespace
}  // namespace caseroute::store
