// Crisis broadcasts against a real Redis (docs/ARCHITECTURE.md): one case offered
// to several counselors at once, the first accept winning and withdrawing the
// others atomically; declines, expiry, withdrawal, cancel and reassignment of
// a broadcast; and the welfare facts the store keeps for the router.
#include <boost/asio/as_tuple.hpp>

#include <algorithm>

#include "store_fixture.hpp"

namespace caseroute::store_test {
namespace {

using boost::system::error_code;
using store::error;

std::vector<std::string> offered_to(const v1::Case& c) { return {c.offered_to().begin(), c.offered_to().end()}; }

asio::awaitable<std::string> crisis_case(store::case_store& s, const std::string& rid) {
  co_return co_await new_case(s, rid, at(), v1::RISK_CRISIS);
}

asio::awaitable<std::size_t> load_of(store::case_store& s, const std::string& counselor) {
  co_return (co_await s.counselor_cases(counselor)).value().size();
}

using broadcasts = store_test;

TEST_F(broadcasts, offers_every_target_and_the_first_accept_withdraws_the_others) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    const auto id = co_await crisis_case(s, "R-b1");
    auto offered = (co_await s.broadcast(broadcast_to(id, "c1 c4 c5", at(1s)))).value().counselors;
    EXPECT_EQ(offered, (std::vector<std::string>{"c1", "c4", "c5"}));

    auto c = (co_await s.get(id, {.history = true})).value();
    EXPECT_EQ(c.state(), v1::CASE_OFFERED);
    EXPECT_TRUE(c.counselor_id().empty());
    EXPECT_EQ(offered_to(c), (std::vector<std::string>{"c1", "c4", "c5"}));
    EXPECT_EQ(c.offer_expires_at().seconds(), seconds_of(at(31s)));
    CO_ASSERT_TRUE(c.history_size() == 4);
    for (int i = 1; i <= 3; ++i) {
      EXPECT_EQ(c.history(i).type(), "case.offered");
      EXPECT_EQ(c.history(i).rule(), "broadcast");
      EXPECT_EQ(c.history(i).site_id(), "site-of-" + c.history(i).counselor_id());
      EXPECT_EQ(c.history(i).at().seconds(), seconds_of(at(1s)));
      EXPECT_EQ(c.history(i).state(), v1::CASE_OFFERED);
    }
    EXPECT_EQ(c.history(1).counselor_id(), "c1");
    EXPECT_EQ(c.history(3).counselor_id(), "c5");
    const std::vector<std::string> everyone{"c1", "c4", "c5"};  // g++ 12: no braced list in a coroutine's for
    for (const auto& who : everyone) {
      auto mine = (co_await s.counselor_cases(who)).value();
      CO_ASSERT_TRUE(mine.size() == 1);
      EXPECT_EQ(mine[0].contact().phone(), test_phone);  // an offeree reads the case to decide
    }
    auto offers = (co_await s.offered_cases()).value();
    EXPECT_EQ(offers.size(), 3u);

    auto won = (co_await s.accept(id, "c4", at(5s))).value();
    EXPECT_EQ(won.state(), v1::CASE_ACTIVE);
    EXPECT_EQ(won.counselor_id(), "c4");
    EXPECT_EQ(won.site_id(), "site-of-c4");
    EXPECT_TRUE(won.offered_to().empty());
    EXPECT_EQ(co_await load_of(s, "c4"), 1u);
    EXPECT_EQ(co_await load_of(s, "c1"), 0u);
    EXPECT_EQ(co_await load_of(s, "c5"), 0u);
    EXPECT_TRUE((co_await s.offered_cases()).value().empty());

    // The others were too late: their accept and decline are refused, and
    // told why; someone never offered the case is told it is not theirs.
    EXPECT_EQ((co_await s.accept(id, "c1", at(6s))).error(), error::offer_withdrawn);
    EXPECT_EQ((co_await s.decline(id, "c5", "late", at(6s))).error(), error::offer_withdrawn);
    EXPECT_EQ((co_await s.accept(id, "c2", at(6s))).error(), error::not_yours);
    EXPECT_EQ((co_await s.decline(id, "c2", "never mine", at(6s))).error(), error::not_yours);
    // The winner's retried accept is fine.
    EXPECT_TRUE(co_await s.accept(id, "c4", at(7s)));

