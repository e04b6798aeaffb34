// Header look-up on the plain request value; names are stored lowercased.
#include "http/message.hpp"

#include <algorithm>
#include <cctype>

namespace caseroute::http {

std::string_view request::header(std::string_view name) const {
  auto same = [name](const std::string& n) {
    return n.size() == name.size() && std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
           });
  };
  for (const auto& [n, v] : headers)
    if (same(n)) return v;
  return {};
}

}  // namespace caseroute::http
