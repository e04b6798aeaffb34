// GET /v1/reports through the real binary: the day counters of a resolved
// and a cancelled case as JSON and as CSV (BOM, Chinese headers), the ready-
// made reports, the 400s of a bad query, and 403 for a counselor.
#include <ctime>
#include <fstream>
#include <sstream>

#include "caseroute/v1/reports.pb.h"
#include "e2e/e2e_support.hpp"

namespace caseroute::e2e {
namespace {

class reports : public e2e_test {
 protected:
  // The local day in config/test.yaml's zone (Asia/Shanghai, UTC+8 all year).
  static std::string today() {
    const std::time_t t = std::time(nullptr) + 8 * 3600;
    char day[16];
    std::strftime(day, sizeof day, "%Y-%m-%d", std::gmtime(&t));
    return day;
  }

  http_reply get(const std::string& who, const std::string& target, const std::string& accept = "") {
    std::vector<std::pair<std::string, std::string>> headers{{"Authorization", "Bearer " + test_tokens().at(who)}};
    if (!accept.empty()) headers.emplace_back("Accept", accept);
    return testing::http_call(daemon_->port(), "GET", target, "", headers);
  }
};

TEST_F(reports, counts_a_resolved_and_a_cancelled_case_as_json_and_csv) {
  auto r = api_->platform("POST", "/v1/referrals", referral_json("ref-rep-1", "RISK_MEDIUM", "depression"));
  ASSERT_EQ(r.status, 202) << r.body;
  const auto id = parse<v1::ReferralAccepted>(r.body).case_id();
  ASSERT_TRUE(wait_for_offer(*api_, "c1", id));
  ASSERT_EQ(api_->as("c1", "POST", "/v1/cases/" + id + "/accept").status, 200);
  ASSERT_EQ(api_->as("c1", "POST", "/v1/cases/" + id + "/resolve", R"({"outcome":"OUTCOME_COUNSELED"})").status, 200);
  r = api_->platform("POST", "/v1/referrals", referral_json("ref-rep-2", "RISK_LOW", "exam_stress"));
  ASSERT_EQ(r.status, 202) << r.body;
  const auto second = parse<v1::ReferralAccepted>(r.body).case_id();
  ASSERT_EQ(api_->as("s1", "POST", "/v1/cases/" + second + "/cancel", R"({"reason":"test"})").status, 200);

  const std::string day = today();
  auto json = get("s1", "/v1/reports?from=" + day + "&to=" + day + "&by=risk");
  ASSERT_EQ(json.status, 200) << json.body;
  const auto report = parse<v1::Report>(json.body);
  ASSERT_EQ(report.sections_size(), 1);
  std::int64_t referrals = 0, resolutions = 0, cancellations = 0, accepts = 0;
  for (const auto& row : report.sections(0).rows()) {
    EXPECT_EQ(row.period(), day);
    referrals += row.referrals();
    resolutions += row.resolutions();
    cancellations += row.cancellations();
    accepts += row.accepts();
    if (row.risk() == v1::RISK_MEDIUM) {
      EXPECT_EQ(row.accepts(), 1);
      EXPECT_TRUE(row.has_accept_p50_seconds());
    }
  }
  EXPECT_EQ(referrals, 2);
  EXPECT_EQ(accepts, 1);
  EXPECT_EQ(resolutions, 1);
  EXPECT_EQ(cancellations, 1);
  EXPECT_EQ(json.body.find("ref-rep"), std::string::npos) << json.body;
  EXPECT_EQ(json.body.find(id), std::string::npos) << json.body;

  for (const auto& [target, accept] : std::vector<std::pair<std::string, std::string>>{
           {"/v1/reports?from=" + day + "&to=" + day + "&by=outcome", "text/csv"},
           {"/v1/reports?from=" + day + "&to=" + day + "&by=outcome&format=csv", ""}}) {
    auto csv = get("s1", target, accept);
    ASSERT_EQ(csv.status, 200) << csv.body;
    EXPECT_TRUE(csv.header("content-type").starts_with("text/csv")) << csv.header("content-type");
    EXPECT_TRUE(csv.body.starts_with("\xEF\xBB\xBF日期,办结结果,转介数,")) << csv.body;
    EXPECT_NE(csv.body.find("咨询解答"), std::string::npos) << csv.body;
  }

  for (const char* name : {"service", "response", "workload"}) {
    auto ready = get("s1", "/v1/reports?from=" + day + "&to=" + day + "&report=" + name);
    ASSERT_EQ(ready.status, 200) << name << ": " << ready.body;
    EXPECT_EQ(parse<v1::Report>(ready.body).report(), name);
  }
  auto workload = parse<v1::Report>(get("s1", "/v1/reports?from=" + day + "&to=" + day + "&report=workload").body);
  bool c1 = false;
  for (const auto& row : workload.sections(0).rows())
    if (row.counselor_id() == "c1") {
      c1 = true;
      EXPECT_EQ(row.accepts(), 1);
      EXPECT_EQ(row.resolutions(), 1);
    }
  EXPECT_TRUE(c1) << workload.DebugString();
}

TEST_F(reports, a_bad_query_is_400_naming_the_parameter_and_a_counselor_gets_403) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"/v1/reports?to=2026-12-01", "from"},
      {"/v1/reports?from=2026-13-01&to=2026-12-01", "from"},
      {"/v1/reports?from=2026-02-30&to=2026-03-01", "from"},
      {"/v1/reports?from=2026-12-01", "to"},
      {"/v1/reports?from=2026-12-02&to=2026-12-01", "to"},
      {"/v1/reports?from=2025-01-01&to=2026-12-01", "to"},
      {"/v1/reports?from=2026-12-01&to=2026-12-01&by=site,youth", "by"},
      {"/v1/reports?from=2026-12-01&to=2026-12-01&by=site,site", "by"},
      {"/v1/reports?from=2026-12-01&to=2026-12-01&by=counselor,site", "by"},
      {"/v1/reports?from=2026-12-01&to=2026-12-01&period=week", "period"},
      {"/v1/reports?from=2026-12-01&to=2026-12-01&report=monthly", "report"},
      {"/v1/reports?from=2026-12-01&to=2026-12-01&format=xlsx", "format"},
  };
  for (const auto& [target, field] : bad) {
    auto r = get("s1", target);
    EXPECT_EQ(r.status, 400) << target << ": " << r.body;
    EXPECT_NE(r.body.find("\"field\":\"" + field + "\""), std::string::npos) << target << ": " << r.body;
  }
  EXPECT_EQ(get("c1", "/v1/reports?from=2026-12-01&to=2026-12-01").status, 403);
  EXPECT_EQ(get("s1", "/v1/reports?from=2026-12-01&to=2026-12-01").status, 200);
}

