// Continuity across shifts, the other outcome: when a case is offered now
// although its continuity counselor is off duty, the offer's note says so and
// why the case did not wait; otherwise the note is empty.
#include <functional>
#include <string>
#include <variant>

#include <gtest/gtest.h>

#include "fixtures.hpp"

namespace caseroute::testing {
namespace {

using routing::risk;

struct note_row {
  std::string name;
  std::function<void(world&, routing::queued_case&)> setup;
  std::string expected;  // "offer c1: <note>" or "wait c2"
};

const note_row rows[] = {
    {"zero_wait_says_the_counselor_is_off_and_waits_are_off", [](world&, auto&) {},
     "offer c1: continuity counselor c2 is off duty; routing.continuity_wait is 0 (do not wait)"},
    {"high_risk_says_it_never_waits",
     [](world& w, auto& k) {
       w.cfg.routing.continuity_wait = 6h;
       k.level = risk::high;
     },
     "offer c1: continuity counselor c2 is off duty; a RISK_HIGH case never waits"},
    {"crisis_says_it_never_waits",
     [](world& w, auto& k) {
       w.cfg.routing.continuity_wait = 6h;
       w.cfg.counselors[0].crisis_trained = true;
       k.level = risk::crisis;
     },
     "offer c1: continuity counselor c2 is off duty; a RISK_CRISIS case never waits"},
    {"shift_beyond_the_limit_says_so", [](world& w, auto&) { w.cfg.routing.continuity_wait = 5h; },
     "offer c1: continuity counselor c2 is off duty; their next shift does not start within "
     "routing.continuity_wait"},
    {"counselor_who_cannot_take_it_next_shift_says_so",
     [](world& w, auto& k) {
       w.cfg.routing.continuity_wait = 6h;
       k.concerns = {"grief"};
       w.cfg.counselors[0].specialties["grief"] = 1;
     },
     "offer c1: continuity counselor c2 is off duty; they could not take the case in their next shift"},
    {"a_wait_has_no_offer", [](world& w, auto&) { w.cfg.routing.continuity_wait = 6h; }, "wait c2"},
    {"continuity_counselor_on_duty_needs_no_note",
     [](world& w, auto&) {
       w.snap.continuity["y1"] = {"c2", "c5"};
     },
     "offer c5: "},
    {"declined_continuity_counselor_needs_no_note", [](world&, auto& k) { k.excluded = {"c2"}; }, "offer c1: "},
    {"no_continuity_needs_no_note", [](world& w, auto&) { w.snap.continuity.clear(); }, "offer c1: "},
    {"unknown_youth_needs_no_note", [](world&, auto& k) { k.youth_ref.clear(); }, "offer c1: "},
};

std::string describe(const routing::decision& d) {
  if (const auto* o = std::get_if<routing::offer>(&d)) return "offer " + o->counselor_id + ": " + o->note;
  if (const auto* wait = std::get_if<routing::wait_for_counselor>(&d)) return "wait " + wait->counselor_id;
  return "keep";
}

class continuity_note_table : public ::testing::TestWithParam<note_row> {};

TEST_P(continuity_note_table, explains) {
  const note_row& row = GetParam();
  world w;
  rostered_city(w);
  const schedule::roster r(w.cfg);
  w.snap.on_duty = r.on_duty(t0);
  w.snap.continuity["y1"] = {"c2"};
  routing::queued_case k = a_case("k1");
  k.youth_ref = "y1";
  row.setup(w, k);
  routing::plan_options options;
  options.continuity_roster = &r;
  EXPECT_EQ(describe(routing::route_one(k, w.snap, t0, options)), row.expected);
  EXPECT_EQ(describe(routing::plan({k}, w.snap, t0, options).at(0)), row.expected);
}

INSTANTIATE_TEST_SUITE_P(continuity, continuity_note_table, ::testing::ValuesIn(rows),
                         [](const auto& info) { return info.param.name; });

TEST(continuity_note, without_the_roster_option_there_is_no_note) {
  world w;
  rostered_city(w);
  const schedule::roster r(w.cfg);
  w.snap.on_duty = r.on_duty(t0);
  w.snap.continuity["y1"] = {"c2"};
  routing::queued_case k = a_case("k1", risk::high);
  k.youth_ref = "y1";
  EXPECT_EQ(describe(routing::route_one(k, w.snap, t0)), "offer c1: ");
}

TEST(continuity_note, broadcast_offers_carry_it) {
  world w;
  rostered_city(w);
  for (auto& c : w.cfg.counselors) c.crisis_trained = true;
  const schedule::roster r(w.cfg);
  w.snap.on_duty = r.on_duty(t0);
  w.snap.continuity["y1"] = {"c2"};
  routing::queued_case k = a_case("k1", risk::crisis);
  k.youth_ref = "y1";
  routing::plan_options options;
  options.continuity_roster = &r;
  options.crisis_broadcast = true;
  const auto d = routing::route_one(k, w.snap, t0, options);
  ASSERT_TRUE(std::holds_alternative<routing::broadcast>(d));
  const auto& all = std::get<routing::broadcast>(d).offers;
  ASSERT_EQ(all.size(), 2u);  // c1 and c5
  for (const auto& o : all) EXPECT_EQ(o.note, "continuity counselor c2 is off duty; a RISK_CRISIS case never waits");
}

}  // namespace
}  // namespace caseroute::testing
