// The shared retry policy and the digest helpers: table tests against
// published vectors and the equal-jitter bounds.
#include <gtest/gtest.h>

#include <utility>

#include "config/backoff.hpp"
#include "config/digest.hpp"

namespace caseroute::config {
namespace {

using namespace std::chrono_literals;

TEST(backoff, doubles_within_equal_jitter_bounds_up_to_the_cap) {
  const backoff b{100ms, 1s};
  const std::pair<int, std::pair<int, int>> table[] = {{1, {50, 100}},  {2, {100, 200}},  {3, {200, 400}},
                                                       {4, {400, 800}}, {5, {500, 1000}}, {40, {500, 1000}}};
  for (const auto& [failures, bounds] : table) {
    for (std::uint64_t r : {0ull, 1ull, 77ull, 123456789ull, ~0ull}) {
      const auto d = b.delay(failures, r).count();
      EXPECT_GE(d, bounds.first) << failures;
      EXPECT_LE(d, bounds.second) << failures;
    }
  }
}

TEST(backoff, a_cap_below_the_start_is_the_start) {
  const backoff b{200ms, 50ms};
  EXPECT_EQ(b.delay(3, 100), 200ms);
  EXPECT_EQ(b.delay(3, 0), 100ms);
}

TEST(digest, matches_published_vectors) {
  EXPECT_EQ(hex(std::string("\x00\x7f\xff", 3)), "007fff");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha1_hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  // RFC 4231 test case 2.
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(sha256("abc").size(), 32u);
}

TEST(digest, base64url_is_unpadded_and_url_safe) {
  // RFC 4648 section 10 vectors, without padding.
  const std::pair<const char*, const char*> table[] = {{"", ""},         {"f", "Zg"},         {"fo", "Zm8"},
                                                       {"foo", "Zm9v"},  {"foob", "Zm9vYg"},  {"fooba", "Zm9vYmE"},
                                                       {"foobar", "Zm9vYmFy"}};
  for (const auto& [in, out] : table) EXPECT_EQ(base64url(in), out) << in;
  EXPECT_EQ(base64url("\xfb\xff"), "-_8");
}

}  // namespace
}  // namespace caseroute::config
