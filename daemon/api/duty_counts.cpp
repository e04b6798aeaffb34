#include "api/duty_counts.hpp"

#include <algorithm>
#include <iterator>
#include <string>

#include "host/off_loop.hpp"
#include "routing/routing.hpp"

namespace caseroute::api {

namespace asio = boost::asio;

duty_list make_duty_list(std::shared_ptr<const config::config> cfg, std::shared_ptr<const schedule::roster> roster,
                         time_point at) {
  duty_list out;
  out.slots = roster->on_duty(at);
  for (const auto& slot : out.slots) {
    if (!out.on_duty.empty() && out.on_duty.back().slot.counselor_id == slot.counselor_id) continue;  // a second site
    const auto* c = cfg->find_counselor(slot.counselor_id);
    if (c != nullptr) out.on_duty.push_back({slot, c->capacity});
  }
  out.from = at;
  out.until = roster->next_change(at).value_or(at + std::chrono::hours(24));
  out.cfg = std::move(cfg);
  out.roster = std::move(roster);
  return out;
}

const schedule::duty_slot* duty_list::slot_of(std::string_view counselor_id) const {
  auto it = std::lower_bound(on_duty.begin(), on_duty.end(), counselor_id,
                             [](const entry& e, std::string_view id) { return e.slot.counselor_id < id; });
  return it != on_duty.end() && it->slot.counselor_id == counselor_id ? &it->slot : nullptr;
}

asio::awaitable<std::shared_ptr<const duty_list>> duty_now::at(std::shared_ptr<const config::config> cfg,
                                                               std::shared_ptr<const schedule::roster> roster,
                                                               time_point at) {
  if (last_ && last_->holds(cfg, roster, at)) co_return last_;
  std::shared_ptr<const duty_list> made;
  co_await host::off_loop(worker_, [&] { made = std::make_shared<const duty_list>(make_duty_list(cfg, roster, at)); });
  last_ = made;
  co_return made;
}

asio::awaitable<store::result<store::routing_state>> read_counselor_states(store::case_store& store,
                                                                           std::vector<std::string> ids, time_point now,
                                                                           store::routing_lookback lookback) {
  store::routing_state out;
  for (std::size_t next = 0; next < ids.size();) {
    const std::size_t end = std::min(next + duty_states_per_read, ids.size());
    std::vector<std::string> slice(std::make_move_iterator(ids.begin() + static_cast<std::ptrdiff_t>(next)),
                                   std::make_move_iterator(ids.begin() + static_cast<std::ptrdiff_t>(end)));
    next = end;
    auto states = co_await store.load_counselor_states(now, lookback, std::move(slice));
    if (!states) co_return states.error();
    out.counselors.merge(states->counselors);
    out.crisis_accepted.merge(states->crisis_accepted);
  }
  co_return out;
}

asio::awaitable<store::result<store::routing_state>> read_duty_states(store::case_store& store, const duty_list& list,
                                                                      time_point now,
                                                                      store::routing_lookback lookback) {
  std::vector<std::string> ids;
  ids.reserve(list.on_duty.size());
  for (const auto& e : list.on_duty) ids.push_back(e.slot.counselor_id);
  co_return co_await read_counselor_states(store, std::move(ids), now, lookback);
}

asio::awaitable<store::result<duty_counts>> count_duty(store::case_store& store, const duty_list& list,
                                                       time_point now) {
  auto states = co_await read_duty_states(store, list, now, states_only);
  if (!states) co_return states.error();
  duty_counts out;
  for (const auto& [slot, capacity] : list.on_duty) {
    ++out.on_duty;
    routing::counselor_status s;  // no state in Redis: the defaults (signed in, nothing held)
    if (auto it = states->counselors.find(slot.counselor_id); it != states->counselors.end()) s = it->second;
    if (s.load >= capacity) {
      ++out.busy;
    } else if (routing::signed_in(s, slot)) {
      ++out.available;
    }
  }
  co_return out;
}

}  // namespace caseroute::api
