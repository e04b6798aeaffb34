// Renders structured log lines and hands them to spdlog (stderr, thread safe).
#include "log/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <type_traits>

namespace caseroute::log {
namespace {

std::atomic<int> threshold{static_cast<int>(level::info)};
std::atomic<bool> as_json{true};

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
}

bool enabled(level l) { return static_cast<int>(l) >= threshold.load(); }

void write(level l, std::string_view event, std::initializer_list<field> fields) {
  if (!enabled(l)) return;
  std::string line;
  line.reserve(128);
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
    line += now_rfc3339() + " " + name(l) + " " + std::string(event);
    for (const auto& f : fields) {
      line += ' ';
      line += f.key;
      line += '=';
      append_value(line, f.val, false);
    }
  }
  sink().info(line);
}

std::string escape_json(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

}  // namespace caseroute::log
