// Parsing and printing stream ids.
#include "live/stream_id.hpp"

#include <charconv>

namespace caseroute::live {
namespace {

bool parse_number(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 20) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size();
}

}  // namespace

std::optional<stream_id> stream_id::parse(std::string_view text) {
  stream_id id;
  const auto dash = text.find('-');
  if (!parse_number(text.substr(0, dash), id.ms)) return std::nullopt;
  if (dash != std::string_view::npos && !parse_number(text.substr(dash + 1), id.seq)) return std::nullopt;
  return id;
}

std::string stream_id::str() const { return std::to_string(ms) + "-" + std::to_string(seq); }

}  // namespace caseroute::live
