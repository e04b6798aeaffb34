// Route table: parameters, literal-over-parameter precedence, 404 vs 405,
// route names (patterns, never raw paths) and the listing of every route.
#include "http/router.hpp"

#include <gtest/gtest.h>

namespace caseroute::http {
namespace {

boost::asio::awaitable<response> ok(request) { co_return response{}; }

router sample() {
  router r;
  r.add("GET", "/healthz", "", ok);
  r.add("POST", "/v1/cases/{caseId}/accept", "", ok);
  r.add("GET", "/v1/cases/{caseId}", "", ok);
  r.add("GET", "/v1/cases", "", ok);
  r.add("GET", "/v1/cases/export", "cases-export", ok);
  r.add("GET", "/", "dashboard", ok);
  return r;
}

TEST(router, extracts_parameters_and_names_the_route_by_pattern) {
  auto r = sample();
  auto m = r.find("POST", "/v1/cases/k-42/accept");
  ASSERT_EQ(m.status, match_status::found);
  ASSERT_NE(m.h, nullptr);
  EXPECT_EQ(m.route_name, "/v1/cases/{caseId}/accept");
  EXPECT_EQ(m.params.at("caseId"), "k-42");
}

TEST(router, parameters_are_percent_decoded_after_splitting) {
  auto r = sample();
  auto m = r.find("GET", "/v1/cases/a%2Fb%20c");
  ASSERT_EQ(m.status, match_status::found);
  EXPECT_EQ(m.params.at("caseId"), "a/b c");
}

TEST(router, literal_segment_beats_parameter) {
  auto r = sample();
  EXPECT_EQ(r.find("GET", "/v1/cases/export").route_name, "cases-export");
  EXPECT_EQ(r.find("GET", "/v1/cases/k-1").route_name, "/v1/cases/{caseId}");
  EXPECT_EQ(r.find("GET", "/v1/cases").route_name, "/v1/cases");
  EXPECT_EQ(r.find("GET", "/").route_name, "dashboard");
}

TEST(router, unknown_path_is_404) {
  auto r = sample();
  EXPECT_EQ(r.find("GET", "/v1/nothing").status, match_status::not_found);
  EXPECT_EQ(r.find("GET", "/v1/cases/k-1/accept/extra").status, match_status::not_found);
  EXPECT_EQ(r.find("GET", "/v1/cases/").status, match_status::not_found);  // empty segment is no parameter
  EXPECT_EQ(r.find("GET", "").status, match_status::not_found);
  EXPECT_EQ(r.find("GET", "/v1/cases/%zz").status, match_status::not_found);
}

TEST(router, known_path_with_other_method_is_405_with_allowed_methods) {
  auto r = sample();
  auto m = r.find("GET", "/v1/cases/k-1/accept");
  EXPECT_EQ(m.status, match_status::method_not_allowed);
  EXPECT_EQ(m.h, nullptr);
  ASSERT_EQ(m.allowed.size(), 1u);
  EXPECT_EQ(m.allowed[0], "POST");
}

TEST(router, head_falls_back_to_get) {
  auto r = sample();
  auto m = r.find("HEAD", "/healthz");
  EXPECT_EQ(m.status, match_status::found);
  EXPECT_EQ(m.route_name, "/healthz");
}

TEST(router, rejects_malformed_and_duplicate_patterns) {
  router r;
  r.add("GET", "/a/{id}", "", ok);
  EXPECT_THROW(r.add("GET", "/a/{id}", "", ok), std::invalid_argument);
  EXPECT_THROW(r.add("GET", "a", "", ok), std::invalid_argument);
  EXPECT_THROW(r.add("GET", "/a/x{id}", "", ok), std::invalid_argument);
  EXPECT_NO_THROW(r.add("POST", "/a/{id}", "", ok));
}

boost::asio::awaitable<response> feed(request, stream_writer&) { co_return response{}; }

TEST(router, stream_routes_are_found_as_streams) {
  router r;
  r.add_stream("GET", "/v1/events", "", feed);
  auto m = r.find("GET", "/v1/events");
  ASSERT_EQ(m.status, match_status::found);
  EXPECT_EQ(m.h, nullptr);
  EXPECT_NE(m.stream, nullptr);
  EXPECT_EQ(r.find("HEAD", "/v1/events").status, match_status::method_not_allowed);
}

TEST(router, lists_every_route_in_order_by_method_and_pattern) {
  auto r = sample();
  r.add_stream("GET", "/v1/events", "", feed);
  using row = std::pair<std::string, std::string>;
  EXPECT_EQ(r.listing(), (std::vector<row>{{"GET", "/healthz"},
                                           {"POST", "/v1/cases/{caseId}/accept"},
                                           {"GET", "/v1/cases/{caseId}"},
                                           {"GET", "/v1/cases"},
                                           {"GET", "/v1/cases/export"},
                                           {"GET", "/"},
                                           {"GET", "/v1/events"}}));
}

TEST(router, percent_decode) {
  std::string out;
  EXPECT_TRUE(percent_decode("a%41+b", out));
  EXPECT_EQ(out, "aA+b");
  EXPECT_TRUE(percent_decode("a+b", out, true));
  EXPECT_EQ(out, "a b");
  EXPECT_FALSE(percent_decode("%4", out));
  EXPECT_FALSE(percent_decode("%", out));
  EXPECT_FALSE(percent_decode("%g0", out));
}

}  // namespace
}  // namespace caseroute::http
