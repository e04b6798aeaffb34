// Finding counselors by id in the config, as what goes through everyone on
// duty does (GET /v1/queue, the availability gauges of GET /metrics, the
// coverage check, the dispatcher's offers): each of a city's 50 and
// a province's 10,000 counselors looked up once, by the config's index and
// (for comparison in the same run) by scanning the list, which is what
// every look-up did before the index.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "city.hpp"
#include "config/config.hpp"

namespace caseroute::bench {
namespace {

void BM_find_every_counselor(benchmark::State& state) {
  const auto cfg = city(static_cast<int>(state.range(0)), state.range(1) != 0);
  std::vector<std::string> ids;
  for (const auto& c : cfg.counselors) ids.push_back(c.id);
  for (auto _ : state) {
    int capacity = 0;
    for (const auto& id : ids) capacity += cfg.find_counselor(id)->capacity;
    benchmark::DoNotOptimize(capacity);
  }
}

BENCHMARK(BM_find_every_counselor)
    ->ArgNames({"counselors", "indexed"})
    ->ArgsProduct({{50, 10000}, {0, 1}})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace caseroute::bench

BENCHMARK_MAIN();
