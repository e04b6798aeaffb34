// The routing engine (docs/ARCHITECTURE.md, "Routing rules"): eligibility, ranking, queue order and
// escalation levels. Values in, decisions out: no clock, no I/O, no globals;
// ties break deterministically so every replica decides alike.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "config/config.hpp"
#include "schedule/schedule.hpp"

namespace caseroute::routing {

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
  // starts: a sign-out from before the current shift has lapsed.
  time_point availability_changed_at{};
  int load = 0;                // offered + active cases
  time_point last_offer_at{};  // epoch when never offered
  // Consecutive expired offers; at routing.max_missed_offers the counselor
  // is not eligible until the store resets it (sign-in).
  int missed_offers = 0;
  // Welfare (routing.wrap_up, crisis_wrap_up, max_crisis_per_shift); the
  // defaults (epoch, 0) exclude nobody.
  time_point last_resolved_at{};
  time_point last_crisis_resolved_at{};
  int crisis_this_shift = 0;  // RISK_CRISIS cases taken in the current shift
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
// `broadcast`: one of several offers of a crisis case made at once.
enum class rule { only, continuity, skill, load, idle, id, broadcast };
const char* to_string(rule r);

struct offer {
  std::string case_id;
  std::string counselor_id;
  std::string site_id;  // where the counselor is on duty (the visit site for visits)
  rule chosen_by = rule::only;
  bool relaxed_rule5 = false;  // offered to someone who declined it: nobody else was eligible
  // With plan_options::continuity_roster: why the case did not wait for an
  // off-duty continuity counselor (one sentence for the case history), else "".
  std::string note;
};

struct keep_queued {
  std::string case_id;
  std::string reason;  // one sentence for supervisors, e.g. "no counselor on duty holds grief"
  // Nobody on duty passes the rules on the case (2-4 at its escalation
  // level), whatever their load or availability: until the on-duty set, the
  // configuration or the case changes, no freed slot can serve it.
  bool nobody_on_duty = false;
};

// A RISK_CRISIS case offered at once to every eligible crisis-trained
// counselor on duty, best first; the first accept wins. Only with
// plan_options::crisis_broadcast.
struct broadcast {
  std::string case_id;
  std::vector<offer> offers;
};

// A RISK_LOW/MEDIUM case left queued for its continuity counselor, who is off
// duty now and whose next shift starts at `until` (within
// routing.continuity_wait of the case being queued). Only with
// plan_options::continuity_roster.
struct wait_for_counselor {
  std::string case_id;
  std::string counselor_id;
  time_point until;
  std::string reason;  // one sentence for the case history
};

// offer and keep_queued by default; the other two only when plan_options ask.
using decision = std::variant<offer, keep_queued, broadcast, wait_for_counselor>;

// Behaviour beyond the basic rules, off by default.
struct plan_options {
  bool crisis_broadcast = false;
  // With a roster and routing.continuity_wait > 0, a LOW/MEDIUM case may wait
  // for its continuity counselor's next shift. Must outlive the call.
  const schedule::roster* continuity_roster = nullptr;
};

// Priority score (risk weight + group bonus + aging; docs/ARCHITECTURE.md, "Queue order").
// Crisis cases are ordered before all others regardless of score.
double priority_score(const queued_case& c, time_point now, const config::routing_settings& r);

// The queue in routing order: crisis first, then higher priority score, then
// older received_at, then smaller id.
std::vector<const queued_case*> queue_order(const std::vector<queued_case>& queue, time_point now,
                                            const config::routing_settings& r);
// The same over cases held elsewhere (the dispatcher's cache).
std::vector<const queued_case*> queue_order(std::vector<const queued_case*> queue, time_point now,
                                            const config::routing_settings& r);

// The escalation level a case should have now: one level per risk limit passed
// since created_at (never lower than c.escalation_level).
int due_escalation_level(const queued_case& c, time_point now, const config::routing_settings& r);

// When due_escalation_level next rises above the case's level; nullopt when
// its risk never escalates.
std::optional<time_point> next_escalation_at(const queued_case& c, const config::routing_settings& r);

// Offer expiry for a case of this risk.
std::chrono::seconds offer_timeout(risk level, const config::routing_settings& r);

class candidate_index;

// What the router's index of the counselors on duty holds that depends only
// on the config and the on-duty slots: who they are, their profiles and
// slots, lists by specialty and by county, skills. Build it when the config
// or the slots change and hand it to the router of each pass in between:
// that router then only reads the counselors' live state again (one walk over
// those on duty), so a pass for one new case does not rebuild the lists.
// Owns a copy of the slots; points into the config, which must outlive it.
// A router holds it while it lives: one router at a time.
class duty_index {
 public:
  duty_index(const config::config& cfg, std::vector<schedule::duty_slot> on_duty);
  ~duty_index();
  duty_index(duty_index&&) noexcept;
  duty_index& operator=(duty_index&&) noexcept;

