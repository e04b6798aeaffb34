// Missed offers and counselor welfare: a counselor signed out after missed
// offers, in wrap-up after a resolve, or at the crisis limit for the shift is
// not eligible; default statuses exclude nobody.
#include <functional>
#include <string>
#include <variant>

#include <gtest/gtest.h>

#include "fixtures.hpp"
#include "routing/rules.hpp"

namespace caseroute::testing {
namespace {

using routing::risk;

struct welfare_row {
  std::string name;
  std::function<void(world&, routing::queued_case&)> setup;
  std::string counselor;  // expected offer, or empty for keep_queued
  std::string reason;     // expected keep_queued reason
};

void c1_only(world& w) { w.on_duty(counselor("c1", {{"depression", 2}}, true)); }

const welfare_row rows[] = {
    {"default_status_fields_exclude_nobody",
     [](world& w, auto& k) {
       c1_only(w);
       w.status("c1");
       k.level = risk::crisis;
     },
     "c1", ""},
    {"two_missed_offers_still_eligible",
     [](world& w, auto&) {
       c1_only(w);
       w.status("c1").missed_offers = 2;
     },
     "c1", ""},
    {"three_missed_offers_signs_out",
     [](world& w, auto&) {
       c1_only(w);
       w.status("c1").missed_offers = 3;
     },
     "", "every counselor on duty who holds depression is signed out after missed offers"},
    {"missed_offers_limit_is_configurable",
     [](world& w, auto&) {
       c1_only(w);
       w.cfg.routing.max_missed_offers = 5;
       w.status("c1").missed_offers = 4;
     },
     "c1", ""},
    {"missed_offers_limit_zero_never_signs_out",
     [](world& w, auto&) {
       c1_only(w);
       w.cfg.routing.max_missed_offers = 0;
       w.status("c1").missed_offers = 40;
     },
     "c1", ""},
    {"missed_offers_outlast_the_shift_start",
     [](world& w, auto&) {
       c1_only(w);
       w.status("c1").available = false;
       w.status("c1").availability_changed_at = utc(2026, 5, 31, 9, 0);  // sign-out lapsed
       w.status("c1").missed_offers = 3;
     },
     "", "every counselor on duty who holds depression is signed out after missed offers"},
    {"wrap_up_zero_by_default",
     [](world& w, auto&) {
       c1_only(w);
       w.status("c1").last_resolved_at = t0 - 1s;
     },
     "c1", ""},
    {"within_wrap_up_is_not_eligible",
     [](world& w, auto&) {
       c1_only(w);
       w.cfg.routing.wrap_up = 2min;
       w.status("c1").last_resolved_at = t0 - 119s;
     },
     "", "every counselor on duty who holds depression is in wrap-up after a case"},
    {"wrap_up_ends_at_the_exact_second",
     [](world& w, auto&) {
       c1_only(w);
       w.cfg.routing.wrap_up = 2min;
       w.status("c1").last_resolved_at = t0 - 120s;
     },
     "c1", ""},
    {"crisis_wrap_up_ten_minutes_by_default",
     [](world& w, auto&) {
       c1_only(w);
       w.status("c1").last_crisis_resolved_at = t0 - 9min;
     },
     "", "every counselor on duty who holds depression is in wrap-up after a case"},
    {"crisis_wrap_up_over_after_ten_minutes",
     [](world& w, auto&) {
       c1_only(w);
       w.status("c1").last_crisis_resolved_at = t0 - 10min;
     },
     "c1", ""},
    {"crisis_wrap_up_zero_turns_it_off",
     [](world& w, auto&) {
       c1_only(w);
       w.cfg.routing.crisis_wrap_up = 0s;
       w.status("c1").last_crisis_resolved_at = t0 - 1s;
     },
     "c1", ""},
    {"crisis_limit_unlimited_by_default",
     [](world& w, auto& k) {
       c1_only(w);
       w.status("c1").crisis_this_shift = 50;
       k.level = risk::crisis;
     },
     "c1", ""},
    {"crisis_limit_reached_excludes_from_crisis",
     [](world& w, auto& k) {
       c1_only(w);
       w.cfg.routing.max_crisis_per_shift = 2;
       w.status("c1").crisis_this_shift = 2;
       k.level = risk::crisis;
     },
     "", "every crisis-trained counselor on duty who holds depression is at the crisis limit for this shift"},
    {"crisis_limit_does_not_touch_other_risks",
     [](world& w, auto& k) {
       c1_only(w);
       w.cfg.routing.max_crisis_per_shift = 2;
       w.status("c1").crisis_this_shift = 2;
       k.level = risk::high;
     },
     "c1", ""},
    {"crisis_limit_below_is_eligible",
     [](world& w, auto& k) {
       c1_only(w);
       w.cfg.routing.max_crisis_per_shift = 2;
       w.status("c1").crisis_this_shift = 1;
       k.level = risk::crisis;
     },
     "c1", ""},
    {"other_counselor_takes_it_during_wrap_up",
     [](world& w, auto&) {
       c1_only(w);
       w.on_duty(counselor("c2", {{"depression", 1}}));
       w.cfg.routing.wrap_up = 5min;
       w.status("c1").last_resolved_at = t0 - 1min;
     },
     "c2", ""},
    {"every_own_state_named_in_order",
     [](world& w, auto&) {
       c1_only(w);
       w.on_duty(counselor("c2", {{"depression", 1}}));
       w.on_duty(counselor("c3", {{"depression", 1}}));
       w.on_duty(counselor("c4", {{"depression", 1}}));
       w.cfg.routing.wrap_up = 5min;
       w.status("c1").missed_offers = 3;
       w.status("c2").available = false;
       w.status("c3").last_resolved_at = t0 - 1min;
       w.status("c4").load = 3;
     },
     "",
     "every counselor on duty who holds depression is signed out after missed offers, signed out, in wrap-up after a "
     "case or at capacity"},
};

class welfare_table : public ::testing::TestWithParam<welfare_row> {};

TEST_P(welfare_table, decides) {
  const welfare_row& row = GetParam();
  world w;
  routing::queued_case k = a_case("k1");
  row.setup(w, k);
  const routing::decision d = w.route(k);
  if (row.counselor.empty()) {
    const auto* kept = std::get_if<routing::keep_queued>(&d);
    ASSERT_NE(kept, nullptr) << "offered to " << std::get<routing::offer>(d).counselor_id;
    EXPECT_EQ(kept->reason, row.reason);
  } else {
    const auto* o = std::get_if<routing::offer>(&d);
    ASSERT_NE(o, nullptr) << "kept queued: " << std::get<routing::keep_queued>(d).reason;
    EXPECT_EQ(o->counselor_id, row.counselor);
  }
}

INSTANTIATE_TEST_SUITE_P(limits, welfare_table, ::testing::ValuesIn(rows),
                         [](const auto& info) { return info.param.name; });

TEST(welfare, planned_crisis_offers_count_toward_the_shift_limit) {
  world w;
  w.on_duty(counselor("c1", {{"depression", 2}}, true));
  w.cfg.routing.max_crisis_per_shift = 1;
  const auto decisions = w.plan({a_case("crisis-a", risk::crisis), a_case("crisis-b", risk::crisis)});
  ASSERT_EQ(decisions.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<routing::offer>(decisions[0]));
  ASSERT_TRUE(std::holds_alternative<routing::keep_queued>(decisions[1]));
}

// GET /v1/counselors' wrapUpUntil: the later of the two rests, only while it lasts.
TEST(welfare, wrap_up_until_is_the_later_rest_while_it_lasts) {
  config::routing_settings s;
  s.wrap_up = 2min;
  s.crisis_wrap_up = 10min;
  routing::counselor_status status;
  EXPECT_FALSE(routing::wrap_up_until(status, t0, s)) << "never resolved";
  status.last_resolved_at = t0 - 1min;
  EXPECT_EQ(routing::wrap_up_until(status, t0, s), t0 + 1min);
  EXPECT_FALSE(routing::wrap_up_until(status, t0 + 1min, s)) << "over at the exact second";
  status.last_crisis_resolved_at = t0 - 1min;
  EXPECT_EQ(routing::wrap_up_until(status, t0, s), t0 + 9min) << "the crisis rest ends later";
  s.crisis_wrap_up = 0s;
  EXPECT_EQ(routing::wrap_up_until(status, t0, s), t0 + 1min) << "crisis rest off";
  s.wrap_up = 0s;
  EXPECT_FALSE(routing::wrap_up_until(status, t0, s)) << "both off";
}

}  // namespace
}  // namespace caseroute::testing
