// The history replay must be able to fail: hand-written histories with a
// double accept, two open offers and an over-capacity counselor are flagged.
#include <gtest/gtest.h>

#include <tuple>
#include <vector>

#include "chaos/history_model.hpp"

namespace caseroute::chaos {
namespace {

v1::Case with_events(v1::CaseState state, const std::string& holder,
                     std::vector<std::tuple<std::string, std::string, int>> events) {
  v1::Case c;
  c.set_case_id("k1");
  c.set_state(state);
  c.set_counselor_id(holder);
  for (const auto& [type, who, at_ms] : events) {
    auto* e = c.add_history();
    e->set_type(type);
    e->set_counselor_id(who);
    e->mutable_at()->set_seconds(at_ms / 1000);
    e->mutable_at()->set_nanos((at_ms % 1000) * 1000000);
  }
  return c;
}

TEST(history_model, AConsistentHistoryHasNoViolations) {
  auto a = audit_case(with_events(v1::CASE_RESOLVED, "c2",
                                  {{"case.created", "", 0},
                                   {"case.offered", "c1", 10},
                                   {"case.offer_withdrawn", "c1", 20},
                                   {"case.offered", "c2", 30},
                                   {"case.accepted", "c2", 40},
                                   {"case.released", "c2", 50},
                                   {"case.offered", "c2", 60},
                                   {"case.accepted", "c2", 70},
                                   {"case.escalated", "", 75},
                                   {"case.resolved", "c2", 80}}));
  EXPECT_TRUE(a.violations.empty()) << a.violations.front();
  ASSERT_EQ(a.holdings.size(), 3u);
  EXPECT_EQ(a.holdings[2].from_ms, 60);
  EXPECT_EQ(a.holdings[2].to_ms, 80);
}

TEST(history_model, ASecondAcceptWithoutAReleaseIsFlagged) {
  auto a = audit_case(with_events(
      v1::CASE_ACTIVE, "c2",
      {{"case.created", "", 0}, {"case.offered", "c1", 10}, {"case.accepted", "c1", 20}, {"case.accepted", "c2", 30}}));
  EXPECT_FALSE(a.violations.empty());
}

TEST(history_model, TwoOpenOffersAreFlagged) {
  auto a = audit_case(with_events(v1::CASE_OFFERED, "c2",
                                  {{"case.created", "", 0}, {"case.offered", "c1", 10}, {"case.offered", "c2", 20}}));
  EXPECT_FALSE(a.violations.empty());
}

TEST(history_model, AStateTheHistoryDoesNotExplainIsFlagged) {
  auto a = audit_case(with_events(v1::CASE_QUEUED, "", {{"case.created", "", 0}, {"case.offered", "c1", 10}}));
  EXPECT_FALSE(a.violations.empty());
}

TEST(history_model, OverlapsCountOnlyBeyondTheSlack) {
  std::vector<holding> hs{{"c1", "a", 0, 5000}, {"c1", "b", 1000, 6000}, {"c1", "c", 4900, 9000}};
  EXPECT_EQ(max_concurrent(hs, 0), 3);
  EXPECT_EQ(max_concurrent(hs, 200), 2);  // c starts at 5100, after a ended
  hs.push_back({"c1", "d", 2000, INT64_MAX});
  EXPECT_EQ(max_concurrent(hs, 0), 4);
}

}  // namespace
}  // namespace caseroute::chaos
