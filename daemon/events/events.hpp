// The event stream for staff: GET /v1/events (Server-Sent Events) over the
// change feed, resumable with Last-Event-ID on any replica.
#pragma once

#include <span>

#include "api/routes.hpp"

namespace caseroute::events {

std::span<const api::route> routes();

}  // namespace caseroute::events
