// `caseroute --check-config`: the exceptions supervisors stored in the
// config's Redis against the file (docs/API.md, "Duty changes"). Reads only,
// with a short timeout: an unreachable Redis is a note, never a failure.
#pragma once

#include <ostream>
#include <string>

#include "config/config.hpp"

namespace caseroute {

// Prints "<path>: warning: ..." per disagreement, or a note that the stored
// exceptions were not checked (Redis not reachable within about a second).
void check_stored_exceptions(const config::config& cfg, const std::string& path, std::ostream& out);

}  // namespace caseroute
