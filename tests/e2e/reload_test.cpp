// SIGHUP and SIGTERM against the real binary on a copy of config/test.yaml:
// a roster change withdraws the dropped counselor's offers and re-routes
// them; an invalid file is refused with its line and the old config keeps
// running; SIGTERM answers an in-flight long poll and exits 0. Never edits
// the shipped config files.
#include <chrono>
#include <csignal>
#include <sstream>
#include <thread>

#include "e2e/e2e_support.hpp"

namespace caseroute::e2e {
namespace {

using namespace std::chrono_literals;

// Replaces exactly `count` occurrences of `from`; fails the test otherwise.
std::string replace_all(std::string text, const std::string& from, const std::string& to, int count) {
  int n = 0;
  for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
    ++n;
  }
  EXPECT_EQ(n, count) << "config/test.yaml changed shape: \"" << from << "\"";
  return text;
}

// The daemon on a private copy of test.yaml (and its secrets), so the test
// can rewrite the file and send SIGHUP.
class reload : public generated_config_test {
 protected:
  void SetUp() override {
    generated_config_test::SetUp();
    base_ = test_yaml();
    write_config(base_);
    start();
  }

  // The case as supervisors see it (with history).
  v1::Case get_case(const std::string& case_id) {
    return parse<v1::Case>(api_->as("s1", "GET", "/v1/cases/" + case_id).body);
  }

  bool has_offer(const std::string& who, const std::string& case_id) {
    auto r = api_->as(who, "GET", "/v1/me/offers");
    EXPECT_EQ(r.status, 200) << r.body;
    const auto list = parse<v1::OfferList>(r.body);
    for (const auto& o : list.offers())
      if (o.case_id() == case_id) return true;
    return false;
  }

  std::string post_referral(const std::string& id, const std::string& risk, const std::string& concern) {
    auto r = api_->platform("POST", "/v1/referrals", referral_json(id, risk, concern));
    EXPECT_EQ(r.status, 202) << r.body;
    return parse<v1::ReferralAccepted>(r.body).case_id();
  }

