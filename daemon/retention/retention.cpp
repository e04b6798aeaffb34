// The retention loop: computes the cutoff from the current config (a reload
// may change it) and lets the store purge closed cases in bounded batches.
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
  const auto continuity_cutoff = now - std::chrono::hours(24) * cfg->routing.continuity_days;
  int total = 0;
  for (int batch = 0; batch < max_batches && !stopping_; ++batch) {
    auto purged = co_await store_.purge_closed(cutoff, batch_size, continuity_cutoff);
    if (!purged) co_return purged.error();
    total += *purged;
    if (*purged < batch_size) break;
  }
  if (total > 0) {
    metrics_.inc("caseroute_cases_purged_total", {}, total);
    log::info("retention.purged", {{"count", total}});
  }
  co_return total;
}

}  // namespace caseroute::retention
