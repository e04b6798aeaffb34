// A small blocking HTTP/1.1 client for the command line: one request per
// connection to the daemon, plain or TLS (the system's CAs or --cacert, host
// name checked). The only file of daemon/cli that includes Beast is
// client.cpp; each call runs its own io_context to completion.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/address.hpp"

namespace caseroute::cli {

struct call_settings {
  endpoint to;
  std::string cacert;                         // PEM file of the CAs to trust; "" = the system's
  std::chrono::milliseconds timeout{10'000};  // the whole exchange (connect, send, answer)
};

using header_list = std::vector<std::pair<std::string, std::string>>;

struct answer {
  int status = 0;       // 0: no answer (see problem)
  std::string body;     // the answer's body (of a non-200 answer, for a stream)
  std::string problem;  // why there was no answer: "connect: Connection refused", "timeout", ...
};

// One request and its whole answer.
answer call(const call_settings& settings, std::string_view method, const std::string& target,
            const header_list& headers, const std::string& body = "");

// A GET whose 200 answer is a stream: on_bytes gets each piece of the body
// as it arrives, until the connection ends or nothing arrives for `idle`.
// Returns status 200 with a problem when a followed stream ended, or the
// answer when it was not a 200.
answer follow(const call_settings& settings, const std::string& target, const header_list& headers,
              std::chrono::milliseconds idle, const std::function<void(std::string_view)>& on_bytes);

}  // namespace caseroute::cli
