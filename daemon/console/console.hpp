// The browser console's server side (docs/API.md, "Sessions and the
// console"): sign-in and sessions, the signed-in person's own page data, and
// the console's static files compiled into the binary.
#pragma once

#include <span>
#include <vector>

#include "api/routes.hpp"

namespace caseroute::console {

// POST/GET/DELETE /v1/session, POST /v1/session/links, DELETE /v1/sessions/{personId}.
const std::vector<api::route>& session_routes();

// GET /v1/me and POST /v1/cases/{caseId}/risk.
const std::vector<api::route>& case_routes();

// GET /, /me, /signin, /reports, /roster and /assets/<path>: the files of web/, compiled in.
const std::vector<api::route>& static_routes();

// Every console route.
std::span<const api::route> routes();

}  // namespace caseroute::console