  std::string base_;  // test.yaml with this test's port and Redis
};

TEST_F(reload, dropping_a_counselor_from_the_roster_withdraws_their_offer_and_a_bad_file_is_refused) {
  // depression: c1 (skill 3) is preferred over c5 (2) and c2 (1).
  const auto case_id = post_referral("ref-reload-1", "RISK_MEDIUM", "depression");
  ASSERT_TRUE(wait_for_offer(*api_, "c1", case_id));

  // c1 stays configured (their token still works) but is on no roster.
  const auto without_c1 = replace_all(base_, "[c1, c2]", "[c2]", 7);
  write_config(without_c1);
  proc_->signal(SIGHUP);

  EXPECT_TRUE(wait_until([&] { return !has_offer("c1", case_id); }, 10s)) << "c1 kept the offer after the reload";
  v1::Case c;
  EXPECT_TRUE(wait_until(
      [&] {
        c = get_case(case_id);
        return c.state() == v1::CASE_OFFERED && c.counselor_id() != "c1";
      },
      10s))
      << "the case was not offered again; state " << v1::CaseState_Name(c.state()) << " to " << c.counselor_id();
  EXPECT_TRUE(c.counselor_id() == "c5" || c.counselor_id() == "c2") << c.counselor_id();
  int withdrawn = 0;
  for (const auto& e : c.history()) {
    if (e.type() == "case.offer_withdrawn" && e.counselor_id() == "c1") {
      ++withdrawn;
      EXPECT_EQ(e.reason(), "counselor no longer on duty");
    }
    EXPECT_FALSE((e.type() == "case.declined" || e.type() == "case.offer_expired") && e.counselor_id() == "c1")
        << e.type() << ": the offer should have been withdrawn, not " << e.type();
  }
  EXPECT_EQ(withdrawn, 1);
  // A withdrawal is not a decline: c1 is not excluded from the case (rule 5).
  EXPECT_EQ(redis_->cli({"SISMEMBER", "{cr:test}:v1:case:" + case_id + ":excluded", "c1"}), "0");
  EXPECT_EQ(testing::http_call(port_, "GET", "/readyz").status, 200);
  EXPECT_NE(proc_->output().find("\"config.reloaded\""), std::string::npos) << proc_->output();

  // An unknown key right after routing.tick: refused, with its line.
  const std::string anchor = "  tick: 200ms\n";
  const auto at = without_c1.find(anchor);
  ASSERT_NE(at, std::string::npos);
  const auto bad_line = 1 + std::count(without_c1.begin(), without_c1.begin() + at, '\n') + 1;
  auto bad = without_c1;
  bad.insert(at + anchor.size(), "  tick_jitter: 1s\n");
  write_config(bad);
  proc_->signal(SIGHUP);

  std::string rejected;
  EXPECT_TRUE(wait_until(
      [&] {
        std::istringstream lines(proc_->output());
        for (std::string line; std::getline(lines, line);)
          if (line.find("\"config.reload_rejected\"") != std::string::npos) rejected = line;
        return !rejected.empty();
      },
      10s))
      << proc_->output();
  EXPECT_NE(rejected.find("\"line\":" + std::to_string(bad_line) + ","), std::string::npos)
      << "expected line " << bad_line << " in: " << rejected;
  EXPECT_NE(rejected.find("tick_jitter"), std::string::npos) << rejected;

  // Still running on the previous config: routes, and c1 is still off.
  EXPECT_TRUE(proc_->running());
  EXPECT_EQ(testing::http_call(port_, "GET", "/readyz").status, 200);
  const auto second = post_referral("ref-reload-2", "RISK_MEDIUM", "depression");
  v1::Case next;
  EXPECT_TRUE(wait_until(
      [&] {
        next = get_case(second);
        return next.state() == v1::CASE_OFFERED;
      },
      10s))
      << "the old config stopped routing";
  EXPECT_NE(next.counselor_id(), "c1");
  EXPECT_FALSE(has_offer("c1", second));
}

TEST_F(reload, sigterm_answers_an_in_flight_long_poll_and_exits_zero) {
  std::vector<std::pair<std::string, std::string>> referrals;  // referral id -> case id
  for (int i = 0; i < 3; ++i) {
    const auto id = "ref-term-poll-" + std::to_string(i);
    referrals.emplace_back(id, post_referral(id, "RISK_LOW", "anxiety"));
  }

  // c2 (grief, depression) has nothing to be offered: the poll waits 30 s.
  http_reply poll;
  std::chrono::steady_clock::duration polled{};
  std::thread poller([&] {
    const auto t0 = std::chrono::steady_clock::now();
    poll = api_->as("c2", "GET", "/v1/me/offers?wait=30");
    polled = std::chrono::steady_clock::now() - t0;
  });
  // Let the poll reach the daemon; if it did not, the poll fails below.
  std::this_thread::sleep_for(1s);
  const auto t0 = std::chrono::steady_clock::now();
  proc_->signal(SIGTERM);
  const int code = proc_->wait(20s);  // shutdown_grace is 10 s
  poller.join();

  EXPECT_EQ(code, 0) << proc_->output();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 12s);
  EXPECT_EQ(poll.status, 200) << "the in-flight long poll was not answered: " << poll.body;
  EXPECT_TRUE(parse<v1::OfferList>(poll.body).offers().empty());
  EXPECT_LT(polled, 15s) << "the long poll ran its full wait instead of ending at shutdown";
  EXPECT_NE(proc_->output().find("\"shutdown.done\""), std::string::npos) << proc_->output();

  start();
  for (const auto& [referral_id, case_id] : referrals) {
    auto r = api_->platform("GET", "/v1/referrals/" + referral_id);
    ASSERT_EQ(r.status, 200) << referral_id;
    EXPECT_EQ(parse<v1::Case>(r.body).case_id(), case_id);
  }
}

