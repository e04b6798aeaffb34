// Reads: the router's snapshot, paged case lists and the supervisor's queue view.
#include <set>

#include "store_fixture.hpp"

namespace caseroute::store_test {
namespace {

using store::error;

using reads = store_test;

asio::awaitable<std::string> make(store::case_store& s, const std::string& rid, time_point now,
                                  v1::Risk risk = v1::RISK_HIGH, const std::string& youth = "y-1") {
  co_return (co_await s.create(referral(rid, risk, youth), "henan-12355", now)).value().case_id;
}

TEST_F(reads, routing_state_has_queued_cases_counselors_and_continuity) {
  run([](env& e) -> asio::awaitable<void> {
    const store::routing_lookback ninety_days{std::chrono::hours(24 * 90)};
    auto& s = e.store;
    // y-9: resolved by c001 a day ago; y-7: c003 holds an active case of the same youth.
    const auto old9 = co_await make(s, "R-1", at(), v1::RISK_HIGH, "y-9");
    (co_await s.offer(offer_to(old9, "c001", at()))).value();
    (co_await s.accept(old9, "c001", at(1s))).value();
    (co_await s.resolve(old9, "c001", v1::OUTCOME_COUNSELED, "", at(2s))).value();
    const auto held7 = co_await make(s, "R-2", at(), v1::RISK_LOW, "y-7");
    (co_await s.offer(offer_to(held7, "c003", at(3s)))).value();
    (co_await s.accept(held7, "c003", at(4s))).value();

    const auto q9 = co_await make(s, "R-3", at(24h), v1::RISK_CRISIS, "y-9");
    const auto q7 = co_await make(s, "R-4", at(24h + 1s), v1::RISK_MEDIUM, "y-7");
    const auto declined = co_await make(s, "R-5", at(24h + 2s), v1::RISK_HIGH, "y-5");
    (co_await s.offer(offer_to(declined, "c002", at(24h + 3s)))).value();
    (co_await s.decline(declined, "c002", "", at(24h + 4s))).value();
    const auto offered = co_await make(s, "R-6", at(24h + 5s), v1::RISK_HIGH, "y-6");
    (co_await s.offer(offer_to(offered, "c002", at(24h + 6s)))).value();
    (co_await s.escalate(q9, 1, at(24h + 7s))).value();
    (co_await s.set_availability("c004", false, at(24h))).value();
    (co_await s.set_availability("c001", true, at(24h))).value();

    auto st = (co_await s.load_routing_state(at(24h + 10s), ninety_days)).value();
    // The router sees keyed youth refs (continuity compares them).
    const auto y9 = (co_await s.youth_key("y-9")).value(), y7 = (co_await s.youth_key("y-7")).value();
    const auto y6 = (co_await s.youth_key("y-6")).value();
    std::map<std::string, const routing::queued_case*> q;
    for (const auto& c : st.queued) q[c.id] = &c;
    EXPECT_EQ(q.size(), 3u);
    CO_ASSERT_TRUE(q.count(q9) && q.count(q7) && q.count(declined));
    EXPECT_EQ(q[q9]->level, routing::risk::crisis);
    EXPECT_EQ(q[q9]->escalation_level, 1);
    EXPECT_EQ(q[q9]->concerns, (std::vector<std::string>{"depression", "exam_stress"}));
    EXPECT_TRUE(q[q9]->priority_group);
    EXPECT_EQ(q[q9]->contact_mode, routing::mode::phone);
    EXPECT_EQ(q[q9]->county, "411202");
    EXPECT_EQ(q[q9]->youth_ref, y9);
    EXPECT_EQ(q[q9]->created_at, at(24h));
    EXPECT_EQ(q[q9]->received_at, time_point(std::chrono::seconds(1'772'440'000)));
    EXPECT_EQ(q[declined]->excluded, (std::set<std::string>{"c002"}));
    EXPECT_TRUE(q[q7]->excluded.empty());

    CO_ASSERT_TRUE(st.counselors.count("c001") && st.counselors.count("c002") && st.counselors.count("c003") &&
                   st.counselors.count("c004"));
    EXPECT_EQ(st.counselors["c001"].load, 0);
    EXPECT_TRUE(st.counselors["c001"].available);
    EXPECT_EQ(st.counselors["c001"].last_offer_at, at());
    EXPECT_EQ(st.counselors["c002"].load, 1);
    EXPECT_EQ(st.counselors["c002"].last_offer_at, at(24h + 6s));
    EXPECT_EQ(st.counselors["c003"].load, 1);
    EXPECT_FALSE(st.counselors["c004"].available);
    EXPECT_EQ(st.counselors["c004"].load, 0);

    EXPECT_EQ(st.continuity[y9], (std::set<std::string>{"c001"}));
    EXPECT_EQ(st.continuity[y7], (std::set<std::string>{"c003"}));
    EXPECT_FALSE(st.continuity.count(y6));  // not queued

    // Outside the window the old resolution no longer counts.
    auto later =
        (co_await s.load_routing_state(at(24h + 10s), store::routing_lookback{std::chrono::hours(12)})).value();
    EXPECT_TRUE(later.continuity[y9].empty());

    // A supervisor request reads one case, or none, with the same counselors.
    std::optional<std::string> one = q9;
    auto single = (co_await s.load_routing_state(at(24h + 10s), ninety_days, one)).value();
    CO_ASSERT_TRUE(single.queued.size() == 1);
    EXPECT_EQ(single.queued[0].id, q9);
    EXPECT_EQ(single.continuity.size(), 1u);
    EXPECT_EQ(single.continuity[y9], (std::set<std::string>{"c001"}));
    std::optional<std::string> not_queued = offered;
    auto gone = (co_await s.load_routing_state(at(24h + 10s), ninety_days, not_queued)).value();
    EXPECT_TRUE(gone.queued.empty());
    std::optional<std::string> none = std::string();
    auto statuses = (co_await s.load_routing_state(at(24h + 10s), ninety_days, none)).value();
    EXPECT_TRUE(statuses.queued.empty());
    EXPECT_TRUE(statuses.continuity.empty());
    EXPECT_EQ(statuses.counselors.size(), st.counselors.size());
    EXPECT_EQ(statuses.counselors["c002"].load, 1);
    EXPECT_FALSE(statuses.counselors["c004"].available);
  });
}

TEST_F(reads, a_full_read_in_pages_finds_what_one_read_finds) {
  run(
      [](env& e) -> asio::awaitable<void> {
        auto& s = e.store;
        // More cases and counselors than Redis keeps in a small encoding, so
        // SCAN really pages: 300 queued (every tenth youth also held by a
        // counselor, every seventh declined once), 200 counselors with state.
        for (int i = 0; i < 300; ++i) {
          const std::string youth = "y-" + std::to_string(i % 40);
          const auto id =
              co_await make(s, "P-" + std::to_string(i), at(std::chrono::seconds(i)), v1::RISK_MEDIUM, youth);
          if (i % 10 == 0) {
            (co_await s.offer(offer_to(id, "h" + std::to_string(i), at(std::chrono::seconds(i))))).value();
            (co_await s.accept(id, "h" + std::to_string(i), at(std::chrono::seconds(i + 1)))).value();
          } else if (i % 7 == 0) {
            (co_await s.offer(offer_to(id, "d" + std::to_string(i), at(std::chrono::seconds(i))))).value();
            (co_await s.decline(id, "d" + std::to_string(i), "", at(std::chrono::seconds(i + 1)))).value();
          }
        }
        for (int i = 0; i < 200; ++i) (co_await s.set_availability("a" + std::to_string(i), i % 3 != 0, at())).value();

        const auto now = at(10min);
        const store::routing_lookback window{std::chrono::hours(24)};
        auto whole = (co_await s.load_routing_state(now, window)).value();
        store::routing_state paged;
        store::routing_scan next;
        int pages = 0;
        while (!next.done) {
          auto page = (co_await s.next_routing_page(next, now, window, 16)).value();
          for (auto& c : page.rows.changed.queued) paged.queued.push_back(std::move(c));
          paged.counselors.merge(page.rows.changed.counselors);
          paged.crisis_accepted.merge(page.rows.changed.crisis_accepted);
          for (auto& [ref, ids] : page.rows.changed.continuity) paged.continuity[ref] = ids;
          next = page.next;
          ++pages;
        }
        EXPECT_GT(pages, 10);
        // SCAN may name a case twice: once each is what the cache keeps.
        std::map<std::string, routing::queued_case> by_id;
        for (auto& c : paged.queued) by_id[c.id] = std::move(c);
        CO_ASSERT_TRUE(by_id.size() == whole.queued.size());
        for (const auto& c : whole.queued) {
          CO_ASSERT_TRUE(by_id.count(c.id) == 1);
          EXPECT_EQ(by_id[c.id].youth_ref, c.youth_ref);
          EXPECT_EQ(by_id[c.id].excluded, c.excluded);
          EXPECT_EQ(by_id[c.id].created_at, c.created_at);
          EXPECT_EQ(by_id[c.id].level, c.level);
        }
        EXPECT_EQ(whole.queued.size(), 300u - 30u);
        CO_ASSERT_TRUE(paged.counselors.size() == whole.counselors.size());
        for (const auto& [id, st] : whole.counselors) {
          EXPECT_EQ(paged.counselors[id].load, st.load) << id;
          EXPECT_EQ(paged.counselors[id].available, st.available) << id;
          EXPECT_EQ(paged.counselors[id].last_offer_at, st.last_offer_at) << id;
        }
        EXPECT_EQ(paged.continuity, whole.continuity);
        EXPECT_FALSE(whole.continuity.empty());
      },
      60s);
}

TEST_F(reads, list_pages_newest_first_with_filters) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    std::vector<std::string> ids;
    // Seven cases; the last three share one millisecond.
    for (int i = 0; i < 4; ++i) ids.push_back(co_await make(s, "R-" + std::to_string(i), at(std::chrono::seconds(i))));
    for (int i = 4; i < 7; ++i) ids.push_back(co_await make(s, "R-" + std::to_string(i), at(10s), v1::RISK_LOW));
    (co_await s.offer(offer_to(ids[1], "c001", at(20s)))).value();
    (co_await s.offer(offer_to(ids[5], "c001", at(20s)))).value();

    std::vector<std::string> seen;
    std::string cursor;
    int pages = 0;
    do {
      store::case_filter f;
      f.limit = 3;
      f.cursor = cursor;
      auto page = (co_await s.list(f)).value();
      EXPECT_LE(page.cases_size(), 3);
      for (const auto& c : page.cases()) {
        seen.push_back(c.case_id());
        EXPECT_FALSE(c.has_contact());
      }
      cursor = page.next_cursor();
      CO_ASSERT_TRUE(++pages < 10);
    } while (!cursor.empty());
    EXPECT_EQ(pages, 3);
    EXPECT_EQ(seen.size(), 7u);
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 7u);
    // Newest first: the three at 10 s, then 3 s, 2 s, 1 s, 0 s.
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.begin() + 3), (std::set<std::string>{ids[4], ids[5], ids[6]}));
    EXPECT_EQ(std::vector<std::string>(seen.begin() + 3, seen.end()),
              (std::vector<std::string>{ids[3], ids[2], ids[1], ids[0]}));

