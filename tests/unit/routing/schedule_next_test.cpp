// Dated exceptions at the exact minute, each counselor's next duty, the next
// shift change and shift windows. Asia/Shanghai, UTC+8.
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fixtures.hpp"

namespace caseroute::testing {
namespace {

constexpr int mon = 0, tue = 1;

time_point shanghai(int y, unsigned m, unsigned d, int hh, int mm) { return utc(y, m, d, hh, mm) - 8h; }

// hubin-01: Monday am c1, pm c2; Tuesday am c3. On Monday 2026-06-01 c1 is
// off sick (c9 covers am) and pm is closed; Sunday 2026-06-07 opens a pm
// shift for c4.
config::config city() {
  config::config cfg;
  config::site hubin;
  hubin.id = "hubin-01";
  hubin.county = "411202";
  hubin.roster[mon] = {{"am", {"c1"}}, {"pm", {"c2"}}};
  hubin.roster[tue] = {{"am", {"c3"}}};
  hubin.exceptions["2026-06-01"] = {{"am", {"c9"}}, {"pm", {}}};
  hubin.exceptions["2026-06-07"] = {{"pm", {"c4"}}};
  cfg.sites = {hubin};
  return cfg;
}

std::vector<std::string> who(const schedule::roster& r, time_point now) {
  std::vector<std::string> out;
  for (const auto& d : r.on_duty(now)) out.push_back(d.counselor_id);
  return out;
}

using names = std::vector<std::string>;

TEST(dated_exceptions, take_effect_at_the_exact_minute) {
  const config::config cfg = city();
  const schedule::roster r(cfg);
  struct row {
    const char* name;
    time_point at;
    names expected;
  };
  const row rows[] = {
      {"exception_day_before_am", shanghai(2026, 6, 1, 8, 29), {}},
      {"exception_day_am_start_replacement", shanghai(2026, 6, 1, 8, 30), {"c9"}},
      {"exception_day_am_last_minute", shanghai(2026, 6, 1, 11, 59), {"c9"}},
      {"exception_day_am_end", shanghai(2026, 6, 1, 12, 0), {}},
      {"exception_day_pm_closed", shanghai(2026, 6, 1, 14, 30), {}},
      {"weekly_roster_next_monday", shanghai(2026, 6, 8, 8, 30), {"c1"}},
      {"weekly_pm_next_monday", shanghai(2026, 6, 8, 14, 30), {"c2"}},
      {"added_sunday_shift_not_yet", shanghai(2026, 6, 7, 14, 29), {}},
      {"added_sunday_shift_starts", shanghai(2026, 6, 7, 14, 30), {"c4"}},
      {"added_sunday_shift_last_minute", shanghai(2026, 6, 7, 17, 59), {"c4"}},
      {"added_sunday_shift_ends", shanghai(2026, 6, 7, 18, 0), {}},
      {"exception_day_before_midnight_is_not_next_day", shanghai(2026, 6, 1, 23, 59), {}},
  };
  for (const row& x : rows) EXPECT_EQ(who(r, x.at), x.expected) << x.name;
}

TEST(next_duty, skips_the_shift_an_exception_takes_away) {
  const config::config cfg = city();
  const schedule::roster r(cfg);
  const auto c1 = r.next_duty("c1", shanghai(2026, 6, 1, 7, 0));
  ASSERT_EQ(c1.size(), 1u);
  EXPECT_EQ(c1[0].shift_start, shanghai(2026, 6, 8, 8, 30));
  EXPECT_EQ(c1[0].site_id, "hubin-01");
  EXPECT_EQ(r.next_shift_start("c2", shanghai(2026, 6, 1, 7, 0)), shanghai(2026, 6, 8, 14, 30));
  EXPECT_EQ(r.next_shift_start("c9", shanghai(2026, 6, 1, 7, 0)), shanghai(2026, 6, 1, 8, 30));
  EXPECT_EQ(r.next_shift_start("c4", shanghai(2026, 6, 1, 7, 0)), shanghai(2026, 6, 7, 14, 30));
}

TEST(next_duty, is_strictly_after_now) {
  const config::config cfg = city();
  const schedule::roster r(cfg);
  EXPECT_EQ(r.next_shift_start("c9", shanghai(2026, 6, 1, 8, 30)), std::nullopt);  // only that one day
  EXPECT_EQ(r.next_shift_start("c3", shanghai(2026, 6, 2, 8, 30)), shanghai(2026, 6, 9, 8, 30));
  EXPECT_EQ(r.next_shift_start("ghost", shanghai(2026, 6, 1, 7, 0)), std::nullopt);
}

TEST(next_duty, lists_every_site_of_that_shift) {
  config::config cfg = city();
  config::site other;
  other.id = "shanzhou-01";
  other.county = "411203";
  other.roster[tue] = {{"am", {"c3"}}};
  cfg.sites.push_back(other);
  const schedule::roster r(cfg);
  const auto c3 = r.next_duty("c3", shanghai(2026, 6, 1, 7, 0));
  ASSERT_EQ(c3.size(), 2u);
  EXPECT_EQ(c3[0].site_id, "hubin-01");
  EXPECT_EQ(c3[1].site_id, "shanzhou-01");
}

// The one-sweep form a routing pass uses answers what next_duty answers, for
// every counselor, at instants around shift starts, exceptions and a shift
// with the same start at two sites.
TEST(next_duties, equal_next_duty_for_everyone) {
  config::config cfg = city();
  cfg.shifts.push_back({"early", 8 * 60 + 30, 10 * 60});  // starts with am
  config::site other;
  other.id = "shanzhou-01";
  other.county = "411203";
  other.roster[tue] = {{"am", {"c3", "c1"}}, {"early", {"c2"}}};
  other.roster[mon] = {{"pm", {"c1"}}};
  cfg.sites.push_back(other);
  const schedule::roster r(cfg);
  for (const time_point now : {shanghai(2026, 6, 1, 7, 0), shanghai(2026, 6, 1, 8, 30), shanghai(2026, 6, 1, 12, 0),
                               shanghai(2026, 6, 2, 8, 29), shanghai(2026, 6, 6, 23, 0)}) {
    const auto all = r.next_duties(now);
    for (const char* id : {"c1", "c2", "c3", "c4", "c9", "nobody"}) {
      const auto one = r.next_duty(id, now);
      const auto it = all.find(id);
      ASSERT_EQ(it == all.end() ? 0u : it->second.size(), one.size()) << id;
      for (std::size_t i = 0; i < one.size(); ++i) {
        EXPECT_EQ(it->second[i].site_id, one[i].site_id) << id;
        EXPECT_EQ(it->second[i].shift, one[i].shift) << id;
        EXPECT_EQ(it->second[i].shift_start, one[i].shift_start) << id;
      }
    }
  }
}

TEST(next_change, starts_and_ends_of_staffed_shifts) {
  const config::config cfg = city();
  const schedule::roster r(cfg);
  EXPECT_EQ(r.next_change(shanghai(2026, 6, 1, 8, 0)), shanghai(2026, 6, 1, 8, 30));
  EXPECT_EQ(r.next_change(shanghai(2026, 6, 1, 8, 30)), shanghai(2026, 6, 1, 12, 0));  // end of c9's am
  EXPECT_EQ(r.next_change(shanghai(2026, 6, 1, 11, 59)), shanghai(2026, 6, 1, 12, 0));
  // Monday pm is closed by the exception: Tuesday am is next.
  EXPECT_EQ(r.next_change(shanghai(2026, 6, 1, 12, 0)), shanghai(2026, 6, 2, 8, 30));
  EXPECT_EQ(r.next_change(shanghai(2026, 6, 2, 9, 0)), shanghai(2026, 6, 2, 12, 0));
  EXPECT_EQ(r.next_change(shanghai(2026, 6, 6, 9, 0)), shanghai(2026, 6, 7, 14, 30));
}

TEST(next_change, empty_rosters_have_none) {
  config::config cfg;
  const schedule::roster r(cfg);
  EXPECT_EQ(r.next_change(t0), std::nullopt);
}

TEST(visit_windows, in_start_order_with_exceptions_applied) {
  const config::config cfg = city();
  const schedule::roster r(cfg);
  std::vector<std::string> seen;
  r.visit_windows(shanghai(2026, 6, 1, 10, 0), shanghai(2026, 6, 2, 13, 0), [&](const schedule::shift_window& w) {
    std::string ids;
    for (const auto& d : w.slots) ids += d.counselor_id;
    seen.push_back(w.date + " " + w.shift + " " + ids);
    return true;
  });
  EXPECT_EQ(seen, (names{"2026-06-01 am c9", "2026-06-01 pm ", "2026-06-02 am c3"}));
}

TEST(visit_windows, stops_when_asked) {
  const config::config cfg = city();
  const schedule::roster r(cfg);
  int visits = 0;
  r.visit_windows(shanghai(2026, 6, 1, 0, 0), shanghai(2026, 6, 8, 0, 0), [&](const schedule::shift_window&) {
    ++visits;
    return false;
  });
  EXPECT_EQ(visits, 1);
}

}  // namespace
}  // namespace caseroute::testing