  const config::config& cfg() const;
  const std::vector<schedule::duty_slot>& on_duty() const;

 private:
  friend class router;
  struct parts;
  std::unique_ptr<parts> parts_;
};

// A snapshot prepared once (indexes by specialty and county, counts of who is
// free) and reused for many decisions at one instant. Holds pointers into the
// snapshot (and the options' roster): they must outlive it. Not thread-safe.
class router {
 public:
  router(const snapshot& s, time_point now, plan_options options = {});
  // The same over `duty`, built from s.cfg and slots equal to s.on_duty
  // (which it then does not read): decides exactly as a router built fresh.
  router(const snapshot& s, time_point now, duty_index& duty, plan_options options = {});
  ~router();
  router(const router&) = delete;
  router& operator=(const router&) = delete;

  // Best counselor(s) for one case, or why nobody; changes nothing.
  decision route(const queued_case& c);
  // The same, counting what it offers against capacity for later calls.
  decision route_and_count(const queued_case& c);
  // Every case in queue order, counting each planned offer.
  std::vector<decision> plan(const std::vector<queued_case>& queue);
  // Whether anyone on duty is still free for some case (planned offers
  // counted): when nobody is, no later case of a pass gets an offer.
  bool anyone_free() const;
  // Whether anyone on duty passes the rules on the case, whatever their own
  // state (keep_queued::nobody_on_duty is its negation).
  bool could_serve(const queued_case& c);
  // Why nobody on duty can take the case now (see wait_reason below).
  std::string wait_reason(const queued_case& c);

 private:
  decision decide(const queued_case& c, bool count);
  std::optional<wait_for_counselor> continuity_wait(const queued_case& c);
  // Why no continuity wait when an off-duty continuity counselor exists ("" when none).
  std::string continuity_note(const queued_case& c);

  const snapshot& snap_;
  time_point now_;
  plan_options options_;
  std::unique_ptr<candidate_index> owned_;  // null when a duty_index is borrowed
  candidate_index* index_;
  // For continuity waits and notes, built on first use: each counselor's next
  // shift (roster::next_duties) and the config's counselors by id.
  const std::vector<schedule::duty_slot>& next_duty(const std::string& counselor_id);
  const config::counselor* profile(const std::string& counselor_id);
  std::optional<std::map<std::string, std::vector<schedule::duty_slot>>> next_duties_;
  std::unordered_map<std::string_view, const config::counselor*> profiles_;
};

// Best counselor for one case, or why nobody.
decision route_one(const queued_case& c, const snapshot& s, time_point now);
decision route_one(const queued_case& c, const snapshot& s, time_point now, const plan_options& options);

// Routes the whole queue in queue order, counting each planned offer against
// the counselor's capacity, so one pass never overfills anyone. A case nobody
// can serve is skipped, never blocking the cases behind it.
std::vector<decision> plan(const std::vector<queued_case>& queue, const snapshot& s, time_point now,
                           const plan_options& options = {});

// One sentence naming what excludes every counselor on duty now (the
// keep_queued reason), e.g. "no counselor on duty holds grief"; when someone
// is eligible: "a counselor on duty is eligible; the next routing pass offers it".
std::string wait_reason(const queued_case& c, const snapshot& s, time_point now);

// When a counselor who could take the case (rules 2-4 at its escalation
// level; load and availability ignored) is next on duty, from the rosters and
// dated exceptions: `now` when one is on duty now, nullopt when none within 7 days.
std::optional<time_point> next_eligible_at(const queued_case& c, const config::config& cfg, const schedule::roster& r,
                                           time_point now);

}  // namespace caseroute::routing