    store::case_filter offered;
    offered.state = v1::CASE_OFFERED;
    auto o = (co_await s.list(offered)).value();
    EXPECT_EQ(o.cases_size(), 2);
    EXPECT_TRUE(o.next_cursor().empty());
    store::case_filter low;
    low.risk = v1::RISK_LOW;
    low.state = v1::CASE_QUEUED;
    auto l = (co_await s.list(low)).value();
    EXPECT_EQ(l.cases_size(), 2);
    // Exactly one page's worth: no cursor to an empty page.
    store::case_filter exact;
    exact.limit = 7;
    EXPECT_TRUE((co_await s.list(exact)).value().next_cursor().empty());
    store::case_filter bad;
    bad.cursor = "garbage";
    EXPECT_EQ((co_await s.list(bad)).error(), error::not_found);
  });
}

TEST_F(reads, queue_view_counts_open_cases) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    const auto q1 = co_await make(s, "R-1", at(), v1::RISK_CRISIS);
    const auto q2 = co_await make(s, "R-2", at(60s), v1::RISK_LOW);
    const auto off = co_await make(s, "R-3", at(70s));
    const auto act = co_await make(s, "R-4", at(80s));
    const auto res = co_await make(s, "R-5", at(90s));
    const auto can = co_await make(s, "R-6", at(100s));
    (co_await s.offer(offer_to(off, "c001", at(2min)))).value();
    (co_await s.offer(offer_to(act, "c002", at(2min)))).value();
    (co_await s.accept(act, "c002", at(2min))).value();
    (co_await s.offer(offer_to(res, "c002", at(2min)))).value();
    (co_await s.accept(res, "c002", at(2min))).value();
    (co_await s.resolve(res, "c002", v1::OUTCOME_COUNSELED, "", at(3min))).value();
    (co_await s.cancel(can, "supervisor:s001", "", at(3min))).value();
    (co_await s.escalate(q2, 1, at(4min))).value();
    (co_await s.escalate(q1, 2, at(4min))).value();

    auto v = (co_await s.queue_view(at(10min))).value();
    EXPECT_EQ(v.by_state().at("CASE_QUEUED"), 2);
    EXPECT_EQ(v.by_state().at("CASE_OFFERED"), 1);
    EXPECT_EQ(v.by_state().at("CASE_ACTIVE"), 1);
    EXPECT_EQ(v.by_state().at("CASE_RESOLVED"), 1);
    EXPECT_EQ(v.by_state().at("CASE_CANCELLED"), 1);
    EXPECT_EQ(v.by_risk().at("RISK_CRISIS"), 1);
    EXPECT_EQ(v.by_risk().at("RISK_LOW"), 1);
    EXPECT_EQ(v.by_risk().at("RISK_HIGH"), 2);
    EXPECT_EQ(v.by_risk().at("RISK_MEDIUM"), 0);
    EXPECT_EQ(v.by_site().at("hubin-01"), 2);
    EXPECT_EQ(v.by_concern().at("depression"), 4);
    EXPECT_EQ(v.oldest_case_id(), q1);
    EXPECT_EQ(v.oldest_wait_seconds(), 600);
    CO_ASSERT_TRUE(v.escalated_size() == 2);
    EXPECT_EQ(v.escalated(0).case_id(), q1);
    EXPECT_EQ(v.escalated(1).case_id(), q2);
    EXPECT_FALSE(v.escalated(0).has_contact());
    EXPECT_EQ(v.at().seconds(), seconds_of(at(10min)));
  });
}

}  // namespace
}  // namespace caseroute::store_test
