// Shared pieces of the end-to-end tests: a private Redis, the real daemon on
// config/test.yaml, signed platform calls and bearer calls.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

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

// Polls `done` every 50 ms until it holds or `limit` passes.
template <class F>
bool wait_until(F done, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

using sys_ms = std::chrono::sys_time<std::chrono::milliseconds>;
sys_ms now_ms();
sys_ms to_ms(const google::protobuf::Timestamp& t);

std::string read_text(const std::filesystem::path& p);
// `text` with the first `from` replaced; fails the test when `from` is absent
// (config/test.yaml changed shape).
std::string replace_once(std::string text, const std::string& from, const std::string& to);

// A daemon on a config written by the test: a private directory (removed
// afterwards) holding copies of the test secrets, which configs name
// secrets/..., a free port and a private Redis. The test writes the config
// (write_config, e.g. from test_yaml()) and starts the daemon (start).
class generated_config_test : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;  // SIGTERM to the daemon, then Redis and the directory go

  // config/test.yaml listening on this test's port, on this test's Redis.
  std::string test_yaml() const;
  std::filesystem::path config_path() const { return dir_ / "caseroute.yaml"; }
  // Written whole and renamed, so a SIGHUP never reads half a file.
  void write_config(const std::string& text);
  // Starts the daemon on config_path(), waits for /readyz; api_ talks to it.
  void start();

  std::unique_ptr<testing::redis_server> redis_;
  std::filesystem::path dir_;
  int port_ = 0;
  std::unique_ptr<testing::process> proc_;
  std::unique_ptr<client> api_;
};

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
