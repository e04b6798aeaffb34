// Body codec: proto3 JSON (application/json) and binary protobuf
// (application/x-protobuf), chosen by Content-Type on the way in and by
// Accept on the way out. Never throws on bad input: it answers an api_error.
#pragma once

#include "http/errors.hpp"
#include "http/message.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace google::protobuf {
class Message;
}

namespace caseroute::http {

enum class format { json, protobuf };

inline constexpr std::string_view content_type_json = "application/json";
inline constexpr std::string_view content_type_protobuf = "application/x-protobuf";

// The body's format from Content-Type: application/json (charset utf-8 or
// none) or application/x-protobuf. A request with an empty body and no
// Content-Type is JSON. Anything else is 415 UNSUPPORTED_MEDIA_TYPE.
std::variant<format, api_error> request_format(const request& req);

// protobuf when the Accept value names application/x-protobuf (with q > 0)
// and does not prefer application/json; JSON otherwise.
format accept_format(std::string_view accept);
format response_format(const request& req);

// Parses the body into `out` (cleared first). An empty body is the empty
// message. JSON is strict: unknown fields, unknown enum names, wrong types and
// invalid UTF-8 are 400 INVALID_ARGUMENT naming the field when protobuf says
// which; lowerCamelCase and snake_case names are both accepted.
std::optional<api_error> decode(const request& req, google::protobuf::Message& out);

// Renders `m` in the format the request's Accept asks for: JSON uses
// lowerCamelCase names, enum names and omits default-valued fields.
response encode(const request& req, const google::protobuf::Message& m, int status = 200);
response encode(format f, const google::protobuf::Message& m, int status = 200);

// The proto3 JSON text of `m` as encode() writes it (for Server-Sent Events).
std::string to_json(const google::protobuf::Message& m);

// The proto3 JSON form of `m` into `out`, fields left at their defaults
// printed too when asked; false when a string field holds invalid UTF-8.
bool print_json(const google::protobuf::Message& m, std::string* out, bool print_defaults);

}  // namespace caseroute::http
