// Shift changes at the exact minute through the real binary
// (docs/ARCHITECTURE.md, "When routing runs"): a config written at test time
// splits the day at the next whole minute B in Asia/Shanghai, and a dated
// exception for B's date swaps c1 (off sick) for c2 in the shift starting at
// B. With routing.tick at 10 min, only the shift-change wakeup can route at
// B. Never edits the shipped config files.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "e2e/e2e_support.hpp"

namespace caseroute::e2e {
namespace {

using namespace std::chrono_literals;

// Asia/Shanghai is UTC+8 all year (no daylight saving since 1991).
constexpr std::chrono::hours shanghai_offset{8};

std::string clock_text(int minute_of_day) {
  char text[32];
  std::snprintf(text, sizeof text, "%02d:%02d", minute_of_day / 60, minute_of_day % 60);
  return text;
}

// The next whole Shanghai minute at least `lead` from `now`, the two shifts
// that meet there and B's local date. When B is midnight the shifts are
// 12:00-24:00 (ending at B) and 00:00-12:00 (starting at B), since a shift
// cannot wrap past midnight.
struct boundary {
  sys_ms at;
  std::string date;             // B's local date, "YYYY-MM-DD"
  std::string ending_window;    // shift "early", which ends at B
  std::string starting_window;  // shift "late", which starts at B
};

boundary next_boundary(sys_ms now, std::chrono::seconds lead) {
  const auto local = std::chrono::ceil<std::chrono::minutes>(now + lead + shanghai_offset);
  const auto day = std::chrono::floor<std::chrono::days>(local);
  const int minute = static_cast<int>((local - day).count());
  const std::chrono::year_month_day ymd{day};
  char date[32];
  std::snprintf(date, sizeof date, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  boundary b;
  b.at = sys_ms{local - shanghai_offset};
  b.date = date;
  if (minute == 0) {
    b.ending_window = "12:00-24:00";
    b.starting_window = "00:00-12:00";
  } else {
    b.ending_window = "00:00-" + clock_text(minute);
    b.starting_window = clock_text(minute) + "-24:00";
  }
  return b;
}

// test.yaml's specialties, counselors, tokens and platform with two shifts
// meeting at B. One site: c1 in both shifts every day; on B's date the shift
// starting at B has c2 only (c1 off sick, c2 swapped in).
std::string shift_change_config(const std::string& test_yaml, const boundary& b) {
  std::string head = test_yaml.substr(0, test_yaml.find("\nsites:\n") + 1);
  head = replace_once(head, "shifts:\n  all: \"00:00-24:00\"\n",
                      "shifts:\n  early: \"" + b.ending_window + "\"\n  late: \"" + b.starting_window + "\"\n");
  std::string text = head + "sites:\n  - id: t-hubin-a\n    name: 测试点·湖滨甲\n    county: \"411202\"\n    roster:\n";
  for (const char* day : {"mon", "tue", "wed", "thu", "fri", "sat", "sun"})
    text += std::string("      ") + day + ": {early: [c1], late: [c1]}\n";
  text += "    exceptions:\n      \"" + b.date + "\": {late: [c2]}\n";
  text +=
      "\nrouting:\n  offer_timeout: 15m\n  crisis_offer_timeout: 15m\n  tick: 10m\n"
      "\nprivacy:\n  encryption_key_file: secrets/test-data.key\n  retention_days: 30\n"
      "\nlog:\n  level: debug\n  format: json\n";
  return text;
}

// The daemon on a config written for this run.
class shift_change : public generated_config_test {
 protected:
  void SetUp() override {
    generated_config_test::SetUp();
    // 10 s leaves time to start the daemon and offer the first case before B.
    b_ = next_boundary(now_ms(), 10s);
    write_config(shift_change_config(test_yaml(), b_));
    start();
  }

  std::string post_referral(const std::string& id, const std::string& risk, const std::string& concern) {
    auto r = api_->platform("POST", "/v1/referrals", referral_json(id, risk, concern));
    EXPECT_EQ(r.status, 202) << r.body;
    return parse<v1::ReferralAccepted>(r.body).case_id();
  }

  v1::Case get_case(const std::string& case_id) {
    return parse<v1::Case>(api_->as("s1", "GET", "/v1/cases/" + case_id).body);
  }

  std::vector<std::string> offered_to(const std::string& who) {
    auto r = api_->as(who, "GET", "/v1/me/offers");
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> ids;
    const auto list = parse<v1::OfferList>(r.body);
    for (const auto& o : list.offers()) ids.push_back(o.case_id());
    return ids;
  }

  bool on_duty(const std::string& who) {
    const auto list = parse<v1::CounselorList>(api_->as("s1", "GET", "/v1/counselors").body);
    for (const auto& c : list.counselors())
      if (c.counselor_id() == who) return c.on_duty();
    ADD_FAILURE() << who << " missing from GET /v1/counselors";
    return false;
  }

  boundary b_;
};

bool contains(const std::vector<std::string>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

TEST_F(shift_change, exception_takes_effect_at_the_minute_withdrawing_and_reoffering_at_once) {
  // Before B only c1 is on duty: the depression case goes to c1, and the
  // grief case (c2 and the unrostered c6 hold grief) waits for B.
  const auto sick = post_referral("ref-shift-sick", "RISK_MEDIUM", "depression");
  const auto grief = post_referral("ref-shift-grief", "RISK_LOW", "grief");
  const auto until_b = std::chrono::duration_cast<std::chrono::seconds>(b_.at - now_ms());
  ASSERT_TRUE(wait_for_offer(*api_, "c1", sick, static_cast<int>(std::max<long long>(until_b.count() - 2, 1))))
      << "c1 was not offered the depression case before B";

  const auto waiting = get_case(grief);
  EXPECT_EQ(waiting.state(), v1::CASE_QUEUED);
  EXPECT_EQ(waiting.wait_reason(), "no counselor on duty holds grief");
  EXPECT_EQ(to_ms(waiting.next_eligible_at()), b_.at) << "c2's swapped-in shift should be the next chance";
  EXPECT_TRUE(on_duty("c1"));
  EXPECT_FALSE(on_duty("c2"));
  EXPECT_TRUE(contains(offered_to("c1"), sick));
  EXPECT_TRUE(offered_to("c2").empty());
  ASSERT_LT(now_ms(), b_.at) << "the checks before the shift change ran past it; the machine is too slow";

  // At B: c1's offer is withdrawn and both cases go to c2 within 2 s.
  std::this_thread::sleep_until(b_.at);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  std::vector<std::string> c2_offers;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = api_->as("c2", "GET", "/v1/me/offers?wait=2");
    ASSERT_EQ(r.status, 200) << r.body;
    c2_offers.clear();
    const auto list = parse<v1::OfferList>(r.body);
    for (const auto& o : list.offers()) c2_offers.push_back(o.case_id());
    if (contains(c2_offers, sick) && contains(c2_offers, grief)) break;
  }
  ASSERT_TRUE(contains(c2_offers, sick) && contains(c2_offers, grief)) << "c2 was not offered both cases after B";
  EXPECT_FALSE(contains(offered_to("c1"), sick));
  EXPECT_TRUE(on_duty("c2"));
  EXPECT_FALSE(on_duty("c1"));

  const auto moved = get_case(sick);
  EXPECT_EQ(moved.state(), v1::CASE_OFFERED);
  EXPECT_EQ(moved.counselor_id(), "c2");
  std::vector<std::string> types;
  for (const auto& e : moved.history()) types.push_back(e.type());
  ASSERT_EQ(types, (std::vector<std::string>{"case.created", "case.offered", "case.offer_withdrawn", "case.offered"}));
  EXPECT_EQ(moved.history(1).counselor_id(), "c1");
  EXPECT_LT(to_ms(moved.history(1).at()), b_.at);
  EXPECT_EQ(moved.history(2).counselor_id(), "c1");
  EXPECT_EQ(moved.history(2).reason(), "counselor no longer on duty");
  EXPECT_GE(to_ms(moved.history(2).at()), b_.at);
  EXPECT_EQ(moved.history(3).counselor_id(), "c2");
  EXPECT_GE(to_ms(moved.history(3).at()), b_.at);
  EXPECT_LT(to_ms(moved.history(3).at()), b_.at + 2s) << "re-offered late: not at the shift change";

  // The shift start routed the waiting case at once, not at the next tick.
  const auto started = get_case(grief);
  ASSERT_EQ(started.history_size(), 2);
  EXPECT_EQ(started.history(1).type(), "case.offered");
  EXPECT_EQ(started.history(1).counselor_id(), "c2");
  EXPECT_GE(to_ms(started.history(1).at()), b_.at);
  EXPECT_LT(to_ms(started.history(1).at()), b_.at + 2s) << "offered late: not at the shift start";

  // c1's late accept is refused; c2's goes through.
  EXPECT_EQ(api_->as("c1", "POST", "/v1/cases/" + sick + "/accept").status, 409);
  EXPECT_EQ(api_->as("c2", "POST", "/v1/cases/" + sick + "/accept").status, 200);
}

}  // namespace
}  // namespace caseroute::e2e
