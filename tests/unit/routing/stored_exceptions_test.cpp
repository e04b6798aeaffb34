// Exceptions supervisors stored (schedule::stored_exceptions): they mean what
// a dated exception of the config means and win over it shift by shift; the
// effective roster of a site says where each shift's list comes from; and
// --check-config's list of where the file and the stored ones disagree.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fixtures.hpp"

namespace caseroute::testing {
namespace {

constexpr int mon = 0;

// Asia/Shanghai, am 08:30-12:00, pm 14:30-18:00; hubin-01: Monday am c1, pm c2;
// a config exception on Monday 2026-06-01: pm c3. 2026-06-01 is a Monday.
config::config city() {
  config::config cfg;
  cfg.timezone = "Asia/Shanghai";
  for (const char* id : {"c1", "c2", "c3", "c4"}) cfg.counselors.push_back(counselor(id, {}));
  config::site hubin;
  hubin.id = "hubin-01";
  hubin.county = "411202";
  hubin.roster[mon] = {{"am", {"c1"}}, {"pm", {"c2"}}};
  hubin.exceptions["2026-06-01"] = {{"pm", {"c3"}}};
  cfg.sites = {hubin};
  return cfg;
}

time_point shanghai(int y, unsigned m, unsigned d, int hh, int mm) { return utc(y, m, d, hh, mm) - 8h; }

std::vector<std::string> who(const schedule::roster& r, time_point now) {
  std::vector<std::string> out;
  for (const auto& d : r.on_duty(now)) out.push_back(d.counselor_id);
  return out;
}

using names = std::vector<std::string>;

TEST(stored_exceptions, replace_the_weekly_roster_and_the_config_exception_shift_by_shift) {
  const auto cfg = city();
  const schedule::roster file_only(cfg);
  EXPECT_EQ(who(file_only, shanghai(2026, 6, 1, 9, 0)), names{"c1"});
  EXPECT_EQ(who(file_only, shanghai(2026, 6, 1, 15, 0)), names{"c3"});

  const schedule::roster stored(cfg, {{"hubin-01", {{"2026-06-01", {{"am", {"c4"}}}}}}});
  EXPECT_EQ(who(stored, shanghai(2026, 6, 1, 9, 0)), names{"c4"});   // weekly am replaced
  EXPECT_EQ(who(stored, shanghai(2026, 6, 1, 15, 0)), names{"c3"});  // the config's pm kept
  EXPECT_EQ(who(stored, shanghai(2026, 6, 8, 9, 0)), names{"c1"});   // another Monday: weekly

  const schedule::roster over_config(cfg, {{"hubin-01", {{"2026-06-01", {{"pm", {}}}}}}});
  EXPECT_EQ(who(over_config, shanghai(2026, 6, 1, 15, 0)), names{});  // closes the config's pm
  EXPECT_EQ(over_config.stored().at("hubin-01").at("2026-06-01").at("pm"), names{});
}

TEST(stored_exceptions, move_the_next_shift_change) {
  const auto cfg = city();
  // A stored exception closing Monday pm: only Mondays are rostered, so the
  // next staffed start after Monday am is the next Monday.
  const schedule::roster closed(cfg, {{"hubin-01", {{"2026-06-01", {{"pm", {}}}}}}});
  EXPECT_EQ(closed.next_shift_start(shanghai(2026, 6, 1, 12, 30)), shanghai(2026, 6, 8, 8, 30));
  const schedule::roster file_only(cfg);
  EXPECT_EQ(file_only.next_shift_start(shanghai(2026, 6, 1, 12, 30)), shanghai(2026, 6, 1, 14, 30));
}

TEST(site_roster, says_where_each_shift_comes_from) {
  const auto cfg = city();
  const schedule::roster r(cfg, {{"hubin-01", {{"2026-06-08", {{"pm", {"c4", "c1"}}}}}}});
  const auto entries = r.site_roster("hubin-01", "2026-06-01", "2026-06-08");
  ASSERT_EQ(entries.size(), 16u);  // 8 days x 2 shifts, date then start order
  EXPECT_EQ(entries[0].date, "2026-06-01");
  EXPECT_EQ(entries[0].shift, "am");
  EXPECT_EQ(entries[0].source, schedule::duty_source::weekly);
  EXPECT_EQ(entries[0].counselor_ids, names{"c1"});
  EXPECT_EQ(entries[1].shift, "pm");
  EXPECT_EQ(entries[1].source, schedule::duty_source::config_exception);
  EXPECT_EQ(entries[1].counselor_ids, names{"c3"});
  EXPECT_EQ(entries[2].date, "2026-06-02");
  EXPECT_EQ(entries[2].weekday, 1);
  EXPECT_EQ(entries[2].counselor_ids, names{});  // nobody rostered: weekly, empty
  EXPECT_EQ(entries[15].date, "2026-06-08");
  EXPECT_EQ(entries[15].source, schedule::duty_source::stored_exception);
  EXPECT_EQ(entries[15].counselor_ids, (names{"c4", "c1"}));  // as listed
  EXPECT_STREQ(schedule::to_string(entries[15].source), "stored_exception");

  EXPECT_TRUE(r.site_roster("nowhere", "2026-06-01", "2026-06-01").empty());
  EXPECT_TRUE(r.site_roster("hubin-01", "2026-02-30", "2026-06-01").empty());
  EXPECT_EQ(schedule::days_between("2026-06-01", "2026-06-08"), 7);
  EXPECT_EQ(schedule::days_between("2026-06-08", "2026-06-01"), -7);
  EXPECT_EQ(schedule::days_between("2026-13-01", "2026-06-01"), std::nullopt);
}

TEST(stored_disagreements, name_unknown_ids_and_a_config_exception_overridden_from_today_on) {
  auto cfg = city();
  const schedule::stored_exceptions stored = {
      {"hubin-01",
       {{"2026-05-31", {{"am", {"gone"}}}},  // past: skipped
        {"2026-06-01", {{"pm", {"c4"}}, {"night", {"c1"}}}},
        {"2026-06-02", {{"am", {"c9"}}}}}},
      {"closed-site", {{"2026-06-03", {{"am", {"c1"}}}}}},
  };
  const auto lines = schedule::stored_disagreements(cfg, stored, "2026-06-01");
  EXPECT_EQ(lines, (names{
                       "stored exception closed-site 2026-06-03: site closed-site is not in the config",
                       "stored exception hubin-01 2026-06-01: shift night is not in the config",
                       "stored exception hubin-01 2026-06-01 pm: the file lists c3, the stored exception "
                       "(which applies) c4",
                       "stored exception hubin-01 2026-06-02 am: counselor c9 is not in the config",
                   }));
  // The same lists (in another order) agree.
  EXPECT_TRUE(
      schedule::stored_disagreements(cfg, {{"hubin-01", {{"2026-06-01", {{"pm", {"c3"}}}}}}}, "2026-06-01").empty());
}

}  // namespace
}  // namespace caseroute::testing
