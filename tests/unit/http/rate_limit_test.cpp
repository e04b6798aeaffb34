// The token buckets behind the rate limits, step by step on a fake clock.
#include <gtest/gtest.h>

#include "http/rate_limit.hpp"

namespace caseroute::http {
namespace {

using namespace std::chrono_literals;
const limit_clock::time_point t0{};

TEST(token_buckets, a_burst_passes_then_429_with_the_seconds_to_wait) {
  token_buckets b({2, 5});
  for (int i = 0; i < 5; ++i) EXPECT_EQ(b.take("a", t0), 0) << i;
  EXPECT_EQ(b.take("a", t0), 1);
  // Half a second later one token (2/s) is back.
  EXPECT_EQ(b.take("a", t0 + 500ms), 0);
  EXPECT_EQ(b.take("a", t0 + 500ms), 1);
}

TEST(token_buckets, retry_after_rounds_up_to_whole_seconds) {
  token_buckets slow({1, 1});
  EXPECT_EQ(slow.take("a", t0), 0);
  EXPECT_EQ(slow.take("a", t0), 1);
  EXPECT_EQ(slow.take("a", t0 + 100ms), 1);
  token_buckets very_slow({1, 1});
  very_slow.configure({1, 1});
  EXPECT_EQ(very_slow.take("a", t0), 0);
  EXPECT_EQ(very_slow.take("a", t0 + 1s), 0);
}

TEST(token_buckets, keys_are_independent) {
  token_buckets b({1, 1});
  EXPECT_EQ(b.take("a", t0), 0);
  EXPECT_GT(b.take("a", t0), 0);
  EXPECT_EQ(b.take("b", t0), 0);
}

TEST(token_buckets, rate_zero_is_off) {
  token_buckets b({0, 0});
  for (int i = 0; i < 10000; ++i) ASSERT_EQ(b.take("a", t0), 0);
  EXPECT_EQ(b.keys(), 0u);
}

TEST(token_buckets, refill_is_capped_at_the_burst) {
  token_buckets b({10, 3});
  for (int i = 0; i < 3; ++i) EXPECT_EQ(b.take("a", t0), 0);
  // An hour idle refills three tokens, not 36 000.
  const auto later = t0 + 1h;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(b.take("a", later), 0);
  EXPECT_GT(b.take("a", later), 0);
}

TEST(token_buckets, the_table_of_keys_is_bounded) {
  token_buckets b({1, 2}, 100);
  for (int i = 0; i < 10000; ++i) b.take("k" + std::to_string(i), t0 + std::chrono::milliseconds(i));
  EXPECT_LE(b.keys(), 100u);
  // A key that was just emptied is still limited.
  b.take("hot", t0 + 20s);
  b.take("hot", t0 + 20s);
  EXPECT_GT(b.take("hot", t0 + 20s), 0);
}

TEST(token_buckets, configure_keeps_levels_but_caps_them) {
  token_buckets b({1, 10});
  EXPECT_EQ(b.take("a", t0), 0);
  b.configure({1, 2});
  EXPECT_EQ(b.take("a", t0), 0);
  EXPECT_EQ(b.take("a", t0), 0);
  EXPECT_GT(b.take("a", t0), 0);
}

TEST(rate_limiter, the_three_limits_follow_the_config) {
  config::limit_settings s;
  s.per_address = {1, 2};
  s.per_token = {1, 1};
  s.per_platform = {0, 0};
  rate_limiter r(s);
  EXPECT_EQ(r.admit_address("10.0.0.1", t0), 0);
  EXPECT_EQ(r.admit_address("10.0.0.1", t0), 0);
  EXPECT_EQ(r.admit_address("10.0.0.1", t0), 1);
  EXPECT_EQ(r.admit_token("c1", t0), 0);
  EXPECT_EQ(r.admit_token("c1", t0), 1);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(r.admit_platform("p1", t0), 0);
  s.per_address = {0, 0};
  r.configure(s);
  EXPECT_EQ(r.admit_address("10.0.0.1", t0), 0);
}

TEST(rate_limiter, auth_failure_logs_are_throttled_and_the_rest_counted) {
  rate_limiter r;
  int logged = 0;
  for (int i = 0; i < 2000; ++i) logged += r.log_auth_failure(t0) ? 1 : 0;
  EXPECT_EQ(logged, 10);
  EXPECT_EQ(r.take_suppressed(), 1990u);
  EXPECT_EQ(r.take_suppressed(), 0u);
  EXPECT_TRUE(r.log_auth_failure(t0 + 1s));
}

TEST(address_of, strips_the_port) {
  EXPECT_EQ(address_of("10.0.0.1:4431"), "10.0.0.1");
  EXPECT_EQ(address_of("[::1]:80"), "::1");
  EXPECT_EQ(address_of(""), "");
}

}  // namespace
}  // namespace caseroute::http
