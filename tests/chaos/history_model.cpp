// History replay for the chaos test. Event order inside one case is exact
// (each script appends its event atomically); times across cases are only
// as good as the replicas' clocks, hence the slack in max_concurrent.
#include "chaos/history_model.hpp"

#include <algorithm>
#include <set>
#include <utility>

namespace caseroute::chaos {

namespace {

enum class phase { none, queued, offered, active, resolved, cancelled };

const char* name(phase p) {
  switch (p) {
    case phase::none:
      return "none";
    case phase::queued:
      return "queued";
    case phase::offered:
      return "offered";
    case phase::active:
      return "active";
    case phase::resolved:
      return "resolved";
    case phase::cancelled:
      return "cancelled";
  }
  return "?";
}

std::int64_t ms(const google::protobuf::Timestamp& t) { return t.seconds() * 1000 + t.nanos() / 1000000; }

}  // namespace

case_audit audit_case(const v1::Case& c) {
  case_audit out;
  phase now = phase::none;
  std::string holder;                          // who accepted it (active)
  std::map<std::string, std::int64_t> offers;  // open offers: counselor -> since (ms)
  std::int64_t broadcast_at = -1;              // when the open broadcast was made, if any
  std::int64_t held_since = 0;
  auto fail = [&](const v1::Event& e, const std::string& what) {
    out.violations.push_back(c.case_id() + ": " + e.type() + " (" + e.counselor_id() + ") while " + name(now) +
                             (holder.empty() ? "" : " by " + holder) + ": " + what);
  };
  // An open offer ends: the counselor's holding of the case ends with it.
  auto end_offer = [&](const v1::Event& e) {
    auto it = offers.find(e.counselor_id());
    if (it == offers.end()) return false;
    out.holdings.push_back({it->first, c.case_id(), it->second, ms(e.at())});
    offers.erase(it);
    return true;
  };
  auto end_holder = [&](const v1::Event& e) {
    if (!holder.empty()) out.holdings.push_back({holder, c.case_id(), held_since, ms(e.at())});
    holder.clear();
  };

  for (const auto& e : c.history()) {
    const std::string& type = e.type();
    ++out.events[type];
    if (type == "case.created") {
      if (now != phase::none) fail(e, "created twice");
      now = phase::queued;
    } else if (type == "case.offered") {
      // Several open offers only as one crisis broadcast (same rule, same instant).
      const bool same_broadcast = now == phase::offered && e.rule() == "broadcast" && broadcast_at == ms(e.at());
      if (now != phase::queued && !same_broadcast) fail(e, "two open offers at once");
      if (offers.contains(e.counselor_id())) fail(e, "offered twice to one counselor");
      offers[e.counselor_id()] = ms(e.at());
      broadcast_at = e.rule() == "broadcast" ? ms(e.at()) : -1;
      now = phase::offered;
    } else if (type == "case.accepted") {
      if (now == phase::active) fail(e, "accepted twice without a release in between");
      if (now != phase::offered || !offers.contains(e.counselor_id()))
        fail(e, "accepted without an open offer to them");
      holder = e.counselor_id();
      held_since = offers.contains(holder) ? offers[holder] : ms(e.at());
      offers.erase(holder);
      broadcast_at = -1;
      now = phase::active;
    } else if (type == "case.declined" || type == "case.offer_expired" || type == "case.offer_withdrawn") {
      // After an accept, the broadcast's other offers are withdrawn.
      const bool after_accept = now == phase::active && type == "case.offer_withdrawn";
      if ((now != phase::offered && !after_accept) || !end_offer(e)) fail(e, "no open offer to them");
      if (now == phase::offered && offers.empty()) now = phase::queued;
    } else if (type == "case.released") {
      if (now != phase::active || holder != e.counselor_id()) fail(e, "not active with them");
      end_holder(e);
      now = phase::queued;
    } else if (type == "case.resolved") {
      if (now != phase::active || holder != e.counselor_id()) fail(e, "not active with them");
      if (!offers.empty()) fail(e, "other offers still open");
      end_holder(e);
      now = phase::resolved;
    } else if (type == "case.cancelled") {
      if (now == phase::none || now == phase::resolved || now == phase::cancelled) fail(e, "already final");
      end_holder(e);
      while (!offers.empty()) {
        v1::Event end = e;
        end.set_counselor_id(offers.begin()->first);
        end_offer(end);
      }
      now = phase::cancelled;
    }
  }
  if (!holder.empty()) out.holdings.push_back({holder, c.case_id(), held_since, INT64_MAX});
  for (const auto& [who, since] : offers) out.holdings.push_back({who, c.case_id(), since, INT64_MAX});

  static const std::map<v1::CaseState, phase> expected{{v1::CASE_QUEUED, phase::queued},
                                                       {v1::CASE_OFFERED, phase::offered},
                                                       {v1::CASE_ACTIVE, phase::active},
                                                       {v1::CASE_RESOLVED, phase::resolved},
                                                       {v1::CASE_CANCELLED, phase::cancelled}};
  std::set<std::string> open;
  for (const auto& [who, since] : offers) open.insert(who);
  std::set<std::string> listed(c.offered_to().begin(), c.offered_to().end());
  if (!c.counselor_id().empty() && now == phase::offered) listed.insert(c.counselor_id());
  auto it = expected.find(c.state());
  if (it == expected.end() || it->second != now)
    out.violations.push_back(c.case_id() + ": state " + v1::CaseState_Name(c.state()) + " but the history ends " +
                             name(now));
  else if (now == phase::active && (c.counselor_id() != holder || !open.empty()))
    out.violations.push_back(c.case_id() + ": held by " + c.counselor_id() + " but the history says " + holder +
                             (open.empty() ? "" : " with offers still open"));
  else if (now == phase::offered && listed != open)
    out.violations.push_back(c.case_id() + ": the case's open offers differ from the history's");
  return out;
}

int max_concurrent(const std::vector<holding>& hs, std::int64_t slack_ms) {
  // +1 at a start, -1 at an end; at equal times ends go first.
  std::vector<std::pair<std::int64_t, int>> edges;
  for (const auto& h : hs) {
    const auto from = h.from_ms + slack_ms;
    if (from >= h.to_ms) continue;
    edges.emplace_back(from, +1);
    if (h.to_ms != INT64_MAX) edges.emplace_back(h.to_ms, -1);
  }
  std::sort(edges.begin(), edges.end());
  int open = 0, most = 0;
  for (const auto& [at, delta] : edges) {
    open += delta;
    most = std::max(most, open);
  }
  return most;
}

}  // namespace caseroute::chaos
