// When a waiting case could next be served: the first shift window within 7
// days with a counselor who meets rules 2-4 for it. Pure: config, roster, time.
#include <unordered_map>

#include "routing/candidates.hpp"
#include "routing/routing.hpp"

namespace caseroute::routing {

std::optional<time_point> next_eligible_at(const queued_case& c, const config::config& cfg, const schedule::roster& r,
                                           time_point now) {
  std::unordered_map<std::string, const config::counselor*> profiles;
  profiles.reserve(cfg.counselors.size());
  for (const config::counselor& who : cfg.counselors) profiles.emplace(who.id, &who);

  std::optional<time_point> found;
  std::vector<schedule::duty_slot> theirs;
  r.visit_windows(now, now + std::chrono::days{7}, [&](const schedule::shift_window& w) {
    // Windows come in start order, so the first with someone is the answer.
    for (std::size_t i = 0; i < w.slots.size() && !found;) {
      const std::string& id = w.slots[i].counselor_id;
      theirs.clear();
      for (; i < w.slots.size() && w.slots[i].counselor_id == id; ++i) theirs.push_back(w.slots[i]);
      auto who = profiles.find(id);
      if (who != profiles.end() && can_serve(c, *who->second, theirs)) found = std::max(w.start, now);
    }
    return !found;
  });
  return found;
}

}  // namespace caseroute::routing
