// What a replica learned from its own scripts' answers before its feed
// reader got there: per key (a case, a counselor), the newest feed id a
// script run here answered with. An entry about that key up to that id then
// tells the replica nothing it did not know; the note goes once the reader
// reaches it, or at a resync (clear()). The hub keeps one per counselor (a
// long poll woken already), the dispatcher one per case (an offer it made).
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "live/stream_id.hpp"

namespace caseroute::live {

class ahead_of_feed {
 public:
  // A script answered `up_to` about `key`. false, and nothing noted, when
  // the feed reader is at or past it already (`read_up_to`).
  bool note(std::string_view key, stream_id up_to, stream_id read_up_to) {
    if (up_to <= read_up_to) return false;
    auto [at, added] = up_to_.try_emplace(std::string(key), up_to);
    if (!added) at->second = std::max(at->second, up_to);
    return true;
  }
  // The reader passes an entry about `key` at `at`: true when a script's
  // answer here was at or after it (the entry is known).
  bool known(std::string_view key, stream_id at) {
    auto noted = up_to_.find(key);
    if (noted == up_to_.end()) return false;
    const bool known = at <= noted->second;
    if (at >= noted->second) up_to_.erase(noted);
    return known;
  }
  void clear() { up_to_.clear(); }

 private:
  std::map<std::string, stream_id, std::less<>> up_to_;
};

}  // namespace caseroute::live
