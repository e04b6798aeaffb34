// The running daemon: owns the io_context, the managed Redis (if any), the
// Redis connection and store, the dispatch loop, the HTTP server and metrics;
// starts them, reloads the config on SIGHUP and drains on SIGTERM.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "api/context.hpp"
#include "api/routes.hpp"
#include "config/config.hpp"
#include "config/overrides.hpp"
#include "http/router.hpp"
#include "store/redis_connection.hpp"

namespace caseroute {

// Every route table the daemon serves, one per audience (platform,
// counselor, supervisor, operations).
std::vector<std::span<const api::route>> route_tables();

// Adds every route of route_tables() to `r`; the app's router is built by
// this alone (tests/unit/api checks it against docs/API.md).
void register_routes(http::router& r, api::context& ctx);

// Where the daemon's Redis is, and the commands' beside it (offline_redis.hpp):
// the managed server's socket in redis.data_dir, or redis.url parsed
// (redis://, unix:// or sentinel://) with redis.password (from
// redis.password_file) in place of the url's own; nullopt when redis.url
// does not parse.
std::optional<store::endpoint> redis_endpoint(const config::config& cfg);

class app {
 public:
  // `cfg` is the file with `overrides` applied; a reload reads the file
  // again and applies the same overrides before comparing.
  app(std::filesystem::path config_path, config::config cfg, config::overrides overrides = {});
  ~app();

  // Runs until SIGTERM/SIGINT; returns the process exit code.
  int run();

 private:
  struct runtime;
  std::filesystem::path config_path_;
  config::overrides overrides_;
  std::shared_ptr<const config::config> cfg_;
  std::unique_ptr<runtime> rt_;
};

}  // namespace caseroute
