// The change feed as the transition scripts write it, against a real Redis:
// every event a script appends to a case's history is on the feed too, in
// the same order, with the case's risk and concern codes stamped; a
// cancelled broadcast tells each holder of an open offer; sign-ins and
// sign-outs (also after missed offers) are counselor.availability events.
#include <sstream>

#include "store_fixture.hpp"

namespace caseroute::store_test {
namespace {

// Every event on the feed, oldest first.
asio::awaitable<std::vector<v1::Event>> feed(store::redis_connection& redis) {
  auto r = (co_await redis.exec(store::command("XRANGE", test_keys().feed(), "-", "+"))).value();
  std::vector<v1::Event> out;
  for (const auto& entry : r.elements) {
    const auto& fields = entry.elements.at(1).elements;
    EXPECT_EQ(fields.size(), 2u);
    EXPECT_EQ(fields.at(0).str, "e");
    v1::Event e;
    EXPECT_TRUE(e.ParseFromString(fields.at(1).str));
    out.push_back(std::move(e));
  }
  co_return out;
}

std::vector<v1::Event> of_case(const std::vector<v1::Event>& events, const std::string& case_id) {
  std::vector<v1::Event> out;
  for (const auto& e : events)
    if (e.case_id() == case_id) out.push_back(e);
  return out;
}

std::string types(const std::vector<v1::Event>& events) {
  std::string out;
  for (const auto& e : events)
    out += (out.empty() ? "" : " ") + e.type() + (e.counselor_id().empty() ? "" : ":") + e.counselor_id();
  return out;
}

using feed_writes = store_test;

TEST_F(feed_writes, every_history_event_is_on_the_feed_in_order_with_risk_and_concerns) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    const auto id = co_await new_case(s, "R-f1", at(), v1::RISK_HIGH);
    (co_await s.offer(offer_to(id, "c1", at(1s)))).value();
    (co_await s.decline(id, "c1", "invented reason 13800000000", at(2s))).value();
    (co_await s.offer(offer_to(id, "c2", at(3s)))).value();
    (co_await s.accept(id, "c2", at(4s))).value();
    (co_await s.release(id, "c2", "", at(5s))).value();
    (co_await s.offer(offer_to(id, "c3", at(6s)))).value();
    (co_await s.accept(id, "c3", at(7s))).value();
    (co_await s.resolve(id, "c3", v1::OUTCOME_COUNSELED, "invented note", at(8s))).value();

    const auto history = (co_await s.get(id, {.history = true})).value().history();
    const auto on_feed = of_case(co_await feed(e.redis), id);
    CO_ASSERT_TRUE(static_cast<int>(on_feed.size()) == history.size());
    EXPECT_EQ(types(on_feed),
              "case.created case.offered:c1 case.declined:c1 case.offered:c2 case.accepted:c2 case.released:c2 "
              "case.offered:c3 case.accepted:c3 case.resolved:c3");
    for (std::size_t i = 0; i < on_feed.size(); ++i) {
      EXPECT_EQ(on_feed[i].type(), history[static_cast<int>(i)].type());
      EXPECT_EQ(on_feed[i].at().seconds(), history[static_cast<int>(i)].at().seconds());
      EXPECT_EQ(on_feed[i].risk(), v1::RISK_HIGH);
      EXPECT_EQ(std::vector<std::string>(on_feed[i].concerns().begin(), on_feed[i].concerns().end()),
                (std::vector<std::string>{"depression", "exam_stress"}));
      // A resolve note stays sealed on the feed as in the history.
      EXPECT_TRUE(on_feed[i].note().empty());
    }
  });
}

