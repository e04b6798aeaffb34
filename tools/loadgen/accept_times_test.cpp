// The load generator's referral -> accept matching: an accept seen before its
// referral's answer still counts, with the time from the send.
#include "accept_times.hpp"

#include <gtest/gtest.h>

namespace caseroute::loadgen {
namespace {

using namespace std::chrono_literals;

TEST(accept_times, an_accept_seen_before_its_referrals_answer_still_counts) {
  accept_times times;
  const auto t0 = std::chrono::steady_clock::now();
  times.accepted("c1", t0 + 3ms);  // the counselor was quicker than the sender
  times.sent("c1", t0);
  times.sent("c2", t0);
  times.accepted("c2", t0 + 5ms);
  times.sent("c3", t0);
  ASSERT_EQ(times.ms().size(), 2u);
  EXPECT_DOUBLE_EQ(times.ms()[0], 3.0);
  EXPECT_DOUBLE_EQ(times.ms()[1], 5.0);
  EXPECT_EQ(times.unaccepted(), 1u);
}

// A crisis case is shown to several counselors: the first sighting counts,
// before or after the referral's answer, and the later ones are not kept.
TEST(accept_times, a_case_seen_again_counts_once_from_the_first_time) {
  accept_times times;
  const auto t0 = std::chrono::steady_clock::now();
  times.accepted("c1", t0 + 2ms);
  times.accepted("c1", t0 + 4ms);
  times.sent("c1", t0);
  times.accepted("c1", t0 + 6ms);
  times.sent("c2", t0);
  times.accepted("c2", t0 + 1ms);
  times.accepted("c2", t0 + 9ms);
  ASSERT_EQ(times.ms().size(), 2u);
  EXPECT_DOUBLE_EQ(times.ms()[0], 2.0);
  EXPECT_DOUBLE_EQ(times.ms()[1], 1.0);
  EXPECT_EQ(times.unaccepted(), 0u);
  EXPECT_EQ(times.waiting_for_send(), 0u);  // nothing of the later sightings is kept
}

}  // namespace
}  // namespace caseroute::loadgen
