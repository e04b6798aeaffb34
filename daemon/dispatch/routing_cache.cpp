// The dispatcher's routing cache: a full read replaces it, delta reads patch
// it, and its indexes (unservable cases, escalations due, youth refs) follow.
#include "dispatch/routing_cache.hpp"

#include <algorithm>

namespace caseroute::dispatch {

void routing_cache::replace(store::routing_state state, const config::routing_settings& settings) {
  settings_ = settings;
  servable_.clear();
  cases_.clear();
  escalations_.clear();
  youth_cases_.clear();
  crisis_accepted_.clear();
  snap_.status.clear();
  snap_.continuity.clear();
  for (auto& c : state.queued) put(std::move(c));
  put_counselors(state);
  for (auto& [ref, ids] : state.continuity) {
    if (youth_cases_.contains(ref)) snap_.continuity[ref] = std::move(ids);
  }
}

std::vector<std::string> routing_cache::apply(store::routing_delta delta) {
  for (const std::string& id : delta.gone) erase(id);
  std::vector<std::string> read;
  for (auto& c : delta.changed.queued) {
    read.push_back(c.id);
    put(std::move(c));
  }
  put_counselors(delta.changed);
  for (auto& [ref, ids] : delta.changed.continuity) {
    if (youth_cases_.contains(ref)) {
      snap_.continuity[ref] = std::move(ids);
    } else {
      snap_.continuity.erase(ref);
    }
  }
  return read;
}

void routing_cache::forget(const std::string& case_id) { erase(case_id); }

void routing_cache::put(routing::queued_case c) {
  erase(c.id, /*keep_continuity=*/true);
  if (!c.youth_ref.empty()) ++youth_cases_[c.youth_ref];
  const routing::queued_case& in = *cases_.insert(std::move(c)).first;
  if (auto due = routing::next_escalation_at(in, settings_)) escalations_.emplace(*due, in.id);
  servable_.insert(in.id);  // until routing says otherwise
}

void routing_cache::erase(const std::string& case_id, bool keep_continuity) {
  auto it = cases_.find(case_id);
  if (it == cases_.end()) return;
  const routing::queued_case& c = *it;
  if (auto due = routing::next_escalation_at(c, settings_)) escalations_.erase({*due, c.id});
  servable_.erase(c.id);
  if (!c.youth_ref.empty()) {
    auto refs = youth_cases_.find(c.youth_ref);
    if (--refs->second == 0 && !keep_continuity) {
      snap_.continuity.erase(c.youth_ref);
      youth_cases_.erase(refs);
    }
  }
  cases_.erase(it);
}

void routing_cache::put_counselors(store::routing_state& state) {
  for (auto& [id, status] : state.counselors) snap_.status[id] = status;
  for (auto& [id, times] : state.crisis_accepted) crisis_accepted_[id] = std::move(times);
}

const routing::snapshot& routing_cache::snapshot(const config::config* cfg, std::vector<schedule::duty_slot> on_duty) {
  snap_.on_duty = std::move(on_duty);
  return snapshot(cfg);
}

const routing::snapshot& routing_cache::snapshot(const config::config* cfg) {
  snap_.cfg = cfg;
  for (const auto& slot : snap_.on_duty) {
    auto taken = crisis_accepted_.find(slot.counselor_id);
    if (taken == crisis_accepted_.end()) continue;
    // Slots of one counselor in one shift share its start: count once.
    snap_.status[slot.counselor_id].crisis_this_shift = static_cast<int>(std::count_if(
        taken->second.begin(), taken->second.end(), [&](time_point at) { return at >= slot.shift_start; }));
  }
  return snap_;
}

std::vector<const routing::queued_case*> routing_cache::to_plan(bool everything, const std::set<std::string>& fresh,
                                                                bool servable) const {
  std::vector<const routing::queued_case*> out;
  if (everything) {
    out.reserve(cases_.size());
    for (const auto& c : cases_) out.push_back(&c);
    return out;
  }
  if (servable) {
    for (std::string_view id : servable_) out.push_back(&*cases_.find(id));
  }
  for (const std::string& id : fresh) {
    if (servable && servable_.contains(id)) continue;  // already in
    if (auto it = cases_.find(id); it != cases_.end()) out.push_back(&*it);
  }
  return out;
}

void routing_cache::mark(const std::string& case_id, bool unservable) {
  auto it = cases_.find(case_id);
  if (it == cases_.end()) return;
  if (unservable) {
    servable_.erase(it->id);
  } else {
    servable_.insert(it->id);
  }
}

std::vector<std::string> routing_cache::due_escalations(time_point now) const {
  std::vector<std::string> due;
  for (const auto& [at, id] : escalations_) {
    if (at > now) break;
    due.emplace_back(id);
  }
  return due;
}

void routing_cache::escalated(const std::string& case_id, int level) {
  auto it = cases_.find(case_id);
  if (it == cases_.end() || level <= it->escalation_level) return;
  routing::queued_case c = *it;
  c.escalation_level = level;
  put(std::move(c));  // a higher level relaxes rules: no longer known unservable
}

const routing::queued_case* routing_cache::find(const std::string& case_id) const {
  auto it = cases_.find(case_id);
  return it == cases_.end() ? nullptr : &*it;
}

std::optional<time_point> routing_cache::next_escalation() const {
  if (escalations_.empty()) return std::nullopt;
  return escalations_.begin()->first;
}

}  // namespace caseroute::dispatch
