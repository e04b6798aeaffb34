// Queue order, priority score, escalation levels and offer timeouts.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fixtures.hpp"

namespace caseroute::testing {
namespace {

using routing::risk;

std::vector<std::string> order_of(const std::vector<routing::queued_case>& q, time_point now,
                                  const config::routing_settings& r = {}) {
  std::vector<std::string> ids;
  for (const routing::queued_case* c : routing::queue_order(q, now, r)) ids.push_back(c->id);
  return ids;
}

// A case queued `waited` before t0 (received a minute before that).
routing::queued_case waiting(std::string id, risk level, std::chrono::minutes waited, bool group = false) {
  routing::queued_case c = a_case(std::move(id), level);
  c.created_at = t0 - waited;
  c.received_at = c.created_at - 1min;
  c.priority_group = group;
  return c;
}

struct score_row {
  const char* name;
  risk level;
  bool group;
  std::chrono::minutes waited;
  int aging_minutes_per_point;
  double score;
};

TEST(priority_score, table) {
  const score_row rows[] = {
      {"low", risk::low, false, 0min, 5, 10},
      {"medium", risk::medium, false, 0min, 5, 20},
      {"high", risk::high, false, 0min, 5, 30},
      {"crisis", risk::crisis, false, 0min, 5, 40},
      {"group_adds_ten", risk::medium, true, 0min, 5, 30},
      {"aging_floors_4_minutes_to_0", risk::low, false, 4min, 5, 10},
      {"aging_one_point_per_5_minutes", risk::low, false, 5min, 5, 11},
      {"aging_floors_14_minutes_to_2", risk::low, false, 14min, 5, 12},
      {"aging_custom_rate", risk::low, true, 30min, 10, 23},
      {"aging_off_when_zero", risk::low, false, 600min, 0, 10},
      {"aging_off_when_negative", risk::low, false, 600min, -1, 10},
  };
  for (const score_row& row : rows) {
    SCOPED_TRACE(row.name);
    config::routing_settings r;
    r.aging_minutes_per_point = row.aging_minutes_per_point;
    EXPECT_EQ(routing::priority_score(waiting("k", row.level, row.waited, row.group), t0, r), row.score);
  }
}

TEST(priority_score, created_in_the_future_has_no_aging) {
  routing::queued_case c = a_case("k", risk::high);
  c.created_at = t0 + 1h;
  EXPECT_EQ(routing::priority_score(c, t0, {}), 30);
}

TEST(queue_order, crisis_first_even_with_lower_score) {
  EXPECT_EQ(order_of({waiting("high-old", risk::high, 600min, true), waiting("crisis", risk::crisis, 0min)}, t0),
            (std::vector<std::string>{"crisis", "high-old"}));
}

TEST(queue_order, aging_lifts_old_low_above_fresh_medium) {
  // low waited 55 min: 10 + 11 = 21 > medium 20.
  EXPECT_EQ(order_of({waiting("medium", risk::medium, 0min), waiting("low-old", risk::low, 55min)}, t0),
            (std::vector<std::string>{"low-old", "medium"}));
  // low waited 45 min: 10 + 9 = 19 < 20.
  EXPECT_EQ(order_of({waiting("medium", risk::medium, 0min), waiting("low", risk::low, 45min)}, t0),
            (std::vector<std::string>{"medium", "low"}));
}

TEST(queue_order, priority_group_lifts_a_case) {
  EXPECT_EQ(order_of({waiting("medium", risk::medium, 0min), waiting("medium-group", risk::medium, 0min, true),
                      waiting("high", risk::high, 0min), waiting("low-group", risk::low, 0min, true)},
                     t0),
            // high (30) vs medium-group (30) tie on score; high's received_at
            // equals medium-group's, so id decides.
            (std::vector<std::string>{"high", "medium-group", "low-group", "medium"}));
}

TEST(queue_order, equal_scores_older_received_first) {
  routing::queued_case a = waiting("a", risk::medium, 0min);
  routing::queued_case b = waiting("b", risk::medium, 0min);
  b.received_at = a.received_at - 1s;
  EXPECT_EQ(order_of({a, b}, t0), (std::vector<std::string>{"b", "a"}));
}

TEST(queue_order, equal_everything_smaller_id_first) {
  EXPECT_EQ(order_of({waiting("k2", risk::medium, 0min), waiting("k10", risk::medium, 0min),
                      waiting("k1", risk::medium, 0min)},
                     t0),
            (std::vector<std::string>{"k1", "k10", "k2"}));
}

TEST(queue_order, crisis_cases_ordered_among_themselves_by_score) {
  EXPECT_EQ(order_of({waiting("crisis", risk::crisis, 0min), waiting("crisis-group", risk::crisis, 0min, true)}, t0),
            (std::vector<std::string>{"crisis-group", "crisis"}));
}

TEST(queue_order, empty_queue) { EXPECT_TRUE(order_of({}, t0).empty()); }

struct escalation_row {
  const char* name;
  risk level;
  std::chrono::seconds waited;
  int current;
  int due;
};

TEST(due_escalation_level, steps_one_level_per_limit_passed) {
  const escalation_row rows[] = {
      {"high_fresh", risk::high, 0s, 0, 0},
      {"high_just_before_limit", risk::high, 29min + 59s, 0, 0},
      {"high_at_limit", risk::high, 30min, 0, 1},
      {"high_between", risk::high, 59min, 0, 1},
      {"high_two_limits", risk::high, 60min, 0, 2},
      {"crisis_2m_limit", risk::crisis, 5min, 0, 2},
      {"medium_4h_limit", risk::medium, 4h, 0, 1},
      {"low_24h_limit_not_yet", risk::low, 23h, 0, 0},
      {"low_24h_limit", risk::low, 24h, 0, 1},
      {"never_lowers", risk::high, 10min, 2, 2},
      {"raises_past_current", risk::high, 90min, 1, 3},
  };
  for (const escalation_row& row : rows) {
    SCOPED_TRACE(row.name);
    routing::queued_case c = a_case("k", row.level);
    c.created_at = t0 - row.waited;
    c.escalation_level = row.current;
    EXPECT_EQ(routing::due_escalation_level(c, t0, {}), row.due);
  }
}

TEST(due_escalation_level, uses_configured_limits) {
  config::routing_settings r;
  r.escalation.high = 10min;
  routing::queued_case c = a_case("k", risk::high);
  c.created_at = t0 - 25min;
  EXPECT_EQ(routing::due_escalation_level(c, t0, r), 2);
}

TEST(due_escalation_level, zero_limit_never_escalates) {
  config::routing_settings r;
  r.escalation.low = 0s;
  routing::queued_case c = a_case("k", risk::low);
  c.created_at = t0 - 48h;
  EXPECT_EQ(routing::due_escalation_level(c, t0, r), 0);
}

TEST(offer_timeout, crisis_is_shorter) {
  config::routing_settings r;
  EXPECT_EQ(routing::offer_timeout(risk::crisis, r), 30s);
  EXPECT_EQ(routing::offer_timeout(risk::high, r), 60s);
  EXPECT_EQ(routing::offer_timeout(risk::low, r), 60s);
  r.crisis_offer_timeout = 15s;
  r.offer_timeout = 90s;
  EXPECT_EQ(routing::offer_timeout(risk::crisis, r), 15s);
  EXPECT_EQ(routing::offer_timeout(risk::medium, r), 90s);
}

}  // namespace
}  // namespace caseroute::testing
