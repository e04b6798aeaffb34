// deploy/redis/redis.conf: a real redis-server runs it (port and dir moved
// to a temp dir), reports AOF everysec and noeviction, refuses the renamed
// commands, and caseroute accepts it and becomes ready on it.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <memory>
#include <thread>

#include "deploy/deploy_support.hpp"
#include "support/process.hpp"
#include "support/redis_server.hpp"

namespace caseroute::deploy_test {
namespace {

using namespace std::chrono_literals;

struct context_free {
  void operator()(redisContext* c) const { redisFree(c); }
};
using connection = std::unique_ptr<redisContext, context_free>;

// One command's reply as text (arrays joined by '\n'); "" when unreachable.
std::string ask(int port, const std::vector<std::string>& args) {
  connection c(redisConnectWithTimeout("127.0.0.1", port, timeval{1, 0}));
  if (!c || c->err) return "";
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.c_str());
    lens.push_back(a.size());
  }
  auto* r =
      static_cast<redisReply*>(redisCommandArgv(c.get(), static_cast<int>(args.size()), argv.data(), lens.data()));
  if (r == nullptr) return "";
  std::string out;
  if (r->type == REDIS_REPLY_ARRAY) {
    for (std::size_t i = 0; i < r->elements; ++i)
      out += (i ? "\n" : "") + std::string(r->element[i]->str, r->element[i]->len);
  } else if (r->str != nullptr) {
    out.assign(r->str, r->len);
  }
  freeReplyObject(r);
  return out;
}

class redis_conf : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir();
    port_ = testing::free_port();
    server_ = std::make_unique<testing::process>(
        std::vector<std::string>{"/usr/bin/redis-server", source_path("deploy/redis/redis.conf"), "--port",
                                 std::to_string(port_), "--dir", dir_},
        dir_ + "/redis.log");
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (ask(port_, {"PING"}) != "PONG" && server_->running() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(20ms);
    ASSERT_EQ(ask(port_, {"PING"}), "PONG") << server_->output();
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string config(const std::string& name) { return ask(port_, {"CONFIG", "GET", name}); }

  std::string dir_;
  int port_ = 0;
  std::unique_ptr<testing::process> server_;
};

TEST_F(redis_conf, persists_everything_and_evicts_nothing) {
  EXPECT_EQ(config("appendonly"), "appendonly\nyes");
  EXPECT_EQ(config("appendfsync"), "appendfsync\neverysec");
  EXPECT_EQ(config("maxmemory-policy"), "maxmemory-policy\nnoeviction");
  EXPECT_EQ(config("maxmemory"), "maxmemory\n2147483648");
  EXPECT_EQ(config("no-appendfsync-on-rewrite"), "no-appendfsync-on-rewrite\nno");
  EXPECT_EQ(config("protected-mode"), "protected-mode\nyes");
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/appendonlydir")) << server_->output();
}

TEST_F(redis_conf, refuses_the_renamed_commands) {
  for (const std::string cmd : {"FLUSHALL", "FLUSHDB", "DEBUG", "KEYS"})
    EXPECT_NE(ask(port_, {cmd}).find("unknown command"), std::string::npos) << cmd;
}

TEST_F(redis_conf, caseroute_becomes_ready_on_it) {
  const int port = testing::free_port();
  testing::process daemon(
      {CASEROUTE_BIN, "--config", source_path("config/test.yaml"), "--listen", "127.0.0.1:" + std::to_string(port),
       "--redis-url", "redis://127.0.0.1:" + std::to_string(port_) + "/0"},
      dir_ + "/daemon.log");
  // Ready means check_server accepted the policy and the scripts loaded.
  EXPECT_TRUE(testing::wait_for_http(port, "/readyz", 20s)) << daemon.output();
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(20s), 0) << daemon.output();
}

}  // namespace
}  // namespace caseroute::deploy_test
