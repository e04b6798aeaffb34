// The whole flow through the real binary: a referral is offered to the right
// counselor, accepted and resolved, and the platform sees CASE_RESOLVED; a
// counselor cannot see or act on another's case; personal data stays put.
#include <thread>

#include "e2e/e2e_support.hpp"

namespace caseroute::e2e {
namespace {

class flow : public e2e_test {};

std::string post_case(client& api, const std::string& id, const std::string& risk, const std::string& concern,
                      const std::string& extra = "") {
  auto r = api.platform("POST", "/v1/referrals", referral_json(id, risk, concern, extra));
  EXPECT_EQ(r.status, 202) << r.body;
  auto ack = parse<v1::ReferralAccepted>(r.body);
  EXPECT_EQ(ack.state(), v1::CASE_QUEUED);
  EXPECT_FALSE(ack.duplicate());
  return ack.case_id();
}

TEST_F(flow, referral_is_offered_to_best_counselor_accepted_resolved_and_platform_sees_resolved) {
  // depression only: c1 holds it at 3, c5 at 2, c2 at 1 -> c1 wins on skill.
  const auto case_id = post_case(*api_, "ref-flow-1", "RISK_MEDIUM", "depression");
  ASSERT_TRUE(wait_for_offer(*api_, "c1", case_id));

  auto offers = parse<v1::OfferList>(api_->as("c1", "GET", "/v1/me/offers").body);
  ASSERT_EQ(offers.offers_size(), 1);
  // An offer carries routing facts only: contact, summary and youth after accept.
  const auto& offered = offers.offers(0).case_();
  EXPECT_FALSE(offered.has_contact()) << offered.DebugString();
  EXPECT_TRUE(offered.summary().empty());
  EXPECT_FALSE(offered.has_youth());
  EXPECT_EQ(offered.risk(), v1::RISK_MEDIUM);
  EXPECT_EQ(offered.age_band(), "15-17");
  EXPECT_TRUE(offers.offers(0).has_expires_at());
  auto before = parse<v1::Case>(api_->as("c1", "GET", "/v1/cases/" + case_id).body);
  EXPECT_FALSE(before.has_contact()) << before.DebugString();

  auto accepted = api_->as("c1", "POST", "/v1/cases/" + case_id + "/accept");
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  EXPECT_EQ(parse<v1::Case>(accepted.body).state(), v1::CASE_ACTIVE);
  EXPECT_EQ(parse<v1::Case>(accepted.body).contact().phone(), "13900000000");  // the case's counselor sees contact
  EXPECT_EQ(parse<v1::Case>(accepted.body).youth().age(), 15u);

  auto mine = parse<v1::CaseList>(api_->as("c1", "GET", "/v1/me/cases").body);
  ASSERT_EQ(mine.cases_size(), 1);
  EXPECT_EQ(mine.cases(0).state(), v1::CASE_ACTIVE);

  auto resolved = api_->as("c1", "POST", "/v1/cases/" + case_id + "/resolve",
                           R"({"outcome":"OUTCOME_COUNSELED","note":"phone session held"})");
  ASSERT_EQ(resolved.status, 200) << resolved.body;
  EXPECT_EQ(parse<v1::Case>(resolved.body).state(), v1::CASE_RESOLVED);

  auto status = api_->platform("GET", "/v1/referrals/ref-flow-1");
  ASSERT_EQ(status.status, 200) << status.body;
  auto seen = parse<v1::Case>(status.body);
  EXPECT_EQ(seen.case_id(), case_id);
  EXPECT_EQ(seen.state(), v1::CASE_RESOLVED);
  EXPECT_EQ(seen.outcome(), v1::OUTCOME_COUNSELED);
  EXPECT_TRUE(seen.has_resolved_at());
  EXPECT_FALSE(seen.has_contact());
  EXPECT_TRUE(seen.summary().empty());
  EXPECT_TRUE(seen.counselor_id().empty());

  // The supervisor sees the whole history, in order.
  auto full = parse<v1::Case>(api_->as("s1", "GET", "/v1/cases/" + case_id).body);
  std::vector<std::string> types;
  for (const auto& e : full.history()) types.push_back(e.type());
  EXPECT_EQ(types, (std::vector<std::string>{"case.created", "case.offered", "case.accepted", "case.resolved"}));
  EXPECT_EQ(full.history(1).counselor_id(), "c1");
  EXPECT_EQ(full.history(1).rule(), "skill");
}

TEST_F(flow, counselor_cannot_see_or_act_on_anothers_case) {
  const auto case_id = post_case(*api_, "ref-iso-1", "RISK_LOW", "depression");
  ASSERT_TRUE(wait_for_offer(*api_, "c1", case_id));

  EXPECT_EQ(api_->as("c2", "GET", "/v1/cases/" + case_id).status, 403);
  EXPECT_EQ(api_->as("c2", "POST", "/v1/cases/" + case_id + "/accept").status, 409);
  EXPECT_EQ(api_->as("c2", "POST", "/v1/cases/" + case_id + "/decline", R"({"reason":"x"})").status, 403);
  auto mine = parse<v1::OfferList>(api_->as("c2", "GET", "/v1/me/offers").body);
  for (const auto& o : mine.offers()) EXPECT_NE(o.case_id(), case_id);

  ASSERT_EQ(api_->as("c1", "POST", "/v1/cases/" + case_id + "/accept").status, 200);
  EXPECT_EQ(api_->as("c2", "POST", "/v1/cases/" + case_id + "/resolve", R"({"outcome":"OUTCOME_OTHER"})").status, 403);
  EXPECT_EQ(api_->as("c2", "POST", "/v1/cases/" + case_id + "/release").status, 403);
  // Counselors do not get supervisor endpoints, nor platform ones.
  EXPECT_EQ(api_->as("c1", "GET", "/v1/queue").status, 403);
  EXPECT_EQ(api_->as("c1", "GET", "/v1/cases").status, 403);
  EXPECT_EQ(api_->as("c1", "POST", "/v1/cases/" + case_id + "/cancel").status, 403);
  EXPECT_EQ(api_->as("s1", "GET", "/v1/me/offers").status, 403);
  EXPECT_EQ(api_->as("c1", "POST", "/v1/referrals", referral_json("x", "RISK_LOW", "depression")).status, 401);
}

TEST_F(flow, decline_requeues_to_the_next_counselor_and_excludes_the_decliner) {
  const auto case_id = post_case(*api_, "ref-decl-1", "RISK_LOW", "depression");
  ASSERT_TRUE(wait_for_offer(*api_, "c1", case_id));
  ASSERT_EQ(api_->as("c1", "POST", "/v1/cases/" + case_id + "/decline", R"({"reason":"conflict of interest"})").status,
            200);
  ASSERT_TRUE(wait_for_offer(*api_, "c5", case_id));  // next by skill: c5 (2) before c2 (1)
  auto full = parse<v1::Case>(api_->as("s1", "GET", "/v1/cases/" + case_id).body);
  EXPECT_EQ(full.state(), v1::CASE_OFFERED);
  EXPECT_EQ(full.counselor_id(), "c5");
}

TEST_F(flow, supervisor_sees_queue_counters_and_can_assign_and_cancel) {
  // No one on duty holds "grief" except c2; c6 (off roster) holds it too.
  const auto a = post_case(*api_, "ref-sup-1", "RISK_HIGH", "grief");
  ASSERT_TRUE(wait_for_offer(*api_, "c2", a));
  const auto b = post_case(*api_, "ref-sup-2", "RISK_LOW", "exam_stress");
  ASSERT_TRUE(wait_for_offer(*api_, "c3", b));

  auto queue = api_->as("s1", "GET", "/v1/queue");
  ASSERT_EQ(queue.status, 200) << queue.body;
  auto view = parse<v1::QueueView>(queue.body);
  EXPECT_EQ(view.by_state().at("CASE_OFFERED"), 2);
  EXPECT_GE(view.counselors_on_duty(), 5);

  auto counselors = parse<v1::CounselorList>(api_->as("s1", "GET", "/v1/counselors").body);
  ASSERT_EQ(counselors.counselors_size(), 6);
  for (const auto& c : counselors.counselors()) {
    if (c.counselor_id() == "c2") {
      EXPECT_EQ(c.load(), 1);
    }
    if (c.counselor_id() == "c6") {
      EXPECT_FALSE(c.on_duty());
    }
  }

  // Reassign b from c3 to c4 (assignment overrides rules 2-5).
  auto assigned = api_->as("s1", "POST", "/v1/cases/" + b + "/assign", R"({"counselorId":"c4"})");
  ASSERT_EQ(assigned.status, 200) << assigned.body;
  EXPECT_EQ(parse<v1::Case>(assigned.body).counselor_id(), "c4");
  auto c3 = parse<v1::OfferList>(api_->as("c3", "GET", "/v1/me/offers").body);
  EXPECT_EQ(c3.offers_size(), 0);
  // An off-duty counselor cannot be assigned.
  EXPECT_EQ(api_->as("s1", "POST", "/v1/cases/" + a + "/assign", R"({"counselorId":"c6"})").status, 409);
  EXPECT_EQ(api_->as("s1", "POST", "/v1/cases/" + a + "/assign", R"({"counselorId":"nobody"})").status, 400);

  auto cancelled = api_->as("s1", "POST", "/v1/cases/" + a + "/cancel", R"({"reason":"duplicate call"})");
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(parse<v1::Case>(cancelled.body).state(), v1::CASE_CANCELLED);
  EXPECT_EQ(api_->as("s1", "POST", "/v1/cases/" + a + "/cancel").status, 409);
  EXPECT_EQ(api_->as("c2", "POST", "/v1/cases/" + a + "/accept").status, 409);

  auto list = parse<v1::CaseList>(api_->as("s1", "GET", "/v1/cases?state=CASE_CANCELLED").body);
  ASSERT_EQ(list.cases_size(), 1);
  EXPECT_EQ(list.cases(0).case_id(), a);
  EXPECT_EQ(api_->as("s1", "GET", "/v1/cases?state=BOGUS").status, 400);
}

TEST_F(flow, signed_out_counselor_gets_no_offers_until_signing_in_again) {
  auto out = api_->as("c1", "PUT", "/v1/me/availability", R"({"available":false})");
  ASSERT_EQ(out.status, 200) << out.body;
  EXPECT_FALSE(parse<v1::Counselor>(out.body).available());
  const auto a = post_case(*api_, "ref-avail-1", "RISK_LOW", "depression");
  ASSERT_TRUE(wait_for_offer(*api_, "c5", a));  // c1 would win on skill, but is signed out

  ASSERT_EQ(api_->as("c1", "PUT", "/v1/me/availability", R"({"available":true})").status, 200);
  const auto b = post_case(*api_, "ref-avail-2", "RISK_LOW", "depression");
  ASSERT_TRUE(wait_for_offer(*api_, "c1", b));
  auto counselors = parse<v1::CounselorList>(api_->as("s1", "GET", "/v1/counselors").body);
  for (const auto& c : counselors.counselors()) {
    if (c.counselor_id() == "c1") {
      EXPECT_TRUE(c.available());
      EXPECT_EQ(c.load(), 1);
      EXPECT_TRUE(c.on_duty());
    }
  }
}

TEST_F(flow, unanswered_offer_expires_and_goes_to_the_next_counselor) {
  // test.yaml: offer_timeout 5s. c1 lets the offer lapse; c5 is next by skill.
  const auto case_id = post_case(*api_, "ref-exp-1", "RISK_LOW", "depression");
  ASSERT_TRUE(wait_for_offer(*api_, "c1", case_id));
  ASSERT_TRUE(wait_for_offer(*api_, "c5", case_id, 20));
  EXPECT_EQ(api_->as("c1", "POST", "/v1/cases/" + case_id + "/accept").status, 409);
  auto full = parse<v1::Case>(api_->as("s1", "GET", "/v1/cases/" + case_id).body);
  std::vector<std::string> types;
  for (const auto& e : full.history()) types.push_back(e.type());
  EXPECT_EQ(types, (std::vector<std::string>{"case.created", "case.offered", "case.offer_expired", "case.offered"}));
  EXPECT_EQ(api_->as("c5", "POST", "/v1/cases/" + case_id + "/accept").status, 200);
}

TEST_F(flow, three_missed_offers_sign_a_counselor_out_until_they_sign_in) {
  // test.yaml: offer_timeout 5s, max_missed_offers 3 (default). c1 (capacity 2)
  // wins depression cases on skill and lets every offer lapse.
  const auto a = post_case(*api_, "ref-miss-1", "RISK_LOW", "depression");
  const auto b = post_case(*api_, "ref-miss-2", "RISK_LOW", "depression");
  ASSERT_TRUE(wait_for_offer(*api_, "c1", a));
  ASSERT_TRUE(wait_for_offer(*api_, "c1", b));
  ASSERT_TRUE(wait_for_offer(*api_, "c5", a, 20));  // both lapsed: missed 2
  const auto c = post_case(*api_, "ref-miss-3", "RISK_LOW", "depression");
  ASSERT_TRUE(wait_for_offer(*api_, "c1", c));
  // The third lapse signs c1 out: the case goes elsewhere and stays away from c1.
  auto c1_view = [&] {
    auto list = parse<v1::CounselorList>(api_->as("s1", "GET", "/v1/counselors").body);
    for (const auto& x : list.counselors())
      if (x.counselor_id() == "c1") return x;
    return v1::Counselor{};
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (c1_view().available() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(c1_view().available());
  const auto d = post_case(*api_, "ref-miss-4", "RISK_LOW", "depression");
  EXPECT_FALSE(wait_for_offer(*api_, "c1", d, 3));
  // Signing in again clears it: c1 gets depression cases again (the oldest
  // queued first, whichever they are when the sign-in lands).
  ASSERT_EQ(api_->as("c1", "PUT", "/v1/me/availability", R"({"available":true})").status, 200);
  EXPECT_TRUE(c1_view().available());
  post_case(*api_, "ref-miss-5", "RISK_LOW", "depression");
  EXPECT_TRUE(wait_until(
      [&] { return parse<v1::OfferList>(api_->as("c1", "GET", "/v1/me/offers?wait=5").body).offers_size() > 0; },
      std::chrono::seconds(15)));
}

TEST_F(flow, crisis_case_goes_only_to_crisis_trained_and_escalates_at_once_when_nobody_fits) {
  // depression: c1 (crisis-trained, 3) wins; no escalation.
  const auto served = post_case(*api_, "ref-crisis-1", "RISK_CRISIS", "depression");
  ASSERT_TRUE(wait_for_offer(*api_, "c1", served));
  // grief: on duty only c2 holds it, and c2 is not crisis-trained: nobody is
  // eligible, so the case escalates at once and waits, never offered to c2.
  const auto lone = post_case(*api_, "ref-crisis-2", "RISK_CRISIS", "grief");
  EXPECT_FALSE(wait_for_offer(*api_, "c2", lone, 2));
  auto c = parse<v1::Case>(api_->as("s1", "GET", "/v1/cases/" + lone).body);
  EXPECT_EQ(c.state(), v1::CASE_QUEUED);
  EXPECT_EQ(c.escalation_level(), 1);
  ASSERT_GE(c.history_size(), 2);
  EXPECT_EQ(c.history(1).type(), "case.escalated");
  EXPECT_EQ(c.history(1).escalation_level(), 1);
  auto first = parse<v1::Case>(api_->as("s1", "GET", "/v1/cases/" + served).body);
  EXPECT_EQ(first.escalation_level(), 0);
  // The waiting case explains itself; nobody crisis-trained holds grief on any
  // roster, so no next eligible time.
  EXPECT_NE(c.wait_reason().find("grief"), std::string::npos) << c.wait_reason();
  EXPECT_FALSE(c.has_next_eligible_at());
  EXPECT_TRUE(first.wait_reason().empty());
}

TEST_F(flow, coverage_lists_shifts_and_gaps) {
  auto r = api_->as("s1", "GET", "/v1/coverage?days=2");
  ASSERT_EQ(r.status, 200) << r.body;
  auto report = parse<v1::CoverageReport>(r.body);
  ASSERT_EQ(report.shifts_size(), 2);  // test.yaml: one shift "all", two days
  EXPECT_TRUE(report.shifts(0).crisis());
  bool grief_covered = false;
  for (const auto& s : report.shifts(0).specialties()) grief_covered = grief_covered || s == "grief";
  EXPECT_TRUE(grief_covered);  // c2 is rostered
  EXPECT_EQ(api_->as("s1", "GET", "/v1/coverage?days=0").status, 400);
  EXPECT_EQ(api_->as("c1", "GET", "/v1/coverage").status, 403);
}

TEST_F(flow, personal_data_is_neither_stored_in_clear_nor_logged) {
  const auto case_id = post_case(*api_, "ref-pii-1", "RISK_LOW", "anxiety");
  ASSERT_TRUE(wait_for_offer(*api_, "c3", case_id));
  ASSERT_EQ(api_->as("c3", "POST", "/v1/cases/" + case_id + "/accept").status, 200);
  // A counselor writes the youth's number into the resolve note.
  ASSERT_EQ(api_->as("c3", "POST", "/v1/cases/" + case_id + "/resolve",
                     R"({"outcome":"OUTCOME_COUNSELED","note":"call back on 13811112222"})")
                .status,
            200);
  const auto seen = parse<v1::Case>(api_->as("s1", "GET", "/v1/cases/" + case_id).body);
  ASSERT_GT(seen.history_size(), 0);
  EXPECT_EQ(seen.history(seen.history_size() - 1).note(), "call back on 13811112222");  // supervisors read it
  // Every value of every key, raw: the phone numbers, summary and note must not appear.
  const auto all =
      redis_->cli({"EVAL",
                   "local out = {} for _, k in ipairs(redis.call('KEYS', '*')) do "
                   "local t = redis.call('TYPE', k).ok "
                   "if t == 'hash' then for _, v in ipairs(redis.call('HGETALL', k)) do out[#out+1] = v end "
                   "elseif t == 'list' then for _, v in ipairs(redis.call('LRANGE', k, 0, -1)) do out[#out+1] = v end "
                   "elseif t == 'string' then out[#out+1] = redis.call('GET', k) end end "
                   "return table.concat(out, '|')",
                   "0"});
  EXPECT_NE(all.find("ref-pii-1"), std::string::npos);  // the dump did read the case
  EXPECT_EQ(all.find("13900000000"), std::string::npos);
  EXPECT_EQ(all.find("invented test summary"), std::string::npos);
  EXPECT_EQ(all.find("13811112222"), std::string::npos);
  const auto log = daemon_->proc().output();
  EXPECT_EQ(log.find("13811112222"), std::string::npos);
  EXPECT_EQ(log.find("13900000000"), std::string::npos);
  EXPECT_EQ(log.find("invented test summary"), std::string::npos);
  EXPECT_NE(log.find(case_id), std::string::npos);  // ids are logged
}

TEST_F(flow, operations_endpoints) {
  EXPECT_EQ(testing::http_call(daemon_->port(), "GET", "/healthz").status, 200);
  EXPECT_EQ(testing::http_call(daemon_->port(), "GET", "/readyz").status, 200);
  post_case(*api_, "ref-metrics-1", "RISK_LOW", "anxiety");
  auto m = testing::http_call(daemon_->port(), "GET", "/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("caseroute_referrals_total{platform=\"test-platform\",outcome=\"created\"} 1"),
            std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("caseroute_http_requests_total{"), std::string::npos);
  EXPECT_NE(m.body.find("caseroute_redis_up 1"), std::string::npos);
  EXPECT_NE(m.body.find("caseroute_cases{state=\"CASE_"), std::string::npos);
  // Every exported name starts with caseroute_, but the standard process_
  // gauges every Prometheus client exports under their own names.
  std::istringstream lines(m.body);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind("process_", 0) == 0) continue;
    EXPECT_EQ(line.rfind("caseroute_", 0), 0u) << line;
  }
}

}  // namespace
}  // namespace caseroute::e2e
