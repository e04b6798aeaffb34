// Eligibility (SPEC section 3, rules 1-5, and the welfare limits of issue 3)
// over an index of the counselors on duty built once per pass. Values in,
// values out: no clock, no I/O, no globals.
#include "routing/candidates.hpp"

#include <algorithm>
#include <cassert>

namespace caseroute::routing {

namespace {

bool holds(const config::counselor& who, const std::string& code) {
  auto it = who.specialties.find(code);
  return it != who.specialties.end() && it->second > 0;
}

bool concern_dropped(const queued_case& c) { return c.escalation_level >= 2 || c.concerns.empty(); }

// Appends "grief", or "any of grief, sleep" once rule 2 is relaxed; nothing
// when dropped.
void append_concern(std::string& out, const queued_case& c) {
  if (concern_dropped(c)) return;
  if (c.escalation_level == 0 || c.concerns.size() == 1) {
    out += c.concerns.front();
    return;
  }
  out += "any of ";
  for (std::size_t i = 0; i < c.concerns.size(); ++i) {
    if (i > 0) out += ", ";
    out += c.concerns[i];
  }
}

// What a counselor's own state is called in a reason.
const char* state_phrase(filter f) {
  switch (f) {
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
    default:
      return "";
  }
}

// One sentence naming what removed the last candidates: `furthest` is the
// filter the best of them failed; `states` the own-state filters (a bit per
// filter) failed by those who passed rules 2-4. Built in one string: it runs
// for every case nobody can take.
std::string reason_for(const queued_case& c, filter furthest, unsigned states) {
  const bool visit = is_visit(c.contact_mode);
  // Whether the concern phrase has any text (an empty code has none).
  const bool concern =
      !concern_dropped(c) && ((c.escalation_level != 0 && c.concerns.size() != 1) || !c.concerns.front().empty());
  std::string out;
  out.reserve(128);
  const auto near = [&] {
    if (visit) {
      out += " near county ";
      out += c.county;
    }
  };
  switch (furthest) {
    case filter::county:
      out += "no counselor on duty near county ";
      out += c.county;
      out += " for a visit";
      return out;
    case filter::concern:
      out += "no counselor on duty";
      near();
      out += " holds ";
      append_concern(out, c);
      return out;
    case filter::crisis:
      out += "no crisis-trained counselor on duty";
      near();
      if (concern) {
        out += " holds ";
        append_concern(out, c);
      }
      return out;
    case filter::passed:
      return "no counselor eligible";
    default:
      break;
  }
  const char* phrases[8];
  std::size_t count = 0;
  for (filter f : {filter::missed, filter::available, filter::wrap_up, filter::crisis_limit, filter::capacity}) {
    if (states & (1u << static_cast<unsigned>(f))) phrases[count++] = state_phrase(f);
  }
  out += c.level == risk::crisis ? "every crisis-trained counselor on duty" : "every counselor on duty";
  near();
  if (concern) {
    out += " who holds ";
    append_concern(out, c);
  }
  out += " is ";
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) out += i + 1 == count ? " or " : ", ";
    out += phrases[i];
  }
  return out;
}

}  // namespace

bool is_visit(mode m) { return m == mode::site_visit || m == mode::home_visit; }

bool holds_concern(const queued_case& c, const config::counselor& who) {
  if (concern_dropped(c)) return true;
  if (c.escalation_level == 1) {
    return std::any_of(c.concerns.begin(), c.concerns.end(), [&](const std::string& code) { return holds(who, code); });
  }
  return holds(who, c.concerns.front());
}

bool can_serve(const queued_case& c, const config::counselor& who, const std::vector<schedule::duty_slot>& slots) {
  if (!holds_concern(c, who)) return false;
  if (c.level == risk::crisis && !who.crisis_trained) return false;
  if (!is_visit(c.contact_mode)) return true;
  const auto& homes = who.home_visit_counties;
  return std::any_of(slots.begin(), slots.end(), [&](const schedule::duty_slot& d) { return d.county == c.county; }) ||
         std::find(homes.begin(), homes.end(), c.county) != homes.end();
}

