// A duty_index kept from pass to pass (as the dispatcher keeps it while the
// config and the on-duty slots stay) against a router built fresh from each
// pass's snapshot: every decision, reason and servable mark alike, while the
// counselors' state changes between passes.
#include <algorithm>
#include <random>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "random_world.hpp"

namespace caseroute::testing {
namespace {

using routing::decision;

std::string text(const routing::offer& o) {
  return o.counselor_id + "@" + o.site_id + "/" + routing::to_string(o.chosen_by) +
         (o.relaxed_rule5 ? "/relaxed" : "") + (o.note.empty() ? "" : " (" + o.note + ")");
}

std::string text(const decision& d) {
  std::ostringstream out;
  if (const auto* o = std::get_if<routing::offer>(&d)) {
    out << "offer " << o->case_id << " " << text(*o);
  } else if (const auto* k = std::get_if<routing::keep_queued>(&d)) {
    out << "keep " << k->case_id << (k->nobody_on_duty ? " (nobody on duty)" : "") << ": " << k->reason;
  } else if (const auto* b = std::get_if<routing::broadcast>(&d)) {
    out << "broadcast " << b->case_id;
    for (const routing::offer& o : b->offers) out << " " << text(o);
  } else if (const auto* w = std::get_if<routing::wait_for_counselor>(&d)) {
    out << "wait " << w->case_id << " " << w->counselor_id << " " << w->until.time_since_epoch().count() << ": "
        << w->reason;
  }
  return out.str();
}

std::vector<std::string> texts(const std::vector<decision>& decisions) {
  std::vector<std::string> out;
  for (const decision& d : decisions) out.push_back(text(d));
  return out;
}

// What the store does with a planned offer.
void apply(routing::snapshot& snap, const routing::offer& o, bool crisis, time_point now) {
  routing::counselor_status& st = snap.status[o.counselor_id];  // absent = defaults
  ++st.load;
  st.last_offer_at = now;
  if (crisis) ++st.crisis_this_shift;
}

// Between passes: the planned offers land, and counselors resolve cases
// (wrap-up starts), sign out and in, and miss offers.
void next_state(routing::snapshot& snap, const std::vector<decision>& planned, const random_world& w, time_point now,
                std::mt19937& rng) {
  for (const decision& d : planned) {
    if (const auto* o = std::get_if<routing::offer>(&d)) {
      const auto c = std::find_if(w.queue.begin(), w.queue.end(), [&](const auto& k) { return k.id == o->case_id; });
      apply(snap, *o, c != w.queue.end() && c->level == routing::risk::crisis, now);
    } else if (const auto* b = std::get_if<routing::broadcast>(&d)) {
      for (const routing::offer& each : b->offers) apply(snap, each, true, now);
    }
  }
  const auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  for (const config::counselor& who : w.cfg.counselors) {
    if (pick(4) != 0) continue;
    routing::counselor_status& st = snap.status[who.id];
    switch (pick(5)) {
      case 0:  // resolved one
        if (st.load > 0) --st.load;
        st.last_resolved_at = now;
        break;
      case 1:  // resolved everything a while ago
        st.load = 0;
        st.last_resolved_at = now - 10min;
        break;
      case 2:
        st.available = !st.available;
        st.availability_changed_at = now;
        break;
      case 3:
        st.missed_offers = pick(4);
        break;
      default:
        st.load = who.capacity;
        break;
    }
  }
}

class duty_index_reuse : public ::testing::TestWithParam<unsigned> {};

TEST_P(duty_index_reuse, passes_over_one_index_decide_as_fresh_routers) {
  for (const variant_row& v : variants) {
    SCOPED_TRACE(v.name);
    random_world w(GetParam(), 240, 600);
    const routing::plan_options options = options_of(v, w);
    routing::duty_index duty(w.cfg, w.snap.on_duty);
    routing::snapshot snap = w.snap;
    std::mt19937 rng(GetParam());
    int offers = 0, kept = 0;
    for (int pass = 0; pass < 6; ++pass) {
      SCOPED_TRACE("pass " + std::to_string(pass));
      // Wrap-ups (3 min) end as the passes go by.
      const time_point now = t0 + std::chrono::minutes{pass * 2};
      const std::vector<decision> fresh = routing::plan(w.queue, snap, now, options);
      routing::router reused(snap, now, duty, options);
      const std::vector<decision> planned = reused.plan(w.queue);
      ASSERT_EQ(texts(planned), texts(fresh));
      for (const decision& d : planned) {
        offers += std::holds_alternative<routing::offer>(d) || std::holds_alternative<routing::broadcast>(d);
        kept += std::holds_alternative<routing::keep_queued>(d);
      }
      next_state(snap, planned, w, now, rng);
    }
    // Both regimes in every pass but the first few: offers while someone is
    // free, reasons once nobody is.
    EXPECT_GT(offers, 100);
    EXPECT_GT(kept, 1000);
  }
}

// One case at a time, as the dispatcher asks once nobody is free: the reason,
// whether anyone could serve it, and the decision without counting.
TEST_P(duty_index_reuse, reasons_and_marks_over_one_index_are_as_fresh) {
  random_world w(GetParam(), 240, 600);
  routing::duty_index duty(w.cfg, w.snap.on_duty);
  routing::snapshot snap = w.snap;
  std::mt19937 rng(GetParam() + 100);
  for (int pass = 0; pass < 4; ++pass) {
    SCOPED_TRACE("pass " + std::to_string(pass));
    const time_point now = t0 + std::chrono::minutes{pass * 2};
    routing::router fresh(snap, now);
    routing::router reused(snap, now, duty);
    for (const routing::queued_case& c : w.queue) {
      ASSERT_EQ(reused.could_serve(c), fresh.could_serve(c)) << c.id;
      ASSERT_EQ(reused.wait_reason(c), fresh.wait_reason(c)) << c.id;
      ASSERT_EQ(text(reused.route(c)), text(fresh.route(c))) << c.id;
      ASSERT_EQ(reused.anyone_free(), fresh.anyone_free());
    }
    next_state(snap, routing::plan(w.queue, snap, now), w, now, rng);
  }
}

INSTANTIATE_TEST_SUITE_P(seeds, duty_index_reuse, ::testing::Values(1u, 2u, 3u));

}  // namespace
}  // namespace caseroute::testing
