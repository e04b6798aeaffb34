// Platform endpoints: signed referrals in, referral status out.
#pragma once

#include <span>

#include "api/routes.hpp"

namespace caseroute::intake {

// The platform route table (api/routes.hpp): POST /v1/referrals and
// GET /v1/referrals/{referralId}.
std::span<const api::route> routes();

}  // namespace caseroute::intake
