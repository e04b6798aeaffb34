// Renders structured log lines and hands them to spdlog (stderr, thread safe).
// Every line is valid UTF-8 JSON whatever a field holds; under systemd each
// line starts with its syslog priority (<3> error .. <7> debug), which
// journald strips and records, so `journalctl -p err` finds the errors.
#include "log/log.hpp"

#include <google/protobuf/stubs/logging.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <type_traits>

namespace caseroute::log {
namespace {

std::atomic<int> threshold{static_cast<int>(level::info)};
std::atomic<bool> as_json{true};
std::atomic<bool> priority_prefix{false};

spdlog::logger& sink() {
  static auto logger = [] {
    auto l = spdlog::stderr_logger_mt("caseroute");
    l->set_pattern("%v");
    l->set_level(spdlog::level::trace);
    l->flush_on(spdlog::level::trace);
    return l;
  }();
  return *logger;
}

const char* name(level l) {
  switch (l) {
    case level::trace:
      return "trace";
    case level::debug:
      return "debug";
    case level::info:
      return "info";
    case level::warn:
      return "warn";
    case level::error:
      return "error";
  }
  return "info";
}

// sd-daemon(3) prefixes: error 3, warning 4, info 6, debug 7.
const char* priority(level l) {
  switch (l) {
    case level::error:
      return "<3>";
    case level::warn:
      return "<4>";
    case level::info:
      return "<6>";
    default:
      return "<7>";
  }
}

// libprotobuf's own messages (e.g. invalid UTF-8 in a string field of a
// binary body) as structured lines instead of its plain-text stderr output.
void protobuf_handler(google::protobuf::LogLevel l, const char* file, int line, const std::string& message) {
  const level ours = l >= google::protobuf::LOGLEVEL_ERROR     ? level::error
                     : l == google::protobuf::LOGLEVEL_WARNING ? level::warn
                                                               : level::info;
  write(ours, "protobuf.log", {{"problem", message}, {"source", file != nullptr ? file : ""}, {"line", line}});
}

std::string now_rfc3339() {
  using namespace std::chrono;
  auto now = time_point_cast<milliseconds>(system_clock::now());
  auto secs = system_clock::to_time_t(time_point_cast<seconds>(now));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  auto ms = static_cast<int>(now.time_since_epoch().count() % 1000);
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buf;
}

void append_value(std::string& out, const value& v, bool json) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string_view>) {
          if (json) {
            out += '"';
            out += escape_json(x);
            out += '"';
          } else {
            out += escape_json(x);
          }
        } else if constexpr (std::is_same_v<T, bool>) {
          out += x ? "true" : "false";
        } else {
          out += std::to_string(x);
        }
      },
      v);
}

}  // namespace

void configure(std::string_view level_name, std::string_view format) {
  level l = level::info;
  if (level_name == "trace")
    l = level::trace;
  else if (level_name == "debug")
    l = level::debug;
  else if (level_name == "warn")
    l = level::warn;
  else if (level_name == "error")
    l = level::error;
  threshold = static_cast<int>(l);
  as_json = format != "text";
  priority_prefix = stderr_is_journal(std::getenv("JOURNAL_STREAM"));
  google::protobuf::SetLogHandler(protobuf_handler);
}

bool stderr_is_journal(const char* journal_stream) {
  // systemd sets JOURNAL_STREAM=<device>:<inode> of the stream it connected;
  // it is ours only if stderr still is that stream (not redirected since).
  if (journal_stream == nullptr) return false;
  unsigned long long dev = 0, ino = 0;
  char tail = 0;
  if (std::sscanf(journal_stream, "%llu:%llu%c", &dev, &ino, &tail) != 2) return false;
  struct stat st {};
  if (::fstat(2, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == dev && static_cast<unsigned long long>(st.st_ino) == ino;
}

bool enabled(level l) { return static_cast<int>(l) >= threshold.load(); }

void write(level l, std::string_view event, std::initializer_list<field> fields) {
  if (!enabled(l)) return;
  std::string line;
  line.reserve(128);
  if (priority_prefix) line += priority(l);
  if (as_json) {
    line += R"({"ts":")" + now_rfc3339() + R"(","level":")" + name(l) + R"(","event":")";
    line += escape_json(event);
    line += '"';
    for (const auto& f : fields) {
      line += ",\"";
      line += escape_json(f.key);
      line += "\":";
      append_value(line, f.val, true);
    }
    line += '}';
  } else {
    line += now_rfc3339() + " " + name(l) + " " + escape_json(event);
    for (const auto& f : fields) {
      line += ' ';
      line += escape_json(f.key);
      line += '=';
      append_value(line, f.val, false);
    }
  }
  sink().info(line);
}

namespace {

// Length of the valid UTF-8 sequence at s[i], 0 when it is not one
// (overlong forms, surrogates and code points above U+10FFFF are invalid).
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto at = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = at(i);
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (at(i + 1) < lo || at(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (at(i + k) < 0x80 || at(i + k) > 0xBF) return 0;
  return n;
}

}  // namespace

std::string escape_json(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      default:
        break;
    }
    if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (const std::size_t n = utf8_length(s, i); n > 0) {
      out.append(s.substr(i, n));
      i += n - 1;
    } else {
      // Not UTF-8: one U+FFFD per bad byte, so every line stays valid JSON.
      out += "\xEF\xBF\xBD";
    }
  }
  return out;
}

}  // namespace caseroute::log
