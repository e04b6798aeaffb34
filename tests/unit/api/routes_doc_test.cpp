// The daemon's routes against the route table of docs/API.md (between
// <!-- routes:begin --> and <!-- routes:end -->): the router is built by
// register_routes, as app builds it, and every route must be documented
// with who may call it, and nothing documented may be missing.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>

#include "app.hpp"

namespace caseroute {
namespace {

using route_key = std::pair<std::string, std::string>;  // method, path

std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

// method, path -> "who may call", from the table's data rows.
std::map<route_key, std::string> documented_routes() {
  std::ifstream in(std::string(CASEROUTE_SOURCE_DIR) + "/docs/API.md");
  EXPECT_TRUE(in) << "docs/API.md not found";
  std::map<route_key, std::string> out;
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (line.find("<!-- routes:begin -->") != std::string::npos) {
      inside = true;
      continue;
    }
    if (line.find("<!-- routes:end -->") != std::string::npos) break;
    if (!inside || line.empty() || line.front() != '|') continue;
    std::vector<std::string> cells;
    std::stringstream row(line.substr(1));
    for (std::string cell; std::getline(row, cell, '|');) cells.push_back(trim(cell));
    if (cells.size() < 3 || cells[0] == "method" || cells[0].starts_with("-")) continue;
    out[{cells[0], cells[1]}] = cells[2];
  }
  EXPECT_FALSE(out.empty()) << "no route rows between the markers in docs/API.md";
  return out;
}

// A context like app's, never run: registering routes only takes its address.
struct idle_daemon {
  boost::asio::io_context io;
  std::shared_ptr<const config::config> cfg = std::make_shared<config::config>();
  store::redis_connection redis{io, store::endpoint{}};
  store::case_store store{redis, store::keys("test"), store::sealer::from_key(std::string(32, 'k')).value()};
  store::outbox outbox{redis, store::keys("test")};
  metrics::registry metrics;
  live::hub hub{io};
  api::waiting waits;
  api::context ctx{
      io,    cfg,  std::make_shared<schedule::roster>(*cfg), redis, store, outbox, metrics, hub, waits, {}, {},
      false, false};
};

TEST(routes, the_router_serves_exactly_the_routes_docs_api_lists) {
  idle_daemon d;
  http::router router;
  register_routes(router, d.ctx);
  std::set<route_key> served;
  for (auto& r : router.listing()) served.insert(r);
  std::set<route_key> documented;
  for (const auto& [key, who] : documented_routes()) documented.insert(key);

  for (const auto& [method, path] : served)
    EXPECT_TRUE(documented.count({method, path})) << method << " " << path << " is served but not in docs/API.md";
  for (const auto& [method, path] : documented)
    EXPECT_TRUE(served.count({method, path})) << method << " " << path << " is in docs/API.md but not served";
}

// The words docs/API.md uses in "who may call" for each role.
bool documented_as(api::role who, const std::string& text) {
  const bool platform = text.find("platform") != std::string::npos;
  const bool counselor = text.find("counselor") != std::string::npos;
  const bool supervisor = text.find("supervisor") != std::string::npos;
  switch (who) {
    case api::role::anyone:
      return text == "anyone";
    case api::role::platform:
      return platform && !counselor && !supervisor;
    case api::role::counselor:
      return counselor && !supervisor && !platform;
    case api::role::supervisor:
      return supervisor && !counselor && !platform;
    case api::role::staff:
      return supervisor && counselor && !platform;
    case api::role::viewer:  // a caller's role, never a route's
      return false;
  }
  return false;
}

TEST(routes, each_route_admits_whom_docs_api_says_may_call) {
  const auto documented = documented_routes();
  for (const auto& table : route_tables()) {
    for (const auto& row : table) {
      auto it = documented.find({std::string(row.method), std::string(row.path)});
      if (it == documented.end()) continue;  // reported by the test above
      EXPECT_TRUE(documented_as(row.who, it->second))
          << row.method << " " << row.path << ": docs/API.md says \"" << it->second << "\", the route table says "
          << api::to_string(row.who);
    }
  }
}

}  // namespace
}  // namespace caseroute
