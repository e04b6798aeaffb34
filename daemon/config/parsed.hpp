// Private to config/: what parsing leaves for load_config, namely where the
// secret-file keys sit, so a bad secret file is reported at its line.
#pragma once

#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/loader.hpp"

namespace caseroute::config::detail {

struct position {
  int line = 0;  // 1-based; 0 = unknown / whole file
  int column = 0;
};

struct parsed {
  load_result result;                           // result.cfg is set only when there are no errors
  config partial;                               // everything that could be read, even with errors
  std::vector<position> platform_secret_files;  // index-aligned with partial.platforms
  position encryption_key_file;
  std::vector<position> previous_encryption_key_files;  // index-aligned with the privacy list
  position redis_password_file;
};

parsed parse(std::string_view yaml_text);

// Sorts problems by position (whole-file ones first), keeping the order of ties.
void sort_problems(load_result& r);

}  // namespace caseroute::config::detail
