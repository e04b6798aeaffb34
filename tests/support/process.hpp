// Child processes for end-to-end tests: the real caseroute binary started
// with arguments, its output captured to a file, signalled or killed -9.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include <sys/types.h>

namespace caseroute::testing {

class process {
 public:
  // Starts argv[0] with argv; stdout and stderr go to log_file. env adds or
  // replaces variables of the child's environment; an empty value removes one.
  process(std::vector<std::string> argv, std::string log_file,
          std::vector<std::pair<std::string, std::string>> env = {});
  ~process();  // SIGKILL if still running
  process(const process&) = delete;
  process& operator=(const process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void signal(int sig);
  void kill9();
  // Waits for exit; returns the exit code (128+signal when killed), or -1 on timeout.
  int wait(std::chrono::milliseconds timeout);
  std::string output() const;  // what it logged so far

 private:
  pid_t pid_ = -1;
  int status_ = 0;
  bool exited_ = false;
  std::string log_file_;
};

// Minimal blocking HTTP/1.1 client (one request per connection) for tests.
struct http_reply {
  int status = 0;                                            // 0 when the connection failed
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
  std::string body;
  std::string header(const std::string& name) const;
};
http_reply http_call(int port, const std::string& method, const std::string& target, const std::string& body = "",
                     const std::vector<std::pair<std::string, std::string>>& headers = {},
                     std::chrono::milliseconds timeout = std::chrono::milliseconds(70000));

// Waits until GET path answers 200 (e.g. /readyz); false on timeout.
bool wait_for_http(int port, const std::string& path, std::chrono::milliseconds timeout);

}  // namespace caseroute::testing
