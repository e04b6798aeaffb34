// GET /v1/reports (docs/API.md, "Reports"), listed in the supervisor route
// table (supervisor.cpp): the day counters read, summed and rendered as JSON
// or CSV. Reads report keys only, never a case.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "api/access.hpp"
#include "api/context.hpp"
#include "http/message.hpp"

namespace caseroute::supervisor {

boost::asio::awaitable<http::response> get_reports(api::context& ctx, api::caller who, http::request req);

}  // namespace caseroute::supervisor
