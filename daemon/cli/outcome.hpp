// The command line's exit codes, which scripts branch on (documented in
// `caseroute --help` and the README), and how a daemon's answer maps to one.
// Pure: no I/O.
#pragma once

#include <string>
#include <string_view>

namespace caseroute::cli {

enum exit_code : int {
  exit_ok = 0,           // done; the daemon answered 2xx (healthcheck: healthy)
  exit_refused = 1,      // the daemon answered an error 4xx (healthcheck: not healthy)
  exit_usage = 2,        // bad arguments, no token, a config that does not load
  exit_unreachable = 3,  // no connection, a timeout, or a 5xx
  exit_denied = 4,       // 401 or 403: the token is unknown or not a supervisor's
};

// status 0 stands for "no answer" (connection failed, timed out).
exit_code exit_for_status(int status);

// The message of an ErrorBody answer ("CODE: message"), or a short
// description of the status when the body is not one.
std::string error_text(int status, std::string_view body);

// The text printed after --help: the exit codes and the token's sources.
std::string exit_code_help();

}  // namespace caseroute::cli
