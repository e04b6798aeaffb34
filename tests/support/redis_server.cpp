// The redis-server fixture: fork/exec of /usr/bin/redis-server (or the one on
// PATH) and a tiny blocking hiredis client for PING, FLUSHALL and cli().
#include "support/redis_server.hpp"

#include <arpa/inet.h>
#include <hiredis/hiredis.h>

#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "support/reply_text.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <thread>

namespace caseroute::testing {

namespace {

struct context_free {
  void operator()(redisContext* c) const { redisFree(c); }
};
using sync_context = std::unique_ptr<redisContext, context_free>;

sync_context connect(int port, const std::string& password) {
  timeval tv{1, 0};
  sync_context c(redisConnectWithTimeout("127.0.0.1", port, tv));
  if (!c || c->err) return nullptr;
  redisSetTimeout(c.get(), timeval{5, 0});
  if (!password.empty()) {
    auto* r = static_cast<redisReply*>(redisCommand(c.get(), "AUTH %b", password.data(), password.size()));
    const bool ok = r && r->type == REDIS_REPLY_STATUS;
    if (r) freeReplyObject(r);
    if (!ok) return nullptr;
  }
  return c;
}

}  // namespace

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("bind 127.0.0.1:0 failed");
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

redis_server::redis_server(bool appendonly) : appendonly_(appendonly) {
  std::string templ = (std::filesystem::temp_directory_path() / "caseroute-redis-XXXXXX").string();
  if (!::mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
  dir_ = templ;
  port_ = free_port();
  start();
}

redis_server::~redis_server() {
  try {
    stop();
  } catch (...) {
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string redis_server::url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }

void redis_server::start() {
  if (pid_ > 0) return;
  const std::string port = std::to_string(port_);
  const std::string log = dir_ + "/redis.log";
  std::vector<std::string> args{"redis-server",
                                "--port",
                                port,
                                "--bind",
                                "127.0.0.1",
                                "--dir",
                                dir_,
                                "--appendonly",
                                appendonly_ ? "yes" : "no",
                                "--appendfsync",
                                "always",
                                "--save",
                                "",
                                "--maxmemory-policy",
                                "noeviction",
                                "--daemonize",
                                "no",
                                "--logfile",
                                log};
  if (!password_.empty()) {
    args.emplace_back("--requirepass");
    args.push_back(password_);
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a crashed test binary leaves no server behind
    ::execv("/usr/bin/redis-server", argv.data());
    ::execvp("redis-server", argv.data());
    ::_exit(127);
  }
  pid_ = pid;
  wait_ready();
}

void redis_server::wait_ready() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("redis-server exited at start; see " + dir_ + "/redis.log");
    }
    if (auto c = connect(port_, password_)) {
      auto* r = static_cast<redisReply*>(redisCommand(c.get(), "PING"));
      // A loading server answers -LOADING until the AOF is read back.
      const bool ok = r && r->type == REDIS_REPLY_STATUS && std::string(r->str, r->len) == "PONG";
      if (r) freeReplyObject(r);
      if (ok) return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill9();
  throw std::runtime_error("redis-server did not answer PING within 10 s");
}

void redis_server::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

void redis_server::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

void redis_server::flush() { cli({"FLUSHALL"}); }

void redis_server::require_password(const std::string& password) {
  const auto answer = cli({"CONFIG", "SET", "requirepass", password});
  if (answer != "OK") throw std::runtime_error("CONFIG SET requirepass failed: " + answer);
  password_ = password;
}

std::string redis_server::cli(const std::vector<std::string>& args) {
  auto c = connect(port_, password_);
  if (!c) throw std::runtime_error("cannot reach the test redis-server");
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* r =
      static_cast<redisReply*>(redisCommandArgv(c.get(), static_cast<int>(args.size()), argv.data(), lens.data()));
  if (!r) throw std::runtime_error("the test redis-server did not answer");
  std::string out = reply_text(r);
  freeReplyObject(r);
  return out;
}

}  // namespace caseroute::testing
