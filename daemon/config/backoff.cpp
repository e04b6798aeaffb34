// Exponential backoff with equal jitter.
#include "config/backoff.hpp"

#include <algorithm>

namespace caseroute::config {

std::chrono::milliseconds backoff::delay(int failures, std::uint64_t random) const {
  const std::int64_t first = std::max<std::int64_t>(1, initial.count());
  const std::int64_t last = std::max<std::int64_t>(first, most.count());
  std::int64_t cap = first;
  for (int i = 1; i < failures && cap < last; ++i) cap *= 2;
  cap = std::min(cap, last);
  const std::int64_t half = cap / 2;
  return std::chrono::milliseconds(half +
                                   static_cast<std::int64_t>(random % static_cast<std::uint64_t>(cap - half + 1)));
}

}  // namespace caseroute::config
