// A stable radix sort on two 64-bit keys, so queue order at province scale
// (100,000 cases a pass) sorts a compact array instead of comparing cases.
// Speed only: what the keys mean is queue.cpp's.
#pragma once

#include <cstdint>
#include <vector>

namespace caseroute::routing {

struct sort_key {
  std::uint64_t first;
  std::uint64_t second;
  std::size_t position;  // of the item the keys were taken from
};

// Orders by (first, second); equal keys keep their order.
void radix_sort(std::vector<sort_key>& keys);

}  // namespace caseroute::routing
