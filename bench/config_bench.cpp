// Finding counselors by id in the config, as the views that go through
// everyone on duty do (GET /v1/queue, GET /v1/roster, the availability
// gauges of GET /metrics, the dispatcher's offers): each of a city's 50 and
// a province's 10,000 counselors looked up once, by the config's index and
// (for comparison in the same run) by scanning the list, which is what
// every look-up did before the index.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "config/config.hpp"

namespace caseroute::bench {
namespace {

config::config city(int counselors, bool indexed) {
  config::config cfg;
  for (int i = 0; i < counselors; ++i) {
    config::counselor c;
    c.id = "c" + std::to_string(100000 + i);
    c.name = "Counselor " + std::to_string(i);
    for (const char* code : {"depression", "anxiety", "exam_stress", "family_conflict", "self_harm"})
      c.specialties[code] = 1 + i % 3;
    c.home_visit_counties = {"411202"};
    cfg.counselors.push_back(std::move(c));
  }
  if (indexed) cfg.build_indexes();
  return cfg;
}

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
