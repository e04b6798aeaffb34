// Tokens: format, uniqueness, SHA-256 known answers and what `token new` prints.
#include <gtest/gtest.h>

#include <set>

#include "config/token.hpp"

namespace caseroute::config {
namespace {

TEST(token, new_token_is_prefixed_url_safe_and_unique) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string t = new_token();
    ASSERT_EQ(t.size(), 47u) << t;
    EXPECT_EQ(t.substr(0, 4), "crt_");
    for (char c : t.substr(4)) {
      EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << t;
    }
    EXPECT_TRUE(seen.insert(t).second);
  }
}

TEST(token, sha256_known_answers) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(token, sha256_round_trip_matches_rendered_line) {
  const std::string t = new_token();
  const std::string hash = sha256_hex(t);
  EXPECT_TRUE(is_sha256_hex(hash));
  EXPECT_EQ(render_new_token(t), "token: " + t + "\ntoken_sha256: " + hash + "\n");
  EXPECT_NE(sha256_hex(t + "x"), hash);
}

TEST(token, rendered_fresh_token_hashes_to_its_line) {
  const std::string out = render_new_token();
  const std::size_t newline = out.find('\n');
  ASSERT_EQ(out.substr(0, 7), "token: ");
  const std::string token = out.substr(7, newline - 7);
  EXPECT_EQ(token.substr(0, 4), "crt_");
  EXPECT_EQ(out.substr(newline + 1), "token_sha256: " + sha256_hex(token) + "\n");
}

TEST(token, is_sha256_hex_wants_64_lowercase_hex) {
  EXPECT_TRUE(is_sha256_hex(std::string(64, 'a')));
  EXPECT_FALSE(is_sha256_hex(std::string(64, 'A')));
  EXPECT_FALSE(is_sha256_hex(std::string(63, 'a')));
  EXPECT_FALSE(is_sha256_hex(std::string(63, 'a') + "g"));
}

}  // namespace
}  // namespace caseroute::config
