// Escalation levels through the real binary (docs/ARCHITECTURE.md,
// "Escalation"), on a
// config written at test time with routing.escalation.low at 4 s: one level
// per limit passed, level 1 relaxes rule 2 to any concern, level 2 drops it
// but a visit still needs someone near; every rise is a case.escalated event
// and escalationLevel is in every case view. Never edits the shipped files.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <thread>

#include "e2e/e2e_support.hpp"

namespace caseroute::e2e {
namespace {

using namespace std::chrono_literals;

constexpr std::chrono::seconds low_limit{4};  // routing.escalation.low below
// How late after its due instant a rise may be seen: the tick is 200 ms; the
// rest is slack for a busy machine.
constexpr std::chrono::milliseconds rise_slack{2500};

// test.yaml's shift "all", specialties, counselors, tokens and platform, plus
// county 411221 (渑池县) where no site is and nobody visits. On duty every
// day: c1 and c5 in 411202, c3 and c4 in 411203; c2 and c6, the only ones
// holding grief, are on no roster.
std::string escalation_config(const std::string& test_yaml) {
  std::string head = test_yaml.substr(0, test_yaml.find("\nsites:\n") + 1);
  head = replace_once(head, "  - {code: \"411203\", name: 陕州区}\n",
                      "  - {code: \"411203\", name: 陕州区}\n  - {code: \"411221\", name: 渑池县}\n");
  std::string text = head + "sites:\n";
  const auto site = [&](const char* id, const char* county, const char* who) {
    text += std::string("  - id: ") + id + "\n    name: " + id + "\n    county: \"" + county + "\"\n    roster:\n";
    for (const char* day : {"mon", "tue", "wed", "thu", "fri", "sat", "sun"})
      text += std::string("      ") + day + ": {all: [" + who + "]}\n";
  };
  site("t-hubin-a", "411202", "c1");
  site("t-hubin-b", "411202", "c5");
  site("t-shanzhou", "411203", "c3, c4");
  text +=
      "\nrouting:\n  offer_timeout: 2m\n  crisis_offer_timeout: 1m\n  tick: 200ms\n"
      "  escalation: {crisis: 2m, high: 30m, medium: 1h, low: " +
      std::to_string(low_limit.count()) +
      "s}\n"
      "\nprivacy:\n  encryption_key_file: secrets/test-data.key\n  retention_days: 30\n"
      "\nlog:\n  level: debug\n  format: json\n";
  return text;
}

std::string referral(const std::string& id, const std::string& risk, const std::vector<std::string>& concerns,
                     const std::string& mode = "MODE_PHONE", const std::string& county = "411202") {
  std::time_t now = std::time(nullptr) - 60;
  char ts[32];
  std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  std::string list;
  for (const auto& c : concerns) list += (list.empty() ? "\"" : ",\"") + c + "\"";
  return R"({"referralId":")" + id + R"(","receivedAt":")" + ts + R"(","risk":")" + risk + R"(","concerns":[)" + list +
         R"(],"mode":")" + mode + R"(","county":")" + county + R"(","youth":{"ref":"y-)" + id +
         R"(","age":16},"contact":{"name":"Test Youth","phone":"13900000000","address":"invented"},)" +
         R"("summary":"invented test summary"})";
}

// The daemon on a config written for this run.
class escalation : public generated_config_test {
 protected:
  void SetUp() override {
    generated_config_test::SetUp();
    write_config(escalation_config(test_yaml()));
    start();
  }

  std::string post(const std::string& body) {
    auto r = api_->platform("POST", "/v1/referrals", body);
    EXPECT_EQ(r.status, 202) << r.body;
    return parse<v1::ReferralAccepted>(r.body).case_id();
  }

  v1::Case get_case(const std::string& case_id) {
    auto r = api_->as("s1", "GET", "/v1/cases/" + case_id);
    EXPECT_EQ(r.status, 200) << r.body;
    return parse<v1::Case>(r.body);
  }

  // Polls the supervisor view every 100 ms until `done` holds or `limit` passes.
  template <class F>
  v1::Case wait_for_case(const std::string& case_id, F done, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    v1::Case c = get_case(case_id);
    while (!done(c) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(100ms);
      c = get_case(case_id);
    }
    return c;
  }
};

std::vector<const v1::Event*> events_of(const v1::Case& c, const std::string& type) {
  std::vector<const v1::Event*> found;
  for (const auto& e : c.history())
    if (e.type() == type) found.push_back(&e);
  return found;
}

// The case.escalated events rise one level at a time, each at or after its
// limit (counted from case.created) and at most rise_slack later.
void expect_rises(const v1::Case& c, int up_to) {
  ASSERT_GT(c.history_size(), 0);
  const sys_ms created = to_ms(c.history(0).at());
  const auto rises = events_of(c, "case.escalated");
  ASSERT_GE(static_cast<int>(rises.size()), up_to) << c.DebugString();
  for (int level = 1; level <= up_to; ++level) {
    const v1::Event& e = *rises[static_cast<std::size_t>(level - 1)];
    EXPECT_EQ(e.escalation_level(), level) << c.DebugString();
    EXPECT_EQ(e.actor(), "system");
    EXPECT_GE(to_ms(e.at()), created + level * low_limit) << "level " << level << " rose before its limit";
    EXPECT_LT(to_ms(e.at()), created + level * low_limit + rise_slack) << "level " << level << " rose late";
  }
}

