// plan() against independent oracles on seeded random cities: the queue
// order of a plain stable sort, each case routed alone by a fresh router on a
// snapshot updated after every planned offer, and the counselor index against
// the rules asked of everyone on duty. Guards the pass-wide shortcuts (lists,
// free counts, memoised reasons) from changing any decision.
#include <algorithm>
#include <random>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "random_world.hpp"
#include "routing/candidates.hpp"
#include "routing/rules.hpp"

namespace caseroute::testing {
namespace {

using routing::decision;

std::string text(const routing::offer& o) {
  return o.counselor_id + "@" + o.site_id + "/" + routing::to_string(o.chosen_by) + (o.relaxed_rule5 ? "/relaxed" : "");
}

std::string text(const decision& d) {
  std::ostringstream out;
  if (const auto* o = std::get_if<routing::offer>(&d)) {
    out << "offer " << o->case_id << " " << text(*o);
  } else if (const auto* k = std::get_if<routing::keep_queued>(&d)) {
    out << "keep " << k->case_id << ": " << k->reason;
  } else if (const auto* b = std::get_if<routing::broadcast>(&d)) {
    out << "broadcast " << b->case_id;
    for (const routing::offer& o : b->offers) out << " " << o.case_id << ":" << text(o);
  } else if (const auto* w = std::get_if<routing::wait_for_counselor>(&d)) {
    out << "wait " << w->case_id << " " << w->counselor_id << " " << w->until.time_since_epoch().count() << ": "
        << w->reason;
  }
  return out.str();
}

// Queue order written the plain way: crisis first, then score, received_at, id.
std::vector<const routing::queued_case*> reference_order(const random_world& w) {
  std::vector<const routing::queued_case*> order;
  for (const routing::queued_case& c : w.queue) order.push_back(&c);
  const auto score = [&](const routing::queued_case* c) { return routing::priority_score(*c, t0, w.cfg.routing); };
  std::stable_sort(order.begin(), order.end(), [&](const auto* a, const auto* b) {
    const bool ca = a->level == routing::risk::crisis, cb = b->level == routing::risk::crisis;
    if (ca != cb) return ca;
    if (score(a) != score(b)) return score(a) > score(b);
    if (a->received_at != b->received_at) return a->received_at < b->received_at;
    return a->id < b->id;
  });
  return order;
}

// What a planned offer changes in the live state, as the store would.
void apply(routing::snapshot& snap, const routing::offer& o, bool crisis) {
  routing::counselor_status& st = snap.status[o.counselor_id];  // absent = defaults
  ++st.load;
  st.last_offer_at = t0;
  if (crisis) ++st.crisis_this_shift;
}

class plan_equivalence : public ::testing::TestWithParam<unsigned> {};

TEST_P(plan_equivalence, plan_equals_one_case_at_a_time) {
  for (const variant_row& v : variants) {
    SCOPED_TRACE(v.name);
    random_world w(GetParam(), 240, 1500);
    const routing::plan_options options = options_of(v, w);

    const auto order = reference_order(w);
    ASSERT_EQ(routing::queue_order(w.queue, t0, w.cfg.routing), order);

    const std::vector<decision> planned = routing::plan(w.queue, w.snap, t0, options);
    ASSERT_EQ(planned.size(), order.size());

    // The same router counting case by case.
    routing::router counting(w.snap, t0, options);
    // A fresh router per case on a snapshot that records each planned offer.
    routing::snapshot live = w.snap;
    int offers = 0, kept = 0, other = 0;
    for (std::size_t i = 0; i < order.size(); ++i) {
      const routing::queued_case& c = *order[i];
      const decision alone = routing::route_one(c, live, t0, options);
      ASSERT_EQ(text(planned[i]), text(alone)) << "case #" << i << " in queue order";
      ASSERT_EQ(text(planned[i]), text(counting.route_and_count(c))) << "case #" << i << " in queue order";
      const bool crisis = c.level == routing::risk::crisis;
      if (const auto* o = std::get_if<routing::offer>(&alone)) {
        apply(live, *o, crisis);
        ++offers;
      } else if (const auto* b = std::get_if<routing::broadcast>(&alone)) {
        for (const routing::offer& each : b->offers) apply(live, each, true);
        ++offers;
      } else if (std::holds_alternative<routing::keep_queued>(alone)) {
        ++kept;
      } else {
        ++other;
      }
    }
    // The world exercises both regimes: offers while someone is free, then
    // reasons once everyone who could serve is full.
    EXPECT_GT(offers, 50);
    EXPECT_GT(kept, 300);
    if (v.continuity) {
      EXPECT_GT(other, 0);
    }
  }
}

std::string joined(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  std::string out;
  for (const std::string& id : ids) out += " " + id;
  return out;
}

// What the index found for a case, as text.
std::string text(const routing::eligibility& found) {
  if (found.eligible.empty()) return "nobody: " + found.reason;
  std::vector<std::string> ids;
  for (const routing::candidate* who : found.eligible) ids.push_back(who->profile->id);
  return (found.relaxed_rule5 ? "relaxed" : "eligible") + joined(ids);
}

// The same, from first_failed asked of everyone on duty with the case's whole need.
std::string asked_everyone(const routing::candidate_index& index, const routing::queued_case& c,
                           const config::routing_settings& s) {
  if (index.on_duty().empty()) return "nobody: no counselor on duty";
  const routing::need n = routing::need_of(c);
  routing::tally why{n.visit_county != nullptr ? routing::filter::county : routing::filter::concern};
  std::vector<std::string> passed, declined;
  for (const routing::candidate& who : index.on_duty()) {
    const routing::filter failed = routing::first_failed(n, who, s);
    why.add(failed);
    if (failed == routing::filter::passed)
      (c.excluded.count(who.profile->id) ? declined : passed).push_back(who.profile->id);
  }
  if (!passed.empty()) return "eligible" + joined(passed);
  if (!declined.empty()) return "relaxed" + joined(declined);
  return "nobody: " + routing::reason_for(n, why);
}

TEST_P(plan_equivalence, index_finds_what_asking_everyone_finds) {
  random_world w(GetParam(), 240, 1500);
  routing::candidate_index index(w.snap, t0);
  int found = 0, nobody = 0;
  for (const routing::queued_case* c : reference_order(w)) {
    const routing::eligibility result = index.find_eligible(*c);
    ASSERT_EQ(text(result), asked_everyone(index, *c, w.cfg.routing)) << "case " << c->id;
    if (result.eligible.empty()) {
      ++nobody;
      continue;
    }
    ++found;
    // Plan an offer to the smallest id, as a pass would to its best.
    const auto* chosen =
        *std::min_element(result.eligible.begin(), result.eligible.end(),
                          [](const auto* a, const auto* b) { return a->profile->id < b->profile->id; });
    index.record_offer(*chosen, t0, c->level == routing::risk::crisis);
  }
  EXPECT_GT(found, 50);
  EXPECT_GT(nobody, 300);
}

// keep_queued's nobody_on_duty is exactly "nobody on duty passes the rules
// on the case", whatever their own state: the dispatcher skips such cases
// when a slot frees, so a wrong `true` would strand a servable case.
TEST_P(plan_equivalence, nobody_on_duty_when_no_one_passes_the_rules_on_the_case) {
  random_world w(GetParam(), 240, 1500);
  routing::candidate_index index(w.snap, t0);
  const std::vector<decision> planned = routing::plan(w.queue, w.snap, t0);
  const auto order = reference_order(w);
  int unservable = 0, waiting = 0;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const auto* kept = std::get_if<routing::keep_queued>(&planned[i]);
    if (kept == nullptr) continue;
    const routing::need n = routing::need_of(*order[i]);
    const bool someone = std::any_of(index.on_duty().begin(), index.on_duty().end(), [&](const auto& who) {
      return routing::first_failed(n, who, w.cfg.routing) >= routing::first_own_state;
    });
    ASSERT_EQ(kept->nobody_on_duty, !someone) << "case " << order[i]->id << ": " << kept->reason;
    ++(someone ? waiting : unservable);
  }
  EXPECT_GT(unservable, 50);
  EXPECT_GT(waiting, 50);
}

// Cases nobody on duty can serve change no other decision: 20,000 of them
// (concerns nobody holds, visits to a county nobody covers) mixed into the
// queue leave every other case's decision as it was.
TEST_P(plan_equivalence, unservable_cases_change_no_decision) {
  random_world w(GetParam(), 240, 1500);
  const std::vector<decision> alone = routing::plan(w.queue, w.snap, t0);
  std::vector<routing::queued_case> mixed = w.queue;
  std::mt19937 rng(GetParam());
  for (int i = 0; i < 20000; ++i) {
    routing::queued_case k;
    k.id = "u" + std::to_string(i);
    k.level = static_cast<routing::risk>(1 + rng() % 4);
    if (i % 2 == 0) {
      k.concerns = {"s7"};  // held by nobody
    } else {
      k.concerns = {"s" + std::to_string(rng() % 7)};
      k.contact_mode = routing::mode::home_visit;
      k.county = "999999";  // covered by nobody
    }
    k.created_at = t0 - std::chrono::minutes{static_cast<int>(rng() % 180)};
    k.received_at = k.created_at;
    mixed.push_back(std::move(k));
  }
  std::vector<std::string> without, with;
  for (const decision& d : alone) without.push_back(text(d));
  for (const decision& d : routing::plan(mixed, w.snap, t0)) {
    const auto* kept = std::get_if<routing::keep_queued>(&d);
    if (kept != nullptr && kept->case_id.starts_with("u")) {
      ASSERT_TRUE(kept->nobody_on_duty) << kept->case_id;
      continue;
    }
    with.push_back(text(d));
  }
  EXPECT_EQ(with, without);
}

INSTANTIATE_TEST_SUITE_P(seeds, plan_equivalence, ::testing::Values(1u, 2u, 3u));

}  // namespace
}  // namespace caseroute::testing
