// Token buckets for the request rate limits (docs/API.md, "Rate limits"):
// per remote address, per counselor or supervisor token and per platform,
// plus the throttle on the log lines of refused credentials. Pure: the
// caller passes the time, nothing here reads a clock, logs or does I/O.
#pragma once

#include "config/config.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace caseroute::http {

using limit_clock = std::chrono::steady_clock;

// One bucket per key: `rate` tokens a second up to `burst`; a request takes
// one. Keys are bounded: past `max_keys` the buckets that have refilled are
// forgotten (they hold nothing a new bucket would not), then the least
// recently used. Not thread-safe: the io_context thread only.
class token_buckets {
 public:
  explicit token_buckets(config::bucket_settings s = {}, std::size_t max_keys = 65536);

  // New rates; buckets keep their level (capped at the new burst).
  void configure(config::bucket_settings s);

  // 0 when `key` may go now (a token taken), else the whole seconds until a
  // token is back (at least 1): the Retry-After. Always 0 when rate is 0.
  int take(std::string_view key, limit_clock::time_point now);

  std::size_t keys() const { return buckets_.size(); }

 private:
  struct bucket {
    double tokens = 0;
    limit_clock::time_point at;
  };
  void refill(bucket& b, limit_clock::time_point now) const;
  void make_room(limit_clock::time_point now);

  config::bucket_settings s_;
  std::size_t max_keys_;
  std::unordered_map<std::string, bucket> buckets_;
};

// The three request limits of config `limits:` and the log throttle.
class rate_limiter {
 public:
  explicit rate_limiter(const config::limit_settings& s = {});
  void configure(const config::limit_settings& s);

  // Each: 0 to go on, else the Retry-After in seconds (see token_buckets::take).
  int admit_address(std::string_view address, limit_clock::time_point now) { return address_.take(address, now); }
  int admit_token(std::string_view principal, limit_clock::time_point now) { return token_.take(principal, now); }
  int admit_platform(std::string_view platform, limit_clock::time_point now) { return platform_.take(platform, now); }

  // Whether a refused credential gets a log line now: one a second, bursts
  // of 10. When false, the refusal is added to suppressed(); a logged line
  // reports and resets that count through take_suppressed().
  bool log_auth_failure(limit_clock::time_point now);
  std::uint64_t take_suppressed();

 private:
  token_buckets address_, token_, platform_, log_;
  std::uint64_t suppressed_ = 0;
};

// Whether a client address (as address_of gives it) is loopback: 127.0.0.0/8,
// ::1 or an IPv4-mapped 127.x.
bool is_loopback(std::string_view address);

// The address part of "address:port" or "[v6]:port" (what request::remote holds).
std::string_view address_of(std::string_view remote);

}  // namespace caseroute::http
