// Exit codes and error messages of the command line (outcome.hpp).
#include "cli/outcome.hpp"

#include <google/protobuf/util/json_util.h>

#include "caseroute/v1/caseroute.pb.h"

namespace caseroute::cli {

exit_code exit_for_status(int status) {
  if (status >= 200 && status < 300) return exit_ok;
  if (status == 401 || status == 403) return exit_denied;
  if (status >= 400 && status < 500) return exit_refused;
  // No answer, a 5xx, or anything else a proxy may send (1xx, 3xx).
  if (status == 0 || status >= 500) return exit_unreachable;
  return exit_refused;
}

std::string error_text(int status, std::string_view body) {
  v1::ErrorBody error;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  const std::string prefix = "HTTP " + std::to_string(status);
  if (google::protobuf::util::JsonStringToMessage(std::string(body), &error, options).ok() &&
      !error.error().message().empty()) {
    auto text = prefix + " " + error.error().code() + ": " + error.error().message();
    if (!error.error().field().empty()) text += " (field " + error.error().field() + ")";
    return text;
  }
  // Not an ErrorBody (a proxy's page): the status only, never the body.
  return prefix;
}

std::string exit_code_help() {
  return "Exit codes: 0 ok; 1 the daemon refused the request (4xx, message on stderr); 2 usage or config error;\n"
         "3 the daemon cannot be reached, timed out or answered 5xx; 4 unauthenticated or forbidden (401, 403).\n"
         "healthcheck: 0 healthy, 1 not.\n"
         "Token (commands that call the daemon): --token-file FILE or CASEROUTE_TOKEN_FILE, else CASEROUTE_TOKEN;\n"
         "never on the command line. Daemon: --url or CASEROUTE_URL, else server.listen of -c FILE, else\n"
         "http://127.0.0.1:8355. Tables in Chinese with --lang zh or a zh locale (LC_ALL, LC_MESSAGES, LANG).\n";
}

}  // namespace caseroute::cli
