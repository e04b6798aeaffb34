// Supervisor endpoints: queue, cases, assign, cancel, counselors, coverage,
// and the status callbacks the platform never acknowledged.
#pragma once

#include <functional>

#include "api/context.hpp"
#include "http/router.hpp"
#include "store/outbox.hpp"

namespace caseroute::supervisor {

void add_routes(http::router& r, api::context& ctx);

// GET /v1/callbacks/parked and POST /v1/callbacks/parked/{eventId}/retry;
// `kick` wakes the delivery loop after a retry.
void add_parked_callback_routes(http::router& r, api::context& ctx, store::outbox& outbox, std::function<void()> kick);

}  // namespace caseroute::supervisor
