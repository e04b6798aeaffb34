// The routing keys of continuity waits, missed offers, wrap-up and crisis
// limits: their defaults, reading them, and rejecting bad values.
#include <gtest/gtest.h>

#include "config_fixture.hpp"

namespace caseroute::config {
namespace {

using namespace std::chrono_literals;
using testing::all_problems;
using testing::base_yaml;
using testing::has_problem;

TEST(routing_welfare_config, defaults_are_neutral) {
  const load_result r = parse_config(base_yaml());
  ASSERT_TRUE(r.cfg) << all_problems(r);
  const routing_settings& s = r.cfg->routing;
  EXPECT_EQ(s.continuity_wait, 0s);
  EXPECT_EQ(s.max_missed_offers, 3);
  EXPECT_EQ(s.wrap_up, 0s);
  EXPECT_EQ(s.crisis_wrap_up, 10min);
  EXPECT_EQ(s.max_crisis_per_shift, 0);
}

TEST(routing_welfare_config, reads_every_key) {
  const load_result r = parse_config(base_yaml() +
                                     "routing: {continuity_wait: 12h, max_missed_offers: 5, wrap_up: 2m,\n"
                                     "          crisis_wrap_up: 15m, max_crisis_per_shift: 4}\n");
  ASSERT_TRUE(r.cfg) << all_problems(r);
  const routing_settings& s = r.cfg->routing;
  EXPECT_EQ(s.continuity_wait, 12h);
  EXPECT_EQ(s.max_missed_offers, 5);
  EXPECT_EQ(s.wrap_up, 2min);
  EXPECT_EQ(s.crisis_wrap_up, 15min);
  EXPECT_EQ(s.max_crisis_per_shift, 4);
}

TEST(routing_welfare_config, zero_turns_each_off) {
  const load_result r = parse_config(base_yaml() +
                                     "routing: {continuity_wait: 0s, max_missed_offers: 0, crisis_wrap_up: 0s,\n"
                                     "          max_crisis_per_shift: 0}\n");
  ASSERT_TRUE(r.cfg) << all_problems(r);
  EXPECT_EQ(r.cfg->routing.continuity_wait, 0s);
  EXPECT_EQ(r.cfg->routing.max_missed_offers, 0);
  EXPECT_EQ(r.cfg->routing.crisis_wrap_up, 0s);
}

TEST(routing_welfare_config, rejects_negative_counts_and_bad_durations) {
  const load_result r = parse_config(base_yaml() +
                                     "routing:\n"                      // 22
                                     "  max_missed_offers: -1\n"       // 23
                                     "  max_crisis_per_shift: lots\n"  // 24
                                     "  wrap_up: soon\n"               // 25
                                     "  crisis_wrap_up: 1500ms\n");    // 26
  EXPECT_FALSE(r.cfg);
  EXPECT_TRUE(has_problem(r.errors, 23, "max_missed_offers")) << all_problems(r);
  EXPECT_TRUE(has_problem(r.errors, 24, "max_crisis_per_shift")) << all_problems(r);
  EXPECT_TRUE(has_problem(r.errors, 25, "wrap_up")) << all_problems(r);
  EXPECT_TRUE(has_problem(r.errors, 26, "crisis_wrap_up")) << all_problems(r);
}

}  // namespace
}  // namespace caseroute::config
