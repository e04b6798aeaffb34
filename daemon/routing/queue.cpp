// Queue order, escalation levels and offer timeouts: pure arithmetic on a
// case, the time and the routing settings. No clock reads.
#include <algorithm>
#include <chrono>
#include <cstdint>

#include "routing/radix_sort.hpp"
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

// Scores are whole points (weights, bonus, aging) far below 2^53, so the
// double of priority_score() converts back exactly and orders alike.
constexpr std::uint64_t score_span = std::uint64_t{1} << 53;

}  // namespace

double priority_score(const queued_case& c, time_point now, const config::routing_settings& r) {
  return static_cast<double>(risk_weight(c.level) + (c.priority_group ? 10 : 0) + aging_points(c, now, r));
}

std::vector<const queued_case*> queue_order(std::vector<const queued_case*> queue, time_point now,
                                            const config::routing_settings& r) {
  // Each case packed once into two integers: `first` orders crisis cases
  // first, then higher scores; `second` older received_at. Cases equal on
  // both are ordered by id afterwards, then by position (as a stable sort
  // would keep duplicate ids, a caller bug).
  std::vector<sort_key> ranked;
  ranked.reserve(queue.size());
  for (const queued_case* c : queue) {
    const double score = priority_score(*c, now, r);
    const std::uint64_t points = score <= 0 ? 0 : std::min(static_cast<std::uint64_t>(score), score_span - 1);
    const std::uint64_t tier = c->level == risk::crisis ? 0 : score_span;
    const auto received =
        static_cast<std::uint64_t>(c->received_at.time_since_epoch().count()) ^ (std::uint64_t{1} << 63);
    ranked.push_back({tier + (score_span - 1 - points), received, ranked.size()});
  }
  radix_sort(ranked);
  // Runs equal on score and received_at: by id, then position.
  const auto by_id = [&](const sort_key& a, const sort_key& b) {
    if (int ids = queue[a.position]->id.compare(queue[b.position]->id); ids != 0) return ids < 0;
    return a.position < b.position;
  };
  for (auto run = ranked.begin(); run != ranked.end();) {
    auto end = run + 1;
    while (end != ranked.end() && end->first == run->first && end->second == run->second) ++end;
    if (end - run > 1) std::sort(run, end, by_id);
    run = end;
  }
  std::vector<const queued_case*> order;
  order.reserve(ranked.size());
  for (const sort_key& entry : ranked) order.push_back(queue[entry.position]);
  return order;
}

std::vector<const queued_case*> queue_order(const std::vector<queued_case>& queue, time_point now,
                                            const config::routing_settings& r) {
  std::vector<const queued_case*> all;
  all.reserve(queue.size());
  for (const queued_case& c : queue) all.push_back(&c);
  return queue_order(std::move(all), now, r);
}

int due_escalation_level(const queued_case& c, time_point now, const config::routing_settings& r) {
  const std::chrono::seconds limit = escalation_limit(c.level, r.escalation);
  if (limit <= std::chrono::seconds::zero() || now <= c.created_at) return c.escalation_level;
  const auto passed = (now - c.created_at) / limit;
  return static_cast<int>(std::max<decltype(passed)>(passed, c.escalation_level));
}

std::optional<time_point> next_escalation_at(const queued_case& c, const config::routing_settings& r) {
  const std::chrono::seconds limit = escalation_limit(c.level, r.escalation);
  if (limit <= std::chrono::seconds::zero()) return std::nullopt;
  return c.created_at + limit * (c.escalation_level + 1);
}

std::chrono::seconds offer_timeout(risk level, const config::routing_settings& r) {
  return level == risk::crisis ? r.crisis_offer_timeout : r.offer_timeout;
}

}  // namespace caseroute::routing
