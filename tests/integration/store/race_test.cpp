// Races between two store clients on separate connections, interleaved on one
// io_context: the Lua scripts must let exactly one change win.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>

#include "store_fixture.hpp"

namespace caseroute::store_test {
namespace {

using boost::system::error_code;
using store::error;
using namespace asio::experimental::awaitable_operators;

struct offer_job {
  store::case_store* store;
  store::offer_request request;
};

// Starts every offer at once and returns each outcome, in order.
asio::awaitable<std::vector<error_code>> offer_all_at_once(std::vector<offer_job> jobs) {
  auto ex = co_await asio::this_coro::executor;
  std::vector<error_code> out(jobs.size());
  std::size_t remaining = jobs.size();
  asio::steady_timer all_done(ex, asio::steady_timer::time_point::max());
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    asio::co_spawn(ex, jobs[i].store->offer(jobs[i].request),
                   [&out, &remaining, &all_done, i](std::exception_ptr p, store::result<store::offers_made> r) {
                     out[i] = p ? make_error_code(error::redis_error) : (r ? error_code() : r.error());
                     if (--remaining == 0) all_done.cancel();
                   });
  }
  if (remaining > 0) co_await all_done.async_wait(asio::as_tuple(asio::use_awaitable));
  co_return out;
}

asio::awaitable<std::vector<std::string>> create_cases(store::case_store& s, int n, const std::string& tag) {
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i)
    ids.push_back((co_await s.create(referral(tag + std::to_string(i)), "henan-12355", at())).value().case_id);
  co_return ids;
}

using races = store_test;

TEST_F(races, two_clients_offering_one_case_to_different_counselors_exactly_one_wins) {
  run(
      [](env& e) -> asio::awaitable<void> {
        const auto ids = co_await create_cases(e.store, 200, "R-race-");
        int wins_a = 0, wins_b = 0;
        // Rounds of 20 cases: 40 offers in flight at once over two connections.
        for (std::size_t round = 0; round < ids.size(); round += 20) {
          std::vector<offer_job> jobs;
          for (std::size_t i = round; i < round + 20; ++i) {
            jobs.push_back({&e.store, offer_to(ids[i], "c-a", at(1s), 1000)});
            jobs.push_back({&e.store2, offer_to(ids[i], "c-b", at(1s), 1000)});
          }
          auto out = co_await offer_all_at_once(jobs);
          for (std::size_t j = 0; j < out.size(); j += 2) {
            const bool a = !out[j], b = !out[j + 1];
            EXPECT_NE(a, b) << "case " << jobs[j].request.case_id;
            EXPECT_EQ(a ? out[j + 1] : out[j], error::wrong_state);
            auto c = (co_await e.store.get(jobs[j].request.case_id, {.history = true})).value();
            EXPECT_EQ(c.counselor_id(), a ? "c-a" : "c-b");
            EXPECT_EQ(c.history_size(), 2);  // created + one offered
            (a ? wins_a : wins_b) += 1;
          }
        }
        EXPECT_EQ(wins_a + wins_b, 200);
        auto a = (co_await e.store.counselor_cases("c-a")).value();
        auto b = (co_await e.store.counselor_cases("c-b")).value();
        EXPECT_EQ(static_cast<int>(a.size()), wins_a);
        EXPECT_EQ(static_cast<int>(b.size()), wins_b);
      },
      60s);
  EXPECT_EQ(server().cli({"ZCARD", "{test:city}:v1:offers"}), "200");
  EXPECT_EQ(server().cli({"ZCARD", "{test:city}:v1:queue"}), "0");
}

TEST_F(races, capacity_is_checked_atomically_across_clients) {
  run([](env& e) -> asio::awaitable<void> {
    const auto ids = co_await create_cases(e.store, 10, "R-cap-");
    std::vector<offer_job> jobs;
    for (std::size_t i = 0; i < ids.size(); ++i)
      jobs.push_back({i % 2 ? &e.store2 : &e.store, offer_to(ids[i], "c001", at(1s), 3)});
    auto out = co_await offer_all_at_once(jobs);
    int ok = 0, full = 0;
    for (const auto& ec : out) {
      if (!ec)
        ++ok;
      else if (ec == error::at_capacity)
        ++full;
    }
    EXPECT_EQ(ok, 3);
    EXPECT_EQ(full, 7);
    EXPECT_EQ((co_await e.store.counselor_cases("c001")).value().size(), 3u);
  });
}

TEST_F(races, accept_racing_a_supervisor_reassignment_has_one_winner) {
  run(
      [](env& e) -> asio::awaitable<void> {
        const auto ids = co_await create_cases(e.store, 50, "R-acc-");
        int accepted = 0, reassigned = 0;
        for (const auto& id : ids) {
          (co_await e.store.offer(offer_to(id, "c001", at(), 1000))).value();
          auto assign = offer_to(id, "c002", at(1s), 1000);
          assign.actor = "supervisor:s001";
          assign.rule = "assigned";
          assign.ignore_exclusion = true;
          auto [acc, off] = co_await (e.store.accept(id, "c001", at(1s)) && e.store2.offer(assign));
          EXPECT_NE(bool(acc), bool(off)) << id;
          auto c = (co_await e.store.get(id, {.history = true})).value();
          if (acc) {
            ++accepted;
            EXPECT_EQ(off.error(), error::wrong_state);
            EXPECT_EQ(c.state(), v1::CASE_ACTIVE);
            EXPECT_EQ(c.counselor_id(), "c001");
          } else {
            ++reassigned;
            EXPECT_EQ(acc.error(), error::not_yours);
            EXPECT_EQ(c.state(), v1::CASE_OFFERED);
            EXPECT_EQ(c.counselor_id(), "c002");
            EXPECT_EQ(c.history(c.history_size() - 2).type(), "case.offer_withdrawn");
          }
        }
        EXPECT_EQ(accepted + reassigned, 50);
        // Load stays exact: every case is held by exactly one counselor.
        auto one = (co_await e.store.counselor_cases("c001")).value();
        auto two = (co_await e.store.counselor_cases("c002")).value();
        EXPECT_EQ(static_cast<int>(one.size()), accepted);
        EXPECT_EQ(static_cast<int>(two.size()), reassigned);
      },
      60s);
}

TEST_F(races, two_racing_accepts_of_one_offer_record_one_acceptance) {
  run([](env& e) -> asio::awaitable<void> {
    const auto ids = co_await create_cases(e.store, 20, "R-twice-");
    for (const auto& id : ids) {
      (co_await e.store.offer(offer_to(id, "c001", at(), 1000))).value();
      auto [a, b] = co_await (e.store.accept(id, "c001", at(1s)) && e.store2.accept(id, "c001", at(1s)));
      EXPECT_TRUE(a && b) << id;  // the same counselor on two devices: both see ACTIVE
      auto c = (co_await e.store.get(id, {.history = true})).value();
      EXPECT_EQ(c.history_size(), 3);
      EXPECT_EQ(c.state(), v1::CASE_ACTIVE);
      // A different counselor racing the owner never wins.
      EXPECT_EQ((co_await e.store2.accept(id, "c002", at(2s))).error(), error::not_yours);
    }
  });
}

}  // namespace
}  // namespace caseroute::store_test
