// Parsing of the config's durations ("30s", "1h30m", "500ms", "7d") and of
// shift windows ("08:30-12:00"). Pure string functions: no YAML, no clock.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace caseroute::config {

// One or more <digits><unit> parts with units in decreasing order, each used
// once: d, h, m, s, ms. "1h30m", "90s", "500ms", "0s". Nothing else: no sign,
// no spaces, no bare number, no fractions. nullopt on garbage or overflow.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// A daily window [start, end) in minutes after midnight.
struct window {
  int start_minute = 0;
  int end_minute = 0;
};

// "HH:MM-HH:MM", two digits each; hours 00..23, minutes 00..59, and the end
// may be 24:00. The start must be before the end: a window never wraps past
// midnight. On failure returns nullopt and, when `why` is given, the reason.
std::optional<window> parse_window(std::string_view text, std::string* why = nullptr);

// "08:30" for 510; 1440 is "24:00". For messages and logs.
std::string format_minute(int minute_of_day);

}  // namespace caseroute::config
