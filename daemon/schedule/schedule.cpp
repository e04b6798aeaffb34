// Rosters compiled against the configured time zone: who is on duty at an
// instant and when the next shift starts. Pure: no clock reads, no I/O beyond
// the OS time zone database that date::locate_zone loads once.
#include "schedule/schedule.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <tuple>
#include <utility>

#include <date/date.h>
#include <date/tz.h>

namespace caseroute::schedule {

namespace {

using local_minutes = date::local_time<std::chrono::minutes>;

const date::time_zone* find_zone(const std::string& name) {
  try {
    return date::locate_zone(name);
  } catch (const std::runtime_error& e) {
    throw std::invalid_argument("unknown time zone \"" + name + "\": " + e.what());
  }
}

std::string format_date(date::local_days day) {
  const date::year_month_day ymd{day};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return text;
}

int weekday_index(date::local_days day) {
  // ISO encoding: Monday 1 ... Sunday 7.
  return static_cast<int>(date::weekday{day}.iso_encoding()) - 1;
}

// The counselors at `site` for `shift_name` on local day `day`: a stored
// exception for that shift replaces the config's dated exception, which
// replaces the weekly roster; nullptr when nobody. `source` says which.
const std::vector<std::string>* rostered(const config::site& site, const stored_exceptions& stored,
                                         date::local_days day, const std::string& date_text,
                                         const std::string& shift_name, duty_source* source = nullptr) {
  const auto listed_in = [&](const std::map<std::string, config::duty>& dated) -> const std::vector<std::string>* {
    auto on_date = dated.find(date_text);
    if (on_date == dated.end()) return nullptr;
    auto listed = on_date->second.find(shift_name);
    return listed == on_date->second.end() ? nullptr : &listed->second;
  };
  if (auto at_site = stored.find(site.id); at_site != stored.end()) {
    if (const auto* ids = listed_in(at_site->second)) {
      if (source != nullptr) *source = duty_source::stored_exception;
      return ids;
    }
  }
  if (const auto* ids = listed_in(site.exceptions)) {
    if (source != nullptr) *source = duty_source::config_exception;
    return ids;
  }
  if (source != nullptr) *source = duty_source::weekly;
  const config::duty& weekly = site.roster[static_cast<std::size_t>(weekday_index(day))];
  if (auto listed = weekly.find(shift_name); listed != weekly.end()) return &listed->second;
  return nullptr;
}

std::optional<date::local_days> parse_date(const std::string& text) {
  int y = 0;
  unsigned m = 0, d = 0;
  char tail = 0;
  if (text.size() != 10 || std::sscanf(text.c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3) return std::nullopt;
  const date::year_month_day ymd{date::year{y}, date::month{m}, date::day{d}};
  if (!ymd.ok()) return std::nullopt;
  return date::local_days{ymd};
}

// A local wall-clock minute as a UTC instant; the earlier one when the clock
// is turned back, the transition instant when it is skipped.
time_point to_utc(const date::time_zone& zone, date::local_days day, int minute) {
  const local_minutes local = day + std::chrono::minutes{minute};
  return std::chrono::time_point_cast<std::chrono::milliseconds>(zone.to_sys(local, date::choose::earliest));
}

// Visits every shift window ending after `from` and starting before `to`, in
// start order; with `only`, each window's slots are that counselor's alone.
void for_each_window(const config::config& cfg, const stored_exceptions& stored, const date::time_zone& zone,
                     time_point from, time_point to, const std::string* only,
                     const std::function<bool(const shift_window&)>& visit) {
  if (to <= from) return;
  std::vector<const config::shift*> shifts;
  for (const config::shift& shift : cfg.shifts) shifts.push_back(&shift);
  std::stable_sort(shifts.begin(), shifts.end(),
                   [](const auto* a, const auto* b) { return a->start_minute < b->start_minute; });
  const date::local_days first = date::floor<date::days>(zone.to_local(from)) - date::days{1};
  const date::local_days last = date::floor<date::days>(zone.to_local(to));
  shift_window window;
  for (date::local_days day = first; day <= last; day += date::days{1}) {
    const std::string date_text = format_date(day);
    for (const config::shift* shift : shifts) {
      const time_point start = to_utc(zone, day, shift->start_minute);
      const time_point end = to_utc(zone, day, shift->end_minute);
      if (end <= from || start >= to) continue;
      window.date = date_text;
      window.weekday = weekday_index(day);
      window.shift = shift->name;
      window.start = start;
      window.end = end;
      window.slots.clear();
      for (const config::site& site : cfg.sites) {
        const auto* ids = rostered(site, stored, day, date_text, shift->name);
        if (ids == nullptr) continue;
        for (const std::string& id : *ids) {
          if (only != nullptr && id != *only) continue;
          window.slots.push_back({id, site.id, site.county, shift->name, start, end});
        }
      }
      const auto key = [](const duty_slot& d) { return std::tie(d.counselor_id, d.site_id); };
      std::sort(window.slots.begin(), window.slots.end(),
                [&](const duty_slot& a, const duty_slot& b) { return key(a) < key(b); });
      window.slots.erase(std::unique(window.slots.begin(), window.slots.end(),
                                     [&](const duty_slot& a, const duty_slot& b) { return key(a) == key(b); }),
                         window.slots.end());
      if (!visit(window)) return;
    }
  }
}

}  // namespace

const char* to_string(duty_source s) {
  switch (s) {
    case duty_source::weekly:
      return "weekly";
    case duty_source::config_exception:
      return "config_exception";
    case duty_source::stored_exception:
      return "stored_exception";
  }
  return "weekly";
}

roster::roster(const config::config& cfg, stored_exceptions stored)
    : cfg_(&cfg), zone_(find_zone(cfg.timezone)), stored_(std::move(stored)) {}

std::vector<duty_slot> roster::on_duty(time_point now) const {
  const auto local = zone_->to_local(now);
  const auto day = date::floor<date::days>(local);
  const int minute = static_cast<int>(date::floor<std::chrono::minutes>(local - day).count());
  const std::string date_text = format_date(day);

  std::vector<duty_slot> slots;
  for (const config::shift& shift : cfg_->shifts) {
    if (minute < shift.start_minute || minute >= shift.end_minute) continue;
    const time_point start = to_utc(*zone_, day, shift.start_minute);
    const time_point end = to_utc(*zone_, day, shift.end_minute);
    for (const config::site& site : cfg_->sites) {
      const auto* ids = rostered(site, stored_, day, date_text, shift.name);
      if (ids == nullptr) continue;
      for (const std::string& id : *ids) {
        slots.push_back({id, site.id, site.county, shift.name, start, end});
      }
    }
  }
  const auto key = [](const duty_slot& d) { return std::tie(d.counselor_id, d.site_id, d.shift_start, d.shift); };
  std::sort(slots.begin(), slots.end(), [&](const duty_slot& a, const duty_slot& b) { return key(a) < key(b); });
  // A name listed twice in one roster entry is one duty, not two.
  slots.erase(
      std::unique(slots.begin(), slots.end(), [&](const duty_slot& a, const duty_slot& b) { return key(a) == key(b); }),
      slots.end());
  return slots;
}

std::optional<time_point> roster::next_shift_start(time_point now) const {
  const auto today = date::floor<date::days>(zone_->to_local(now));
  std::optional<time_point> next;
  for (int offset = 0; offset <= 8; ++offset) {
    const date::local_days day = today + date::days{offset};
    const std::string date_text = format_date(day);
    for (const config::shift& shift : cfg_->shifts) {
      const time_point start = to_utc(*zone_, day, shift.start_minute);
      if (start <= now || (next && start >= *next)) continue;
      const bool staffed = std::any_of(cfg_->sites.begin(), cfg_->sites.end(), [&](const config::site& site) {
        const auto* ids = rostered(site, stored_, day, date_text, shift.name);
        return ids != nullptr && !ids->empty();
      });
      if (staffed) next = start;
    }
  }
  return next;
}

std::vector<duty_slot> roster::next_duty(const std::string& counselor_id, time_point now) const {
  std::vector<duty_slot> found;
  for_each_window(*cfg_, stored_, *zone_, now, now + date::days{8}, &counselor_id, [&](const shift_window& w) {
    if (w.start <= now || w.slots.empty()) return true;
    found = w.slots;
    return false;
  });
  return found;
}

std::map<std::string, std::vector<duty_slot>> roster::next_duties(time_point now) const {
  std::map<std::string, std::vector<duty_slot>> found;
  std::map<std::string, int> window_of;  // the window each counselor was first found in
  int window = 0;
  for_each_window(*cfg_, stored_, *zone_, now, now + date::days{8}, nullptr, [&](const shift_window& w) {
    if (w.start <= now) return true;
    ++window;
    for (const duty_slot& slot : w.slots) {
      auto [it, first] = window_of.try_emplace(slot.counselor_id, window);
      if (first || it->second == window) found[slot.counselor_id].push_back(slot);
    }
    return true;
  });
  return found;
}

std::optional<time_point> roster::next_shift_start(const std::string& counselor_id, time_point now) const {
  const std::vector<duty_slot> next = next_duty(counselor_id, now);
  if (next.empty()) return std::nullopt;
  return next.front().shift_start;
}

std::optional<time_point> roster::next_change(time_point now) const {
  std::optional<time_point> next;
  for_each_window(*cfg_, stored_, *zone_, now, now + date::days{8}, nullptr, [&](const shift_window& w) {
    if (next && w.start >= *next) return false;  // windows come in start order
    if (w.slots.empty()) return true;
    if (w.start > now && (!next || w.start < *next)) next = w.start;
    if (!next || w.end < *next) next = w.end;  // w.end > now: the window ends after now
    return true;
  });
  return next;
}

void roster::visit_windows(time_point from, time_point to,
                           const std::function<bool(const shift_window&)>& visit) const {
  for_each_window(*cfg_, stored_, *zone_, from, to, nullptr, visit);
}

std::vector<site_shift> roster::site_roster(const std::string& site_id, const std::string& from,
                                            const std::string& to) const {
  std::vector<site_shift> out;
  const config::site* site = cfg_->find_site(site_id);
  const auto first = parse_date(from);
  const auto last = parse_date(to);
  if (site == nullptr || !first || !last) return out;
  std::vector<const config::shift*> shifts;
  for (const config::shift& shift : cfg_->shifts) shifts.push_back(&shift);
  std::stable_sort(shifts.begin(), shifts.end(),
                   [](const auto* a, const auto* b) { return a->start_minute < b->start_minute; });
  for (date::local_days day = *first; day <= *last; day += date::days{1}) {
    const std::string date_text = format_date(day);
    for (const config::shift* shift : shifts) {
      site_shift entry{date_text, weekday_index(day), shift->name, {}, duty_source::weekly};
      if (const auto* ids = rostered(*site, stored_, day, date_text, shift->name, &entry.source))
        entry.counselor_ids = *ids;
      out.push_back(std::move(entry));
    }
  }
  return out;
}

std::optional<int> days_between(const std::string& from, const std::string& to) {
  const auto a = parse_date(from);
  const auto b = parse_date(to);
  if (!a || !b) return std::nullopt;
  return static_cast<int>((*b - *a).count());
}

std::vector<std::string> stored_disagreements(const config::config& cfg, const stored_exceptions& stored,
                                              const std::string& today) {
  std::vector<std::string> lines;
  for (const auto& [site_id, dates] : stored) {
    const config::site* site = cfg.find_site(site_id);
    for (const auto& [date_text, duty] : dates) {
      if (date_text < today) continue;
      const std::string where = "stored exception " + site_id + " " + date_text;
      if (site == nullptr) {
        lines.push_back(where + ": site " + site_id + " is not in the config");
        continue;
      }
      for (const auto& [shift_name, ids] : duty) {
        const bool known_shift = std::any_of(cfg.shifts.begin(), cfg.shifts.end(),
                                             [&](const config::shift& s) { return s.name == shift_name; });
        if (!known_shift) {
          lines.push_back(where + ": shift " + shift_name + " is not in the config");
          continue;
        }
        for (const std::string& id : ids) {
          if (cfg.find_counselor(id) == nullptr)
            lines.push_back(where + " " + shift_name + ": counselor " + id + " is not in the config");
        }
        auto in_file = site->exceptions.find(date_text);
        if (in_file == site->exceptions.end()) continue;
        auto listed = in_file->second.find(shift_name);
        if (listed == in_file->second.end()) continue;
        std::vector<std::string> file_ids = listed->second, stored_ids = ids;
        std::sort(file_ids.begin(), file_ids.end());
        std::sort(stored_ids.begin(), stored_ids.end());
        if (file_ids == stored_ids) continue;
        const auto names = [](const std::vector<std::string>& list) {
          std::string text;
          for (const std::string& id : list) text += (text.empty() ? "" : ", ") + id;
          return text.empty() ? std::string("nobody") : text;
        };
        lines.push_back(where + " " + shift_name + ": the file lists " + names(listed->second) +
                        ", the stored exception (which applies) " + names(ids));
      }
    }
  }
  return lines;
}

std::string roster::local_date(time_point now) const {
  return format_date(date::floor<date::days>(zone_->to_local(now)));
}

int roster::local_weekday(time_point now) const { return weekday_index(date::floor<date::days>(zone_->to_local(now))); }

}  // namespace caseroute::schedule
