// Small hand-built configs, cases and snapshots for the routing and schedule
// table tests. Invented ids only; no personal data.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "routing/routing.hpp"
#include "schedule/schedule.hpp"

namespace caseroute::testing {

using namespace std::chrono_literals;

// A UTC instant.
inline time_point utc(int y, unsigned m, unsigned d, int hh = 0, int mm = 0, int ss = 0) {
  const std::chrono::sys_days day{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d}};
  return time_point{day} + std::chrono::hours{hh} + std::chrono::minutes{mm} + std::chrono::seconds{ss};
}

// A fixed "now" for routing tests: Monday 2026-06-01 09:00 in Asia/Shanghai.
inline const time_point t0 = utc(2026, 6, 1, 1, 0);

inline config::counselor counselor(std::string id, std::map<std::string, int> specialties, bool crisis_trained = false,
                                   int capacity = 3, std::vector<std::string> home_visit_counties = {}) {
  config::counselor c;
  c.id = std::move(id);
  c.name = "counselor " + c.id;
  c.specialties = std::move(specialties);
  c.crisis_trained = crisis_trained;
  c.capacity = capacity;
  c.home_visit_counties = std::move(home_visit_counties);
  return c;
}

inline schedule::duty_slot slot(std::string counselor_id, std::string site_id, std::string county) {
  return {std::move(counselor_id), std::move(site_id),   std::move(county), "am",
          utc(2026, 6, 1, 0, 30),  utc(2026, 6, 1, 4, 0)};
}

inline routing::queued_case a_case(std::string id, routing::risk level = routing::risk::medium,
                                   std::vector<std::string> concerns = {"depression"}) {
  routing::queued_case c;
  c.id = std::move(id);
  c.level = level;
  c.concerns = std::move(concerns);
  c.received_at = t0 - 10min;
  c.created_at = t0 - 9min;
  return c;
}

// A config plus a snapshot that points at it. Not copyable: the snapshot
// holds a pointer to the config.
struct world {
  config::config cfg;
  routing::snapshot snap;

  world() { snap.cfg = &cfg; }
  world(const world&) = delete;
  world& operator=(const world&) = delete;

  // Adds a counselor on duty at one site (more sites: add slots by hand). The
  // reference is valid until the next counselor is added.
  config::counselor& on_duty(config::counselor c, std::string site_id = "hubin-01", std::string county = "411202") {
    snap.on_duty.push_back(slot(c.id, std::move(site_id), std::move(county)));
    cfg.counselors.push_back(std::move(c));
    return cfg.counselors.back();
  }
  // A counselor's live state; availability set during the current shift
  // unless a test says otherwise.
  routing::counselor_status& status(const std::string& id) {
    auto [it, added] = snap.status.try_emplace(id);
    if (added) it->second.availability_changed_at = t0 - std::chrono::minutes(5);
    return it->second;
  }

  routing::decision route(const routing::queued_case& c) const { return routing::route_one(c, snap, t0); }
  std::vector<routing::decision> plan(const std::vector<routing::queued_case>& q) const {
    return routing::plan(q, snap, t0);
  }
};

// The continuity-wait city: hubin-01 (411202), Asia/Shanghai: Monday am c1,
// c5; Monday pm c2; Tuesday am c3 (all depression:2). At t0 (Monday 09:00)
// c1 and c5 are on duty; c2 starts at 14:30 (06:30 UTC, 5h30m away) and c3
// on Tuesday 08:30 (00:30 UTC).
inline void rostered_city(world& w) {
  for (const char* id : {"c1", "c2", "c3", "c5"}) w.cfg.counselors.push_back(counselor(id, {{"depression", 2}}));
  config::site hubin;
  hubin.id = "hubin-01";
  hubin.county = "411202";
  hubin.roster[0] = {{"am", {"c1", "c5"}}, {"pm", {"c2"}}};  // Monday
  hubin.roster[1] = {{"am", {"c3"}}};                        // Tuesday
  w.cfg.sites = {hubin};
}

}  // namespace caseroute::testing
