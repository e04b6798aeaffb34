// The Redis a config names, for the commands that run beside the daemon
// (key rotate, reports rebuild|check, --check-config's stored exceptions).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "app.hpp"  // redis_endpoint(): the daemon's own Redis endpoint
#include "config/config.hpp"
#include "store/crypto.hpp"
#include "store/redis_connection.hpp"

namespace caseroute {

// Whether the Redis at `ep` takes its password, from one connection within
// `within`: AUTH with it, or PING when there is none. `error` is Redis's own
// answer (it never holds the password). A Sentinel endpoint is not asked
// (answered): its link confirms the master with ROLE before any hook runs,
// which a master with a password refuses to an unauthenticated link.
struct redis_probe {
  enum class outcome { answered, auth_failed, unreachable };
  outcome found = outcome::unreachable;
  std::string error;
};
redis_probe probe_redis(const store::endpoint& ep, std::chrono::milliseconds within);

// What the commands that read and rewrite sealed cases (key rotate, reports
// rebuild|check) start from: the config at `config_path`, a sealer holding
// its current and previous keys, and its Redis, which took the password.
// nullopt when any of them fails, the reason written to stderr (a refused
// password: "redis: authentication failed (redis.password): ...").
struct offline_store {
  config::config cfg;
  store::sealer seal;
  store::endpoint endpoint;
};
std::optional<offline_store> open_offline_store(const std::string& config_path);

}  // namespace caseroute
