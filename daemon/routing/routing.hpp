// The routing engine of SPEC section 3: eligibility, ranking, queue order and
// escalation levels. Values in, decisions out: no clock, no I/O, no globals;
// ties break deterministically so every replica decides alike.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "config/config.hpp"
#include "schedule/schedule.hpp"

namespace caseroute::routing {

using time_point = schedule::time_point;

// Numeric values match caseroute.v1.Risk / Mode.
enum class risk { low = 1, medium = 2, high = 3, crisis = 4 };
enum class mode { phone = 1, online = 2, site_visit = 3, home_visit = 4 };

// A queued case as the router needs it (no personal data).
struct queued_case {
  std::string id;
  risk level = risk::low;
  std::vector<std::string> concerns;  // [0] is the primary concern
  bool priority_group = false;        // in any of the priority groups
  mode contact_mode = mode::phone;
  std::string county;
  std::string youth_ref;
  time_point received_at{};  // when the hotline took the call (queue order tie-break)
  time_point created_at{};   // when caseroute queued it (aging, escalation)
  int escalation_level = 0;
  std::set<std::string> excluded;  // counselors who declined it or let an offer expire (rule 5)
};

// The live part of a counselor, kept in Redis.
struct counselor_status {
  bool available = true;  // signed in
  // When `available` was last set. Signing in is the default when a shift
  // starts (SPEC 2): a sign-out from before the current shift has lapsed.
  time_point availability_changed_at{};
  int load = 0;                // offered + active cases
  time_point last_offer_at{};  // epoch when never offered
};

// Rule 1's "signed in" for a counselor on duty in `slot`.
inline bool signed_in(const counselor_status& s, const schedule::duty_slot& slot) {
  return s.available || s.availability_changed_at < slot.shift_start;
}

// Everything the router reads besides the case and the time.
struct snapshot {
  const config::config* cfg = nullptr;             // static facts: specialties, capacity, ...
  std::vector<schedule::duty_slot> on_duty;        // roster::on_duty(now)
  std::map<std::string, counselor_status> status;  // by counselor id; absent = defaults
  // youth ref -> counselors who resolved or hold a case of that youth within
  // routing.continuity_days.
  std::map<std::string, std::set<std::string>> continuity;
};

// Why the chosen counselor won: the first preference that separated them from
// the runner-up ("only" when nobody else was eligible).
enum class rule { only, continuity, skill, load, idle, id };
const char* to_string(rule r);

struct offer {
  std::string case_id;
  std::string counselor_id;
  std::string site_id;  // where the counselor is on duty (the visit site for visits)
  rule chosen_by = rule::only;
  bool relaxed_rule5 = false;  // offered to someone who declined it: nobody else was eligible
};

struct keep_queued {
  std::string case_id;
  std::string reason;  // one sentence for supervisors, e.g. "no counselor on duty holds grief"
};

using decision = std::variant<offer, keep_queued>;

// Priority score of SPEC section 3 (risk weight + group bonus + aging).
// Crisis cases are ordered before all others regardless of score.
double priority_score(const queued_case& c, time_point now, const config::routing_settings& r);

// The queue in routing order: crisis first, then higher priority score, then
// older received_at, then smaller id.
std::vector<const queued_case*> queue_order(const std::vector<queued_case>& queue, time_point now,
                                            const config::routing_settings& r);

// The escalation level a case should have now: one level per risk limit passed
// since created_at (never lower than c.escalation_level).
int due_escalation_level(const queued_case& c, time_point now, const config::routing_settings& r);

// Offer expiry for a case of this risk.
std::chrono::seconds offer_timeout(risk level, const config::routing_settings& r);

// Best counselor for one case, or why nobody.
decision route_one(const queued_case& c, const snapshot& s, time_point now);

// Routes the whole queue in queue order, counting each planned offer against
// the counselor's capacity, so one pass never overfills anyone. A case nobody
// can serve is skipped, never blocking the cases behind it.
std::vector<decision> plan(const std::vector<queued_case>& queue, const snapshot& s, time_point now);

}  // namespace caseroute::routing
