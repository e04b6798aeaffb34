// Bearer-token authentication, which every counselor and supervisor request
// pays, against a city of 50 and a province of 10,000 counselors: the
// token's owner found by the config's index, and (for comparison in the same
// run) by comparing the token's digest with everyone's: what a config
// without the index does, and what every request did before it.
#include <benchmark/benchmark.h>

#include <string>
#include <variant>

#include "city.hpp"
#include "config/config.hpp"
#include "config/token.hpp"
#include "http/auth.hpp"

namespace caseroute::bench {
namespace {

void run(benchmark::State& state, const std::string& token) {
  const auto cfg = city(static_cast<int>(state.range(0)), state.range(1) != 0);
  for (auto _ : state) {
    auto who = http::verify_token(token, cfg);
    benchmark::DoNotOptimize(who);
  }
}

// The last counselor's token (a scan compares with everyone first).
void BM_verify_token_known(benchmark::State& state) {
  run(state, "token-c" + std::to_string(100000 + state.range(0) - 1));
}
// A token nobody holds (what an attacker sends).
void BM_verify_token_unknown(benchmark::State& state) { run(state, "token-nobody"); }

BENCHMARK(BM_verify_token_known)->ArgNames({"counselors", "indexed"})->ArgsProduct({{50, 10000}, {0, 1}});
BENCHMARK(BM_verify_token_unknown)->ArgNames({"counselors", "indexed"})->ArgsProduct({{50, 10000}, {0, 1}});

}  // namespace
}  // namespace caseroute::bench

BENCHMARK_MAIN();
