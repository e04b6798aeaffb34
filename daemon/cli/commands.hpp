// The operator's subcommands of `caseroute` (queue, cases, case, assign,
// cancel, counselors, coverage, callbacks, events, audit, healthcheck) and
// --version. Each calls a running daemon over its HTTP API (docs/API.md)
// with a token from a file or the environment, never from the command line,
// and prints a table (English or Chinese) or, with --json, the daemon's JSON.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <optional>
#include <string>

namespace caseroute::cli {

class operator_commands {
 public:
  // Adds the subcommands, --version and the exit codes' help to `app`
  // (main's), which must have a -c/--config option bound to `config_path`.
  operator_commands(CLI::App& app, const std::string& config_path);
  ~operator_commands();
  operator_commands(const operator_commands&) = delete;
  operator_commands& operator=(const operator_commands&) = delete;

  // After parsing: the exit code of the subcommand given (outcome.hpp), or
  // nullopt when the command line named none of these.
  std::optional<int> run();

 private:
  struct state;
  std::unique_ptr<state> state_;
};

// What main returns when parsing failed: 0 after --help and --version, 2
// (a usage error) otherwise; CLI11's message goes to stderr.
int parse_failed(CLI::App& app, const CLI::ParseError& e);

}  // namespace caseroute::cli
