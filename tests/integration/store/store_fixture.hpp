// Shared fixture of the store tests: the binary's redis-server, two store
// clients on separate connections, and a runner that fails a stuck coroutine
// test at its deadline instead of hanging. Invented data only.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <exception>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "store/case_store.hpp"
#include "store/codec.hpp"
#include "support/redis_server.hpp"

namespace caseroute::store_test {

namespace asio = boost::asio;
namespace v1 = caseroute::v1;
using namespace std::chrono_literals;

// gtest's ASSERT_* return void, which a coroutine cannot.
#define CO_ASSERT_TRUE(cond)                    \
  do {                                          \
    if (!(cond)) {                              \
      ADD_FAILURE() << "expected true: " #cond; \
      co_return;                                \
    }                                           \
  } while (0)

inline testing::redis_server& server() {
  static testing::redis_server s;
  return s;
}

inline constexpr const char* prefix = "test:city";
inline constexpr const char* test_phone = "13800000042";
inline constexpr const char* test_summary = "invented summary: exam worries";

inline store::sealer test_sealer(char fill = 'k') { return store::sealer::from_key(std::string(32, fill)).value(); }
inline store::keys test_keys() { return store::keys(prefix); }

// 2026-03-02 09:00 UTC plus `offset`.
inline time_point at(std::chrono::milliseconds offset = 0ms) {
  using namespace std::chrono;
  return time_point(sys_days(year(2026) / March / 2).time_since_epoch() + 9h + offset);
}

inline std::int64_t seconds_of(time_point t) {
  return std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
}

inline v1::Referral referral(const std::string& id, v1::Risk risk = v1::RISK_HIGH, const std::string& youth = "y-1") {
  v1::Referral r;
  r.set_referral_id(id);
  r.mutable_received_at()->set_seconds(1'772'440'000);
  r.set_risk(risk);
  r.add_concerns("depression");
  r.add_concerns("exam_stress");
  r.add_groups(v1::GROUP_HARDSHIP);
  r.set_mode(v1::MODE_PHONE);
  r.set_county("411202");
  r.mutable_youth()->set_ref(youth);
  r.mutable_youth()->set_age(15);
  r.mutable_contact()->set_name("Invented Name");
  r.mutable_contact()->set_phone(test_phone);
  r.set_summary(test_summary);
  return r;
}

inline std::vector<std::string> event_types(const v1::Case& c) {
  std::vector<std::string> t;
  for (const auto& e : c.history()) t.push_back(e.type());
  return t;
}

// The record of a case stored before per-case keys, for referral `r` under
// case id `id`: youth and groups in clear, the unkeyed digest, contact and
// summary sealed by `master` itself (format 0x01).
inline v1::CaseRecord legacy_record(const v1::Referral& r, const std::string& id, const store::sealer& master) {
  v1::CaseRecord rec;
  rec.set_case_id(id);
  rec.set_referral_id(r.referral_id());
  rec.set_platform_id("henan-12355");
  rec.set_risk(r.risk());
  *rec.mutable_concerns() = r.concerns();
  *rec.mutable_legacy_groups() = r.groups();
  rec.set_mode(r.mode());
  rec.set_county(r.county());
  *rec.mutable_legacy_youth() = r.youth();
  store::codec::set_time(rec.mutable_received_at(), 1'772'440'000'000);
  store::codec::set_time(rec.mutable_created_at(), store::codec::to_ms(at()));
  v1::PersonalData pd;
  *pd.mutable_contact() = r.contact();
  pd.set_summary(r.summary());
  rec.set_sealed_personal(master.seal(store::codec::serialize(pd), id));
  rec.set_legacy_referral_digest(store::codec::referral_digest(r));
  return rec;
}

// A case for a referral() (the id is the referral id), created at `now`.
inline asio::awaitable<std::string> new_case(store::case_store& s, const std::string& rid, time_point now = at(),
                                             v1::Risk risk = v1::RISK_HIGH, const std::string& youth = "y-1") {
  auto c = (co_await s.create(referral(rid, risk, youth), "henan-12355", now)).value();
  co_return c.case_id;
}

inline store::offer_request offer_to(const std::string& case_id, const std::string& counselor, time_point now,
                                     int capacity = 3, std::chrono::seconds ttl = 60s) {
  store::offer_request r;
  r.case_id = case_id;
  r.counselor_id = counselor;
  r.site_id = "hubin-01";
  r.rule = "skill";
  r.actor = "system";
  r.capacity = capacity;
  r.now = now;
  r.expires_at = now + ttl;
  return r;
}

// A crisis broadcast of `case_id` to `counselors` (ids separated by spaces:
// g++ 12 cannot take a braced list inside a co_await expression), each at
// their own site; `ignore_exclusion` as a supervisor's broadcast may.
inline store::broadcast_request broadcast_to(const std::string& case_id, const std::string& counselors, time_point now,
                                             int capacity = 3, std::chrono::seconds ttl = 30s,
                                             bool ignore_exclusion = false) {
  store::broadcast_request r;
  r.case_id = case_id;
  r.now = now;
  r.expires_at = now + ttl;
  std::istringstream in(counselors);
  for (std::string id; in >> id;) r.targets.push_back({id, "site-of-" + id, capacity, ignore_exclusion});
  return r;
}

// From now on Redis logs every command in its slow log, emptied here.
inline void log_every_command() {
  server().cli({"CONFIG", "SET", "slowlog-max-len", "100000"});
  server().cli({"CONFIG", "SET", "slowlog-log-slower-than", "0"});
  server().cli({"SLOWLOG", "RESET"});
}

// What a test body gets: two independent clients of the same Redis.
struct env {
  asio::io_context& io;
  store::redis_connection& redis;
  store::case_store& store;
  store::redis_connection& redis2;
  store::case_store& store2;
};

using test_body = std::function<asio::awaitable<void>(env&)>;

inline asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::use_awaitable);
}

// Waits until `c` says connected, or throws after `limit`.
inline asio::awaitable<void> wait_connected(store::redis_connection& c, std::chrono::milliseconds limit = 10s) {
  for (auto waited = 0ms; !c.connected(); waited += 10ms) {
    if (waited > limit) throw std::runtime_error("redis connection did not come up");
    co_await sleep_for(10ms);
  }
}

inline asio::awaitable<void> prepare_and_run(env& e, const test_body& body) {
  co_await wait_connected(e.redis);
  co_await wait_connected(e.redis2);
  (co_await e.store.prepare()).value();
  (co_await e.store2.prepare()).value();
  co_await body(e);
}

class store_test : public ::testing::Test {
 protected:
  void SetUp() override { server().flush(); }

  // Runs `body` on a fresh io_context with two connected stores.
  static void run(const test_body& body, std::chrono::seconds deadline = 20s) {
    asio::io_context io;
    auto ep = store::parse_redis_url(server().url()).value();
    store::redis_connection r1(io, ep, 2000ms), r2(io, ep, 2000ms);
    store::case_store s1(r1, test_keys(), test_sealer()), s2(r2, test_keys(), test_sealer());
    env e{io, r1, s1, r2, s2};
    bool done = false;
    std::exception_ptr failure;
    asio::co_spawn(io, r1.run(), asio::detached);
    asio::co_spawn(io, r2.run(), asio::detached);
    asio::co_spawn(io, prepare_and_run(e, body), [&](std::exception_ptr p) {
      failure = p;
      done = true;
      r1.stop();
      r2.stop();
    });
    io.run_for(deadline);
    ASSERT_TRUE(done) << "the test coroutine did not finish within its deadline";
    if (failure) std::rethrow_exception(failure);
  }
};

}  // namespace caseroute::store_test
