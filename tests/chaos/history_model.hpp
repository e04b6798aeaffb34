// A replay of one case's history against the state machine of
// docs/ARCHITECTURE.md, for the chaos test's "one owner" checks: no two open
// offers, no second accept without a release, and who held the case when.
// Pure: reads the history only, asks the daemon nothing.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "caseroute/v1/caseroute.pb.h"

namespace caseroute::chaos {

// A counselor holding a case (offered or active), by event times in ms.
struct holding {
  std::string counselor_id;
  std::string case_id;
  std::int64_t from_ms = 0;
  std::int64_t to_ms = INT64_MAX;  // INT64_MAX while still held
};

struct case_audit {
  std::vector<std::string> violations;  // empty when the history is consistent
  std::vector<holding> holdings;
  std::map<std::string, int> events;  // event type -> count
};

// Replays created/offered/accepted/declined/offer_expired/offer_withdrawn/
// released/resolved/cancelled (other types, e.g. case.escalated, are skipped)
// and checks the final state against the case's state.
case_audit audit_case(const v1::Case& c);

// The most holdings of one counselor open at once. Each holding counts from
// from_ms + slack_ms: an event's time is read before its script runs, so a
// start can look up to that much earlier than it was.
int max_concurrent(const std::vector<holding>& hs, std::int64_t slack_ms);

}  // namespace caseroute::chaos
