// Platform endpoints: signed referrals in, referral status out.
#pragma once

#include "api/context.hpp"
#include "http/router.hpp"

namespace caseroute::intake {

// POST /v1/referrals and GET /v1/referrals/{referralId}.
void add_routes(http::router& r, api::context& ctx);

}  // namespace caseroute::intake
