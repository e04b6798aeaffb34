// Eligibility rules 1-5 (routing/rules.hpp), one table row per behaviour: a
// world (counselors, duty, status), a case, and the expected decision.
#include <functional>
#include <string>
#include <variant>

#include <gtest/gtest.h>

#include "fixtures.hpp"

namespace caseroute::testing {
namespace {

using routing::mode;
using routing::risk;

struct eligibility_row {
  std::string name;
  std::function<void(world&, routing::queued_case&)> setup;
  std::string counselor;  // expected offer, or empty for keep_queued
  std::string reason;     // expected keep_queued reason
  bool relaxed_rule5 = false;
};

// Base world: c1 on duty at hubin-01 (411202), holds depression, capacity 3,
// signed in, idle. Base case: medium, depression, by phone, level 0.
void c1_only(world& w) { w.on_duty(counselor("c1", {{"depression", 2}})); }

const eligibility_row rows[] = {
    {"on_duty_signed_in_counselor_is_eligible", [](world& w, auto&) { c1_only(w); }, "c1", ""},
    {"nobody_on_duty_keeps_queued", [](world&, auto&) {}, "", "no counselor on duty"},
    {"counselor_off_duty_is_not_eligible",
     [](world& w, auto&) {
       w.cfg.counselors.push_back(counselor("c1", {{"depression", 2}}));  // configured, not rostered
     },
     "", "no counselor on duty"},
    {"duty_slot_unknown_to_config_is_ignored",
     [](world& w, auto&) { w.snap.on_duty.push_back(slot("ghost", "hubin-01", "411202")); }, "",
     "no counselor on duty"},
    {"signed_out_counselor_is_not_eligible",
     [](world& w, auto&) {
       c1_only(w);
       w.status("c1").available = false;
     },
     "", "every counselor on duty who holds depression is signed out"},
    {"sign_out_from_before_the_shift_has_lapsed",
     [](world& w, auto&) {
       c1_only(w);
       w.status("c1").available = false;
       w.status("c1").availability_changed_at = utc(2026, 5, 31, 9, 0);  // yesterday's shift
     },
     "c1", ""},
    {"counselor_at_capacity_is_not_eligible",
     [](world& w, auto&) {
       c1_only(w);
       w.status("c1").load = 3;
     },
     "", "every counselor on duty who holds depression is at capacity"},
    {"capacity_comes_from_config",
     [](world& w, auto&) {
       w.on_duty(counselor("c1", {{"depression", 2}}, false, 5));
       w.status("c1").load = 4;
     },
     "c1", ""},
    {"signed_out_and_full_counselors_both_named",
     [](world& w, auto&) {
       c1_only(w);
       w.on_duty(counselor("c2", {{"depression", 1}}));
       w.status("c1").available = false;
       w.status("c2").load = 3;
     },
     "", "every counselor on duty who holds depression is signed out or at capacity"},
    {"primary_concern_is_required",
     [](world& w, auto& k) {
       c1_only(w);
       k.concerns = {"grief", "depression"};
     },
     "", "no counselor on duty holds grief"},
    {"escalation_level_1_accepts_any_concern",
     [](world& w, auto& k) {
       c1_only(w);
       k.concerns = {"grief", "depression"};
       k.escalation_level = 1;
     },
     "c1", ""},
    {"escalation_level_1_still_needs_one_concern",
     [](world& w, auto& k) {
       c1_only(w);
       k.concerns = {"grief", "sleep"};
       k.escalation_level = 1;
     },
     "", "no counselor on duty holds any of grief, sleep"},
    {"escalation_level_2_drops_the_concern_rule",
     [](world& w, auto& k) {
       c1_only(w);
       k.concerns = {"grief", "sleep"};
       k.escalation_level = 2;
     },
     "c1", ""},
    {"crisis_needs_crisis_trained",
     [](world& w, auto& k) {
       c1_only(w);
       k.level = risk::crisis;
     },
     "", "no crisis-trained counselor on duty holds depression"},
    {"crisis_trained_counselor_takes_crisis",
     [](world& w, auto& k) {
       w.on_duty(counselor("c1", {{"depression", 2}}, true));
       k.level = risk::crisis;
     },
     "c1", ""},
    {"crisis_rule_holds_at_escalation_level_2",
     [](world& w, auto& k) {
       c1_only(w);
       k.level = risk::crisis;
       k.escalation_level = 2;
     },
     "", "no crisis-trained counselor on duty"},
    {"every_crisis_trained_counselor_full",
     [](world& w, auto& k) {
       w.on_duty(counselor("c1", {{"depression", 2}}, true));
       w.on_duty(counselor("c2", {{"depression", 2}}));
       w.status("c1").load = 3;
       k.level = risk::crisis;
       k.escalation_level = 2;
     },
     "", "every crisis-trained counselor on duty is at capacity"},
    {"site_visit_served_by_duty_site_in_county",
     [](world& w, auto& k) {
       c1_only(w);
       k.contact_mode = mode::site_visit;
       k.county = "411202";
     },
     "c1", ""},
    {"home_visit_elsewhere_is_not_eligible",
     [](world& w, auto& k) {
       c1_only(w);
       k.contact_mode = mode::home_visit;
       k.county = "411203";
     },
     "", "no counselor on duty near county 411203 for a visit"},
    {"home_visit_served_via_home_visit_counties",
     [](world& w, auto& k) {
       w.on_duty(counselor("c1", {{"depression", 2}}, false, 3, {"411203"}));
       k.contact_mode = mode::home_visit;
       k.county = "411203";
     },
     "c1", ""},
    {"visit_rule_holds_at_escalation_level_2",
     [](world& w, auto& k) {
       c1_only(w);
       k.contact_mode = mode::site_visit;
       k.county = "411203";
       k.escalation_level = 2;
     },
     "", "no counselor on duty near county 411203 for a visit"},
    {"visit_near_county_but_lacking_concern",
     [](world& w, auto& k) {
       c1_only(w);
       w.on_duty(counselor("c2", {{"grief", 2}}), "shanzhou-01", "411203");
       k.contact_mode = mode::home_visit;
       k.county = "411202";
       k.concerns = {"grief"};
     },
     "", "no counselor on duty near county 411202 holds grief"},
    {"phone_case_ignores_county",
     [](world& w, auto& k) {
       c1_only(w);
       k.county = "411203";
     },
     "c1", ""},
    {"excluded_counselor_skipped_for_another",
     [](world& w, auto& k) {
       w.on_duty(counselor("c1", {{"depression", 3}}));
       w.on_duty(counselor("c2", {{"depression", 1}}));
       k.excluded = {"c1"};
     },
     "c2", ""},
    {"excluded_counselor_offered_again_when_nobody_else",
     [](world& w, auto& k) {
       w.on_duty(counselor("c1", {{"depression", 3}}));
       w.on_duty(counselor("c2", {{"depression", 1}}));
       w.status("c2").available = false;
       k.excluded = {"c1"};
     },
     "c1", "", true},
    {"best_excluded_counselor_wins_when_all_excluded",
     [](world& w, auto& k) {
       w.on_duty(counselor("c1", {{"depression", 1}}));
       w.on_duty(counselor("c2", {{"depression", 3}}));
       k.excluded = {"c1", "c2"};
     },
     "c2", "", true},
};

class eligibility_table : public ::testing::TestWithParam<eligibility_row> {};

TEST_P(eligibility_table, decides) {
  const eligibility_row& row = GetParam();
  world w;
  routing::queued_case k = a_case("k1");
  row.setup(w, k);
  const routing::decision d = w.route(k);
  if (row.counselor.empty()) {
    const auto* kept = std::get_if<routing::keep_queued>(&d);
    ASSERT_NE(kept, nullptr) << "offered to " << std::get<routing::offer>(d).counselor_id;
    EXPECT_EQ(kept->case_id, "k1");
    EXPECT_EQ(kept->reason, row.reason);
  } else {
    const auto* o = std::get_if<routing::offer>(&d);
    ASSERT_NE(o, nullptr) << "kept queued: " << std::get<routing::keep_queued>(d).reason;
    EXPECT_EQ(o->case_id, "k1");
    EXPECT_EQ(o->counselor_id, row.counselor);
    EXPECT_EQ(o->relaxed_rule5, row.relaxed_rule5);
  }
}

INSTANTIATE_TEST_SUITE_P(rules, eligibility_table, ::testing::ValuesIn(rows),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace caseroute::testing
