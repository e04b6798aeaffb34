// Continuity across shifts: a RISK_LOW/MEDIUM case may wait for its continuity
// counselor whose next shift starts within routing.continuity_wait of the case
// being queued; higher risk never waits.
#include <functional>
#include <string>
#include <variant>

#include <gtest/gtest.h>

#include "fixtures.hpp"

namespace caseroute::testing {
namespace {

using routing::risk;

struct wait_row {
  std::string name;
  std::function<void(world&, routing::queued_case&, routing::plan_options&)> setup;
  std::string expected;  // "wait c2 06:30", "offer c1/continuity" or "keep"
};

const wait_row rows[] = {
    {"waits_for_next_shift_within_the_limit", [](world& w, auto&, auto&) { w.cfg.routing.continuity_wait = 6h; },
     "wait c2 2026-06-01 06:30"},
    {"limit_counts_from_when_the_case_was_queued",
     [](world& w, auto& k, auto&) {
       w.cfg.routing.continuity_wait = 6h;
       k.created_at = t0 - 31min;  // deadline 05:29 UTC, before c2's 06:30
     },
     "offer c1/id"},
    {"default_zero_never_waits", [](world&, auto&, auto&) {}, "offer c1/id"},
    {"off_without_the_option",
     [](world& w, auto&, auto& o) {
       w.cfg.routing.continuity_wait = 6h;
       o.continuity_roster = nullptr;
     },
     "offer c1/id"},
    {"next_shift_too_far_does_not_wait",
     [](world& w, auto&, auto&) {
       w.cfg.routing.continuity_wait = 5h;  // c2 starts 5h30m away
     },
     "offer c1/id"},
    {"low_risk_waits_too",
     [](world& w, auto& k, auto&) {
       w.cfg.routing.continuity_wait = 6h;
       k.level = risk::low;
     },
     "wait c2 2026-06-01 06:30"},
    {"high_risk_never_waits",
     [](world& w, auto& k, auto&) {
       w.cfg.routing.continuity_wait = 6h;
       k.level = risk::high;
     },
     "offer c1/id"},
    {"crisis_never_waits",
     [](world& w, auto& k, auto&) {
       w.cfg.routing.continuity_wait = 6h;
       w.cfg.counselors[0].crisis_trained = true;
       k.level = risk::crisis;
     },
     "offer c1/only"},
    {"eligible_continuity_counselor_is_offered_now",
     [](world& w, auto&, auto&) {
       w.cfg.routing.continuity_wait = 6h;
       w.snap.continuity["y1"] = {"c2", "c5"};
     },
     "offer c5/continuity"},
    {"declined_continuity_counselor_is_not_awaited",
     [](world& w, auto& k, auto&) {
       w.cfg.routing.continuity_wait = 6h;
       k.excluded = {"c2"};
     },
     "offer c1/id"},
    {"continuity_counselor_without_the_concern_is_not_awaited",
     [](world& w, auto& k, auto&) {
       w.cfg.routing.continuity_wait = 6h;
       k.concerns = {"grief"};
       w.cfg.counselors[0].specialties["grief"] = 1;  // c1 holds grief; c2 does not
     },
     "offer c1/only"},
    {"earliest_of_two_off_duty_counselors",
     [](world& w, auto&, auto&) {
       w.cfg.routing.continuity_wait = 24h;
       w.snap.continuity["y1"] = {"c2", "c3"};
     },
     "wait c2 2026-06-01 06:30"},
    {"next_day_shift_within_a_long_limit",
     [](world& w, auto&, auto&) {
       w.cfg.routing.continuity_wait = 24h;
       w.snap.continuity["y1"] = {"c3"};
     },
     "wait c3 2026-06-02 00:30"},
    {"waits_even_when_nobody_is_on_duty",
     [](world& w, auto&, auto&) {
       w.cfg.routing.continuity_wait = 6h;
       w.snap.on_duty.clear();
     },
     "wait c2 2026-06-01 06:30"},
};

std::string describe(const routing::decision& d) {
  if (const auto* o = std::get_if<routing::offer>(&d))
    return "offer " + o->counselor_id + "/" + to_string(o->chosen_by);
  if (const auto* wait = std::get_if<routing::wait_for_counselor>(&d)) {
    const auto day = std::chrono::floor<std::chrono::days>(wait->until);
    const std::chrono::hh_mm_ss hms{wait->until - day};
    const std::chrono::year_month_day ymd{day};
    char text[64];
    std::snprintf(text, sizeof text, "wait %s %04d-%02u-%02u %02ld:%02ld", wait->counselor_id.c_str(),
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()));
    return text;
  }
  return "keep";
}

class continuity_wait_table : public ::testing::TestWithParam<wait_row> {};

TEST_P(continuity_wait_table, decides) {
  const wait_row& row = GetParam();
  world w;
  rostered_city(w);
  const schedule::roster r(w.cfg);
  w.snap.on_duty = r.on_duty(t0);
  w.snap.continuity["y1"] = {"c2"};
  routing::queued_case k = a_case("k1");
  k.youth_ref = "y1";
  routing::plan_options options;
  options.continuity_roster = &r;
  row.setup(w, k, options);
  EXPECT_EQ(describe(routing::route_one(k, w.snap, t0, options)), row.expected);
  // plan() decides alike.
  EXPECT_EQ(describe(routing::plan({k}, w.snap, t0, options).at(0)), row.expected);
}

INSTANTIATE_TEST_SUITE_P(continuity, continuity_wait_table, ::testing::ValuesIn(rows),
                         [](const auto& info) { return info.param.name; });

TEST(continuity_wait, the_wait_names_the_counselor) {
  world w;
  rostered_city(w);
  const schedule::roster r(w.cfg);
  w.snap.on_duty = r.on_duty(t0);
  w.snap.continuity["y1"] = {"c2"};
  w.cfg.routing.continuity_wait = 6h;
  routing::queued_case k = a_case("k1");
  k.youth_ref = "y1";
  routing::plan_options options;
  options.continuity_roster = &r;
  const auto d = routing::route_one(k, w.snap, t0, options);
  ASSERT_TRUE(std::holds_alternative<routing::wait_for_counselor>(d));
  EXPECT_EQ(std::get<routing::wait_for_counselor>(d).case_id, "k1");
  EXPECT_NE(std::get<routing::wait_for_counselor>(d).reason.find("c2"), std::string::npos);
}

}  // namespace
}  // namespace caseroute::testing
