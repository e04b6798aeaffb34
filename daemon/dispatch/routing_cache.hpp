// The dispatcher's copy of what the router reads: every queued case and
// every counselor's live state, read whole at start and after a gap in the
// change feed, then kept by reading only what the feed names. It also knows
// which cases nobody on duty can serve, so a freed slot never scans them, and
// when each case's escalation is next due. Values only: no I/O, no clock.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "routing/routing.hpp"
#include "schedule/schedule.hpp"
#include "store/case_store.hpp"

namespace caseroute::dispatch {

class routing_cache {
 public:
  // Everything, from a full read; escalations fall due by `settings`.
  void replace(store::routing_state state, const config::routing_settings& settings);
  // What the feed named, or a create here answered: cases still queued
  // (new, requeued or changed), cases gone from the queue, counselors and
  // continuity. Returns the ids of the queued cases it read.
  std::vector<std::string> apply(store::routing_delta delta);
  // A case that left the queue (this replica offered it, or the feed says
  // so); its youth's continuity goes with its last cached case.
  void forget(const std::string& case_id);

  // The router's snapshot over the cached states: who is on duty now, and
  // each counselor's RISK_CRISIS acceptances counted from the start of their
  // current shift. Valid until the next call that changes the cache.
  const routing::snapshot& snapshot(const config::config* cfg, std::vector<schedule::duty_slot> on_duty);
  // The same over the on-duty slots of the last call.
  const routing::snapshot& snapshot(const config::config* cfg);

  // The cases a pass routes: every queued case (`everything`), or
  // the `fresh` ones plus, when `servable`, every case not marked unservable.
  // Valid until the next call that changes the cache.
  std::vector<const routing::queued_case*> to_plan(bool everything, const std::set<std::string>& fresh,
                                                   bool servable) const;
  // After routing a case: whether nobody on duty can serve it (skipped by
  // to_plan's `servable` until the case changes or the cache is replaced).
  void mark(const std::string& case_id, bool unservable);

  // Cases whose escalation is due at `now`, soonest first.
  std::vector<std::string> due_escalations(time_point now) const;
  // The case's level rose to `level` (by this replica, or seen in Redis).
  void escalated(const std::string& case_id, int level);
  const routing::queued_case* find(const std::string& case_id) const;
  // Whether some cached case is of this youth (its continuity row counts).
  bool has_youth(const std::string& youth_ref) const { return youth_cases_.contains(youth_ref); }
  // When the next escalation falls due.
  std::optional<time_point> next_escalation() const;

  std::size_t queued() const { return cases_.size(); }
  std::size_t unservable() const { return cases_.size() - servable_.size(); }

 private:
  void put(routing::queued_case c);
  // keep_continuity: the case comes straight back (put), so its youth's
  // continuity stays even when it was the only case of that youth.
  void erase(const std::string& case_id, bool keep_continuity = false);
  void put_counselors(store::routing_state& state);

  // By id. A queue of 100,000 costs about 1 KB a case here: ids are held
  // once (the views below point into the cases, whose nodes never move),
  // and only the few servable cases are listed, not the many unservable.
  struct by_id {
    using is_transparent = void;
    bool operator()(const routing::queued_case& a, const routing::queued_case& b) const { return a.id < b.id; }
    bool operator()(const routing::queued_case& a, std::string_view b) const { return a.id < b; }
    bool operator()(std::string_view a, const routing::queued_case& b) const { return a < b.id; }
  };
  config::routing_settings settings_;
  std::set<routing::queued_case, by_id> cases_;
  std::set<std::string_view> servable_;                            // not marked unservable
  std::set<std::pair<time_point, std::string_view>> escalations_;  // next due, case id
  std::map<std::string, int> youth_cases_;                         // youth ref -> cached cases of that youth
  std::map<std::string, std::vector<time_point>> crisis_accepted_;
  routing::snapshot snap_;  // status and continuity kept here; on_duty set per pass
};

}  // namespace caseroute::dispatch
