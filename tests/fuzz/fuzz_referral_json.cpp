// libFuzzer target: a POST /v1/referrals body as proto3 JSON -> codec decode
// -> intake::validate. Must not crash, leak or trip a sanitizer on any input.
#include <cstddef>
#include <cstdint>

#include "referral_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  caseroute::fuzz::decode_and_validate(data, size, "application/json");
  return 0;
}
