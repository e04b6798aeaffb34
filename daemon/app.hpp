// The running daemon: owns the io_context, the managed Redis (if any), the
// Redis connection and store, the dispatch loop, the HTTP server and metrics;
// starts them, reloads the config on SIGHUP and drains on SIGTERM.
#pragma once

#include <filesystem>
#include <memory>

#include "config/config.hpp"

namespace caseroute {

class app {
 public:
  app(std::filesystem::path config_path, config::config cfg);
  ~app();

  // Runs until SIGTERM/SIGINT; returns the process exit code.
  int run();

 private:
  struct runtime;
  std::filesystem::path config_path_;
  std::shared_ptr<const config::config> cfg_;
  std::unique_ptr<runtime> rt_;
};

}  // namespace caseroute
