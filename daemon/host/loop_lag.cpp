// One steady_timer, re-armed at a fixed period; the lateness of each wake-up
// is the time the loop spent on something else past the deadline.
#include "host/loop_lag.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace caseroute::host {

namespace asio = boost::asio;

asio::awaitable<void> measure_loop_lag(asio::io_context& io, metrics::registry& metrics,
                                       std::chrono::milliseconds every) {
  asio::steady_timer timer(io);
  for (;;) {
    const auto due = std::chrono::steady_clock::now() + every;
    timer.expires_at(due);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    const std::chrono::duration<double> late = std::chrono::steady_clock::now() - due;
    metrics.observe("caseroute_event_loop_lag_seconds", {}, std::max(0.0, late.count()));
  }
}

}  // namespace caseroute::host
