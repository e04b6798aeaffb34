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
#include <vector>

namespace caseroute::http {

using handler = std::function<boost::asio::awaitable<response>(request)>;

enum class match_status { found, not_found, method_not_allowed };

struct match {
  match_status status = match_status::not_found;
  const handler* h = nullptr;  // set when found; owned by the router
  std::string route_name;      // the pattern, when found
  std::map<std::string, std::string> params;  // percent-decoded
  std::vector<std::string> allowed;  // method_not_allowed: the methods the path has (for Allow)
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

  // `path` is the raw path without the query: it is split on '/' first and
  // each segment percent-decoded after, so "%2F" stays inside a parameter.
  // Literal segments win over parameters. HEAD falls back to GET.
  match find(const std::string& method, const std::string& path) const;

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
  };
  std::vector<route> routes_;
};

// Percent-decodes `in`; false on a malformed escape. '+' is kept unless
// `plus_is_space` (query strings).
bool percent_decode(std::string_view in, std::string& out, bool plus_is_space = false);

}  // namespace caseroute::http
