// GET /metrics of the real daemon as Prometheus reads it: the gauges behind
// the shipped alerts move with the queue and the counselors, promtool accepts
// the scrape, and every metric deploy/monitoring queries is in it.
#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>

#include "e2e/e2e_support.hpp"

namespace caseroute::e2e {
namespace {

using namespace std::chrono_literals;

const std::string source = CASEROUTE_SOURCE_DIR;

struct run_result {
  int status = -1;
  std::string output;
};

// Runs a shell command; stdout and stderr together.
run_result run(const std::string& command) {
  run_result r;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return r;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) r.output.append(buf, n);
  const int status = ::pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// The value of one series ("name" or "name{labels}") in a scrape; -1 when absent.
double sample(const std::string& scrape, const std::string& series) {
  std::istringstream lines(scrape);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

class metrics : public e2e_test {
 protected:
  std::string scrape() {
    auto r = testing::http_call(daemon_->port(), "GET", "/metrics");
    EXPECT_EQ(r.status, 200);
    return r.body;
  }
  std::string save(const std::string& text) {
    const auto path =
        std::filesystem::temp_directory_path() / ("caseroute-scrape-" + std::to_string(daemon_->port()) + ".txt");
    std::ofstream(path) << text;
    return path.string();
  }
};

TEST_F(metrics, queue_ages_and_availability_follow_the_queue_and_the_counselors) {
  std::string m;
  // c1..c5 are on duty around the clock in config/test.yaml, all signed in.
  EXPECT_TRUE(wait_until(
      [&] {
        m = scrape();
        return sample(m, "caseroute_counselors_on_duty") == 5 && sample(m, "caseroute_counselors_available") == 5;
      },
      10s))
      << m;
  EXPECT_EQ(sample(m, "caseroute_oldest_queued_seconds{risk=\"RISK_CRISIS\"}"), 0) << m;

  for (const char* who : {"c1", "c2", "c3", "c4", "c5"})
    ASSERT_EQ(api_->as(who, "PUT", "/v1/me/availability", R"({"available":false})").status, 200) << who;
  auto r = api_->platform("POST", "/v1/referrals", referral_json("ref-metrics-crisis", "RISK_CRISIS", "self_harm"));
  ASSERT_EQ(r.status, 202) << r.body;
  const auto case_id = parse<v1::ReferralAccepted>(r.body).case_id();

  EXPECT_TRUE(wait_until(
      [&] {
        m = scrape();
        return sample(m, "caseroute_oldest_queued_seconds{risk=\"RISK_CRISIS\"}") >= 1.5;
      },
      10s))
      << m;
  EXPECT_EQ(sample(m, "caseroute_counselors_available"), 0) << m;
  EXPECT_EQ(sample(m, "caseroute_counselors_on_duty"), 5) << m;
  EXPECT_GE(sample(m, "caseroute_oldest_unaccepted_seconds{risk=\"RISK_CRISIS\"}"), 1.5) << m;
  EXPECT_EQ(sample(m, "caseroute_oldest_queued_seconds{risk=\"RISK_LOW\"}"), 0) << m;
  EXPECT_EQ(sample(m, "caseroute_cases{state=\"CASE_QUEUED\"}"), 1) << m;

  // Offered (broadcast to c5 once signed in): no longer queued, still unaccepted.
  ASSERT_EQ(api_->as("c5", "PUT", "/v1/me/availability", R"({"available":true})").status, 200);
  ASSERT_TRUE(wait_for_offer(*api_, "c5", case_id));
  // The gauges are a snapshot refreshed every limits.metrics_refresh.
  EXPECT_TRUE(wait_until(
      [&] {
        m = scrape();
        return sample(m, "caseroute_oldest_queued_seconds{risk=\"RISK_CRISIS\"}") == 0;
      },
      10s))
      << m;
  EXPECT_GE(sample(m, "caseroute_oldest_unaccepted_seconds{risk=\"RISK_CRISIS\"}"), 1.5) << m;
  ASSERT_EQ(api_->as("c5", "POST", "/v1/cases/" + case_id + "/accept").status, 200);
  EXPECT_TRUE(wait_until(
      [&] {
        m = scrape();
        return sample(m, "caseroute_oldest_unaccepted_seconds{risk=\"RISK_CRISIS\"}") == 0;
      },
      10s))
      << m;
  EXPECT_EQ(sample(m, "caseroute_offer_to_accept_seconds_count"), 1) << m;
}

TEST_F(metrics, promtool_accepts_a_real_scrape_and_le_labels_are_shortest_form) {
  auto r = api_->platform("POST", "/v1/referrals", referral_json("ref-metrics-lint", "RISK_LOW", "anxiety"));
  ASSERT_EQ(r.status, 202) << r.body;
  scrape();
  const auto m = scrape();
  // Prometheus matches le by its text.
  EXPECT_NE(m.find("le=\"0.1\""), std::string::npos) << m;
  EXPECT_EQ(std::regex_search(m, std::regex(R"(le="[0-9.]*0000000)")), false) << m;
  EXPECT_NE(m.find("\ncaseroute_build_info{version=\""), std::string::npos) << m;
  EXPECT_GT(sample(m, "process_start_time_seconds"), 1.7e9) << m;
  EXPECT_GT(sample(m, "process_resident_memory_bytes"), 1e6) << m;
  EXPECT_GT(sample(m, "process_open_fds"), 3) << m;

  const auto file = save(m);
  // Lint problems print a line each; a clean scrape prints nothing.
  const auto check = run("promtool check metrics < " + file);
  EXPECT_EQ(check.status, 0) << check.output
                             << "\n(promtool comes with Debian's prometheus package: "
                                "deploy/install-deps.sh)";
  EXPECT_EQ(check.output, "") << check.output;
  std::filesystem::remove(file);
}

TEST_F(metrics, every_metric_the_dashboard_and_the_alerts_query_is_in_a_real_scrape) {
  // Some traffic first: labelled series appear with their first event.
  auto r = api_->platform("POST", "/v1/referrals", referral_json("ref-metrics-dash", "RISK_MEDIUM", "depression"));
  ASSERT_EQ(r.status, 202) << r.body;
  const auto case_id = parse<v1::ReferralAccepted>(r.body).case_id();
  ASSERT_TRUE(wait_for_offer(*api_, "c1", case_id));
  ASSERT_EQ(api_->as("c1", "POST", "/v1/cases/" + case_id + "/accept").status, 200);
  const auto file = save(scrape());
  const auto check =
      run("python3 " + source + "/tests/deploy/queried_metrics.py " + file + " " + source +
          "/deploy/monitoring/caseroute-dashboard.json " + source + "/deploy/monitoring/caseroute-alerts.yaml");
  EXPECT_EQ(check.status, 0) << check.output;
  EXPECT_NE(check.output.find("checked "), std::string::npos) << check.output;
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace caseroute::e2e
