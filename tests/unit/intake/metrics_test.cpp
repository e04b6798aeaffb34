// Prometheus text rendering of the metrics registry.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>

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

TEST(metrics, bucket_bounds_and_values_print_in_their_shortest_form) {
  registry r;
  r.observe("caseroute_http_request_duration_seconds", {{"route", "/x"}}, 0.07);
  const auto text = r.render();
  // Prometheus matches le by text: le="0.1" must be written exactly so.
  EXPECT_NE(text.find("caseroute_http_request_duration_seconds_bucket{route=\"/x\",le=\"0.1\"} 1\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("le=\"0.005\""), std::string::npos);
  EXPECT_EQ(text.find("0000000"), std::string::npos) << text;
  EXPECT_EQ(format_number(0.1), "0.1");
  EXPECT_EQ(format_number(0.025), "0.025");
  EXPECT_EQ(format_number(86400), "86400");
  EXPECT_EQ(format_number(1e21), "1e+21");
  EXPECT_EQ(format_number(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_number(std::nan("")), "NaN");
}

TEST(metrics, series_with_known_labels_exist_at_zero_from_the_start) {
  const auto text = registry().render();
  for (const char* line : {
           "caseroute_offers_expired_total 0\n",
           "caseroute_offer_conflicts_total 0\n",
           "caseroute_cases_purged_total 0\n",
           "caseroute_continuity_waits_total 0\n",
           "caseroute_config_reloads_total{result=\"rejected\"} 0\n",
           "caseroute_config_reloads_total{result=\"ok\"} 0\n",
           "caseroute_callbacks_total{result=\"parked\"} 0\n",
           "caseroute_escalations_total{risk=\"RISK_CRISIS\"} 0\n",
           "caseroute_routing_passes_total{result=\"unavailable\"} 0\n",
           "caseroute_counselors_available 0\n",
           "caseroute_callbacks_parked 0\n",
           "caseroute_oldest_queued_seconds{risk=\"RISK_CRISIS\"} 0\n",
           "caseroute_oldest_unaccepted_seconds{risk=\"RISK_HIGH\"} 0\n",
           "caseroute_queue_oldest_age_seconds{risk=\"RISK_CRISIS\"} 0\n",
           "caseroute_cases_over_escalation_limit{risk=\"RISK_LOW\"} 0\n",
           "caseroute_referral_to_offer_seconds_bucket{le=\"+Inf\"} 0\n",
           "caseroute_referral_to_offer_seconds_count 0\n",
           "caseroute_offer_to_accept_seconds_sum 0\n",
           "caseroute_event_loop_lag_seconds_count 0\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << " missing in\n" << text;
  }
}

TEST(metrics, build_info_and_process_gauges) {
  registry r;
  r.sample_process();
  const auto text = r.render();
  EXPECT_NE(text.find("caseroute_build_info{version=\"" + std::string(build_version()) + "\",commit=\""),
            std::string::npos)
      << text;
  EXPECT_FALSE(build_commit().empty());
  EXPECT_NE(text.find("# TYPE process_start_time_seconds gauge"), std::string::npos);
  // Started within the last day and not in the future.
  const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_GT(process_start_time(), now - 86400);
  EXPECT_LE(process_start_time(), now + 1);
  EXPECT_NE(text.find("\nprocess_resident_memory_bytes "), std::string::npos) << text;
  EXPECT_NE(text.find("\nprocess_open_fds "), std::string::npos) << text;
}

TEST(metrics, unknown_name_is_a_programming_error) {
  registry r;
  EXPECT_THROW(r.inc("caseroute_nope"), std::logic_error);
}

}  // namespace
}  // namespace caseroute::metrics
