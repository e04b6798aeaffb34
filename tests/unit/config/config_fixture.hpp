// A small valid config as YAML text, and helpers to edit it and to look for
// a problem at a line. Line numbers of the base are pinned in the comment.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "config/loader.hpp"
#include "config/token.hpp"

namespace caseroute::config::testing {

// Lines (1-based):
//  1 specialties   5 counselor c1   9 counselor c2   13 sites   14 site s1
// 16 county       18 mon roster    19 tue roster     20 privacy 21 platforms
inline std::string base_yaml() {
  return "specialties:\n"                        // 1
         "  - {code: depression, name: 抑郁}\n"  // 2
         "  - {code: anxiety, name: 焦虑}\n"     // 3
         "counselors:\n"                         // 4
         "  - id: c1\n"                          // 5
         "    name: 甲（虚构）\n"                // 6
         "    token_sha256: " +
         sha256_hex("token-c1") +
         "\n"                                              // 7
         "    specialties: {depression: 3, anxiety: 2}\n"  // 8
         "  - id: c2\n"                                    // 9
         "    name: 乙（虚构）\n"                          // 10
         "    token_sha256: " +
         sha256_hex("token-c2") +
         "\n"                                             // 11
         "    specialties: {anxiety: 1}\n"                // 12
         "sites:\n"                                       // 13
         "  - id: s1\n"                                   // 14
         "    name: 一号点\n"                             // 15
         "    county: \"411202\"\n"                       // 16
         "    roster:\n"                                  // 17
         "      mon: {am: [c1], pm: [c2]}\n"              // 18
         "      tue: {am: [c1, c2], pm: [c2]}\n"          // 19
         "privacy: {encryption_key_file: data.key}\n"     // 20
         "platforms: [{id: p1, secret_file: p1.key}]\n";  // 21
}

// base_yaml() with the first `from` replaced by `to` (the text must occur).
inline std::string edited(std::string_view from, std::string_view to) {
  std::string text = base_yaml();
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "fixture text not found: " << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// base_yaml() with `lines` inserted before line `before` (1-based).
inline std::string inserted(int before, std::string_view lines) {
  std::string text = base_yaml();
  std::size_t at = 0;
  for (int line = 1; line < before; ++line) at = text.find('\n', at) + 1;
  text.insert(at, lines);
  return text;
}

inline std::string all_problems(const load_result& r) { return format_problems("test.yaml", r); }

inline bool has_problem(const std::vector<problem>& list, int line, std::string_view part) {
  for (const problem& p : list) {
    if (p.line == line && p.message.find(part) != std::string::npos) return true;
  }
  return false;
}

}  // namespace caseroute::config::testing
