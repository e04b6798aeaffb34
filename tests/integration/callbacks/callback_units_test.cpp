// The pure parts of status callbacks: callback_url parsing (what is signed as
// the target).
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

}  // namespace
}  // namespace caseroute::intake
