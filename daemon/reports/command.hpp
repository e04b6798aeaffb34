// `caseroute reports rebuild --from DAY` and `caseroute reports check --from
// DAY`: the day counters recounted from the cases still in Redis, written
// (rebuild) or compared with the live ones (check). Prints counts and field
// names only: no case id, no personal data.
#pragma once

#include <string>

namespace caseroute::reports {

// The exit code: 0 done (check: equal), 1 a difference (printed) or Redis
// failed, 2 a bad config or day.
int run_reports_command(const std::string& config_path, bool rebuild, const std::string& from);

}  // namespace caseroute::reports
