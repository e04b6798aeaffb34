// docs/openapi.yaml against the daemon's route tables: the document has
// exactly the router's method+path pairs, each with the security schemes of
// the row's role (a token or the session cookie for people, none for
// anyone) and the viewer tag where a viewer may call, and the binary serves
// the document it was built from.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <utility>

#include "app.hpp"
#include "openapi/openapi.hpp"

namespace caseroute {
namespace {

using route_key = std::pair<std::string, std::string>;  // method, path

const char* const http_methods[] = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};

YAML::Node openapi_document() { return YAML::LoadFile(std::string(CASEROUTE_SOURCE_DIR) + "/docs/openapi.yaml"); }

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

std::set<route_key> documented_routes(const YAML::Node& doc) {
  std::set<route_key> out;
  for (const auto& path : doc["paths"])
    for (const char* method : http_methods)
      if (path.second[method]) out.insert({upper(method), path.first.as<std::string>()});
  return out;
}

// A context like app's, never run: registering routes only takes its address
// (as in tests/unit/api/routes_doc_test.cpp).
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

TEST(openapi_routes, the_document_has_exactly_the_routes_the_router_serves) {
  idle_daemon d;
  http::router router;
  register_routes(router, d.ctx);
  std::set<route_key> served;
  for (auto& r : router.listing()) served.insert(r);
  const auto documented = documented_routes(openapi_document());

  for (const auto& [method, path] : served)
    EXPECT_TRUE(documented.count({method, path})) << method << " " << path << " is served but not in docs/openapi.yaml";
  for (const auto& [method, path] : documented)
    EXPECT_TRUE(served.count({method, path})) << method << " " << path << " is in docs/openapi.yaml but not served";
}

// The security schemes an operation names, e.g. {"bearer"}; {} for none.
std::set<std::string> schemes_of(const YAML::Node& operation) {
  std::set<std::string> out;
  for (const auto& requirement : operation["security"])
    for (const auto& scheme : requirement) out.insert(scheme.first.as<std::string>());
  return out;
}

TEST(openapi_routes, each_operation_names_the_credentials_of_its_route) {
  const auto doc = openapi_document();
  ASSERT_FALSE(doc["security"]) << "no document-wide default: each operation names its own";
  const std::set<std::string> platform = {"platformId", "platformTimestamp", "platformSignature"};
  for (const auto& table : route_tables()) {
    for (const auto& row : table) {
      std::string method(row.method);
      std::transform(method.begin(), method.end(), method.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      const auto operation = doc["paths"][std::string(row.path)][method];
      if (!operation) continue;  // reported by the test above
      ASSERT_TRUE(operation["security"]) << row.method << " " << row.path << ": no security";
      std::set<std::string> want;
      switch (row.who) {
        case api::role::anyone:
          break;
        case api::role::platform:
          want = platform;
          // All three headers together: one requirement object.
          EXPECT_EQ(operation["security"].size(), 1u) << row.path;
          break;
        case api::role::counselor:
        case api::role::supervisor:
        case api::role::staff:
        case api::role::viewer:
          // A personal token or, without an Authorization header, the
          // console's session cookie (api/routes.hpp): either one alone.
          want = {"bearer", "session"};
          EXPECT_EQ(operation["security"].size(), 2u) << row.path;
          break;
      }
      EXPECT_EQ(schemes_of(operation), want) << row.method << " " << row.path << " (" << api::to_string(row.who) << ")";
      // Every credentialed route documents its refusals.
      if (!want.empty()) {
        EXPECT_TRUE(operation["responses"]["401"]) << row.path;
      }
      if (want.count("bearer")) {
        EXPECT_TRUE(operation["responses"]["403"]) << row.path;
      }
      // A viewer may call the supervisor and staff routes that change nothing.
      const bool viewer_may_call =
          (row.who == api::role::supervisor || row.who == api::role::staff) && api::is_safe_method(row.method);
      bool tagged_viewer = false;
      for (const auto& tag : operation["tags"]) tagged_viewer = tagged_viewer || tag.as<std::string>() == "viewer";
      EXPECT_EQ(tagged_viewer, viewer_may_call) << row.method << " " << row.path << ": the viewer tag";
    }
  }
}

TEST(openapi_routes, the_binary_carries_the_document_of_this_checkout) {
  // The embedded JSON is the YAML as built: same routes, and its ETag is its digest.
  const auto embedded = YAML::Load(std::string(openapi::json()));  // JSON is YAML
  EXPECT_EQ(documented_routes(embedded), documented_routes(openapi_document()));
  EXPECT_EQ(embedded["openapi"].as<std::string>(), "3.1.0");
  EXPECT_EQ(openapi::sha256().size(), 64u);
}

}  // namespace
}  // namespace caseroute
