// What a SIGHUP reload may change while the daemon runs. Fields bound at
// start (the listening socket, the Redis connection and key layout, the
// data key, the HTTP limits the listener copied) keep their running values
// until a restart; everything else is taken from the new file. Pure.
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"

namespace caseroute::config {

// Copies into `next` the running value of every restart-only field that
// differs and returns those fields' names ("server.listen", "redis.url", ...),
// in a fixed order; empty when the new file can be applied whole.
std::vector<std::string> keep_restart_only(config& next, const config& running);

// The names joined with ", ".
std::string join(const std::vector<std::string>& names);

}  // namespace caseroute::config
