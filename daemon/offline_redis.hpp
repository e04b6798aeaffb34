// The Redis a config names, for the commands that run beside the daemon
// (key rotate, reports rebuild|check, --check-config's stored exceptions).
#pragma once

#include <optional>

#include "config/config.hpp"
#include "store/redis_connection.hpp"

namespace caseroute {

// The managed server's socket in redis.data_dir, or redis.url parsed;
// nullopt when redis.url does not parse.
std::optional<store::endpoint> redis_endpoint(const config::config& cfg);

}  // namespace caseroute
