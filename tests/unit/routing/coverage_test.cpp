// Coverage gaps: per day and shift, which specialties, visit counties and
// crisis-trained cover are rostered, and the gaps, weekly and over dated days
// with exceptions.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "config/messages.hpp"
#include "fixtures.hpp"
#include "schedule/coverage.hpp"

namespace caseroute::testing {
namespace {

constexpr int mon = 0;

// Specialties depression, grief, sleep; counties 411202 (hubin's) and
// 411203. Monday am c1 (depression, crisis-trained, visits 411203), Monday
// pm c2 (grief); no one else. On Tuesday 2026-06-02 am, c2 is rostered.
config::config city() {
  config::config cfg;
  cfg.specialties = {{"depression", "d"}, {"grief", "g"}, {"sleep", "s"}};
  cfg.counties = {{"411202", "湖滨"}, {"411203", ""}};
  cfg.counselors = {counselor("c1", {{"depression", 2}}, true, 3, {"411203"}), counselor("c2", {{"grief", 1}})};
  config::site hubin;
  hubin.id = "hubin-01";
  hubin.county = "411202";
  hubin.roster[mon] = {{"am", {"c1"}}, {"pm", {"c2", "ghost"}}};
  hubin.exceptions["2026-06-02"] = {{"am", {"c2"}}};
  cfg.sites = {hubin};
  return cfg;
}

using lines = std::vector<std::string>;

TEST(coverage, weekly_shifts_say_what_is_covered) {
  const config::config cfg = city();
  const auto report = schedule::weekly_coverage(cfg);
  ASSERT_EQ(report.shifts.size(), 14u);
  const auto& am = report.shifts[0];
  EXPECT_EQ(am.day, "mon");
  EXPECT_EQ(am.shift, "am");
  EXPECT_EQ(am.specialties, (std::set<std::string>{"depression"}));
  EXPECT_EQ(am.visit_counties, (std::set<std::string>{"411202", "411203"}));
  EXPECT_TRUE(am.crisis);
  const auto& pm = report.shifts[1];
  EXPECT_EQ(pm.shift, "pm");
  EXPECT_EQ(pm.counselors, (std::set<std::string>{"c2"}));  // ghost is not a counselor
  EXPECT_EQ(pm.specialties, (std::set<std::string>{"grief"}));
  EXPECT_EQ(pm.visit_counties, (std::set<std::string>{"411202"}));
  EXPECT_FALSE(pm.crisis);
  EXPECT_TRUE(report.shifts[13].counselors.empty());
  EXPECT_EQ(report.shifts[13].day, "sun");
}

TEST(coverage, gaps_list_every_uncovered_day_shift_and_code) {
  const config::config cfg = city();
  const auto report = schedule::weekly_coverage(cfg);
  int crisis = 0, grief = 0, county_411203 = 0;
  for (const auto& g : report.gaps) {
    crisis += g.kind == schedule::gap_kind::crisis;
    grief += g.kind == schedule::gap_kind::specialty && g.code == "grief";
    county_411203 += g.kind == schedule::gap_kind::county && g.code == "411203";
  }
  EXPECT_EQ(crisis, 13);
  EXPECT_EQ(grief, 13);
  EXPECT_EQ(county_411203, 13);
  EXPECT_EQ(report.gaps.size(), 13u /*crisis*/ + 13 + 13 + 14 /*specialties*/ + 12 + 13 /*counties*/);
}

TEST(coverage, gaps_collapse_into_readable_lines) {
  const config::config cfg = city();
  EXPECT_EQ(schedule::describe_gaps(cfg, schedule::weekly_coverage(cfg)),
            (lines{"no crisis-trained counselor rostered: mon pm, tue, wed, thu, fri, sat, sun",
                   "nobody rostered holds depression: mon pm, tue, wed, thu, fri, sat, sun",
                   "nobody rostered holds grief: mon am, tue, wed, thu, fri, sat, sun",
                   "nobody rostered holds sleep: every shift",
                   "nobody rostered can visit county 411202 (湖滨): tue, wed, thu, fri, sat, sun",
                   "nobody rostered can visit county 411203: mon pm, tue, wed, thu, fri, sat, sun"}));
}

// --check-config prints these lines in Chinese when asked (config/messages.hpp):
// every kind of gap line has its rendering, names and codes kept.
TEST(coverage, gap_lines_read_in_chinese) {
  const config::config cfg = city();
  lines zh;
  for (const auto& line : schedule::describe_gaps(cfg, schedule::weekly_coverage(cfg))) {
    EXPECT_FALSE(config::message_code(line).empty()) << line;
    zh.push_back(config::translate(line, config::language::zh));
  }
  EXPECT_EQ(
      zh, (lines{"排班中没有受过危机干预培训的咨询员：mon pm, tue, wed, thu, fri, sat, sun",
                 "排班中无人具备专长 depression：mon pm, tue, wed, thu, fri, sat, sun",
                 "排班中无人具备专长 grief：mon am, tue, wed, thu, fri, sat, sun", "排班中无人具备专长 sleep：所有班次",
                 "排班中无人能上门走访区县 411202（湖滨）：tue, wed, thu, fri, sat, sun",
                 "排班中无人能上门走访区县 411203：mon pm, tue, wed, thu, fri, sat, sun"}));
}

TEST(coverage, counties_default_to_the_sites) {
  config::config cfg = city();
  cfg.counties.clear();
  const auto report = schedule::weekly_coverage(cfg);
  for (const auto& g : report.gaps) EXPECT_NE(g.code, "411203");
}

TEST(coverage, dated_days_apply_exceptions) {
  const config::config cfg = city();
  const schedule::roster r(cfg);
  const auto report = schedule::dated_coverage(cfg, r, t0, 2);  // Monday 2026-06-01 09:00 local
  ASSERT_EQ(report.shifts.size(), 4u);
  EXPECT_EQ(report.shifts[0].day, "2026-06-01");
  EXPECT_EQ(report.shifts[0].shift, "am");  // today's shifts count, even one under way
  EXPECT_EQ(report.shifts[2].day, "2026-06-02");
  EXPECT_EQ(report.shifts[2].weekday, 1);
  EXPECT_EQ(report.shifts[2].specialties, (std::set<std::string>{"grief"}));
  EXPECT_TRUE(report.shifts[3].counselors.empty());
  EXPECT_EQ(schedule::describe_gaps(cfg, report).front(),
            "no crisis-trained counselor rostered: 2026-06-01 pm, 2026-06-02");
}

TEST(coverage, a_fully_covered_week_has_no_gaps) {
  config::config cfg;
  cfg.specialties = {{"depression", "d"}};
  cfg.counselors = {counselor("c1", {{"depression", 1}}, true)};
  config::site s;
  s.id = "s";
  s.county = "411202";
  for (auto& day : s.roster) day = {{"am", {"c1"}}, {"pm", {"c1"}}};
  cfg.sites = {s};
  EXPECT_TRUE(schedule::weekly_coverage(cfg).gaps.empty());
  EXPECT_TRUE(schedule::describe_gaps(cfg, schedule::weekly_coverage(cfg)).empty());
}

}  // namespace
}  // namespace caseroute::testing
