// Formats of plain config values: ids, codes, county codes, dates, addresses.
#include <gtest/gtest.h>

#include "config/formats.hpp"

namespace caseroute::config {
namespace {

TEST(formats, dates_must_exist) {
  for (const char* ok : {"2026-10-01", "2024-02-29", "2000-02-29", "2026-12-31"}) {
    EXPECT_TRUE(is_date(ok)) << ok;
  }
  for (const char* bad : {"2026-02-29", "1900-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2026-10-1", "26-10-01",
                          "2026/10/01", "2026-10-01x", "", "abcd-ef-gh"}) {
    EXPECT_FALSE(is_date(bad)) << bad;
  }
}

TEST(formats, county_codes_have_six_digits) {
  EXPECT_TRUE(is_county_code("411202"));
  for (const char* bad : {"41120", "4112020", "41120a", "", " 411202"}) {
    EXPECT_FALSE(is_county_code(bad)) << bad;
  }
}

TEST(formats, listen_is_host_and_port) {
  for (const char* ok : {"127.0.0.1:8355", "0.0.0.0:80", "localhost:0", "[::1]:8355", "host:65535"}) {
    EXPECT_TRUE(is_listen(ok)) << ok;
  }
  for (const char* bad :
       {"8355", ":8355", "127.0.0.1:", "127.0.0.1:65536", "::1:8355", "[::1]8355", "host:80x", "host:-1", "ho st:80"}) {
    EXPECT_FALSE(is_listen(bad)) << bad;
  }
}

TEST(formats, redis_urls) {
  for (const char* ok :
       {"managed", "redis://127.0.0.1:6379/0", "unix:///run/redis.sock", "sentinel://h1:26379,h2:26379/mymaster"}) {
    EXPECT_TRUE(is_redis_url(ok)) << ok;
  }
  for (const char* bad : {"", "Managed", "redis://", "http://x", "127.0.0.1:6379", "rediss:/x"}) {
    EXPECT_FALSE(is_redis_url(bad)) << bad;
  }
}

TEST(formats, ids_and_codes) {
  EXPECT_TRUE(is_id("c001"));
  EXPECT_TRUE(is_id("henan-12355"));
  EXPECT_TRUE(is_id("hubin.01_A"));
  EXPECT_FALSE(is_id(""));
  EXPECT_FALSE(is_id("a b"));
  EXPECT_FALSE(is_id(std::string(65, 'a')));
  EXPECT_TRUE(is_lower_code("exam_stress"));
  EXPECT_FALSE(is_lower_code("Exam"));
  EXPECT_FALSE(is_lower_code("1am"));
  EXPECT_FALSE(is_lower_code("self-harm"));
}

}  // namespace
}  // namespace caseroute::config
