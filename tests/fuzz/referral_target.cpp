// Shared by fuzz_referral_json and fuzz_referral_protobuf: the config is
// loaded once from the tree (secrets resolve next to it); the clock is fixed
// so a finding replays the same way.
#include "referral_target.hpp"

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

#include "caseroute/v1/caseroute.pb.h"
#include "config/loader.hpp"
#include "http/codec.hpp"
#include "intake/validate.hpp"

namespace caseroute::fuzz {
namespace {

const config::config& test_config() {
  static const config::config cfg = [] {
    auto r = config::load_config(std::string(CASEROUTE_SOURCE_DIR) + "/config/test.yaml");
    if (!r.cfg) {
      std::cerr << config::format_problems("config/test.yaml", r);
      std::abort();
    }
    return *r.cfg;
  }();
  return cfg;
}

// 2025-01-01T00:00:00Z; the seeds are received a minute earlier.
constexpr std::chrono::sys_time<std::chrono::milliseconds> fixed_now{std::chrono::milliseconds(1735689600000LL)};

}  // namespace

void decode_and_validate(const std::uint8_t* data, std::size_t size, std::string_view content_type) {
  http::request req;
  req.method = "POST";
  req.target = req.path = "/v1/referrals";
  req.headers.emplace_back("content-type", std::string(content_type));
  req.body.assign(reinterpret_cast<const char*>(data), size);

  v1::Referral referral;
  if (http::decode(req, referral)) return;

  // What decoded must encode to binary and decode again.
  auto again = http::encode(http::format::protobuf, referral, 202);
  v1::Referral back;
  if (!back.ParseFromString(again.body)) {
    std::cerr << "a decoded referral did not survive a binary round trip\n";
    std::abort();
  }
  // What validates is stored and later rendered as JSON (to_json throws on
  // what it cannot render, e.g. a Timestamp out of range: validate rejects those).
  if (intake::validate(referral, test_config(), fixed_now)) return;
  (void)http::to_json(referral);
}

}  // namespace caseroute::fuzz
