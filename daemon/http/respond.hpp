// One request in, one response out: decode the target, find the route, call
// the handler. No socket and no Beast, so it is tested like a function; the
// connection loop in server.cpp reads the request and writes the answer.
#pragma once

#include "http/errors.hpp"
#include "http/message.hpp"
#include "http/router.hpp"

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>

namespace caseroute::http {

struct answer {
  response out;
  std::string route;  // the route's name; "unmatched" for 404 and 405, "-" for a malformed target
};

// Answers `req` (method, target, headers and body set, path and query not
// yet): 400 for a malformed target, 404 for no route, 405 with Allow for a
// method the path lacks, else what the handler returns; a handler that throws
// is logged once and answered 500. HEAD runs the GET handler and gets its
// whole response; the writer sends the headers only. A streaming route writes
// through `writer`: once it called start(), the stream was the answer and the
// returned response is to be dropped. `routes` and `writer` must outlive the
// awaited call.
boost::asio::awaitable<answer> respond(const router& routes, request req, stream_writer& writer);

// Fills req.path and req.query from req.target; an error for a target that is
// not a path or has a malformed percent-escape.
std::optional<api_error> decode_target(request& req);

}  // namespace caseroute::http
