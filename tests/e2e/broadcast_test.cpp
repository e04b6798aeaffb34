// Crisis broadcast through the real binary (docs/ARCHITECTURE.md, "Crisis
// broadcast"): a RISK_CRISIS case is offered at once to every eligible
// crisis-trained counselor on duty; the first accept wins and withdraws the
// other offers; declines, expiry and cancel free every offeree; nobody
// eligible escalates at once. Runs on config/test.yaml (crisis_offer_timeout
// 3s); never edits the config files.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "e2e/e2e_support.hpp"

namespace caseroute::e2e {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> types_of(const v1::Case& c) {
  std::vector<std::string> out;
  for (const auto& e : c.history()) out.push_back(e.type());
  return out;
}

// The counselors named by the events of one type, in history order.
std::vector<std::string> who_by(const v1::Case& c, const std::string& type) {
  std::vector<std::string> out;
  for (const auto& e : c.history())
    if (e.type() == type) out.push_back(e.counselor_id());
  return out;
}

std::set<std::string> as_set(const google::protobuf::RepeatedPtrField<std::string>& ids) {
  return {ids.begin(), ids.end()};
}

// test.yaml: for a crisis phone case whose primary concern is depression, the
// crisis-trained holders on duty are c1 (skill 3) and c5 (skill 2); c4
// (crisis-trained) does not hold depression, c2 holds it but is not trained.
class broadcast : public e2e_test {
 protected:
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

  // Without waiting: is the case in the counselor's offers now?
  bool has_offer(const std::string& who, const std::string& case_id) {
    auto r = api_->as(who, "GET", "/v1/me/offers");
    EXPECT_EQ(r.status, 200) << r.body;
    const auto list = parse<v1::OfferList>(r.body);
    for (const auto& o : list.offers())
      if (o.case_id() == case_id) return true;
    return false;
  }

  bool holds(const std::string& who, const std::string& case_id) {
    auto r = api_->as(who, "GET", "/v1/me/cases");
    EXPECT_EQ(r.status, 200) << r.body;
    const auto list = parse<v1::CaseList>(r.body);
    for (const auto& c : list.cases())
      if (c.case_id() == case_id) return true;
    return false;
  }

  std::map<std::string, int> loads() {
    auto r = api_->as("s1", "GET", "/v1/counselors");
    EXPECT_EQ(r.status, 200) << r.body;
    std::map<std::string, int> out;
    const auto list = parse<v1::CounselorList>(r.body);
    for (const auto& c : list.counselors()) out[c.counselor_id()] = c.load();
    return out;
  }

  // Posts a depression crisis case and waits until both c1 and c5 see it.
  std::string broadcast_to_c1_and_c5(const std::string& referral_id) {
    const auto case_id = post_case(referral_id, "RISK_CRISIS", "depression");
    EXPECT_TRUE(wait_for_offer(*api_, "c1", case_id, 10)) << "c1 was not offered " << referral_id;
    EXPECT_TRUE(wait_for_offer(*api_, "c5", case_id, 10)) << "c5 was not offered " << referral_id;
    return case_id;
  }

