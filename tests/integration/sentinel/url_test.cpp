// parse_redis_url for sentinel:// URLs: sentinel list, default port, master
// name, db and the master's password; malformed forms are refused.
#include <gtest/gtest.h>

#include "store/redis_connection.hpp"

namespace caseroute::store {
namespace {

TEST(sentinel_url, lists_sentinels_and_names_the_master) {
  auto ep = parse_redis_url("sentinel://h1:26379,10.0.0.2:26380,[::1]/mymaster").value();
  ASSERT_TRUE(ep.via_sentinel());
  ASSERT_EQ(ep.sentinels.size(), 3u);
  EXPECT_EQ(ep.sentinels[0].host, "h1");
  EXPECT_EQ(ep.sentinels[0].port, 26379);
  EXPECT_EQ(ep.sentinels[1].host, "10.0.0.2");
  EXPECT_EQ(ep.sentinels[1].port, 26380);
  EXPECT_EQ(ep.sentinels[2].host, "::1");
  EXPECT_EQ(ep.sentinels[2].port, 26379);  // the default
  EXPECT_EQ(ep.master_name, "mymaster");
  EXPECT_EQ(ep.db, 0);
  EXPECT_TRUE(ep.password.empty());
}

TEST(sentinel_url, password_and_db_apply_to_the_master) {
  auto ep = parse_redis_url("sentinel://:p%40ss@h1:26379/m?db=3").value();
  EXPECT_EQ(ep.password, "p@ss");
  EXPECT_TRUE(ep.username.empty());
  EXPECT_EQ(ep.db, 3);
  EXPECT_EQ(ep.master_name, "m");
  auto acl = parse_redis_url("sentinel://app:secret@h1/m").value();
  EXPECT_EQ(acl.username, "app");
  EXPECT_EQ(acl.password, "secret");
}

TEST(sentinel_url, refuses_malformed_urls) {
  for (const char* bad : {"sentinel://", "sentinel://h1:26379", "sentinel://h1:26379/", "sentinel:///m",
                          "sentinel://h1:0/m", "sentinel://h1:99999/m", "sentinel://h1,/m", "sentinel://h1,,h2/m",
                          "sentinel://h1/m?db=x", "sentinel://h1/m/extra", "sentinel://user@h1/m"}) {
    EXPECT_FALSE(parse_redis_url(bad)) << bad;
  }
}

TEST(sentinel_url, plain_urls_are_not_sentinel) {
  EXPECT_FALSE(parse_redis_url("redis://127.0.0.1:6379/0").value().via_sentinel());
  EXPECT_FALSE(parse_redis_url("unix:///tmp/r.sock").value().via_sentinel());
}

}  // namespace
}  // namespace caseroute::store
