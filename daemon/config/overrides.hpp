// What the command line and the environment override in the config file
// (server.listen, redis.url, redis.data_dir, log.level), kept so a SIGHUP
// reload applies them again to the file it reads. No I/O beyond getenv.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "config/config.hpp"

namespace caseroute::config {

struct overrides {
  std::optional<std::string> listen;     // --listen, CASEROUTE_LISTEN
  std::optional<std::string> redis_url;  // --redis-url, CASEROUTE_REDIS_URL
  std::optional<std::string> data_dir;   // --data-dir
  std::optional<std::string> log_level;  // CASEROUTE_LOG_LEVEL

  bool empty() const { return !listen && !redis_url && !data_dir && !log_level; }
};

// The environment variables the daemon reads, each filling a field the
// command line left unset (the command line wins). `getenv` is a parameter
// so tests pass a map; an empty value counts as unset.
void add_environment(overrides& o, const std::function<const char*(const char*)>& getenv);

// Writes every set override into cfg.
void apply(config& cfg, const overrides& o);

// A problem with an override's value ("CASEROUTE_LOG_LEVEL: expected ...");
// empty when every value is acceptable.
std::string check(const overrides& o);

}  // namespace caseroute::config