TEST_F(feed_writes, a_cancelled_broadcast_tells_each_holder_of_an_open_offer) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    const auto id = co_await new_case(s, "R-f2", at(), v1::RISK_CRISIS);
    (co_await s.broadcast(broadcast_to(id, "c1 c4", at(1s)))).value();
    (co_await s.cancel(id, "supervisor:s1", "", at(2s))).value();
    EXPECT_EQ(types(of_case(co_await feed(e.redis), id)),
              "case.created case.offered:c1 case.offered:c4 case.cancelled:c1 case.cancelled:c4 case.cancelled");
  });
}

// A follower drops a case from its routing cache, without reading it, when
// the case's latest event on the feed says it is not queued: each event must
// carry the state its script left the case in (or none), and the youth key,
// whatever path the script took (broadcast offers ending one by one, late
// accepts, expiries, withdrawals, supervisor re-offers).
TEST_F(feed_writes, each_case_event_carries_the_state_it_left_the_case_in_and_its_youth_key) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    const auto single = co_await new_case(s, "R-f5", at(), v1::RISK_HIGH, "y-5");
    const auto crisis = co_await new_case(s, "R-f6", at(), v1::RISK_CRISIS, "y-6");
    const auto youthless = co_await new_case(s, "R-f7", at(), v1::RISK_LOW, "");
    int checked = 0;
    const auto check = [&](const std::string& id) -> asio::awaitable<void> {
      const auto state = (co_await s.get(id, {})).value().state();
      const auto youth = (co_await e.redis.exec(store::command("HGET", test_keys().case_hash(id), "youth"))).value();
      const auto events = of_case(co_await feed(e.redis), id);
      CO_ASSERT_TRUE(!events.empty());
      const v1::Event& last = events.back();
      if (last.state() != v1::CASE_STATE_UNSPECIFIED) {
        EXPECT_EQ(last.state(), state) << id << " " << last.type();
      }
      for (const auto& ev : events) EXPECT_EQ(ev.youth_key(), youth.str) << ev.type();
      ++checked;
    };
    // (declines and expiries exclude their counselors: a supervisor's
    // broadcast may offer the case to them again)
    const auto broadcast_again = [&](const std::string& id, time_point now) -> asio::awaitable<void> {
      (co_await s.broadcast(broadcast_to(id, "c1 c2 c3", now, 3, 30s, true))).value();
    };

    co_await check(single);  // created
    (co_await s.offer(offer_to(single, "c1", at(1s)))).value();
    co_await check(single);
    (co_await s.decline(single, "c1", "", at(2s))).value();
    co_await check(single);
    (co_await s.offer(offer_to(single, "c2", at(3s), 3, 10s))).value();
    co_await check(single);
    auto late = co_await s.accept(single, "c2", at(20s));  // after expiry: back to the queue
    EXPECT_FALSE(late);
    co_await check(single);
    (co_await s.offer(offer_to(single, "c3", at(21s)))).value();
    auto reoffer = offer_to(single, "c4", at(22s));  // a supervisor moves it
    reoffer.actor = "supervisor:s1";
    (co_await s.offer(reoffer)).value();
    co_await check(single);
    (co_await s.withdraw(single, "c4", "off duty", at(23s))).value();
    co_await check(single);
    (co_await s.escalate(single, 1, at(24s))).value();
    co_await check(single);
    (co_await s.offer(offer_to(single, "c5", at(25s)))).value();
    (co_await s.accept(single, "c5", at(26s))).value();
    co_await check(single);
    (co_await s.release(single, "c5", "", at(27s))).value();
    co_await check(single);
    (co_await s.offer(offer_to(single, "c6", at(28s)))).value();
    (co_await s.accept(single, "c6", at(29s))).value();
    (co_await s.resolve(single, "c6", v1::OUTCOME_COUNSELED, "", at(30s))).value();
    co_await check(single);

    co_await broadcast_again(crisis, at(1s));
    co_await check(crisis);
    (co_await s.decline(crisis, "c1", "", at(2s))).value();  // c2 and c3 still hold theirs
    co_await check(crisis);
    (co_await s.withdraw(crisis, "c2", "off duty", at(3s))).value();
    co_await check(crisis);
    (co_await s.withdraw(crisis, "c3", "off duty", at(4s))).value();  // the last one: queued again
    co_await check(crisis);
    co_await broadcast_again(crisis, at(5s));
    (co_await s.expire_offers(at(40s))).value();  // every offer at once
    co_await check(crisis);
    co_await broadcast_again(crisis, at(41s));
    (co_await s.accept(crisis, "c3", at(42s))).value();  // the others are withdrawn
    co_await check(crisis);
    (co_await s.cancel(crisis, "supervisor:s1", "", at(43s))).value();
    co_await check(crisis);

    co_await check(youthless);
    (co_await s.offer(offer_to(youthless, "c1", at(1s)))).value();
    co_await check(youthless);
    EXPECT_EQ(checked, 20);
  });
}

