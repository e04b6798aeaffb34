// Case state changes against a real Redis: every transition, its refusals,
// its history event, and what lands in Redis (no plaintext personal data).
#include <sstream>

#include "store_fixture.hpp"

namespace caseroute::store_test {
namespace {

using store::error;

using lifecycle = store_test;

TEST_F(lifecycle, create_offer_accept_resolve_records_history_and_times) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    auto created = (co_await s.create(referral("R-1"), "henan-12355", at())).value();
    EXPECT_FALSE(created.duplicate);
    EXPECT_EQ(created.state, v1::CASE_QUEUED);
    const std::string id = created.case_id;
    EXPECT_EQ(id.size(), 26u);
    EXPECT_EQ((co_await s.find_referral("henan-12355", "R-1")).value(), id);

    (co_await s.offer(offer_to(id, "c001", at(1s)))).value();
    auto active = (co_await s.accept(id, "c001", at(5s))).value();
    EXPECT_EQ(active.state(), v1::CASE_ACTIVE);
    EXPECT_EQ(active.contact().phone(), test_phone);  // the case's counselor sees contact
    auto done = (co_await s.resolve(id, "c001", v1::OUTCOME_COUNSELED, "called back", at(60s))).value();
    EXPECT_EQ(done.state(), v1::CASE_RESOLVED);
    EXPECT_EQ(done.outcome(), v1::OUTCOME_COUNSELED);

    auto c = (co_await s.get(id, {.personal = false, .history = true})).value();
    EXPECT_EQ(c.case_id(), id);
    EXPECT_EQ(c.referral_id(), "R-1");
    EXPECT_EQ(c.platform_id(), "henan-12355");
    EXPECT_EQ(c.counselor_id(), "c001");
    EXPECT_EQ(c.site_id(), "hubin-01");
    EXPECT_EQ(c.concerns_size(), 2);
    EXPECT_FALSE(c.has_youth());  // sealed: opened only for views with personal data
    EXPECT_EQ(c.age_band(), "15-17");
    EXPECT_EQ((co_await s.get(id, {.personal = true})).value().youth().ref(), "y-1");
    EXPECT_EQ(c.created_at().seconds(), seconds_of(at()));
    EXPECT_EQ(c.offered_at().seconds(), seconds_of(at(1s)));
    EXPECT_EQ(c.accepted_at().seconds(), seconds_of(at(5s)));
    EXPECT_EQ(c.resolved_at().seconds(), seconds_of(at(60s)));
    EXPECT_EQ(c.received_at().seconds(), 1'772'440'000);
    EXPECT_EQ(event_types(c),
              (std::vector<std::string>{"case.created", "case.offered", "case.accepted", "case.resolved"}));
    EXPECT_EQ(c.history(0).actor(), "platform:henan-12355");
    EXPECT_EQ(c.history(1).counselor_id(), "c001");
    EXPECT_EQ(c.history(1).rule(), "skill");
    EXPECT_EQ(c.history(1).expires_at().seconds(), seconds_of(at(61s)));
    EXPECT_EQ(c.history(3).outcome(), v1::OUTCOME_COUNSELED);
    EXPECT_EQ(c.history(3).state(), v1::CASE_RESOLVED);
    EXPECT_EQ(c.history(3).at().seconds(), seconds_of(at(60s)));
    EXPECT_TRUE((co_await s.counselor_cases("c001")).value().empty());
    // Resolving twice (a retried request) is fine and adds no event.
    EXPECT_TRUE(co_await s.resolve(id, "c001", v1::OUTCOME_COUNSELED, "", at(61s)));
    EXPECT_EQ((co_await s.get(id, {.history = true})).value().history_size(), 4);
  });
  // Continuity is recorded under the keyed youth ref, never the ref itself.
  EXPECT_EQ(server().cli({"EXISTS", "{test:city}:v1:youth:y-1"}), "0");
  const auto youth_keys = server().cli({"KEYS", "{test:city}:v1:youth:*"});
  EXPECT_EQ(youth_keys.size(), std::string("{test:city}:v1:youth:").size() + 64) << youth_keys;
  EXPECT_EQ(server().cli({"ZCARD", youth_keys}), "1");
}

