// What each audience may see of a case or a counselor: the views every
// handler builds its answers from.
#pragma once

#include <vector>

#include "caseroute/v1/caseroute.pb.h"
#include "config/config.hpp"
#include "routing/routing.hpp"
#include "schedule/schedule.hpp"

namespace caseroute::api {

// The platform's view of its case: progress, not who holds it nor what they know.
void strip_for_platform(v1::Case& c);

// The roster view of one counselor (GET /v1/counselors, PUT /v1/me/availability).
v1::Counselor counselor_view(const config::counselor& c, const std::vector<schedule::duty_slot>& on_duty,
                             const routing::counselor_status& status, int max_missed_offers);

}  // namespace caseroute::api
