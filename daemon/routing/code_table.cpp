// The open-addressing code table of code_table.hpp: FNV-1a, linear probing,
// at most half full.
#include "routing/code_table.hpp"

#include <algorithm>

namespace caseroute::routing {

std::uint64_t code_table::hash(std::string_view key) {
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a
  for (char ch : key) h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ull;
  return h ^ (h >> 29);
}

void code_table::reserve(std::size_t n) {
  std::size_t slots = 16;
  while (slots < 2 * n) slots *= 2;
  if (slots > slots_.size()) rehash(slots);
}

void code_table::rehash(std::size_t slots) {
  slots_.assign(slots, -1);
  for (std::size_t k = 0; k < keys_.size(); ++k) {
    std::size_t i = hash(keys_[k]) & (slots - 1);
    while (slots_[i] >= 0) i = (i + 1) & (slots - 1);
    slots_[i] = static_cast<int>(k);
  }
}

int code_table::emplace(std::string_view key, int value) {
  if (const int found = find(key); found >= 0) return found;
  if (2 * (keys_.size() + 1) > slots_.size()) rehash(std::max<std::size_t>(16, 2 * slots_.size()));
  keys_.emplace_back(key);
  values_.push_back(value);
  std::size_t i = hash(key) & (slots_.size() - 1);
  while (slots_[i] >= 0) i = (i + 1) & (slots_.size() - 1);
  slots_[i] = static_cast<int>(keys_.size() - 1);
  return value;
}

int code_table::find(std::string_view key) const {
  if (slots_.empty()) return -1;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = hash(key) & mask;; i = (i + 1) & mask) {
    const int k = slots_[i];
    if (k < 0) return -1;
    if (keys_[static_cast<std::size_t>(k)] == key) return values_[static_cast<std::size_t>(k)];
  }
}

}  // namespace caseroute::routing
