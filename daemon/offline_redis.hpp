// The Redis a config names, for the commands that run beside the daemon
// (key rotate, reports rebuild|check, --check-config's stored exceptions).
#pragma once

#include <optional>
#include <string>

#include "config/config.hpp"
#include "store/crypto.hpp"
#include "store/redis_connection.hpp"

namespace caseroute {

// The managed server's socket in redis.data_dir, or redis.url parsed;
// nullopt when redis.url does not parse.
std::optional<store::endpoint> redis_endpoint(const config::config& cfg);

// What the commands that read and rewrite sealed cases (key rotate, reports
// rebuild|check) start from: the config at `config_path`, a sealer holding
// its current and previous keys, and its Redis. nullopt when any of them
// fails, the reason written to stderr.
struct offline_store {
  config::config cfg;
  store::sealer seal;
  store::endpoint endpoint;
};
std::optional<offline_store> open_offline_store(const std::string& config_path);

}  // namespace caseroute
