// Shared pieces of the end-to-end tests: a private Redis, the real daemon on
// config/test.yaml, signed platform calls and bearer calls.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "caseroute/v1/caseroute.pb.h"
#include "support/process.hpp"
#include "support/redis_server.hpp"

namespace caseroute::e2e {

using testing::http_reply;

std::string test_config();
std::map<std::string, std::string> test_tokens();  // id -> bearer token (config/test-tokens.txt)
std::string platform_secret();                     // config/secrets/test-platform.key

// One daemon process on a free port.
class daemon {
 public:
  daemon(const std::string& redis_url, const std::string& log_name);
  ~daemon();
  int port() const { return port_; }
  testing::process& proc() { return *proc_; }
  void start();
  void kill9();
  int terminate();  // SIGTERM; returns the exit code

 private:
  std::string redis_url_;
  std::string log_;
  int port_;
  std::unique_ptr<testing::process> proc_;
};

class client {
 public:
  explicit client(int port) : port_(port) {}
  void set_port(int port) { port_ = port; }
  // Platform request, signed with the test platform's secret.
  http_reply platform(const std::string& method, const std::string& target, const std::string& body = "");
  // Staff request with a bearer token of config/test-tokens.txt.
  http_reply as(const std::string& who, const std::string& method, const std::string& target,
                const std::string& body = "");

 private:
  int port_;
};

std::string referral_json(const std::string& referral_id, const std::string& risk, const std::string& concern,
                          const std::string& extra = "");

bool parse_into(const std::string& json, google::protobuf::Message& m);

// Parses a JSON body into a message; fails the test on error.
template <class M>
M parse(const std::string& json) {
  M m;
  EXPECT_TRUE(parse_into(json, m)) << json;
  return m;
}

// Long-polls a counselor's offers until one for case_id shows up.
bool wait_for_offer(client& c, const std::string& who, const std::string& case_id, int seconds = 15);

// The end-to-end fixture: one Redis per test, one daemon.
class e2e_test : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  std::unique_ptr<testing::redis_server> redis_;
  std::unique_ptr<daemon> daemon_;
  std::unique_ptr<client> api_;
};

}  // namespace caseroute::e2e