// Started with --listen and --redis-url, as deployments do: the file's own
// server.listen and redis.url differ from what runs, and a reload must still
// apply the rest (here a shorter retention) and name only what needs a restart.
class reload_with_overrides : public generated_config_test {
 protected:
  void SetUp() override {
    generated_config_test::SetUp();
    // The file names another port and the managed Redis; the flags win.
    base_ = replace_once(
        replace_once(test_yaml(), "listen: \"127.0.0.1:" + std::to_string(port_) + "\"", "listen: \"127.0.0.1:1\""),
        "url: \"" + redis_->url() + "\"", "url: managed");
    write_config(base_);
    proc_ = std::make_unique<testing::process>(
        std::vector<std::string>{CASEROUTE_BIN, "--config", config_path().string(), "--listen",
                                 "127.0.0.1:" + std::to_string(port_), "--redis-url", redis_->url()},
        (dir_ / "caseroute.log").string());
    ASSERT_TRUE(testing::wait_for_http(port_, "/readyz", 20s)) << proc_->output();
    api_ = std::make_unique<client>(port_);
  }

  // The log lines with this event, in order.
  std::vector<std::string> events(const std::string& name) {
    std::vector<std::string> out;
    std::istringstream lines(proc_->output());
    for (std::string line; std::getline(lines, line);)
      if (line.find("\"event\":\"" + name + "\"") != std::string::npos) out.push_back(line);
    return out;
  }

  std::string base_;
};

TEST_F(reload_with_overrides, a_shorter_retention_is_applied_and_restart_only_fields_are_named) {
  auto r = api_->platform("POST", "/v1/referrals", referral_json("ref-retention-1", "RISK_MEDIUM", "depression"));
  ASSERT_EQ(r.status, 202) << r.body;
  const auto case_id = parse<v1::ReferralAccepted>(r.body).case_id();
  ASSERT_TRUE(wait_for_offer(*api_, "c1", case_id));
  ASSERT_EQ(api_->as("c1", "POST", "/v1/cases/" + case_id + "/accept").status, 200);
  ASSERT_EQ(api_->as("c1", "POST", "/v1/cases/" + case_id + "/resolve",
                     R"({"outcome":"OUTCOME_COUNSELED","note":"invented test note"})")
                .status,
            200);

  // Closed cases are kept 30 days (retention_days: 30); now 1 second.
  write_config(replace_once(base_, "  retention_days: 30\n", "  retention_days: 30\n  retention: 1s\n"));
  proc_->signal(SIGHUP);
  ASSERT_TRUE(wait_until([&] { return !events("config.reloaded").empty(); }, 10s)) << proc_->output();
  EXPECT_TRUE(events("config.reload_partial").empty())
      << "the overridden listen and redis.url are no change of the file: " << proc_->output();
  EXPECT_TRUE(wait_until([&] { return api_->as("s1", "GET", "/v1/cases/" + case_id).status == 404; }, 15s))
      << "the shorter retention was not applied: the resolved case is still there";
  EXPECT_EQ(testing::http_call(port_, "GET", "/readyz").status, 200);

  // A field the listener copied at start: kept, and named exactly.
  write_config(replace_once(base_, "  max_body_bytes: 65536\n", "  max_body_bytes: 1000\n"));
  proc_->signal(SIGHUP);
  ASSERT_TRUE(wait_until([&] { return events("config.reloaded").size() == 2; }, 10s)) << proc_->output();
  const auto partial = events("config.reload_partial");
  ASSERT_EQ(partial.size(), 1u) << proc_->output();
  EXPECT_NE(partial[0].find("\"restart_needed\":\"server.max_body_bytes\""), std::string::npos) << partial[0];
  // Still answering on the port the flag gave, with the running body limit.
  const std::string big = referral_json("ref-retention-2", "RISK_LOW", "anxiety") + std::string(2000, ' ');
  EXPECT_EQ(api_->platform("POST", "/v1/referrals", big).status, 202);
}

}  // namespace
}  // namespace caseroute::e2e
