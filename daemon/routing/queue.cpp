// Queue order, escalation levels and offer timeouts (SPEC section 3): pure
// arithmetic on a case, the time and the routing settings. No clock reads.
#include <algorithm>
#include <chrono>

#include "routing/routing.hpp"

namespace caseroute::routing {

namespace {

int risk_weight(risk level) {
  switch (level) {
    case risk::crisis:
      return 40;
    case risk::high:
      return 30;
    case risk::medium:
      return 20;
    case risk::low:
      return 10;
  }
  return 0;
}

// Whole aging points earned since created_at; none before it or when disabled.
long long aging_points(const queued_case& c, time_point now, const config::routing_settings& r) {
  if (r.aging_minutes_per_point <= 0 || now <= c.created_at) return 0;
  return (now - c.created_at) / std::chrono::minutes{r.aging_minutes_per_point};
}

std::chrono::seconds escalation_limit(risk level, const config::escalation_limits& e) {
  switch (level) {
    case risk::crisis:
      return e.crisis;
    case risk::high:
      return e.high;
    case risk::medium:
      return e.medium;
    case risk::low:
      return e.low;
  }
  return e.low;
}

struct ranked_case {
  const queued_case* c;
  bool crisis;
  double score;
};

}  // namespace

double priority_score(const queued_case& c, time_point now, const config::routing_settings& r) {
  return static_cast<double>(risk_weight(c.level) + (c.priority_group ? 10 : 0) + aging_points(c, now, r));
}

std::vector<const queued_case*> queue_order(const std::vector<queued_case>& queue, time_point now,
                                            const config::routing_settings& r) {
  // Scores are computed once per case, not once per comparison.
  std::vector<ranked_case> ranked;
  ranked.reserve(queue.size());
  for (const queued_case& c : queue) {
    ranked.push_back({&c, c.level == risk::crisis, priority_score(c, now, r)});
  }
  // Stable so duplicate ids (a caller bug) still order deterministically.
  std::stable_sort(ranked.begin(), ranked.end(), [](const ranked_case& a, const ranked_case& b) {
    if (a.crisis != b.crisis) return a.crisis;
    if (a.score != b.score) return a.score > b.score;
    if (a.c->received_at != b.c->received_at) return a.c->received_at < b.c->received_at;
    return a.c->id < b.c->id;
  });
  std::vector<const queued_case*> order;
  order.reserve(ranked.size());
  for (const ranked_case& entry : ranked) order.push_back(entry.c);
  return order;
}

int due_escalation_level(const queued_case& c, time_point now, const config::routing_settings& r) {
  const std::chrono::seconds limit = escalation_limit(c.level, r.escalation);
  if (limit <= std::chrono::seconds::zero() || now <= c.created_at) return c.escalation_level;
  const auto passed = (now - c.created_at) / limit;
  return static_cast<int>(std::max<decltype(passed)>(passed, c.escalation_level));
}

std::chrono::seconds offer_timeout(risk level, const config::routing_settings& r) {
  return level == risk::crisis ? r.crisis_offer_timeout : r.offer_timeout;
}

}  // namespace caseroute::routing
