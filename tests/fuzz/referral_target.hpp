// The body of the two referral fuzz targets: decode a POST /v1/referrals body
// as the intake handler does, then validate it against config/test.yaml.
// Decoding must never crash; what decodes must survive a binary round trip.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace caseroute::fuzz {

// `content_type` picks the codec (application/json or application/x-protobuf).
void decode_and_validate(const std::uint8_t* data, std::size_t size, std::string_view content_type);

}  // namespace caseroute::fuzz
