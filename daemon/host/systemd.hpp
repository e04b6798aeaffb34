// What ties the daemon to systemd: readiness, reload and stopping notices,
// the watchdog ping and the STATUS= line. Without NOTIFY_SOCKET (not under
// systemd) every call does nothing.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <functional>
#include <string>

namespace caseroute::host {

// sd_notify notices: "READY=1", "RELOADING=1", "STOPPING=1".
void notify(const char* state);

// WATCHDOG=1 every half WatchdogSec and a STATUS= line whenever `status()`
// changes (checked at least every second), until the io_context stops. It
// runs on the io_context, so a stuck loop stops the pings and systemd
// restarts us.
boost::asio::awaitable<void> keep_systemd_informed(boost::asio::io_context& io, std::function<std::string()> status);

}  // namespace caseroute::host
