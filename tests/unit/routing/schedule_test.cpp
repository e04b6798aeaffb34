// Who is on duty at an instant: shift windows, weekdays, the time zone,
// dated exceptions, two sites, and the next shift start.
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fixtures.hpp"

namespace caseroute::testing {
namespace {

constexpr int mon = 0, tue = 1, sat = 5;

// Asia/Shanghai, am 08:30-12:00, pm 14:30-18:00. hubin-01 (411202): Monday
// am c1, Monday pm c2, Tuesday am c3. shanzhou-01 (411203): Monday am c1, c4.
config::config city() {
  config::config cfg;
  cfg.timezone = "Asia/Shanghai";
  config::site hubin;
  hubin.id = "hubin-01";
  hubin.county = "411202";
  hubin.roster[mon] = {{"am", {"c1"}}, {"pm", {"c2"}}};
  hubin.roster[tue] = {{"am", {"c3"}}};
  config::site shanzhou;
  shanzhou.id = "shanzhou-01";
  shanzhou.county = "411203";
  shanzhou.roster[mon] = {{"am", {"c1", "c4"}}};
  cfg.sites = {hubin, shanzhou};
  return cfg;
}

// Shanghai is UTC+8 all year.
time_point shanghai(int y, unsigned m, unsigned d, int hh, int mm) { return utc(y, m, d, hh, mm) - 8h; }

// "c1@hubin-01" per slot, in the order on_duty returns them.
std::vector<std::string> who(const schedule::roster& r, time_point now) {
  std::vector<std::string> out;
  for (const auto& d : r.on_duty(now)) out.push_back(d.counselor_id + "@" + d.site_id);
  return out;
}

using names = std::vector<std::string>;

struct window_row {
  const char* name;
  int hh, mm;
  names expected;
};

TEST(roster_on_duty, shift_window_edges_on_a_monday) {
  const config::config cfg = city();
  const schedule::roster r(cfg);
  const names am = {"c1@hubin-01", "c1@shanzhou-01", "c4@shanzhou-01"};
  const window_row rows[] = {
      {"before_am", 8, 29, {}},
      {"am_start_is_on", 8, 30, am},
      {"am_last_minute", 11, 59, am},
      {"am_end_is_off", 12, 0, {}},
      {"before_pm", 14, 29, {}},
      {"pm_start", 14, 30, {"c2@hubin-01"}},
      {"pm_last_minute", 17, 59, {"c2@hubin-01"}},
      {"pm_end_is_off", 18, 0, {}},
      {"midnight", 0, 0, {}},
  };
  for (const window_row& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(who(r, shanghai(2026, 6, 1, row.hh, row.mm)), row.expected);
  }
}

TEST(roster_on_duty, slot_carries_site_county_shift_and_utc_window) {
  const config::config cfg = city();
  const schedule::roster r(cfg);
  const auto slots = r.on_duty(shanghai(2026, 6, 1, 9, 0));
  ASSERT_EQ(slots.size(), 3u);
  EXPECT_EQ(slots[1].counselor_id, "c1");
  EXPECT_EQ(slots[1].site_id, "shanzhou-01");
  EXPECT_EQ(slots[1].county, "411203");
  EXPECT_EQ(slots[1].shift, "am");
  EXPECT_EQ(slots[1].shift_start, utc(2026, 6, 1, 0, 30));
  EXPECT_EQ(slots[1].shift_end, utc(2026, 6, 1, 4, 0));
}

TEST(roster_on_duty, converts_utc_to_local_time) {
  const config::config cfg = city();
  const schedule::roster r(cfg);
  // Monday 01:00 UTC is Monday 09:00 in Shanghai: the am shift.
  EXPECT_EQ(who(r, utc(2026, 6, 1, 1, 0)), (names{"c1@hubin-01", "c1@shanzhou-01", "c4@shanzhou-01"}));
  EXPECT_EQ(r.local_date(utc(2026, 6, 1, 1, 0)), "2026-06-01");
  EXPECT_EQ(r.local_weekday(utc(2026, 6, 1, 1, 0)), mon);
  // Monday 09:00 UTC is Monday 17:00 in Shanghai: the pm shift.
  EXPECT_EQ(who(r, utc(2026, 6, 1, 9, 0)), (names{"c2@hubin-01"}));
  // Sunday 16:00 UTC is already Monday 00:00 in Shanghai.
  EXPECT_EQ(r.local_date(utc(2026, 5, 31, 16, 0)), "2026-06-01");
  EXPECT_EQ(r.local_weekday(utc(2026, 5, 31, 16, 0)), mon);
  EXPECT_EQ(r.local_weekday(utc(2026, 5, 31, 15, 59)), 6);
}

TEST(roster_on_duty, weekday_selects_the_roster) {
  const config::config cfg = city();
  const schedule::roster r(cfg);
  EXPECT_EQ(who(r, shanghai(2026, 6, 2, 9, 0)), (names{"c3@hubin-01"}));  // Tuesday
  EXPECT_EQ(who(r, shanghai(2026, 6, 3, 9, 0)), names{});                 // Wednesday
  EXPECT_EQ(who(r, shanghai(2026, 6, 7, 9, 0)), names{});                 // Sunday
  EXPECT_EQ(who(r, shanghai(2026, 6, 8, 9, 0)).size(), 3u);               // next Monday
  for (int d = 0; d < 7; ++d) {
    EXPECT_EQ(r.local_weekday(shanghai(2026, 6, 1 + d, 12, 0)), d);
  }
}

TEST(roster_on_duty, holiday_exception_empties_a_shift_and_keeps_the_others) {
  config::config cfg = city();
  cfg.sites[0].exceptions["2026-06-01"] = {{"am", {}}};
  cfg.sites[1].exceptions["2026-06-01"] = {{"am", {}}};
  const schedule::roster r(cfg);
  EXPECT_EQ(who(r, shanghai(2026, 6, 1, 9, 0)), names{});
  EXPECT_EQ(who(r, shanghai(2026, 6, 1, 15, 0)), (names{"c2@hubin-01"}));  // pm not listed: weekly roster
  EXPECT_EQ(who(r, shanghai(2026, 6, 8, 9, 0)).size(), 3u);                // only that date
}

TEST(roster_on_duty, swap_exception_replaces_people_at_one_site) {
  config::config cfg = city();
  cfg.sites[0].exceptions["2026-06-01"] = {{"am", {"c5"}}};
  const schedule::roster r(cfg);
  EXPECT_EQ(who(r, shanghai(2026, 6, 1, 9, 0)), (names{"c1@shanzhou-01", "c4@shanzhou-01", "c5@hubin-01"}));
}

TEST(roster_on_duty, exception_can_staff_an_unrostered_day) {
  config::config cfg = city();
  cfg.sites[0].exceptions["2026-06-06"] = {{"am", {"c2"}}};  // a make-up working Saturday
  const schedule::roster r(cfg);
  EXPECT_EQ(who(r, shanghai(2026, 6, 6, 9, 0)), (names{"c2@hubin-01"}));
}

TEST(roster_on_duty, counselor_at_two_sites_appears_twice_in_id_then_site_order) {
  config::config cfg = city();
  cfg.sites[0].roster[mon]["am"] = {"c4", "c1"};
  const schedule::roster r(cfg);
  EXPECT_EQ(who(r, shanghai(2026, 6, 1, 9, 0)),
            (names{"c1@hubin-01", "c1@shanzhou-01", "c4@hubin-01", "c4@shanzhou-01"}));
}

TEST(roster_on_duty, all_day_shift_ends_at_next_midnight) {
  config::config cfg = city();
  cfg.shifts = {{"all", 0, 24 * 60}};
  cfg.sites[0].roster[sat] = {{"all", {"c1"}}};
  const schedule::roster r(cfg);
  const auto slots = r.on_duty(shanghai(2026, 6, 6, 23, 59));
  ASSERT_EQ(slots.size(), 1u);
  EXPECT_EQ(slots[0].shift_start, shanghai(2026, 6, 6, 0, 0));
  EXPECT_EQ(slots[0].shift_end, shanghai(2026, 6, 7, 0, 0));
  EXPECT_EQ(who(r, shanghai(2026, 6, 7, 0, 0)), names{});
}

TEST(roster_on_duty, daylight_saving_zone_uses_the_days_offset) {
  config::config cfg = city();
  cfg.timezone = "America/New_York";
  cfg.shifts = {{"am", 8 * 60 + 30, 12 * 60}, {"night", 60 + 30, 3 * 60}};
  cfg.sites[0].roster[mon] = {{"am", {"c1"}}};
  cfg.sites[0].roster[6] = {{"night", {"c2"}}};
  cfg.sites[1].roster = {};
  const schedule::roster r(cfg);
  // Monday 2026-03-09 (EDT, UTC-4) vs Monday 2026-03-02 (EST, UTC-5).
  auto edt = r.on_duty(utc(2026, 3, 9, 13, 0));
  ASSERT_EQ(edt.size(), 1u);
  EXPECT_EQ(edt[0].shift_start, utc(2026, 3, 9, 12, 30));
  auto est = r.on_duty(utc(2026, 3, 2, 14, 0));
  ASSERT_EQ(est.size(), 1u);
  EXPECT_EQ(est[0].shift_start, utc(2026, 3, 2, 13, 30));
  // Sunday 2026-11-01: 01:30 happens twice; the window starts at the earlier
  // one (EDT) and ends at 03:00 EST.
  auto fall = r.on_duty(utc(2026, 11, 1, 6, 45));  // 01:45 EST, the second pass
  ASSERT_EQ(fall.size(), 1u);
  EXPECT_EQ(fall[0].shift_start, utc(2026, 11, 1, 5, 30));
  EXPECT_EQ(fall[0].shift_end, utc(2026, 11, 1, 8, 0));
}

TEST(roster_next_shift_start, later_today) {
  const config::config cfg = city();
  const schedule::roster r(cfg);
  EXPECT_EQ(r.next_shift_start(shanghai(2026, 6, 1, 7, 0)), shanghai(2026, 6, 1, 8, 30));
  EXPECT_EQ(r.next_shift_start(shanghai(2026, 6, 1, 10, 0)), shanghai(2026, 6, 1, 14, 30));
}

TEST(roster_next_shift_start, is_strictly_after_now) {
  const config::config cfg = city();
  const schedule::roster r(cfg);
  EXPECT_EQ(r.next_shift_start(shanghai(2026, 6, 1, 8, 30)), shanghai(2026, 6, 1, 14, 30));
}

TEST(roster_next_shift_start, skips_unstaffed_shifts_and_crosses_the_weekend) {
  const config::config cfg = city();
  const schedule::roster r(cfg);
  // Tuesday pm has nobody; next is Monday am after the weekend.
  EXPECT_EQ(r.next_shift_start(shanghai(2026, 6, 2, 10, 0)), shanghai(2026, 6, 8, 8, 30));
  EXPECT_EQ(r.next_shift_start(shanghai(2026, 6, 5, 19, 0)), shanghai(2026, 6, 8, 8, 30));
}

TEST(roster_next_shift_start, crosses_a_holiday_exception) {
  config::config cfg = city();
  cfg.sites[0].exceptions["2026-06-08"] = {{"am", {}}, {"pm", {}}};
  cfg.sites[1].exceptions["2026-06-08"] = {{"am", {}}};
  const schedule::roster r(cfg);
  EXPECT_EQ(r.next_shift_start(shanghai(2026, 6, 5, 19, 0)), shanghai(2026, 6, 9, 8, 30));
}

TEST(roster_next_shift_start, finds_an_exception_on_a_weekend) {
  config::config cfg = city();
  cfg.sites[1].exceptions["2026-06-06"] = {{"pm", {"c4"}}};
  const schedule::roster r(cfg);
  EXPECT_EQ(r.next_shift_start(shanghai(2026, 6, 5, 19, 0)), shanghai(2026, 6, 6, 14, 30));
}

TEST(roster_next_shift_start, empty_rosters_have_none) {
  config::config cfg = city();
  cfg.sites.clear();
  const schedule::roster r(cfg);
  EXPECT_EQ(r.next_shift_start(shanghai(2026, 6, 1, 7, 0)), std::nullopt);
}

TEST(roster, unknown_timezone_throws_invalid_argument) {
  config::config cfg = city();
  cfg.timezone = "Asia/Nowhere";
  EXPECT_THROW(schedule::roster{cfg}, std::invalid_argument);
}

}  // namespace
}  // namespace caseroute::testing
