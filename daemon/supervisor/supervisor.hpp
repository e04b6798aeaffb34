// Supervisor endpoints: queue, cases, assign, cancel, counselors, coverage,
// and the status callbacks the platform never acknowledged.
#pragma once

#include <span>

#include "api/routes.hpp"

namespace caseroute::supervisor {

// The supervisor route table (api/routes.hpp); GET /v1/cases/{caseId} also
// answers a counselor about their own case.
std::span<const api::route> routes();

}  // namespace caseroute::supervisor
