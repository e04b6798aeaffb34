// Registration of the API's method+path table, one function per audience.
#pragma once

#include "api/context.hpp"
#include "http/router.hpp"

namespace caseroute {

void add_intake_routes(http::router& r, context& ctx);      // platform: referrals
void add_counselor_routes(http::router& r, context& ctx);   // /v1/me/..., accept, decline, resolve, release
void add_supervisor_routes(http::router& r, context& ctx);  // queue, cases, assign, cancel, counselors

// Case views per audience (SPEC 4): what each may see of a case.
void strip_for_platform(v1::Case& c);

}  // namespace caseroute

namespace caseroute {

// The roster view of one counselor (GET /v1/counselors, PUT /v1/me/availability).
v1::Counselor counselor_view(const config::counselor& c, const std::vector<schedule::duty_slot>& on_duty,
                             const routing::counselor_status& status, int max_missed_offers);

}  // namespace caseroute
