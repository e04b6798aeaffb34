// Retention: every minute, purges resolved and cancelled cases closed longer
// ago than privacy.retention_days (or privacy.retention), in batches, leaving
// only anonymous monthly counters, trims the change feed to live.feed_length
// entries and the access log of sealed data to privacy.audit_retention (which
// outlives the cases), and on the managed Redis rewrites the AOF after a pass
// that purged. Never touches open cases.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <memory>
#include <optional>

#include "audit/trail.hpp"
#include "config/config.hpp"
#include "metrics/metrics.hpp"
#include "store/case_store.hpp"

namespace caseroute::retention {

class purger {
 public:
  // Owned by app, like the dispatcher; all calls on the io_context thread.
  // `cfg` is app's current config (swapped whole on reload); each pass reads it anew.
  purger(boost::asio::io_context& io, store::case_store& store, metrics::registry& metrics,
         const std::shared_ptr<const config::config>& cfg, std::chrono::milliseconds period = std::chrono::minutes(1));

  // Each pass also trims `t` (the access log) by age; set before run().
  void keep_audit(audit::trail t) { audit_.emplace(std::move(t)); }
  // redis.url: managed. After a pass that purged cases, BGREWRITEAOF on
  // `redis`: Redis appends the DELs, and the purged writes stay in the AOF
  // until it is rewritten. A rewrite already running (it may predate the
  // purge) is followed by another at the next pass. `redis` outlives us.
  void rewrite_aof_after_purge(store::redis_connection& redis) { aof_ = &redis; }

  // Runs a purge pass every period until stop().
  boost::asio::awaitable<void> run();
  void stop();

  // One pass: batches until nothing old is left (bounded); returns how many
  // cases were purged. Fails only when Redis is unavailable.
  boost::asio::awaitable<boost::system::result<int>> pass();

 private:
  boost::asio::awaitable<void> rewrite_aof();

  store::case_store& store_;
  metrics::registry& metrics_;
  const std::shared_ptr<const config::config>& cfg_;
  std::chrono::milliseconds period_;
  boost::asio::steady_timer wake_;
  bool stopping_ = false;
  std::optional<audit::trail> audit_;
  store::redis_connection* aof_ = nullptr;
  bool aof_rewrite_owed_ = false;  // cases were purged since the last rewrite started
};

// How long a closed case is kept: privacy.retention when set, else retention_days.
std::chrono::milliseconds retention_period(const config::privacy_settings& p);

}  // namespace caseroute::retention
