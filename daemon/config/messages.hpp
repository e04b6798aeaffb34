// The message catalogue of --check-config: every kind of config problem and
// roster coverage gap, with a stable code, its English text (what the loader
// writes) and a Simplified Chinese rendering. Pure: strings in, strings out.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "config/loader.hpp"

namespace caseroute::config {

enum class language { en, zh };

// "en" or "zh"; nullopt for anything else.
std::optional<language> language_named(std::string_view name);

// The language the locale asks for: the first non-empty of LC_ALL,
// LC_MESSAGES and LANG (the POSIX order) decides; one starting with "zh"
// means Chinese, anything else (or none) English. `getenv` is a parameter so
// tests pass a map.
language language_from_environment(const std::function<const char*(const char*)>& getenv);

// One kind of message. `en` is the exact English text with named
// placeholders ("{path}: expected a list, got {kind}"); `zh` uses the same
// placeholders. A placeholder matches any non-empty text; two never touch.
struct message_kind {
  std::string_view code;
  std::string_view en;
  std::string_view zh;
};

// Every problem the loader reports and every gap describe_gaps names.
std::span<const message_kind> message_kinds();
// The parts that sit inside a message's placeholders and need words of their
// own ("a list", "no such file", "every shift").
std::span<const message_kind> message_phrases();

// The code of the kind an English message is of; empty when none matches.
std::string_view message_code(std::string_view english);

// The message in `lang`. An English message of no known kind, and every
// message asked for in English, comes back unchanged.
std::string translate(std::string_view english, language lang);

// format_problems (loader.hpp) in `lang`: the same "file:line:col: " prefix,
// then the severity ("error"/"错误", "warning"/"警告") and the message.
std::string format_problems(const std::filesystem::path& file, const load_result& r, language lang);

// The line --check-config prints for one coverage gap of the coming week
// (describe_gaps' text), without the newline.
std::string format_coverage_gap(const std::filesystem::path& file, std::string_view gap, language lang);

}  // namespace caseroute::config
