// GET /v1/counselors' wrapUpUntil, missedOffers and nextShiftAt through the
// real binary (docs/API.md, GET /v1/counselors): each from the state Redis
// and the rosters hold, on a generated copy of config/test.yaml.
#include <chrono>
#include <cstdio>
#include <thread>

#include "e2e/e2e_support.hpp"

namespace caseroute::e2e {
namespace {

using namespace std::chrono_literals;

// Asia/Shanghai (the test config's zone) is UTC+8 all year.
constexpr std::chrono::hours shanghai_offset{8};

// Local midnight in Shanghai `offset` days from today, as an instant.
sys_ms shanghai_midnight(int offset) {
  const auto day = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now() + shanghai_offset) +
                   std::chrono::days(offset);
  return sys_ms{day - shanghai_offset};
}

std::string shanghai_date(int offset) {
  const std::chrono::year_month_day ymd{
      std::chrono::floor<std::chrono::days>(shanghai_midnight(offset) + shanghai_offset)};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return text;
}

// test.yaml's roster key of the Shanghai weekday `offset` days from today.
std::string shanghai_weekday(int offset) {
  static const char* names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  const std::chrono::weekday wd{std::chrono::floor<std::chrono::days>(shanghai_midnight(offset) + shanghai_offset)};
  return names[wd.iso_encoding() - 1];
}

class counselors_view : public generated_config_test {
 protected:
  std::string post_case(const std::string& id, const std::string& risk, const std::string& concern) {
    auto r = api_->platform("POST", "/v1/referrals", referral_json(id, risk, concern));
    EXPECT_EQ(r.status, 202) << r.body;
    return parse<v1::ReferralAccepted>(r.body).case_id();
  }

  v1::Counselor counselor(const std::string& id) {
    auto r = api_->as("s1", "GET", "/v1/counselors");
    EXPECT_EQ(r.status, 200) << r.body;
    const auto list = parse<v1::CounselorList>(r.body);
    for (const auto& c : list.counselors())
      if (c.counselor_id() == id) return c;
    ADD_FAILURE() << id << " not in " << r.body;
    return {};
  }

  void cancel(const std::string& case_id) {
    EXPECT_EQ(api_->as("s1", "POST", "/v1/cases/" + case_id + "/cancel", R"({"reason":"test"})").status, 200);
  }
};

TEST_F(counselors_view, wrap_up_until_is_the_end_of_the_rest_after_a_resolve) {
  write_config(replace_once(test_yaml(), "  crisis_wrap_up: 0s\n", "  wrap_up: 120s\n  crisis_wrap_up: 0s\n"));
  start();
  EXPECT_FALSE(counselor("c3").has_wrap_up_until());

  // exam_stress: only c3 holds it.
  const auto id = post_case("cv-wrap-1", "RISK_MEDIUM", "exam_stress");
  ASSERT_TRUE(wait_for_offer(*api_, "c3", id, 10));
  ASSERT_EQ(api_->as("c3", "POST", "/v1/cases/" + id + "/accept").status, 200);
  EXPECT_FALSE(counselor("c3").has_wrap_up_until()) << "no rest before a resolve";
  auto resolved = api_->as("c3", "POST", "/v1/cases/" + id + "/resolve", R"({"outcome":"OUTCOME_COUNSELED"})");
  ASSERT_EQ(resolved.status, 200) << resolved.body;
  const auto resolved_at = to_ms(parse<v1::Case>(resolved.body).resolved_at());

  const auto c3 = counselor("c3");
  ASSERT_TRUE(c3.has_wrap_up_until()) << c3.DebugString();
  EXPECT_EQ(to_ms(c3.wrap_up_until()), resolved_at + 120s);
  EXPECT_FALSE(counselor("c4").has_wrap_up_until()) << "nobody else rests";
}

TEST_F(counselors_view, missed_offers_count_todays_declines_and_expiries) {
  write_config(test_yaml());
  start();
  EXPECT_EQ(counselor("c3").missed_offers(), 0);

  // c3 declines an exam_stress case (only c3 holds it).
  const auto declined = post_case("cv-missed-1", "RISK_MEDIUM", "exam_stress");
  ASSERT_TRUE(wait_for_offer(*api_, "c3", declined, 10));
  ASSERT_EQ(api_->as("c3", "POST", "/v1/cases/" + declined + "/decline", R"({"reason":"busy"})").status, 200);
  cancel(declined);
  EXPECT_EQ(counselor("c3").missed_offers(), 1);

  // c4 lets a school_bullying case (only c4 holds it) expire: offer_timeout 5 s.
  const auto expired = post_case("cv-missed-2", "RISK_MEDIUM", "school_bullying");
  ASSERT_TRUE(wait_for_offer(*api_, "c4", expired, 10));
  ASSERT_TRUE(wait_until([&] { return counselor("c4").missed_offers() >= 1; }, 15s));
  cancel(expired);
  // Every expiry in the history is counted, and nothing else.
  auto r = api_->as("s1", "GET", "/v1/cases/" + expired);
  ASSERT_EQ(r.status, 200) << r.body;
  int expiries = 0;
  const auto c4_case = parse<v1::Case>(r.body);
  for (const auto& e : c4_case.history())
    if (e.type() == "case.offer_expired" && e.counselor_id() == "c4") ++expiries;
  EXPECT_EQ(counselor("c4").missed_offers(), expiries);
  EXPECT_EQ(counselor("c3").missed_offers(), 1);
  EXPECT_EQ(counselor("c1").missed_offers(), 0);
}

TEST_F(counselors_view, next_shift_at_comes_from_the_weekly_roster_and_a_stored_exception) {
  // c6 is put on t-hubin-a's weekly roster three days from now only (the
  // first line of that weekday is t-hubin-a's).
  const std::string day3 = shanghai_weekday(3);
  write_config(
      replace_once(test_yaml(), "      " + day3 + ": {all: [c1, c2]}\n", "      " + day3 + ": {all: [c1, c2, c6]}\n"));
  start();
  const auto c1 = counselor("c1");
  EXPECT_TRUE(c1.on_duty());
  EXPECT_FALSE(c1.has_next_shift_at()) << "on duty now";

  auto c6 = counselor("c6");
  EXPECT_FALSE(c6.on_duty());
  ASSERT_TRUE(c6.has_next_shift_at()) << c6.DebugString();
  EXPECT_EQ(to_ms(c6.next_shift_at()), shanghai_midnight(3));

  // A stored exception puts c6 on duty tomorrow: that comes first.
  auto put = api_->as("s1", "PUT", "/v1/sites/t-hubin-a/exceptions/" + shanghai_date(1),
                      R"({"shifts":{"all":["c1","c2","c6"]}})");
  ASSERT_EQ(put.status, 200) << put.body;
  c6 = counselor("c6");
  ASSERT_TRUE(c6.has_next_shift_at()) << c6.DebugString();
  EXPECT_EQ(to_ms(c6.next_shift_at()), shanghai_midnight(1));

  // Removed again: back to the weekly roster.
  ASSERT_EQ(api_->as("s1", "DELETE", "/v1/sites/t-hubin-a/exceptions/" + shanghai_date(1)).status, 200);
  EXPECT_EQ(to_ms(counselor("c6").next_shift_at()), shanghai_midnight(3));
}

}  // namespace
}  // namespace caseroute::e2e
