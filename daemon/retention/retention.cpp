// The retention loop: computes the cutoff from the current config (a reload
// may change it) and lets the store purge closed cases in bounded batches.
#include "retention/retention.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

#include "log/log.hpp"

namespace caseroute {

namespace asio = boost::asio;

namespace {

constexpr int batch_size = 200;
constexpr int max_batches = 100;  // at most 20,000 cases a pass; the rest next minute

}  // namespace

std::chrono::milliseconds retention_period(const config::privacy_settings& p) {
  if (p.retention) return *p.retention;
  return std::chrono::hours(24) * p.retention_days;
}

housekeeping::housekeeping(context& ctx, std::chrono::milliseconds period)
    : ctx_(ctx), period_(period), wake_(ctx.io) {}

void housekeeping::stop() {
  stopping_ = true;
  wake_.cancel();
}

asio::awaitable<void> housekeeping::run() {
  // The first pass soon after start (once Redis is up), then every period.
  auto delay = std::min<std::chrono::milliseconds>(period_, std::chrono::seconds(5));
  while (!stopping_) {
    wake_.expires_after(delay);
    delay = period_;
    co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (stopping_ || ctx_.shutting_down) break;
    if (!ctx_.redis.connected()) continue;
    auto r = co_await pass();
    if (!r) log::warn("retention.pass_failed", {{"error", r.error().message()}});
  }
}

asio::awaitable<boost::system::result<int>> housekeeping::pass() {
  const auto cfg = ctx_.cfg;
  const auto now = context::now();
  const auto cutoff = now - retention_period(cfg->privacy);
  const auto continuity_cutoff = now - std::chrono::hours(24) * cfg->routing.continuity_days;
  int total = 0;
  for (int batch = 0; batch < max_batches && !stopping_; ++batch) {
    auto purged = co_await ctx_.store.purge_closed(cutoff, batch_size, continuity_cutoff);
    if (!purged) co_return purged.error();
    total += *purged;
    if (*purged < batch_size) break;
  }
  if (total > 0) {
    ctx_.metrics.inc("caseroute_cases_purged_total", {}, total);
    log::info("retention.purged", {{"count", total}});
  }
  co_return total;
}

}  // namespace caseroute
