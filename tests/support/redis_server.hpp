// A private redis-server for one test binary: a temp dir, a free port, AOF on,
// noeviction. Tests flush it before each case and may stop, restart or kill it.
// Not thread-safe; use from the test's main thread.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace caseroute::testing {

// Binds 127.0.0.1:0, reads the port the kernel chose, closes the socket.
int free_port();

class redis_server {
 public:
  // Starts redis-server and waits up to 10 s for PING; throws on failure.
  explicit redis_server(bool appendonly = true);
  ~redis_server();  // SIGTERM, wait, remove the temp dir
  redis_server(const redis_server&) = delete;
  redis_server& operator=(const redis_server&) = delete;

  int port() const { return port_; }
  std::string url() const;  // "redis://127.0.0.1:P/0"
  std::string dir() const { return dir_; }

  void flush();  // FLUSHALL
  void stop();   // SIGTERM and wait; data stays in dir() (AOF)
  void start();  // same port and dir
  void kill9();  // SIGKILL, for crash tests

  // From now on clients must AUTH with `password` (CONFIG SET requirepass, and
  // --requirepass on a restart); cli(), flush() and the PING at start do.
  void require_password(const std::string& password);

  // Runs one command (binary safe) and returns the reply as text: strings,
  // statuses and errors as they are, integers in decimal, nil as "(nil)",
  // arrays as their elements joined by '\n'. Throws when Redis is unreachable.
  std::string cli(const std::vector<std::string>& args);

 private:
  void wait_ready();
  bool appendonly_;
  std::string password_;  // requirepass, empty for none
  int port_ = 0;
  std::string dir_;
  pid_t pid_ = -1;
};

}  // namespace caseroute::testing
