// The status-callback outbox in Redis: transitions append StatusCallback
// records in the same script as the state change (case_store); this class is
// what the delivery worker and the supervisor routes use to claim, acknowledge,
// retry, park and requeue them. No HTTP here, and nothing is ever logged but ids.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "caseroute/v1/caseroute.pb.h"
#include "schedule/time.hpp"
#include "store/keys.hpp"
#include "store/redis_connection.hpp"

namespace caseroute::store {

// Which platforms get status callbacks. Called with a platform id; called
// with "" it answers whether any platform does (so transitions skip the
// extra read when none does). Set by app; reads the live config.
using callback_filter = std::function<bool(std::string_view platform_id)>;

// A StatusCallback with a fresh event id.
v1::StatusCallback make_callback(std::string_view type, std::string_view case_id, std::string_view referral_id,
                                 std::string_view platform_id, v1::CaseState state, int escalation_level,
                                 v1::Outcome outcome, std::chrono::sys_time<std::chrono::milliseconds> at);

// The serialized callback of a transition of an existing case, or "" when its
// platform has no callback_url (the scripts then append nothing). Reads the
// case's platform, referral and escalation level first: those facts never
// change but the level, which may lag one concurrent escalation behind.
// `level` overrides the level read (case.escalated).
boost::asio::awaitable<boost::system::result<std::string>> callback_for(
    redis_connection& redis, keys k, callback_filter wanted, std::string case_id, std::string type, v1::CaseState state,
    std::chrono::sys_time<std::chrono::milliseconds> now, v1::Outcome outcome = v1::OUTCOME_UNSPECIFIED,
    std::optional<int> level = std::nullopt);

// The callback of another event of the same transition (offer_withdrawn
// beside offered, offer_expired beside accepted): a fresh event id; "" stays "".
std::string callback_variant(const std::string& bytes, std::string_view type, v1::CaseState state);

// The head callback of a case, as claimed by one replica.
struct outbox_head {
  std::string bytes;  // exactly as stored (compare-and-pop uses them)
  v1::StatusCallback callback;
  int attempts = 0;  // failed attempts so far
};

// Lives as long as app; all calls on the io_context thread.
class outbox {
 public:
  template <class T>
  using result = boost::system::result<T>;

  outbox(redis_connection& redis, keys k);

  // Case ids whose next callback is due at `now`, at most `limit`, most overdue first.
  boost::asio::awaitable<result<std::vector<std::string>>> due(time_point now, int limit);
  // Takes the case's delivery lease for `lease` (so two replicas never POST the
  // same case at once) and reads its head; nullopt when another replica holds
  // the lease or nothing is left.
  boost::asio::awaitable<result<std::optional<outbox_head>>> claim(std::string case_id, std::string owner,
                                                                   std::chrono::milliseconds lease);
  // After a 2xx: pops the head if it is still `head`, makes the next one due now.
  boost::asio::awaitable<result<void>> delivered(std::string case_id, std::string owner, std::string head,
                                                 time_point now);
  // After a failed attempt: counts it and makes the case due at `retry_at`;
  // once `max_attempts` are spent the head is parked and the next one is due
  // now. True when it was parked.
  boost::asio::awaitable<result<bool>> failed(std::string case_id, std::string owner, outbox_head head,
                                              std::string error, time_point now, time_point retry_at, int max_attempts);

  // Parked callbacks, oldest first (at most `limit`), and how many there are.
  boost::asio::awaitable<result<v1::ParkedCallbackList>> parked(int limit);
  boost::asio::awaitable<result<std::int64_t>> parked_count();
  // Requeues the parked callback with this event id at the end of its case's
  // outbox, due now; the callback requeued, or nullopt when no parked
  // callback has that id.
  boost::asio::awaitable<result<std::optional<v1::StatusCallback>>> retry_parked(std::string event_id, time_point now);

 private:
  redis_connection& redis_;
  keys keys_;
};

}  // namespace caseroute::store
