// GET /v1/openapi.json on the real daemon: the document built in, as JSON,
// with a strong ETag (its SHA-256) that If-None-Match turns into a 304, and
// cacheable (Cache-Control) unlike every other answer.
#include <gtest/gtest.h>

#include <string>

#include "e2e/e2e_support.hpp"
#include "openapi/openapi.hpp"

namespace caseroute::e2e {
namespace {

using openapi_served = e2e_test;

TEST_F(openapi_served, answers_the_built_in_document_with_a_strong_etag) {
  const auto r = testing::http_call(daemon_->port(), "GET", "/v1/openapi.json");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.body, std::string(openapi::json()));
  EXPECT_EQ(r.header("etag"), "\"" + std::string(openapi::sha256()) + "\"");
  EXPECT_EQ(r.header("cache-control"), "public, max-age=300");
  int cache_controls = 0;
  for (const auto& [name, value] : r.headers) cache_controls += name == "cache-control";
  EXPECT_EQ(cache_controls, 1) << "the handler's Cache-Control replaces no-store";
  EXPECT_NE(r.body.find("\"openapi\":\"3.1.0\""), std::string::npos);
}

TEST_F(openapi_served, if_none_match_with_its_etag_answers_304_without_a_body) {
  const auto etag = testing::http_call(daemon_->port(), "GET", "/v1/openapi.json").header("etag");
  ASSERT_FALSE(etag.empty());
  for (const std::string& sent : {etag, "W/" + etag, "\"other\", " + etag, std::string("*")}) {
    const auto r = testing::http_call(daemon_->port(), "GET", "/v1/openapi.json", "", {{"If-None-Match", sent}});
    EXPECT_EQ(r.status, 304) << sent;
    EXPECT_EQ(r.body, "") << sent;
    EXPECT_EQ(r.header("etag"), etag) << sent;
  }
  const auto stale =
      testing::http_call(daemon_->port(), "GET", "/v1/openapi.json", "", {{"If-None-Match", "\"0000\""}});
  EXPECT_EQ(stale.status, 200);
  EXPECT_EQ(stale.body, std::string(openapi::json()));
}

TEST_F(openapi_served, needs_no_credentials_and_other_answers_stay_uncacheable) {
  const auto head = testing::http_call(daemon_->port(), "HEAD", "/v1/openapi.json");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(testing::http_call(daemon_->port(), "GET", "/healthz").header("cache-control"), "no-store");
  EXPECT_EQ(testing::http_call(daemon_->port(), "POST", "/v1/openapi.json").status, 405);
}

}  // namespace
}  // namespace caseroute::e2e
