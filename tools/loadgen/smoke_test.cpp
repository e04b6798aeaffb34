// Smoke test of the load generator itself: ~10 s of referrals and counselor
// work against the real daemon (config/test.yaml) and a private redis-server.
// Fails on any error the tool reports or when nothing was accepted.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/process.hpp"
#include "support/redis_server.hpp"

namespace caseroute::loadgen {
namespace {

std::string source(const std::string& rel) { return std::string(CASEROUTE_SOURCE_DIR) + "/" + rel; }

// ~10 s of load with counselors as `client` ("poll" or "events") and
// `crisis` of the referrals at RISK_CRISIS; the report, after checking that
// nothing failed.
std::string ten_seconds(const std::string& client, const std::string& crisis) {
  testing::redis_server redis;
  const int port = testing::free_port();
  testing::process daemon({CASEROUTE_BIN, "--config", source("config/test.yaml"), "--listen",
                           "127.0.0.1:" + std::to_string(port), "--redis-url", redis.url()},
                          ::testing::TempDir() + "loadgen-daemon-" + client + ".log");
  EXPECT_TRUE(testing::wait_for_http(port, "/readyz", std::chrono::seconds(20))) << daemon.output();

  const std::string report = ::testing::TempDir() + "loadgen-report-" + client + ".log";
  std::vector<std::string> args{CASEROUTE_LOADGEN_BIN, "--port", std::to_string(port), "--rate", "5"};
  args.insert(args.end(), {"--duration", "10", "--wait", "2", "--client", client, "--crisis", crisis});
  args.insert(args.end(), {"--config", source("config/test.yaml"), "--counselors", source("config/test-tokens.txt")});
  args.insert(args.end(), {"--daemon-pid", std::to_string(daemon.pid()), "--redis-url", redis.url()});
  testing::process load(args, report);
  const int code = load.wait(std::chrono::seconds(60));
  const std::string out = load.output();
  EXPECT_EQ(code, 0) << out << "\ndaemon log:\n" << daemon.output().substr(0, 20000);
  EXPECT_NE(out.find("errors 0"), std::string::npos) << out;
  EXPECT_NE(out.find("referral_to_accept"), std::string::npos) << out;
  EXPECT_NE(out.find("referral_to_offer"), std::string::npos) << out;
  // Every referral was served: at 5/s for 10 s, around 50 were accepted.
  EXPECT_EQ(out.find("accepted 0 "), std::string::npos) << out;
  EXPECT_NE(out.find("unaccepted at end: 0"), std::string::npos) << out;

  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(std::chrono::seconds(20)), 0);
  return out;
}

TEST(loadgen, ten_seconds_of_long_polling_counselors_have_no_errors) {
  const auto out = ten_seconds("poll", "0");
  EXPECT_NE(out.find("crisis referrals 0 "), std::string::npos) << out;
  EXPECT_NE(out.find("GET /v1/me/offers"), std::string::npos) << out;
  EXPECT_EQ(out.find("GET /v1/events"), std::string::npos) << out;
}

// Each counselor holds GET /v1/events and learns of its offers from it.
TEST(loadgen, ten_seconds_of_counselors_on_event_streams_have_no_errors) {
  const auto out = ten_seconds("events", "0.25");  // broadcasts, races for them, withdrawals
  EXPECT_NE(out.find("crisis referrals "), std::string::npos) << out;
  EXPECT_EQ(out.find("crisis referrals 0 "), std::string::npos) << out;
  EXPECT_NE(out.find("GET /v1/events         200:"), std::string::npos) << out;
}

}  // namespace
}  // namespace caseroute::loadgen
