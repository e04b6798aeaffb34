// Crisis broadcast: with plan_options::crisis_broadcast a RISK_CRISIS case is
// offered at once to every eligible crisis-trained counselor on duty, each
// offer counted against capacity within the pass.
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "fixtures.hpp"

namespace caseroute::testing {
namespace {

using routing::risk;

routing::plan_options broadcasting() {
  routing::plan_options o;
  o.crisis_broadcast = true;
  return o;
}

// "c1@hubin-01/skill" per offer of a broadcast decision.
std::vector<std::string> offers_of(const routing::decision& d) {
  std::vector<std::string> out;
  const auto* b = std::get_if<routing::broadcast>(&d);
  if (b == nullptr) return out;
  for (const routing::offer& o : b->offers) {
    out.push_back(o.counselor_id + "@" + o.site_id + "/" + routing::to_string(o.chosen_by));
  }
  return out;
}

// Three crisis-trained (c1 skill 3, c2 skill 1 at another site, c4 full) and
// one untrained (c3).
void crisis_floor(world& w) {
  w.on_duty(counselor("c1", {{"depression", 3}}, true));
  w.on_duty(counselor("c2", {{"depression", 1}}, true), "shanzhou-01", "411203");
  w.on_duty(counselor("c3", {{"depression", 3}}));
  w.on_duty(counselor("c4", {{"depression", 3}}, true));
  w.status("c4").load = 3;
}

TEST(crisis_broadcast, offers_every_eligible_crisis_trained_counselor_best_first) {
  world w;
  crisis_floor(w);
  const auto d = routing::route_one(a_case("k", risk::crisis), w.snap, t0, broadcasting());
  ASSERT_TRUE(std::holds_alternative<routing::broadcast>(d));
  EXPECT_EQ(std::get<routing::broadcast>(d).case_id, "k");
  EXPECT_EQ(offers_of(d), (std::vector<std::string>{"c1@hubin-01/broadcast", "c2@shanzhou-01/broadcast"}));
}

TEST(crisis_broadcast, off_by_default_gives_one_offer) {
  world w;
  crisis_floor(w);
  const auto d = w.route(a_case("k", risk::crisis));
  ASSERT_TRUE(std::holds_alternative<routing::offer>(d));
  EXPECT_EQ(std::get<routing::offer>(d).counselor_id, "c1");
}

TEST(crisis_broadcast, single_eligible_is_rule_only) {
  world w;
  w.on_duty(counselor("c1", {{"depression", 3}}, true));
  EXPECT_EQ(offers_of(routing::route_one(a_case("k", risk::crisis), w.snap, t0, broadcasting())),
            (std::vector<std::string>{"c1@hubin-01/only"}));
}

TEST(crisis_broadcast, continuity_counselor_is_named_by_continuity) {
  world w;
  crisis_floor(w);
  w.snap.continuity["y1"] = {"c2"};
  routing::queued_case k = a_case("k", risk::crisis);
  k.youth_ref = "y1";
  EXPECT_EQ(offers_of(routing::route_one(k, w.snap, t0, broadcasting())),
            (std::vector<std::string>{"c2@shanzhou-01/continuity", "c1@hubin-01/broadcast"}));
}

TEST(crisis_broadcast, nobody_eligible_keeps_queued_for_escalation) {
  world w;
  w.on_duty(counselor("c3", {{"depression", 3}}));
  const auto d = routing::route_one(a_case("k", risk::crisis), w.snap, t0, broadcasting());
  ASSERT_TRUE(std::holds_alternative<routing::keep_queued>(d));
  EXPECT_EQ(std::get<routing::keep_queued>(d).reason, "no crisis-trained counselor on duty holds depression");
}

TEST(crisis_broadcast, each_offer_counts_against_capacity_within_the_pass) {
  world w;
  w.on_duty(counselor("c1", {{"depression", 3}}, true, 2));
  w.on_duty(counselor("c2", {{"depression", 1}}, true, 1));
  const auto decisions = routing::plan(
      {a_case("crisis-a", risk::crisis), a_case("crisis-b", risk::crisis), a_case("crisis-c", risk::crisis)}, w.snap,
      t0, broadcasting());
  ASSERT_EQ(decisions.size(), 3u);
  EXPECT_EQ(offers_of(decisions[0]), (std::vector<std::string>{"c1@hubin-01/broadcast", "c2@hubin-01/broadcast"}));
  EXPECT_EQ(offers_of(decisions[1]), (std::vector<std::string>{"c1@hubin-01/only"}));  // c2 is now full
  ASSERT_TRUE(std::holds_alternative<routing::keep_queued>(decisions[2]));
  EXPECT_EQ(std::get<routing::keep_queued>(decisions[2]).reason,
            "every crisis-trained counselor on duty who holds depression is at capacity");
}

TEST(crisis_broadcast, non_crisis_cases_still_get_one_offer) {
  world w;
  crisis_floor(w);
  const auto d = routing::route_one(a_case("k", risk::high), w.snap, t0, broadcasting());
  ASSERT_TRUE(std::holds_alternative<routing::offer>(d));
  EXPECT_EQ(std::get<routing::offer>(d).counselor_id, "c1");
}

TEST(crisis_broadcast, declined_counselors_are_left_out_unless_nobody_else) {
  world w;
  crisis_floor(w);
  routing::queued_case k = a_case("k", risk::crisis);
  k.excluded = {"c1"};
  EXPECT_EQ(offers_of(routing::route_one(k, w.snap, t0, broadcasting())),
            (std::vector<std::string>{"c2@shanzhou-01/only"}));
  k.excluded = {"c1", "c2"};
  const auto d = routing::route_one(k, w.snap, t0, broadcasting());
  ASSERT_TRUE(std::holds_alternative<routing::broadcast>(d));
  const auto& offers = std::get<routing::broadcast>(d).offers;
  ASSERT_EQ(offers.size(), 2u);
  EXPECT_TRUE(offers[0].relaxed_rule5);
  EXPECT_TRUE(offers[1].relaxed_rule5);
}

}  // namespace
}  // namespace caseroute::testing
