// libFuzzer target: http::verify_platform over a request built from fuzz
// bytes (method, target, headers, body). Half the inputs are also signed
// correctly first, which must then verify: a property, not just "no crash".
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <variant>
#include <vector>

#include "http/auth.hpp"

namespace {

using namespace caseroute;

constexpr std::int64_t fixed_now = 1735689600;  // 2025-01-01T00:00:00Z

const std::vector<config::platform>& platforms() {
  static const std::vector<config::platform> p = [] {
    std::vector<config::platform> v(3);
    v[0].id = "test-platform";
    v[0].secret = "test-secret-for-fuzzing";
    v[1].id = "other";
    v[1].secret = "x";
    v[2].id = "no-secret";  // never verifies
    return v;
  }();
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const bool sign = in.ConsumeBool();
  const auto skew = in.ConsumeIntegralInRange<std::int64_t>(-400, 400);
  http::request req;
  req.method = in.ConsumeRandomLengthString(16);
  req.target = in.ConsumeRandomLengthString(256);
  const auto count = in.ConsumeIntegralInRange<int>(0, 8);
  std::vector<std::pair<std::string, std::string>> fuzzed;
  for (int i = 0; i < count; ++i) {
    auto name = in.ConsumeRandomLengthString(32);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    fuzzed.emplace_back(std::move(name), in.ConsumeRandomLengthString(128));
  }
  req.body = in.ConsumeRemainingBytesAsString();

  if (sign) {
    for (auto [name, value] : http::sign_request("test-platform", platforms()[0].secret, fixed_now + skew, req.method,
                                                 req.target, req.body)) {
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req.headers.emplace_back(std::move(name), std::move(value));
    }
  }
  req.headers.insert(req.headers.end(), fuzzed.begin(), fuzzed.end());

  auto who = http::verify_platform(req, platforms(), fixed_now);
  const bool ok = std::holds_alternative<const config::platform*>(who);
  // A correct signature within the allowed skew verifies; without our headers
  // in front nothing can (the fuzzer cannot forge HMAC-SHA256).
  if (sign && skew >= -http::max_clock_skew_seconds && skew <= http::max_clock_skew_seconds && !ok) std::abort();
  if (sign && (skew < -http::max_clock_skew_seconds || skew > http::max_clock_skew_seconds) && ok) std::abort();
  if (!sign && ok) std::abort();
  return 0;
}
