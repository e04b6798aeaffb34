// Aging never outranks RISK_CRISIS; no unservable case blocks others at any
// depth; the same inputs in any order give the same decisions; escalation
// relaxes rule 2 and never rule 4.
#include <algorithm>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "fixtures.hpp"

namespace caseroute::testing {
namespace {

using routing::mode;
using routing::risk;

std::string describe(const routing::decision& d) {
  if (const auto* o = std::get_if<routing::offer>(&d)) {
    return o->case_id + "->" + o->counselor_id + "@" + o->site_id + "/" + to_string(o->chosen_by);
  }
  if (const auto* b = std::get_if<routing::broadcast>(&d)) {
    std::string text = b->case_id + "=>";
    for (const auto& o : b->offers) text += o.counselor_id + "/" + to_string(o.chosen_by) + ",";
    return text;
  }
  const auto& k = std::get<routing::keep_queued>(d);
  return k.case_id + ":" + k.reason;
}

TEST(aging, never_lifts_a_lower_risk_above_crisis) {
  config::routing_settings r;
  routing::queued_case ancient = a_case("high-ancient", risk::high);
  ancient.priority_group = true;
  ancient.created_at = t0 - std::chrono::days{3650};
  routing::queued_case low = a_case("low-ancient", risk::low);
  low.created_at = t0 - std::chrono::days{3650};
  routing::queued_case crisis = a_case("crisis-fresh", risk::crisis);
  crisis.created_at = t0;
  crisis.received_at = t0;
  const std::vector<routing::queued_case> queue = {ancient, low, crisis};
  for (int minutes_per_point : {1, 5, 1'000'000}) {
    r.aging_minutes_per_point = minutes_per_point;
    EXPECT_EQ(routing::queue_order(queue, t0, r).front()->id, "crisis-fresh") << minutes_per_point;
  }
  EXPECT_GT(routing::priority_score(ancient, t0, r), routing::priority_score(crisis, t0, r));
}

TEST(aging, thousands_of_unservable_cases_never_block_a_servable_one) {
  world w;
  w.on_duty(counselor("c1", {{"depression", 2}}));
  std::vector<routing::queued_case> queue;
  for (int i = 0; i < 5000; ++i) {
    routing::queued_case k = a_case("grief-" + std::to_string(i), risk::crisis, {"grief"});  // first in order
    k.created_at = t0 - std::chrono::minutes{i};
    queue.push_back(std::move(k));
  }
  for (int i = 0; i < 3000; ++i) {
    routing::queued_case k = a_case("visit-" + std::to_string(i), risk::high);
    k.contact_mode = mode::home_visit;
    k.county = "411299";
    queue.push_back(std::move(k));
  }
  routing::queued_case servable = a_case("servable", risk::low);
  servable.created_at = t0;
  queue.push_back(servable);
  const auto decisions = w.plan(queue);
  ASSERT_EQ(decisions.size(), queue.size());
  EXPECT_EQ(describe(decisions.back()), "servable->c1@hubin-01/only");
  EXPECT_EQ(std::get<routing::keep_queued>(decisions.front()).reason, "no counselor on duty holds grief");
  EXPECT_EQ(std::get<routing::keep_queued>(decisions[6000]).reason,
            "no counselor on duty near county 411299 for a visit");
}

// Twelve counselors over three sites with mixed skills, loads, last offers
// and statuses; forty cases of every risk, mode and escalation level.
struct mixed_world {
  world w;
  std::vector<routing::queued_case> queue;
  mixed_world() {
    const char* codes[] = {"depression", "grief", "sleep", "anxiety"};
    const char* sites[][2] = {{"hubin-01", "411202"}, {"shanzhou-01", "411203"}, {"lingbao-01", "411282"}};
    for (int i = 0; i < 12; ++i) {
      std::map<std::string, int> skills{{codes[i % 4], 1 + i % 3}, {codes[(i + 1) % 4], 1 + (i / 3) % 3}};
      const std::string id = "c" + std::to_string(i);
      w.on_duty(counselor(id, skills, i % 3 == 0, 2 + i % 2,
                          i % 5 == 0 ? std::vector<std::string>{"411282"} : std::vector<std::string>{}),
                sites[i % 3][0], sites[i % 3][1]);
      w.status(id).load = i % 2;
      w.status(id).last_offer_at = t0 - std::chrono::minutes{i % 4};
    }
    w.snap.on_duty.push_back(slot("c4", "hubin-01", "411202"));  // c4 at two sites
    w.status("c7").available = false;
    w.snap.continuity["y3"] = {"c5", "c9"};
    for (int i = 0; i < 40; ++i) {
      routing::queued_case k =
          a_case("k" + std::to_string(i), static_cast<risk>(1 + i % 4), {codes[i % 4], codes[(i + 2) % 4]});
      k.contact_mode = static_cast<mode>(1 + i % 4);
      k.county = sites[i % 3][1];
      k.escalation_level = i % 7 == 0 ? 2 : (i % 5 == 0 ? 1 : 0);
      k.priority_group = i % 6 == 0;
      k.created_at = t0 - std::chrono::minutes{(i * 7) % 50};
      k.received_at = k.created_at - std::chrono::minutes{i % 3};
      if (i % 8 == 0) k.youth_ref = "y3";
      if (i % 9 == 0) k.excluded = {"c0", "c3"};
      queue.push_back(std::move(k));
    }
  }
};

std::vector<std::string> planned(const mixed_world& m, const routing::plan_options& options) {
  std::vector<std::string> out;
  for (const auto& d : routing::plan(m.queue, m.w.snap, t0, options)) out.push_back(describe(d));
  return out;
}

TEST(determinism, same_decisions_whatever_the_input_order) {
  for (bool broadcast : {false, true}) {
    routing::plan_options options;
    options.crisis_broadcast = broadcast;
    mixed_world reference;
    const std::vector<std::string> expected = planned(reference, options);
    int offers = 0;
    for (const auto& line : expected) offers += line.find("->") != std::string::npos;
    EXPECT_GT(offers, 5);  // the world is not trivially empty

    std::mt19937 shuffle(12355);
    for (int round = 0; round < 25; ++round) {
      mixed_world m;
      std::shuffle(m.queue.begin(), m.queue.end(), shuffle);
      std::shuffle(m.w.snap.on_duty.begin(), m.w.snap.on_duty.end(), shuffle);
      std::shuffle(m.w.cfg.counselors.begin(), m.w.cfg.counselors.end(), shuffle);
      ASSERT_EQ(planned(m, options), expected) << "round " << round << " broadcast " << broadcast;
    }
  }
}

TEST(determinism, route_one_is_repeatable_and_agrees_with_plan_for_the_head) {
  mixed_world m;
  config::routing_settings r = m.w.cfg.routing;
  const routing::queued_case& head = *routing::queue_order(m.queue, t0, r).front();
  const std::string first = describe(m.w.route(head));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(describe(m.w.route(head)), first);
  EXPECT_EQ(describe(m.w.plan(m.queue).front()), first);
}

struct escalation_row {
  const char* name;
  int level;
  std::vector<std::string> concerns;
  mode contact;
  std::string county;
  std::string expected;
};

TEST(escalation, relaxations_of_rule_2_keep_rule_4) {
  // c1 depression at hubin-01 (411202); c2 grief at shanzhou-01 (411203),
  // visiting homes in 411205.
  const escalation_row rows[] = {
      {"level_0_primary_concern_only", 0, {"grief", "depression"}, mode::phone, "", "k->c2@shanzhou-01/only"},
      {"level_0_secondary_concern_does_not_count",
       0,
       {"sleep", "depression"},
       mode::phone,
       "",
       "k:no counselor on duty holds sleep"},
      {"level_1_any_concern", 1, {"sleep", "depression"}, mode::phone, "", "k->c1@hubin-01/only"},
      {"level_1_ranks_by_skill_over_all_concerns", 1, {"grief", "depression"}, mode::phone, "", "k->c1@hubin-01/skill"},
      {"level_1_visit_still_needs_someone_near",
       1,
       {"sleep", "grief"},
       mode::site_visit,
       "411202",
       "k:no counselor on duty near county 411202 holds any of sleep, grief"},
      {"level_1_visit_by_home_visit_county",
       1,
       {"sleep", "grief"},
       mode::home_visit,
       "411205",
       "k->c2@shanzhou-01/only"},
      {"level_2_any_specialty", 2, {"sleep"}, mode::phone, "", "k->c1@hubin-01/id"},
      {"level_2_visit_still_needs_someone_near",
       2,
       {"sleep"},
       mode::home_visit,
       "411299",
       "k:no counselor on duty near county 411299 for a visit"},
      {"level_2_visit_near_is_enough", 2, {"sleep"}, mode::site_visit, "411203", "k->c2@shanzhou-01/only"},
      {"level_3_behaves_as_level_2", 3, {"sleep"}, mode::phone, "", "k->c1@hubin-01/id"},
  };
  for (const escalation_row& row : rows) {
    world w;
    w.on_duty(counselor("c1", {{"depression", 3}}));
    w.on_duty(counselor("c2", {{"grief", 1}}, false, 3, {"411205"}), "shanzhou-01", "411203");
    routing::queued_case k = a_case("k", risk::medium, row.concerns);
    k.escalation_level = row.level;
    k.contact_mode = row.contact;
    k.county = row.county;
    EXPECT_EQ(describe(w.route(k)), row.expected) << row.name;
  }
}

}  // namespace
}  // namespace caseroute::testing
