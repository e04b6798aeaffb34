// The counselor index the router builds once per pass from a snapshot, and
// the eligibility filter of SPEC section 3 rules 1-5 (plus the welfare limits
// of issue 3). Internal to routing/: plain values over the snapshot, no clock.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "routing/routing.hpp"

namespace caseroute::routing {

bool is_visit(mode m);

// Rule 2 at the case's escalation level, against a counselor's profile.
bool holds_concern(const queued_case& c, const config::counselor& who);

// Rules 2-4 for `who` rostered in `slots` (their slots of one shift):
// whether they could take the case, ignoring load and availability.
bool can_serve(const queued_case& c, const config::counselor& who, const std::vector<schedule::duty_slot>& slots);

// Codes or ids to small numbers: an open-addressing table over string_view
// keys (cheaper than std::unordered_map<std::string, int> on the per-case
// path). Keys are copied in.
class code_table {
 public:
  void reserve(std::size_t n);
  // Adds `key` with `value` unless present; returns the value it now has.
  int emplace(std::string_view key, int value);
  // The value of `key`, or -1.
  int find(std::string_view key) const;
  std::size_t size() const { return keys_.size(); }

 private:
  static std::uint64_t hash(std::string_view key);
  void rehash(std::size_t slots);
  std::vector<std::string> keys_;
  std::vector<int> values_;
  std::vector<int> slots_;  // index into keys_, or -1
};

// A counselor on duty now, with everything eligibility and ranking read.
struct candidate {
  const config::counselor* profile = nullptr;     // from snapshot.cfg
  std::vector<const schedule::duty_slot*> slots;  // from snapshot.on_duty, by site id
  std::vector<int> held;                          // specialty numbers held (proficiency > 0)
  bool available = true;                          // signed in
  bool missed_out = false;                        // signed out after missed offers
  bool wrapping_up = false;                       // within wrap-up after a resolve
  int crisis_taken = 0;                           // this shift, plus planned in this pass
  int load = 0;
  time_point last_offer_at{};
};

// Why a counselor cannot take a case, in the order reasons are derived from:
// a case nobody can serve is explained by the filter that removed the last
// candidates. Geography first because escalation never relaxes it; the
// counselor's own state (missed .. capacity) last.
enum class filter { county, concern, crisis, missed, available, wrap_up, crisis_limit, capacity, passed };

struct eligibility {
  std::vector<const candidate*> eligible;  // any order
  bool relaxed_rule5 = false;              // only counselors in K.excluded were left
  std::string reason;                      // why nobody, when eligible is empty
};

// Counselors on duty and known to the config, ordered by id, with indexes by
// specialty and by visit county and counts of who is free, so one case costs
// the counselors who hold its concern, not everyone on duty. Points into the
// snapshot, so it must not outlive it.
class candidate_index {
 public:
  candidate_index(const snapshot& s, time_point now);

  const std::vector<candidate>& on_duty() const { return on_duty_; }
  const candidate* find(const std::string& counselor_id) const;

  // The specialty number of a code, or -1 when nobody on duty holds it.
  int specialty(std::string_view code) const { return specialties_.find(code); }
  int skill(const candidate& who, int specialty) const;

  // A planned offer to `chosen` (an element of on_duty()): one more case, and
  // it was offered something at `now`.
  void record_offer(const candidate& chosen, time_point now, bool crisis);

  // Rules 1-5 and the welfare limits for case `c` at its escalation level.
  // When nobody is eligible the reason names what removed the last candidates.
  eligibility find_eligible(const queued_case& c);

 private:
  filter first_failed(const queued_case& c, const std::vector<int>& concerns, const candidate& who) const;
  filter own_state(const candidate& who, bool crisis) const;
  bool free_for(const candidate& who, bool crisis) const;
  // Whether a phone case's candidates surely include nobody free (exact).
  bool surely_nobody_free(const queued_case& c, const std::vector<int>& concerns) const;
  void count_free(const candidate& who, int delta);

  const config::routing_settings settings_;
  std::vector<candidate> on_duty_;
  code_table by_id_;
  code_table specialties_;                 // code -> number
  std::vector<std::uint8_t> skills_;       // [candidate * specialties + number]
  std::vector<std::vector<int>> holders_;  // by specialty number: candidates, by id
  // The same holders and everyone on duty, but only those free for some case
  // (own state passes); pruned as planned offers fill them.
  std::vector<std::vector<int>> free_holders_;
  std::vector<int> free_all_;
  std::vector<int> free_;         // by specialty number: holders free for any case
  std::vector<int> free_crisis_;  // ... crisis-trained holders free for a crisis case
  int all_free_ = 0;
  int all_free_crisis_ = 0;
  // For phone cases whose candidates are all taken: what stopped the holders
  // of each specialty (and everyone, once rule 2 is dropped), for non-crisis
  // [0] and crisis [1] cases. Computed once a list has nobody free, after
  // which planned offers cannot change it.
  struct stop {
    bool known = false;
    filter furthest = filter::concern;
    unsigned states = 0;
    std::string reason;  // for a level-0 case of this primary concern, once known
  };
  std::vector<stop> holders_stop_[2];
  stop all_stop_[2];
  const stop& stopped(const std::vector<int>& list, bool crisis, stop& memo) const;
  // Candidates near a county for visits, and the same stops for visit cases
  // of that county (its near holders of each specialty, all near), filled
  // lazily once nobody they list is free.
  struct county_entry {
    std::vector<int> near;
    std::vector<stop> holders_stop[2];
    stop all_stop[2];
  };
  std::unordered_map<std::string, county_entry> near_;
  const stop& near_stopped(county_entry& entry, int number, bool crisis);
  // Why nobody can take `c` once surely_nobody_free(c, concerns) holds.
  std::string reason_nobody_free(const queued_case& c, const std::vector<int>& concerns);
  std::vector<int> concerns_;  // per-call scratch: the case's specialty numbers
  std::vector<int> scratch_;
  // Per-call scratch, by candidate: stamps mark "seen" and "excluded".
  std::vector<std::uint32_t> seen_;
  std::vector<std::uint32_t> excluded_;
  std::uint32_t stamp_ = 0;
};

// Rule 4's place: a counselor's duty site in the case's county for visits,
// else their first duty site by id.
const std::string& offer_site(const queued_case& c, const candidate& chosen);

}  // namespace caseroute::routing
