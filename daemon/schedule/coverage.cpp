// Coverage of the rosters by specialty, visit county and crisis training,
// weekly or over dated days. Pure: reads the config and the roster only.
#include "schedule/coverage.hpp"

#include <algorithm>
#include <map>
#include <utility>

namespace caseroute::schedule {

namespace {

// Everyone rostered in one (day, shift), as (counselor id, site county).
using rostered_pairs = std::vector<std::pair<std::string, std::string>>;

shift_coverage assess(const config::config& cfg, std::string day, int weekday, std::string shift,
                      const rostered_pairs& rostered) {
  shift_coverage cover;
  cover.day = std::move(day);
  cover.weekday = weekday;
  cover.shift = std::move(shift);
  for (const auto& [id, county] : rostered) {
    const config::counselor* who = cfg.find_counselor(id);
    if (who == nullptr) continue;
    cover.counselors.insert(id);
    for (const auto& [code, proficiency] : who->specialties) {
      if (proficiency > 0) cover.specialties.insert(code);
    }
    cover.visit_counties.insert(county);
    cover.visit_counties.insert(who->home_visit_counties.begin(), who->home_visit_counties.end());
    cover.crisis = cover.crisis || who->crisis_trained;
  }
  return cover;
}

std::vector<std::string> county_codes(const config::config& cfg) {
  std::vector<std::string> codes;
  for (const config::county& c : cfg.counties) codes.push_back(c.code);
  if (codes.empty()) {
    for (const config::site& s : cfg.sites) {
      if (std::find(codes.begin(), codes.end(), s.county) == codes.end()) codes.push_back(s.county);
    }
  }
  return codes;
}

void add_gaps(const config::config& cfg, coverage_report& report) {
  const std::vector<std::string> counties = county_codes(cfg);
  for (const shift_coverage& cover : report.shifts) {
    if (!cover.crisis) report.gaps.push_back({cover.day, cover.shift, gap_kind::crisis, ""});
    for (const config::specialty& s : cfg.specialties) {
      if (cover.specialties.count(s.code) == 0)
        report.gaps.push_back({cover.day, cover.shift, gap_kind::specialty, s.code});
    }
    for (const std::string& code : counties) {
      if (cover.visit_counties.count(code) == 0)
        report.gaps.push_back({cover.day, cover.shift, gap_kind::county, code});
    }
  }
}

std::vector<const config::shift*> shifts_in_order(const config::config& cfg) {
  std::vector<const config::shift*> shifts;
  for (const config::shift& s : cfg.shifts) shifts.push_back(&s);
  std::stable_sort(shifts.begin(), shifts.end(),
                   [](const auto* a, const auto* b) { return a->start_minute < b->start_minute; });
  return shifts;
}

// "sat, sun am": whole days by name, else "day shift".
std::string when(const std::vector<const coverage_gap*>& gaps, const coverage_report& report) {
  if (gaps.size() == report.shifts.size()) return "every shift";
  std::map<std::string, std::size_t> shifts_per_day;
  for (const shift_coverage& cover : report.shifts) ++shifts_per_day[cover.day];
  std::map<std::string, std::size_t> gaps_per_day;
  for (const coverage_gap* g : gaps) ++gaps_per_day[g->day];
  std::string text;
  std::string last_day;
  for (const coverage_gap* g : gaps) {
    const bool whole_day = gaps_per_day[g->day] == shifts_per_day[g->day];
    if (whole_day && g->day == last_day) continue;
    if (!text.empty()) text += ", ";
    text += whole_day ? g->day : g->day + " " + g->shift;
    last_day = g->day;
  }
  return text;
}

std::string county_label(const config::config& cfg, const std::string& code) {
  for (const config::county& c : cfg.counties) {
    if (c.code == code && !c.name.empty()) return "county " + code + " (" + c.name + ")";
  }
  return "county " + code;
}

}  // namespace

const char* weekday_name(int weekday) {
  static const char* const names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  return weekday >= 0 && weekday < 7 ? names[weekday] : "?";
}

coverage_report weekly_coverage(const config::config& cfg) {
  coverage_report report;
  const auto shifts = shifts_in_order(cfg);
  for (int weekday = 0; weekday < 7; ++weekday) {
    for (const config::shift* shift : shifts) {
      rostered_pairs rostered;
      for (const config::site& site : cfg.sites) {
        const config::duty& duty = site.roster[static_cast<std::size_t>(weekday)];
        if (auto listed = duty.find(shift->name); listed != duty.end()) {
          for (const std::string& id : listed->second) rostered.emplace_back(id, site.county);
        }
      }
      report.shifts.push_back(assess(cfg, weekday_name(weekday), weekday, shift->name, rostered));
    }
  }
  add_gaps(cfg, report);
  return report;
}

coverage_report dated_coverage(const config::config& cfg, const roster& r, time_point now, int days) {
  coverage_report report;
  if (days <= 0) return report;
  const std::string first = r.local_date(now);
  std::set<std::string> dates;
  r.visit_windows(now - std::chrono::hours{48}, now + std::chrono::hours{24} * (days + 1), [&](const shift_window& w) {
    if (w.date < first) return true;
    if (dates.insert(w.date).second && dates.size() > static_cast<std::size_t>(days)) return false;
    rostered_pairs rostered;
    for (const duty_slot& slot : w.slots) rostered.emplace_back(slot.counselor_id, slot.county);
    report.shifts.push_back(assess(cfg, w.date, w.weekday, w.shift, rostered));
    return true;
  });
  add_gaps(cfg, report);
  return report;
}

std::vector<std::string> describe_gaps(const config::config& cfg, const coverage_report& report) {
  // One line per (kind, code): crisis, then specialties and counties in config order.
  std::vector<std::pair<gap_kind, std::string>> keys = {{gap_kind::crisis, ""}};
  for (const config::specialty& s : cfg.specialties) keys.emplace_back(gap_kind::specialty, s.code);
  for (const std::string& code : county_codes(cfg)) keys.emplace_back(gap_kind::county, code);
  std::vector<std::string> lines;
  for (const auto& [kind, code] : keys) {
    std::vector<const coverage_gap*> gaps;
    for (const coverage_gap& g : report.gaps) {
      if (g.kind == kind && g.code == code) gaps.push_back(&g);
    }
    if (gaps.empty()) continue;
    std::string what;
    switch (kind) {
      case gap_kind::specialty:
        what = "nobody rostered holds " + code;
        break;
      case gap_kind::county:
        what = "nobody rostered can visit " + county_label(cfg, code);
        break;
      case gap_kind::crisis:
        what = "no crisis-trained counselor rostered";
        break;
    }
    lines.push_back(what + ": " + when(gaps, report));
  }
  return lines;
}

}  // namespace caseroute::schedule
