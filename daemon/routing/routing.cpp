// route_one and plan: eligibility, then ranking, over one counselor index
// built per call. Decisions are values; the store applies them atomically.
#include "routing/routing.hpp"

#include "routing/candidates.hpp"
#include "routing/ranking.hpp"

namespace caseroute::routing {

namespace {

// The decision for one case against an index, and whom it went to (if anyone).
struct routed {
  decision made;
  const candidate* chosen = nullptr;
};

routed route(const queued_case& c, const snapshot& s, const candidate_index& index) {
  eligibility found = find_eligible(c, index);
  if (found.eligible.empty()) return {keep_queued{c.id, std::move(found.reason)}, nullptr};

  const std::set<std::string>* continuity = nullptr;
  if (!c.youth_ref.empty()) {
    if (auto it = s.continuity.find(c.youth_ref); it != s.continuity.end()) continuity = &it->second;
  }
  const choice best = choose(c, found.eligible, continuity);
  offer o;
  o.case_id = c.id;
  o.counselor_id = best.winner->profile->id;
  o.site_id = offer_site(c, *best.winner);
  o.chosen_by = best.chosen_by;
  o.relaxed_rule5 = found.relaxed_rule5;
  return {std::move(o), best.winner};
}

}  // namespace

const char* to_string(rule r) {
  switch (r) {
    case rule::only:
      return "only";
    case rule::continuity:
      return "continuity";
    case rule::skill:
      return "skill";
    case rule::load:
      return "load";
    case rule::idle:
      return "idle";
    case rule::id:
      return "id";
  }
  return "unknown";
}

// `now` is unused: on duty means "in snapshot.on_duty", which the caller took at now.
decision route_one(const queued_case& c, const snapshot& s, time_point /*now*/) {
  const candidate_index index(s);
  return route(c, s, index).made;
}

std::vector<decision> plan(const std::vector<queued_case>& queue, const snapshot& s, time_point now) {
  candidate_index index(s);
  std::vector<decision> decisions;
  decisions.reserve(queue.size());
  const config::routing_settings settings = s.cfg ? s.cfg->routing : config::routing_settings{};
  for (const queued_case* c : queue_order(queue, now, settings)) {
    routed r = route(*c, s, index);
    // Count the planned offer so this pass neither overfills nor always
    // picks the same counselor.
    if (r.chosen != nullptr) index.record_offer(*r.chosen, now);
    decisions.push_back(std::move(r.made));
  }
  return decisions;
}

}  // namespace caseroute::routing
