// Duty changes by supervisors through the real binary, two replicas on one
// Redis (docs/API.md, "Duty changes"): a stored exception applies at once on
// both (the tick is a minute, so only the change feed explains it): the
// offer of a counselor taken off duty is withdrawn and the case offered to
// one put on duty, a counselor put on duty gets the waiting case; it
// survives a restart; bad changes get a clear 400, counselors 403; every
// change is in the history; --check-config compares the stored exceptions;
// GET /v1/sites lays out a roster.
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include "caseroute/v1/duty.pb.h"
#include "e2e/e2e_support.hpp"

namespace caseroute::e2e {
namespace {

using namespace std::chrono_literals;

// The local date in Asia/Shanghai (the test config's zone, UTC+8 all year)
// `offset` days from today.
std::string shanghai_date(int offset = 0) {
  const auto day =
      std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now() + 8h) + std::chrono::days(offset);
  const std::chrono::year_month_day ymd{day};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return text;
}

class duty : public generated_config_test {
 protected:
  void start_two() {
    auto yaml = test_yaml();
    yaml = replace_once(yaml, "  tick: 200ms\n", "  tick: 60s\n");
    yaml += "\nlive:\n  recheck: 60s\n";
    write_config(yaml);
    start();
    start_b();
  }
  void start_b() {
    port_b_ = testing::free_port();
    b_ =
        std::make_unique<testing::process>(std::vector<std::string>{CASEROUTE_BIN, "--config", config_path().string(),
                                                                    "--listen", "127.0.0.1:" + std::to_string(port_b_)},
                                           (dir_ / "caseroute-b.log").string());
    ASSERT_TRUE(testing::wait_for_http(port_b_, "/readyz", 20s)) << b_->output();
    api_b_ = std::make_unique<client>(port_b_);
  }

  void TearDown() override {
    if (b_ && b_->running()) {
      b_->signal(SIGTERM);
      b_->wait(20s);
    }
    b_.reset();
    generated_config_test::TearDown();
  }

  std::string post(client& via, const std::string& id, const std::string& risk, const std::string& concern) {
    auto r = via.platform("POST", "/v1/referrals", referral_json(id, risk, concern));
    EXPECT_EQ(r.status, 202) << r.body;
    return parse<v1::ReferralAccepted>(r.body).case_id();
  }

  testing::http_reply put_exception(client& via, const std::string& site, const std::string& date,
                                    const std::string& shifts, const std::string& who = "s1") {
    return via.as(who, "PUT", "/v1/sites/" + site + "/exceptions/" + date, "{\"shifts\":" + shifts + "}");
  }

  // Whether `id` is on duty now as GET /v1/counselors on `via` says.
  bool on_duty(client& via, const std::string& id) {
    auto r = via.as("s1", "GET", "/v1/counselors");
    EXPECT_EQ(r.status, 200) << r.body;
    const auto list = parse<v1::CounselorList>(r.body);
    for (const auto& c : list.counselors())
      if (c.counselor_id() == id) return c.on_duty();
    return false;
  }

  bool holds_offer(client& via, const std::string& who, const std::string& case_id) {
    auto r = via.as(who, "GET", "/v1/me/offers");
    EXPECT_EQ(r.status, 200) << r.body;
    const auto list = parse<v1::OfferList>(r.body);
    for (const auto& o : list.offers())
      if (o.case_id() == case_id) return true;
    return false;
  }

