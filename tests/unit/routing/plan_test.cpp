// plan(): one pass over the queue in queue order that never overfills a
// counselor, spreads cases, and never lets an unservable case block others.
#include <map>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "fixtures.hpp"

namespace caseroute::testing {
namespace {

using routing::risk;

// "k1->c1" for an offer, "k1:-" for keep_queued: compact expected rows.
std::vector<std::string> summary(const std::vector<routing::decision>& decisions) {
  std::vector<std::string> out;
  for (const routing::decision& d : decisions) {
    if (const auto* o = std::get_if<routing::offer>(&d)) {
      out.push_back(o->case_id + "->" + o->counselor_id);
    } else {
      out.push_back(std::get<routing::keep_queued>(d).case_id + ":-");
    }
  }
  return out;
}

routing::queued_case queued(std::string id, risk level, std::chrono::minutes received_ago,
                            std::vector<std::string> concerns = {"depression"}) {
  routing::queued_case c = a_case(std::move(id), level, std::move(concerns));
  c.received_at = t0 - received_ago;
  c.created_at = t0 - 1min;
  return c;
}

TEST(plan, unservable_head_does_not_block_the_next_case) {
  world w;
  w.on_duty(counselor("c1", {{"depression", 2}}));  // not crisis-trained
  const auto decisions = w.plan({queued("medium", risk::medium, 1min), queued("crisis", risk::crisis, 1min)});
  EXPECT_EQ(summary(decisions), (std::vector<std::string>{"crisis:-", "medium->c1"}));
  EXPECT_EQ(std::get<routing::keep_queued>(decisions[0]).reason,
            "no crisis-trained counselor on duty holds depression");
}

TEST(plan, never_exceeds_capacity) {
  world w;
  w.on_duty(counselor("c1", {{"depression", 2}}, false, 3));
  w.status("c1").load = 1;
  const auto decisions = w.plan({queued("k1", risk::medium, 4min), queued("k2", risk::medium, 3min),
                                 queued("k3", risk::medium, 2min), queued("k4", risk::medium, 1min)});
  EXPECT_EQ(summary(decisions), (std::vector<std::string>{"k1->c1", "k2->c1", "k3:-", "k4:-"}));
  EXPECT_EQ(std::get<routing::keep_queued>(decisions[2]).reason,
            "every counselor on duty who holds depression is at capacity");
}

TEST(plan, spreads_cases_over_equal_counselors) {
  world w;
  w.on_duty(counselor("c1", {{"depression", 2}}));
  w.on_duty(counselor("c2", {{"depression", 2}}));
  const auto decisions = w.plan({queued("k1", risk::medium, 4min), queued("k2", risk::medium, 3min),
                                 queued("k3", risk::medium, 2min), queued("k4", risk::medium, 1min)});
  EXPECT_EQ(summary(decisions), (std::vector<std::string>{"k1->c1", "k2->c2", "k3->c1", "k4->c2"}));
  EXPECT_EQ(std::get<routing::offer>(decisions[1]).chosen_by, routing::rule::load);
}

TEST(plan, planned_offer_counts_as_latest_offer) {
  // Equal load ratios after the first offer: idle time must then prefer c2,
  // whose last real offer is older than the offer just planned for c1.
  world w;
  w.on_duty(counselor("c1", {{"depression", 2}}, false, 2));
  w.on_duty(counselor("c2", {{"depression", 2}}, false, 4));
  w.status("c2").load = 2;  // 2/4, as c1 will be at 1/2 after k1
  w.status("c2").last_offer_at = t0 - 1h;
  const auto decisions = w.plan({queued("k1", risk::medium, 2min), queued("k2", risk::medium, 1min)});
  EXPECT_EQ(summary(decisions), (std::vector<std::string>{"k1->c1", "k2->c2"}));
  EXPECT_EQ(std::get<routing::offer>(decisions[1]).chosen_by, routing::rule::idle);
}

TEST(plan, decides_in_queue_order) {
  world w;
  w.on_duty(counselor("c1", {{"depression", 2}}, false, 1));
  const auto decisions = w.plan({queued("medium", risk::medium, 9min), queued("high", risk::high, 1min)});
  EXPECT_EQ(summary(decisions), (std::vector<std::string>{"high->c1", "medium:-"}));
}

TEST(plan, rule5_relaxation_is_per_case) {
  world w;
  w.on_duty(counselor("c1", {{"depression", 2}}));
  routing::queued_case declined = queued("k1", risk::medium, 2min);
  declined.excluded = {"c1"};
  const auto decisions = w.plan({declined, queued("k2", risk::medium, 1min)});
  ASSERT_EQ(summary(decisions), (std::vector<std::string>{"k1->c1", "k2->c1"}));
  EXPECT_TRUE(std::get<routing::offer>(decisions[0]).relaxed_rule5);
  EXPECT_FALSE(std::get<routing::offer>(decisions[1]).relaxed_rule5);
}

TEST(plan, empty_queue_gives_no_decisions) {
  world w;
  w.on_duty(counselor("c1", {{"depression", 2}}));
  EXPECT_TRUE(w.plan({}).empty());
}

TEST(plan, nobody_on_duty_keeps_every_case) {
  world w;
  const auto decisions = w.plan({queued("k1", risk::low, 1min), queued("k2", risk::crisis, 1min)});
  ASSERT_EQ(decisions.size(), 2u);
  for (const auto& d : decisions) {
    EXPECT_EQ(std::get<routing::keep_queued>(d).reason, "no counselor on duty");
  }
}

TEST(plan, a_city_queue_fills_capacity_without_overfilling) {
  // 26 counselors over 14 sites, 600 queued cases: every counselor ends at
  // exactly their capacity, and each case gets exactly one decision.
  const std::vector<std::string> codes = {"depression", "anxiety", "exam_stress", "family_conflict", "grief"};
  world w;
  for (int i = 0; i < 26; ++i) {
    const std::string id = "c" + std::to_string(100 + i);
    auto c = counselor(id, {{codes[i % 5], 2}, {codes[(i + 1) % 5], 1}}, i % 3 == 0, 2 + i % 3);
    w.on_duty(std::move(c), "site-" + std::to_string(i % 14), "41120" + std::to_string(i % 2 + 2));
  }
  int total_capacity = 0;
  for (const auto& c : w.cfg.counselors) total_capacity += c.capacity;

  std::vector<routing::queued_case> q;
  for (int i = 0; i < 600; ++i) {
    q.push_back(queued("k" + std::to_string(i), static_cast<risk>(1 + i % 4), std::chrono::minutes{i % 97},
                       {codes[i % 5], codes[(i + 2) % 5]}));
    q.back().escalation_level = i % 3;
  }
  const auto decisions = w.plan(q);
  ASSERT_EQ(decisions.size(), q.size());
  std::map<std::string, int> planned;
  for (const auto& d : decisions) {
    if (const auto* o = std::get_if<routing::offer>(&d)) ++planned[o->counselor_id];
  }
  int offers = 0;
  for (const auto& c : w.cfg.counselors) {
    EXPECT_EQ(planned[c.id], c.capacity) << c.id;
    offers += planned[c.id];
  }
  EXPECT_EQ(offers, total_capacity);
}

}  // namespace
}  // namespace caseroute::testing
