// Validation of a decoded Referral against docs/API.md and the config. Pure:
// the message, the config and the time in; the first problem (naming its
// field) or nothing out.
#pragma once

#include <chrono>
#include <optional>

#include "caseroute/v1/caseroute.pb.h"
#include "config/config.hpp"
#include "http/errors.hpp"

namespace caseroute::intake {

std::optional<http::api_error> validate(const v1::Referral& r, const config::config& cfg,
                                        std::chrono::sys_time<std::chrono::milliseconds> now);

}  // namespace caseroute::intake
