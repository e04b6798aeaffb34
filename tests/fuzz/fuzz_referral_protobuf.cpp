// libFuzzer target: a POST /v1/referrals body as binary protobuf -> codec
// decode -> intake::validate. Must not crash, leak or trip a sanitizer.
#include <cstddef>
#include <cstdint>

#include "referral_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  caseroute::fuzz::decode_and_validate(data, size, "application/x-protobuf");
  return 0;
}
