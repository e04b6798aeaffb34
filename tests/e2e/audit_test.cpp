// Who read a minor's data, through the real binary: every answer that
// carries a case's sealed fields writes one entry (who, which case, which
// fields, from where, which request) before it goes out, and none goes out
// when the entry cannot be written; GET /v1/audit filters and pages them;
// on the managed Redis a purge pass leaves no trace of the case in the AOF.
#include <google/protobuf/util/time_util.h>

#include <csignal>
#include <fstream>

#include "caseroute/v1/audit.pb.h"
#include "e2e/e2e_support.hpp"

namespace caseroute::e2e {
namespace {

using google::protobuf::util::TimeUtil;

const std::string audit_key = "{cr:test}:v1:audit";
const std::string test_phone = "13900000000";  // referral_json's invented contact

class audit : public e2e_test {
 protected:
  std::string post_case(const std::string& id, const std::string& risk, const std::string& concern) {
    auto r = api_->platform("POST", "/v1/referrals", referral_json(id, risk, concern));
    EXPECT_EQ(r.status, 202) << r.body;
    return parse<v1::ReferralAccepted>(r.body).case_id();
  }

  http_reply as_with_id(const std::string& who, const std::string& method, const std::string& target,
                        const std::string& request_id, const std::string& body = "") {
    return testing::http_call(daemon_->port(), method, target, body,
                              {{"Authorization", "Bearer " + test_tokens().at(who)}, {"X-Request-Id", request_id}});
  }

