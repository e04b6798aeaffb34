// A config of `counselors` counselors (ids c100000 on, a token each, five
// specialties, one home-visit county, as a real roster entry holds), with
// the config's indexes built when `indexed`: what the config benchmarks
// look people up in.
#pragma once

#include <string>

#include "config/config.hpp"
#include "config/token.hpp"

namespace caseroute::bench {

inline config::config city(int counselors, bool indexed) {
  config::config cfg;
  for (int i = 0; i < counselors; ++i) {
    config::counselor c;
    c.id = "c" + std::to_string(100000 + i);
    c.name = "Counselor " + std::to_string(i);
    c.token_sha256 = config::sha256_hex("token-" + c.id);
    for (const char* code : {"depression", "anxiety", "exam_stress", "family_conflict", "self_harm"})
      c.specialties[code] = 1 + i % 3;
    c.home_visit_counties = {"411202"};
    cfg.counselors.push_back(std::move(c));
  }
  if (indexed) cfg.build_indexes();
  return cfg;
}

}  // namespace caseroute::bench
