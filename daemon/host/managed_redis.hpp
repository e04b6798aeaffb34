// redis.url: managed — a private redis-server child with AOF on in data_dir,
// reached over a unix socket, restarted if it dies, stopped when we exit.
// It must not outlive us: the child gets SIGTERM when its parent dies.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <sys/types.h>
#include <cstdint>
#include <filesystem>
#include <string>

namespace caseroute::host {

// redis-server opens its --logfile for every line it writes, so renaming the
// file is a safe rotation: when `log` is larger than max_bytes it becomes
// `log`.1 (replacing an older one) and Redis starts a new file. At most twice
// max_bytes on disk. Returns whether it rotated.
bool rotate_log(const std::filesystem::path& log, std::uintmax_t max_bytes);

class managed_redis {
 public:
  managed_redis(boost::asio::io_context& io, std::string binary, std::filesystem::path data_dir);
  ~managed_redis();
  managed_redis(const managed_redis&) = delete;
  managed_redis& operator=(const managed_redis&) = delete;

  // Creates data_dir, waits for a previous instance's server (a crashed
  // daemon's child) to finish exiting, and spawns redis-server. Throws
  // std::runtime_error with a clear message when it cannot.
  void start();
  std::string socket_path() const { return socket_path_for(dir_); }
  static std::string socket_path_for(const std::filesystem::path& data_dir);

  // Restarts the server with backoff whenever it exits, until stop(); keeps
  // its redis.log bounded (rotate_log, checked every 30 s).
  boost::asio::awaitable<void> supervise();

  // SIGTERM (Redis flushes its AOF), wait up to 10 s, then SIGKILL.
  void stop();

 private:
  void spawn();
  boost::asio::io_context& io_;
  std::string binary_;
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  bool stopping_ = false;
};

}  // namespace caseroute::host
