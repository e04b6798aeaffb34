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

}  // namespace
}  // namespace caseroute::loadgen