    c = (co_await s.get(id, {.history = true})).value();
    EXPECT_EQ(event_types(c),
              (std::vector<std::string>{"case.created", "case.offered", "case.offered", "case.offered", "case.accepted",
                                        "case.offer_withdrawn", "case.offer_withdrawn"}));
    EXPECT_EQ(c.history(4).counselor_id(), "c4");
    EXPECT_EQ(c.history(5).counselor_id(), "c1");
    EXPECT_EQ(c.history(6).counselor_id(), "c5");
    EXPECT_EQ(c.history(6).state(), v1::CASE_ACTIVE);
    EXPECT_EQ(c.history(6).reason(), "accepted by another counselor");
  });
}

TEST_F(broadcasts, skips_targets_at_capacity_or_excluded_and_refuses_when_none_is_left) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    const auto busy = co_await crisis_case(s, "R-b2");
    (co_await s.offer(offer_to(busy, "c1", at(1s), 1))).value();  // c1 now at capacity 1
    const auto id = co_await crisis_case(s, "R-b3");
    (co_await s.broadcast(broadcast_to(id, "c5", at(2s)))).value();
    (co_await s.decline(id, "c5", "not now", at(3s))).value();  // c5 excluded (rule 5)
    EXPECT_EQ((co_await s.get(id, {})).value().state(), v1::CASE_QUEUED);

    auto req = broadcast_to(id, "c1 c4 c5", at(4s), 1);
    auto offered = (co_await s.broadcast(req)).value().counselors;
    EXPECT_EQ(offered, (std::vector<std::string>{"c4"}));
    (co_await s.decline(id, "c4", "not now", at(5s))).value();

    // c1 full, c4 and c5 excluded: nothing offered, the case stays queued.
    req = broadcast_to(id, "c1 c4 c5", at(6s), 1);
    EXPECT_EQ((co_await s.broadcast(req)).error(), error::at_capacity);
    EXPECT_EQ((co_await s.get(id, {})).value().state(), v1::CASE_QUEUED);
    // Rule 5 relaxed (nobody else eligible): the excluded may be offered again.
    req.targets[2].ignore_exclusion = true;
    offered = (co_await s.broadcast(req)).value().counselors;
    EXPECT_EQ(offered, (std::vector<std::string>{"c5"}));
    // Only a queued case can be broadcast.
    EXPECT_EQ((co_await s.broadcast(broadcast_to(id, "c4", at(7s)))).error(), error::wrong_state);
    EXPECT_EQ((co_await s.broadcast(broadcast_to("01NOSUCHCASE0000000000000X", "c4", at(7s)))).error(),
              error::not_found);
  });
}

TEST_F(broadcasts, racing_accepts_on_two_connections_have_exactly_one_winner) {
  run(
      [](env& e) -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        for (int round = 0; round < 50; ++round) {
          const auto id = co_await crisis_case(e.store, "R-race-" + std::to_string(round));
          (co_await e.store.broadcast(broadcast_to(id, "c1 c5", at(1s), 1000))).value();
          std::array<error_code, 2> out;
          int remaining = 2;
          asio::steady_timer done(ex, asio::steady_timer::time_point::max());
          const auto finish = [&](int i) {
            return [&, i](std::exception_ptr p, store::result<v1::Case> r) {
              out[i] = p ? make_error_code(error::redis_error) : (r ? error_code() : r.error());
              if (--remaining == 0) done.cancel();
            };
          };
          asio::co_spawn(ex, e.store.accept(id, "c1", at(2s)), finish(0));
          asio::co_spawn(ex, e.store2.accept(id, "c5", at(2s)), finish(1));
          co_await done.async_wait(asio::as_tuple(asio::use_awaitable));
          EXPECT_NE(!out[0], !out[1]) << "round " << round << ": exactly one accept wins";
          const auto& lost = out[0] ? out[0] : out[1];
          EXPECT_EQ(lost, error::offer_withdrawn);
          auto c = (co_await e.store.get(id, {})).value();
          EXPECT_EQ(c.counselor_id(), out[0] ? "c5" : "c1");
        }
        // Every case is held by its one winner: loads add up.
        EXPECT_EQ(co_await load_of(e.store, "c1") + co_await load_of(e.store, "c5"), 50u);
      },
      60s);
}

