// Continuity across shifts through the real binary (docs/ARCHITECTURE.md,
// "Continuity across shifts"): c1
// resolves a youth's first case, then goes off duty (SIGHUP to a roster where
// c1's next shift starts at B, a few minutes ahead). A RISK_LOW referral of
// that youth waits for c1 (one case.waiting event) and goes to c1 when they are
// back on duty; RISK_HIGH, or continuity_wait 0, goes to c2 at once and the
// offer says why. Configs are written per test; never edits shipped files.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

#include "e2e/e2e_support.hpp"

namespace caseroute::e2e {
namespace {

using namespace std::chrono_literals;

// Asia/Shanghai is UTC+8 all year (no daylight saving since 1991).
constexpr std::chrono::hours shanghai_offset{8};

std::string clock_text(int minute_of_day) {
  char text[16];
  std::snprintf(text, sizeof text, "%02d:%02d", minute_of_day / 60, minute_of_day % 60);
  return text;
}

// Two shifts meeting at B, the first whole Shanghai minute at least 3 minutes
// ahead (far enough that no test reaches it): "early" holds now, "late" starts
// at B. At midnight they are 12:00-24:00 and 00:00-12:00 (no wrap).
struct shifts {
  sys_ms b;
  std::string early, late;
};

shifts split_ahead(sys_ms now) {
  const auto local = std::chrono::ceil<std::chrono::minutes>(now + 3min + shanghai_offset);
  const int minute = static_cast<int>((local - std::chrono::floor<std::chrono::days>(local)).count());
  shifts s;
  s.b = sys_ms{local - shanghai_offset};
  s.early = minute == 0 ? "12:00-24:00" : "00:00-" + clock_text(minute);
  s.late = minute == 0 ? "00:00-12:00" : clock_text(minute) + "-24:00";
  return s;
}

// A referral of youth `youth` (referral_json names the youth after the referral).
std::string referral_of(const std::string& id, const std::string& risk, const std::string& youth) {
  return replace_once(referral_json(id, risk, "depression"), "\"ref\":\"y-" + id + "\"", "\"ref\":\"" + youth + "\"");
}

int count_type(const v1::Case& c, const std::string& type) {
  return static_cast<int>(
      std::count_if(c.history().begin(), c.history().end(), [&](const v1::Event& e) { return e.type() == type; }));
}

// The daemon on a config written for this test: test.yaml's people, one site
// (c2 always on duty; c1 in the early shift only while "on", and in the late
// shift starting at B), routing.continuity_wait as the test says.
class continuity : public generated_config_test {
 protected:
  void SetUp() override {
    generated_config_test::SetUp();
    const std::string yaml = test_yaml();
    head_ = yaml.substr(0, yaml.find("\nsites:\n") + 1);
    shifts_ = split_ahead(now_ms());
    head_ = replace_once(head_, "shifts:\n  all: \"00:00-24:00\"\n",
                         "shifts:\n  early: \"" + shifts_.early + "\"\n  late: \"" + shifts_.late + "\"\n");
  }

  void write_roster(bool c1_on_duty, const std::string& continuity_wait) {
    std::string text =
        head_ + "sites:\n  - id: t-hubin-a\n    name: 测试点·湖滨甲\n    county: \"411202\"\n    roster:\n";
    const std::string early = c1_on_duty ? "[c1, c2]" : "[c2]";
    for (const char* day : {"mon", "tue", "wed", "thu", "fri", "sat", "sun"})
      text += std::string("      ") + day + ": {early: " + early + ", late: [c1, c2]}\n";
    text += "\nrouting:\n  offer_timeout: 60s\n  crisis_offer_timeout: 60s\n  tick: 200ms\n  continuity_wait: " +
            continuity_wait +
            "\n\nprivacy:\n  encryption_key_file: secrets/test-data.key\n  retention_days: 30\n"
            "\nlog:\n  level: debug\n  format: json\n";
    write_config(text);
  }

  // Rewrites the config, sends SIGHUP and waits until c1's duty matches it.
  void reload(bool c1_on_duty, const std::string& continuity_wait) {
    write_roster(c1_on_duty, continuity_wait);
    proc_->signal(SIGHUP);
    ASSERT_TRUE(wait_until([&] { return on_duty("c1") == c1_on_duty; }, 10s)) << "the reload did not take effect\n"
                                                                              << proc_->output();
  }

  bool on_duty(const std::string& who) {
    const auto list = parse<v1::CounselorList>(api_->as("s1", "GET", "/v1/counselors").body);
    for (const auto& c : list.counselors())
      if (c.counselor_id() == who) return c.on_duty();
    ADD_FAILURE() << who << " missing from GET /v1/counselors";
    return false;
  }

  std::string post(const std::string& id, const std::string& risk, const std::string& youth) {
    auto r = api_->platform("POST", "/v1/referrals", referral_of(id, risk, youth));
    EXPECT_EQ(r.status, 202) << r.body;
    return parse<v1::ReferralAccepted>(r.body).case_id();
  }

  v1::Case get_case(const std::string& case_id) {
    return parse<v1::Case>(api_->as("s1", "GET", "/v1/cases/" + case_id).body);
  }

