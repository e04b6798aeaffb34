// The wrapped data keys of cases this replica handled lately (it created,
// accepted or sealed something for them), by case id, so sealing a resolve
// note or a reason costs no read of the key first. A wrapped key opens
// nothing without the master key; still, an entry is used for at most
// `max_age` (the case store keeps that under the case retention) and the
// case store drops it at the case's resolve or cancel here, so a key purged
// from Redis is not used again from memory. Bounded: past `capacity` the
// oldest entries go. Values only: no I/O; the caller passes the time.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace caseroute::store {

class wrapped_key_cache {
 public:
  using clock = std::chrono::steady_clock;

  wrapped_key_cache(std::size_t capacity, clock::duration max_age) : capacity_(capacity), max_age_(max_age) {}

  // An empty `wrapped` (a case stored before per-case keys) is not kept:
  // its key may be made later, and the next seal must use that one.
  void put(std::string_view case_id, std::string wrapped, clock::time_point now) {
    if (wrapped.empty() || capacity_ == 0) return;
    auto [it, added] = by_id_.try_emplace(std::string(case_id));
    it->second = entry{std::move(wrapped), now};
    order_.emplace_back(it->first, now);
    trim(now);
  }
  // The case's wrapped key, unless unknown or put longer than max_age ago.
  std::optional<std::string> find(std::string_view case_id, clock::time_point now) {
    trim(now);
    auto it = by_id_.find(std::string(case_id));
    if (it == by_id_.end()) return std::nullopt;
    return it->second.wrapped;
  }
  void erase(std::string_view case_id) { by_id_.erase(std::string(case_id)); }
  // Applies from the next call on.
  void set_max_age(clock::duration max_age) { max_age_ = max_age; }
  std::size_t size() const { return by_id_.size(); }

 private:
  struct entry {
    std::string wrapped;
    clock::time_point at;
  };
  // Drops, oldest first, what is too old or past capacity. order_ holds one
  // entry per put (a later put or an erase leaves an older one stale) and
  // stays under twice the capacity.
  void trim(clock::time_point now) {
    while (!order_.empty()) {
      const auto& [id, at] = order_.front();
      auto it = by_id_.find(id);
      const bool current = it != by_id_.end() && it->second.at == at;
      const bool drop = !current || now - at > max_age_ || by_id_.size() > capacity_ || order_.size() > 2 * capacity_;
      if (!drop) break;
      if (current) by_id_.erase(it);
      order_.pop_front();
    }
  }

  std::size_t capacity_;
  clock::duration max_age_;
  std::unordered_map<std::string, entry> by_id_;
  std::deque<std::pair<std::string, clock::time_point>> order_;  // case id, put at; oldest first
};

}  // namespace caseroute::store
