// Who is on duty at an instant: shifts, weekly rosters, dated exceptions (the
// config's and those supervisors stored in Redis) and the configured time
// zone. Pure: the time and the stored exceptions come in as values; no I/O.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "schedule/time.hpp"

namespace date {
class time_zone;
}

namespace caseroute::schedule {

// One counselor rostered at one site for the shift running at some instant.
struct duty_slot {
  std::string counselor_id;
  std::string site_id;
  std::string county;      // the site's county
  std::string shift;       // shift name
  time_point shift_start;  // UTC instants of the shift's window that day
  time_point shift_end;
};

// One shift on one local day, with everyone rostered for it (dated
// exceptions applied). Slots are ordered by (counselor_id, site_id).
struct shift_window {
  std::string date;  // local "YYYY-MM-DD"
  int weekday = 0;   // 0 = Monday ... 6 = Sunday
  std::string shift;
  time_point start;
  time_point end;
  std::vector<duty_slot> slots;  // empty when nobody is rostered
};

// Dated exceptions stored by supervisors (docs/API.md, "Duty changes"):
// site id -> local "YYYY-MM-DD" -> the shifts they replace. They mean what a
// dated exception of the config means and win over it shift by shift.
using stored_exceptions = std::map<std::string, std::map<std::string, config::duty>>;

// Where a shift's roster on a date comes from.
enum class duty_source { weekly, config_exception, stored_exception };
const char* to_string(duty_source s);  // "weekly", "config_exception", "stored_exception"

// One shift of one local date at one site, as rostered.
struct site_shift {
  std::string date;  // local "YYYY-MM-DD"
  int weekday = 0;   // 0 = Monday ... 6 = Sunday
  std::string shift;
  std::vector<std::string> counselor_ids;  // as listed
  duty_source source = duty_source::weekly;
};

// A compiled, immutable view of the rosters in config, with the stored
// exceptions applied. Cheap to query.
class roster {
 public:
  // Throws std::invalid_argument when cfg.timezone is not a known IANA zone.
  explicit roster(const config::config& cfg, stored_exceptions stored = {});

  // Everyone on duty at `now`, ordered by (counselor_id, site_id). A counselor
  // rostered at two sites in the same shift appears twice.
  std::vector<duty_slot> on_duty(time_point now) const;

  // The first shift start strictly after `now` (any site, any day within 8
  // days), or nullopt when the rosters are empty. The tick uses it to route
  // the moment a shift begins.
  std::optional<time_point> next_shift_start(time_point now) const;

  // The first shift of `counselor_id` starting strictly after `now` (within 8
  // days): their duty slots in it (several sites possible), or empty.
  std::vector<duty_slot> next_duty(const std::string& counselor_id, time_point now) const;
  // next_duty() of every counselor rostered within 8 days, in one sweep of
  // the rosters (a routing pass asks for many counselors).
  std::map<std::string, std::vector<duty_slot>> next_duties(time_point now) const;
  std::optional<time_point> next_shift_start(const std::string& counselor_id, time_point now) const;

  // The first instant strictly after `now` (within 8 days) when a staffed
  // shift starts or ends: the daemon routes at a start and expires the
  // offers of counselors whose shift ended.
  std::optional<time_point> next_change(time_point now) const;

  // Every shift window (staffed or not) that ends after `from` and starts
  // before `to`, in start order, until `visit` returns false.
  void visit_windows(time_point from, time_point to, const std::function<bool(const shift_window&)>& visit) const;

  // The shifts of `site_id` on each local date from `from` to `to`
  // (inclusive, "YYYY-MM-DD"), date order then shift start order; empty
  // when the site is unknown or a date is not YYYY-MM-DD.
  std::vector<site_shift> site_roster(const std::string& site_id, const std::string& from, const std::string& to) const;

  // The stored exceptions this roster applies (a reload keeps them).
  const stored_exceptions& stored() const { return stored_; }

  // Local calendar helpers in the configured zone.
  std::string local_date(time_point now) const;  // "YYYY-MM-DD"
  int local_weekday(time_point now) const;       // 0 = Monday ... 6 = Sunday

 private:
  const config::config* cfg_;  // must outlive the roster
  const date::time_zone* zone_;
  stored_exceptions stored_;
};

// Days from local date `from` to `to` ("YYYY-MM-DD"; negative when `to` is
// earlier), or nullopt when either is not a real date.
std::optional<int> days_between(const std::string& from, const std::string& to);

// Where the stored exceptions and the config disagree, as readable lines
// (caseroute --check-config): a stored exception of an unknown site, shift
// or counselor, and one replacing a config exception of the same shift with
// other counselors. Dates before `today` ("YYYY-MM-DD") are skipped.
std::vector<std::string> stored_disagreements(const config::config& cfg, const stored_exceptions& stored,
                                              const std::string& today);

}  // namespace caseroute::schedule
