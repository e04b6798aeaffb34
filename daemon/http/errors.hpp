// The API error (docs/API.md, "Errors"): a status, a code, a message and the field at
// fault, rendered as the ErrorBody message. Messages go to the client only;
// they must not carry secrets, and logs carry the code, never the message.
#pragma once

#include "http/message.hpp"

#include <string>
#include <string_view>

namespace caseroute::http {

struct api_error {
  int status = 500;
  std::string code;             // "INVALID_ARGUMENT", "UNAUTHENTICATED", ...
  std::string message;          // for people; names the problem, never echoes a secret
  std::string field;            // the offending field ("concerns[0]"), or ""
  int retry_after_seconds = 0;  // > 0: sent as Retry-After (503, 429)
};

api_error invalid_argument(std::string message, std::string field = {});         // 400
api_error unauthenticated(std::string message);                                  // 401
api_error permission_denied(std::string message);                                // 403
api_error not_found(std::string message);                                        // 404
api_error method_not_allowed(std::string message);                               // 405
api_error conflict(std::string message);                                         // 409
api_error payload_too_large(std::string message);                                // 413
api_error unsupported_media_type(std::string message);                           // 415
api_error header_too_large(std::string message);                                 // 431
api_error resource_exhausted(std::string message, int retry_after_seconds = 0);  // 429
api_error internal(std::string message = "internal error");                      // 500
api_error unavailable(std::string message, int retry_after_seconds = 1);         // 503

// `{"error":{"code":..,"message":..,"field":..}}` (all three keys always
// present), or the binary ErrorBody when `accept` asks for
// application/x-protobuf. Adds Retry-After when the error has one.
response to_response(const api_error& e, std::string_view accept = {});
// Same, negotiating with the request's Accept header.
response to_response(const api_error& e, const request& req);

}  // namespace caseroute::http