std::uint64_t code_table::hash(std::string_view key) {
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a
  for (char ch : key) h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ull;
  return h ^ (h >> 29);
}

void code_table::reserve(std::size_t n) {
  std::size_t slots = 16;
  while (slots < 2 * n) slots *= 2;
  if (slots > slots_.size()) rehash(slots);
}

void code_table::rehash(std::size_t slots) {
  slots_.assign(slots, -1);
  for (std::size_t k = 0; k < keys_.size(); ++k) {
    std::size_t i = hash(keys_[k]) & (slots - 1);
    while (slots_[i] >= 0) i = (i + 1) & (slots - 1);
    slots_[i] = static_cast<int>(k);
  }
}

int code_table::emplace(std::string_view key, int value) {
  if (const int found = find(key); found >= 0) return found;
  if (2 * (keys_.size() + 1) > slots_.size()) rehash(std::max<std::size_t>(16, 2 * slots_.size()));
  keys_.emplace_back(key);
  values_.push_back(value);
  std::size_t i = hash(key) & (slots_.size() - 1);
  while (slots_[i] >= 0) i = (i + 1) & (slots_.size() - 1);
  slots_[i] = static_cast<int>(keys_.size() - 1);
  return value;
}

int code_table::find(std::string_view key) const {
  if (slots_.empty()) return -1;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = hash(key) & mask;; i = (i + 1) & mask) {
    const int k = slots_[i];
    if (k < 0) return -1;
    if (keys_[static_cast<std::size_t>(k)] == key) return values_[static_cast<std::size_t>(k)];
  }
}

candidate_index::candidate_index(const snapshot& s, time_point now)
    : settings_(s.cfg ? s.cfg->routing : config::routing_settings{}) {
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
        const counselor_status& st = status->second;
        fresh.available = signed_in(st, slot);
        fresh.missed_out = settings_.max_missed_offers > 0 && st.missed_offers >= settings_.max_missed_offers;
        fresh.wrapping_up = (settings_.wrap_up.count() > 0 && now < st.last_resolved_at + settings_.wrap_up) ||
                            (settings_.crisis_wrap_up.count() > 0 && st.last_crisis_resolved_at != time_point{} &&
                             now < st.last_crisis_resolved_at + settings_.crisis_wrap_up);
        fresh.crisis_taken = st.crisis_this_shift;
        fresh.load = st.load;
        fresh.last_offer_at = st.last_offer_at;
      }
      on_duty_.push_back(std::move(fresh));
    }
    on_duty_[it->second].slots.push_back(&slot);
  }
  for (candidate& who : on_duty_) {
    std::sort(who.slots.begin(), who.slots.end(), [](const auto* a, const auto* b) { return a->site_id < b->site_id; });
  }
  std::sort(on_duty_.begin(), on_duty_.end(),
            [](const candidate& a, const candidate& b) { return a.profile->id < b.profile->id; });

  // Specialty numbers in code order, so the index is the same whatever the
  // order of the config or the snapshot.
  std::vector<std::string> codes;
  for (const candidate& who : on_duty_) {
    for (const auto& [code, proficiency] : who.profile->specialties) {
      if (proficiency > 0) codes.push_back(code);
    }
  }
  std::sort(codes.begin(), codes.end());
  codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
  specialties_.reserve(codes.size());
  for (const std::string& code : codes) specialties_.emplace(code, static_cast<int>(specialties_.size()));

  const std::size_t n = codes.size();
  skills_.assign(on_duty_.size() * n, 0);
  holders_.assign(n, {});
  free_holders_.assign(n, {});
  holders_stop_[0].assign(n, {});
  holders_stop_[1].assign(n, {});
  free_.assign(n, 0);
  free_crisis_.assign(n, 0);
  by_id_.reserve(on_duty_.size());
  for (std::size_t i = 0; i < on_duty_.size(); ++i) {
    candidate& who = on_duty_[i];
    const int index = static_cast<int>(i);
    by_id_.emplace(who.profile->id, index);
    for (const auto& [code, proficiency] : who.profile->specialties) {
      if (proficiency <= 0) continue;
      const int number = specialties_.find(code);
      who.held.push_back(number);
      skills_[i * n + static_cast<std::size_t>(number)] = static_cast<std::uint8_t>(std::min(proficiency, 255));
      holders_[static_cast<std::size_t>(number)].push_back(index);
    }
    std::vector<std::string> counties;
    for (const schedule::duty_slot* slot : who.slots) counties.push_back(slot->county);
    counties.insert(counties.end(), who.profile->home_visit_counties.begin(), who.profile->home_visit_counties.end());
    std::sort(counties.begin(), counties.end());
    counties.erase(std::unique(counties.begin(), counties.end()), counties.end());
    for (const std::string& county : counties) near_[county].near.push_back(index);
    count_free(who, +1);
    if (free_for(who, false)) {
      free_all_.push_back(index);
      for (int number : who.held) free_holders_[static_cast<std::size_t>(number)].push_back(index);
    }
  }
  seen_.assign(on_duty_.size(), 0);
  excluded_.assign(on_duty_.size(), 0);
}

