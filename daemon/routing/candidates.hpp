// The counselor index of the router: whom to ask about a case. It lists
// counselors by specialty and by visit county (built when the on-duty set
// changes), counts who is free and remembers why nobody can (each pass); what
// it asks them is in rules.hpp. Internal to routing/: plain values, no clock.
#pragma once

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "routing/code_table.hpp"
#include "routing/routing.hpp"
#include "routing/rules.hpp"

namespace caseroute::routing {

struct eligibility {
  std::vector<const candidate*> eligible;  // any order
  bool relaxed_rule5 = false;              // only counselors who declined the case were left
  std::string reason;                      // why nobody, when eligible is empty
};

// Counselors on duty and known to the config, ordered by id, with lists by
// specialty and by visit county and counts of who is free, so one case costs
// the counselors who hold its concern, not everyone on duty.
//
// Two parts. The lists depend only on the config and the on-duty slots: the
// constructor builds them. Everything that depends on the counselors' live
// state (their state, who is free, why nobody is) is set by begin_pass, which
// a pass calls first: the same index serves pass after pass until the config
// or the slots change.
class candidate_index {
 public:
  // Points into `cfg` and `on_duty`: they must outlive it.
  candidate_index(const config::config* cfg, const std::vector<schedule::duty_slot>& on_duty);
  // The lists over s.cfg and s.on_duty, and begin_pass(s, now): points into the snapshot.
  candidate_index(const snapshot& s, time_point now);

  // Reads each counselor's live state at `now` from s.status (s.cfg and
  // s.on_duty are those of the constructor) and forgets every planned offer
  // and remembered reason of the pass before. O(on duty), over plain vectors.
  void begin_pass(const snapshot& s, time_point now);

  const std::vector<candidate>& on_duty() const { return on_duty_; }
  const candidate* find(const std::string& counselor_id) const;

  // The specialty number of a code, or -1 when nobody on duty holds it.
  int specialty(std::string_view code) const { return specialties_.find(code); }
  int skill(const candidate& who, int specialty) const;

  // A planned offer to `chosen` (an element of on_duty()): one more case, and
  // it was offered something at `now`.
  void record_offer(const candidate& chosen, time_point now, bool crisis);

  // Every rule of rules.hpp for case `c` at its escalation level. When nobody
  // is eligible the reason names what removed the last candidates.
  eligibility find_eligible(const queued_case& c);

  // Whether anyone on duty passes the rules on case `c` (4, 2 and 3 at its
  // escalation level), whatever their own state. Remembered per kind, visit
  // county and specialty: planned offers change only own state.
  bool could_serve(const queued_case& c);
  // Whether anyone on duty is free for some kind of case.
  bool anyone_free() const {
    return std::any_of(std::begin(all_free_), std::end(all_free_), [](int n) { return n > 0; });
  }

 private:
  static constexpr int everyone = -1;  // a list of every counselor, not the holders of one specialty

  // Why the counselors of one list cannot take a case of one kind. Worked
  // out once nobody listed is free for that kind, after which planned offers
  // cannot change it (the memo-key invariant in rules.hpp).
  struct stop {
    bool known = false;
    tally why{filter::concern};  // everyone listed passed rules 4 and 2
    std::string reason;          // for a case of the list's one concern (or none), once asked
  };
  struct stops {
    std::vector<stop> holders[kinds];  // by specialty number, filled on first use
    stop all[kinds];
  };
  struct county_entry {
    std::vector<int> near;  // candidates rule 4 lets visit the county, by id
    stops stopped;          // forgotten by begin_pass
  };

  // could_serve for the holders of specialty `number` (or everyone) listed
  // near `county` (or anywhere: empty), for cases of `kind`.
  bool anyone_passes_case_rules(const std::string& county, int number, int kind);

  void number_specialties();
  void add_to_lists(std::size_t i);
  void list_if_free(std::size_t i);
  // Whether the lists of a case surely hold nobody free for it (exact for phone cases).
  bool surely_nobody_free(const need& n, const std::vector<int>& numbers) const;
  // Why nobody can take a case for which surely_nobody_free holds.
  std::string reason_nobody_free(const need& n, const std::vector<int>& numbers);
  // The stop of the holders of specialty `number` (or everyone) near the
  // county of `entry` (or anywhere: nullptr), for cases of `kind`.
  stop& stopped(county_entry* entry, int number, int kind);
  // Calls ask(i) once for each candidate i listed for a case that needs `n`
  // (its concerns' specialty `numbers`): near its county for visits, else
  // free; holding one of its concerns unless rule 2 is dropped. Rules 4 and 2
  // hold for them. Returns the furthest rule the listing itself settles:
  // county when nobody is near a visit, else concern.
  template <class Ask>
  filter for_each_listed(const need& n, const std::vector<int>& numbers, Ask ask);
  bool holds_one_of(std::size_t i, const std::vector<int>& numbers) const;
  bool free_for_some_kind(const candidate& who) const;
  void next_stamp();
  // Adds `delta` to the counts of the kinds of case candidate i is free for;
  // whether there is any (free_for_some_kind, asking each rule once).
  bool count_free(std::size_t i, int delta);

  // Built with the lists: the config, the on-duty set, and each one's
  // first slot in the snapshot's order (its state is read for that slot).
  const config::routing_settings settings_;
  need kind_needs_[kinds];  // need_of_kind(kind)
  std::vector<candidate> on_duty_;
  std::vector<const schedule::duty_slot*> state_slot_;  // by candidate
  code_table by_id_;
  code_table specialties_;                 // code -> number
  std::vector<std::vector<int>> held_;     // by candidate: specialty numbers held
  std::vector<std::uint8_t> skills_;       // [candidate * specialties + number]
  std::vector<std::vector<int>> holders_;  // by specialty number: candidates, by id
  std::unordered_map<std::string, county_entry> near_;
  // Whether anyone passes the rules on a case (could_serve): settled by the
  // lists alone, so kept from pass to pass.
  std::map<std::tuple<std::string, int, int>, bool> could_serve_;  // (county, number, kind)

  // Set by begin_pass: who is free and why nobody is.
  // The same holders and everyone on duty, but only those free for some kind
  // of case; pruned as planned offers fill them.
  std::vector<std::vector<int>> free_holders_;
  std::vector<int> free_all_;
  // By kind: holders of each specialty free for such a case, and everyone.
  std::vector<int> free_[kinds];
  int all_free_[kinds] = {};
  stops stops_anywhere_;  // for lists not tied to a county (phone and online cases)
  // Per-call scratch: the case's specialty numbers, and by candidate the
  // stamps that mark "seen" and "declined it" (rule 5).
  std::vector<int> numbers_;
  std::vector<std::uint32_t> seen_;
  std::vector<std::uint32_t> declined_;
  std::uint32_t stamp_ = 0;
};

}  // namespace caseroute::routing
