// Who is on duty, available and busy (api/duty_counts.hpp), as GET /metrics
// and GET /v1/queue count them: a city larger than one read of counselor
// states, so every slice counts, including the counselors at its edges.
#include <gtest/gtest.h>

#include <boost/asio/thread_pool.hpp>

#include <algorithm>
#include <memory>
#include <string>

#include "api/duty_counts.hpp"
#include "config/loader.hpp"
#include "config/token.hpp"
#include "store/store_fixture.hpp"

namespace caseroute::store_test {
namespace {

constexpr int city = 600;  // several reads of api::duty_states_per_read counselors
// c256 and c512 open a read below, c511 closes one.
static_assert(256 % api::duty_states_per_read == 0 && city > 512);

std::string id_of(int i) {
  const std::string digits = std::to_string(i);
  return "c" + std::string(3 - std::min<std::size_t>(3, digits.size()), '0') + digits;
}

// `city` counselors on duty all day at s1 (even ids capacity 1, odd 2); the
// first 100 also at s2, in the same shift (a second slot, counted once).
std::shared_ptr<const config::config> big_city() {
  std::string counselors, s1, s2;
  for (int i = 0; i < city; ++i) {
    const std::string id = id_of(i);
    counselors += "  - {id: " + id + ", name: " + id + ", token_sha256: " + config::sha256_hex("token-" + id) +
                  ", specialties: {depression: 3}, capacity: " + std::to_string(i % 2 == 0 ? 1 : 2) + "}\n";
    s1 += (i == 0 ? "" : ", ") + id;
    if (i < 100) s2 += (i == 0 ? "" : ", ") + id;
  }
  std::string roster1, roster2;
  for (const char* day : {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}) {
    roster1 += std::string("      ") + day + ": {all: [" + s1 + "]}\n";
    roster2 += std::string("      ") + day + ": {all: [" + s2 + "]}\n";
  }
  auto loaded = config::parse_config(
      "timezone: Asia/Shanghai\n"
      "shifts: {all: \"00:00-24:00\"}\n"
      "specialties:\n"
      "  - {code: depression, name: 抑郁}\n"
      "counselors:\n" +
      counselors +
      "sites:\n"
      "  - id: s1\n"
      "    name: 一号点\n"
      "    county: \"411202\"\n"
      "    roster:\n" +
      roster1 +
      "  - id: s2\n"
      "    name: 二号点\n"
      "    county: \"411202\"\n"
      "    roster:\n" +
      roster2 +
      "privacy: {encryption_key_file: data.key}\n"
      "platforms: [{id: p1, secret_file: p1.key}]\n");
  if (!loaded.cfg) throw std::runtime_error("the test config does not load");
  return std::make_shared<const config::config>(std::move(*loaded.cfg));
}

// Offers `n` new cases to `counselor`.
asio::awaitable<void> hold(store::case_store& s, const std::string& counselor, int n, int capacity) {
  for (int k = 0; k < n; ++k) {
    const auto id = co_await new_case(s, "r-" + counselor + "-" + std::to_string(k), at(), v1::RISK_HIGH,
                                      "y-" + counselor + "-" + std::to_string(k));
    (co_await s.offer(offer_to(id, counselor, at(), capacity))).value();
  }
}

class duty_counts_test : public store_test {};

TEST_F(duty_counts_test, every_slice_of_a_big_city_counts_each_counselor_once) {
  const auto cfg = big_city();
  const std::shared_ptr<const schedule::roster> roster = std::make_shared<schedule::roster>(*cfg);
  run([&](env& e) -> asio::awaitable<void> {
    // Busy: at capacity, signed in or not; c256, c511 and c512 at the edges of reads.
    co_await hold(e.store, "c000", 1, 1);
    co_await hold(e.store, "c002", 1, 1);
    co_await hold(e.store, "c003", 2, 2);
    co_await hold(e.store, "c256", 1, 1);
    co_await hold(e.store, "c511", 2, 2);
    co_await hold(e.store, "c512", 1, 1);
    co_await hold(e.store, "c599", 2, 2);
    // Holding less than capacity: still available.
    co_await hold(e.store, "c001", 1, 2);
    co_await hold(e.store, "c513", 1, 2);
    // Signed out during the shift: neither available nor busy, unless at capacity (c010).
    for (int i = 10; i < 30; ++i) (co_await e.store.set_availability(id_of(i), false, at())).value();
    co_await hold(e.store, "c010", 1, 1);
    (co_await e.store.set_availability("c255", false, at())).value();
    (co_await e.store.set_availability("c257", false, at())).value();
    // Signed out, then in again: available.
    (co_await e.store.set_availability("c300", false, at())).value();
    (co_await e.store.set_availability("c300", true, at(1s))).value();

    api::duty_now on_duty;
    const auto list = co_await on_duty.at(cfg, roster, at(2s));
    CO_ASSERT_TRUE(list->on_duty.size() == static_cast<std::size_t>(city));
    auto counts = co_await api::count_duty(e.store, *list, at(2s));
    CO_ASSERT_TRUE(counts.has_value());
    EXPECT_EQ(counts->on_duty, city);
    EXPECT_EQ(counts->busy, 8);
    EXPECT_EQ(counts->available, city - 8 - 21);  // c011..c029, c255, c257 signed out
  });
}

TEST_F(duty_counts_test, the_list_is_worked_out_again_only_when_the_roster_or_the_shift_changes) {
  const auto cfg = big_city();
  const std::shared_ptr<const schedule::roster> roster = std::make_shared<schedule::roster>(*cfg);
  asio::thread_pool worker(1);
  run([&](env& e) -> asio::awaitable<void> {
    api::duty_now on_duty(&worker);
    const auto first = co_await on_duty.at(cfg, roster, at());
    EXPECT_EQ(first->on_duty.size(), static_cast<std::size_t>(city));
    // Counselors of two sites count once, with the slot of their first site.
    EXPECT_EQ(first->on_duty.front().slot.site_id, "s1");
    EXPECT_EQ(first->on_duty.front().capacity, 1);
    EXPECT_EQ(first->on_duty[1].capacity, 2);
    // The same shift: the same list, not worked out again.
    EXPECT_EQ((co_await on_duty.at(cfg, roster, at(1h))).get(), first.get());
    // The next day's shift (the all-day shift ends at local midnight, 16:00 UTC).
    const auto next_day = co_await on_duty.at(cfg, roster, at(8h));
    EXPECT_NE(next_day.get(), first.get());
    EXPECT_EQ(next_day->from, at(8h));
    // Another roster (a reload, a stored duty exception): worked out again.
    const std::shared_ptr<const schedule::roster> other = std::make_shared<schedule::roster>(*cfg);
    EXPECT_NE((co_await on_duty.at(cfg, other, at(8h))).get(), next_day.get());
    (void)e;
  });
}

}  // namespace
}  // namespace caseroute::store_test
