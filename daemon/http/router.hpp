// The method + path route table. Patterns are literal segments and {name}
// parameters ("/v1/cases/{caseId}/accept"); a parameter matches one non-empty
// segment. The pattern doubles as the route name that metrics label with, so
// raw paths (full of ids) never become label values.
#pragma once

#include "http/message.hpp"

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace caseroute::http {

using handler = std::function<boost::asio::awaitable<response>(request)>;

// A response written in pieces (Server-Sent Events). Implemented by the
// server; owned by the connection, which outlives the stream handler's frame.
class stream_writer {
 public:
  virtual ~stream_writer() = default;
  // Sends "200" and the headers (Connection: close; the body ends when the
  // stream does). false when the client is gone.
  virtual boost::asio::awaitable<bool> start(std::string content_type) = 0;
  // Sends bytes after start(); false when the client is gone or too slow.
  virtual boost::asio::awaitable<bool> write(std::string chunk) = 0;
  // True once the server stops accepting: end the stream soon.
  virtual bool closing() const = 0;
  // For a request that may wait long (a long poll, a stream): from now until
  // the answer, the connection watches the client, and a client that goes
  // away cancels the handler (its coroutine's cancellation state turns
  // terminal), freeing what it holds at once.
  virtual void watch_peer() = 0;
  // Ends the stream now, even in the middle of a write the client does not
  // take (a client that fell too far behind): the pending write fails.
  virtual void abort() = 0;
};

// Calls start() to stream; if it returns without having called start(), the
// returned response is sent as usual (e.g. a 401). After a stream the
// connection closes and the returned response is ignored.
using stream_handler = std::function<boost::asio::awaitable<response>(request, stream_writer&)>;

enum class match_status { found, not_found, method_not_allowed };

struct match {
  match_status status = match_status::not_found;
  const handler* h = nullptr;                 // set when found for a plain route; owned by the router
  const stream_handler* stream = nullptr;     // set when found for a streaming route
  std::string route_name;                     // the pattern, when found
  bool waits = false;                         // a long poll or a stream: the server watches the client
  std::map<std::string, std::string> params;  // percent-decoded
  std::vector<std::string> allowed;           // method_not_allowed: the methods the path has (for Allow)
};

// Built once at start-up, then only read; find() is const and allocation-light.
class router {
 public:
  // Throws std::invalid_argument for a malformed pattern or a duplicate
  // method + pattern. route_name defaults to the pattern when empty.
  void add(std::string method, std::string pattern, std::string route_name, handler h);
  void add(std::string method, std::string pattern, handler h) {
    add(std::move(method), pattern, pattern, std::move(h));
  }

  void add_stream(std::string method, std::string pattern, std::string route_name, stream_handler h);
  // A plain route whose handler may wait long for news (a long poll).
  void add_waiting(std::string method, std::string pattern, std::string route_name, handler h);

  // `path` is the raw path without the query: it is split on '/' first and
  // each segment percent-decoded after, so "%2F" stays inside a parameter.
  // Literal segments win over parameters. HEAD falls back to GET.
  match find(const std::string& method, const std::string& path) const;

  // Every route added, in order, as {method, pattern}.
  std::vector<std::pair<std::string, std::string>> listing() const;

 private:
  struct segment {
    std::string text;  // literal text, or the parameter name
    bool param = false;
  };
  struct route {
    std::string method;
    std::string pattern;
    std::string name;
    std::vector<segment> segments;
    handler h;
    stream_handler stream;  // set instead of h for streaming routes
    bool waits = false;     // streams, and plain routes added with add_waiting
  };
  std::vector<route> routes_;
};

// Percent-decodes `in`; false on a malformed escape. '+' is kept unless
// `plus_is_space` (query strings).
bool percent_decode(std::string_view in, std::string& out, bool plus_is_space = false);

}  // namespace caseroute::http
