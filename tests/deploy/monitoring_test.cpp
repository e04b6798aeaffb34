// deploy/monitoring: the alert rules pass promtool's check and their unit
// tests, the Prometheus config is valid, the dashboard is JSON with a query
// in every panel, and the k8s example carries the scrape wiring. The check
// against a real scrape is tests/e2e/metrics_test.cpp.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "deploy/deploy_support.hpp"

namespace caseroute::deploy_test {
namespace {

const std::string promtool_hint = "\n(promtool comes with Debian's prometheus package: deploy/install-deps.sh)";

std::string in_monitoring(const std::string& command) {
  return "cd " + quote(source_path("deploy/monitoring")) + " && " + command;
}

TEST(monitoring, alert_rules_pass_promtool_check) {
  const auto r = run(in_monitoring("promtool check rules caseroute-alerts.yaml"));
  EXPECT_EQ(r.status, 0) << r.output << promtool_hint;
  EXPECT_NE(r.output.find("SUCCESS: 10 rules found"), std::string::npos) << r.output;
}

TEST(monitoring, alert_rules_pass_their_unit_tests) {
  const auto r = run(in_monitoring("promtool test rules caseroute-alerts.test.yaml"));
  EXPECT_EQ(r.status, 0) << r.output << promtool_hint;
  EXPECT_NE(r.output.find("SUCCESS"), std::string::npos) << r.output;
}

TEST(monitoring, every_alert_has_a_unit_test_and_a_readme_row) {
  const auto rules = YAML::LoadFile(source_path("deploy/monitoring/caseroute-alerts.yaml"));
  const auto tests = read_file(source_path("deploy/monitoring/caseroute-alerts.test.yaml"));
  const auto readme = read_file(source_path("deploy/monitoring/README.md"));
  int n = 0;
  for (const auto& group : rules["groups"]) {
    for (const auto& rule : group["rules"]) {
      const auto name = rule["alert"].as<std::string>();
      ++n;
      EXPECT_NE(tests.find("alertname: " + name + "\n"), std::string::npos) << name << " has no unit test";
      EXPECT_NE(readme.find("| " + name + " |"), std::string::npos) << name << " is not in README.md";
      EXPECT_TRUE(rule["annotations"]["summary"]) << name;
      EXPECT_TRUE(rule["labels"]["severity"]) << name;
    }
  }
  EXPECT_EQ(n, 10);
}

TEST(monitoring, prometheus_config_is_valid) {
  const auto r = run(in_monitoring("promtool check config prometheus.yml"));
  EXPECT_EQ(r.status, 0) << r.output << promtool_hint;
}

TEST(monitoring, dashboard_is_json_with_a_query_in_every_panel) {
  // Parsed by Python's json (what Grafana's import accepts is at least JSON).
  const auto r = run("python3 -c " +
                     quote("import json,sys; d=json.load(open(sys.argv[1])); "
                           "ps=d['panels']; assert ps and all(t['expr'] for p in ps for t in p['targets']); "
                           "assert len({p['id'] for p in ps})==len(ps); print(len(ps), 'panels', d['uid'])") +
                     " " + quote(source_path("deploy/monitoring/caseroute-dashboard.json")));
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("panels caseroute-overview"), std::string::npos) << r.output;
  const auto dash = read_file(source_path("deploy/monitoring/caseroute-dashboard.json"));
  // What the dashboard must show.
  for (const char* what : {"caseroute_cases{", "caseroute_open_cases{", "caseroute_referral_to_offer_seconds_bucket",
                           "caseroute_offer_to_accept_seconds_bucket", "histogram_quantile(0.5",
                           "histogram_quantile(0.9", "caseroute_http_requests_total{", "caseroute_escalations_total{",
                           "caseroute_counselors_on_duty{", "caseroute_counselors_available{"})
    EXPECT_NE(dash.find(what), std::string::npos) << what;
}

TEST(monitoring, k8s_pods_carry_the_scrape_annotations_and_a_pod_monitor_exists) {
  const auto deployment = YAML::LoadFile(source_path("deploy/k8s/deployment.yaml"));
  const auto annotations = deployment["spec"]["template"]["metadata"]["annotations"];
  ASSERT_TRUE(annotations) << "no pod annotations";
  EXPECT_EQ(annotations["prometheus.io/scrape"].as<std::string>(""), "true");
  EXPECT_EQ(annotations["prometheus.io/port"].as<std::string>(""), "8355");
  EXPECT_EQ(annotations["prometheus.io/path"].as<std::string>(""), "/metrics");
  const auto pm = YAML::LoadFile(source_path("deploy/monitoring/podmonitor.yaml"));
  EXPECT_EQ(pm["kind"].as<std::string>(), "PodMonitor");
  EXPECT_EQ(pm["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"].as<std::string>(), "caseroute");
  EXPECT_EQ(pm["spec"]["podMetricsEndpoints"][0]["port"].as<std::string>(), "http");
}

}  // namespace
}  // namespace caseroute::deploy_test
