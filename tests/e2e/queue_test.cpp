// Queue order through the real binary (docs/ARCHITECTURE.md, "Queue order"):
// risk first, then the
// priority score with aging, then the older receivedAt; and cases nobody can
// serve never block the ones behind them, however many there are. Runs on a
// generated copy of config/test.yaml with routing.aging_minutes_per_point: 1.
#include <chrono>
#include <ctime>
#include <thread>

#include "e2e/e2e_support.hpp"

namespace caseroute::e2e {
namespace {

using namespace std::chrono_literals;

// RFC 3339 for `ago` before now.
std::string timestamp(std::chrono::seconds ago) {
  const std::time_t t = std::time(nullptr) - ago.count();
  char ts[32];
  std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return ts;
}

// A referral with everything routing reads spelled out.
std::string referral(const std::string& id, const std::string& risk, const std::string& concern,
                     std::chrono::seconds received_ago, const std::string& mode = "MODE_PHONE",
                     const std::string& county = "411202", bool priority_group = false) {
  return R"({"referralId":")" + id + R"(","receivedAt":")" + timestamp(received_ago) + R"(","risk":")" + risk +
         R"(","concerns":[")" + concern + R"("],"mode":")" + mode + R"(","county":")" + county + R"(",)" +
         (priority_group ? R"("groups":["GROUP_HARDSHIP"],)" : "") + R"("youth":{"ref":"y-)" + id +
         R"(","age":15},"contact":{"name":"Test Youth","phone":"13900000000"},"summary":"invented test summary"})";
}

class queue_flow : public generated_config_test {
 protected:
  void SetUp() override {
    generated_config_test::SetUp();
    auto text = test_yaml();
    text = replace_once(text, "  tick: 200ms\n", "  tick: 200ms\n  aging_minutes_per_point: 1\n");
    // A county with no site and nobody visiting it: visits there wait forever.
    text = replace_once(text, "  - {code: \"411203\", name: 陕州区}\n",
                        "  - {code: \"411203\", name: 陕州区}\n  - {code: \"411221\", name: 渑池县}\n");
    write_config(text);
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

  // The one case offered to `who` (and not yet accepted), waiting up to 10 s.
  std::string next_offer(const std::string& who) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = api_->as(who, "GET", "/v1/me/offers?wait=2");
      if (r.status != 200) break;
      const auto list = parse<v1::OfferList>(r.body);
      if (list.offers_size() == 1) return list.offers(0).case_id();
      EXPECT_LE(list.offers_size(), 1) << r.body;
    }
    ADD_FAILURE() << who << " got no offer";
    return {};
  }

  void accept(const std::string& who, const std::string& case_id) {
    auto r = api_->as(who, "POST", "/v1/cases/" + case_id + "/accept");
    EXPECT_EQ(r.status, 200) << r.body;
  }

  void resolve(const std::string& who, const std::string& case_id) {
    auto r = api_->as(who, "POST", "/v1/cases/" + case_id + "/resolve", R"({"outcome":"OUTCOME_COUNSELED"})");
    EXPECT_EQ(r.status, 200) << r.body;
  }
};

// 150 high-risk home visits in a county nobody is near sit ahead of a
// low-risk phone case in the queue; the phone case is offered at once.
TEST_F(queue_flow, cases_nobody_can_serve_never_block_the_ones_behind) {
  std::vector<std::string> stuck;
  for (int i = 0; i < 150; ++i)
    stuck.push_back(
        post(referral("visit-" + std::to_string(i), "RISK_HIGH", "anxiety", 120s, "MODE_HOME_VISIT", "411221")));
  const auto phone = post(referral("phone-1", "RISK_LOW", "grief", 60s));
  EXPECT_EQ(next_offer("c2"), phone);
  const auto c = get_case(stuck.front());
  EXPECT_EQ(c.state(), v1::CASE_QUEUED);
  EXPECT_EQ(c.wait_reason(), "no counselor on duty near county 411221 for a visit");
  auto q = api_->as("s1", "GET", "/v1/queue");
  ASSERT_EQ(q.status, 200);
  EXPECT_EQ(parse<v1::QueueView>(q.body).by_state().at("CASE_QUEUED"), 150);
}

// c2 is the only grief counselor (capacity 3). With c2 full, three grief
// cases wait: A (LOW, priority group: 10 + 10), H (HIGH: 30) and, a minute
// later, M (MEDIUM: 20, received long before A). Each freed slot goes to the
// best of them: H first; then A, whose minute in the queue (one aging point)
// puts it ahead of M, which without aging would win the tie on receivedAt.
TEST_F(queue_flow, risk_then_priority_with_aging_then_received_at_decide_who_gets_a_freed_slot) {
  std::vector<std::string> held;
  for (int i = 0; i < 3; ++i) {
    const auto id = post(referral("fill-" + std::to_string(i), "RISK_LOW", "grief", 60s));
    ASSERT_EQ(next_offer("c2"), id);
    accept("c2", id);
    held.push_back(id);
  }
  const auto started = std::chrono::steady_clock::now();
  const auto a = post(referral("A", "RISK_LOW", "grief", 60s, "MODE_PHONE", "411202", true));
  const auto h = post(referral("H", "RISK_HIGH", "grief", 30s));
  std::this_thread::sleep_until(started + 62s);  // A (and H) have waited a minute: one aging point
  const auto m = post(referral("M", "RISK_MEDIUM", "grief", 7200s));
  for (const auto& id : {a, h, m}) EXPECT_EQ(get_case(id).state(), v1::CASE_QUEUED);

  resolve("c2", held[0]);
  EXPECT_EQ(next_offer("c2"), h);
  accept("c2", h);
  resolve("c2", held[1]);
  EXPECT_EQ(next_offer("c2"), a);  // 21 against M's 20
  accept("c2", a);
  resolve("c2", held[2]);
  EXPECT_EQ(next_offer("c2"), m);
}

}  // namespace
}  // namespace caseroute::e2e