const candidate* candidate_index::find(const std::string& counselor_id) const {
  const int index = by_id_.find(counselor_id);
  return index < 0 ? nullptr : &on_duty_[static_cast<std::size_t>(index)];
}

int candidate_index::skill(const candidate& who, int specialty) const {
  if (specialty < 0) return 0;
  const auto i = static_cast<std::size_t>(&who - on_duty_.data());
  return skills_[i * specialties_.size() + static_cast<std::size_t>(specialty)];
}

filter candidate_index::own_state(const candidate& who, bool crisis) const {
  if (who.missed_out) return filter::missed;
  if (!who.available) return filter::available;
  if (who.wrapping_up) return filter::wrap_up;
  if (crisis && settings_.max_crisis_per_shift > 0 && who.crisis_taken >= settings_.max_crisis_per_shift) {
    return filter::crisis_limit;
  }
  if (who.load >= who.profile->capacity) return filter::capacity;
  return filter::passed;
}

bool candidate_index::free_for(const candidate& who, bool crisis) const {
  if (crisis && !who.profile->crisis_trained) return false;
  return own_state(who, crisis) == filter::passed;
}

void candidate_index::count_free(const candidate& who, int delta) {
  const bool any = free_for(who, false);
  const bool crisis = free_for(who, true);
  for (int number : who.held) {
    if (any) free_[static_cast<std::size_t>(number)] += delta;
    if (crisis) free_crisis_[static_cast<std::size_t>(number)] += delta;
  }
  if (any) all_free_ += delta;
  if (crisis) all_free_crisis_ += delta;
}

void candidate_index::record_offer(const candidate& chosen, time_point now, bool crisis) {
  assert(&chosen >= on_duty_.data() && &chosen < on_duty_.data() + on_duty_.size());
  candidate& who = on_duty_[static_cast<std::size_t>(&chosen - on_duty_.data())];
  count_free(who, -1);
  ++who.load;
  if (crisis) ++who.crisis_taken;
  who.last_offer_at = now;
  count_free(who, +1);
}

filter candidate_index::first_failed(const queued_case& c, const std::vector<int>& concerns,
                                     const candidate& who) const {
  // Callers enumerate visit cases from near_, so rule 4 holds here.
  if (!concern_dropped(c)) {
    const auto i = static_cast<std::size_t>(&who - on_duty_.data()) * specialties_.size();
    const auto has = [&](int number) { return number >= 0 && skills_[i + static_cast<std::size_t>(number)] > 0; };
    const bool ok =
        c.escalation_level == 1 ? std::any_of(concerns.begin(), concerns.end(), has) : has(concerns.front());
    if (!ok) return filter::concern;
  }
  const bool crisis = c.level == risk::crisis;
  if (crisis && !who.profile->crisis_trained) return filter::crisis;
  return own_state(who, crisis);
}

