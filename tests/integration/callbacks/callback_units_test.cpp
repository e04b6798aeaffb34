// The pure parts of status callbacks: callback_url parsing (what is signed as
// the target) and the jittered backoff bounds.
#include <gtest/gtest.h>

#include "intake/callbacks.hpp"

namespace caseroute::intake {
namespace {

using namespace std::chrono_literals;

TEST(parse_callback_url, splits_scheme_host_port_and_target) {
  auto t = parse_callback_url("https://platform.example/hooks/12355?x=1");
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->tls);
  EXPECT_EQ(t->host, "platform.example");
  EXPECT_EQ(t->port, "443");
  EXPECT_EQ(t->target, "/hooks/12355?x=1");
  t = parse_callback_url("http://127.0.0.1:8080");
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->tls);
  EXPECT_EQ(t->port, "8080");
  EXPECT_EQ(t->target, "/");
  t = parse_callback_url("http://[::1]:9000?q");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->host, "::1");
  EXPECT_EQ(t->target, "/?q");
}

TEST(parse_callback_url, refuses_what_it_cannot_post_to) {
  for (const char* bad : {"ftp://x/", "http://", "http://:80/", "http://h:0/", "http://h:99999/", "http://u@h/",
                          "http://h:8x/", "http://[::1/"})
    EXPECT_FALSE(parse_callback_url(bad)) << bad;
}

TEST(backoff_delay, doubles_within_equal_jitter_bounds_up_to_the_cap) {
  config::callback_settings s;
  s.initial_backoff = 100ms;
  s.max_backoff = 1s;
  const std::pair<int, std::pair<int, int>> table[] = {{1, {50, 100}},  {2, {100, 200}},  {3, {200, 400}},
                                                       {4, {400, 800}}, {5, {500, 1000}}, {40, {500, 1000}}};
  for (const auto& [failures, bounds] : table) {
    for (std::uint64_t r : {0ull, 1ull, 77ull, 123456789ull, ~0ull}) {
      const auto d = backoff_delay(s, failures, r).count();
      EXPECT_GE(d, bounds.first) << failures;
      EXPECT_LE(d, bounds.second) << failures;
    }
  }
}

}  // namespace
}  // namespace caseroute::intake
