// Duty changes by supervisors in Redis (docs/API.md, "Duty changes"): the
// dated exceptions they store, signing a counselor in or out for them, and
// the history of both. Each write is one script that also appends to the
// change feed, so every replica reads its roster again at once. Validation
// against the config is the caller's.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <optional>
#include <string>

#include "caseroute/v1/duty.pb.h"
#include "config/config.hpp"
#include "schedule/schedule.hpp"
#include "store/keys.hpp"
#include "store/redis_connection.hpp"

namespace caseroute::store {

// The feed event type of a stored exception set or deleted (on every replica
// the dispatcher reads the stored exceptions again when it sees one).
inline constexpr const char* duty_changed_event = "duty.changed";

// DutyShifts (a JSON body, a stored value) to a duty and back; nullopt when
// a list holds something other than strings.
std::optional<config::duty> to_duty(const v1::DutyShifts& shifts);
v1::DutyShifts to_shifts(const config::duty& duty);

// One stored exception set (after) or deleted (no after).
struct exception_change {
  std::string site_id;
  std::string date;  // local YYYY-MM-DD
  std::optional<config::duty> after;
  std::string actor;  // "supervisor:<id>"
  time_point now;
};

// Cheap to copy (a connection and the key names). Calls on the io_context thread.
class duty_store {
 public:
  template <class T>
  using result = boost::system::result<T>;

  duty_store(redis_connection& redis, keys k);

  // Every stored exception (past dates too: the roster ignores them).
  boost::asio::awaitable<result<schedule::stored_exceptions>> exceptions();

  // Stores or deletes one exception; answers what was stored before
  // (nullopt: nothing). Deleting when nothing is stored changes nothing and
  // fails with error::not_found.
  boost::asio::awaitable<result<std::optional<config::duty>>> set_exception(exception_change c);

  // Signs `counselor_id` in or out for `actor`; the reason stays in the
  // history. Answers the availability before (nullopt: never set).
  boost::asio::awaitable<result<std::optional<bool>>> set_availability(std::string counselor_id, bool available,
                                                                       std::string actor, std::string reason,
                                                                       time_point now);

  // The history, newest first: at most `limit` entries older than `cursor`
  // (an entry id; "" = from the newest).
  boost::asio::awaitable<result<v1::DutyChangeList>> changes(std::string cursor, int limit);

 private:
  redis_connection* redis_;
  keys keys_;
};

}  // namespace caseroute::store
