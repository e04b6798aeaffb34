// The counselor index: whom to ask about a case. Rules 4 and 2 are settled by
// whom it lists, the rest is asked of first_failed (rules.hpp); counts of who
// is free and remembered reasons spare the cases nobody can take a list walk.
#include "routing/candidates.hpp"

#include <algorithm>
#include <cassert>

namespace caseroute::routing {

namespace {

// The counselors on duty and known to the config, by id, each with their duty
// slots by site id, and the slot their live state is read for: their first
// in `on_duty`.
struct gathered {
  std::vector<candidate> found;
  std::vector<const schedule::duty_slot*> state_slot;
};

gathered gather_on_duty(const config::config& cfg, const std::vector<schedule::duty_slot>& on_duty) {
  std::unordered_map<std::string_view, const config::counselor*> profiles;
  profiles.reserve(cfg.counselors.size());
  for (const config::counselor& who : cfg.counselors) profiles.emplace(who.id, &who);

  std::vector<std::pair<candidate, const schedule::duty_slot*>> found;
  std::unordered_map<std::string_view, std::size_t> position;
  for (const schedule::duty_slot& slot : on_duty) {
    auto profile = profiles.find(slot.counselor_id);
    if (profile == profiles.end()) continue;  // an id unknown to the config cannot be offered
    auto [it, added] = position.emplace(slot.counselor_id, found.size());
    if (added) {
      auto& fresh = found.emplace_back();
      fresh.first.profile = profile->second;
      fresh.second = &slot;
    }
    found[it->second].first.slots.push_back(&slot);
  }
  for (auto& [who, first] : found) {
    std::sort(who.slots.begin(), who.slots.end(), [](const auto* a, const auto* b) { return a->site_id < b->site_id; });
  }
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.first.profile->id < b.first.profile->id; });
  gathered out;
  out.found.reserve(found.size());
  out.state_slot.reserve(found.size());
  for (auto& [who, first] : found) {
    out.found.push_back(std::move(who));
    out.state_slot.push_back(first);
  }
  return out;
}

}  // namespace

candidate_index::candidate_index(const config::config* cfg, const std::vector<schedule::duty_slot>& on_duty)
    : settings_(cfg ? cfg->routing : config::routing_settings{}) {
  for (int kind = 0; kind < kinds; ++kind) kind_needs_[kind] = need_of_kind(kind);
  if (cfg == nullptr) return;
  gathered g = gather_on_duty(*cfg, on_duty);
  on_duty_ = std::move(g.found);
  state_slot_ = std::move(g.state_slot);
  number_specialties();
  by_id_.reserve(on_duty_.size());
  for (std::size_t i = 0; i < on_duty_.size(); ++i) add_to_lists(i);
  seen_.assign(on_duty_.size(), 0);
  declined_.assign(on_duty_.size(), 0);
}

candidate_index::candidate_index(const snapshot& s, time_point now) : candidate_index(s.cfg, s.on_duty) {
  begin_pass(s, now);
}

void candidate_index::begin_pass(const snapshot& s, time_point now) {
  // Each counselor's state: both sides are ordered by id, so one walk finds
  // every status (a lookup each when the statuses far outnumber those on duty).
  const bool walk = s.status.size() <= 8 * on_duty_.size() + 64;
  auto status = s.status.begin();
  for (std::size_t i = 0; i < on_duty_.size(); ++i) {
    candidate& who = on_duty_[i];
    const std::string& id = who.profile->id;
    if (walk) {
      while (status != s.status.end() && status->first < id) ++status;
    } else {
      status = s.status.find(id);
    }
    const bool known = status != s.status.end() && status->first == id;
    who.state = known ? state_at(status->second, *state_slot_[i], now, settings_) : counselor_state{};
  }
  // Who is free, counted and listed again.
  for (std::vector<int>& counts : free_) std::fill(counts.begin(), counts.end(), 0);
  std::fill(std::begin(all_free_), std::end(all_free_), 0);
  free_all_.clear();
  for (std::vector<int>& list : free_holders_) list.clear();
  for (std::size_t i = 0; i < on_duty_.size(); ++i) list_if_free(i);
  // Why nobody is: worked out again when asked.
  stops_anywhere_ = {};
  for (auto& [county, entry] : near_) entry.stopped = {};
}

