// The per-call counselor index the router builds once from a snapshot, and
// the eligibility filter of SPEC section 3 rules 1-5. Internal to routing/:
// plain values over the snapshot, no clock, no I/O.
#pragma once

#include <string>
#include <vector>

#include "routing/routing.hpp"

namespace caseroute::routing {

// A counselor on duty now, with everything eligibility and ranking read.
struct candidate {
  const config::counselor* profile = nullptr;     // from snapshot.cfg
  std::vector<const schedule::duty_slot*> slots;  // from snapshot.on_duty, by site id
  bool available = true;
  int load = 0;
  time_point last_offer_at{};
};

// Counselors on duty and known to the config, ordered by id. Points into the
// snapshot, so it must not outlive it. Built once per route_one / plan call.
class candidate_index {
 public:
  explicit candidate_index(const snapshot& s);

  const std::vector<candidate>& on_duty() const { return on_duty_; }

  // A planned offer to `chosen` (an element of on_duty()): one more case, and
  // it was offered something at `now`.
  void record_offer(const candidate& chosen, time_point now);

 private:
  std::vector<candidate> on_duty_;
};

struct eligibility {
  std::vector<const candidate*> eligible;  // by id
  bool relaxed_rule5 = false;              // only counselors in K.excluded were left
  std::string reason;                      // why nobody, when eligible is empty
};

// Rules 1-5 for case `c` at its escalation level. When nobody is eligible the
// reason names the rule that eliminated the last candidates.
eligibility find_eligible(const queued_case& c, const candidate_index& index);

// Rule 4's place: a counselor's duty site in the case's county for visits,
// else their first duty site by id.
const std::string& offer_site(const queued_case& c, const candidate& chosen);

}  // namespace caseroute::routing
