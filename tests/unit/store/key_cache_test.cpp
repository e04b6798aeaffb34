// The wrapped-key cache (store/key_cache.hpp): what it hands back, for how
// long, and what it lets go. Invented ids and key bytes only.
#include "store/key_cache.hpp"

#include <gtest/gtest.h>

#include <string>

namespace caseroute::store {
namespace {

using namespace std::chrono_literals;
using clock = wrapped_key_cache::clock;

TEST(wrapped_key_cache, hands_back_what_was_put_until_it_is_too_old_or_erased) {
  wrapped_key_cache cache(8, 10min);
  const auto t0 = clock::now();
  cache.put("K1", "wrapped-1", t0);
  cache.put("K2", "wrapped-2", t0 + 1min);
  EXPECT_EQ(cache.find("K1", t0 + 5min), "wrapped-1");
  EXPECT_EQ(cache.find("K2", t0 + 5min), "wrapped-2");
  EXPECT_EQ(cache.find("K3", t0 + 5min), std::nullopt);
  cache.erase("K2");
  EXPECT_EQ(cache.find("K2", t0 + 5min), std::nullopt);
  // Ten minutes after its put, K1 is no longer used (and no longer held).
  EXPECT_EQ(cache.find("K1", t0 + 10min + 1ms), std::nullopt);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(wrapped_key_cache, a_put_again_renews_the_entry_and_an_empty_key_is_not_kept) {
  wrapped_key_cache cache(8, 10min);
  const auto t0 = clock::now();
  cache.put("K1", "old", t0);
  cache.put("K1", "new", t0 + 8min);
  EXPECT_EQ(cache.find("K1", t0 + 12min), "new");  // its first put's age does not count
  cache.put("K2", "", t0 + 8min);                  // a case from before per-case keys
  EXPECT_EQ(cache.find("K2", t0 + 9min), std::nullopt);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(wrapped_key_cache, past_its_capacity_the_oldest_go) {
  wrapped_key_cache cache(3, 10min);
  const auto t0 = clock::now();
  for (int i = 0; i < 5; ++i) cache.put("K" + std::to_string(i), "w" + std::to_string(i), t0 + i * 1ms);
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.find("K0", t0 + 5ms), std::nullopt);
  EXPECT_EQ(cache.find("K1", t0 + 5ms), std::nullopt);
  EXPECT_EQ(cache.find("K4", t0 + 5ms), "w4");
  // Puts and erases of many cases hold no more than the capacity.
  for (int i = 0; i < 1000; ++i) {
    cache.put("E" + std::to_string(i), "w", t0 + 10ms + i * 1us);
    cache.erase("E" + std::to_string(i));
  }
  EXPECT_EQ(cache.find("K4", t0 + 20ms), std::nullopt);  // pushed out by the later puts
  EXPECT_LE(cache.size(), 3u);
}

TEST(wrapped_key_cache, a_shorter_age_applies_at_once) {
  wrapped_key_cache cache(8, 10min);
  const auto t0 = clock::now();
  cache.put("K1", "w", t0);
  cache.set_max_age(30s);  // a retention of thirty seconds
  EXPECT_EQ(cache.find("K1", t0 + 20s), "w");
  EXPECT_EQ(cache.find("K1", t0 + 31s), std::nullopt);
}

}  // namespace
}  // namespace caseroute::store
