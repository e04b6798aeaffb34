// A platform's callback endpoint for tests: a thread accepting HTTP/1.1 POSTs
// on a free port, recording each (headers, body, time) and answering as told:
// a status, a delay, or a stall (never answers; the client must time out).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace caseroute::testing {

struct received_post {
  std::string target;
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
  std::chrono::steady_clock::time_point at;
};

struct reply_plan {
  int status = 200;
  std::chrono::milliseconds delay{0};
  bool stall = false;  // read the request, then hold the connection without answering
};

class callback_receiver {
 public:
  callback_receiver();
  ~callback_receiver();
  int port() const { return port_; }
  // Decides the answer to the n-th POST (0-based, counted over all POSTs).
  void set_plan(std::function<reply_plan(int n)> plan);
  std::vector<received_post> posts() const;
  // Waits until pred(posts()) holds; false after `timeout`.
  bool wait_for(const std::function<bool(const std::vector<received_post>&)>& pred,
                std::chrono::milliseconds timeout) const;

 private:
  void accept_loop();
  void serve(int fd);

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  std::function<reply_plan(int)> plan_;
  std::vector<received_post> posts_;
  int count_ = 0;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace caseroute::testing