TEST_F(broadcasts, one_decline_or_withdrawal_leaves_the_others_and_the_last_requeues) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    const auto id = co_await crisis_case(s, "R-b4");
    (co_await s.broadcast(broadcast_to(id, "c1 c4 c5", at(1s)))).value();
    (co_await s.decline(id, "c1", "with another caller", at(2s))).value();
    auto c = (co_await s.get(id, {.history = true})).value();
    EXPECT_EQ(c.state(), v1::CASE_OFFERED);
    EXPECT_EQ(offered_to(c), (std::vector<std::string>{"c4", "c5"}));
    EXPECT_EQ(c.history(c.history_size() - 1).type(), "case.declined");
    EXPECT_EQ(c.history(c.history_size() - 1).state(), v1::CASE_OFFERED);
    EXPECT_EQ(co_await load_of(s, "c1"), 0u);
    // A second decline by c1 is refused: they hold no offer any more.
    EXPECT_EQ((co_await s.decline(id, "c1", "again", at(2s))).error(), error::not_yours);

    // c4's shift ended: withdrawn (not excluded), c5 still holds it.
    (co_await s.withdraw(id, "c4", "counselor no longer on duty", at(3s))).value();
    c = (co_await s.get(id, {})).value();
    EXPECT_EQ(offered_to(c), (std::vector<std::string>{"c5"}));
    (co_await s.withdraw(id, "c5", "counselor no longer on duty", at(4s))).value();
    c = (co_await s.get(id, {.history = true})).value();
    EXPECT_EQ(c.state(), v1::CASE_QUEUED);
    EXPECT_TRUE(c.offered_to().empty());
    EXPECT_EQ(c.history(c.history_size() - 1).state(), v1::CASE_QUEUED);
    EXPECT_TRUE((co_await s.offered_cases()).value().empty());

    auto st = (co_await s.load_routing_state(at(5s), store::routing_lookback{std::chrono::hours(24)})).value();
    CO_ASSERT_TRUE(st.queued.size() == 1);
    EXPECT_EQ(st.queued[0].excluded, (std::set<std::string>{"c1"}));  // declined: excluded; withdrawn: not
  });
}

TEST_F(broadcasts, expiry_expires_every_offer_counts_each_as_missed_and_requeues) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    (co_await s.set_availability("c5", true, at())).value();
    const auto id = co_await crisis_case(s, "R-b5");
    (co_await s.broadcast(broadcast_to(id, "c1 c5", at(1s), 3, 30s))).value();
    // Accepting after the time passed is refused; the expiry pass handles it.
    EXPECT_EQ((co_await s.accept(id, "c1", at(40s))).error(), error::offer_expired);
    EXPECT_EQ((co_await s.expire_offers(at(20s), 1)).value().expired, 0);

    auto ex = (co_await s.expire_offers(at(40s), 1)).value();
    EXPECT_EQ(ex.expired, 1);
    std::sort(ex.signed_out.begin(), ex.signed_out.end());
    EXPECT_EQ(ex.signed_out, (std::vector<std::string>{"c1", "c5"}));  // limit 1: both signed out
    auto c = (co_await s.get(id, {.history = true})).value();
    EXPECT_EQ(c.state(), v1::CASE_QUEUED);
    EXPECT_TRUE(c.offered_to().empty());
    const auto n = c.history_size();
    EXPECT_EQ(c.history(n - 2).type(), "case.offer_expired");
    EXPECT_EQ(c.history(n - 2).counselor_id(), "c1");
    EXPECT_EQ(c.history(n - 1).counselor_id(), "c5");
    EXPECT_EQ(co_await load_of(s, "c1"), 0u);
    EXPECT_EQ(co_await load_of(s, "c5"), 0u);
    auto st = (co_await s.load_routing_state(at(41s), store::routing_lookback{std::chrono::hours(24)})).value();
    CO_ASSERT_TRUE(st.queued.size() == 1);
    EXPECT_EQ(st.queued[0].excluded, (std::set<std::string>{"c1", "c5"}));
    EXPECT_FALSE(st.counselors["c1"].available);
    EXPECT_EQ(st.counselors["c5"].missed_offers, 1);
  });
}