// A counselor may write the youth's details into a resolve note: it is sealed
// in Redis like contact and summary, opened for views with personal data and
// never shown sealed.
TEST_F(lifecycle, resolve_note_is_sealed_in_redis_and_opened_only_for_personal_views) {
  std::string id;
  run([&id](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    id = co_await new_case(s, "R-note");
    (co_await s.offer(offer_to(id, "c001", at(1s)))).value();
    (co_await s.accept(id, "c001", at(2s))).value();
    (co_await s.resolve(id, "c001", v1::OUTCOME_COUNSELED, "called back on 13811112222", at(3s))).value();
    auto full = (co_await s.get(id, {.personal = true, .history = true})).value();
    CO_ASSERT_TRUE(full.history_size() == 4);
    EXPECT_EQ(full.history(3).note(), "called back on 13811112222");
    EXPECT_TRUE(full.history(3).sealed_note().empty());
    auto bare = (co_await s.get(id, {.personal = false, .history = true})).value();
    CO_ASSERT_TRUE(bare.history_size() == 4);
    EXPECT_TRUE(bare.history(3).note().empty());
    EXPECT_TRUE(bare.history(3).sealed_note().empty());
  });
  const auto raw = server().cli({"LRANGE", "{test:city}:v1:case:" + id + ":history", "0", "-1"});
  EXPECT_NE(raw.find("c001"), std::string::npos);  // the dump did read the history
  EXPECT_EQ(raw.find("13811112222"), std::string::npos);
  EXPECT_EQ(raw.find("called back"), std::string::npos);
}

TEST_F(lifecycle, decline_requeues_and_excludes_the_counselor) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    const auto id = co_await new_case(s, "R-2");
    (co_await s.offer(offer_to(id, "c001", at(1s)))).value();
    EXPECT_EQ((co_await s.counselor_cases("c001")).value().size(), 1u);
    (co_await s.decline(id, "c001", "outside my skills", at(2s))).value();
    auto c = (co_await s.get(id, {.history = true})).value();
    EXPECT_EQ(c.state(), v1::CASE_QUEUED);
    EXPECT_TRUE(c.counselor_id().empty());
    EXPECT_EQ(c.history().rbegin()->type(), "case.declined");
    EXPECT_EQ(c.history().rbegin()->reason(), "outside my skills");
    EXPECT_TRUE((co_await s.counselor_cases("c001")).value().empty());
    // Rule 5: not again to c001, unless the router relaxed it.
    EXPECT_EQ((co_await s.offer(offer_to(id, "c001", at(3s)))).error(), error::wrong_state);
    auto relaxed = offer_to(id, "c001", at(3s));
    relaxed.ignore_exclusion = true;
    EXPECT_TRUE(co_await s.offer(relaxed));
    // Declining a case that is not offered to you.
    EXPECT_EQ((co_await s.decline(id, "c002", "", at(4s))).error(), error::not_yours);
  });
}

TEST_F(lifecycle, expired_offers_go_back_to_the_queue) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    const auto a = co_await new_case(s, "R-3");
    const auto b = co_await new_case(s, "R-4");
    (co_await s.offer(offer_to(a, "c001", at(), 3, 60s))).value();
    (co_await s.offer(offer_to(b, "c002", at(), 3, 120s))).value();
    EXPECT_EQ((co_await s.expire_offers(at(30s))).value().expired, 0);
    EXPECT_EQ((co_await s.expire_offers(at(60s))).value().expired, 1);
    auto ca = (co_await s.get(a, {.history = true})).value();
    EXPECT_EQ(ca.state(), v1::CASE_QUEUED);
    EXPECT_EQ(ca.history().rbegin()->type(), "case.offer_expired");
    EXPECT_EQ(ca.history().rbegin()->counselor_id(), "c001");
    EXPECT_EQ((co_await s.get(b, {})).value().state(), v1::CASE_OFFERED);
    EXPECT_EQ((co_await s.offer(offer_to(a, "c001", at(61s)))).error(), error::wrong_state);  // excluded
    EXPECT_EQ((co_await s.expire_offers(at(121s))).value().expired, 1);
    EXPECT_EQ((co_await s.expire_offers(at(200s))).value().expired, 0);
  });
}

TEST_F(lifecycle, accept_after_expiry_is_offer_expired_and_requeues) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    const auto id = co_await new_case(s, "R-5");
    (co_await s.offer(offer_to(id, "c001", at(), 3, 60s))).value();
    EXPECT_EQ((co_await s.accept(id, "c001", at(60s))).error(), error::offer_expired);
    auto c = (co_await s.get(id, {.history = true})).value();
    EXPECT_EQ(c.state(), v1::CASE_QUEUED);
    EXPECT_EQ(c.history().rbegin()->type(), "case.offer_expired");
    EXPECT_TRUE((co_await s.counselor_cases("c001")).value().empty());
    // Asking again still says expired, not forbidden.
    EXPECT_EQ((co_await s.accept(id, "c001", at(61s))).error(), error::offer_expired);
    EXPECT_EQ((co_await s.expire_offers(at(90s))).value().expired, 0);
  });
}

