// The retention loop: computes the cutoffs from the current config (a reload
// may change them), lets the store purge closed cases in bounded batches,
// trims the change feed and the access log, and rewrites a managed AOF.
#include "retention/retention.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

#include "log/log.hpp"

namespace caseroute::retention {

namespace asio = boost::asio;

namespace {

constexpr int batch_size = 200;
constexpr int max_batches = 100;  // at most 20,000 cases a pass; the rest next minute

}  // namespace

std::chrono::milliseconds retention_period(const config::privacy_settings& p) {
  if (p.retention) return *p.retention;
  return std::chrono::hours(24) * p.retention_days;
}

purger::purger(asio::io_context& io, store::case_store& store, metrics::registry& metrics,
               const std::shared_ptr<const config::config>& cfg, std::chrono::milliseconds period)
    : store_(store), metrics_(metrics), cfg_(cfg), period_(period), wake_(io) {}

void purger::stop() {
  stopping_ = true;
  wake_.cancel();
}

asio::awaitable<void> purger::run() {
  // The first pass soon after start (once Redis is up), then every period.
  auto delay = std::min<std::chrono::milliseconds>(period_, std::chrono::seconds(5));
  while (!stopping_) {
    wake_.expires_after(delay);
    delay = period_;
    co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (stopping_) break;
    if (!store_.connected()) continue;
    auto r = co_await pass();
    if (!r) log::warn("retention.pass_failed", {{"error", r.error().message()}});
  }
}

asio::awaitable<boost::system::result<int>> purger::pass() {
  const auto cfg = cfg_;
  const auto now = caseroute::now();
  const auto cutoff = now - retention_period(cfg->privacy);
  const auto continuity_cutoff = now - cfg->routing.continuity_window();
  int total = 0;
  for (int batch = 0; batch < max_batches && !stopping_; ++batch) {
    auto purged = co_await store_.purge_closed(cutoff, batch_size, continuity_cutoff);
    if (!purged) co_return purged.error();
    total += *purged;
    if (*purged > 0) aof_rewrite_owed_ = true;
    if (*purged < batch_size) break;
  }
  if (total > 0) {
    metrics_.inc("caseroute_cases_purged_total", {}, total);
    log::info("retention.purged", {{"count", total}});
  }
  // The change feed keeps its newest live.feed_length entries.
  if (auto trimmed = co_await store_.trim_feed(static_cast<std::uint64_t>(cfg->live.feed_length)); !trimmed)
    co_return trimmed.error();
  // The access log keeps who read a case longer than the case itself (the
  // loader refuses an audit_retention that is not longer).
  if (audit_) {
    auto trimmed = co_await audit_->trim(now - cfg->privacy.audit_retention_period());
    if (!trimmed) co_return trimmed.error();
    if (*trimmed > 0) log::info("retention.audit_trimmed", {{"count", *trimmed}});
  }
  if (aof_rewrite_owed_ && aof_ != nullptr) co_await rewrite_aof();
  co_return total;
}

asio::awaitable<void> purger::rewrite_aof() {
  auto r = co_await aof_->exec(store::command("BGREWRITEAOF"));
  if (!r) {
    log::warn("retention.aof_rewrite_deferred", {{"reason", r.error().message()}});
    co_return;
  }
  if (r->is_error()) {
    // Typically a rewrite already running, which may have started before the purge.
    log::warn("retention.aof_rewrite_deferred", {{"reason", r->str}});
    co_return;
  }
  aof_rewrite_owed_ = false;
  log::info("retention.aof_rewrite_started");
}

}  // namespace caseroute::retention
