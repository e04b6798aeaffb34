// Every waiting case explains itself: wait_reason names what excludes everyone
// on duty now; next_eligible_at finds when someone who could take it comes on
// duty, from the rosters and dated exceptions.
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "fixtures.hpp"

namespace caseroute::testing {
namespace {

using routing::mode;
using routing::risk;

constexpr int mon = 0, tue = 1, wed = 2;

time_point shanghai(int y, unsigned m, unsigned d, int hh, int mm) { return utc(y, m, d, hh, mm) - 8h; }

TEST(wait_reason, names_what_excludes_everyone_on_duty) {
  {
    world w;
    EXPECT_EQ(routing::wait_reason(a_case("k"), w.snap, t0), "no counselor on duty");
  }
  {
    world w;
    w.on_duty(counselor("c1", {{"depression", 2}}));
    EXPECT_EQ(routing::wait_reason(a_case("k", risk::medium, {"grief"}), w.snap, t0),
              "no counselor on duty holds grief");
  }
  {
    world w;
    w.on_duty(counselor("c1", {{"depression", 2}}, true));
    w.on_duty(counselor("c2", {{"depression", 2}}));
    w.status("c1").load = 3;
    EXPECT_EQ(routing::wait_reason(a_case("k", risk::crisis), w.snap, t0),
              "every crisis-trained counselor on duty who holds depression is at capacity");
  }
}

TEST(wait_reason, says_so_when_someone_is_eligible) {
  world w;
  w.on_duty(counselor("c1", {{"depression", 2}}));
  EXPECT_EQ(routing::wait_reason(a_case("k"), w.snap, t0),
            "a counselor on duty is eligible; the next routing pass offers it");
}

TEST(wait_reason, matches_the_keep_queued_reason) {
  world w;
  w.on_duty(counselor("c1", {{"depression", 2}}));
  w.status("c1").available = false;
  const routing::queued_case k = a_case("k");
  EXPECT_EQ(routing::wait_reason(k, w.snap, t0), std::get<routing::keep_queued>(w.route(k)).reason);
}

// hubin-01 (411202): Monday am c1 (depression), Tuesday pm c2 (grief,
// crisis-trained). shanzhou-01 (411203): Wednesday am c3 (grief, visits
// 411205). On Tuesday 2026-06-02 c2 is replaced by c1.
struct rostered {
  config::config cfg;
  rostered() {
    cfg.counselors = {counselor("c1", {{"depression", 2}}), counselor("c2", {{"grief", 2}}, true),
                      counselor("c3", {{"grief", 1}}, false, 3, {"411205"})};
    config::site hubin;
    hubin.id = "hubin-01";
    hubin.county = "411202";
    hubin.roster[mon] = {{"am", {"c1"}}};
    hubin.roster[tue] = {{"pm", {"c2"}}};
    hubin.exceptions["2026-06-02"] = {{"pm", {"c1"}}};
    config::site shanzhou;
    shanzhou.id = "shanzhou-01";
    shanzhou.county = "411203";
    shanzhou.roster[wed] = {{"am", {"c3"}}};
    cfg.sites = {hubin, shanzhou};
  }
};

TEST(next_eligible_at, table) {
  const rostered city;
  const schedule::roster r(city.cfg);
  struct row {
    const char* name;
    routing::queued_case k;
    time_point now;
    std::optional<time_point> expected;
  };
  const auto grief = [](risk level = risk::medium) { return a_case("k", level, {"grief"}); };
  const auto visit = [&](std::string county) {
    routing::queued_case k = grief();
    k.contact_mode = mode::home_visit;
    k.county = std::move(county);
    return k;
  };
  routing::queued_case relaxed = a_case("k", risk::medium, {"sleep", "depression"});
  relaxed.escalation_level = 1;
  routing::queued_case dropped = a_case("k", risk::medium, {"sleep"});
  dropped.escalation_level = 2;
  const row rows[] = {
      {"on_duty_now_is_now", a_case("k"), t0, t0},
      {"next_monday_when_the_exception_takes_tuesday", grief(), t0, shanghai(2026, 6, 3, 8, 30)},
      {"exception_puts_c1_on_tuesday_pm", a_case("k"), shanghai(2026, 6, 1, 12, 0), shanghai(2026, 6, 2, 14, 30)},
      {"crisis_needs_crisis_trained", grief(risk::crisis), shanghai(2026, 6, 3, 9, 0), shanghai(2026, 6, 9, 14, 30)},
      {"visit_in_a_county_by_home_visits", visit("411205"), t0, shanghai(2026, 6, 3, 8, 30)},
      {"visit_where_nobody_goes_is_none", visit("411299"), t0, std::nullopt},
      {"level_1_any_concern", relaxed, shanghai(2026, 6, 1, 12, 0), shanghai(2026, 6, 2, 14, 30)},
      {"level_2_any_specialty", dropped, shanghai(2026, 6, 1, 12, 0), shanghai(2026, 6, 2, 14, 30)},
      {"unknown_concern_is_none", a_case("k", risk::medium, {"sleep"}), t0, std::nullopt},
      {"beyond_seven_days_is_none", grief(risk::crisis), t0, std::nullopt},
  };
  for (const row& x : rows) EXPECT_EQ(routing::next_eligible_at(x.k, city.cfg, r, x.now), x.expected) << x.name;
}

}  // namespace
}  // namespace caseroute::testing
