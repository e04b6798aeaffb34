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
    store::broadcast_request b;
    b.case_id = id;
    b.now = at(1s);
    b.expires_at = at(31s);
    b.targets = {{"c1", "site-1", 3, false}, {"c4", "site-4", 3, false}};
    (co_await s.broadcast(b)).value();
    (co_await s.cancel(id, "supervisor:s1", "", at(2s))).value();
    EXPECT_EQ(types(of_case(co_await feed(e.redis), id)),
              "case.created case.offered:c1 case.offered:c4 case.cancelled:c1 case.cancelled:c4 case.cancelled");
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
