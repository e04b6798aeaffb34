// Preference among eligible counselors (continuity, skill, load, idle, id),
// the rule reported for the winner, and the site an offer names.
#include <functional>
#include <string>
#include <variant>

#include <gtest/gtest.h>

#include "fixtures.hpp"

namespace caseroute::testing {
namespace {

using routing::mode;
using routing::rule;

struct ranking_row {
  std::string name;
  std::function<void(world&, routing::queued_case&)> setup;
  std::string winner;
  rule chosen_by;
};

const ranking_row rows[] = {
    {"single_eligible_is_chosen_as_only",
     [](world& w, auto&) {
       w.on_duty(counselor("c1", {{"depression", 1}}));
     },
     "c1", rule::only},
    {"continuity_beats_skill",
     [](world& w, auto& k) {
       w.on_duty(counselor("c1", {{"depression", 1}}));
       w.on_duty(counselor("c2", {{"depression", 3}}));
       k.youth_ref = "y-1";
       w.snap.continuity["y-1"] = {"c1"};
     },
     "c1", rule::continuity},
    {"continuity_ignored_without_youth_ref",
     [](world& w, auto&) {
       w.on_duty(counselor("c1", {{"depression", 1}}));
       w.on_duty(counselor("c2", {{"depression", 1}}));
       w.snap.continuity[""] = {"c2"};
     },
     "c1", rule::id},
    {"skill_beats_load",
     [](world& w, auto&) {
       w.on_duty(counselor("c1", {{"depression", 1}}));
       w.on_duty(counselor("c2", {{"depression", 3}}));
       w.status("c2").load = 2;
     },
     "c2", rule::skill},
    {"skill_sums_all_concerns",
     [](world& w, auto& k) {
       k.concerns = {"depression", "sleep"};
       w.on_duty(counselor("c1", {{"depression", 3}}));
       w.on_duty(counselor("c2", {{"depression", 2}, {"sleep", 2}}));
     },
     "c2", rule::skill},
    {"load_beats_idle",
     [](world& w, auto&) {
       w.on_duty(counselor("c1", {{"depression", 2}}));
       w.on_duty(counselor("c2", {{"depression", 2}}));
       w.status("c1").load = 1;  // idle forever, but busier
       w.status("c2").last_offer_at = t0 - 1min;
     },
     "c2", rule::load},
    {"load_is_a_ratio_of_capacity",
     [](world& w, auto&) {
       w.on_duty(counselor("c1", {{"depression", 2}}, false, 3));
       w.on_duty(counselor("c2", {{"depression", 2}}, false, 5));
       w.status("c1").load = 1;  // 1/3 > 1/5
       w.status("c2").load = 1;
     },
     "c2", rule::load},
    {"equal_load_ratios_tie_exactly",
     [](world& w, auto&) {
       w.on_duty(counselor("c1", {{"depression", 2}}, false, 3));
       w.on_duty(counselor("c2", {{"depression", 2}}, false, 6));
       w.status("c1").load = 1;  // 1/3 == 2/6: falls through to idle
       w.status("c1").last_offer_at = t0 - 1min;
       w.status("c2").load = 2;
       w.status("c2").last_offer_at = t0 - 2min;
     },
     "c2", rule::idle},
    {"idle_beats_id",
     [](world& w, auto&) {
       w.on_duty(counselor("c1", {{"depression", 2}}));
       w.on_duty(counselor("c2", {{"depression", 2}}));
       w.status("c1").last_offer_at = t0 - 5min;  // c2 never offered
     },
     "c2", rule::idle},
    {"id_breaks_the_last_tie",
     [](world& w, auto&) {
       w.on_duty(counselor("c2", {{"depression", 2}}));
       w.on_duty(counselor("c1", {{"depression", 2}}));
     },
     "c1", rule::id},
    {"rule_comes_from_the_runner_up",
     [](world& w, auto& k) {
       k.youth_ref = "y-1";
       w.snap.continuity["y-1"] = {"c1", "c3"};
       w.on_duty(counselor("c1", {{"depression", 3}}));
       w.on_duty(counselor("c2", {{"depression", 3}}));
       w.on_duty(counselor("c3", {{"depression", 1}}));
     },
     "c1", rule::skill},
};

class ranking_table : public ::testing::TestWithParam<ranking_row> {};

TEST_P(ranking_table, picks) {
  const ranking_row& row = GetParam();
  world w;
  routing::queued_case k = a_case("k1");
  row.setup(w, k);
  const routing::decision d = w.route(k);
  const auto* o = std::get_if<routing::offer>(&d);
  ASSERT_NE(o, nullptr) << std::get<routing::keep_queued>(d).reason;
  EXPECT_EQ(o->counselor_id, row.winner);
  EXPECT_STREQ(routing::to_string(o->chosen_by), routing::to_string(row.chosen_by));
}

INSTANTIATE_TEST_SUITE_P(preferences, ranking_table, ::testing::ValuesIn(rows),
                         [](const auto& info) { return info.param.name; });

TEST(offer_site, visit_names_the_duty_site_in_the_case_county) {
  world w;
  w.on_duty(counselor("c1", {{"depression", 2}}), "hubin-01", "411202");
  w.snap.on_duty.push_back(slot("c1", "shanzhou-01", "411203"));
  routing::queued_case k = a_case("k1");
  k.contact_mode = mode::site_visit;
  k.county = "411203";
  EXPECT_EQ(std::get<routing::offer>(w.route(k)).site_id, "shanzhou-01");
}

TEST(offer_site, phone_case_names_the_first_duty_site_by_id) {
  world w;
  w.on_duty(counselor("c1", {{"depression", 2}}), "shanzhou-01", "411203");
  w.snap.on_duty.push_back(slot("c1", "hubin-01", "411202"));
  EXPECT_EQ(std::get<routing::offer>(w.route(a_case("k1"))).site_id, "hubin-01");
}

TEST(offer_site, home_visit_by_home_county_names_the_first_duty_site) {
  world w;
  w.on_duty(counselor("c1", {{"depression", 2}}, false, 3, {"411224"}), "hubin-01", "411202");
  routing::queued_case k = a_case("k1");
  k.contact_mode = mode::home_visit;
  k.county = "411224";
  EXPECT_EQ(std::get<routing::offer>(w.route(k)).site_id, "hubin-01");
}

TEST(rule_names, are_stable) {
  EXPECT_STREQ(routing::to_string(rule::only), "only");
  EXPECT_STREQ(routing::to_string(rule::continuity), "continuity");
  EXPECT_STREQ(routing::to_string(rule::skill), "skill");
  EXPECT_STREQ(routing::to_string(rule::load), "load");
  EXPECT_STREQ(routing::to_string(rule::idle), "idle");
  EXPECT_STREQ(routing::to_string(rule::id), "id");
}

}  // namespace
}  // namespace caseroute::testing