  v1::AccessEventList audit_log(const std::string& query) {
    auto r = api_->as("s1", "GET", "/v1/audit" + query);
    EXPECT_EQ(r.status, 200) << query << ": " << r.body;
    return parse<v1::AccessEventList>(r.body);
  }
};

std::vector<std::string> fields_of(const v1::AccessEvent& e) { return {e.fields().begin(), e.fields().end()}; }

// Whether an answer carried the case's sealed contact or summary.
bool carried(const v1::Case& c) { return c.has_contact() || !c.summary().empty(); }

TEST_F(audit, a_supervisor_reading_a_case_writes_one_entry_with_who_what_and_where) {
  const auto case_id = post_case("ref-audit-1", "RISK_LOW", "grief");
  auto read = as_with_id("s1", "GET", "/v1/cases/" + case_id, "audit-req-1");
  ASSERT_EQ(read.status, 200) << read.body;
  ASSERT_EQ(parse<v1::Case>(read.body).contact().phone(), test_phone);
  // Answers without sealed fields record nothing: lists, the queue, the log itself.
  ASSERT_EQ(api_->as("s1", "GET", "/v1/cases").status, 200);
  ASSERT_EQ(api_->as("s1", "GET", "/v1/queue").status, 200);

  auto log = audit_log("?caseId=" + case_id);
  ASSERT_EQ(log.events_size(), 1) << log.DebugString();
  const auto& e = log.events(0);
  EXPECT_EQ(e.principal(), "supervisor:s1");
  EXPECT_EQ(e.case_id(), case_id);
  EXPECT_EQ(fields_of(e), (std::vector<std::string>{"contact", "summary"}));
  EXPECT_TRUE(e.remote().starts_with("127.0.0.1")) << e.remote();  // the peer address as the listener saw it
  EXPECT_EQ(e.request_id(), "audit-req-1");
  EXPECT_LT(std::chrono::abs(to_ms(e.at()) - now_ms()), std::chrono::seconds(30));
  EXPECT_EQ(redis_->cli({"XLEN", audit_key}), "1");
  EXPECT_EQ(audit_log("").events_size(), 1);

  // Logged at info with ids only.
  const auto out = daemon_->proc().output();
  EXPECT_NE(out.find("\"audit.read\""), std::string::npos) << out;
  EXPECT_NE(out.find("audit-req-1"), std::string::npos);
  EXPECT_EQ(out.find(test_phone), std::string::npos) << "the phone number reached the log";
  EXPECT_EQ(out.find("invented test summary"), std::string::npos) << "the summary reached the log";
}

TEST_F(audit, counselor_views_of_their_cases_are_recorded_and_a_resolved_case_names_its_notes) {
  const auto case_id = post_case("ref-audit-2", "RISK_MEDIUM", "depression");  // c1 wins on skill
  int sealed_answers = 0;  // answers to c1 that carried this case's contact or summary
  bool offered = false;
  for (int i = 0; i < 6 && !offered; ++i) {
    auto r = api_->as("c1", "GET", "/v1/me/offers?wait=5");
    ASSERT_EQ(r.status, 200) << r.body;
    const auto list = parse<v1::OfferList>(r.body);
    for (const auto& o : list.offers()) {
      if (o.case_id() != case_id) continue;
      offered = true;
      if (carried(o.case_())) ++sealed_answers;
    }
  }
  ASSERT_TRUE(offered);

  auto accepted = api_->as("c1", "POST", "/v1/cases/" + case_id + "/accept");
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  ASSERT_TRUE(carried(parse<v1::Case>(accepted.body)));
  ++sealed_answers;
  auto mine = api_->as("c1", "GET", "/v1/me/cases");
  ASSERT_EQ(mine.status, 200);
  ASSERT_EQ(parse<v1::CaseList>(mine.body).cases_size(), 1);
  ASSERT_TRUE(carried(parse<v1::CaseList>(mine.body).cases(0)));
  ++sealed_answers;
  auto one = api_->as("c1", "GET", "/v1/cases/" + case_id);
  ASSERT_EQ(one.status, 200);
  ASSERT_TRUE(carried(parse<v1::Case>(one.body)));
  ++sealed_answers;
  // The resolve answer carries nothing sealed.
  ASSERT_EQ(api_->as("c1", "POST", "/v1/cases/" + case_id + "/resolve",
                     R"({"outcome":"OUTCOME_COUNSELED","note":"invented note"})")
                .status,
            200);

  auto log = audit_log("?caseId=" + case_id + "&principal=counselor:c1");
  ASSERT_EQ(log.events_size(), sealed_answers) << log.DebugString();
  for (const auto& e : log.events()) {
    EXPECT_EQ(e.principal(), "counselor:c1");
    EXPECT_EQ(fields_of(e), (std::vector<std::string>{"contact", "summary"}));
  }
  // A supervisor reading the resolved case also opens its resolve note.
  ASSERT_EQ(api_->as("s1", "GET", "/v1/cases/" + case_id).status, 200);
  auto by_supervisor = audit_log("?caseId=" + case_id + "&principal=supervisor:s1");
  ASSERT_EQ(by_supervisor.events_size(), 1);
  EXPECT_EQ(fields_of(by_supervisor.events(0)), (std::vector<std::string>{"contact", "summary", "notes"}));
  // Nobody else read it.
  EXPECT_EQ(audit_log("?caseId=" + case_id).events_size(), sealed_answers + 1);
}

TEST_F(audit, the_log_filters_by_case_principal_and_time_pages_and_refuses_bad_queries) {
  const auto a = post_case("ref-audit-3a", "RISK_LOW", "grief");
  const auto b = post_case("ref-audit-3b", "RISK_LOW", "grief");
  ASSERT_EQ(api_->as("s1", "GET", "/v1/cases/" + a).status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(api_->as("s1", "GET", "/v1/cases/" + b).status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(api_->as("s1", "GET", "/v1/cases/" + a).status, 200);

  const auto all = audit_log("");
  ASSERT_EQ(all.events_size(), 3);
  EXPECT_TRUE(all.next_cursor().empty());
  EXPECT_EQ(audit_log("?caseId=" + a).events_size(), 2);
  EXPECT_EQ(audit_log("?caseId=" + b).events_size(), 1);
  EXPECT_EQ(audit_log("?caseId=NOSUCHCASE").events_size(), 0);
  EXPECT_EQ(audit_log("?principal=supervisor:s1").events_size(), 3);
  EXPECT_EQ(audit_log("?principal=s1").events_size(), 3);
  EXPECT_EQ(audit_log("?principal=counselor:s1").events_size(), 0);
  EXPECT_EQ(audit_log("?principal=c1").events_size(), 0);
  // Times: inclusive, to the millisecond.
  const auto second = TimeUtil::ToString(all.events(1).at());
  const auto first = TimeUtil::ToString(all.events(0).at());
  auto from = audit_log("?from=" + second);
  ASSERT_EQ(from.events_size(), 2);
  EXPECT_EQ(from.events(0).case_id(), b);
  auto to = audit_log("?to=" + first);
  ASSERT_EQ(to.events_size(), 1);
  EXPECT_EQ(to.events(0).case_id(), a);
  EXPECT_EQ(audit_log("?from=" + second + "&to=" + second + "&caseId=" + b).events_size(), 1);
  // Pages, oldest first, through the cursor.
  std::vector<std::string> paged;
  std::string cursor;
  for (int i = 0; i < 10; ++i) {
    auto page = audit_log("?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor));
    for (const auto& e : page.events()) paged.push_back(e.id());
    cursor = page.next_cursor();
    if (cursor.empty()) break;
  }
  EXPECT_EQ(paged, (std::vector<std::string>{all.events(0).id(), all.events(1).id(), all.events(2).id()}));

  // Bad input: 400 naming the parameter, before Redis is read.
  const std::pair<std::string, std::string> bad[] = {
      {"?caseId=a%20b", "caseId"},
      {"?principal=root:x", "principal"},
      {"?principal=counselor:", "principal"},
      {"?from=yesterday", "from"},
      {"?to=2026-13-01T00:00:00Z", "to"},
      {"?from=2026-12-04T10:00:00Z&to=2026-12-04T09:00:00Z", "to"},
      {"?limit=0", "limit"},
      {"?limit=501", "limit"},
      {"?cursor=abc", "cursor"},
  };
  for (const auto& [query, field] : bad) {
    auto r = api_->as("s1", "GET", "/v1/audit" + query);
    EXPECT_EQ(r.status, 400) << query << ": " << r.body;
    EXPECT_NE(r.body.find("\"field\":\"" + field + "\""), std::string::npos) << query << ": " << r.body;
  }
  // Supervisors only.
  EXPECT_EQ(api_->as("c1", "GET", "/v1/audit").status, 403);
  EXPECT_EQ(testing::http_call(daemon_->port(), "GET", "/v1/audit").status, 401);
}

TEST_F(audit, when_the_entry_cannot_be_written_nothing_sealed_is_sent) {
  const auto case_id = post_case("ref-audit-4", "RISK_MEDIUM", "depression");
  ASSERT_TRUE(wait_for_offer(*api_, "c1", case_id));
  ASSERT_EQ(api_->as("c1", "POST", "/v1/cases/" + case_id + "/accept").status, 200);
  // The stream's key holds something else: every XADD fails.
  redis_->cli({"DEL", audit_key});
  redis_->cli({"SET", audit_key, "not a stream"});

  for (const auto& [who, target] : std::vector<std::pair<std::string, std::string>>{
           {"s1", "/v1/cases/" + case_id}, {"c1", "/v1/cases/" + case_id}, {"c1", "/v1/me/cases"}}) {
    auto r = api_->as(who, "GET", target);
    EXPECT_EQ(r.status, 503) << who << " " << target << ": " << r.body;
    EXPECT_EQ(r.body.find(test_phone), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find("invented test summary"), std::string::npos) << r.body;
    EXPECT_FALSE(r.header("retry-after").empty());
  }
  // A retried accept: its script cannot record the read either, nor can the daemon.
  auto again = api_->as("c1", "POST", "/v1/cases/" + case_id + "/accept");
  EXPECT_EQ(again.status, 503) << again.body;
  EXPECT_EQ(again.body.find(test_phone), std::string::npos) << again.body;
  EXPECT_NE(daemon_->proc().output().find("audit.record_failed"), std::string::npos);
  // What carries nothing sealed still answers.
  EXPECT_EQ(api_->as("s1", "GET", "/v1/cases").status, 200);

  redis_->cli({"DEL", audit_key});
  auto r = api_->as("s1", "GET", "/v1/cases/" + case_id);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(audit_log("?caseId=" + case_id).events_size(), 1);
}

// Every file of the managed Redis's AOF directory, concatenated.
std::string aof_bytes(const std::filesystem::path& data_dir) {
  std::string all;
  if (!std::filesystem::exists(data_dir / "appendonlydir")) return all;
  for (const auto& f : std::filesystem::directory_iterator(data_dir / "appendonlydir")) {
    std::ifstream in(f.path(), std::ios::binary);
    all += std::string(std::istreambuf_iterator<char>(in), {});
  }
  return all;
}

class managed_aof : public generated_config_test {};

TEST_F(managed_aof, a_purge_pass_rewrites_the_aof_and_the_purged_case_leaves_the_disk) {
  // Short: a unix socket path has at most 107 bytes, and dir_ holds the test's name.
  const auto data_dir = std::filesystem::path(::testing::TempDir()) / ("cr-aof-" + std::to_string(::getpid()));
  std::filesystem::remove_all(data_dir);
  auto yaml = read_text(test_config());
  yaml = replace_once(yaml, "listen: \"127.0.0.1:18355\"", "listen: \"127.0.0.1:" + std::to_string(port_) + "\"");
  yaml = replace_once(yaml, "data_dir: var/test-redis", "data_dir: \"" + data_dir.string() + "\"");
  yaml = replace_once(yaml, "retention_days: 30", "retention_days: 30\n  retention: 1s\n  audit_retention: 1h");
  write_config(yaml);
  start();

  const std::string marker = "ref-aof-shred-7f3a";  // the referral id lives in the case's keys only
  auto created = api_->platform("POST", "/v1/referrals", referral_json(marker, "RISK_LOW", "grief"));
  ASSERT_EQ(created.status, 202) << created.body;
  const auto case_id = parse<v1::ReferralAccepted>(created.body).case_id();
  ASSERT_EQ(api_->as("s1", "GET", "/v1/cases/" + case_id).status, 200);
  ASSERT_EQ(api_->as("s1", "POST", "/v1/cases/" + case_id + "/cancel", R"({"reason":"invented duplicate"})").status,
            200);
  ASSERT_NE(aof_bytes(data_dir).find(marker), std::string::npos) << "the AOF should hold the case before the purge";

  // A restart runs the first purge pass a few seconds after start.
  proc_->signal(SIGTERM);
  ASSERT_EQ(proc_->wait(std::chrono::seconds(20)), 0);
  start();
  ASSERT_TRUE(wait_until([&] { return api_->platform("GET", "/v1/referrals/" + marker).status == 404; },
                         std::chrono::seconds(30)))
      << proc_->output();
  EXPECT_TRUE(
      wait_until([&] { return aof_bytes(data_dir).find(marker) == std::string::npos; }, std::chrono::seconds(20)))
      << "the purged case is still in the AOF files";
  EXPECT_NE(proc_->output().find("retention.aof_rewrite_started"), std::string::npos) << proc_->output();
  // Who read the purged case is still answerable.
  auto log = parse<v1::AccessEventList>(api_->as("s1", "GET", "/v1/audit?caseId=" + case_id).body);
  ASSERT_EQ(log.events_size(), 1);
  EXPECT_EQ(log.events(0).principal(), "supervisor:s1");
  proc_->signal(SIGTERM);
  proc_->wait(std::chrono::seconds(20));
  std::filesystem::remove_all(data_dir);
}

}  // namespace
}  // namespace caseroute::e2e