TEST_F(escalation, levels_rise_one_per_limit_relax_then_drop_rule_two_but_never_the_visit_rule) {
  // A: primary grief (nobody on duty), also anxiety (c1, c3): waits at level 0.
  const auto a = post(referral("ref-esc-any", "RISK_LOW", {"grief", "anxiety"}));
  // B: grief only: nobody on duty holds any of its concerns.
  const auto b = post(referral("ref-esc-none", "RISK_LOW", {"grief"}));
  // C: a home visit in 411221, where no site is and nobody visits.
  const auto c = post(referral("ref-esc-far", "RISK_LOW", {"anxiety"}, "MODE_HOME_VISIT", "411221"));
  // D: like B but RISK_MEDIUM, whose limit is an hour.
  const auto d = post(referral("ref-esc-medium", "RISK_MEDIUM", {"grief"}));

  // Fresh cases carry escalationLevel 0 explicitly, in every view.
  const auto fresh = get_case(a);
  EXPECT_EQ(fresh.state(), v1::CASE_QUEUED);
  EXPECT_TRUE(fresh.has_escalation_level());
  EXPECT_EQ(fresh.escalation_level(), 0);
  EXPECT_EQ(fresh.wait_reason(), "no counselor on duty holds grief");
  ASSERT_GT(fresh.history_size(), 0);
  EXPECT_LT(std::chrono::system_clock::now(), to_ms(fresh.history(0).at()) + low_limit)
      << "the level-0 check ran past the limit; the machine is too slow";
  auto platform_view = api_->platform("GET", "/v1/referrals/ref-esc-any");
  ASSERT_EQ(platform_view.status, 200) << platform_view.body;
  EXPECT_TRUE(parse<v1::Case>(platform_view.body).has_escalation_level()) << platform_view.body;
  auto listed = api_->as("s1", "GET", "/v1/cases?state=CASE_QUEUED");
  ASSERT_EQ(listed.status, 200) << listed.body;
  const auto cases = parse<v1::CaseList>(listed.body);
  for (const auto& item : cases.cases()) EXPECT_TRUE(item.has_escalation_level()) << item.case_id();

  // After one limit A is at level 1 and goes to c3 on anxiety (c3 holds it at 3, c1 at 2).
  ASSERT_TRUE(wait_for_offer(*api_, "c3", a, 15));
  auto offers = parse<v1::OfferList>(api_->as("c3", "GET", "/v1/me/offers").body);
  ASSERT_EQ(offers.offers_size(), 1);
  EXPECT_TRUE(offers.offers(0).case_().has_escalation_level());
  EXPECT_EQ(offers.offers(0).case_().escalation_level(), 1);
  const auto relaxed = get_case(a);
  EXPECT_EQ(relaxed.escalation_level(), 1);
  EXPECT_EQ(relaxed.counselor_id(), "c3");
  std::vector<std::string> types;
  for (const auto& e : relaxed.history()) types.push_back(e.type());
  EXPECT_EQ(types, (std::vector<std::string>{"case.created", "case.escalated", "case.offered"}));
  expect_rises(relaxed, 1);
  EXPECT_EQ(events_of(relaxed, "case.escalated").size(), 1u);

  // B is offered only at level 2, to someone who holds none of its concerns.
  const auto dropped = wait_for_case(
      b, [](const v1::Case& x) { return x.state() == v1::CASE_OFFERED; }, 2 * low_limit + 8s);
  ASSERT_EQ(dropped.state(), v1::CASE_OFFERED) << dropped.DebugString();
  EXPECT_EQ(dropped.escalation_level(), 2);
  types.clear();
  for (const auto& e : dropped.history()) types.push_back(e.type());
  EXPECT_EQ(types, (std::vector<std::string>{"case.created", "case.escalated", "case.escalated", "case.offered"}));
  expect_rises(dropped, 2);
  EXPECT_NE(dropped.counselor_id(), "c2");
  EXPECT_NE(dropped.counselor_id(), "c6");

  // C keeps rising but is never offered: rule 4 stays at every level.
  const auto far = wait_for_case(
      c, [](const v1::Case& x) { return x.escalation_level() >= 3; }, 3 * low_limit + 8s);
  EXPECT_EQ(far.state(), v1::CASE_QUEUED);
  EXPECT_GE(far.escalation_level(), 3);
  EXPECT_EQ(far.wait_reason(), "no counselor on duty near county 411221 for a visit");
  EXPECT_TRUE(events_of(far, "case.offered").empty());
  expect_rises(far, 3);
  auto queue = parse<v1::QueueView>(api_->as("s1", "GET", "/v1/queue").body);
  bool listed_escalated = false;
  for (const auto& e : queue.escalated()) listed_escalated = listed_escalated || e.case_id() == c;
  EXPECT_TRUE(listed_escalated) << "GET /v1/queue does not list the escalated case";

  // D has waited as long, but the medium limit is an hour: still level 0.
  const auto medium = get_case(d);
  EXPECT_EQ(medium.state(), v1::CASE_QUEUED);
  EXPECT_TRUE(medium.has_escalation_level());
  EXPECT_EQ(medium.escalation_level(), 0);
  EXPECT_TRUE(events_of(medium, "case.escalated").empty());
  EXPECT_EQ(medium.wait_reason(), "no counselor on duty holds grief");
}

}  // namespace
}  // namespace caseroute::e2e
