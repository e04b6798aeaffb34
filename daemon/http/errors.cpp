// Factories for the API errors and their rendering as ErrorBody. The only
// place that maps an error to an HTTP status and code.
#include "http/errors.hpp"

#include "caseroute/v1/caseroute.pb.h"
#include "http/codec.hpp"

#include <utility>

namespace caseroute::http {
namespace {

api_error make(int status, const char* code, std::string message, std::string field = {}) {
  return api_error{status, code, std::move(message), std::move(field), 0};
}

}  // namespace

api_error invalid_argument(std::string m, std::string field) {
  return make(400, "INVALID_ARGUMENT", std::move(m), std::move(field));
}
api_error unauthenticated(std::string m) { return make(401, "UNAUTHENTICATED", std::move(m)); }
api_error permission_denied(std::string m) { return make(403, "PERMISSION_DENIED", std::move(m)); }
api_error not_found(std::string m) { return make(404, "NOT_FOUND", std::move(m)); }
api_error method_not_allowed(std::string m) { return make(405, "METHOD_NOT_ALLOWED", std::move(m)); }
api_error conflict(std::string m) { return make(409, "CONFLICT", std::move(m)); }
api_error payload_too_large(std::string m) { return make(413, "PAYLOAD_TOO_LARGE", std::move(m)); }
api_error unsupported_media_type(std::string m) { return make(415, "UNSUPPORTED_MEDIA_TYPE", std::move(m)); }
api_error header_too_large(std::string m) { return make(431, "INVALID_ARGUMENT", std::move(m)); }
api_error internal(std::string m) { return make(500, "INTERNAL", std::move(m)); }

api_error resource_exhausted(std::string m, int retry_after_seconds) {
  auto e = make(429, "RESOURCE_EXHAUSTED", std::move(m));
  e.retry_after_seconds = retry_after_seconds;
  return e;
}

api_error unavailable(std::string m, int retry_after_seconds) {
  auto e = make(503, "UNAVAILABLE", std::move(m));
  e.retry_after_seconds = retry_after_seconds > 0 ? retry_after_seconds : 1;
  return e;
}

response to_response(const api_error& e, std::string_view accept) {
  caseroute::v1::ErrorBody body;
  auto* d = body.mutable_error();
  d->set_code(e.code);
  d->set_message(e.message);
  d->set_field(e.field);

  response r;
  r.status = e.status;
  if (accept_format(accept) == format::protobuf) {
    r.content_type = std::string(content_type_protobuf);
    body.SerializeToString(&r.body);
  } else {
    r.content_type = std::string(content_type_json);
    // The error shape is fixed: code, message and field are always present.
    if (!print_json(body, &r.body, true)) {
      // Only invalid UTF-8 in a message can fail; never leave the body empty.
      r.body = R"({"error":{"code":")" + e.code + R"(","message":"error","field":""}})";
    }
  }
  if (e.retry_after_seconds > 0) r.headers.emplace_back("Retry-After", std::to_string(e.retry_after_seconds));
  return r;
}

response to_response(const api_error& e, const request& req) { return to_response(e, req.header("accept")); }

}  // namespace caseroute::http
