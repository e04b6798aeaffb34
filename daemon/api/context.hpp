// What every route handler shares: the current config and roster (swapped
// whole on reload), the store and the callback outbox, metrics, the change
// feed's news and the slots of waiting requests, and the kicks that wake the
// routing and callback loops.
// Owned by app; handlers take it by reference and copy the shared_ptrs they
// read so a reload mid-request cannot pull the config from under them.
#pragma once

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <memory>

#include "api/duty_counts.hpp"
#include "api/waiting.hpp"
#include "config/config.hpp"
#include "http/rate_limit.hpp"
#include "live/hub.hpp"
#include "metrics/metrics.hpp"
#include "schedule/schedule.hpp"
#include "store/case_store.hpp"
#include "store/outbox.hpp"

namespace caseroute::api {

struct context {
  boost::asio::io_context& io;
  std::shared_ptr<const config::config> cfg;
  std::shared_ptr<const schedule::roster> roster;
  store::redis_connection& redis;
  store::case_store& store;
  store::outbox& outbox;  // status callbacks owed to platforms
  metrics::registry& metrics;
  live::hub& hub;                        // news from the change feed: wakes long polls, feeds event streams
  waiting& waits;                        // slots of long polls and event streams
  std::function<void()> kick_routing;    // run a routing pass soon
  std::function<void()> kick_callbacks;  // deliver status callbacks soon
  // The Redis now connected passed check_server and has our scripts; reset
  // on every reconnection (GET /readyz).
  bool redis_accepted = false;
  bool shutting_down = false;
  // Rate limits per token and per platform, and the throttle on logging
  // refused credentials (config limits:); null: no limits (tests).
  http::rate_limiter* limits = nullptr;
  // When GET /metrics last read its gauges from Redis (limits.metrics_refresh).
  std::chrono::steady_clock::time_point gauges_read_at{};
  // Each counselor's offers list as last read here: the hub's version for
  // that counselor before the read, and the list's tag. A long poll whose
  // client holds that tag, with no news about the counselor since, reads
  // nothing (docs/API.md, "Long polls").
  std::unordered_map<std::string, std::pair<std::uint64_t, std::string>> offer_tags{};
  // A request queued this case (create's answer): a routing pass routes it
  // at once, from the routing rows the answer carries (else it reads the
  // case), without waiting for the change feed to name it. Empty:
  // kick_routing only.
  std::function<void(store::created)> route_case{};
  // Who is on duty now (api/duty_counts.hpp): the counts of GET /metrics and
  // GET /v1/queue, why a queued case waits, an assignment, a counselor's slot
  // in GET /v1/counselors, GET /v1/me and the availability answers. Its
  // worker also takes other work too long for the loop (host/off_loop.hpp),
  // such as building the whole city's counselor list.
  duty_now on_duty{};
};

}  // namespace caseroute::api
