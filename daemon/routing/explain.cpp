// When a waiting case could next be served: the first shift window within 7
// days with a counselor who meets rules 2-4 for it. Pure: config, roster, time.
#include <span>
#include <unordered_map>

#include "routing/routing.hpp"
#include "routing/rules.hpp"

namespace caseroute::routing {

std::optional<time_point> next_eligible_at(const queued_case& c, const config::config& cfg, const schedule::roster& r,
                                           time_point now) {
  std::unordered_map<std::string, const config::counselor*> profiles;
  profiles.reserve(cfg.counselors.size());
  for (const config::counselor& who : cfg.counselors) profiles.emplace(who.id, &who);

  std::optional<time_point> found;
  r.visit_windows(now, now + std::chrono::days{7}, [&](const schedule::shift_window& w) {
    // Windows come in start order, so the first with someone is the answer.
    // A window's slots are ordered by counselor: each counselor's are a run.
    const std::span<const schedule::duty_slot> slots = w.slots;
    for (std::size_t i = 0; i < slots.size() && !found;) {
      const std::string& id = slots[i].counselor_id;
      std::size_t end = i + 1;
      while (end < slots.size() && slots[end].counselor_id == id) ++end;
      auto who = profiles.find(id);
      if (who != profiles.end() && can_serve(c, *who->second, slots.subspan(i, end - i)))
        found = std::max(w.start, now);
      i = end;
    }
    return !found;
  });
  return found;
}

}  // namespace caseroute::routing
