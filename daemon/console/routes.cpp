// The console's route table: the session routes, GET /v1/me and the static
// files, in one list for app.
#include "console/console.hpp"

namespace caseroute::console {

std::span<const api::route> routes() {
  static const std::vector<api::route> all = [] {
    std::vector<api::route> out;
    for (const auto& r : session_routes()) out.push_back(r);
    for (const auto& r : case_routes()) out.push_back(r);
    for (const auto& r : static_routes()) out.push_back(r);
    return out;
  }();
  return all;
}

}  // namespace caseroute::console
