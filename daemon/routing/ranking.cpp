// Ranking of eligible counselors (SPEC section 3): continuity, then skill,
// then load ratio, then idle time, then id. Exact comparisons only, so every
// replica picks the same counselor.
#include "routing/ranking.hpp"

#include <cstdint>
#include <optional>

namespace caseroute::routing {

namespace {

// What the preferences compare, computed once per eligible counselor.
struct standing {
  const candidate* who = nullptr;
  bool continuity = false;
  int skill = 0;
};

standing assess(const queued_case& c, const candidate& who, const std::set<std::string>* continuity) {
  standing s;
  s.who = &who;
  s.continuity = continuity != nullptr && continuity->count(who.profile->id) > 0;
  for (const std::string& code : c.concerns) {
    if (auto it = who.profile->specialties.find(code); it != who.profile->specialties.end()) {
      s.skill += it->second;
    }
  }
  return s;
}

// Compares load/capacity as fractions: a/b < c/d  <=>  a*d < c*b (capacities > 0).
int compare_load(const candidate& a, const candidate& b) {
  const std::int64_t left = std::int64_t{a.load} * b.profile->capacity;
  const std::int64_t right = std::int64_t{b.load} * a.profile->capacity;
  return left < right ? -1 : (left > right ? 1 : 0);
}

// The first preference on which a and b differ, and whether a wins it.
struct verdict {
  rule by = rule::id;
  bool a_wins = false;
};

verdict compare(const standing& a, const standing& b) {
  if (a.continuity != b.continuity) return {rule::continuity, a.continuity};
  if (a.skill != b.skill) return {rule::skill, a.skill > b.skill};
  if (int load = compare_load(*a.who, *b.who); load != 0) return {rule::load, load < 0};
  // An older last offer means a longer idle time; never offered is the oldest.
  if (a.who->last_offer_at != b.who->last_offer_at) {
    return {rule::idle, a.who->last_offer_at < b.who->last_offer_at};
  }
  return {rule::id, a.who->profile->id < b.who->profile->id};
}

}  // namespace

choice choose(const queued_case& c, const std::vector<const candidate*>& eligible,
              const std::set<std::string>* continuity) {
  // One pass keeping the best two: the runner-up names the deciding rule.
  std::optional<standing> best;
  std::optional<standing> runner_up;
  for (const candidate* who : eligible) {
    const standing s = assess(c, *who, continuity);
    if (!best || compare(s, *best).a_wins) {
      runner_up = best;
      best = s;
    } else if (!runner_up || compare(s, *runner_up).a_wins) {
      runner_up = s;
    }
  }
  choice result;
  if (!best) return result;
  result.winner = best->who;
  result.chosen_by = runner_up ? compare(*best, *runner_up).by : rule::only;
  return result;
}

}  // namespace caseroute::routing
