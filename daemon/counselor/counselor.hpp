// Counselor endpoints: availability, offers (long poll), own cases, accept,
// decline, resolve, release.
#pragma once

#include <span>

#include "api/routes.hpp"

namespace caseroute::counselor {

// The counselor route table (api/routes.hpp).
std::span<const api::route> routes();

}  // namespace caseroute::counselor
