// A Redis reply as a plain value, copied out of hiredis (store/hiredis_link.cpp)
// so the rest of the store, and its pure decisions, never see hiredis types.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace caseroute::store {

struct reply {
  enum class kind { nil, string, status, error, integer, array };
  kind type = kind::nil;
  std::string str;              // string, status, error
  std::int64_t integer = 0;     // integer
  std::vector<reply> elements;  // array

  bool is_error() const { return type == kind::error; }
  bool is_nil() const { return type == kind::nil; }
};

// An array of at least `min_size` elements.
inline bool is_array(const reply& r, std::size_t min_size) {
  return r.type == reply::kind::array && r.elements.size() >= min_size;
}

// A reply's decimal text as an integer (0 when it is not one).
inline std::int64_t to_int(std::string_view s) {
  std::int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

}  // namespace caseroute::store
