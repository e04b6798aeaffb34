// Counselor welfare through the real binary (docs/ARCHITECTURE.md, "Who is
// eligible", welfare limits): no new offer
// during routing.wrap_up after a resolve or routing.crisis_wrap_up after a
// crisis case, and at most routing.max_crisis_per_shift crisis cases a
// shift. Runs on a generated copy of config/test.yaml with short limits;
// never edits the shipped config files.
#include <chrono>
#include <set>
#include <thread>

#include "e2e/e2e_support.hpp"

namespace caseroute::e2e {
namespace {

using namespace std::chrono_literals;

// The limits this file runs with.
constexpr auto wrap_up = 3s;
constexpr auto crisis_wrap_up = 6s;

// The counselors named by the events of one type, in history order.
std::vector<std::string> who_by(const v1::Case& c, const std::string& type) {
  std::vector<std::string> out;
  for (const auto& e : c.history())
    if (e.type() == type) out.push_back(e.counselor_id());
  return out;
}

// When the case was first offered (epoch when never).
sys_ms first_offered_at(const v1::Case& c) {
  for (const auto& e : c.history())
    if (e.type() == "case.offered") return to_ms(e.at());
  return sys_ms{};
}

// The daemon on a private copy of test.yaml with the routing limits above.
class welfare : public generated_config_test {
 protected:
  void SetUp() override {
    generated_config_test::SetUp();
    // test.yaml turns the crisis wrap-up off; this test sets its own.
    write_config(replace_once(test_yaml(), "  crisis_wrap_up: 0s\n",
                              "  wrap_up: 3s\n  crisis_wrap_up: 6s\n  max_crisis_per_shift: 1\n"));
    start();
  }

  std::string post_case(const std::string& id, const std::string& risk, const std::string& concern) {
    auto r = api_->platform("POST", "/v1/referrals", referral_json(id, risk, concern));
    EXPECT_EQ(r.status, 202) << r.body;
    return parse<v1::ReferralAccepted>(r.body).case_id();
  }

  v1::Case get_case(const std::string& case_id) {
    auto r = api_->as("s1", "GET", "/v1/cases/" + case_id);
    EXPECT_EQ(r.status, 200) << r.body;
    return parse<v1::Case>(r.body);
  }

  bool has_offer(const std::string& who, const std::string& case_id) {
    auto r = api_->as(who, "GET", "/v1/me/offers");
    EXPECT_EQ(r.status, 200) << r.body;
    const auto list = parse<v1::OfferList>(r.body);
    for (const auto& o : list.offers())
      if (o.case_id() == case_id) return true;
    return false;
  }

  // Offered to `who`, accepted and resolved; returns resolvedAt.
  sys_ms take_and_resolve(const std::string& who, const std::string& case_id) {
    EXPECT_TRUE(wait_for_offer(*api_, who, case_id, 10)) << who << " was not offered " << case_id;
    auto accepted = api_->as(who, "POST", "/v1/cases/" + case_id + "/accept");
    EXPECT_EQ(accepted.status, 200) << accepted.body;
    auto resolved = api_->as(who, "POST", "/v1/cases/" + case_id + "/resolve", R"({"outcome":"OUTCOME_COUNSELED"})");
    EXPECT_EQ(resolved.status, 200) << resolved.body;
    return to_ms(parse<v1::Case>(resolved.body).resolved_at());
  }