// `caseroute reports check` and `reports rebuild` against the daemon's Redis.
class reports_cli : public generated_config_test {
 protected:
  std::pair<int, std::string> run(const std::string& args) {
    const auto out = (dir_ / "reports-cli.out").string();
    const int rc = std::system(
        (std::string(CASEROUTE_BIN) + " " + args + " -c " + config_path().string() + " >" + out + " 2>&1").c_str());
    std::ifstream in(out);
    std::stringstream ss;
    ss << in.rdbuf();
    return {WEXITSTATUS(rc), ss.str()};
  }
};

TEST_F(reports_cli, check_finds_a_tampered_count_and_rebuild_restores_it) {
  write_config(test_yaml());
  start();
  auto r = api_->platform("POST", "/v1/referrals", referral_json("ref-cli-1", "RISK_HIGH", "depression"));
  ASSERT_EQ(r.status, 202) << r.body;
  const std::time_t t = std::time(nullptr) + 8 * 3600;
  char day[16];
  std::strftime(day, sizeof day, "%Y-%m-%d", std::gmtime(&t));
  auto [rc, out] = run(std::string("reports check --from ") + day);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("live reports equal the recount"), std::string::npos) << out;

  // A count the recount cannot explain.
  const std::string key = std::string("{cr:test}:v1:report:") + day;
  redis_->cli({"HINCRBY", key, "referrals|site=|county=x|concern=y|risk=1|mode=0|outcome=0|platform=p", "5"});
  std::tie(rc, out) = run(std::string("reports check --from ") + day);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("live 5, recount 0"), std::string::npos) << out;
  std::tie(rc, out) = run(std::string("reports rebuild --from ") + day);
  EXPECT_EQ(rc, 0) << out;
  std::tie(rc, out) = run(std::string("reports check --from ") + day);
  EXPECT_EQ(rc, 0) << out;
  std::tie(rc, out) = run("reports check --from 2026-13-01");
  EXPECT_EQ(rc, 2) << out;
}

}  // namespace
}  // namespace caseroute::e2e
