// Prometheus text rendering of the metrics registry.
#include <gtest/gtest.h>

#include "metrics/metrics.hpp"

namespace caseroute::metrics {
namespace {

TEST(metrics, counters_gauges_and_histograms_render) {
  registry r;
  r.inc("caseroute_referrals_total", {{"platform", "p"}, {"outcome", "created"}});
  r.inc("caseroute_referrals_total", {{"platform", "p"}, {"outcome", "created"}});
  r.set("caseroute_redis_up", {}, 1);
  r.observe("caseroute_offer_to_accept_seconds", {}, 3);
  r.observe("caseroute_offer_to_accept_seconds", {}, 100);
  const auto text = r.render();
  EXPECT_NE(text.find("# TYPE caseroute_referrals_total counter"), std::string::npos);
  EXPECT_NE(text.find("caseroute_referrals_total{platform=\"p\",outcome=\"created\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("caseroute_redis_up 1\n"), std::string::npos);
  EXPECT_NE(text.find("caseroute_offer_to_accept_seconds_bucket{le=\"5\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("caseroute_offer_to_accept_seconds_bucket{le=\"120\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("caseroute_offer_to_accept_seconds_bucket{le=\"+Inf\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("caseroute_offer_to_accept_seconds_count 2\n"), std::string::npos);
  EXPECT_NE(text.find("caseroute_offer_to_accept_seconds_sum 103\n"), std::string::npos);
}

TEST(metrics, label_values_are_escaped) {
  registry r;
  r.inc("caseroute_http_requests_total", {{"route", "a\"b\\c"}, {"method", "GET"}, {"status", "200"}});
  EXPECT_NE(r.render().find("route=\"a\\\"b\\\\c\""), std::string::npos);
}

TEST(metrics, unknown_name_is_a_programming_error) {
  registry r;
  EXPECT_THROW(r.inc("caseroute_nope"), std::logic_error);
}

}  // namespace
}  // namespace caseroute::metrics
