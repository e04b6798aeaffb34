// How many counselors are on duty, available and busy now: GET /metrics and
// the supervisors' GET /v1/queue count them the same way; GET /v1/counselors,
// GET /v1/me and the availability answers find a counselor's slot here. Who
// is on duty changes only at the roster's next change, so the list is worked
// out once per shift change (off the event loop when a worker is given: ten
// thousand counselors cost the roster milliseconds), and their states are
// read a slice at a time, so neither Redis nor the loop is held for the
// whole city.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "schedule/schedule.hpp"
#include "schedule/time.hpp"
#include "store/case_store.hpp"

namespace boost::asio {
class thread_pool;
}

namespace caseroute::api {

struct duty_counts {
  int on_duty = 0;    // rostered now, each counselor once
  int available = 0;  // of those: signed in with free capacity
  int busy = 0;       // of those: at capacity (signed in or not)
};

// Everyone on duty during [from, until) under one config and roster.
struct duty_list {
  struct entry {
    schedule::duty_slot slot;
    int capacity = 0;
  };
  std::shared_ptr<const config::config> cfg;
  std::shared_ptr<const schedule::roster> roster;
  time_point from{};
  time_point until{};
  // roster::on_duty(from): every slot, one per site of a counselor rostered
  // at two, ordered by (counselor id, site id); what routing takes.
  std::vector<schedule::duty_slot> slots;
  // Each counselor once, with the first of their slots (its shift start
  // decides whether a sign-out of an earlier shift still holds) and their
  // capacity; only counselors the config knows. Ordered by counselor id.
  std::vector<entry> on_duty;

  // The first slot of `counselor_id` (as in on_duty), or null when they are
  // not on duty.
  const schedule::duty_slot* slot_of(std::string_view counselor_id) const;

  bool holds(const std::shared_ptr<const config::config>& c, const std::shared_ptr<const schedule::roster>& r,
             time_point at) const {
    return c == cfg && r == roster && at >= from && at < until;
  }
};

// duty_list of `roster` at `at`, worked out on the calling thread.
duty_list make_duty_list(std::shared_ptr<const config::config> cfg, std::shared_ptr<const schedule::roster> roster,
                         time_point at);

// The list in use, kept until it no longer holds (a shift starts or ends, a
// reload or a stored duty exception swaps the roster). All calls on the
// event loop; `worker` (null: the loop itself) works out a new list.
class duty_now {
 public:
  explicit duty_now(boost::asio::thread_pool* worker = nullptr) : worker_(worker) {}
  boost::asio::thread_pool* worker() const { return worker_; }
  boost::asio::awaitable<std::shared_ptr<const duty_list>> at(std::shared_ptr<const config::config> cfg,
                                                              std::shared_ptr<const schedule::roster> roster,
                                                              time_point at);

 private:
  boost::asio::thread_pool* worker_;
  std::shared_ptr<const duty_list> last_;
};

// What a count or a roster entry reads of a counselor: load, sign-in,
// wrap-up and missed offers; no continuity row, no crisis acceptances.
inline constexpr store::routing_lookback states_only{.continuity_window = std::chrono::hours(0),
                                                     .crisis_acceptances = false};

// Counselor states are read this many counselors a call.
inline constexpr std::size_t duty_states_per_read = 128;

// The live states of the counselors `ids` (load_counselor_states' rows, with
// the crisis acceptances `lookback` asks for), duty_states_per_read
// counselors a call: a city of ten thousand in one call would hold Redis,
// and every request behind it, for a hundred milliseconds.
boost::asio::awaitable<store::result<store::routing_state>> read_counselor_states(store::case_store& store,
                                                                                  std::vector<std::string> ids,
                                                                                  time_point now,
                                                                                  store::routing_lookback lookback);

// read_counselor_states of everyone on `list`.
boost::asio::awaitable<store::result<store::routing_state>> read_duty_states(store::case_store& store,
                                                                             const duty_list& list, time_point now,
                                                                             store::routing_lookback lookback);

// Counts `list` against the counselors' live states in Redis, read as
// read_duty_states does.
boost::asio::awaitable<store::result<duty_counts>> count_duty(store::case_store& store, const duty_list& list,
                                                              time_point now);

}  // namespace caseroute::api
