// Queue order, escalation levels and offer timeouts (SPEC section 3): pure
// arithmetic on a case, the time and the routing settings. No clock reads.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <utility>

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

// What queue order compares, packed once per case into two integers so the
// sort touches a compact array, not the cases: `first` orders crisis cases
// first, then higher scores; `second` older received_at. Cases equal on both
// are ordered by id afterwards, then by position (as a stable sort would keep
// duplicate ids, a caller bug).
struct ranked_case {
  std::uint64_t first;
  std::uint64_t second;
  std::size_t position;
};

// Scores are whole points (weights, bonus, aging) far below 2^53, so the
// double of priority_score() converts back exactly and orders alike.
constexpr std::uint64_t score_span = std::uint64_t{1} << 53;

// Stable LSD radix sort on (first, second), 11 bits a pass, skipping the
// passes where every key has the same digit; ranked arrives in position
// order, so equal keys stay in position order.
void sort_by_key(std::vector<ranked_case>& ranked) {
  constexpr int bits = 11;
  constexpr std::size_t buckets = std::size_t{1} << bits;
  constexpr int digits_per_word = (64 + bits - 1) / bits;
  const auto digit = [](const ranked_case& e, int d) {
    const std::uint64_t word = d < digits_per_word ? e.second : e.first;
    return static_cast<std::size_t>((word >> ((d % digits_per_word) * bits)) & (buckets - 1));
  };
  std::vector<ranked_case> buffer(ranked.size());
  std::vector<std::size_t> count(buckets);
  for (int d = 0; d < 2 * digits_per_word; ++d) {
    std::fill(count.begin(), count.end(), 0);
    for (const ranked_case& e : ranked) ++count[digit(e, d)];
    if (std::find(count.begin(), count.end(), ranked.size()) != count.end()) continue;  // all alike
    std::size_t start = 0;
    for (std::size_t& c : count) start += std::exchange(c, start);
    for (const ranked_case& e : ranked) buffer[count[digit(e, d)]++] = e;
    ranked.swap(buffer);
  }
}

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
    const double score = priority_score(c, now, r);
    const std::uint64_t points = score <= 0 ? 0 : std::min(static_cast<std::uint64_t>(score), score_span - 1);
    const std::uint64_t tier = c.level == risk::crisis ? 0 : score_span;
    const auto received =
        static_cast<std::uint64_t>(c.received_at.time_since_epoch().count()) ^ (std::uint64_t{1} << 63);
    ranked.push_back({tier + (score_span - 1 - points), received, ranked.size()});
  }
  sort_by_key(ranked);
  // Runs equal on score and received_at: by id, then position.
  const auto by_id = [&](const ranked_case& a, const ranked_case& b) {
    if (int ids = queue[a.position].id.compare(queue[b.position].id); ids != 0) return ids < 0;
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
  for (const ranked_case& entry : ranked) order.push_back(&queue[entry.position]);
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