  int port_b_ = 0;
  std::unique_ptr<testing::process> b_;
  std::unique_ptr<client> api_b_;
};

TEST_F(duty, a_counselor_taken_off_duty_loses_the_offer_to_one_put_on_duty_on_both_replicas_at_once) {
  start_two();
  // c2 is the only grief counselor on duty: a grief case goes to c2. c6
  // (grief) is on no roster.
  const auto case_id = post(*api_b_, "duty-1", "RISK_LOW", "grief");
  ASSERT_TRUE(wait_for_offer(*api_, "c2", case_id));
  EXPECT_FALSE(on_duty(*api_b_, "c6"));

  const auto changed = std::chrono::steady_clock::now();
  auto r = put_exception(*api_, "t-hubin-a", shanghai_date(), R"({"all":["c1","c6"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto stored = parse<v1::DutyException>(r.body);
  EXPECT_EQ(stored.site_id(), "t-hubin-a");
  EXPECT_EQ(stored.date(), shanghai_date());
  EXPECT_EQ(stored.shifts().at("all").values_size(), 2);

  // The other replica withdraws c2's offer and offers the case to c6, far
  // sooner than the minute-long tick.
  ASSERT_TRUE(wait_for_offer(*api_b_, "c6", case_id, 10));
  EXPECT_LT(std::chrono::steady_clock::now() - changed, 10s);
  EXPECT_FALSE(holds_offer(*api_b_, "c2", case_id));
  EXPECT_FALSE(holds_offer(*api_, "c2", case_id));
  auto c = api_b_->as("s1", "GET", "/v1/cases/" + case_id);
  ASSERT_EQ(c.status, 200) << c.body;
  bool withdrawn_off_duty = false;
  const auto viewed = parse<v1::Case>(c.body);
  for (const auto& e : viewed.history())
    withdrawn_off_duty = withdrawn_off_duty || (e.type() == "case.offer_withdrawn" && e.counselor_id() == "c2" &&
                                                e.reason_code() == "off_duty");
  EXPECT_TRUE(withdrawn_off_duty) << c.body;

  // Both replicas' rosters and coverage show the change.
  for (client* via : {api_.get(), api_b_.get()}) {
    EXPECT_TRUE(wait_until([&] { return on_duty(*via, "c6") && !on_duty(*via, "c2"); }, 5s));
    auto cov = via->as("s1", "GET", "/v1/coverage?days=1");
    ASSERT_EQ(cov.status, 200) << cov.body;
    const auto report = parse<v1::CoverageReport>(cov.body);
    ASSERT_GE(report.shifts_size(), 1) << cov.body;
    const auto& today = report.shifts(0);
    EXPECT_EQ(today.day(), shanghai_date());
    const auto& ids = today.counselors();
    EXPECT_NE(std::find(ids.begin(), ids.end(), "c6"), ids.end()) << cov.body;
    EXPECT_EQ(std::find(ids.begin(), ids.end(), "c2"), ids.end()) << cov.body;
  }
}

TEST_F(duty, a_counselor_put_on_duty_gets_the_waiting_case_at_once) {
  start_two();
  for (const char* site : {"t-hubin-a", "t-hubin-b", "t-shanzhou"}) {
    auto r = put_exception(*api_, site, shanghai_date(), R"({"all":[]})");
    ASSERT_EQ(r.status, 200) << r.body;
  }
  EXPECT_TRUE(wait_until([&] { return !on_duty(*api_b_, "c1") && !on_duty(*api_b_, "c5"); }, 5s));
  const auto case_id = post(*api_, "duty-2", "RISK_LOW", "grief");
  std::this_thread::sleep_for(500ms);
  auto c = api_->as("s1", "GET", "/v1/cases/" + case_id);
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(parse<v1::Case>(c.body).state(), v1::CASE_QUEUED) << c.body;

  const auto changed = std::chrono::steady_clock::now();
  auto r = put_exception(*api_b_, "t-hubin-b", shanghai_date(), R"({"all":["c6"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(wait_for_offer(*api_, "c6", case_id, 10));
  EXPECT_LT(std::chrono::steady_clock::now() - changed, 10s);
  EXPECT_TRUE(wait_until([&] { return on_duty(*api_, "c6"); }, 5s));
}

TEST_F(duty, a_stored_exception_survives_a_restart) {
  start_two();
  auto r = put_exception(*api_, "t-hubin-a", shanghai_date(), R"({"all":["c6"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  // Both replicas stop; one comes back.
  b_->signal(SIGTERM);
  EXPECT_EQ(b_->wait(20s), 0);
  proc_->signal(SIGTERM);
  EXPECT_EQ(proc_->wait(20s), 0);
  start();
  EXPECT_TRUE(wait_until([&] { return on_duty(*api_, "c6") && !on_duty(*api_, "c2"); }, 5s));
  const auto case_id = post(*api_, "duty-3", "RISK_LOW", "grief");
  ASSERT_TRUE(wait_for_offer(*api_, "c6", case_id, 10));

  auto roster = api_->as("s1", "GET", "/v1/sites/t-hubin-a/roster?from=" + shanghai_date() + "&to=" + shanghai_date(1));
  ASSERT_EQ(roster.status, 200) << roster.body;
  const auto entries = parse<v1::SiteRoster>(roster.body).entries();
  ASSERT_EQ(entries.size(), 2) << roster.body;
  EXPECT_EQ(entries[0].date(), shanghai_date());
  EXPECT_EQ(entries[0].shift(), "all");
  EXPECT_EQ(entries[0].source(), "stored_exception");
  ASSERT_EQ(entries[0].counselor_ids_size(), 1);
  EXPECT_EQ(entries[0].counselor_ids(0), "c6");
  EXPECT_EQ(entries[1].source(), "weekly");
  EXPECT_EQ(entries[1].counselor_ids_size(), 2);
}

TEST_F(duty, the_sites_and_shifts_lay_out_a_roster_for_supervisors_and_viewers) {
  write_config(test_yaml());
  start();
  for (const char* who : {"s1", "v1"}) {
    const auto r = api_->as(who, "GET", "/v1/sites");
    ASSERT_EQ(r.status, 200) << who << r.body;
    const auto list = parse<v1::SiteList>(r.body);
    ASSERT_EQ(list.sites_size(), 3) << r.body;
    EXPECT_EQ(list.sites(0).site_id(), "t-hubin-a");
    EXPECT_EQ(list.sites(0).name(), "测试点·湖滨甲");
    EXPECT_EQ(list.sites(0).county(), "411202");
    EXPECT_EQ(list.sites(2).site_id(), "t-shanzhou");
    ASSERT_EQ(list.shifts_size(), 1) << r.body;
    EXPECT_EQ(list.shifts(0).name(), "all");
    EXPECT_EQ(list.shifts(0).start(), "00:00");
    EXPECT_EQ(list.shifts(0).end(), "24:00");
    EXPECT_EQ(list.timezone(), "Asia/Shanghai");
    EXPECT_EQ(list.today(), shanghai_date());
  }
  EXPECT_EQ(api_->as("c1", "GET", "/v1/sites").status, 403);
}

TEST_F(duty, bad_changes_get_a_clear_400_and_counselors_403) {
  write_config(test_yaml());
  start();
  const auto today = shanghai_date();
  struct row {
    std::string site, date, shifts, message;
  };
  const row rows[] = {
      {"t-hubin-a", today, R"({"all":["c99"]})", R"(shifts.all[0]: unknown counselor \"c99\")"},
      {"t-hubin-a", today, R"({"am":["c1"]})", R"(shifts.am: unknown shift \"am\" (defined: all))"},
      {"t-hubin-a", today, R"({"all":["c1","c6","c1"]})", "shifts.all[2]: counselor c1 is listed twice"},
      {"t-hubin-a", today, R"({"all":[3]})", "shifts.all[0]: expected a counselor id (a string)"},
      {"t-hubin-a", today, R"({})", "shifts: name at least one shift"},
      {"t-hubin-a", "2026-02-30", R"({"all":[]})", R"(date: expected a real date YYYY-MM-DD, got \"2026-02-30\")"},
      {"t-hubin-a", shanghai_date(-1), R"({"all":[]})",
       "date: " + shanghai_date(-1) + " is in the past (today is " + today + " in Asia/Shanghai)"},
      {"nowhere", today, R"({"all":[]})", R"(siteId: unknown site \"nowhere\")"},
  };
  for (const auto& r : rows) {
    auto got = put_exception(*api_, r.site, r.date, r.shifts);
    EXPECT_EQ(got.status, 400) << r.message << ": " << got.body;
    EXPECT_NE(got.body.find(r.message), std::string::npos) << got.body;
  }
  auto got = api_->as("s1", "DELETE", "/v1/sites/t-hubin-a/exceptions/" + shanghai_date(-1));
  EXPECT_EQ(got.status, 400) << got.body;
  got = api_->as("s1", "DELETE", "/v1/sites/t-hubin-a/exceptions/" + today);
  EXPECT_EQ(got.status, 404) << got.body;
  got = api_->as("s1", "GET", "/v1/sites/t-hubin-a/roster?from=" + today + "&to=" + shanghai_date(-1));
  EXPECT_EQ(got.status, 400) << got.body;
  got = api_->as("s1", "PUT", "/v1/counselors/c1/availability", R"({"available":false})");
  EXPECT_EQ(got.status, 400) << got.body;
  EXPECT_NE(got.body.find("reason: required"), std::string::npos) << got.body;
  got = api_->as("s1", "PUT", "/v1/counselors/c99/availability", R"({"available":false,"reason":"x"})");
  EXPECT_EQ(got.status, 400) << got.body;

  // Counselors may do none of it.
  EXPECT_EQ(put_exception(*api_, "t-hubin-a", today, R"({"all":["c1"]})", "c1").status, 403);
  EXPECT_EQ(api_->as("c1", "DELETE", "/v1/sites/t-hubin-a/exceptions/" + today).status, 403);
  EXPECT_EQ(api_->as("c1", "GET", "/v1/sites/t-hubin-a/roster").status, 403);
  EXPECT_EQ(api_->as("c1", "PUT", "/v1/counselors/c2/availability", R"({"available":false,"reason":"x"})").status, 403);
  EXPECT_EQ(api_->as("c1", "GET", "/v1/duty/changes").status, 403);

  // Nothing was stored or recorded.
  got = api_->as("s1", "GET", "/v1/duty/changes");
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(parse<v1::DutyChangeList>(got.body).changes_size(), 0) << got.body;
  EXPECT_TRUE(on_duty(*api_, "c1"));
}

TEST_F(duty, every_change_is_in_the_history_with_who_when_before_and_after) {
  write_config(test_yaml());
  start();
  const auto tomorrow = shanghai_date(1);
  const auto before_changes = now_ms();
  ASSERT_EQ(put_exception(*api_, "t-shanzhou", tomorrow, R"({"all":["c3"]})").status, 200);
  ASSERT_EQ(put_exception(*api_, "t-shanzhou", tomorrow, R"({"all":["c3","c6"]})").status, 200);
  auto r = api_->as("s1", "PUT", "/v1/counselors/c1/availability",
                    R"({"available":false,"reason":"invented: called away"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(parse<v1::Counselor>(r.body).available());
  // GET /v1/counselors shows them signed out.
  auto counselors = parse<v1::CounselorList>(api_->as("s1", "GET", "/v1/counselors").body);
  for (const auto& c : counselors.counselors()) {
    if (c.counselor_id() == "c1") {
      EXPECT_FALSE(c.available());
    }
  }
  r = api_->as("s1", "DELETE", "/v1/sites/t-shanzhou/exceptions/" + tomorrow);
  ASSERT_EQ(r.status, 200) << r.body;

  r = api_->as("s1", "GET", "/v1/duty/changes");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto list = parse<v1::DutyChangeList>(r.body);
  ASSERT_EQ(list.changes_size(), 4) << r.body;
  for (const auto& c : list.changes()) {
    EXPECT_EQ(c.actor(), "supervisor:s1");
    EXPECT_GE(to_ms(c.at()), before_changes - 1s);
  }
  EXPECT_EQ(list.changes(0).kind(), "exception_deleted");
  EXPECT_EQ(list.changes(0).before().shifts().at("all").values_size(), 2);
  EXPECT_EQ(list.changes(1).kind(), "availability");
  EXPECT_EQ(list.changes(1).counselor_id(), "c1");
  EXPECT_FALSE(list.changes(1).available_after());
  EXPECT_EQ(list.changes(1).reason(), "invented: called away");
  EXPECT_EQ(list.changes(2).kind(), "exception_set");
  EXPECT_EQ(list.changes(2).before().shifts().at("all").values_size(), 1);
  EXPECT_EQ(list.changes(2).after().shifts().at("all").values_size(), 2);
  EXPECT_EQ(list.changes(3).site_id(), "t-shanzhou");
  EXPECT_EQ(list.changes(3).date(), tomorrow);
  EXPECT_FALSE(list.changes(3).has_before());
  // The reason a supervisor typed is never logged.
  EXPECT_EQ(proc_->output().find("called away"), std::string::npos);
}

TEST_F(duty, check_config_warns_where_the_file_and_the_stored_exceptions_disagree) {
  write_config(test_yaml());
  start();
  const auto tomorrow = shanghai_date(1);
  ASSERT_EQ(put_exception(*api_, "t-shanzhou", tomorrow, R"({"all":["c6"]})").status, 200);
  // The file gets an exception of its own for that date and shift.
  auto yaml = replace_once(test_yaml(), "      sun: {all: [c3, c4]}\n",
                           "      sun: {all: [c3, c4]}\n    exceptions:\n      \"" + tomorrow + "\": {all: [c3]}\n");
  write_config(yaml);
  const auto out_file = (dir_ / "check.out").string();
  auto check = [&](const std::string& config) {
    const int rc =
        std::system((std::string(CASEROUTE_BIN) + " --check-config " + config + " >" + out_file + " 2>&1").c_str());
    EXPECT_EQ(WEXITSTATUS(rc), 0);
    return read_text(out_file);
  };
  auto out = check(config_path().string());
  EXPECT_NE(out.find("warning: stored exception t-shanzhou " + tomorrow +
                     " all: the file lists c3, the stored exception (which applies) c6"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("stored exceptions checked: 1 from today on, 1 disagreeing"), std::string::npos) << out;

  // No Redis there: a note, still OK.
  const auto elsewhere = dir_ / "elsewhere.yaml";
  {
    std::ofstream(elsewhere) << replace_once(yaml, redis_->url(),
                                             "redis://127.0.0.1:" + std::to_string(testing::free_port()) + "/0");
  }
  const auto started = std::chrono::steady_clock::now();
  out = check(elsewhere.string());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 6s);
  EXPECT_NE(out.find("note: stored exceptions were not checked"), std::string::npos) << out;
  EXPECT_NE(out.find(": OK"), std::string::npos) << out;
}

}  // namespace
}  // namespace caseroute::e2e
