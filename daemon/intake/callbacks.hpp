// Status callbacks to platforms (docs/API.md, "Status callbacks"): the delivery loop every replica
// runs over the Redis outbox, and the HTTP client it posts with (Beast stays
// in callback_client.cpp). Never logs a body, a secret or anything but ids.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/context.hpp"
#include "store/outbox.hpp"

namespace caseroute::intake {

// Where a callback_url points: "http[s]://host[:port][/path][?query]".
struct callback_target {
  bool tls = false;
  std::string host;
  std::string port;
  std::string target = "/";  // path with query, as signed
};
std::optional<callback_target> parse_callback_url(std::string_view url);

// The outcome of one POST: the HTTP status, or 0 and why there was none
// ("timeout", "connect: ...").
struct callback_answer {
  int status = 0;
  std::string error;
};

// POSTs `body` as application/json with `headers`, all within `timeout`
// (resolve, connect, TLS, send, answer). Never throws for network outcomes.
// The answer's body is read (up to 64 KiB) and dropped.
boost::asio::awaitable<callback_answer> post_callback(callback_target to,
                                                      std::vector<std::pair<std::string, std::string>> headers,
                                                      std::string body, std::chrono::milliseconds timeout);

// Owned by app; runs on the io_context thread. Every replica runs one: the
// outbox's per-case lease keeps two replicas from posting a case at once.
class callback_worker {
 public:
  callback_worker(api::context& ctx, store::outbox& outbox);

  // Every 200 ms (sooner after a kick) claims the due cases and posts the head
  // callback of each, up to 32 at once; returns after stop().
  boost::asio::awaitable<void> run();
  void kick();
  void stop();

 private:
  boost::asio::awaitable<void> deliver(std::string case_id);

  api::context& ctx_;
  store::outbox& outbox_;
  boost::asio::steady_timer wake_;
  std::set<std::string> in_flight_;
  std::string replica_;  // this process's lease owner id
  std::mt19937_64 random_;
  bool kicked_ = false;
  bool stopping_ = false;
};

}  // namespace caseroute::intake
