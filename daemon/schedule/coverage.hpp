// Roster coverage: for each day and shift, which specialties, which visit
// counties and whether crisis-trained cover is rostered, and the gaps. Pure:
// computed from the config (and a roster for dated days); no clock, no I/O.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "schedule/schedule.hpp"

namespace caseroute::schedule {

// What one shift on one day has rostered.
struct shift_coverage {
  std::string day;  // "mon".."sun" (weekly) or "YYYY-MM-DD" (dated)
  int weekday = 0;  // 0 = Monday ... 6 = Sunday
  std::string shift;
  std::set<std::string> counselors;      // rostered ids known to the config
  std::set<std::string> specialties;     // held (proficiency > 0) by someone rostered
  std::set<std::string> visit_counties;  // someone rostered at a site there or visiting homes there
  bool crisis = false;                   // someone rostered is crisis-trained
};

enum class gap_kind { specialty, county, crisis };

struct coverage_gap {
  std::string day;
  std::string shift;
  gap_kind kind = gap_kind::specialty;
  std::string code;  // the specialty or county code; empty for crisis
};

struct coverage_report {
  std::vector<shift_coverage> shifts;  // day order, then shift start order
  // Every (day, shift, specialty) and (day, shift, county) nobody rostered
  // covers, and every (day, shift) without crisis-trained cover. Specialties
  // and counties are the config's lists (counties: of the sites when none).
  std::vector<coverage_gap> gaps;
};

const char* weekday_name(int weekday);  // "mon" ... "sun"

// The weekly rosters, Monday to Sunday, without dated exceptions.
coverage_report weekly_coverage(const config::config& cfg);

// Each local date from `now`'s over `days` days, dated exceptions applied.
coverage_report dated_coverage(const config::config& cfg, const roster& r, time_point now, int days);

// The gaps as readable lines, one per (kind, code), naming the days and
// shifts ("nobody rostered holds grief: sat, sun am"); a whole day is named
// once, a gap on every shift says "every shift".
std::vector<std::string> describe_gaps(const config::config& cfg, const coverage_report& report);

}  // namespace caseroute::schedule
