// Handlers for the status callbacks the platform never acknowledged, listed
// in the supervisor route table (supervisor.cpp).
#pragma once

#include <boost/asio/awaitable.hpp>

#include "api/access.hpp"
#include "api/context.hpp"
#include "http/message.hpp"

namespace caseroute::supervisor {

// GET /v1/callbacks/parked
boost::asio::awaitable<http::response> list_parked(api::context& ctx, api::caller who, http::request req);
// POST /v1/callbacks/parked/{eventId}/retry: requeues one and wakes the delivery loop.
boost::asio::awaitable<http::response> retry_parked(api::context& ctx, api::caller who, http::request req);

}  // namespace caseroute::supervisor
