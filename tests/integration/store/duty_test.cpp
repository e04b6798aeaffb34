// Duty changes by supervisors against a real Redis (store/duty_store.hpp):
// duty_exception.lua stores and deletes a dated exception, appends a history
// entry with what was stored before and a duty.changed event on the feed in
// the same step; duty_availability.lua signs a counselor in or out for a
// supervisor with the reason in the history only; the history pages newest first.
#include "store/duty_store.hpp"

#include "store_fixture.hpp"

namespace caseroute::store_test {
namespace {

using names = std::vector<std::string>;

asio::awaitable<std::vector<v1::Event>> feed(store::redis_connection& redis) {
  auto r = (co_await redis.exec(store::command("XRANGE", test_keys().feed(), "-", "+"))).value();
  std::vector<v1::Event> out;
  for (const auto& entry : r.elements) {
    v1::Event e;
    EXPECT_TRUE(e.ParseFromString(entry.elements.at(1).elements.at(1).str));
    out.push_back(std::move(e));
  }
  co_return out;
}

std::vector<std::string> ids_in(const google::protobuf::ListValue& list) {
  std::vector<std::string> out;
  for (const auto& v : list.values()) out.push_back(v.string_value());
  return out;
}

using duty_store_test = store_test;

TEST_F(duty_store_test, an_exception_is_stored_replaced_and_deleted_with_history_and_feed_events) {
  run([](env& e) -> asio::awaitable<void> {
    store::duty_store duty(e.redis, test_keys());
    const config::duty first = {{"am", {"c003"}}, {"pm", {}}};
    store::exception_change change1{"hubin-01", "2026-03-03", first, "supervisor:s1", at()};
    auto before = co_await duty.set_exception(change1);
    CO_ASSERT_TRUE(before.has_value());
    EXPECT_FALSE(before->has_value());  // nothing stored before

    // Another client (another replica) reads it whole.
    store::duty_store other(e.redis2, test_keys());
    auto stored = (co_await other.exceptions()).value();
    EXPECT_EQ(stored, (schedule::stored_exceptions{{"hubin-01", {{"2026-03-03", first}}}}));

    const config::duty second = {{"am", {"c001", "c002"}}};
    store::exception_change change2{"hubin-01", "2026-03-03", second, "supervisor:s2", at(1s)};
    before = co_await duty.set_exception(change2);
    CO_ASSERT_TRUE(before.has_value() && before->has_value());
    EXPECT_EQ(**before, first);

    store::exception_change change3{"hubin-01", "2026-03-03", std::nullopt, "supervisor:s1", at(2s)};
    before = co_await duty.set_exception(change3);
    CO_ASSERT_TRUE(before.has_value() && before->has_value());
    EXPECT_EQ(**before, second);
    EXPECT_TRUE((co_await other.exceptions()).value().empty());

    // Deleting again changes nothing and says so.
    store::exception_change change4{"hubin-01", "2026-03-03", std::nullopt, "supervisor:s1", at(3s)};
    before = co_await duty.set_exception(change4);
    EXPECT_EQ(before.error(), store::error::not_found);

    const auto events = co_await feed(e.redis);
    CO_ASSERT_TRUE(events.size() == 3u);
    for (const auto& ev : events) {
      EXPECT_EQ(ev.type(), "duty.changed");
      EXPECT_EQ(ev.site_id(), "hubin-01");
      EXPECT_EQ(ev.note(), "2026-03-03");
      EXPECT_TRUE(ev.case_id().empty());
    }
    EXPECT_EQ(events[0].reason_code(), "exception_set");
    EXPECT_EQ(events[1].actor(), "supervisor:s2");
    EXPECT_EQ(events[2].reason_code(), "exception_deleted");

    const auto history = (co_await duty.changes("", 10)).value();
    CO_ASSERT_TRUE(history.changes_size() == 3);
    EXPECT_TRUE(history.next_cursor().empty());
    const auto& deleted = history.changes(0);  // newest first
    EXPECT_EQ(deleted.kind(), "exception_deleted");
    EXPECT_EQ(deleted.actor(), "supervisor:s1");
    EXPECT_EQ(deleted.at().seconds(), seconds_of(at(2s)));
    EXPECT_EQ(ids_in(deleted.before().shifts().at("am")), (names{"c001", "c002"}));
    EXPECT_FALSE(deleted.has_after());
    const auto& replaced = history.changes(1);
    EXPECT_EQ(replaced.kind(), "exception_set");
    EXPECT_EQ(ids_in(replaced.before().shifts().at("am")), names{"c003"});
    EXPECT_EQ(ids_in(replaced.before().shifts().at("pm")), names{});
    EXPECT_EQ(ids_in(replaced.after().shifts().at("am")), (names{"c001", "c002"}));
    const auto& created = history.changes(2);
    EXPECT_FALSE(created.has_before());
    EXPECT_EQ(created.site_id(), "hubin-01");
    EXPECT_EQ(created.date(), "2026-03-03");
    EXPECT_FALSE(created.id().empty());
  });
}

TEST_F(duty_store_test, a_supervisor_signs_a_counselor_out_and_in_with_the_reason_in_the_history_only) {
  run([](env& e) -> asio::awaitable<void> {
    store::duty_store duty(e.redis, test_keys());
    auto before = co_await duty.set_availability("c1", false, "supervisor:s1", "invented reason: unwell", at());
    CO_ASSERT_TRUE(before.has_value());
    EXPECT_FALSE(before->has_value());  // never set
    (co_await e.redis.exec(store::command("HSET", test_keys().counselor("c1"), "missed_offers", "3"))).value();
    before = co_await duty.set_availability("c1", true, "supervisor:s1", "invented reason: back", at(1s));
    CO_ASSERT_TRUE(before.has_value() && before->has_value());
    EXPECT_FALSE(**before);

    // The routing state sees it signed in, missed offers cleared.
    auto state =
        (co_await e.store.load_routing_state(at(2s), store::routing_lookback{std::chrono::hours(1)}, "")).value();
    EXPECT_TRUE(state.counselors.at("c1").available);
    EXPECT_EQ(state.counselors.at("c1").missed_offers, 0);

    const auto events = co_await feed(e.redis);
    CO_ASSERT_TRUE(events.size() == 2u);
    EXPECT_EQ(events[0].type(), "counselor.availability");
    EXPECT_EQ(events[0].actor(), "supervisor:s1");
    EXPECT_EQ(events[0].counselor_id(), "c1");
    EXPECT_FALSE(events[0].available());
    EXPECT_TRUE(events[1].available());
    for (const auto& ev : events) {
      EXPECT_TRUE(ev.reason().empty());  // free text stays off the feed
      EXPECT_EQ(ev.SerializeAsString().find("invented reason"), std::string::npos);
    }

    // One per page, newest first, the cursor continuing to the older one.
    auto page = (co_await duty.changes("", 1)).value();
    CO_ASSERT_TRUE(page.changes_size() == 1);
    EXPECT_EQ(page.changes(0).kind(), "availability");
    EXPECT_EQ(page.changes(0).counselor_id(), "c1");
    EXPECT_TRUE(page.changes(0).has_available_before());
    EXPECT_FALSE(page.changes(0).available_before());
    EXPECT_TRUE(page.changes(0).available_after());
    EXPECT_EQ(page.changes(0).reason(), "invented reason: back");
    CO_ASSERT_TRUE(!page.next_cursor().empty());
    page = (co_await duty.changes(page.next_cursor(), 1)).value();
    CO_ASSERT_TRUE(page.changes_size() == 1);
    EXPECT_FALSE(page.changes(0).has_available_before());
    EXPECT_FALSE(page.changes(0).available_after());
    EXPECT_EQ(page.changes(0).reason(), "invented reason: unwell");
    page = (co_await duty.changes(page.next_cursor(), 1)).value();
    EXPECT_EQ(page.changes_size(), 0);
  });
}

TEST_F(duty_store_test, the_json_lists_of_a_body_round_trip_and_non_strings_are_refused) {
  const config::duty d = {{"am", {"c1", "c2"}}, {"pm", {}}};
  EXPECT_EQ(store::to_duty(store::to_shifts(d)), d);
  v1::DutyShifts bad;
  (*bad.mutable_shifts())["am"].add_values()->set_number_value(3);
  EXPECT_FALSE(store::to_duty(bad));
}

}  // namespace
}  // namespace caseroute::store_test
