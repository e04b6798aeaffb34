// Crashes and outages with real processes: kill -9 of the daemon during a
// stream of referrals loses none that got a 2xx; Redis down gives 503 with
// Retry-After and /readyz not ready, then the daemon recovers by itself;
// SIGTERM exits 0; the managed Redis starts and stops with the daemon.
#include <atomic>
#include <csignal>
#include <filesystem>
#include <set>
#include <thread>

#include "e2e/e2e_support.hpp"

namespace caseroute::e2e {
namespace {

class faults : public e2e_test {};

TEST_F(faults, kill_nine_during_a_stream_of_referrals_loses_none_that_got_a_2xx) {
  std::map<std::string, std::string> acknowledged;  // referral id -> case id
  int attempts = 0;
  // Three rounds: stream referrals, kill -9 the daemon mid-stream, restart.
  for (int round = 0; round < 3; ++round) {
    std::atomic<bool> stop{false};
    std::thread killer([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(400 + 300 * round));
      daemon_->kill9();
      stop = true;
    });
    while (!stop) {
      const auto id = "ref-crash-" + std::to_string(round) + "-" + std::to_string(attempts++);
      auto r = api_->platform("POST", "/v1/referrals", referral_json(id, "RISK_MEDIUM", "depression"));
      if (r.status == 202 || r.status == 200) acknowledged[id] = parse<v1::ReferralAccepted>(r.body).case_id();
    }
    killer.join();
    daemon_->start();
  }
  ASSERT_GT(acknowledged.size(), 20u);
  for (const auto& [referral_id, case_id] : acknowledged) {
    auto r = api_->platform("GET", "/v1/referrals/" + referral_id);
    ASSERT_EQ(r.status, 200) << referral_id << " was acknowledged but is lost";
    EXPECT_EQ(parse<v1::Case>(r.body).case_id(), case_id);
  }
  // One owner: no counselor holds more than its capacity after the crashes.
  auto counselors = parse<v1::CounselorList>(api_->as("s1", "GET", "/v1/counselors").body);
  for (const auto& c : counselors.counselors()) EXPECT_LE(c.load(), c.capacity()) << c.counselor_id();
}

TEST_F(faults, redis_down_gives_503_and_not_ready_then_recovers_by_itself) {
  ASSERT_EQ(api_->platform("POST", "/v1/referrals", referral_json("ref-out-0", "RISK_LOW", "anxiety")).status, 202);
  redis_->stop();

  auto r = api_->platform("POST", "/v1/referrals", referral_json("ref-out-1", "RISK_LOW", "anxiety"));
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_FALSE(r.header("retry-after").empty());
  EXPECT_EQ(parse<v1::ErrorBody>(r.body).error().code(), "UNAVAILABLE");
  auto ready = testing::http_call(daemon_->port(), "GET", "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_EQ(testing::http_call(daemon_->port(), "GET", "/healthz").status, 200);
  EXPECT_EQ(api_->as("c1", "GET", "/v1/me/offers").status, 503);

  redis_->start();
  ASSERT_TRUE(testing::wait_for_http(daemon_->port(), "/readyz", std::chrono::seconds(15)));
  EXPECT_EQ(api_->platform("POST", "/v1/referrals", referral_json("ref-out-1", "RISK_LOW", "anxiety")).status, 202);
  // The referral acknowledged before the outage survived it (AOF).
  EXPECT_EQ(api_->platform("GET", "/v1/referrals/ref-out-0").status, 200);
  EXPECT_TRUE(daemon_->proc().running());
}

TEST_F(faults, sigterm_exits_zero_and_leaves_cases_recoverable) {
  auto r = api_->platform("POST", "/v1/referrals", referral_json("ref-term-1", "RISK_LOW", "anxiety"));
  ASSERT_EQ(r.status, 202);
  EXPECT_EQ(daemon_->terminate(), 0);
  daemon_->start();
  EXPECT_EQ(api_->platform("GET", "/v1/referrals/ref-term-1").status, 200);
}

TEST(managed_redis, daemon_starts_its_own_redis_and_stops_it_on_exit) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / ("caseroute-managed-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  const int port = testing::free_port();
  const auto log = (std::filesystem::path(::testing::TempDir()) / "caseroute-managed.log").string();
  std::remove(log.c_str());
  {
    testing::process p({CASEROUTE_BIN, "--config", test_config(), "--listen", "127.0.0.1:" + std::to_string(port),
                        "--data-dir", dir.string()},
                       log);
    ASSERT_TRUE(testing::wait_for_http(port, "/readyz", std::chrono::seconds(20))) << p.output();
    client api(port);
    ASSERT_EQ(api.platform("POST", "/v1/referrals", referral_json("ref-managed-1", "RISK_LOW", "anxiety")).status, 202);
    EXPECT_TRUE(std::filesystem::exists(dir / "appendonlydir") || std::filesystem::exists(dir / "appendonly.aof"));
    p.signal(SIGTERM);
    ASSERT_EQ(p.wait(std::chrono::seconds(20)), 0) << p.output();
  }
  // The private server is gone: its socket no longer answers.
  EXPECT_NE(std::system(("redis-cli -s " + (dir / "redis.sock").string() + " PING >/dev/null 2>&1").c_str()), 0);
  // A new daemon on the same data_dir finds the case (AOF).
  {
    testing::process p({CASEROUTE_BIN, "--config", test_config(), "--listen", "127.0.0.1:" + std::to_string(port),
                        "--data-dir", dir.string()},
                       log);
    ASSERT_TRUE(testing::wait_for_http(port, "/readyz", std::chrono::seconds(20))) << p.output();
    client api(port);
    EXPECT_EQ(api.platform("GET", "/v1/referrals/ref-managed-1").status, 200);
    p.signal(SIGTERM);
    EXPECT_EQ(p.wait(std::chrono::seconds(20)), 0);
  }
  std::filesystem::remove_all(dir);
}

TEST(redis_policy, daemon_refuses_a_redis_that_evicts) {
  testing::redis_server redis;
  redis.cli({"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"});
  const int port = testing::free_port();
  const auto log = (std::filesystem::path(::testing::TempDir()) / "caseroute-policy.log").string();
  std::remove(log.c_str());
  testing::process p({CASEROUTE_BIN, "--config", test_config(), "--listen", "127.0.0.1:" + std::to_string(port),
                      "--redis-url", redis.url()},
                     log);
  ASSERT_TRUE(testing::wait_for_http(port, "/healthz", std::chrono::seconds(20)));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(testing::http_call(port, "GET", "/readyz").status, 503);
  EXPECT_NE(p.output().find("noeviction"), std::string::npos) << p.output();
  redis.cli({"CONFIG", "SET", "maxmemory-policy", "noeviction"});
  EXPECT_TRUE(testing::wait_for_http(port, "/readyz", std::chrono::seconds(15))) << p.output();
}

TEST(replicas, two_daemons_on_one_redis_never_offer_a_case_twice) {
  testing::redis_server redis;
  daemon a(redis.url(), "caseroute-replica-a.log");
  daemon b(redis.url(), "caseroute-replica-b.log");
  client ca(a.port()), cb(b.port());
  std::vector<std::string> ids;
  for (int i = 0; i < 40; ++i) {
    auto& api = i % 2 ? cb : ca;
    auto r = api.platform("POST", "/v1/referrals",
                          referral_json("ref-rep-" + std::to_string(i), i % 3 ? "RISK_LOW" : "RISK_HIGH",
                                        i % 2 ? "depression" : "anxiety"));
    ASSERT_EQ(r.status, 202);
    ids.push_back(parse<v1::ReferralAccepted>(r.body).case_id());
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));
  // Every counselor within capacity; every offered case has one open offer.
  auto counselors = parse<v1::CounselorList>(ca.as("s1", "GET", "/v1/counselors").body);
  int offered_total = 0;
  for (const auto& c : counselors.counselors()) {
    EXPECT_LE(c.load(), c.capacity()) << c.counselor_id();
    offered_total += c.load();
  }
  int offered_cases = 0;
  for (const auto& id : ids) {
    auto c = parse<v1::Case>(cb.as("s1", "GET", "/v1/cases/" + id).body);
    if (c.state() == v1::CASE_OFFERED) ++offered_cases;
    int open_offers = 0;
    for (const auto& e : c.history()) {
      if (e.type() == "case.offered") ++open_offers;
      if (e.type() == "case.offer_expired" || e.type() == "case.declined" || e.type() == "case.offer_withdrawn")
        --open_offers;
    }
    EXPECT_LE(open_offers, 1) << id;
    EXPECT_EQ(open_offers, c.state() == v1::CASE_OFFERED ? 1 : 0) << id;
  }
  EXPECT_EQ(offered_cases, offered_total);
  EXPECT_GT(offered_cases, 0);
}

}  // namespace
}  // namespace caseroute::e2e
