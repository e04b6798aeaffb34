// Codes or ids to small numbers for the counselor index: an open-addressing
// table over string_view keys, cheaper than std::unordered_map<std::string,
// int> on the per-case path. Speed only; no routing rule lives here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace caseroute::routing {

// Keys are copied in.
class code_table {
 public:
  void reserve(std::size_t n);
  // Adds `key` with `value` unless present; returns the value it now has.
  int emplace(std::string_view key, int value);
  // The value of `key`, or -1.
  int find(std::string_view key) const;
  std::size_t size() const { return keys_.size(); }

 private:
  static std::uint64_t hash(std::string_view key);
  void rehash(std::size_t slots);
  std::vector<std::string> keys_;
  std::vector<int> values_;
  std::vector<int> slots_;  // index into keys_, or -1
};

}  // namespace caseroute::routing
