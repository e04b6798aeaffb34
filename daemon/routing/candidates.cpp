// Eligibility (SPEC section 3, rules 1-5) over a per-call index of the
// counselors on duty. Values in, values out: no clock, no I/O, no globals.
#include "routing/candidates.hpp"

#include <algorithm>
#include <cassert>
#include <unordered_map>

namespace caseroute::routing {

namespace {

bool is_visit(mode m) { return m == mode::site_visit || m == mode::home_visit; }

// The filters in the order the reason is derived from: a case that nobody
// can serve is explained by the filter that removed the last candidates.
// Geography first because escalation never relaxes it.
enum class filter { county, concern, crisis, available, capacity, passed };

bool holds(const config::counselor& who, const std::string& code) {
  auto it = who.specialties.find(code);
  return it != who.specialties.end() && it->second > 0;
}

// Rule 2 at the case's escalation level.
bool holds_concern(const queued_case& c, const config::counselor& who) {
  if (c.escalation_level >= 2 || c.concerns.empty()) return true;
  if (c.escalation_level == 1) {
    return std::any_of(c.concerns.begin(), c.concerns.end(), [&](const std::string& code) { return holds(who, code); });
  }
  return holds(who, c.concerns.front());
}

// Rule 4: on duty at a site in the case's county, or visits homes there.
bool near_county(const queued_case& c, const candidate& who) {
  const auto& homes = who.profile->home_visit_counties;
  return std::any_of(who.slots.begin(), who.slots.end(),
                     [&](const schedule::duty_slot* d) { return d->county == c.county; }) ||
         std::find(homes.begin(), homes.end(), c.county) != homes.end();
}

filter first_failed(const queued_case& c, const candidate& who) {
  if (is_visit(c.contact_mode) && !near_county(c, who)) return filter::county;
  if (!holds_concern(c, *who.profile)) return filter::concern;
  if (c.level == risk::crisis && !who.profile->crisis_trained) return filter::crisis;
  if (!who.available) return filter::available;
  if (who.load >= who.profile->capacity) return filter::capacity;
  return filter::passed;
}

// "grief", or "any of grief, sleep" once rule 2 is relaxed; empty when dropped.
std::string concern_phrase(const queued_case& c) {
  if (c.escalation_level >= 2 || c.concerns.empty()) return {};
  if (c.escalation_level == 0 || c.concerns.size() == 1) return c.concerns.front();
  std::string text = "any of ";
  for (std::size_t i = 0; i < c.concerns.size(); ++i) {
    if (i > 0) text += ", ";
    text += c.concerns[i];
  }
  return text;
}

// One sentence naming what removed the last candidates (`furthest` is the
// filter the best of them failed).
std::string reason_for(const queued_case& c, filter furthest, bool some_signed_out) {
  const bool visit = is_visit(c.contact_mode);
  const std::string near = visit ? " near county " + c.county : "";
  const std::string concern = concern_phrase(c);
  const std::string crisis = c.level == risk::crisis ? "crisis-trained " : "";
  switch (furthest) {
    case filter::county:
      return "no counselor on duty near county " + c.county + " for a visit";
    case filter::concern:
      return "no counselor on duty" + near + " holds " + concern;
    case filter::crisis:
      return "no crisis-trained counselor on duty" + near + (concern.empty() ? "" : " holds " + concern);
    case filter::available:
    case filter::capacity: {
      std::string who = "every " + crisis + "counselor on duty" + near;
      if (!concern.empty()) who += " who holds " + concern;
      if (furthest == filter::available) return who + " is signed out";
      return who + (some_signed_out ? " is signed out or at capacity" : " is at capacity");
    }
    case filter::passed:
      break;
  }
  return "no counselor eligible";
}

}  // namespace

candidate_index::candidate_index(const snapshot& s) {
  if (s.cfg == nullptr) return;
  std::unordered_map<std::string, const config::counselor*> profiles;
  profiles.reserve(s.cfg->counselors.size());
  for (const config::counselor& who : s.cfg->counselors) profiles.emplace(who.id, &who);

  // Group duty slots by counselor; ids unknown to the config cannot be offered.
  std::unordered_map<std::string, std::size_t> position;
  for (const schedule::duty_slot& slot : s.on_duty) {
    auto profile = profiles.find(slot.counselor_id);
    if (profile == profiles.end()) continue;
    auto [it, added] = position.emplace(slot.counselor_id, on_duty_.size());
    if (added) {
      candidate fresh;
      fresh.profile = profile->second;
      if (auto status = s.status.find(slot.counselor_id); status != s.status.end()) {
        fresh.available = signed_in(status->second, slot);
        fresh.load = status->second.load;
        fresh.last_offer_at = status->second.last_offer_at;
      }
      on_duty_.push_back(std::move(fresh));
    }
    on_duty_[it->second].slots.push_back(&slot);
  }
  for (candidate& who : on_duty_) {
    std::stable_sort(who.slots.begin(), who.slots.end(),
                     [](const auto* a, const auto* b) { return a->site_id < b->site_id; });
  }
  std::sort(on_duty_.begin(), on_duty_.end(),
            [](const candidate& a, const candidate& b) { return a.profile->id < b.profile->id; });
}

void candidate_index::record_offer(const candidate& chosen, time_point now) {
  assert(&chosen >= on_duty_.data() && &chosen < on_duty_.data() + on_duty_.size());
  candidate& who = on_duty_[static_cast<std::size_t>(&chosen - on_duty_.data())];
  ++who.load;
  who.last_offer_at = now;
}

eligibility find_eligible(const queued_case& c, const candidate_index& index) {
  eligibility result;
  if (index.on_duty().empty()) {
    result.reason = "no counselor on duty";
    return result;
  }
  std::vector<const candidate*> excluded;
  filter furthest = filter::county;
  bool some_signed_out = false;
  for (const candidate& who : index.on_duty()) {
    const filter failed = first_failed(c, who);
    furthest = std::max(furthest, failed);
    some_signed_out = some_signed_out || failed == filter::available;
    if (failed != filter::passed) continue;
    if (c.excluded.count(who.profile->id) > 0) {
      excluded.push_back(&who);
    } else {
      result.eligible.push_back(&who);
    }
  }
  // Rule 5 yields when it alone would leave the case unserved.
  if (result.eligible.empty() && !excluded.empty()) {
    result.eligible = std::move(excluded);
    result.relaxed_rule5 = true;
  }
  if (result.eligible.empty()) result.reason = reason_for(c, furthest, some_signed_out);
  return result;
}

const std::string& offer_site(const queued_case& c, const candidate& chosen) {
  if (is_visit(c.contact_mode)) {
    for (const schedule::duty_slot* slot : chosen.slots) {
      if (slot->county == c.county) return slot->site_id;
    }
  }
  return chosen.slots.front()->site_id;
}

}  // namespace caseroute::routing
