// Reading a request's inputs the same way in every handler: whole-number
// query parameters, optional bodies and text length limits, each failing
// with a 400 that names the field.
#pragma once

#include <boost/system/result.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "http/errors.hpp"
#include "http/message.hpp"

namespace google::protobuf {
class Message;
}

namespace caseroute::api {

// The query parameter `name` as a whole number in [min, max]; `absent` when
// it is missing or empty. The 400 reads "<name>: <unit> <min>-<max>".
boost::system::result<int, http::api_error> query_int(const http::request& req, std::string_view name, int min, int max,
                                                      int absent, std::string_view unit = {});

// Decodes the body into `m` unless it is empty (then `m` stays empty).
std::optional<http::api_error> decode_optional(const http::request& req, google::protobuf::Message& m);

// A 400 on `field` when `text` is longer than `max` bytes.
std::optional<http::api_error> max_length(const std::string& text, std::string_view field, std::size_t max);

}  // namespace caseroute::api
