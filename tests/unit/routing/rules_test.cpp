// The eligibility rules of routing/rules.hpp one at a time: one counselor on
// duty, their live state and a case; the first rule they fail, and the reason
// the router gives when they are the only one. A new rule adds rows here.
#include <functional>
#include <string>
#include <variant>

#include <gtest/gtest.h>

#include "fixtures.hpp"
#include "routing/candidates.hpp"
#include "routing/rules.hpp"

namespace caseroute::testing {
namespace {

using routing::filter;
using routing::mode;
using routing::risk;

struct rule_row {
  std::string name;
  std::function<void(world&, routing::queued_case&)> setup;
  filter failed;
  std::string reason;  // the keep_queued reason; empty when the counselor passes
};

// Base: c1 on duty at hubin-01 (411202), holds depression, capacity 3, not
// crisis-trained. Base case: medium, depression, by phone, level 0.
config::counselor& c1(world& w, bool crisis_trained = false) {
  return w.on_duty(counselor("c1", {{"depression", 2}}, crisis_trained));
}

const rule_row rows[] = {
    {"passes_every_rule", [](world& w, auto&) { c1(w); }, filter::passed, ""},
    // Rule 4.
    {"visit_needs_someone_near_the_county",
     [](world& w, auto& k) {
       c1(w);
       k.contact_mode = mode::home_visit;
       k.county = "411203";
     },
     filter::county, "no counselor on duty near county 411203 for a visit"},
    {"visit_near_by_a_duty_site",
     [](world& w, auto& k) {
       c1(w);
       k.contact_mode = mode::site_visit;
       k.county = "411202";
     },
     filter::passed, ""},
    {"visit_near_by_home_visits",
     [](world& w, auto& k) {
       c1(w).home_visit_counties = {"411203"};
       k.contact_mode = mode::home_visit;
       k.county = "411203";
     },
     filter::passed, ""},
    // Rule 2.
    {"primary_concern_not_held",
     [](world& w, auto& k) {
       c1(w);
       k.concerns = {"grief", "depression"};
     },
     filter::concern, "no counselor on duty holds grief"},
    {"proficiency_zero_is_not_held",
     [](world& w, auto&) {
       w.on_duty(counselor("c1", {{"depression", 0}}));
     },
     filter::concern, "no counselor on duty holds depression"},
    {"level_1_takes_any_concern",
     [](world& w, auto& k) {
       c1(w);
       k.concerns = {"grief", "depression"};
       k.escalation_level = 1;
     },
     filter::passed, ""},
    {"level_2_drops_the_concern",
     [](world& w, auto& k) {
       c1(w);
       k.concerns = {"grief"};
       k.escalation_level = 2;
     },
     filter::passed, ""},
    // Rule 3.
    {"crisis_needs_crisis_trained",
     [](world& w, auto& k) {
       c1(w);
       k.level = risk::crisis;
     },
     filter::crisis, "no crisis-trained counselor on duty holds depression"},
    // The counselor's own state: welfare limits and rule 1.
    {"missed_offers_sign_out",
     [](world& w, auto&) {
       c1(w);
       w.status("c1").missed_offers = 3;
     },
     filter::missed, "every counselor on duty who holds depression is signed out after missed offers"},
    {"signed_out",
     [](world& w, auto&) {
       c1(w);
       w.status("c1").available = false;
     },
     filter::available, "every counselor on duty who holds depression is signed out"},
    {"wrap_up_after_a_case",
     [](world& w, auto&) {
       c1(w);
       w.cfg.routing.wrap_up = 3min;
       w.status("c1").last_resolved_at = t0 - 1min;
     },
     filter::wrap_up, "every counselor on duty who holds depression is in wrap-up after a case"},
    {"longer_wrap_up_after_a_crisis",
     [](world& w, auto&) {
       c1(w);
       w.status("c1").last_crisis_resolved_at = t0 - 9min;  // crisis_wrap_up: 10 min
     },
     filter::wrap_up, "every counselor on duty who holds depression is in wrap-up after a case"},
    {"crisis_limit_for_a_crisis",
     [](world& w, auto& k) {
       c1(w, true);
       w.cfg.routing.max_crisis_per_shift = 2;
       w.status("c1").crisis_this_shift = 2;
       k.level = risk::crisis;
     },
     filter::crisis_limit,
     "every crisis-trained counselor on duty who holds depression is at the crisis limit for this shift"},
    {"crisis_limit_spares_other_cases",
     [](world& w, auto&) {
       c1(w, true);
       w.cfg.routing.max_crisis_per_shift = 2;
       w.status("c1").crisis_this_shift = 2;
     },
     filter::passed, ""},
    {"at_capacity",
     [](world& w, auto&) {
       c1(w);
       w.status("c1").load = 3;
     },
     filter::capacity, "every counselor on duty who holds depression is at capacity"},
    // The order: the first rule failed names the reason.
    {"rule_4_before_rule_2",
     [](world& w, auto& k) {
       c1(w);
       k.contact_mode = mode::site_visit;
       k.county = "411203";
       k.concerns = {"grief"};
     },
     filter::county, "no counselor on duty near county 411203 for a visit"},
    {"rule_2_before_rule_3",
     [](world& w, auto& k) {
       c1(w);
       k.concerns = {"grief"};
       k.level = risk::crisis;
     },
     filter::concern, "no counselor on duty holds grief"},
    {"rules_on_the_case_before_own_state",
     [](world& w, auto& k) {
       c1(w);
       w.status("c1").available = false;
       k.level = risk::crisis;
     },
     filter::crisis, "no crisis-trained counselor on duty holds depression"},
    {"missed_offers_before_signed_out",
     [](world& w, auto&) {
       c1(w);
       w.status("c1").missed_offers = 3;
       w.status("c1").available = false;
     },
     filter::missed, "every counselor on duty who holds depression is signed out after missed offers"},
};

class rules_table : public ::testing::TestWithParam<rule_row> {};

TEST_P(rules_table, first_failed_and_reason) {
  const rule_row& row = GetParam();
  world w;
  routing::queued_case k = a_case("k1");
  row.setup(w, k);
  const routing::candidate_index index(w.snap, t0);
  ASSERT_EQ(index.on_duty().size(), 1u);
  EXPECT_EQ(routing::first_failed(routing::need_of(k), index.on_duty().front(), w.cfg.routing), row.failed);

  const routing::decision d = w.route(k);
  if (row.reason.empty()) {
    EXPECT_TRUE(std::holds_alternative<routing::offer>(d)) << std::get<routing::keep_queued>(d).reason;
  } else {
    ASSERT_TRUE(std::holds_alternative<routing::keep_queued>(d));
    EXPECT_EQ(std::get<routing::keep_queued>(d).reason, row.reason);
  }
}

INSTANTIATE_TEST_SUITE_P(rules, rules_table, ::testing::ValuesIn(rows),
                         [](const auto& info) { return info.param.name; });

TEST(can_serve, asks_the_rules_on_the_case_and_not_the_counselors_state) {
  const config::counselor trained = counselor("c1", {{"depression", 2}}, true, 0);  // capacity 0
  const schedule::duty_slot at_hubin = slot("c1", "hubin-01", "411202");
  routing::queued_case k = a_case("k", risk::crisis);
  EXPECT_TRUE(routing::can_serve(k, trained, {&at_hubin, 1}));
  k.contact_mode = mode::home_visit;
  k.county = "411203";
  EXPECT_FALSE(routing::can_serve(k, trained, {&at_hubin, 1}));
  EXPECT_FALSE(routing::can_serve(a_case("k", risk::crisis), counselor("c2", {{"depression", 2}}), {&at_hubin, 1}));
}

}  // namespace
}  // namespace caseroute::testing