// Specialty numbers in code order, so the index is the same whatever the
// order of the config or the snapshot.
void candidate_index::number_specialties() {
  std::vector<std::string_view> codes;
  for (const candidate& who : on_duty_) {
    for (const auto& [code, proficiency] : who.profile->specialties) {
      if (proficiency > 0) codes.push_back(code);
    }
  }
  std::sort(codes.begin(), codes.end());
  codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
  specialties_.reserve(codes.size());
  for (std::string_view code : codes) specialties_.emplace(code, static_cast<int>(specialties_.size()));

  const std::size_t n = codes.size();
  held_.assign(on_duty_.size(), {});
  skills_.assign(on_duty_.size() * n, 0);
  holders_.assign(n, {});
  free_holders_.assign(n, {});
  for (std::vector<int>& counts : free_) counts.assign(n, 0);
}

// Candidate i in the skill table and the lists by specialty and by county.
void candidate_index::add_to_lists(std::size_t i) {
  const candidate& who = on_duty_[i];
  const int index = static_cast<int>(i);
  by_id_.emplace(who.profile->id, index);
  for (const auto& [code, proficiency] : who.profile->specialties) {
    if (proficiency <= 0) continue;
    const int number = specialties_.find(code);
    held_[i].push_back(number);
    skills_[i * specialties_.size() + static_cast<std::size_t>(number)] =
        static_cast<std::uint8_t>(std::min(proficiency, 255));
    holders_[static_cast<std::size_t>(number)].push_back(index);
  }
  // Rule 4's counties: those of their duty sites and those where they visit homes.
  std::vector<std::string> counties;
  for (const schedule::duty_slot* slot : who.slots) counties.push_back(slot->county);
  counties.insert(counties.end(), who.profile->home_visit_counties.begin(), who.profile->home_visit_counties.end());
  std::sort(counties.begin(), counties.end());
  counties.erase(std::unique(counties.begin(), counties.end()), counties.end());
  for (const std::string& county : counties) near_[county].near.push_back(index);
}

