// Redis restarted (or killed -9) under a steady stream of referrals: writes
// get 503 with Retry-After meanwhile, /readyz says not ready, the daemon
// never exits, resumes by itself, and every referral answered 2xx survives.
// The stream is one client thread; Redis is stopped only from the test thread.
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "e2e/e2e_support.hpp"

namespace caseroute::e2e {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

template <class F>
bool wait_until(F done, std::chrono::milliseconds limit) {
  const auto deadline = clock_type::now() + limit;
  while (clock_type::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return done();
}

// What the referral stream saw, shared with the test thread.
struct stream_log {
  std::mutex m;
  std::map<std::string, std::string> acknowledged;  // referral id -> case id
  int ok = 0;
  int unavailable = 0;
  int unavailable_without_retry_after = 0;
  std::map<int, int> other;  // any other status -> count

  int ok_count() {
    std::lock_guard l(m);
    return ok;
  }
  int unavailable_count() {
    std::lock_guard l(m);
    return unavailable;
  }
};

class outage : public e2e_test {
 protected:
  // Streams referrals while Redis goes away for about two seconds.
  void run_outage(bool kill9, const std::string& prefix) {
    stream_log seen;
    std::atomic<bool> stop{false};
    std::thread stream([&] {
      for (int n = 0; !stop; ++n) {
        const auto id = prefix + std::to_string(n);
        auto r =
            api_->platform("POST", "/v1/referrals", referral_json(id, n % 2 ? "RISK_LOW" : "RISK_HIGH", "anxiety"));
        std::lock_guard l(seen.m);
        if (r.status == 200 || r.status == 202) {
          seen.acknowledged[id] = parse<v1::ReferralAccepted>(r.body).case_id();
          ++seen.ok;
        } else if (r.status == 503) {
          ++seen.unavailable;
          if (r.header("retry-after").empty()) ++seen.unavailable_without_retry_after;
        } else {
          ++seen.other[r.status];
        }
        std::this_thread::sleep_for(5ms);
      }
    });

    // Ends the stream on every exit path, including a failed ASSERT.
    struct joiner {
      std::atomic<bool>& stop;
      std::thread& t;
      ~joiner() {
        stop = true;
        if (t.joinable()) t.join();
      }
    } join_stream{stop, stream};

    ASSERT_TRUE(wait_until([&] { return seen.ok_count() >= 20; }, 10s));
    if (kill9)
      redis_->kill9();
    else
      redis_->stop();
    const auto down_at = clock_type::now();
    EXPECT_TRUE(wait_until([&] { return testing::http_call(daemon_->port(), "GET", "/readyz").status == 503; }, 5s))
        << "/readyz stayed ready with Redis down";
    EXPECT_TRUE(wait_until([&] { return seen.unavailable_count() > 0; }, 5s)) << "no write got 503 with Redis down";
    EXPECT_EQ(testing::http_call(daemon_->port(), "GET", "/healthz").status, 200);
    // Keep Redis down about two seconds in all, so requests queue up against it.
    std::this_thread::sleep_until(down_at + 2s);

    const int ok_before = seen.ok_count();
    redis_->start();
    const auto up_at = clock_type::now();
    EXPECT_TRUE(wait_until([&] { return seen.ok_count() > ok_before; }, 15s)) << "writes did not resume by themselves";
    const auto resumed = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - up_at);
    EXPECT_TRUE(testing::wait_for_http(daemon_->port(), "/readyz", 15s));
    // A little more traffic after recovery, then stop the stream.
    const int ok_after = seen.ok_count();
    EXPECT_TRUE(wait_until([&] { return seen.ok_count() >= ok_after + 10; }, 10s));
    stop = true;
    stream.join();

    std::cout << "[ outage ] " << (kill9 ? "kill -9" : "stop") << ": " << seen.ok << " acknowledged, "
              << seen.unavailable << " answered 503, writes resumed " << resumed.count() << " ms after Redis came back"
              << std::endl;
    EXPECT_TRUE(daemon_->proc().running()) << daemon_->proc().output();
    EXPECT_GT(seen.unavailable, 0);
    EXPECT_EQ(seen.unavailable_without_retry_after, 0) << "every 503 must carry Retry-After";
    for (const auto& [status, count] : seen.other) ADD_FAILURE() << count << " writes answered " << status;

    // Nothing acknowledged is lost (appendfsync always in the test Redis).
    int lost = 0;
    for (const auto& [referral_id, case_id] : seen.acknowledged) {
      auto r = api_->platform("GET", "/v1/referrals/" + referral_id);
      if (r.status != 200 || parse<v1::Case>(r.body).case_id() != case_id) {
        if (++lost <= 10)
          ADD_FAILURE() << referral_id << " was acknowledged but is lost: " << r.status << " " << r.body;
      }
    }
    EXPECT_EQ(lost, 0) << "of " << seen.acknowledged.size() << " acknowledged";
  }
};

TEST_F(outage, redis_restart_under_load_gives_503_then_resumes_and_loses_nothing) { run_outage(false, "ref-restart-"); }

TEST_F(outage, redis_killed_under_load_gives_503_then_resumes_and_loses_nothing) { run_outage(true, "ref-kill9-"); }

}  // namespace
}  // namespace caseroute::e2e