TEST_F(lifecycle, release_requeues_and_excludes) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    const auto id = co_await new_case(s, "R-6");
    (co_await s.offer(offer_to(id, "c001", at()))).value();
    EXPECT_EQ((co_await s.release(id, "c001", "", at(1s))).error(), error::wrong_state);  // not active yet
    (co_await s.accept(id, "c001", at(1s))).value();
    EXPECT_EQ((co_await s.release(id, "c002", "", at(2s))).error(), error::not_yours);
    (co_await s.release(id, "c001", "going off shift", at(2s))).value();
    auto c = (co_await s.get(id, {.history = true})).value();
    EXPECT_EQ(c.state(), v1::CASE_QUEUED);
    EXPECT_TRUE(c.counselor_id().empty());
    EXPECT_FALSE(c.has_accepted_at());
    EXPECT_EQ(c.history().rbegin()->type(), "case.released");
    EXPECT_EQ(c.history().rbegin()->reason(), "going off shift");
    EXPECT_TRUE((co_await s.counselor_cases("c001")).value().empty());
    EXPECT_EQ((co_await s.offer(offer_to(id, "c001", at(3s)))).error(), error::wrong_state);
    EXPECT_TRUE(co_await s.offer(offer_to(id, "c002", at(3s))));
  });
}

TEST_F(lifecycle, cancel_from_each_open_state_and_refused_when_final) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    const auto queued = co_await new_case(s, "R-7");
    const auto offered = co_await new_case(s, "R-8");
    const auto active = co_await new_case(s, "R-9");
    const auto resolved = co_await new_case(s, "R-10");
    (co_await s.offer(offer_to(offered, "c001", at()))).value();
    (co_await s.offer(offer_to(active, "c001", at()))).value();
    (co_await s.accept(active, "c001", at(1s))).value();
    (co_await s.offer(offer_to(resolved, "c002", at()))).value();
    (co_await s.accept(resolved, "c002", at(1s))).value();
    (co_await s.resolve(resolved, "c002", v1::OUTCOME_HOME_VISIT, "", at(2s))).value();

    for (const auto& id : {queued, offered, active}) {
      auto c = (co_await s.cancel(id, "supervisor:s001", "duplicate report", at(3s))).value();
      EXPECT_EQ(c.state(), v1::CASE_CANCELLED);
      EXPECT_EQ(c.cancelled_at().seconds(), seconds_of(at(3s)));
      auto h = (co_await s.get(id, {.history = true})).value();
      EXPECT_EQ(h.history().rbegin()->type(), "case.cancelled");
      EXPECT_EQ(h.history().rbegin()->actor(), "supervisor:s001");
      EXPECT_EQ((co_await s.cancel(id, "supervisor:s001", "", at(4s))).error(), error::wrong_state);
    }
    EXPECT_EQ((co_await s.cancel(resolved, "supervisor:s001", "", at(4s))).error(), error::wrong_state);
    EXPECT_TRUE((co_await s.counselor_cases("c001")).value().empty());
    EXPECT_EQ((co_await s.accept(offered, "c001", at(5s))).error(), error::wrong_state);
    EXPECT_EQ((co_await s.cancel("NO-SUCH-CASE", "supervisor:s001", "", at(4s))).error(), error::not_found);
  });
  EXPECT_EQ(server().cli({"ZCARD", "{test:city}:v1:queue"}), "0");
  EXPECT_EQ(server().cli({"ZCARD", "{test:city}:v1:offers"}), "0");
  EXPECT_EQ(server().cli({"SCARD", "{test:city}:v1:open"}), "0");
  EXPECT_EQ(server().cli({"HGET", "{test:city}:v1:stats", "cancelled"}), "3");
}

TEST_F(lifecycle, only_the_offered_counselor_may_act) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    const auto id = co_await new_case(s, "R-11");
    EXPECT_EQ((co_await s.accept(id, "c001", at())).error(), error::not_yours);  // queued: nobody's
    (co_await s.offer(offer_to(id, "c001", at()))).value();
    EXPECT_EQ((co_await s.accept(id, "c002", at(1s))).error(), error::not_yours);
    EXPECT_EQ((co_await s.decline(id, "c002", "", at(1s))).error(), error::not_yours);
    EXPECT_EQ((co_await s.resolve(id, "c002", v1::OUTCOME_OTHER, "", at(1s))).error(), error::not_yours);
    EXPECT_EQ((co_await s.resolve(id, "c001", v1::OUTCOME_OTHER, "", at(1s))).error(), error::wrong_state);
    EXPECT_EQ((co_await s.offer(offer_to(id, "c002", at(1s)))).error(), error::wrong_state);  // already offered
    (co_await s.accept(id, "c001", at(2s))).value();
    EXPECT_TRUE(co_await s.accept(id, "c001", at(3s)));  // a retried accept
    EXPECT_EQ((co_await s.get(id, {.history = true})).value().history_size(), 3);
    EXPECT_EQ((co_await s.accept("NO-SUCH-CASE", "c001", at())).error(), error::not_found);
    EXPECT_EQ((co_await s.get("NO-SUCH-CASE", {})).error(), error::not_found);
    EXPECT_EQ((co_await s.find_referral("henan-12355", "R-404")).error(), error::not_found);
  });
}

