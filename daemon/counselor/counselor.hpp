// Counselor endpoints: availability, offers (long poll), own cases, accept,
// decline, resolve, release.
#pragma once

#include "api/context.hpp"
#include "http/router.hpp"

namespace caseroute::counselor {

void add_routes(http::router& r, api::context& ctx);

}  // namespace caseroute::counselor
