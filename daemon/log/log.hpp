// Structured log lines: one JSON object per line with a time, a level, an
// event name and typed fields. Callers pass ids and counts only: never a
// contact, a summary or a token (minors' personal data stays out of logs).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace caseroute::log {

enum class level { trace, debug, info, warn, error };

using value = std::variant<std::string_view, std::int64_t, double, bool>;

struct field {
  std::string_view key;
  value val;
  field(std::string_view k, std::string_view v) : key(k), val(v) {}
  field(std::string_view k, const std::string& v) : key(k), val(std::string_view(v)) {}
  field(std::string_view k, const char* v) : key(k), val(std::string_view(v)) {}
  field(std::string_view k, bool v) : key(k), val(v) {}
  field(std::string_view k, double v) : key(k), val(v) {}
  template <class I>
  requires std::is_integral_v<I> field(std::string_view k, I v) : key(k), val(static_cast<std::int64_t>(v)) {}
};

// Sets the threshold and the format ("json" or "text"); default info, json.
// Also decides the journald priority prefix (stderr_is_journal) and routes
// libprotobuf's log messages through write() (event protobuf.log).
void configure(std::string_view level_name, std::string_view format);
bool enabled(level l);

void write(level l, std::string_view event, std::initializer_list<field> fields);

inline void debug(std::string_view event, std::initializer_list<field> f = {}) { write(level::debug, event, f); }
inline void info(std::string_view event, std::initializer_list<field> f = {}) { write(level::info, event, f); }
inline void warn(std::string_view event, std::initializer_list<field> f = {}) { write(level::warn, event, f); }
inline void error(std::string_view event, std::initializer_list<field> f = {}) { write(level::error, event, f); }

// JSON string escaping, exposed for tests. Invalid UTF-8 becomes U+FFFD
// (one per bad byte); control characters and DEL become \u00XX.
std::string escape_json(std::string_view s);

// Whether JOURNAL_STREAM (its value, or nullptr when unset) names the
// stream on file descriptor 2, i.e. journald reads our stderr.
bool stderr_is_journal(const char* journal_stream);

}  // namespace caseroute::log
