// The id Redis gives a stream entry, "<ms>-<seq>": totally ordered, so a
// client that has seen an id has seen every entry before it.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace caseroute::live {

struct stream_id {
  std::uint64_t ms = 0;
  std::uint64_t seq = 0;

  // "<ms>-<seq>" or "<ms>" (seq 0), decimal digits only; nullopt otherwise.
  static std::optional<stream_id> parse(std::string_view text);
  std::string str() const;

  friend auto operator<=>(const stream_id&, const stream_id&) = default;
};

}  // namespace caseroute::live
