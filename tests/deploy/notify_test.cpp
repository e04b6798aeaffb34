// The daemon's sd_notify traffic, read from a Unix datagram socket the test
// binds as NOTIFY_SOCKET: READY=1, WATCHDOG=1 at half WATCHDOG_USEC, STATUS=
// lines as Redis goes down and up, STOPPING=1 on SIGTERM.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "deploy/deploy_support.hpp"
#include "support/process.hpp"
#include "support/redis_server.hpp"

namespace caseroute::deploy_test {
namespace {

using clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct notice {
  clock::time_point at;
  std::string line;  // one "KEY=value" line of a datagram
};

// What systemd would be: a bound AF_UNIX datagram socket.
class notify_socket {
 public:
  explicit notify_socket(const std::string& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    path.copy(a.sun_path, sizeof a.sun_path - 1);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      throw std::runtime_error("cannot bind " + path);
  }
  ~notify_socket() {
    ::close(fd_);
    ::unlink(path_.c_str());
  }

  // Reads datagrams until one line satisfies want or the deadline passes.
  bool wait_for(const std::function<bool(const std::string&)>& want, clock::duration timeout) {
    const auto deadline = clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      const auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) continue;
      bool hit = false;
      std::string text(buf, static_cast<std::size_t>(n));
      for (std::size_t pos = 0; pos < text.size();) {
        auto end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        seen.push_back({clock::now(), text.substr(pos, end - pos)});
        hit = hit || want(seen.back().line);
        pos = end + 1;
      }
      if (hit) return true;
    }
  }
  bool wait_for(const std::string& line, clock::duration timeout) {
    return wait_for([&](const std::string& l) { return l == line; }, timeout);
  }

  std::vector<notice> seen;

 private:
  std::string path_;
  int fd_ = -1;
};

std::vector<clock::time_point> pings(const std::vector<notice>& seen) {
  std::vector<clock::time_point> out;
  for (const auto& n : seen)
    if (n.line == "WATCHDOG=1") out.push_back(n.at);
  return out;
}

class notify_test : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir();
    socket_ = std::make_unique<notify_socket>(dir_ + "/notify");
  }
  void TearDown() override {
    daemon_.reset();
    socket_.reset();
    std::filesystem::remove_all(dir_);
  }
  void start(const std::string& redis_url, const std::string& watchdog_usec, const std::string& watchdog_pid) {
    port_ = testing::free_port();
    daemon_ = std::make_unique<testing::process>(
        std::vector<std::string>{CASEROUTE_BIN, "--config", source_path("config/test.yaml"), "--listen",
                                 "127.0.0.1:" + std::to_string(port_), "--redis-url", redis_url},
        dir_ + "/daemon.log",
        std::vector<std::pair<std::string, std::string>>{
            {"NOTIFY_SOCKET", dir_ + "/notify"}, {"WATCHDOG_USEC", watchdog_usec}, {"WATCHDOG_PID", watchdog_pid}});
  }
  std::string log() const { return daemon_ ? daemon_->output() : ""; }

  std::string dir_;
  int port_ = 0;
  std::unique_ptr<notify_socket> socket_;
  std::unique_ptr<testing::process> daemon_;
};

TEST_F(notify_test, ready_then_watchdog_at_half_the_interval_then_stopping) {
  testing::redis_server redis;
  // WATCHDOG_PID unset: sd_watchdog_enabled() then trusts WATCHDOG_USEC alone.
  start(redis.url(), "2000000", "");
  ASSERT_TRUE(socket_->wait_for("READY=1", 20s)) << log();
  ASSERT_TRUE(socket_->wait_for("STATUS=ready; redis up", 20s)) << log();
  ASSERT_TRUE(socket_->wait_for([&](const std::string&) { return pings(socket_->seen).size() >= 4; }, 10s)) << log();

  const auto at = pings(socket_->seen);
  for (std::size_t i = 1; i < at.size(); ++i) {
    const auto gap = at[i] - at[i - 1];
    // Every WATCHDOG_USEC / 2 = 1 s: never early, and never as late as the
    // 2 s interval, after which systemd would kill the daemon.
    EXPECT_GE(gap, 900ms) << "ping " << i;
    EXPECT_LT(gap, 2000ms) << "ping " << i;
  }

  daemon_->signal(SIGTERM);
  EXPECT_TRUE(socket_->wait_for("STOPPING=1", 10s)) << log();
  EXPECT_EQ(daemon_->wait(20s), 0) << log();
}

TEST_F(notify_test, status_follows_redis_down_and_back_up) {
  testing::redis_server redis;
  start(redis.url(), "2000000", "");
  ASSERT_TRUE(socket_->wait_for("STATUS=ready; redis up", 20s)) << log();
  redis.stop();
  EXPECT_TRUE(socket_->wait_for("STATUS=not ready; redis down", 10s)) << log();
  // Redis down is no reason for systemd to restart us: the pings go on.
  const auto before = pings(socket_->seen).size();
  EXPECT_TRUE(socket_->wait_for([&](const std::string&) { return pings(socket_->seen).size() >= before + 2; }, 5s));
  redis.start();
  EXPECT_TRUE(socket_->wait_for("STATUS=ready; redis up", 20s)) << log();
  daemon_->signal(SIGTERM);
  EXPECT_EQ(daemon_->wait(20s), 0) << log();
}

TEST_F(notify_test, no_watchdog_pings_when_the_watchdog_is_for_another_process) {
  testing::redis_server redis;
  // systemd sets WATCHDOG_PID to the main process; a child that inherits the
  // environment (here: pid 1 is "someone else") must not ping for it.
  start(redis.url(), "200000", "1");
  ASSERT_TRUE(socket_->wait_for("READY=1", 20s)) << log();
  // At 0.2 s, a daemon that wrongly pinged would send ~5 in this window;
  // the window is bounded by the daemon's own STATUS and STOPPING notices.
  ASSERT_TRUE(socket_->wait_for("STATUS=ready; redis up", 20s)) << log();
  EXPECT_FALSE(socket_->wait_for("WATCHDOG=1", 1s));
  daemon_->signal(SIGTERM);
  EXPECT_TRUE(socket_->wait_for("STOPPING=1", 10s)) << log();
  EXPECT_EQ(daemon_->wait(20s), 0) << log();
  EXPECT_TRUE(pings(socket_->seen).empty());
}

}  // namespace
}  // namespace caseroute::deploy_test
