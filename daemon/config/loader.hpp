// Turns the YAML config file into a `config`, or into every problem found in
// it, each with its line and column. Never stops at the first problem and
// never throws on bad input; the daemon, --check-config and SIGHUP use it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace caseroute::config {

// line and column are 1-based; 0 means the problem concerns the whole file.
struct problem {
  int line = 0;
  int column = 0;
  std::string message;
};

// cfg is set only when errors is empty. Warnings never block loading.
// Problems are sorted by position.
struct load_result {
  std::optional<config> cfg;
  std::vector<problem> errors;
  std::vector<problem> warnings;
};

// Pure: YAML text in, config or every problem out. No file access: secret
// fields (platform::secret, privacy_settings::encryption_key) stay empty.
load_result parse_config(std::string_view yaml_text);

// Reads `file`, parses it, then reads the secret files, relative to the
// directory of `file` unless absolute: platforms[].secret_file into
// platform::secret (trailing whitespace trimmed; must not be empty) and
// privacy.encryption_key_file into privacy_settings::encryption_key (the file
// holds 64 hex characters or exactly 32 raw bytes; 32 raw bytes are stored).
// redis.password_file into redis_settings::password (trimmed; refused when
// group or others may read it, like ssh does a private key).
// A bad secret file is an error at the line of its key. Other paths
// (redis.data_dir, server.tls files) are left as written.
load_result load_config(const std::filesystem::path& file);

// One line per problem, errors first: "file:line:col: error: message" and
// "file:line:col: warning: message"; "file: error: message" for line 0.
std::string format_problems(const std::filesystem::path& file, const load_result& r);

}  // namespace caseroute::config