TEST_F(lifecycle, same_referral_is_a_duplicate_and_different_content_a_conflict) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    auto first = (co_await s.create(referral("R-12"), "henan-12355", at())).value();
    auto again = (co_await s.create(referral("R-12"), "henan-12355", at(5s))).value();
    EXPECT_TRUE(again.duplicate);
    EXPECT_EQ(again.case_id, first.case_id);
    EXPECT_EQ(again.state, v1::CASE_QUEUED);
    auto changed = referral("R-12");
    changed.set_summary("invented: a different summary");
    EXPECT_EQ((co_await s.create(changed, "henan-12355", at(6s))).error(), error::referral_conflict);
    // The same referral id from another platform is another case.
    auto other = (co_await s.create(referral("R-12"), "other-platform", at(7s))).value();
    EXPECT_FALSE(other.duplicate);
    EXPECT_NE(other.case_id, first.case_id);
    // A duplicate reports the case's current state.
    (co_await s.offer(offer_to(first.case_id, "c001", at(8s)))).value();
    EXPECT_EQ((co_await s.create(referral("R-12"), "henan-12355", at(9s))).value().state, v1::CASE_OFFERED);
  });
  EXPECT_EQ(server().cli({"HGET", "{test:city}:v1:stats", "created"}), "2");
}

TEST_F(lifecycle, personal_data_is_sealed_in_redis_and_shown_only_when_asked) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    const auto cid = co_await new_case(s, "R-13");
    (co_await s.offer(offer_to(cid, "c001", at()))).value();
    auto with = (co_await s.get(cid, {.personal = true})).value();
    EXPECT_EQ(with.contact().phone(), test_phone);
    EXPECT_EQ(with.contact().name(), "Invented Name");
    EXPECT_EQ(with.summary(), test_summary);
    auto without = (co_await s.get(cid, {})).value();
    EXPECT_FALSE(without.has_contact());
    EXPECT_TRUE(without.summary().empty());
    auto mine = (co_await s.counselor_cases("c001")).value();
    EXPECT_EQ(mine.size(), 1u);
    EXPECT_EQ(mine.at(0).contact().phone(), test_phone);
    // Another key cannot open it: a bad record, not garbage.
    store::case_store other(e.redis, test_keys(), test_sealer('z'));
    EXPECT_EQ((co_await other.get(cid, {.personal = true})).error(), error::bad_record);
    EXPECT_TRUE(co_await other.get(cid, {}));
  });
  // Every byte of every key: no phone number, no summary.
  const auto all_keys = server().cli({"KEYS", "*"});
  std::istringstream lines(all_keys);
  int checked = 0;
  for (std::string key; std::getline(lines, key);) {
    const auto type = server().cli({"TYPE", key});
    std::string dump;
    if (type == "hash")
      dump = server().cli({"HGETALL", key});
    else if (type == "list")
      dump = server().cli({"LRANGE", key, "0", "-1"});
    else if (type == "string")
      dump = server().cli({"GET", key});
    else if (type == "set")
      dump = server().cli({"SMEMBERS", key});
    else if (type == "zset")
      dump = server().cli({"ZRANGE", key, "0", "-1"});
    dump += key;
    EXPECT_EQ(dump.find(test_phone), std::string::npos) << key;
    EXPECT_EQ(dump.find("Invented Name"), std::string::npos) << key;
    EXPECT_EQ(dump.find("exam worries"), std::string::npos) << key;
    ++checked;
  }
  EXPECT_GE(checked, 6);
}

TEST_F(lifecycle, escalation_only_rises) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    const auto id = co_await new_case(s, "R-14");
    EXPECT_TRUE((co_await s.escalate(id, 1, at(1s))).value());
    EXPECT_FALSE((co_await s.escalate(id, 1, at(2s))).value());
    EXPECT_FALSE((co_await s.escalate(id, 0, at(3s))).value());
    EXPECT_TRUE((co_await s.escalate(id, 2, at(4s))).value());
    auto c = (co_await s.get(id, {.history = true})).value();
    EXPECT_EQ(c.escalation_level(), 2);
    EXPECT_EQ(event_types(c), (std::vector<std::string>{"case.created", "case.escalated", "case.escalated"}));
    EXPECT_EQ(c.history(2).escalation_level(), 2);
    EXPECT_EQ((co_await s.escalate("NO-SUCH-CASE", 1, at())).error(), error::not_found);
  });
}

}  // namespace
}  // namespace caseroute::store_test