bool candidate_index::surely_nobody_free(const queued_case& c, const std::vector<int>& concerns) const {
  const bool crisis = c.level == risk::crisis;
  if (concern_dropped(c)) return (crisis ? all_free_crisis_ : all_free_) == 0;
  const auto free_holding = [&](int number) {
    return number >= 0 && (crisis ? free_crisis_ : free_)[static_cast<std::size_t>(number)] > 0;
  };
  if (c.escalation_level == 1) return std::none_of(concerns.begin(), concerns.end(), free_holding);
  return !free_holding(concerns.front());
}

const candidate_index::stop& candidate_index::stopped(const std::vector<int>& list, bool crisis, stop& memo) const {
  if (memo.known) return memo;
  memo.known = true;
  for (int index : list) {
    const candidate& who = on_duty_[static_cast<std::size_t>(index)];
    // Everyone listed passes rule 2 (holders, or rule 2 dropped).
    const filter failed = crisis && !who.profile->crisis_trained ? filter::crisis : own_state(who, crisis);
    memo.furthest = std::max(memo.furthest, failed);
    if (failed > filter::crisis && failed < filter::passed) memo.states |= 1u << static_cast<unsigned>(failed);
  }
  return memo;
}

const candidate_index::stop& candidate_index::near_stopped(county_entry& entry, int number, bool crisis) {
  if (number < 0) {
    return stopped(entry.near, crisis, entry.all_stop[crisis]);
  }
  std::vector<stop>& memos = entry.holders_stop[crisis];
  if (memos.empty()) memos.assign(specialties_.size(), {});
  stop& memo = memos[static_cast<std::size_t>(number)];
  if (memo.known) return memo;
  const std::size_t n = specialties_.size();
  scratch_.clear();
  for (int index : entry.near) {
    if (skills_[static_cast<std::size_t>(index) * n + static_cast<std::size_t>(number)] > 0) scratch_.push_back(index);
  }
  return stopped(scratch_, crisis, memo);
}

std::string candidate_index::reason_nobody_free(const queued_case& c, const std::vector<int>& concerns) {
  // Nobody on the case's lists is free, so nobody there ever takes an offer
  // in this pass: what stops them is fixed, and so is the reason for cases
  // that read the same lists (same county for visits, same crisis-ness, same
  // single concern or none). Those reasons are worked out once.
  const bool crisis = c.level == risk::crisis;
  const bool dropped = concern_dropped(c);
  county_entry* entry = nullptr;
  if (is_visit(c.contact_mode)) {
    auto it = near_.find(c.county);
    if (it == near_.end() || it->second.near.empty()) return reason_for(c, filter::county, 0);
    entry = &it->second;
  }
  stop* memo = nullptr;
  if (dropped) {
    memo = entry ? &entry->all_stop[crisis] : &all_stop_[crisis];
  } else if ((c.escalation_level == 0 || c.concerns.size() == 1) && concerns.front() >= 0) {
    const auto number = static_cast<std::size_t>(concerns.front());
    if (entry) {
      near_stopped(*entry, concerns.front(), crisis);
      memo = &entry->holders_stop[crisis][number];
    } else {
      memo = &holders_stop_[crisis][number];
    }
  }
  if (memo != nullptr && !memo->reason.empty()) return memo->reason;

  filter furthest = filter::concern;  // visits: someone is near, so rule 4 passed
  unsigned states = 0;
  const auto add = [&](const stop& s) {
    furthest = std::max(furthest, s.furthest);
    states |= s.states;
  };
  if (dropped) {
    if (entry) {
      add(near_stopped(*entry, -1, crisis));
    } else {
      std::vector<int> everyone;
      if (!all_stop_[crisis].known) {
        for (std::size_t i = 0; i < on_duty_.size(); ++i) everyone.push_back(static_cast<int>(i));
      }
      add(stopped(everyone, crisis, all_stop_[crisis]));
    }
  } else {
    for (int number : concerns) {
      if (number < 0) continue;
      add(entry ? near_stopped(*entry, number, crisis)
                : stopped(holders_[static_cast<std::size_t>(number)], crisis,
                          holders_stop_[crisis][static_cast<std::size_t>(number)]));
    }
  }
  std::string reason = reason_for(c, furthest, states);
  if (memo != nullptr) memo->reason = reason;
  return reason;
}

