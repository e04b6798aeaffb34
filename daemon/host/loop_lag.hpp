// How late the event loop runs what is due: a timer every few milliseconds
// measures how far past its deadline it fired, into the
// caseroute_event_loop_lag_seconds histogram. A long routing pass or any
// other stall on the one io_context thread shows up there.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>

#include "metrics/metrics.hpp"

namespace caseroute::host {

// Runs until the io_context stops. `every`: how often to sample.
boost::asio::awaitable<void> measure_loop_lag(boost::asio::io_context& io, metrics::registry& metrics,
                                              std::chrono::milliseconds every = std::chrono::milliseconds(20));

}  // namespace caseroute::host
