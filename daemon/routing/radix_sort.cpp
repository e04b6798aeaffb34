// LSD radix sort, 11 bits a pass, skipping the passes where every key has
// the same digit (most of them: scores and times share their high bits).
#include "routing/radix_sort.hpp"

#include <algorithm>
#include <utility>

namespace caseroute::routing {

void radix_sort(std::vector<sort_key>& keys) {
  constexpr int bits = 11;
  constexpr std::size_t buckets = std::size_t{1} << bits;
  constexpr int digits_per_word = (64 + bits - 1) / bits;
  const auto digit = [](const sort_key& e, int d) {
    const std::uint64_t word = d < digits_per_word ? e.second : e.first;
    return static_cast<std::size_t>((word >> ((d % digits_per_word) * bits)) & (buckets - 1));
  };
  std::vector<sort_key> buffer(keys.size());
  std::vector<std::size_t> count(buckets);
  for (int d = 0; d < 2 * digits_per_word; ++d) {
    std::fill(count.begin(), count.end(), 0);
    for (const sort_key& e : keys) ++count[digit(e, d)];
    if (std::find(count.begin(), count.end(), keys.size()) != count.end()) continue;  // all alike
    std::size_t start = 0;
    for (std::size_t& c : count) start += std::exchange(c, start);
    for (const sort_key& e : keys) buffer[count[digit(e, d)]++] = e;
    keys.swap(buffer);
  }
}

}  // namespace caseroute::routing
