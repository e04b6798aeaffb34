// A Redis reply as a plain value, copied out of hiredis (store/hiredis_link.cpp)
// so the rest of the store, and its pure decisions, never see hiredis types.
#pragma once

#include <cstdint>
#include <string>
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

}  // namespace caseroute::store
