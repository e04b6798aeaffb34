// Store pieces that need no Redis: sealing, URL parsing, key names.
#include <gtest/gtest.h>

#include "store/crypto.hpp"
#include "store/errors.hpp"
#include "store/keys.hpp"
#include "store/redis_connection.hpp"

namespace caseroute::store {
namespace {

sealer key(char fill) { return sealer::from_key(std::string(32, fill)).value(); }

TEST(sealer, round_trip_with_the_case_id_as_aad) {
  const std::string plain("contact \0 bytes", 15);
  auto sealed = key('a').seal(plain, "case-1");
  EXPECT_EQ(sealed.size(), 1 + 12 + plain.size() + 16);
  EXPECT_EQ(sealed[0], '\x01');
  EXPECT_EQ(sealed.find("contact"), std::string::npos);
  EXPECT_EQ(key('a').open(sealed, "case-1").value(), plain);
}

TEST(sealer, same_plaintext_seals_differently_each_time) {
  EXPECT_NE(key('a').seal("x", "c"), key('a').seal("x", "c"));
}

TEST(sealer, any_tampered_byte_fails_to_open) {
  const auto s = key('a').seal("invented personal data", "case-1");
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto t = s;
    t[i] = static_cast<char>(t[i] ^ 0x01);
    auto r = key('a').open(t, "case-1");
    ASSERT_FALSE(r) << "byte " << i;
    EXPECT_EQ(r.error(), error::bad_record);
  }
  EXPECT_FALSE(key('a').open(s.substr(0, s.size() - 1), "case-1"));
  EXPECT_FALSE(key('a').open("", "case-1"));
}

TEST(sealer, wrong_aad_or_key_fails_to_open) {
  const auto s = key('a').seal("invented personal data", "case-1");
  EXPECT_FALSE(key('a').open(s, "case-2"));
  EXPECT_FALSE(key('b').open(s, "case-1"));
}

TEST(sealer, key_must_be_32_bytes) {
  EXPECT_EQ(sealer::from_key(std::string(31, 'a')).error(), error::bad_config);
  EXPECT_EQ(sealer::from_key(std::string(33, 'a')).error(), error::bad_config);
  EXPECT_TRUE(sealer::from_key(std::string(32, '\0')));
}

TEST(redis_url, tcp_with_password_and_db) {
  auto ep = parse_redis_url("redis://:s3cret@10.0.0.5:6380/2").value();
  EXPECT_EQ(ep.host, "10.0.0.5");
  EXPECT_EQ(ep.port, 6380);
  EXPECT_EQ(ep.db, 2);
  EXPECT_EQ(ep.password, "s3cret");
  EXPECT_TRUE(ep.username.empty());
  EXPECT_TRUE(ep.unix_socket.empty());
}

TEST(redis_url, defaults_user_and_escapes) {
  auto ep = parse_redis_url("redis://localhost").value();
  EXPECT_EQ(ep.host, "localhost");
  EXPECT_EQ(ep.port, 6379);
  EXPECT_EQ(ep.db, 0);
  auto acl = parse_redis_url("redis://app:p%40ss@[::1]:7000/0").value();
  EXPECT_EQ(acl.username, "app");
  EXPECT_EQ(acl.password, "p@ss");
  EXPECT_EQ(acl.host, "::1");
  EXPECT_EQ(acl.port, 7000);
}

TEST(redis_url, unix_socket_with_db) {
  auto ep = parse_redis_url("unix:///var/run/caseroute/redis.sock?db=3").value();
  EXPECT_EQ(ep.unix_socket, "/var/run/caseroute/redis.sock");
  EXPECT_EQ(ep.db, 3);
  EXPECT_EQ(parse_redis_url("unix:///tmp/r.sock").value().db, 0);
}

TEST(redis_url, rejects_malformed) {
  for (const char* bad : {"", "http://x", "redis://", "redis://h:0", "redis://h:99999", "redis://h:x", "redis://h/-1",
                          "redis://h/db", "unix://relative", "unix:///s?db=x", "redis://:%zz@h"}) {
    auto r = parse_redis_url(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error(), error::bad_config) << bad;
  }
}

TEST(keys, share_one_hash_tag_and_version) {
  keys k("cr:sanmenxia");
  EXPECT_EQ(k.base(), "{cr:sanmenxia}:v1:");
  EXPECT_EQ(k.case_hash("K1"), "{cr:sanmenxia}:v1:case:K1");
  EXPECT_EQ(k.history("K1"), "{cr:sanmenxia}:v1:case:K1:history");
  EXPECT_EQ(k.excluded("K1"), "{cr:sanmenxia}:v1:case:K1:excluded");
  EXPECT_EQ(k.referral("henan-12355", "R-1"), "{cr:sanmenxia}:v1:referral:henan-12355:R-1");
  EXPECT_EQ(k.counselor_cases("c001"), "{cr:sanmenxia}:v1:counselor:c001:cases");
  EXPECT_EQ(k.youth("y-1"), "{cr:sanmenxia}:v1:youth:y-1");
  EXPECT_EQ(k.queue(), "{cr:sanmenxia}:v1:queue");
}

}  // namespace
}  // namespace caseroute::store
