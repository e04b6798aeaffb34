// GET /v1/audit: supervisors read the access log of sealed data, filtered by
// case, principal and time, in pages (docs/API.md, "Audit").
#pragma once

#include <boost/system/result.hpp>

#include <span>

#include "api/routes.hpp"
#include "audit/trail.hpp"
#include "http/errors.hpp"
#include "http/message.hpp"

namespace caseroute::audit {

// The audit route table (api/routes.hpp).
std::span<const api::route> routes();

// The query of GET /v1/audit from ?caseId=&principal=&from=&to=&limit=&cursor=,
// or the 400 naming the first bad parameter. Pure.
boost::system::result<query, http::api_error> parse_query(const http::request& req);

}  // namespace caseroute::audit
