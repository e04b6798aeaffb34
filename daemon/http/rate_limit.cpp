// Token bucket arithmetic and the bounded table of buckets.
#include "http/rate_limit.hpp"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace caseroute::http {

token_buckets::token_buckets(config::bucket_settings s, std::size_t max_keys)
    : s_(s), max_keys_(std::max<std::size_t>(1, max_keys)) {}

void token_buckets::configure(config::bucket_settings s) {
  s_ = s;
  for (auto& [key, b] : buckets_) b.tokens = std::min(b.tokens, static_cast<double>(s_.burst));
}

void token_buckets::refill(bucket& b, limit_clock::time_point now) const {
  if (now <= b.at) return;
  const double elapsed = std::chrono::duration<double>(now - b.at).count();
  b.tokens = std::min(static_cast<double>(s_.burst), b.tokens + elapsed * static_cast<double>(s_.rate));
  b.at = now;
}

// Called only when the table is full, so its linear cost is paid once per
// max_keys / 8 new keys at most.
void token_buckets::make_room(limit_clock::time_point now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    refill(it->second, now);
    it = it->second.tokens >= static_cast<double>(s_.burst) ? buckets_.erase(it) : std::next(it);
  }
  if (buckets_.size() + max_keys_ / 8 < max_keys_) return;
  // Still full of drained buckets (many addresses at once): forget the
  // eighth least recently used.
  std::vector<limit_clock::time_point> times;
  times.reserve(buckets_.size());
  for (const auto& [key, b] : buckets_) times.push_back(b.at);
  const std::size_t drop = std::max<std::size_t>(1, max_keys_ / 8);
  std::nth_element(times.begin(), times.begin() + static_cast<std::ptrdiff_t>(drop - 1), times.end());
  const auto cutoff = times[drop - 1];
  for (auto it = buckets_.begin(); it != buckets_.end();)
    it = it->second.at <= cutoff ? buckets_.erase(it) : std::next(it);
}

int token_buckets::take(std::string_view key, limit_clock::time_point now) {
  if (s_.rate <= 0) return 0;
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) make_room(now);
    it = buckets_.emplace(std::string(key), bucket{static_cast<double>(std::max(s_.burst, s_.rate)), now}).first;
  }
  bucket& b = it->second;
  refill(b, now);
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return 0;
  }
  const double wait = (1.0 - b.tokens) / static_cast<double>(s_.rate);
  return std::max(1, static_cast<int>(std::ceil(wait)));
}

rate_limiter::rate_limiter(const config::limit_settings& s)
    : address_(s.per_address), token_(s.per_token, 4096), platform_(s.per_platform, 256), log_({1, 10}, 1) {}

void rate_limiter::configure(const config::limit_settings& s) {
  address_.configure(s.per_address);
  token_.configure(s.per_token);
  platform_.configure(s.per_platform);
}

bool rate_limiter::log_auth_failure(limit_clock::time_point now) {
  if (log_.take("", now) == 0) return true;
  ++suppressed_;
  return false;
}

std::uint64_t rate_limiter::take_suppressed() { return std::exchange(suppressed_, 0); }

std::string_view address_of(std::string_view remote) {
  if (!remote.empty() && remote.front() == '[') {
    const auto close = remote.find(']');
    return close == std::string_view::npos ? remote : remote.substr(1, close - 1);
  }
  const auto colon = remote.rfind(':');
  return colon == std::string_view::npos ? remote : remote.substr(0, colon);
}

bool is_loopback(std::string_view address) {
  if (address.starts_with("[") && address.ends_with("]")) address = address.substr(1, address.size() - 2);
  if (address.starts_with("::ffff:")) address.remove_prefix(7);
  return address.starts_with("127.") || address == "::1";
}

}  // namespace caseroute::http
