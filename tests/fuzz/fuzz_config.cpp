// libFuzzer target: config::parse_config on arbitrary text (the daemon's
// start, --check-config and SIGHUP all go through it). It must report
// problems, never throw, crash or hang; problems come sorted by position.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = caseroute::config::parse_config(text);
  // The contract of load_result: a config exactly when there is no error.
  if (r.cfg.has_value() != r.errors.empty()) std::abort();
  (void)caseroute::config::format_problems("fuzz.yaml", r);
  return 0;
}
