// The rules of rules.hpp, checked in order, and how a reason names them.
// Values in, values out: no index, no memo, no clock.
#include "routing/rules.hpp"

#include <algorithm>
#include <cassert>

namespace caseroute::routing {

namespace {

// How each rule is named in a reason: a rule on the case qualifies
// "counselor" when it asks something of this case ("crisis-trained", else
// nullptr; rules 4 and 2 have their own words), an own-state rule says what
// the counselors it stopped are.
const char* phrase(filter f, const need& n) {
  switch (f) {
    case filter::county:
    case filter::concern:
      return nullptr;
    case filter::crisis:
      return n.crisis ? "crisis-trained" : nullptr;
    case filter::missed:
      return "signed out after missed offers";
    case filter::available:
      return "signed out";
    case filter::wrap_up:
      return "in wrap-up after a case";
    case filter::crisis_limit:
      return "at the crisis limit for this shift";
    case filter::capacity:
      return "at capacity";
    case filter::passed:
      break;
  }
  return nullptr;
}

// " crisis-trained counselor on duty near county 411202": those the rules on
// the case up to `upto` leave.
void append_counselors(std::string& out, const need& n, filter upto) {
  for (auto f = static_cast<int>(filter::concern) + 1; f < static_cast<int>(first_own_state); ++f) {
    if (f > static_cast<int>(upto)) break;
    if (const char* words = phrase(static_cast<filter>(f), n)) {
      out += ' ';
      out += words;
    }
  }
  out += " counselor on duty";
  if (n.visit_county != nullptr) {
    out += " near county ";
    out += *n.visit_county;
  }
}

// "grief", or "any of grief, sleep" when rule 2 takes any of several.
void append_concerns(std::string& out, const need& n) {
  if (n.concerns.size() == 1) {
    out += n.concerns.front();
    return;
  }
  for (std::size_t i = 0; i < n.concerns.size(); ++i) {
    out += i == 0 ? "any of " : ", ";
    out += n.concerns[i];
  }
}

// "signed out, in wrap-up after a case or at capacity": a bit per own-state rule.
void append_states(std::string& out, const need& n, unsigned states) {
  bool first = true;
  for (auto f = static_cast<int>(first_own_state); f < static_cast<int>(filter::passed); ++f) {
    if ((states & (1u << f)) == 0) continue;
    const bool last = (states >> (f + 1)) == 0;
    if (!first) out += last ? " or " : ", ";
    out += phrase(static_cast<filter>(f), n);
    first = false;
  }
}

}  // namespace

bool is_visit(mode m) { return m == mode::site_visit || m == mode::home_visit; }

need need_of(const queued_case& c) {
  need n;
  n.crisis = c.level == risk::crisis;
  if (is_visit(c.contact_mode)) n.visit_county = &c.county;
  if (!c.concerns.empty() && c.escalation_level < 2) {
    const std::span<const std::string> all = c.concerns;
    n.concerns = c.escalation_level == 1 ? all : all.first(1);
  }
  return n;
}

std::optional<time_point> wrap_up_until(const counselor_status& status, time_point now,
                                        const config::routing_settings& s) {
  std::optional<time_point> until;
  const auto wrap = [&](time_point resolved_at, std::chrono::seconds rest) {
    const time_point end = resolved_at + rest;
    if (rest.count() > 0 && now < end && (!until || *until < end)) until = end;
  };
  wrap(status.last_resolved_at, s.wrap_up);
  // A crisis wrap-up needs a crisis resolve (its default is 10 min, not 0).
  if (status.last_crisis_resolved_at != time_point{}) wrap(status.last_crisis_resolved_at, s.crisis_wrap_up);
  return until;
}

counselor_state state_at(const counselor_status& status, const schedule::duty_slot& duty, time_point now,
                         const config::routing_settings& s) {
  counselor_state state;
  state.signed_in = signed_in(status, duty);
  state.missed_out = s.max_missed_offers > 0 && status.missed_offers >= s.max_missed_offers;
  state.wrapping_up = wrap_up_until(status, now, s).has_value();
  state.crisis_taken = status.crisis_this_shift;
  state.load = status.load;
  state.last_offer_at = status.last_offer_at;
  return state;
}

bool near(const candidate& who, const std::string& county) {
  const auto& homes = who.profile->home_visit_counties;
  return std::any_of(who.slots.begin(), who.slots.end(), [&](const auto* d) { return d->county == county; }) ||
         std::find(homes.begin(), homes.end(), county) != homes.end();
}

bool holds_any(const config::counselor& who, std::span<const std::string> codes) {
  return std::any_of(codes.begin(), codes.end(), [&](const std::string& code) {
    auto it = who.specialties.find(code);
    return it != who.specialties.end() && it->second > 0;
  });
}

bool can_serve(const queued_case& c, const config::counselor& who, std::span<const schedule::duty_slot> slots) {
  candidate rostered;
  rostered.profile = &who;
  rostered.slots.reserve(slots.size());
  for (const schedule::duty_slot& slot : slots) rostered.slots.push_back(&slot);
  return first_failed(need_of(c), rostered, {}) >= first_own_state;
}

// Built in one string: it runs for every case nobody can take.
std::string reason_for(const need& n, const tally& t) {
  if (t.furthest == filter::passed) return "no counselor eligible";
  std::string out;
  out.reserve(128);
  if (t.furthest == filter::county) {
    assert(n.visit_county != nullptr);
    out += "no counselor on duty near county ";
    out += *n.visit_county;
    out += " for a visit";
    return out;
  }
  // "no crisis-trained counselor on duty holds grief" when a rule on the case
  // stopped everyone, else "every counselor on duty who holds grief is ...".
  const bool on_case = t.furthest < first_own_state;
  out += on_case ? "no" : "every";
  append_counselors(out, n, t.furthest);
  // An empty concern code has no words, except in the sentence about rule 2 itself.
  const bool concern_words = n.concerns.size() > 1 || (n.concerns.size() == 1 && !n.concerns.front().empty());
  if (t.furthest == filter::concern || concern_words) {
    out += on_case ? " holds " : " who holds ";
    append_concerns(out, n);
  }
  if (!on_case) {
    out += " is ";
    append_states(out, n, t.states);
  }
  return out;
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