  // While `until` has not passed: the case is still queued, and its
  // supervisor view names the wrap-up.
  void expect_waiting_for_wrap_up(const std::string& case_id, sys_ms until) {
    const auto c = get_case(case_id);
    if (now_ms() >= until) {
      ADD_FAILURE() << "the test ran too slowly to look inside the wrap-up";
      return;
    }
    EXPECT_EQ(c.state(), v1::CASE_QUEUED) << c.DebugString();
    EXPECT_NE(c.wait_reason().find("wrap-up"), std::string::npos) << c.wait_reason();
  }
};

TEST_F(welfare, no_new_offer_during_wrap_up_after_a_resolve) {
  // c2 is the only counselor on duty who holds grief.
  const auto resolved_at = take_and_resolve("c2", post_case("ref-wrap-1", "RISK_LOW", "grief"));
  const auto next = post_case("ref-wrap-2", "RISK_LOW", "grief");
  expect_waiting_for_wrap_up(next, resolved_at + wrap_up - 1s);
  EXPECT_FALSE(has_offer("c2", next));

  // Offered once the wrap-up is over, not before (the daemon's own clock).
  ASSERT_TRUE(wait_for_offer(*api_, "c2", next, 10));
  const auto offered_at = first_offered_at(get_case(next));
  EXPECT_GE(offered_at - resolved_at, std::chrono::milliseconds(wrap_up) - 50ms);
  EXPECT_LT(offered_at - resolved_at, std::chrono::milliseconds(wrap_up) + 2s);
  EXPECT_EQ(api_->as("c2", "POST", "/v1/cases/" + next + "/accept").status, 200);
}

TEST_F(welfare, crisis_wrap_up_is_longer_after_a_crisis_case) {
  // c5 is the only counselor on duty who holds self_harm.
  const auto resolved_at = take_and_resolve("c5", post_case("ref-cwrap-1", "RISK_CRISIS", "self_harm"));
  // Not a crisis case, so the crisis limit does not apply: only the wrap-up.
  const auto next = post_case("ref-cwrap-2", "RISK_LOW", "self_harm");
  expect_waiting_for_wrap_up(next, resolved_at + crisis_wrap_up - 1s);

  ASSERT_TRUE(wait_for_offer(*api_, "c5", next, 15));
  const auto offered_at = first_offered_at(get_case(next));
  // After the crisis wrap-up, not the (shorter) wrap-up.
  EXPECT_GE(offered_at - resolved_at, std::chrono::milliseconds(crisis_wrap_up) - 50ms);
  EXPECT_LT(offered_at - resolved_at, std::chrono::milliseconds(crisis_wrap_up) + 2s);
}

TEST_F(welfare, a_counselor_at_the_crisis_limit_gets_no_more_crisis_cases_but_still_others) {
  // depression crisis: broadcast to c1 and c5; c5 takes it and reaches the
  // limit of one crisis case this shift.
  const auto first = post_case("ref-limit-1", "RISK_CRISIS", "depression");
  ASSERT_TRUE(wait_for_offer(*api_, "c5", first, 10));
  ASSERT_EQ(api_->as("c5", "POST", "/v1/cases/" + first + "/accept").status, 200);

  // The next depression crisis case goes to c1 alone.
  const auto second = post_case("ref-limit-2", "RISK_CRISIS", "depression");
  ASSERT_TRUE(wait_for_offer(*api_, "c1", second, 10));
  EXPECT_FALSE(has_offer("c5", second));
  EXPECT_EQ(who_by(get_case(second), "case.offered"), std::vector<std::string>{"c1"});

  // A self_harm crisis case: c5 is the only crisis-trained holder, so it
  // escalates at once and waits, saying why.
  const auto third = post_case("ref-limit-3", "RISK_CRISIS", "self_harm");
  v1::Case waiting;
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  do {
    waiting = get_case(third);
    if (!who_by(waiting, "case.escalated").empty()) break;
    std::this_thread::sleep_for(100ms);
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(who_by(waiting, "case.escalated").size(), 1u) << waiting.DebugString();
  EXPECT_EQ(waiting.state(), v1::CASE_QUEUED);
  EXPECT_NE(waiting.wait_reason().find("crisis limit"), std::string::npos) << waiting.wait_reason();
  EXPECT_FALSE(has_offer("c5", third));

  // Non-crisis offers still reach c5 (load 1 of capacity 3).
  const auto fourth = post_case("ref-limit-4", "RISK_LOW", "self_harm");
  EXPECT_TRUE(wait_for_offer(*api_, "c5", fourth, 10));
  EXPECT_FALSE(has_offer("c5", third));
}

}  // namespace
}  // namespace caseroute::e2e
