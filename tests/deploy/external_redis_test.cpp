// deploy/systemd/external-redis: a real redis-server on redis-caseroute.conf
// (the /etc/redis/redis-caseroute.conf of Debian's redis-server@caseroute),
// its socket, pid file and data moved to a temp dir, reports AOF everysec and
// noeviction, opens no TCP port, and caseroute on
// config/production-external-redis.yaml becomes ready through the socket.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "deploy/deploy_support.hpp"
#include "support/process.hpp"
#include "support/redis_server.hpp"

namespace caseroute::deploy_test {
namespace {

using namespace std::chrono_literals;

const std::string conf_path = "deploy/systemd/external-redis/redis-caseroute.conf";
const std::string config_path = "config/production-external-redis.yaml";

struct context_free {
  void operator()(redisContext* c) const { redisFree(c); }
};
using connection = std::unique_ptr<redisContext, context_free>;

// One command's reply over the unix socket, arrays joined by '\n'; "" when unreachable.
std::string ask(const std::string& socket, const std::vector<std::string>& args) {
  connection c(redisConnectUnixWithTimeout(socket.c_str(), timeval{1, 0}));
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

// The value of the first `key value` line of a redis.conf.
std::string conf_value(const std::string& key) {
  std::istringstream in(read_file(source_path(conf_path)));
  for (std::string line; std::getline(in, line);)
    if (line.rfind(key + " ", 0) == 0) return line.substr(key.size() + 1);
  return "";
}

class external_redis : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir();
    socket_ = dir_ + "/redis-server.sock";
    // redis-server enters `dir` as it reads the file: the copy names ours.
    const auto conf = read_file(source_path(conf_path));
    ASSERT_NE(conf.find("\ndir /var/lib/redis/caseroute\n"), std::string::npos);
    write_file(dir_ + "/redis-caseroute.conf",
               replace_all(conf, "\ndir /var/lib/redis/caseroute\n", "\ndir " + dir_ + "\n"));
    server_ = std::make_unique<testing::process>(
        std::vector<std::string>{"/usr/bin/redis-server", dir_ + "/redis-caseroute.conf", "--unixsocket", socket_,
                                 "--pidfile", dir_ + "/redis-server.pid", "--supervised", "no"},
        dir_ + "/redis.log");
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (ask(socket_, {"PING"}) != "PONG" && server_->running() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(20ms);
    ASSERT_EQ(ask(socket_, {"PING"}), "PONG") << server_->output();
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string config(const std::string& name) { return ask(socket_, {"CONFIG", "GET", name}); }

  std::string dir_, socket_;
  std::unique_ptr<testing::process> server_;
};

TEST_F(external_redis, persists_everything_evicts_nothing_and_listens_on_the_socket_only) {
  EXPECT_EQ(config("appendonly"), "appendonly\nyes");
  EXPECT_EQ(config("appendfsync"), "appendfsync\neverysec");
  EXPECT_EQ(config("maxmemory-policy"), "maxmemory-policy\nnoeviction");
  EXPECT_EQ(config("port"), "port\n0");
  EXPECT_EQ(config("unixsocketperm"), "unixsocketperm\n660");
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/appendonlydir")) << server_->output();
  for (const std::string cmd : {"FLUSHALL", "FLUSHDB", "DEBUG", "KEYS"})
    EXPECT_NE(ask(socket_, {cmd}).find("unknown command"), std::string::npos) << cmd;
}

TEST(external_redis_config, caseroute_connects_to_the_socket_the_redis_conf_opens) {
  const auto cfg = YAML::LoadFile(source_path(config_path));
  EXPECT_EQ(cfg["redis"]["url"].as<std::string>(), "unix://" + conf_value("unixsocket"));
  // Inside the runtime directory of Debian's redis-server@caseroute.service.
  EXPECT_EQ(conf_value("unixsocket").rfind("/run/redis-caseroute/", 0), 0u);
  EXPECT_EQ(conf_value("pidfile").rfind("/run/redis-caseroute/", 0), 0u);
}

TEST_F(external_redis, caseroute_on_the_production_config_becomes_ready_through_the_socket) {
  auto text = read_file(source_path(config_path));
  int n = 0;
  for (const std::string secret :
       {"/run/credentials/caseroute.service/data.key", "/run/credentials/caseroute.service/henan-12355.key"}) {
    const std::string key = dir_ + "/secret-" + std::to_string(n++) + ".key";
    write_file(key, std::string(64, 'a') + "\n");
    std::filesystem::permissions(key, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    ASSERT_NE(text.find(secret), std::string::npos) << secret;
    text = replace_all(text, secret, key);
  }
  const int port = testing::free_port();
  text = replace_all(text, "listen: \"127.0.0.1:8355\"", "listen: \"127.0.0.1:" + std::to_string(port) + "\"");
  text = replace_all(text, "unix://" + conf_value("unixsocket"), "unix://" + socket_);
  write_file(dir_ + "/caseroute.yaml", text);
  testing::process daemon({CASEROUTE_BIN, "--config", dir_ + "/caseroute.yaml"}, dir_ + "/daemon.log");
  // Ready means caseroute accepted the policy and loaded its scripts.
  EXPECT_TRUE(testing::wait_for_http(port, "/readyz", 20s)) << daemon.output();
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(20s), 0) << daemon.output();
}

}  // namespace
}  // namespace caseroute::deploy_test
