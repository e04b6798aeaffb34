// Ranking of eligible counselors: continuity, then skill, then load ratio,
// then idle time, then id. Exact comparisons only, so every replica picks
// the same counselor whatever the order of its inputs.
#include "routing/ranking.hpp"

#include <algorithm>
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

standing assess(const std::vector<int>& concerns, const candidate& who, const std::vector<const candidate*>& continuity,
                const candidate_index& index) {
  standing s;
  s.who = &who;
  s.continuity = std::find(continuity.begin(), continuity.end(), &who) != continuity.end();
  for (int number : concerns) s.skill += index.skill(who, number);
  return s;
}

// Compares load/capacity as fractions: a/b < c/d  <=>  a*d < c*b (capacities > 0).
int compare_load(const candidate& a, const candidate& b) {
  const std::int64_t left = std::int64_t{a.state.load} * b.profile->capacity;
  const std::int64_t right = std::int64_t{b.state.load} * a.profile->capacity;
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
  if (a.who->state.last_offer_at != b.who->state.last_offer_at) {
    return {rule::idle, a.who->state.last_offer_at < b.who->state.last_offer_at};
  }
  return {rule::id, a.who->profile->id < b.who->profile->id};
}

std::vector<int> concern_numbers(const queued_case& c, const candidate_index& index) {
  std::vector<int> numbers;
  numbers.reserve(c.concerns.size());
  for (const std::string& code : c.concerns) numbers.push_back(index.specialty(code));
  return numbers;
}

}  // namespace

std::vector<const candidate*> continuity_of(const queued_case& c, const snapshot& s, const candidate_index& index) {
  std::vector<const candidate*> found;
  if (c.youth_ref.empty()) return found;
  auto it = s.continuity.find(c.youth_ref);
  if (it == s.continuity.end()) return found;
  for (const std::string& id : it->second) {
    if (const candidate* who = index.find(id)) found.push_back(who);
  }
  return found;
}

choice choose(const queued_case& c, const std::vector<const candidate*>& eligible,
              const std::vector<const candidate*>& continuity, const candidate_index& index) {
  const std::vector<int> concerns = concern_numbers(c, index);
  // One pass keeping the best two: the runner-up names the deciding rule.
  std::optional<standing> best;
  std::optional<standing> runner_up;
  for (const candidate* who : eligible) {
    const standing s = assess(concerns, *who, continuity, index);
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

std::vector<choice> rank_all(const queued_case& c, std::vector<const candidate*> eligible,
                             const std::vector<const candidate*>& continuity, const candidate_index& index,
                             rule others) {
  const std::vector<int> concerns = concern_numbers(c, index);
  std::vector<standing> all;
  all.reserve(eligible.size());
  for (const candidate* who : eligible) all.push_back(assess(concerns, *who, continuity, index));
  std::sort(all.begin(), all.end(), [](const standing& a, const standing& b) { return compare(a, b).a_wins; });
  std::vector<choice> ranked;
  ranked.reserve(all.size());
  for (const standing& s : all) {
    const rule by = all.size() == 1 ? rule::only : (s.continuity ? rule::continuity : others);
    ranked.push_back({s.who, by});
  }
  return ranked;
}

}  // namespace caseroute::routing
