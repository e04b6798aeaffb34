// Eligibility: the rules a counselor must pass to be offered a case, in the
// order they are checked, and the sentence that says why nobody passed. The
// one place the rules are written: candidates.cpp only decides whom to ask.
#pragma once

#include <algorithm>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "routing/routing.hpp"

namespace caseroute::routing {

// A counselor C may be offered case K now when:
//   1. C is on duty (the index holds nobody else) and signed in, and C's
//      offered + active cases are below capacity;
//   2. C holds K's primary concern (any of K's concerns from escalation level 1;
//      from level 2 this rule is dropped);
//   3. a RISK_CRISIS case needs C to be crisis-trained;
//   4. a site or home visit needs C on duty at a site in K's county, or to visit
//      homes there (at every escalation level);
//   5. C has not declined K or let an offer of K expire, unless nobody else is
//      eligible (not a filter: find_eligible yields it, continuity waits skip C);
// and the welfare limits hold: C is not signed out after routing.max_missed_offers,
// not in wrap-up after a case, not at routing.max_crisis_per_shift for a crisis.

bool is_visit(mode m);

// What the rules read of a case at its escalation level. Points into the case.
struct need {
  bool crisis = false;                        // rule 3 and the crisis limit
  const std::string* visit_county = nullptr;  // rule 4: a visit's county; null for phone and online
  std::span<const std::string> concerns;      // rule 2: holding one of these (none: dropped)
};
need need_of(const queued_case& c);

// The memo-key invariant. The index answers for many cases at once: it counts
// who is free, prunes lists of who may be and remembers why nobody can, keyed
// by (kind, visit county, specialty). It settles rules 4 and 2 by whom it
// lists and asks first_failed the rest with need_of_kind(kind). So only rules
// 4 and 2 read `visit_county` and `concerns`, first_failed reads nothing of a
// case but `need`, and every other field of `need` is part of the kind. A
// rule on anything else of the case adds a field to need and counts it in the
// kind (kinds, kind_of, need_of_kind); kind_of binds every field of need, so
// it stops compiling until a new one is counted. The index oracle in
// tests/unit/routing/plan_equivalence_test.cpp fails when this is broken.
constexpr int kinds = 2;  // crisis or not

inline int kind_of(const need& n) {
  const auto& [crisis, visit_county, concerns] = n;  // every field: see above
  return crisis ? 1 : 0;
}

// What a case of this kind asks once rules 4 and 2 are settled.
inline need need_of_kind(int kind) {
  need n;
  n.crisis = kind == 1;
  return n;
}

// A counselor's live state as the rules read it, fixed for one routing pass
// (state_at); planned offers add to load and crisis_taken.
struct counselor_state {
  bool signed_in = true;
  bool missed_out = false;     // routing.max_missed_offers expired offers in a row
  bool wrapping_up = false;    // within routing.wrap_up (crisis_wrap_up) of a resolve
  int crisis_taken = 0;        // RISK_CRISIS cases this shift
  int load = 0;                // offered + active cases
  time_point last_offer_at{};  // read by the ranking (idle time), not by the rules
};

// When the counselor's wrap-up after their last resolve ends (routing.wrap_up,
// or crisis_wrap_up after a crisis case, whichever ends later), or nullopt
// when it has ended by `now`: state_at's wrapping_up, as an instant.
std::optional<time_point> wrap_up_until(const counselor_status& status, time_point now,
                                        const config::routing_settings& s);

// `duty` is where the counselor is on duty now: a sign-out lapses when its shift starts.
counselor_state state_at(const counselor_status& status, const schedule::duty_slot& duty, time_point now,
                         const config::routing_settings& s);

// A counselor on duty (or rostered) as the rules see them.
struct candidate {
  const config::counselor* profile = nullptr;     // specialties, crisis_trained, capacity, home visits
  std::vector<const schedule::duty_slot*> slots;  // where they are on duty, by site id
  counselor_state state;
};

// The rules in the order they are checked: the first one a counselor fails
// is why they cannot take the case, and a case nobody can take is explained
// by the furthest anyone got. Rules 4 and 2 lead, because escalation never
// relaxes rule 4 and the index settles both by whom it lists; the other rules
// on the case follow, then the counselor's own state.
enum class filter {
  county,   // rule 4
  concern,  // rule 2
  crisis,   // rule 3
  missed,   // own state from here on
  available,
  wrap_up,
  crisis_limit,
  capacity,
  passed
};
constexpr filter first_own_state = filter::missed;

// A new rule is a filter value at its place in the order, its `if` in
// first_failed, its words in phrase() (rules.cpp) and a row in
// tests/unit/routing/rules_test.cpp; one that reads a field of the case not
// yet in `need` also follows the memo-key invariant above.

// Rule 4's "near": on duty at a site in the county, or visiting homes there.
bool near(const candidate& who, const std::string& county);
// Rule 2's "holds": a proficiency above 0 in one of the codes.
bool holds_any(const config::counselor& who, std::span<const std::string> codes);

// The first rule `who` fails for a case that needs `n`, or filter::passed.
// Inline: the index asks it for every counselor it lists.
inline filter first_failed(const need& n, const candidate& who, const config::routing_settings& s) {
  const config::counselor& profile = *who.profile;
  const counselor_state& state = who.state;
  if (n.visit_county != nullptr && !near(who, *n.visit_county)) return filter::county;  // rule 4
  if (!n.concerns.empty() && !holds_any(profile, n.concerns)) return filter::concern;   // rule 2
  if (n.crisis && !profile.crisis_trained) return filter::crisis;                       // rule 3
  if (state.missed_out) return filter::missed;                                          // welfare
  if (!state.signed_in) return filter::available;                                       // rule 1
  if (state.wrapping_up) return filter::wrap_up;                                        // welfare
  if (n.crisis && s.max_crisis_per_shift > 0 && state.crisis_taken >= s.max_crisis_per_shift) {
    return filter::crisis_limit;  // welfare
  }
  if (state.load >= profile.capacity) return filter::capacity;  // rule 1
  return filter::passed;
}

// The rules on the case (2-4) for a counselor rostered in `slots` (their slots
// of one shift): whether they could take it, their load and availability aside.
bool can_serve(const queued_case& c, const config::counselor& who, std::span<const schedule::duty_slot> slots);

// What stopped a group of counselors: the furthest rule anyone reached, and
// the own-state rules failed by those who passed the rules on the case.
struct tally {
  filter furthest = filter::county;
  unsigned states = 0;  // a bit per own-state filter

  void add(filter f) {
    furthest = std::max(furthest, f);
    if (f >= first_own_state && f < filter::passed) states |= 1u << static_cast<unsigned>(f);
  }
  void add(const tally& t) {
    furthest = std::max(furthest, t.furthest);
    states |= t.states;
  }
};

// One sentence naming what stopped everyone, e.g. "no counselor on duty holds
// grief" or "every counselor on duty who holds grief is signed out or at capacity".
std::string reason_for(const need& n, const tally& t);

// Rule 4's place: the chosen counselor's duty site in the case's county for
// visits, else their first duty site by id.
const std::string& offer_site(const queued_case& c, const candidate& chosen);

}  // namespace caseroute::routing
