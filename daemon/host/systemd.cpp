// sd_notify on the io_context thread: the watchdog proves the event loop
// turns, not that Redis is up (a restart would not bring Redis back).
#include "host/systemd.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>

#include <systemd/sd-daemon.h>

namespace caseroute::host {

namespace asio = boost::asio;

void notify(const char* state) { ::sd_notify(0, state); }

asio::awaitable<void> keep_systemd_informed(asio::io_context& io, std::function<std::string()> status) {
  if (std::getenv("NOTIFY_SOCKET") == nullptr) co_return;  // not under systemd
  std::uint64_t usec = 0;
  const bool watchdog = ::sd_watchdog_enabled(0, &usec) > 0 && usec > 0;
  const std::chrono::microseconds ping_every(usec / 2);
  // Wake at least every second so STATUS follows Redis going up and down.
  const std::chrono::microseconds wake_every =
      watchdog ? std::min<std::chrono::microseconds>(ping_every, std::chrono::seconds(1)) : std::chrono::seconds(1);
  asio::steady_timer timer(io);
  std::chrono::steady_clock::time_point last_ping{};
  std::string shown;
  for (;;) {
    const std::string now_status = status();
    if (now_status != shown) {
      ::sd_notifyf(0, "STATUS=%s", now_status.c_str());
      shown = now_status;
    }
    const auto now = std::chrono::steady_clock::now();
    if (watchdog && now - last_ping >= ping_every) {
      ::sd_notify(0, "WATCHDOG=1");
      last_ping = now;
    }
    timer.expires_after(wake_every);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
  }
}

}  // namespace caseroute::host
