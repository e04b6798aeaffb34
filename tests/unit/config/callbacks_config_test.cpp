// The callbacks: section (top level and per platform): defaults, overrides,
// inheritance, and the problems it reports.
#include <gtest/gtest.h>

#include "config_fixture.hpp"

namespace caseroute::config {
namespace {

using namespace std::chrono_literals;
using testing::all_problems;
using testing::base_yaml;
using testing::edited;
using testing::has_problem;

TEST(callbacks_config, defaults_apply_and_platforms_have_no_override) {
  const load_result r = parse_config(base_yaml());
  ASSERT_TRUE(r.cfg) << all_problems(r);
  EXPECT_EQ(r.cfg->callbacks.max_attempts, 12);
  EXPECT_EQ(r.cfg->callbacks.initial_backoff, 1s);
  EXPECT_EQ(r.cfg->callbacks.max_backoff, 10min);
  EXPECT_EQ(r.cfg->callbacks.timeout, 10s);
  ASSERT_EQ(r.cfg->platforms.size(), 1u);
  EXPECT_FALSE(r.cfg->platforms[0].callbacks.has_value());
}

TEST(callbacks_config, top_level_values_are_read) {
  const load_result r = parse_config(base_yaml() +
                                     "callbacks: {max_attempts: 3, initial_backoff: 100ms, max_backoff: 2s, "
                                     "timeout: 500ms}\n");
  ASSERT_TRUE(r.cfg) << all_problems(r);
  EXPECT_EQ(r.cfg->callbacks.max_attempts, 3);
  EXPECT_EQ(r.cfg->callbacks.initial_backoff, 100ms);
  EXPECT_EQ(r.cfg->callbacks.max_backoff, 2s);
  EXPECT_EQ(r.cfg->callbacks.timeout, 500ms);
}

TEST(callbacks_config, a_platform_override_inherits_unset_keys_from_the_top_level) {
  const load_result r =
      parse_config(edited("platforms: [{id: p1, secret_file: p1.key}]",
                          "platforms: [{id: p1, secret_file: p1.key, callback_url: \"https://platform.example/hooks\", "
                          "callbacks: {max_attempts: 5}}]") +
                   "callbacks: {timeout: 3s}\n");
  ASSERT_TRUE(r.cfg) << all_problems(r);
  ASSERT_TRUE(r.cfg->platforms[0].callbacks.has_value());
  EXPECT_EQ(r.cfg->platforms[0].callbacks->max_attempts, 5);
  EXPECT_EQ(r.cfg->platforms[0].callbacks->timeout, 3s);
  EXPECT_EQ(r.cfg->platforms[0].callbacks->initial_backoff, 1s);
}

TEST(callbacks_config, bad_values_are_reported_at_their_line) {
  const load_result r = parse_config(base_yaml() +
                                     "callbacks:\n"             // 22
                                     "  max_attempts: 0\n"      // 23
                                     "  initial_backoff: 5s\n"  // 24
                                     "  max_backoff: 1s\n"      // 25
                                     "  timeout: soon\n"        // 26
                                     "  max_attempt: 4\n");     // 27
  EXPECT_FALSE(r.cfg);
  EXPECT_TRUE(has_problem(r.errors, 23, "max_attempts")) << all_problems(r);
  EXPECT_TRUE(has_problem(r.errors, 26, "timeout")) << all_problems(r);
  EXPECT_TRUE(has_problem(r.errors, 27, "max_attempt")) << all_problems(r);
  bool shorter = false;
  for (const auto& p : r.errors)
    shorter |= p.message.find("must not be shorter than initial_backoff") != std::string::npos;
  EXPECT_TRUE(shorter) << all_problems(r);
}

}  // namespace
}  // namespace caseroute::config
