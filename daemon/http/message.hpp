// Plain request and response values handed from the Beast connection loop
// (server.cpp) through respond() to the route handlers, which therefore never
// include Beast.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace caseroute::http {

struct request {
  std::string method;                                        // "GET", "POST", ...
  std::string target;                                        // raw path with query, as signed by the platform
  std::string path;                                          // percent-decoded path without the query
  std::map<std::string, std::string> query;                  // decoded query parameters
  std::map<std::string, std::string> params;                 // path parameters, e.g. {"caseId": "..."}
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
  std::string body;
  std::string request_id;  // X-Request-Id or a generated one; safe to log
  std::string remote;      // peer address
  // TLS with server.tls.client_ca_file: the client presented a certificate
  // those CAs sign (checked in the handshake).
  bool client_certified = false;

  // First header with this (case-insensitive) name, or "".
  std::string_view header(std::string_view name) const;
};

struct response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers, e.g. Retry-After
};

}  // namespace caseroute::http