eligibility candidate_index::find_eligible(const queued_case& c) {
  eligibility result;
  if (on_duty_.empty()) {
    result.reason = "no counselor on duty";
    return result;
  }
  // The specialty numbers rule 2 reads at this level: the primary concern,
  // every concern at level 1, none once dropped.
  std::vector<int>& concerns = concerns_;
  const std::size_t used = concern_dropped(c) ? 0 : (c.escalation_level == 1 ? c.concerns.size() : 1);
  concerns.clear();
  for (std::size_t k = 0; k < used; ++k) concerns.push_back(specialty(c.concerns[k]));

  // Cases whose candidates are all taken (surely, from the counts of who is
  // free): no list needs reading, only the reason.
  const bool visit = is_visit(c.contact_mode);
  if (surely_nobody_free(c, concerns)) {
    result.reason = reason_nobody_free(c, concerns);
    return result;
  }

  // The counselors who may pass rules 2-4: near the county for visits, else
  // the holders of the concern(s) at this level, else everyone on duty.
  if (++stamp_ == 0) {
    std::fill(seen_.begin(), seen_.end(), 0);
    std::fill(excluded_.begin(), excluded_.end(), 0);
    stamp_ = 1;
  }
  for (const std::string& id : c.excluded) {
    if (const int index = by_id_.find(id); index >= 0) excluded_[static_cast<std::size_t>(index)] = stamp_;
  }
  filter furthest = visit ? filter::county : filter::concern;
  unsigned states = 0;
  std::vector<const candidate*> excluded;
  const auto consider = [&](int index) {
    const auto i = static_cast<std::size_t>(index);
    if (seen_[i] == stamp_) return;
    seen_[i] = stamp_;
    const candidate& who = on_duty_[i];
    const filter failed = first_failed(c, concerns, who);
    furthest = std::max(furthest, failed);
    if (failed > filter::crisis && failed < filter::passed) states |= 1u << static_cast<unsigned>(failed);
    if (failed != filter::passed) return;
    (excluded_[i] == stamp_ ? excluded : result.eligible).push_back(&who);
  };
  // With someone free, only the free lists can hold an eligible counselor
  // (and no reason is needed); pruning them keeps full counselors from
  // costing every later case of the pass.
  const auto consider_free = [&](std::vector<int>& list) {
    std::erase_if(list, [&](int index) { return !free_for(on_duty_[static_cast<std::size_t>(index)], false); });
    for (int index : list) consider(index);
  };
  if (visit) {
    if (auto it = near_.find(c.county); it != near_.end()) {
      for (int index : it->second.near) consider(index);
    }
  } else if (concern_dropped(c)) {
    consider_free(free_all_);
  } else {
    for (std::size_t k = 0; k < used; ++k) {
      if (concerns[k] < 0) continue;
      consider_free(free_holders_[static_cast<std::size_t>(concerns[k])]);
    }
  }
  // Rule 5 yields when it alone would leave the case unserved.
  if (result.eligible.empty() && !excluded.empty()) {
    result.eligible = std::move(excluded);
    result.relaxed_rule5 = true;
  }
  if (result.eligible.empty()) {
    result.reason = reason_for(c, furthest, states);
  }
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