// The id of the feed's newest entry.
asio::awaitable<std::string> newest_entry(store::redis_connection& redis) {
  auto r = (co_await redis.exec(store::command("XREVRANGE", test_keys().feed(), "+", "-", "COUNT", "1"))).value();
  co_return r.elements.empty() ? "" : r.elements.front().elements.at(0).str;
}

TEST_F(feed_writes, an_offer_and_a_broadcast_answer_with_the_id_of_the_last_entry_they_wrote) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    const auto id = co_await new_case(s, "R-f-id", at(), v1::RISK_HIGH);
    const auto offered = (co_await s.offer(offer_to(id, "c1", at(1s)))).value();
    EXPECT_EQ(offered.counselors, (std::vector<std::string>{"c1"}));
    EXPECT_EQ(offered.feed_id, co_await newest_entry(e.redis));
    // A supervisor's re-offer writes the withdrawal first, then the offer.
    auto again = offer_to(id, "c2", at(2s));
    again.actor = "supervisor:s1";
    const auto reoffered = (co_await s.offer(again)).value();
    EXPECT_EQ(reoffered.feed_id, co_await newest_entry(e.redis));
    EXPECT_NE(reoffered.feed_id, offered.feed_id);

    const auto crisis = co_await new_case(s, "R-f-id-crisis", at(), v1::RISK_CRISIS);
    const auto broadcast = (co_await s.broadcast(broadcast_to(crisis, "c3 c4", at(3s)))).value();
    EXPECT_EQ(broadcast.counselors, (std::vector<std::string>{"c3", "c4"}));
    EXPECT_EQ(broadcast.feed_id, co_await newest_entry(e.redis));
  });
}

TEST_F(feed_writes, sign_ins_and_sign_outs_are_counselor_availability_events) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    (co_await s.set_availability("c7", false, at())).value();
    (co_await s.set_availability("c7", true, at(1s))).value();
    // Two missed offers in a row sign c8 out (max_missed_offers 2).
    const auto one = co_await new_case(s, "R-f3", at());
    const auto two = co_await new_case(s, "R-f4", at());
    (co_await s.offer(offer_to(one, "c8", at(), 3, 10s))).value();
    (co_await s.offer(offer_to(two, "c8", at(), 3, 10s))).value();
    (co_await s.expire_offers(at(11s), 2)).value();
    std::vector<v1::Event> availability;
    for (const auto& ev : co_await feed(e.redis))
      if (ev.type() == "counselor.availability") availability.push_back(ev);
    EXPECT_EQ(types(availability), "counselor.availability:c7 counselor.availability:c7 counselor.availability:c8");
    CO_ASSERT_TRUE(availability.size() == 3);
    EXPECT_FALSE(availability[0].available());
    EXPECT_EQ(availability[0].actor(), "counselor:c7");
    EXPECT_TRUE(availability[1].available());
    EXPECT_FALSE(availability[2].available());
    EXPECT_EQ(availability[2].actor(), "system");
    EXPECT_EQ(availability[2].at().seconds(), seconds_of(at(11s)));
  });
}

}  // namespace
}  // namespace caseroute::store_test
