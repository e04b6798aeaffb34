// Retry delays, one policy for everything that retries: status callbacks,
// Redis reconnects and the managed redis-server's restarts. Pure.
#pragma once

#include <chrono>
#include <cstdint>

namespace caseroute::config {

struct backoff {
  std::chrono::milliseconds initial{100};
  std::chrono::milliseconds most{5000};

  // The delay after `failures` (>= 1) failed attempts in a row: cap =
  // min(most, initial * 2^(failures-1)), drawn uniformly in [cap/2, cap]
  // ("equal jitter": retries spread out, yet never come back at once and
  // keep growing). `random` is any 64-bit random number.
  std::chrono::milliseconds delay(int failures, std::uint64_t random) const;
};

}  // namespace caseroute::config
