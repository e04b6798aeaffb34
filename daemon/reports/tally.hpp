// The day counters of one case recomputed from its history, exactly as the
// transition scripts add them as they go (tally() in lua/common.lua): the
// recount behind `caseroute reports rebuild` and `reports check`. Pure.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "caseroute/v1/caseroute.pb.h"
#include "reports/report.hpp"
#include "schedule/time.hpp"

namespace caseroute::reports {

// What the scripts read of a case besides its events: the case hash's risk,
// primary concern, platform and created ms, the record's mode and county,
// and (from the seal) its priority groups.
struct case_facts {
  int risk = 0;
  std::string concern;
  std::string platform;
  std::int64_t created_ms = 0;
  int mode = 0;
  std::string county;
  std::vector<int> groups;
};

// The field of a day's hash counting one counselor's events of `metric`
// ("declines|counselor=c1").
std::string counselor_field(const std::string& metric, const std::string& counselor_id);

// Adds the case's counters to `out`, each on the local day (`day_of`) of its event.
void tally_case(const case_facts& c, const std::vector<v1::Event>& history,
                const std::function<std::string(time_point)>& day_of, day_map& out);

}  // namespace caseroute::reports
