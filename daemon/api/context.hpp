// What every route handler shares: the current config and roster (swapped
// whole on reload), the store, metrics and the routing kick.
// Owned by app; handlers take it by reference and copy the shared_ptrs they
// read so a reload mid-request cannot pull the config from under them.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <variant>

#include "config/config.hpp"
#include "http/auth.hpp"
#include "http/errors.hpp"
#include "http/message.hpp"
#include "metrics/metrics.hpp"
#include "schedule/schedule.hpp"
#include "schedule/time.hpp"
#include "store/case_store.hpp"

namespace caseroute::api {

struct context {
  boost::asio::io_context& io;
  std::shared_ptr<const config::config> cfg;
  std::shared_ptr<const schedule::roster> roster;
  store::redis_connection& redis;
  store::case_store& store;
  metrics::registry& metrics;
  std::function<void()> kick_routing;  // run a routing pass soon
  bool shutting_down = false;
};

// Store outcomes as API errors (one place for the mapping).
http::api_error to_api_error(boost::system::error_code ec);

// Renders an error in the format the client accepts.
http::response fail(const http::request& req, const http::api_error& e);
http::response fail(const http::request& req, boost::system::error_code ec);

// Bearer authentication for one role; the error response when it fails.
std::variant<http::principal, http::response> require_counselor(const context& ctx, const http::request& req);
std::variant<http::principal, http::response> require_supervisor(const context& ctx, const http::request& req);
// Either role: counselors get their own view, supervisors the full one.
std::variant<http::principal, http::response> require_staff(const context& ctx, const http::request& req);

}  // namespace caseroute::api
