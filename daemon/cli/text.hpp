// The words of the command line's tables in English and Chinese: column
// headings, case states, risks, outcomes, modes, event types. Pure; the
// language comes from --lang or the locale's environment variables.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace caseroute::cli {

enum class language { en, zh };

// `flag` is --lang ("", "en", "zh"; anything else is treated as ""). Without
// it the first set variable of LC_ALL, LC_MESSAGES, LANG decides (POSIX
// order): one starting with "zh" means Chinese, anything else English.
language pick_language(std::string_view flag, const std::function<const char*(const char*)>& getenv);

// Enum names as the API writes them (CASE_QUEUED, RISK_HIGH, OUTCOME_OTHER,
// MODE_PHONE); an unknown or empty name comes back as written ("" as "-").
std::string state_word(language l, std::string_view name);
std::string risk_word(language l, std::string_view name);
std::string outcome_word(language l, std::string_view name);
std::string mode_word(language l, std::string_view name);
std::string event_word(language l, std::string_view type);  // case.offered, ...
std::string yes_no(language l, bool v);

// A heading or label by its English text ("CASE", "oldest wait"); the
// English text itself when no Chinese one is known.
std::string word(language l, std::string_view english);

// What users may type for --state and --risk: queued, CASE_QUEUED, 排队中
// (any case). The API's name, or "" when it is none.
std::string state_name(std::string_view typed);
std::string risk_name(std::string_view typed);

}  // namespace caseroute::cli
