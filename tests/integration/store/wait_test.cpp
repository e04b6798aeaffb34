// Continuity waits against a real Redis (docs/ARCHITECTURE.md): wait.lua records a
// queued case's wait for its continuity counselor once, with its history
// event, refuses a case that is not queued, and records again after an offer
// ended the wait. Invented data only.
#include <algorithm>

#include "store_fixture.hpp"

namespace caseroute::store_test {
namespace {

using store::error;

int count_type(const v1::Case& c, const std::string& type) {
  return static_cast<int>(
      std::count_if(c.history().begin(), c.history().end(), [&](const v1::Event& e) { return e.type() == type; }));
}

std::string waiting_field(const std::string& case_id) {
  return server().cli({"HGET", std::string("{") + prefix + "}:v1:case:" + case_id, "waiting_for"});
}

constexpr const char* reason = "waiting for continuity counselor c002";

using continuity_wait = store_test;

TEST_F(continuity_wait, records_the_wait_once_with_its_event) {
  std::string id;
  run([&id](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    id = (co_await s.create(referral("R-W1", v1::RISK_LOW), "henan-12355", at())).value().case_id;
    const time_point until = at(3h);
    EXPECT_TRUE((co_await s.record_wait(id, "c002", until, reason, at(1s))).value());
    // Every routing pass decides the wait again, on either store client.
    for (int pass = 0; pass < 5; ++pass)
      EXPECT_FALSE((co_await e.store2.record_wait(id, "c002", until, reason, at(2s + pass * 200ms))).value());

    auto c = (co_await s.get(id, {.history = true})).value();
    EXPECT_EQ(c.state(), v1::CASE_QUEUED);
    CO_ASSERT_TRUE(c.history_size() == 2);
    const auto& w = c.history(1);
    EXPECT_EQ(w.type(), "case.waiting");
    EXPECT_EQ(w.actor(), "system");
    EXPECT_EQ(w.counselor_id(), "c002");
    EXPECT_EQ(w.reason(), reason);
    EXPECT_EQ(w.state(), v1::CASE_QUEUED);
    EXPECT_EQ(w.expires_at().seconds(), seconds_of(until));
    EXPECT_EQ(w.at().seconds(), seconds_of(at(1s)));
    // Still queued for routing: a wait is not a state change.
    auto queue = (co_await s.queue_view(at(3s))).value();
    EXPECT_EQ(queue.by_state().at("CASE_QUEUED"), 1);
  });
  EXPECT_EQ(waiting_field(id),
            "c002@" + std::to_string(
                          std::chrono::duration_cast<std::chrono::milliseconds>(at(3h).time_since_epoch()).count()));
}

TEST_F(continuity_wait, another_counselor_or_shift_is_a_new_wait) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    const auto id = (co_await s.create(referral("R-W2", v1::RISK_MEDIUM), "henan-12355", at())).value().case_id;
    EXPECT_TRUE((co_await s.record_wait(id, "c002", at(3h), reason, at(1s))).value());
    EXPECT_TRUE((co_await s.record_wait(id, "c003", at(2h), "waiting for continuity counselor c003", at(2s))).value());
    EXPECT_TRUE((co_await s.record_wait(id, "c003", at(26h), "waiting for continuity counselor c003", at(3s))).value());
    EXPECT_FALSE(
        (co_await s.record_wait(id, "c003", at(26h), "waiting for continuity counselor c003", at(4s))).value());
    auto c = (co_await s.get(id, {.history = true})).value();
    EXPECT_EQ(count_type(c, "case.waiting"), 3);
    EXPECT_EQ(c.history(3).counselor_id(), "c003");
    EXPECT_EQ(c.history(3).expires_at().seconds(), seconds_of(at(26h)));
  });
}

TEST_F(continuity_wait, refuses_a_case_that_is_not_queued) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    auto missing = co_await s.record_wait("01NOSUCHCASE0000000000000", "c002", at(3h), reason, at(1s));
    CO_ASSERT_TRUE(!missing);
    EXPECT_EQ(missing.error(), error::not_found);

    const auto id = (co_await s.create(referral("R-W3", v1::RISK_LOW), "henan-12355", at())).value().case_id;
    (co_await s.offer(offer_to(id, "c001", at(1s)))).value();
    auto offered = co_await s.record_wait(id, "c002", at(3h), reason, at(2s));
    CO_ASSERT_TRUE(!offered);
    EXPECT_EQ(offered.error(), error::wrong_state);

    (co_await s.accept(id, "c001", at(3s))).value();
    auto active = co_await s.record_wait(id, "c002", at(3h), reason, at(4s));
    CO_ASSERT_TRUE(!active);
    EXPECT_EQ(active.error(), error::wrong_state);
    auto c = (co_await s.get(id, {.history = true})).value();
    EXPECT_EQ(count_type(c, "case.waiting"), 0);
    EXPECT_EQ(c.state(), v1::CASE_ACTIVE);
  });
}

TEST_F(continuity_wait, an_offer_ends_the_wait_and_a_later_wait_is_recorded_again) {
  std::string id;
  run([&id](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    id = (co_await s.create(referral("R-W4", v1::RISK_LOW), "henan-12355", at())).value().case_id;
    EXPECT_TRUE((co_await s.record_wait(id, "c002", at(3h), reason, at(1s))).value());
    // An offer to someone else ends the wait; a decline puts the case back.
    (co_await s.offer(offer_to(id, "c001", at(2s)))).value();
    EXPECT_EQ(waiting_field(id), "(nil)");
    (co_await s.decline(id, "c001", "not today", at(3s))).value();
    EXPECT_TRUE((co_await s.record_wait(id, "c002", at(3h), reason, at(4s))).value());
    EXPECT_FALSE((co_await s.record_wait(id, "c002", at(3h), reason, at(5s))).value());
    auto c = (co_await s.get(id, {.history = true})).value();
    EXPECT_EQ(count_type(c, "case.waiting"), 2);
    EXPECT_EQ(c.history(c.history_size() - 1).type(), "case.waiting");
  });
  EXPECT_NE(waiting_field(id), "(nil)");
}

}  // namespace
}  // namespace caseroute::store_test