TEST_F(broadcasts, cancel_and_supervisor_assignment_free_every_offeree) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    const auto cancelled = co_await crisis_case(s, "R-b6");
    (co_await s.broadcast(broadcast_to(cancelled, "c1 c5", at(1s)))).value();
    auto c = (co_await s.cancel(cancelled, "supervisor:s1", "duplicate call", at(2s))).value();
    EXPECT_EQ(c.state(), v1::CASE_CANCELLED);
    EXPECT_TRUE(c.offered_to().empty());
    EXPECT_EQ(co_await load_of(s, "c1"), 0u);
    EXPECT_EQ(co_await load_of(s, "c5"), 0u);

    const auto assigned = co_await crisis_case(s, "R-b7");
    (co_await s.broadcast(broadcast_to(assigned, "c1 c5", at(3s)))).value();
    auto req = offer_to(assigned, "c5", at(4s), 1);  // c5 at capacity 1 holds only this case's offer
    req.actor = "supervisor:s1";
    req.rule = "assigned";
    req.ignore_exclusion = true;
    (co_await s.offer(req)).value();
    c = (co_await s.get(assigned, {.history = true})).value();
    EXPECT_EQ(c.state(), v1::CASE_OFFERED);
    EXPECT_EQ(c.counselor_id(), "c5");
    EXPECT_TRUE(c.offered_to().empty());
    EXPECT_EQ(co_await load_of(s, "c1"), 0u);
    EXPECT_EQ(co_await load_of(s, "c5"), 1u);
    const auto n = c.history_size();
    EXPECT_EQ(c.history(n - 3).type(), "case.offer_withdrawn");
    EXPECT_EQ(c.history(n - 3).counselor_id(), "c1");
    EXPECT_EQ(c.history(n - 2).type(), "case.offer_withdrawn");  // c5's broadcast offer became a direct one
    EXPECT_EQ(c.history(n - 2).counselor_id(), "c5");
    EXPECT_EQ(c.history(n - 1).type(), "case.offered");
    EXPECT_EQ(c.history(n - 1).counselor_id(), "c5");
    (co_await s.accept(assigned, "c5", at(5s))).value();
  });
}

TEST_F(broadcasts, store_keeps_welfare_facts_for_the_router) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    const auto crisis = co_await crisis_case(s, "R-w1");
    (co_await s.broadcast(broadcast_to(crisis, "c1 c5", at(1s)))).value();
    (co_await s.accept(crisis, "c1", at(2s))).value();
    (co_await s.resolve(crisis, "c1", v1::OUTCOME_COUNSELED, "", at(10min))).value();
    const auto high = (co_await s.create(referral("R-w2", v1::RISK_HIGH), "henan-12355", at())).value().case_id;
    (co_await s.offer(offer_to(high, "c1", at(11min)))).value();
    (co_await s.accept(high, "c1", at(11min + 30s))).value();
    (co_await s.resolve(high, "c1", v1::OUTCOME_COUNSELED, "", at(20min))).value();

    auto st = (co_await s.load_routing_state(at(21min), store::routing_lookback{std::chrono::hours(24)})).value();
    const auto& c1 = st.counselors["c1"];
    EXPECT_EQ(c1.last_resolved_at, at(20min));
    EXPECT_EQ(c1.last_crisis_resolved_at, at(10min));
    EXPECT_EQ(st.crisis_accepted["c1"], (std::vector<time_point>{at(2s)}));  // the high-risk case does not count
    EXPECT_TRUE(st.crisis_accepted["c5"].empty());

    // Counted within the counselor's current shift only.
    schedule::duty_slot slot{"c1", "hubin-01", "411202", "am", at(1s), at(4h)};
    auto snap = store::to_snapshot(st, nullptr, {slot});
    EXPECT_EQ(snap.status["c1"].crisis_this_shift, 1);
    st = (co_await s.load_routing_state(at(21min), store::routing_lookback{std::chrono::hours(24)})).value();
    slot.shift_start = at(3s);  // a shift that began after the acceptance
    snap = store::to_snapshot(st, nullptr, {slot});
    EXPECT_EQ(snap.status["c1"].crisis_this_shift, 0);
    // Older than a day: no longer read.
    st = (co_await s.load_routing_state(at(25h), store::routing_lookback{std::chrono::hours(24)})).value();
    EXPECT_TRUE(st.crisis_accepted["c1"].empty());

    // With the welfare limit off nothing counts them: no read returns them,
    // while the counselor's other facts still come.
    config::routing_settings no_limit;
    no_limit.max_crisis_per_shift = 0;
    const auto off = store::routing_lookback::of(no_limit);
    st = (co_await s.load_routing_state(at(21min), off)).value();
    EXPECT_TRUE(st.crisis_accepted["c1"].empty());
    EXPECT_EQ(st.counselors["c1"].last_crisis_resolved_at, at(10min));
    const std::vector<std::string> just_c1 = {"c1"};
    auto named = (co_await s.load_counselor_states(at(21min), off, just_c1)).value();
    EXPECT_TRUE(named.crisis_accepted["c1"].empty());
    EXPECT_EQ(named.counselors["c1"].last_resolved_at, at(20min));
    config::routing_settings limit;
    limit.max_crisis_per_shift = 2;
    named = (co_await s.load_counselor_states(at(21min), store::routing_lookback::of(limit), just_c1)).value();
    EXPECT_EQ(named.crisis_accepted["c1"], (std::vector<time_point>{at(2s)}));
  });
}

}  // namespace
}  // namespace caseroute::store_test