  // c1 takes and resolves a case of `youth`: c1 becomes their continuity counselor.
  void served_by_c1(const std::string& referral_id, const std::string& youth) {
    const auto id = post(referral_id, "RISK_MEDIUM", youth);
    ASSERT_TRUE(wait_for_offer(*api_, "c1", id, 10)) << "depression goes to c1 (skill 3) first";
    ASSERT_EQ(api_->as("c1", "POST", "/v1/cases/" + id + "/accept").status, 200);
    ASSERT_EQ(api_->as("c1", "POST", "/v1/cases/" + id + "/resolve", R"({"outcome":"OUTCOME_COUNSELED"})").status, 200);
  }

  // Waits until the case is offered; returns it (state CASE_OFFERED or not).
  v1::Case offered(const std::string& case_id) {
    v1::Case c;
    EXPECT_TRUE(wait_until(
        [&] {
          c = get_case(case_id);
          return c.state() == v1::CASE_OFFERED;
        },
        10s))
        << "not offered: " << v1::CaseState_Name(c.state());
    return c;
  }

  double routing_passes() {
    const auto body = testing::http_call(port_, "GET", "/metrics").body;
    const std::string name = "caseroute_routing_passes_total{result=\"ok\"} ";
    const auto at = body.find(name);
    return at == std::string::npos ? 0 : std::stod(body.substr(at + name.size()));
  }

  std::string head_;  // test.yaml up to its sites, with this test's port, Redis and shifts
  shifts shifts_;
};

TEST_F(continuity, low_risk_waits_for_its_off_duty_counselor_and_high_risk_never_waits) {
  write_roster(true, "10m");
  start();
  served_by_c1("ref-cont-first-low", "y-cont-low");
  // Another youth for the RISK_HIGH case: c2 holding it would make c2 a
  // continuity counselor of the first youth too.
  served_by_c1("ref-cont-first-high", "y-cont-high");
  reload(false, "10m");

  // RISK_LOW: c2 is on duty and eligible, but the case waits for c1's shift at B.
  const auto low = post("ref-cont-low", "RISK_LOW", "y-cont-low");
  v1::Case c;
  ASSERT_TRUE(wait_until(
      [&] {
        c = get_case(low);
        return count_type(c, "case.waiting") > 0;
      },
      10s))
      << "no case.waiting event; state " << v1::CaseState_Name(c.state());
  const v1::Event wait = c.history(c.history_size() - 1);
  EXPECT_EQ(wait.type(), "case.waiting");
  EXPECT_EQ(wait.counselor_id(), "c1");
  EXPECT_EQ(to_ms(wait.expires_at()), shifts_.b) << "the wait should last until c1's next shift";
  EXPECT_NE(wait.reason().find("continuity counselor c1"), std::string::npos) << wait.reason();
  // Routing passes run every 200 ms and decide the wait again each time.
  const double passes = routing_passes();
  EXPECT_TRUE(wait_until([&] { return routing_passes() >= passes + 5; }, 10s)) << "routing stopped";
  c = get_case(low);
  EXPECT_EQ(c.state(), v1::CASE_QUEUED) << "offered to " << c.counselor_id();
  EXPECT_EQ(count_type(c, "case.waiting"), 1) << "the wait must be recorded once, not once per pass";
  EXPECT_EQ(count_type(c, "case.offered"), 0);

  // RISK_HIGH never waits: offered to c2 at once, and the offer says why.
  const auto high = post("ref-cont-high", "RISK_HIGH", "y-cont-high");
  const auto h = offered(high);
  EXPECT_EQ(h.counselor_id(), "c2");
  EXPECT_EQ(count_type(h, "case.waiting"), 0);
  ASSERT_EQ(h.history(h.history_size() - 1).type(), "case.offered");
  EXPECT_EQ(h.history(h.history_size() - 1).note(),
            "continuity counselor c1 is off duty; a RISK_HIGH case never waits");

  // c1 on duty again (their shift is brought forward): the waiting case goes to them.
  reload(true, "10m");
  const auto back = offered(low);
  EXPECT_EQ(back.counselor_id(), "c1");
  ASSERT_EQ(back.history(back.history_size() - 1).type(), "case.offered");
  EXPECT_EQ(back.history(back.history_size() - 1).rule(), "continuity");
  EXPECT_EQ(back.history(back.history_size() - 1).note(), "");
  EXPECT_EQ(count_type(back, "case.waiting"), 1);
  // The recorded wait is dropped with the offer, so a later wait is recorded anew.
  EXPECT_TRUE(wait_until(
      [&] {
        return redis_->cli({"HGET", "{cr:test}:v1:case:" + low, "waiting_for"}) == "(nil)";
      },
      5s));
  EXPECT_LT(now_ms(), shifts_.b) << "the test ran into the shift change at B; the machine is too slow";
}

TEST_F(continuity, without_a_wait_low_risk_goes_to_someone_else_at_once) {
  write_roster(true, "0s");
  start();
  served_by_c1("ref-cont0-first", "y-cont0");
  reload(false, "0s");

  const auto low = post("ref-cont0-low", "RISK_LOW", "y-cont0");
  const auto c = offered(low);
  EXPECT_EQ(c.counselor_id(), "c2");
  EXPECT_EQ(count_type(c, "case.waiting"), 0);
  ASSERT_EQ(c.history(c.history_size() - 1).type(), "case.offered");
  EXPECT_EQ(c.history(c.history_size() - 1).note(),
            "continuity counselor c1 is off duty; routing.continuity_wait is 0 (do not wait)");
}

}  // namespace
}  // namespace caseroute::e2e
