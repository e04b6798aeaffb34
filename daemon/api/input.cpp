// Query numbers, optional bodies, text lengths.
#include "api/input.hpp"

#include <charconv>

#include "http/codec.hpp"

namespace caseroute::api {

boost::system::result<int, http::api_error> query_int(const http::request& req, std::string_view name, int min, int max,
                                                      int absent, std::string_view unit) {
  auto it = req.query.find(std::string(name));
  // in_place_value: api_error (an aggregate) is constructible from an int too.
  if (it == req.query.end() || it->second.empty()) return {boost::system::in_place_value, absent};
  const auto& s = it->second;
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || v < min || v > max) {
    std::string message(name);
    message += ": ";
    if (!unit.empty()) message.append(unit).append(" ");
    message += std::to_string(min) + "-" + std::to_string(max);
    return http::invalid_argument(std::move(message), std::string(name));
  }
  return {boost::system::in_place_value, v};
}

std::optional<http::api_error> decode_optional(const http::request& req, google::protobuf::Message& m) {
  if (req.body.empty()) return std::nullopt;
  return http::decode(req, m);
}

std::optional<http::api_error> max_length(const std::string& text, std::string_view field, std::size_t max) {
  if (text.size() <= max) return std::nullopt;
  return http::invalid_argument(std::string(field) + ": longer than " + std::to_string(max) + " bytes",
                                std::string(field));
}

}  // namespace caseroute::api
