// Preference among eligible counselors: continuity, skill, load, idle time, id.
// Internal to routing/; deterministic, no clock.
#pragma once

#include <vector>

#include "routing/candidates.hpp"

namespace caseroute::routing {

struct choice {
  const candidate* winner = nullptr;
  rule chosen_by = rule::only;  // first preference separating winner and runner-up
};

// The counselors on duty who served the case's youth (continuity).
std::vector<const candidate*> continuity_of(const queued_case& c, const snapshot& s, const candidate_index& index);

// The best of `eligible` (not empty) for case `c`.
choice choose(const queued_case& c, const std::vector<const candidate*>& eligible,
              const std::vector<const candidate*>& continuity, const candidate_index& index);

// `eligible` best first, each with the preference that put it there: continuity
// for those who served the youth, else `others`.
std::vector<choice> rank_all(const queued_case& c, std::vector<const candidate*> eligible,
                             const std::vector<const candidate*>& continuity, const candidate_index& index,
                             rule others);

}  // namespace caseroute::routing
