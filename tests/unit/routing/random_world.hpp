// A seeded random city for the plan equivalence test: rosters, statuses and a
// queue mixing every state the router reads. Invented ids only; the same seed
// always builds the same world.
#pragma once

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "fixtures.hpp"
#include "schedule/schedule.hpp"

namespace caseroute::testing {

struct random_world {
  config::config cfg;
  routing::snapshot snap;
  std::vector<routing::queued_case> queue;
  std::unique_ptr<schedule::roster> roster;  // for plan_options::continuity_roster

  random_world(unsigned seed, int counselors, int cases) {
    std::mt19937 rng(seed);
    const auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    const auto code = [](int i) { return "s" + std::to_string(i); };
    const auto county = [](int i) { return std::to_string(410001 + i); };
    constexpr int codes = 8, counties = 8, sites = 16;

    cfg.routing.wrap_up = 3min;
    cfg.routing.max_crisis_per_shift = 2;
    cfg.routing.continuity_wait = 6h;
    for (int i = 0; i < codes; ++i) cfg.specialties.push_back({code(i), code(i)});
    for (int i = 0; i < sites; ++i) {
      config::site s;
      s.id = "site-" + std::to_string(i);
      s.county = county(i % counties);
      cfg.sites.push_back(std::move(s));
    }
    // Monday (index 0) am is on duty at t0; pm and Tuesday am come later.
    for (int i = 0; i < counselors; ++i) {
      std::map<std::string, int> held;
      const int n = pick(4);                                              // some hold nothing
      for (int k = 0; k < n; ++k) held[code(pick(codes - 1))] = pick(4);  // s7 never held; 0 = not held
      std::vector<std::string> homes;
      if (pick(5) == 0) homes = {county(pick(counties)), county(pick(counties))};
      const std::string id = "c" + std::to_string(1000 + i);
      cfg.counselors.push_back(counselor(id, held, pick(3) == 0, 1 + pick(4), homes));
      const int shift = pick(10);
      auto& site = cfg.sites[static_cast<std::size_t>(pick(sites))];
      if (shift < 7) {
        site.roster[0]["am"].push_back(id);
        if (pick(10) == 0) cfg.sites[static_cast<std::size_t>(pick(sites))].roster[0]["am"].push_back(id);
      } else if (shift < 9) {
        site.roster[0]["pm"].push_back(id);
      } else {
        site.roster[1]["am"].push_back(id);
      }
    }
    snap.cfg = &cfg;
    roster = std::make_unique<schedule::roster>(cfg);
    snap.on_duty = roster->on_duty(t0);
    snap.on_duty.push_back({"ghost", "site-0", county(0), "am", t0 - 30min, t0 + 3h});  // not in the config

    for (const config::counselor& who : cfg.counselors) {
      if (pick(5) == 0) continue;  // no status yet: defaults
      routing::counselor_status st;
      st.available = pick(8) != 0;
      st.availability_changed_at = pick(3) == 0 ? t0 - 3h : t0 - 5min;  // before or during the shift
      st.load = pick(who.capacity + 2);
      if (pick(3) != 0) st.last_offer_at = t0 - std::chrono::minutes{pick(5) * 10};  // ties on idle time
      st.missed_offers = pick(6) == 0 ? 3 : pick(3);
      if (pick(6) == 0) st.last_resolved_at = t0 - std::chrono::minutes{pick(6)};
      if (pick(8) == 0) st.last_crisis_resolved_at = t0 - std::chrono::minutes{pick(20)};
      st.crisis_this_shift = pick(3);
      snap.status.emplace(who.id, st);
    }

    const auto any_counselor = [&] { return cfg.counselors[static_cast<std::size_t>(pick(counselors))].id; };
    for (int i = 0; i < cases; ++i) {
      routing::queued_case k;
      k.id = "k" + std::to_string(100000 + pick(cases * 4));  // a few duplicate ids
      const int r = pick(10);
      k.level = r == 0 ? routing::risk::crisis
                       : (r < 3 ? routing::risk::high : (r < 6 ? routing::risk::medium : routing::risk::low));
      const int n = pick(12) == 0 ? 0 : 1 + pick(3);
      for (int j = 0; j < n; ++j) k.concerns.push_back(pick(20) == 0 ? "unknown" : code(pick(codes)));
      k.priority_group = pick(6) == 0;
      k.contact_mode = static_cast<routing::mode>(1 + pick(4));
      k.county = pick(15) == 0 ? "999999" : county(pick(counties));
      k.created_at = t0 - std::chrono::minutes{pick(180)};  // coarse, so ties reach the id
      k.received_at = k.created_at - std::chrono::minutes{pick(2)};
      k.escalation_level = pick(4) == 0 ? pick(4) : 0;
      if (pick(4) == 0) {
        k.youth_ref = "y" + std::to_string(pick(cases));
        snap.continuity[k.youth_ref].insert(any_counselor());
        if (pick(2) == 0) snap.continuity[k.youth_ref].insert(any_counselor());
      }
      if (pick(6) == 0) {
        for (int j = pick(3); j >= 0; --j) k.excluded.insert(any_counselor());
      }
      queue.push_back(std::move(k));
    }
  }
  random_world(const random_world&) = delete;
  random_world& operator=(const random_world&) = delete;
};

// The router's options the random tests run each world under.
struct variant_row {
  const char* name;
  bool broadcast;   // plan_options::crisis_broadcast
  bool continuity;  // plan_options::continuity_roster set
};

// The router's options of variant `v` over world `w`.
inline routing::plan_options options_of(const variant_row& v, const random_world& w) {
  routing::plan_options options;
  options.crisis_broadcast = v.broadcast;
  options.continuity_roster = v.continuity ? w.roster.get() : nullptr;
  return options;
}

inline constexpr variant_row variants[] = {
    {"default", false, false},
    {"crisis_broadcast", true, false},
    {"continuity_roster", false, true},
    {"both", true, true},
};

}  // namespace caseroute::testing