  int accept(const std::string& who, const std::string& case_id) {
    return api_->as(who, "POST", "/v1/cases/" + case_id + "/accept").status;
  }
};

TEST_F(broadcast, crisis_case_is_offered_to_every_eligible_at_once_and_the_first_accept_withdraws_the_rest) {
  const auto case_id = broadcast_to_c1_and_c5("ref-bc-1");

  auto offered = get_case(case_id);
  EXPECT_EQ(offered.state(), v1::CASE_OFFERED);
  EXPECT_TRUE(offered.counselor_id().empty()) << offered.counselor_id();
  EXPECT_EQ(as_set(offered.offered_to()), (std::set<std::string>{"c1", "c5"}));
  // The platform never learns who holds an offer, nor where.
  auto platform_view = api_->platform("GET", "/v1/referrals/ref-bc-1");
  ASSERT_EQ(platform_view.status, 200) << platform_view.body;
  EXPECT_EQ(platform_view.body.find("offeredTo"), std::string::npos) << platform_view.body;
  EXPECT_EQ(platform_view.body.find("siteId"), std::string::npos) << platform_view.body;
  EXPECT_EQ(platform_view.body.find("c5"), std::string::npos) << platform_view.body;
  EXPECT_EQ(parse<v1::Case>(platform_view.body).state(), v1::CASE_OFFERED);
  // Every recipient of the broadcast sees routing facts, no contact or summary.
  auto c1_offers = parse<v1::OfferList>(api_->as("c1", "GET", "/v1/me/offers").body);
  for (const auto& o : c1_offers.offers()) {
    EXPECT_FALSE(o.case_().has_contact()) << o.case_().DebugString();
    EXPECT_TRUE(o.case_().summary().empty());
  }
  EXPECT_FALSE(has_offer("c2", case_id));  // holds depression, not crisis-trained
  EXPECT_FALSE(has_offer("c4", case_id));  // crisis-trained, does not hold depression
  const auto at_offer = loads();
  EXPECT_EQ(at_offer.at("c1"), 1);
  EXPECT_EQ(at_offer.at("c5"), 1);

  // One case.offered per offeree, at the same moment, rule "broadcast".
  std::vector<const v1::Event*> offers;
  for (const auto& e : offered.history())
    if (e.type() == "case.offered") offers.push_back(&e);
  ASSERT_EQ(offers.size(), 2u) << offered.DebugString();
  EXPECT_EQ(offers[0]->at().seconds(), offers[1]->at().seconds());
  EXPECT_EQ(offers[0]->at().nanos(), offers[1]->at().nanos());
  for (const auto* e : offers) EXPECT_EQ(e->rule(), "broadcast") << e->counselor_id();
  EXPECT_EQ((std::set<std::string>{offers[0]->counselor_id(), offers[1]->counselor_id()}),
            (std::set<std::string>{"c1", "c5"}));

  auto won = api_->as("c5", "POST", "/v1/cases/" + case_id + "/accept");
  ASSERT_EQ(won.status, 200) << won.body;
  EXPECT_EQ(parse<v1::Case>(won.body).state(), v1::CASE_ACTIVE);
  EXPECT_EQ(parse<v1::Case>(won.body).counselor_id(), "c5");

  // Withdrawn at once: no waiting for the next routing pass.
  EXPECT_FALSE(has_offer("c1", case_id));
  EXPECT_EQ(accept("c1", case_id), 409);
  const int late_decline = api_->as("c1", "POST", "/v1/cases/" + case_id + "/decline", R"({"reason":"x"})").status;
  EXPECT_TRUE(late_decline == 403 || late_decline == 409) << late_decline;
  EXPECT_TRUE(holds("c5", case_id));
  EXPECT_FALSE(holds("c1", case_id));
  const auto after = loads();
  EXPECT_EQ(after.at("c1"), 0);
  EXPECT_EQ(after.at("c5"), 1);

  const auto active = get_case(case_id);
  EXPECT_EQ(active.state(), v1::CASE_ACTIVE);
  EXPECT_EQ(active.counselor_id(), "c5");
  EXPECT_EQ(active.offered_to_size(), 0) << active.DebugString();
  EXPECT_EQ(types_of(active), (std::vector<std::string>{"case.created", "case.offered", "case.offered", "case.accepted",
                                                        "case.offer_withdrawn"}));
  EXPECT_EQ(who_by(active, "case.accepted"), std::vector<std::string>{"c5"});
  EXPECT_EQ(who_by(active, "case.offer_withdrawn"), std::vector<std::string>{"c1"});
  // The retried accept of the winner still answers 200 and changes nothing.
  EXPECT_EQ(accept("c5", case_id), 200);
  EXPECT_EQ(get_case(case_id).history_size(), active.history_size());
}

TEST_F(broadcast, simultaneous_accepts_make_exactly_one_owner) {
  for (int round = 0; round < 10; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const auto case_id = broadcast_to_c1_and_c5("ref-bc-race-" + std::to_string(round));

    // Both accepts leave together; the order they are started alternates.
    const std::vector<std::string> who =
        round % 2 == 0 ? std::vector<std::string>{"c1", "c5"} : std::vector<std::string>{"c5", "c1"};
    std::atomic<bool> go{false};
    std::atomic<int> ready{0};
    std::map<std::string, int> status;
    std::vector<std::thread> threads;
    std::vector<int> answers(2, 0);
    for (int i = 0; i < 2; ++i) {
      threads.emplace_back([&, i] {
        ++ready;
        while (!go.load()) std::this_thread::yield();
        answers[static_cast<std::size_t>(i)] = accept(who[static_cast<std::size_t>(i)], case_id);
      });
    }
    while (ready.load() < 2) std::this_thread::yield();
    go = true;
    for (auto& t : threads) t.join();
    status[who[0]] = answers[0];
    status[who[1]] = answers[1];

    std::vector<int> sorted = answers;
    std::sort(sorted.begin(), sorted.end());
    ASSERT_EQ(sorted, (std::vector<int>{200, 409})) << "c1 " << status["c1"] << ", c5 " << status["c5"];
    const std::string winner = status["c1"] == 200 ? "c1" : "c5";
    const std::string loser = winner == "c1" ? "c5" : "c1";

    const auto c = get_case(case_id);
    EXPECT_EQ(c.state(), v1::CASE_ACTIVE);
    EXPECT_EQ(c.counselor_id(), winner);
    EXPECT_EQ(who_by(c, "case.accepted"), std::vector<std::string>{winner});
    EXPECT_EQ(who_by(c, "case.offer_withdrawn"), std::vector<std::string>{loser});
    EXPECT_TRUE(holds(winner, case_id));
    EXPECT_FALSE(holds(loser, case_id));
    EXPECT_FALSE(has_offer(loser, case_id));
    auto load = loads();
    EXPECT_EQ(load.at(winner), 1);
    EXPECT_EQ(load.at(loser), 0);

    // Cancel (not resolve: a resolved crisis case starts crisis wrap-up).
    ASSERT_EQ(api_->as("s1", "POST", "/v1/cases/" + case_id + "/cancel", R"({"reason":"race round done"})").status,
              200);
    load = loads();
    EXPECT_EQ(load.at("c1"), 0);
    EXPECT_EQ(load.at("c5"), 0);
  }
}

TEST_F(broadcast, a_decline_leaves_the_case_offered_to_the_others_and_the_last_decline_requeues) {
  const auto case_id = broadcast_to_c1_and_c5("ref-bc-decl-1");

  ASSERT_EQ(api_->as("c1", "POST", "/v1/cases/" + case_id + "/decline", R"({"reason":"on another call"})").status, 200);
  auto c = get_case(case_id);
  EXPECT_EQ(c.state(), v1::CASE_OFFERED);
  EXPECT_TRUE(c.counselor_id().empty()) << c.counselor_id();
  EXPECT_EQ(as_set(c.offered_to()), std::set<std::string>{"c5"});
  EXPECT_EQ(who_by(c, "case.declined"), std::vector<std::string>{"c1"});
  EXPECT_FALSE(has_offer("c1", case_id));
  EXPECT_TRUE(has_offer("c5", case_id));
  EXPECT_EQ(accept("c1", case_id), 409);
  auto load = loads();
  EXPECT_EQ(load.at("c1"), 0);
  EXPECT_EQ(load.at("c5"), 1);

  // The last offeree declines: the case is queued again and, nobody else
  // being eligible, rule 5 yields and routing offers it to both again.
  ASSERT_EQ(api_->as("c5", "POST", "/v1/cases/" + case_id + "/decline", R"({"reason":"on another call"})").status, 200);
  EXPECT_TRUE(wait_until(
      [&] {
        c = get_case(case_id);
        return who_by(c, "case.offered").size() >= 4;
      },
      5s))
      << c.DebugString();
  const auto types = types_of(c);
  ASSERT_GE(types.size(), 7u) << c.DebugString();
  EXPECT_EQ(
      std::vector<std::string>(types.begin(), types.begin() + 5),
      (std::vector<std::string>{"case.created", "case.offered", "case.offered", "case.declined", "case.declined"}));
  EXPECT_EQ(who_by(c, "case.declined"), (std::vector<std::string>{"c1", "c5"}));
  const auto offered = who_by(c, "case.offered");
  EXPECT_EQ(std::set<std::string>(offered.begin() + 2, offered.begin() + 4), (std::set<std::string>{"c1", "c5"}));
  EXPECT_FALSE(has_offer("c2", case_id));
  EXPECT_FALSE(has_offer("c4", case_id));
}

TEST_F(broadcast, unanswered_broadcast_expires_for_every_offeree_and_is_routed_again) {
  // test.yaml: crisis_offer_timeout 3s.
  const auto case_id = broadcast_to_c1_and_c5("ref-bc-exp-1");
  v1::Case c;
  EXPECT_TRUE(wait_until(
      [&] {
        c = get_case(case_id);
        return who_by(c, "case.offer_expired").size() >= 2;
      },
      8s))
      << c.DebugString();
  const auto expired = who_by(c, "case.offer_expired");
  EXPECT_EQ(std::set<std::string>(expired.begin(), expired.end()), (std::set<std::string>{"c1", "c5"}));
  // Both lapse at the same moment.
  std::vector<const v1::Event*> lapses;
  for (const auto& e : c.history())
    if (e.type() == "case.offer_expired") lapses.push_back(&e);
  ASSERT_GE(lapses.size(), 2u);
  EXPECT_EQ(lapses[0]->at().seconds(), lapses[1]->at().seconds());
  EXPECT_EQ(lapses[0]->at().nanos(), lapses[1]->at().nanos());
  const auto types = types_of(c);
  ASSERT_GE(types.size(), 5u);
  EXPECT_EQ(std::vector<std::string>(types.begin(), types.begin() + 5),
            (std::vector<std::string>{"case.created", "case.offered", "case.offered", "case.offer_expired",
                                      "case.offer_expired"}));

  // Routed again: nobody else is eligible, so both (rule 5 yields).
  EXPECT_TRUE(wait_until(
      [&] {
        c = get_case(case_id);
        return who_by(c, "case.offered").size() >= 4;
      },
      5s))
      << c.DebugString();
  EXPECT_TRUE(wait_for_offer(*api_, "c5", case_id, 5));
  EXPECT_EQ(accept("c5", case_id), 200);
  EXPECT_FALSE(has_offer("c1", case_id));
}

TEST_F(broadcast, crisis_case_with_nobody_eligible_escalates_at_once) {
  // Every crisis-trained counselor signs out; c2 holds depression but is not trained.
  for (const char* who : {"c1", "c4", "c5"})
    ASSERT_EQ(api_->as(who, "PUT", "/v1/me/availability", R"({"available":false})").status, 200) << who;
  const auto case_id = post_case("ref-bc-none-1", "RISK_CRISIS", "depression");

  // routing.escalation.crisis is 2m in test.yaml: only "at once" fits here.
  v1::Case c;
  EXPECT_TRUE(wait_until(
      [&] {
        c = get_case(case_id);
        return !who_by(c, "case.escalated").empty();
      },
      2s))
      << c.DebugString();
  EXPECT_EQ(c.state(), v1::CASE_QUEUED);
  EXPECT_GE(c.escalation_level(), 1);
  ASSERT_GE(c.history_size(), 2);
  EXPECT_EQ(c.history(1).type(), "case.escalated");
  const auto delay = (c.history(1).at().seconds() - c.history(0).at().seconds()) * 1000 +
                     (c.history(1).at().nanos() - c.history(0).at().nanos()) / 1'000'000;
  EXPECT_LT(delay, 2000) << "escalated " << delay << " ms after creation";
  EXPECT_NE(c.wait_reason().find("signed out"), std::string::npos) << c.wait_reason();
  EXPECT_FALSE(has_offer("c2", case_id));

  // c5 signs in: the case is offered to c5 alone (c1 is still signed out).
  ASSERT_EQ(api_->as("c5", "PUT", "/v1/me/availability", R"({"available":true})").status, 200);
  EXPECT_TRUE(wait_for_offer(*api_, "c5", case_id, 5));
  c = get_case(case_id);
  EXPECT_EQ(c.state(), v1::CASE_OFFERED);
  EXPECT_EQ(as_set(c.offered_to()), std::set<std::string>{"c5"}) << c.DebugString();
  EXPECT_FALSE(has_offer("c1", case_id));
  EXPECT_EQ(accept("c5", case_id), 200);
}

TEST_F(broadcast, supervisor_cancel_during_a_broadcast_frees_every_offeree) {
  const auto case_id = broadcast_to_c1_and_c5("ref-bc-cancel-1");
  auto load = loads();
  EXPECT_EQ(load.at("c1"), 1);
  EXPECT_EQ(load.at("c5"), 1);

  auto cancelled = api_->as("s1", "POST", "/v1/cases/" + case_id + "/cancel", R"({"reason":"duplicate call"})");
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(parse<v1::Case>(cancelled.body).state(), v1::CASE_CANCELLED);

  load = loads();
  EXPECT_EQ(load.at("c1"), 0);
  EXPECT_EQ(load.at("c5"), 0);
  for (const char* who : {"c1", "c5"}) {
    EXPECT_FALSE(has_offer(who, case_id)) << who;
    EXPECT_FALSE(holds(who, case_id)) << who;
    EXPECT_EQ(accept(who, case_id), 409) << who;
  }
  const auto c = get_case(case_id);
  EXPECT_EQ(c.state(), v1::CASE_CANCELLED);
  EXPECT_EQ(c.offered_to_size(), 0) << c.DebugString();
  EXPECT_EQ(types_of(c).back(), "case.cancelled");
  EXPECT_TRUE(who_by(c, "case.accepted").empty());

  // Both have their full capacity back: the next crisis case reaches both.
  broadcast_to_c1_and_c5("ref-bc-cancel-2");
}

}  // namespace
}  // namespace caseroute::e2e
