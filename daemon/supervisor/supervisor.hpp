// Supervisor endpoints: queue, cases, assign, cancel, counselors, coverage,
// the status callbacks the platform never acknowledged, and duty changes
// (stored exceptions, the site roster, signing counselors in or out: duty.hpp).
#pragma once

#include <span>

#include "api/routes.hpp"

namespace caseroute::supervisor {

// The supervisor route table (api/routes.hpp); GET /v1/cases/{caseId} also
// answers a counselor about their own case.
std::span<const api::route> routes();

}  // namespace caseroute::supervisor
