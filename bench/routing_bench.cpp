// Province-scale routing benchmarks: a deterministic world of sites, counselors
// and queued cases; one decision, a pass for one new referral, a shift-change
// fill, the snapshot's memory, and how the cost grows. No I/O, no clock.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "routing/routing.hpp"

namespace caseroute::bench {
namespace {

using namespace std::chrono_literals;

// Monday 2026-06-01 09:00 in Asia/Shanghai (am shift).
const time_point now = time_point{std::chrono::sys_days{std::chrono::year{2026} / 6 / 1}} + 1h;
constexpr int specialty_count = 15;
constexpr int counties = 200;

std::string code(int i) { return "spec-" + std::to_string(i); }
std::string county(int i) { return std::to_string(410000 + i); }

// 2,000 sites (10 per county), `counselors` counselors (3 specialties each,
// a third crisis-trained, a tenth visiting homes in two counties), half of
// them on duty now, and `depth` queued cases (2% crisis, 18% high, 40%
// medium, 40% low; 1-3 concerns; 10% visits; a fifth with continuity).
struct province {
  config::config cfg;
  routing::snapshot snap;
  std::vector<routing::queued_case> queue;

  province(int counselors, int depth, int sites = 2000) {
    std::mt19937 rng(12355);
    const auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    for (int i = 0; i < specialty_count; ++i) cfg.specialties.push_back({code(i), code(i)});
    for (int i = 0; i < sites; ++i) {
      config::site s;
      s.id = "site-" + std::to_string(i);
      s.county = county(i % counties);
      cfg.sites.push_back(std::move(s));
    }
    for (int i = 0; i < counselors; ++i) {
      config::counselor c;
      c.id = "c" + std::to_string(100000 + i);
      c.name = c.id;
      for (int k = 0; k < 3; ++k) c.specialties[code(pick(specialty_count))] = 1 + pick(3);
      c.crisis_trained = i % 3 == 0;
      c.capacity = 3;
      if (i % 10 == 0) c.home_visit_counties = {county(pick(counties)), county(pick(counties))};
      cfg.counselors.push_back(std::move(c));
    }
    snap.cfg = &cfg;
    for (int i = 0; i < counselors; i += 2) {  // half on duty
      const config::counselor& c = cfg.counselors[static_cast<std::size_t>(i)];
      const config::site& s = cfg.sites[static_cast<std::size_t>(i / 2 % sites)];
      snap.on_duty.push_back({c.id, s.id, s.county, "am", now - 30min, now + 3h});
      routing::counselor_status st;
      st.available = pick(20) != 0;
      st.availability_changed_at = now - 20min;
      st.load = pick(4);
      st.last_offer_at = now - std::chrono::minutes{pick(600)};
      snap.status.emplace(c.id, st);
    }
    for (int i = 0; i < depth; ++i) {
      routing::queued_case k;
      k.id = "case-" + std::to_string(1000000 + i);
      const int r = pick(100);
      k.level = r < 2 ? routing::risk::crisis
                      : (r < 20 ? routing::risk::high : (r < 60 ? routing::risk::medium : routing::risk::low));
      const int n = 1 + pick(3);
      for (int j = 0; j < n; ++j) k.concerns.push_back(code(pick(specialty_count)));
      k.priority_group = pick(10) == 0;
      k.contact_mode = pick(10) == 0 ? routing::mode::home_visit : routing::mode::phone;
      k.county = county(pick(counties));
      k.created_at = now - std::chrono::seconds{pick(86400)};
      k.received_at = k.created_at - 1min;
      k.escalation_level = pick(20) == 0 ? 1 : 0;
      if (pick(5) == 0) {
        k.youth_ref = "y" + std::to_string(i);
        snap.continuity[k.youth_ref] = {cfg.counselors[static_cast<std::size_t>(pick(counselors))].id};
      }
      queue.push_back(std::move(k));
    }
  }
};

// (a) One routing decision (best counselor for the head case) on a snapshot
// prepared once per pass.
void BM_route_head_case(benchmark::State& state) {
  const province p(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  const routing::queued_case& head = *routing::queue_order(p.queue, now, p.cfg.routing).front();
  routing::router r(p.snap, now);
  for (auto _ : state) benchmark::DoNotOptimize(r.route(head));
  state.counters["on_duty"] = static_cast<double>(p.snap.on_duty.size());
}
BENCHMARK(BM_route_head_case)
    ->ArgNames({"counselors", "queue"})
    ->ArgsProduct({{1'000, 5'000, 10'000}, {1'000, 10'000, 100'000}})
    ->Unit(benchmark::kMicrosecond);

// A typical (non-crisis, phone, level 0) case.
void BM_route_typical_case(benchmark::State& state) {
  const province p(static_cast<int>(state.range(0)), 1'000);
  routing::queued_case k = p.queue.front();
  k.level = routing::risk::medium;
  k.contact_mode = routing::mode::phone;
  k.escalation_level = 0;
  routing::router r(p.snap, now);
  for (auto _ : state) benchmark::DoNotOptimize(r.route(k));
}
BENCHMARK(BM_route_typical_case)->Arg(1'000)->Arg(5'000)->Arg(10'000)->Unit(benchmark::kMicrosecond);

// Queue order alone (a part of every pass).
void BM_queue_order(benchmark::State& state) {
  const province p(1'000, static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(routing::queue_order(p.queue, now, p.cfg.routing).data());
}
BENCHMARK(BM_queue_order)->Arg(100'000)->Unit(benchmark::kMillisecond);

// Preparing the snapshot (the index) once per pass, and route_one(), which
// prepares it for a single decision.
void BM_prepare_snapshot(benchmark::State& state) {
  const province p(static_cast<int>(state.range(0)), 0);
  for (auto _ : state) routing::router r(p.snap, now);
}
BENCHMARK(BM_prepare_snapshot)->Arg(1'000)->Arg(5'000)->Arg(10'000)->Unit(benchmark::kMicrosecond);

void BM_route_one_unprepared(benchmark::State& state) {
  const province p(10'000, 1'000);
  for (auto _ : state) benchmark::DoNotOptimize(routing::route_one(p.queue.front(), p.snap, now));
}
BENCHMARK(BM_route_one_unprepared)->Unit(benchmark::kMicrosecond);

// A pass for one new referral with 10,000 counselors on duty (a province of
// 20,000): the router built from the snapshot (reuse=0) or over a duty_index
// kept from pass to pass (reuse=1), then the one decision. servable=0: a
// concern nobody holds (kept queued), servable=1: a typical phone case.
void BM_one_referral_pass(benchmark::State& state) {
  const province p(20'000, 1);
  const bool reuse = state.range(0) == 1;
  routing::queued_case k = p.queue.front();
  k.level = routing::risk::medium;
  k.contact_mode = routing::mode::phone;
  k.escalation_level = 0;
  k.concerns = {state.range(1) == 1 ? code(0) : "held-by-nobody"};
  routing::duty_index duty(p.cfg, p.snap.on_duty);
  for (auto _ : state) {
    if (reuse) {
      routing::router r(p.snap, now, duty);
      benchmark::DoNotOptimize(r.route_and_count(k));
    } else {
      routing::router r(p.snap, now);
      benchmark::DoNotOptimize(r.route_and_count(k));
    }
  }
  state.counters["on_duty"] = static_cast<double>(p.snap.on_duty.size());
}
BENCHMARK(BM_one_referral_pass)
    ->ArgNames({"reuse", "servable"})
    ->ArgsProduct({{0, 1}, {0, 1}})
    ->Unit(benchmark::kMicrosecond);

// (b) A shift change brings 500 counselors on duty with free capacity while
// everyone already on duty is full: one pass fills their capacity from the
// whole queue (queue order, index, every decision). daemon_options=1 plans as
// the dispatcher does: crisis broadcasts and continuity waits (a roster, 2h
// routing.continuity_wait).
void BM_shift_change_fill(benchmark::State& state) {
  province p(10'000, static_cast<int>(state.range(0)));
  p.cfg.routing.continuity_wait = 2h;
  const schedule::roster roster(p.cfg);
  routing::plan_options options;
  if (state.range(1) == 1) {
    options.crisis_broadcast = true;
    options.continuity_roster = &roster;
  }
  for (auto& [id, st] : p.snap.status) st.load = 3;  // 5,000 on duty, all full
  for (int i = 1; i < 1000; i += 2) {                // 500 arrive
    const config::counselor& c = p.cfg.counselors[static_cast<std::size_t>(i)];
    const config::site& s = p.cfg.sites[static_cast<std::size_t>(i % 2000)];
    p.snap.on_duty.push_back({c.id, s.id, s.county, "am", now, now + 3h});
  }
  std::size_t offers = 0;
  for (auto _ : state) {
    const auto decisions = routing::plan(p.queue, p.snap, now, options);
    offers = 0;
    for (const auto& d : decisions) {
      if (std::holds_alternative<routing::offer>(d)) ++offers;
      if (const auto* b = std::get_if<routing::broadcast>(&d)) offers += b->offers.size();
    }
    benchmark::DoNotOptimize(decisions.data());
  }
  state.counters["offers"] = static_cast<double>(offers);
  state.counters["free_capacity"] = 1500;
}
BENCHMARK(BM_shift_change_fill)
    ->ArgNames({"queue", "daemon_options"})
    ->Args({100'000, 0})
    ->Args({100'000, 1})
    ->Unit(benchmark::kMillisecond);

std::size_t heap_in_use() {
  const struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

// (c) Memory: the snapshot (duty slots, statuses, continuity) plus the
// router's index, measured as the heap growth while building them. The
// queue and the config are reported apart.
void BM_snapshot_memory(benchmark::State& state) {
  for (auto _ : state) {
    const std::size_t before = heap_in_use();
    auto p = std::make_unique<province>(10'000, 0);
    const std::size_t with_config = heap_in_use();
    // A snapshot of the same size as the province's, rebuilt to be measured alone.
    auto copy = std::make_unique<routing::snapshot>(p->snap);
    const std::size_t with_snapshot = heap_in_use();
    auto r = std::make_unique<routing::router>(*copy, now);
    const std::size_t with_index = heap_in_use();
    auto q = std::make_unique<province>(10'000, 100'000);
    const std::size_t with_queue = heap_in_use();
    state.counters["config_MB"] = static_cast<double>(with_config - before) / 1e6;
    state.counters["snapshot_MB"] = static_cast<double>(with_snapshot - with_config) / 1e6;
    state.counters["index_MB"] = static_cast<double>(with_index - with_snapshot) / 1e6;
    state.counters["snapshot_plus_index_MB"] = static_cast<double>(with_index - with_config) / 1e6;
    // The queue of 100,000 cases with its continuity entries (a second
    // province minus its config and base snapshot).
    state.counters["queue_100k_MB"] = static_cast<double>((with_queue - with_index) - (with_snapshot - before)) / 1e6;
  }
}
BENCHMARK(BM_snapshot_memory)->Iterations(1)->Unit(benchmark::kMillisecond);

// (d) Scaling: a whole pass (plan) by counselors and by queue depth (the
// head decision above has the same grid).
void BM_plan_scaling(benchmark::State& state) {
  const province p(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  for (auto _ : state) benchmark::DoNotOptimize(routing::plan(p.queue, p.snap, now).data());
  state.SetComplexityN(state.range(1));
}
BENCHMARK(BM_plan_scaling)
    ->ArgNames({"counselors", "queue"})
    ->ArgsProduct({{1'000, 5'000, 10'000}, {1'000, 10'000, 100'000}})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace caseroute::bench

BENCHMARK_MAIN();
