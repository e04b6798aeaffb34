// Spawns and supervises the private redis-server of redis.url: managed.
#include "host/managed_redis.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config/backoff.hpp"
#include "log/log.hpp"

namespace caseroute::host {
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// redis.log and redis.log.1 together stay under 20 MiB.
constexpr std::uintmax_t max_log_bytes = 10 * 1024 * 1024;

bool alive(pid_t pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM); }

// A daemon killed with -9 leaves its redis-server shutting down (it got
// SIGTERM through PDEATHSIG); wait for it so two servers never share the AOF.
void wait_for_previous(const std::filesystem::path& pidfile) {
  std::ifstream in(pidfile);
  pid_t pid = 0;
  if (!(in >> pid) || pid <= 0) return;
  for (int i = 0; i < 100 && alive(pid); ++i) std::this_thread::sleep_for(100ms);
  if (alive(pid)) {
    log::warn("redis.managed_previous_still_running", {{"pid", pid}});
    ::kill(pid, SIGTERM);
    for (int i = 0; i < 100 && alive(pid); ++i) std::this_thread::sleep_for(100ms);
  }
}

}  // namespace

managed_redis::managed_redis(asio::io_context& io, std::string binary, std::filesystem::path data_dir)
    : io_(io), binary_(std::move(binary)), dir_(std::filesystem::absolute(std::move(data_dir))) {}

managed_redis::~managed_redis() { stop(); }

std::string managed_redis::socket_path_for(const std::filesystem::path& data_dir) {
  return (std::filesystem::absolute(data_dir) / "redis.sock").string();
}

void managed_redis::start() {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) throw std::runtime_error("cannot create redis.data_dir " + dir_.string() + ": " + ec.message());
  std::filesystem::permissions(dir_, std::filesystem::perms::owner_all, ec);
  wait_for_previous(dir_ / "redis.pid");
  spawn();
}

bool rotate_log(const std::filesystem::path& log, std::uintmax_t max_bytes) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(log, ec);
  if (ec || size <= max_bytes) return false;
  auto old = log;
  old += ".1";
  std::filesystem::rename(log, old, ec);
  return !ec;
}

void managed_redis::spawn() {
  const std::vector<std::string> args = {
      binary_,
      "--port",
      "0",
      "--unixsocket",
      socket_path(),
      "--unixsocketperm",
      "700",
      "--dir",
      dir_.string(),
      "--pidfile",
      (dir_ / "redis.pid").string(),
      "--logfile",
      (dir_ / "redis.log").string(),
      "--daemonize",
      "no",
      // Nothing lost: every write is in the AOF and fsynced before we answer 2xx.
      "--appendonly",
      "yes",
      "--appendfsync",
      "always",
      "--save",
      "",
      "--maxmemory-policy",
      "noeviction",
  };
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(1);
    ::setpgid(0, 0);  // keep terminal signals (Ctrl-C) for the daemon to handle in order
    ::execvp(argv[0], argv.data());
    log::error("redis.exec_failed", {{"binary", argv[0]}, {"error", std::strerror(errno)}});
    ::_exit(127);
  }
  pid_ = pid;
  log::info("redis.managed_started", {{"pid", pid}, {"dir", dir_.string()}});
}

asio::awaitable<void> managed_redis::supervise() {
  asio::steady_timer timer(io_);
  const config::backoff backoff{200ms, 5000ms};
  std::mt19937_64 random{std::random_device{}()};
  int failures = 0;
  int rounds = 0;
  while (!stopping_) {
    timer.expires_after(200ms);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (++rounds % 150 == 0 && rotate_log(dir_ / "redis.log", max_log_bytes))
      log::info("redis.log_rotated", {{"log", (dir_ / "redis.log").string()}});
    if (stopping_ || pid_ <= 0) continue;
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r != pid_) continue;
    pid_ = -1;
    log::error("redis.managed_exited", {{"status", WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status)},
                                        {"log", (dir_ / "redis.log").string()}});
    if (stopping_) break;
    timer.expires_after(backoff.delay(++failures, random()));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (stopping_) break;
    try {
      spawn();
    } catch (const std::exception& e) {
      log::error("redis.managed_restart_failed", {{"error", e.what()}});
    }
  }
}

void managed_redis::stop() {
  stopping_ = true;
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  for (int i = 0; i < 100; ++i) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      log::info("redis.managed_stopped");
      return;
    }
    std::this_thread::sleep_for(100ms);
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
  log::warn("redis.managed_killed");
}

}  // namespace caseroute::host
