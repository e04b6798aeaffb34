// Handlers for duty changes by supervisors (docs/API.md, "Duty changes"),
// listed in the supervisor route table (supervisor.cpp): dated exceptions
// stored in Redis, the effective roster, signing a counselor in or out, and
// the history of those changes.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>

#include "api/access.hpp"
#include "api/context.hpp"
#include "caseroute/v1/duty.pb.h"
#include "http/errors.hpp"
#include "http/message.hpp"

namespace caseroute::supervisor {

// PUT /v1/sites/{siteId}/exceptions/{date}
boost::asio::awaitable<http::response> put_exception(api::context& ctx, api::caller who, http::request req);
// DELETE /v1/sites/{siteId}/exceptions/{date}
boost::asio::awaitable<http::response> delete_exception(api::context& ctx, api::caller who, http::request req);
// GET /v1/sites/{siteId}/roster?from=&to=
boost::asio::awaitable<http::response> get_site_roster(api::context& ctx, api::caller who, http::request req);
// GET /v1/sites: the config's sites and shifts, the time zone and today there
boost::asio::awaitable<http::response> list_sites(api::context& ctx, api::caller who, http::request req);
// PUT /v1/counselors/{counselorId}/availability
boost::asio::awaitable<http::response> put_counselor_availability(api::context& ctx, api::caller who,
                                                                  http::request req);
// GET /v1/duty/changes?limit=&cursor=
boost::asio::awaitable<http::response> list_duty_changes(api::context& ctx, api::caller who, http::request req);

// The 400 for an exception of `site_id` on `date` that the config would
// refuse (unknown site, shift or counselor, a counselor listed twice, no
// shift named) or that is in the past on `today` (local YYYY-MM-DD). Pure.
std::optional<http::api_error> check_exception(const config::config& cfg, const std::string& site_id,
                                               const std::string& date, const std::string& today,
                                               const v1::DutyShifts& shifts);

}  // namespace caseroute::supervisor