// Candidate i in the counts of who is free and, when free for some kind of
// case, in the free lists.
void candidate_index::list_if_free(std::size_t i) {
  const int index = static_cast<int>(i);
  if (count_free(i, +1)) {
    free_all_.push_back(index);
    for (int number : held_[i]) free_holders_[static_cast<std::size_t>(number)].push_back(index);
  }
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

eligibility candidate_index::find_eligible(const queued_case& c) {
  eligibility result;
  if (on_duty_.empty()) {
    result.reason = "no counselor on duty";
    return result;
  }
  const need n = need_of(c);
  numbers_.clear();
  for (const std::string& code : n.concerns) numbers_.push_back(specialty(code));
  // Lists that surely hold nobody free (from the counts): only the reason is needed.
  if (surely_nobody_free(n, numbers_)) {
    result.reason = reason_nobody_free(n, numbers_);
    return result;
  }

  // Ask everyone listed for the case the rules beyond 4 and 2, setting aside
  // those who declined it (rule 5).
  next_stamp();
  for (const std::string& id : c.excluded) {
    if (const int index = by_id_.find(id); index >= 0) declined_[static_cast<std::size_t>(index)] = stamp_;
  }
  const need& rest = kind_needs_[kind_of(n)];
  std::vector<const candidate*> declined;
  tally why;
  why.add(for_each_listed(n, numbers_, [&](std::size_t i) {
    const filter failed = first_failed(rest, on_duty_[i], settings_);
    why.add(failed);
    if (failed == filter::passed) (declined_[i] == stamp_ ? declined : result.eligible).push_back(&on_duty_[i]);
  }));
  // Rule 5 yields when it alone would leave the case unserved.
  if (result.eligible.empty() && !declined.empty()) {
    result.eligible = std::move(declined);
    result.relaxed_rule5 = true;
  }
  if (result.eligible.empty()) result.reason = reason_for(n, why);
  return result;
}

bool candidate_index::could_serve(const queued_case& c) {
  if (on_duty_.empty()) return false;
  const need n = need_of(c);
  const std::string anywhere;
  const std::string& county = n.visit_county != nullptr ? *n.visit_county : anywhere;
  const int kind = kind_of(n);
  if (n.concerns.empty()) return anyone_passes_case_rules(county, everyone, kind);
  return std::any_of(n.concerns.begin(), n.concerns.end(), [&](const std::string& code) {
    const int number = specialty(code);
    return number >= 0 && anyone_passes_case_rules(county, number, kind);
  });
}

bool candidate_index::anyone_passes_case_rules(const std::string& county, int number, int kind) {
  const auto key = std::make_tuple(county, number, kind);
  if (auto known = could_serve_.find(key); known != could_serve_.end()) return known->second;
  // Listed counselors pass rules 4 and 2; the rest of the rules on the case
  // come before their own state.
  const auto passes = [&](int index) {
    return first_failed(kind_needs_[kind], on_duty_[static_cast<std::size_t>(index)], settings_) >= first_own_state;
  };
  bool anyone = false;
  if (!county.empty()) {
    auto it = near_.find(county);
    if (it != near_.end()) {
      const std::size_t n = specialties_.size();
      anyone = std::any_of(it->second.near.begin(), it->second.near.end(), [&](int index) {
        return (number == everyone ||
                skills_[static_cast<std::size_t>(index) * n + static_cast<std::size_t>(number)] > 0) &&
               passes(index);
      });
    }
  } else if (number != everyone) {
    const auto& holders = holders_[static_cast<std::size_t>(number)];
    anyone = std::any_of(holders.begin(), holders.end(), passes);
  } else {
    for (std::size_t i = 0; i < on_duty_.size() && !anyone; ++i) anyone = passes(static_cast<int>(i));
  }
  could_serve_.emplace(key, anyone);
  return anyone;
}

bool candidate_index::surely_nobody_free(const need& n, const std::vector<int>& numbers) const {
  const int kind = kind_of(n);
  if (n.concerns.empty()) return all_free_[kind] == 0;
  const std::vector<int>& free = free_[kind];
  return std::none_of(numbers.begin(), numbers.end(),
                      [&](int number) { return number >= 0 && free[static_cast<std::size_t>(number)] > 0; });
}

std::string candidate_index::reason_nobody_free(const need& n, const std::vector<int>& numbers) {
  // Nobody on the case's lists is free, so nobody there takes an offer in
  // this pass: what stops them is fixed, and so is the reason for every case
  // of the same need. Those are worked out once.
  county_entry* entry = nullptr;
  if (n.visit_county != nullptr) {
    auto it = near_.find(*n.visit_county);
    if (it == near_.end() || it->second.near.empty()) return reason_for(n, tally{filter::county});
    entry = &it->second;
  }
  const int kind = kind_of(n);
  // One known concern, or none: the list's stop is the whole reason.
  stop* whole = nullptr;
  if (n.concerns.empty()) {
    whole = &stopped(entry, everyone, kind);
  } else if (numbers.size() == 1 && numbers.front() >= 0) {
    whole = &stopped(entry, numbers.front(), kind);
  }
  if (whole != nullptr) {
    if (whole->reason.empty()) whole->reason = reason_for(n, whole->why);
    return whole->reason;
  }
  tally why{filter::concern};
  for (int number : numbers) {
    if (number >= 0) why.add(stopped(entry, number, kind).why);
  }
  return reason_for(n, why);
}

candidate_index::stop& candidate_index::stopped(county_entry* entry, int number, int kind) {
  stops& memos = entry != nullptr ? entry->stopped : stops_anywhere_;
  std::vector<stop>& holders = memos.holders[kind];
  if (number != everyone && holders.empty()) holders.assign(specialties_.size(), {});
  stop& memo = number == everyone ? memos.all[kind] : holders[static_cast<std::size_t>(number)];
  if (memo.known) return memo;
  memo.known = true;
  const auto ask = [&](int index) {
    memo.why.add(first_failed(kind_needs_[kind], on_duty_[static_cast<std::size_t>(index)], settings_));
  };
  if (entry != nullptr) {
    const std::size_t n = specialties_.size();
    for (int index : entry->near) {
      if (number == everyone || skills_[static_cast<std::size_t>(index) * n + static_cast<std::size_t>(number)] > 0) {
        ask(index);
      }
    }
  } else if (number != everyone) {
    for (int index : holders_[static_cast<std::size_t>(number)]) ask(index);
  } else {
    for (std::size_t i = 0; i < on_duty_.size(); ++i) ask(static_cast<int>(i));
  }
  return memo;
}

template <class Ask>
filter candidate_index::for_each_listed(const need& n, const std::vector<int>& numbers, Ask ask) {
  const auto once = [&](int index) {
    const auto i = static_cast<std::size_t>(index);
    if (seen_[i] == stamp_) return;
    seen_[i] = stamp_;
    ask(i);
  };
  if (n.visit_county != nullptr) {
    auto it = near_.find(*n.visit_county);
    if (it == near_.end()) return filter::county;
    for (int index : it->second.near) {
      if (n.concerns.empty() || holds_one_of(static_cast<std::size_t>(index), numbers)) once(index);
    }
    return filter::concern;
  }
  // With someone free, only the free lists can hold an eligible counselor
  // (and no reason is needed); pruning them keeps full counselors from
  // costing every later case of the pass.
  const auto free_in = [&](std::vector<int>& list) {
    std::erase_if(list, [&](int index) { return !free_for_some_kind(on_duty_[static_cast<std::size_t>(index)]); });
    for (int index : list) once(index);
  };
  if (n.concerns.empty()) {
    free_in(free_all_);
  } else {
    for (int number : numbers) {
      if (number >= 0) free_in(free_holders_[static_cast<std::size_t>(number)]);
    }
  }
  return filter::concern;
}

bool candidate_index::holds_one_of(std::size_t i, const std::vector<int>& numbers) const {
  const std::uint8_t* row = skills_.data() + i * specialties_.size();
  return std::any_of(numbers.begin(), numbers.end(),
                     [&](int number) { return number >= 0 && row[static_cast<std::size_t>(number)] > 0; });
}

bool candidate_index::free_for_some_kind(const candidate& who) const {
  for (int kind = 0; kind < kinds; ++kind) {
    if (first_failed(kind_needs_[kind], who, settings_) == filter::passed) return true;
  }
  return false;
}

// Starts a case's scratch marks.
void candidate_index::next_stamp() {
  if (++stamp_ != 0) return;
  std::fill(seen_.begin(), seen_.end(), 0);
  std::fill(declined_.begin(), declined_.end(), 0);
  stamp_ = 1;
}

// A planned offer changes the counts of who is free (and nothing else: the
// lists are pruned lazily, the memos hold only lists nobody free is on).
void candidate_index::record_offer(const candidate& chosen, time_point now, bool crisis) {
  assert(&chosen >= on_duty_.data() && &chosen < on_duty_.data() + on_duty_.size());
  const auto i = static_cast<std::size_t>(&chosen - on_duty_.data());
  counselor_state& state = on_duty_[i].state;
  count_free(i, -1);
  ++state.load;
  if (crisis) ++state.crisis_taken;
  state.last_offer_at = now;
  count_free(i, +1);
}

bool candidate_index::count_free(std::size_t i, int delta) {
  bool free = false;
  for (int kind = 0; kind < kinds; ++kind) {
    if (first_failed(kind_needs_[kind], on_duty_[i], settings_) != filter::passed) continue;
    free = true;
    for (int number : held_[i]) free_[kind][static_cast<std::size_t>(number)] += delta;
    all_free_[kind] += delta;
  }
  return free;
}

}  // namespace caseroute::routing
