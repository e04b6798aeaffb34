// The history replay must be able to fail: hand-written histories with a
// double accept, two open offers and an over-capacity counselor are flagged.
#include <gtest/gtest.h>

#include <tuple>
#include <vector>

#include "chaos/history_model.hpp"

namespace caseroute::chaos {
namespace {

// Offers of a crisis broadcast are written "case.offered*".
v1::Case with_events(v1::CaseState state, const std::string& holder,
                     std::vector<std::tuple<std::string, std::string, int>> events) {
  v1::Case c;
  c.set_case_id("k1");
  c.set_state(state);
  c.set_counselor_id(holder);
  for (const auto& [type, who, at_ms] : events) {
    auto* e = c.add_history();
    const bool broadcast = type == "case.offered*";
    e->set_type(broadcast ? "case.offered" : type);
    if (broadcast) e->set_rule("broadcast");
    e->set_counselor_id(who);
    e->mutable_at()->set_seconds(at_ms / 1000);
    e->mutable_at()->set_nanos((at_ms % 1000) * 1000000);
  }
  return c;
}

TEST(history_model, a_consistent_history_has_no_violations) {
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

TEST(history_model, a_second_accept_without_a_release_is_flagged) {
  auto a = audit_case(with_events(
      v1::CASE_ACTIVE, "c2",
      {{"case.created", "", 0}, {"case.offered", "c1", 10}, {"case.accepted", "c1", 20}, {"case.accepted", "c2", 30}}));
  EXPECT_FALSE(a.violations.empty());
}

TEST(history_model, two_open_offers_are_flagged) {
  auto a = audit_case(with_events(v1::CASE_OFFERED, "c2",
                                  {{"case.created", "", 0}, {"case.offered", "c1", 10}, {"case.offered", "c2", 20}}));
  EXPECT_FALSE(a.violations.empty());
}

TEST(history_model, a_state_the_history_does_not_explain_is_flagged) {
  auto a = audit_case(with_events(v1::CASE_QUEUED, "", {{"case.created", "", 0}, {"case.offered", "c1", 10}}));
  EXPECT_FALSE(a.violations.empty());
}

TEST(history_model, a_broadcast_holds_several_offers_until_the_first_accept_withdraws_the_others) {
  auto a = audit_case(with_events(v1::CASE_RESOLVED, "c5",
                                  {{"case.created", "", 0},
                                   {"case.offered*", "c1", 10},
                                   {"case.offered*", "c4", 10},
                                   {"case.offered*", "c5", 10},
                                   {"case.declined", "c4", 15},
                                   {"case.accepted", "c5", 20},
                                   {"case.offer_withdrawn", "c1", 20},
                                   {"case.resolved", "c5", 90}}));
  EXPECT_TRUE(a.violations.empty()) << a.violations.front();
  ASSERT_EQ(a.holdings.size(), 3u);
  EXPECT_EQ(a.holdings[0].counselor_id, "c4");
  EXPECT_EQ(a.holdings[0].to_ms, 15);
  EXPECT_EQ(a.holdings[1].counselor_id, "c1");
  EXPECT_EQ(a.holdings[1].to_ms, 20);
  EXPECT_EQ(a.holdings[2].counselor_id, "c5");
  EXPECT_EQ(a.holdings[2].from_ms, 10);
  EXPECT_EQ(a.holdings[2].to_ms, 90);
}

TEST(history_model, broadcast_mistakes_are_flagged) {
  // A broadcast offer made later than the open broadcast is a second offer.
  EXPECT_FALSE(
      audit_case(with_events(v1::CASE_OFFERED, "",
                             {{"case.created", "", 0}, {"case.offered*", "c1", 10}, {"case.offered*", "c4", 11}}))
          .violations.empty());
  // Two accepts of one broadcast.
  EXPECT_FALSE(audit_case(with_events(v1::CASE_ACTIVE, "c4",
                                      {{"case.created", "", 0},
                                       {"case.offered*", "c1", 10},
                                       {"case.offered*", "c4", 10},
                                       {"case.accepted", "c1", 20},
                                       {"case.accepted", "c4", 21}}))
                   .violations.empty());
  // Active while another offer of the broadcast was never withdrawn.
  EXPECT_FALSE(audit_case(with_events(v1::CASE_ACTIVE, "c1",
                                      {{"case.created", "", 0},
                                       {"case.offered*", "c1", 10},
                                       {"case.offered*", "c4", 10},
                                       {"case.accepted", "c1", 20}}))
                   .violations.empty());
}

TEST(history_model, overlaps_count_only_beyond_the_slack) {
  std::vector<holding> hs{{"c1", "a", 0, 5000}, {"c1", "b", 1000, 6000}, {"c1", "c", 4900, 9000}};
  EXPECT_EQ(max_concurrent(hs, 0), 3);
  EXPECT_EQ(max_concurrent(hs, 200), 2);  // c starts at 5100, after a ended
  hs.push_back({"c1", "d", 2000, INT64_MAX});
  EXPECT_EQ(max_concurrent(hs, 0), 4);
}

}  // namespace
}  // namespace caseroute::chaos
