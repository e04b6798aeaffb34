// Duration and shift-window parsing for the config loader. Pure: strings in,
// values out; never throws on bad input.
#include "config/duration.hpp"

#include <cstdint>
#include <cstdio>
#include <limits>

namespace caseroute::config {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Milliseconds per unit, largest first: a part's unit must come later in
// this table than the previous part's ("1h30m", not "30m1h").
struct unit {
  std::string_view name;
  std::int64_t ms;
};
constexpr unit units[] = {{"d", 86'400'000}, {"h", 3'600'000}, {"m", 60'000}, {"s", 1'000}, {"ms", 1}};
constexpr int unit_count = static_cast<int>(sizeof units / sizeof units[0]);

// Two digits at text[at], at most `max`; -1 otherwise.
int two_digits(std::string_view text, std::size_t at, int max) {
  if (at + 2 > text.size() || !is_digit(text[at]) || !is_digit(text[at + 1])) return -1;
  const int v = (text[at] - '0') * 10 + (text[at + 1] - '0');
  return v <= max ? v : -1;
}

// "HH:MM" -> minutes after midnight, or -1; 24:00 only when allow_24.
int parse_clock(std::string_view text, bool allow_24) {
  if (text.size() != 5 || text[2] != ':') return -1;
  const int h = two_digits(text, 0, 24);
  const int m = two_digits(text, 3, 59);
  if (h < 0 || m < 0) return -1;
  if (h == 24 && !(allow_24 && m == 0)) return -1;
  return h * 60 + m;
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
  std::int64_t total = 0;
  int last_index = -1;
  std::size_t i = 0;
  while (i < text.size()) {
    if (!is_digit(text[i])) return std::nullopt;
    std::int64_t number = 0;
    while (i < text.size() && is_digit(text[i])) {
      const int d = text[i] - '0';
      if (number > (max - d) / 10) return std::nullopt;
      number = number * 10 + d;
      ++i;
    }
    const std::size_t unit_start = i;
    while (i < text.size() && !is_digit(text[i])) ++i;
    const std::string_view name = text.substr(unit_start, i - unit_start);
    int index = 0;
    while (index < unit_count && units[index].name != name) ++index;
    if (index == unit_count) return std::nullopt;
    if (index <= last_index) return std::nullopt;  // "30m1h", "1h1h"
    last_index = index;
    const unit* found = &units[index];
    if (number > max / found->ms) return std::nullopt;
    const std::int64_t part = number * found->ms;
    if (total > max - part) return std::nullopt;
    total += part;
  }
  return std::chrono::milliseconds(total);
}

std::optional<window> parse_window(std::string_view text, std::string* why) {
  auto fail = [&](std::string reason) -> std::optional<window> {
    if (why != nullptr) *why = std::move(reason);
    return std::nullopt;
  };
  if (text.size() != 11 || text[5] != '-') {
    return fail("expected \"HH:MM-HH:MM\", e.g. \"08:30-12:00\"");
  }
  const int start = parse_clock(text.substr(0, 5), false);
  if (start < 0) {
    return fail("bad start time \"" + std::string(text.substr(0, 5)) + "\": hours 00..23, minutes 00..59");
  }
  const int end = parse_clock(text.substr(6, 5), true);
  if (end < 0) {
    return fail("bad end time \"" + std::string(text.substr(6, 5)) + "\": hours 00..23, minutes 00..59, or 24:00");
  }
  if (start >= end) {
    return fail("start must be before end; a shift cannot wrap past midnight (split it in two)");
  }
  return window{start, end};
}

std::string format_minute(int minute_of_day) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minute_of_day / 60, minute_of_day % 60);
  return buf;
}

}  // namespace caseroute::config
