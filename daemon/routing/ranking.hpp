// Preference among eligible counselors (SPEC section 3): continuity, skill,
// load, idle time, id. Internal to routing/; deterministic, no clock.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "routing/candidates.hpp"

namespace caseroute::routing {

struct choice {
  const candidate* winner = nullptr;
  rule chosen_by = rule::only;  // first preference separating winner and runner-up
};

// The best of `eligible` (not empty) for case `c`. `continuity` is the set of
// counselors who served the case's youth, or nullptr.
choice choose(const queued_case& c, const std::vector<const candidate*>& eligible,
              const std::set<std::string>* continuity);

}  // namespace caseroute::routing
