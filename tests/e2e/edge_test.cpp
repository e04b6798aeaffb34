// Attacks on the listener by clients without credentials (or with wrong
// ones), against the real binary: slow-loris above max_connections, invented
// HTTP methods, floods of requests and of wrong tokens, and /metrics scrapes.
// Loopback only; every loop is bounded in time and count.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <random>
#include <thread>
#include <vector>

#include "e2e/e2e_support.hpp"

namespace caseroute::e2e {
namespace {

using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

// `source`: another loopback address to connect from, as another host would.
int connect_to(int port, const char* source = nullptr) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (source != nullptr) {
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, source, &from.sin_addr);
    ::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from);
  }
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<unsigned short>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool send_all(int fd, std::string_view s) {
  while (!s.empty()) {
    auto n = ::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    s.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Reads one answer's status line and headers, then its Content-Length body.
std::string read_answer(int fd) {
  std::string buf;
  char tmp[4096];
  std::size_t end;
  while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
    auto n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) return buf;
    buf.append(tmp, static_cast<std::size_t>(n));
  }
  std::size_t len = 0;
  if (auto at = buf.find("Content-Length: "); at != std::string::npos && at < end)
    len = std::stoul(buf.substr(at + 16));
  while (buf.size() < end + 4 + len) {
    auto n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) break;
    buf.append(tmp, static_cast<std::size_t>(n));
  }
  return buf;
}

int status_of(const std::string& head) {
  return head.size() >= 12 && head.compare(0, 5, "HTTP/") == 0 ? std::atoi(head.c_str() + 9) : 0;
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class edge : public generated_config_test {
 protected:
  // config/test.yaml with `server` and `limits` lines added.
  void start_with(const std::string& server_lines, const std::string& limits_block = "") {
    auto yaml = replace_once(test_yaml(), "server:\n", "server:\n" + server_lines);
    // config/test.yaml ends with its limits: block (the per-address rate off);
    // a test's own block replaces it.
    if (const auto at = yaml.find("\nlimits:\n"); !limits_block.empty() && at != std::string::npos) yaml.resize(at + 1);
    write_config(yaml + limits_block);
    start();
  }
};

// Connections that each send a partial header and then a byte every
// `every`, reconnecting when cut: an attacker holding slots.
class loris {
 public:
  loris(int port, int count, std::chrono::milliseconds every, const char* source = nullptr)
      : port_(port), count_(count), every_(every), source_(source) {
    thread_ = std::thread([this] { run(); });
  }
  ~loris() {
    stop_ = true;
    thread_.join();
  }
  int open() const { return open_; }

 private:
  void run() {
    std::vector<int> fds(static_cast<std::size_t>(count_), -1);
    const auto deadline = steady::now() + 60s;
    while (!stop_ && steady::now() < deadline) {
      int n = 0;
      for (auto& fd : fds) {
        if (fd < 0) {
          fd = connect_to(port_, source_);
          if (fd >= 0 && !send_all(fd, "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Loris: ")) {
            ::close(fd);
            fd = -1;
          }
        } else if (::send(fd, "a", 1, MSG_NOSIGNAL | MSG_DONTWAIT) != 1) {
          ::close(fd);
          fd = -1;
        }
        if (fd >= 0) ++n;
      }
      open_ = n;
      for (auto until = steady::now() + every_; !stop_ && steady::now() < until;) std::this_thread::sleep_for(50ms);
    }
    for (int fd : fds)
      if (fd >= 0) ::close(fd);
  }
  int port_;
  int count_;
  std::chrono::milliseconds every_;
  const char* source_;
  std::atomic<bool> stop_{false};
  std::atomic<int> open_{0};
  std::thread thread_;
};

// The review's slow-loris, scaled: more half-sent requests than
// max_connections, a byte every 2 s, with header and read deadlines far
// longer than the test, so only evicting the oldest incomplete header can
// keep probes served.
TEST_F(edge, slow_loris_above_max_connections_does_not_keep_a_probe_out) {
  start_with("  max_connections: 100\n  max_connections_per_address: 0\n  header_timeout: 60s\n  read_timeout: 60s\n");
  loris attack(port_, 130, 2000ms);
  for (auto until = steady::now() + 10s; attack.open() < 130 && steady::now() < until;)
    std::this_thread::sleep_for(100ms);
  std::this_thread::sleep_for(1s);
  int served = 0, probes = 0;
  for (auto until = steady::now() + 8s; steady::now() < until; ++probes) {
    const auto t0 = steady::now();
    auto r = testing::http_call(port_, "GET", "/healthz", "", {}, 5s);
    if (r.status == 200 && steady::now() - t0 < 1500ms) ++served;
    std::this_thread::sleep_for(200ms);
  }
  std::cout << "[ figures  ] slow-loris 130 > max_connections 100: " << served << "/" << probes
            << " probes served within 1.5 s\n";
  EXPECT_EQ(served, probes);
  EXPECT_GT(probes, 10);
}

// The same attack from one other address, with the default deadlines and
// eviction off the table (fewer than max_connections): the per-address cap
// keeps it to its share.
TEST_F(edge, one_address_cannot_take_every_connection) {
  start_with("  max_connections: 100\n  max_connections_per_address: 40\n");
  loris attack(port_, 150, 2000ms, "127.0.0.2");
  std::this_thread::sleep_for(3s);
  for (int i = 0; i < 10; ++i) {
    auto r = testing::http_call(port_, "GET", "/healthz", "", {}, 5s);
    EXPECT_EQ(r.status, 200) << i << " " << r.body;
  }
}

// Each request with an invented method used to add a series to
// caseroute_http_requests_total forever.
TEST_F(edge, invented_methods_do_not_grow_the_metrics) {
  start_with("", "limits:\n  per_address: {rate: 0}\n");
  const auto before = testing::http_call(port_, "GET", "/metrics").body.size();
  std::mt19937 rng(7);
  int answered = 0;
  for (int c = 0; c < 20; ++c) {
    int fd = connect_to(port_);
    ASSERT_GE(fd, 0);
    for (int i = 0; i < 100; ++i) {
      std::string method(512, 'A');
      for (auto& ch : method) ch = static_cast<char>('A' + rng() % 26);
      if (!send_all(fd, method + " /healthz HTTP/1.1\r\nHost: t\r\n\r\n")) break;
      if (status_of(read_answer(fd)) == 405) ++answered;
    }
    ::close(fd);
  }
  EXPECT_EQ(answered, 2000);
  const auto metrics = testing::http_call(port_, "GET", "/metrics").body;
  std::cout << "[ figures  ] /metrics " << before << " B before, " << metrics.size()
            << " B after 2000 invented methods\n";
  EXPECT_LT(metrics.size(), before + 4096);
  EXPECT_NE(metrics.find("method=\"_OTHER\""), std::string::npos);
}

TEST_F(edge, request_floods_get_429_with_retry_after_per_address_token_and_platform) {
  start_with("", "limits:\n  per_address: {rate: 5, burst: 20}\n  limit_loopback: true\n");
  std::map<int, int> statuses;
  bool retry_after = true;
  int fd = connect_to(port_);
  ASSERT_GE(fd, 0);
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(send_all(fd, "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"));
    const auto a = read_answer(fd);
    ++statuses[status_of(a)];
    if (status_of(a) == 429 && a.find("Retry-After: ") == std::string::npos) retry_after = false;
  }
  ::close(fd);
  std::cout << "[ figures  ] 300 GET /healthz on one connection: " << statuses[200] << " x 200, " << statuses[429]
            << " x 429\n";
  EXPECT_GE(statuses[200], 15);  // the burst, less the start-up probes
  EXPECT_GE(statuses[429], 250);
  EXPECT_TRUE(retry_after);
}

TEST_F(edge, one_token_and_one_platform_are_limited_without_touching_the_others) {
  start_with("",
             "limits:\n  per_address: {rate: 0}\n  per_token: {rate: 1, burst: 5}\n"
             "  per_platform: {rate: 1, burst: 5}\n");
  int limited = 0;
  std::string retry_after;
  for (int i = 0; i < 20; ++i) {
    auto r = api_->as("c3", "GET", "/v1/me/cases");
    if (r.status == 429) {
      ++limited;
      retry_after = r.header("retry-after");
      EXPECT_NE(r.body.find("too many requests with this token"), std::string::npos);
    }
  }
  EXPECT_GE(limited, 13);
  EXPECT_FALSE(retry_after.empty());
  EXPECT_EQ(api_->as("c1", "GET", "/v1/me/cases").status, 200);
  int platform_limited = 0;
  for (int i = 0; i < 20; ++i)
    if (api_->platform("GET", "/v1/referrals/nope-" + std::to_string(i)).status == 429) ++platform_limited;
  EXPECT_GE(platform_limited, 13);
  const auto metrics = testing::http_call(port_, "GET", "/metrics").body;
  EXPECT_NE(metrics.find("caseroute_rate_limited_total{limit=\"token\"}"), std::string::npos);
  EXPECT_NE(metrics.find("caseroute_rate_limited_total{limit=\"platform\"}"), std::string::npos);
}

// The review sent 2 000 wrong tokens in 0.3 s and nothing noticed.
TEST_F(edge, wrong_tokens_are_counted_and_logged_with_the_address_never_the_token) {
  start_with("", "limits:\n  per_address: {rate: 0}\n");
  const std::string token = "wrong-token-4f1c9a";
  int fd = connect_to(port_);
  ASSERT_GE(fd, 0);
  for (int i = 0; i < 500; ++i) {
    ASSERT_TRUE(send_all(fd, "GET /v1/me/cases HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + token + "\r\n\r\n"));
    ASSERT_EQ(status_of(read_answer(fd)), 401);
  }
  ::close(fd);
  const auto metrics = testing::http_call(port_, "GET", "/metrics").body;
  EXPECT_NE(metrics.find("caseroute_auth_failures_total{kind=\"bearer\"} 500"), std::string::npos);
  std::this_thread::sleep_for(300ms);
  const auto log = proc_->output();
  const auto lines = count_of(log, "\"http.auth_failed\"");
  std::cout << "[ figures  ] 500 wrong tokens: " << lines << " log lines\n";
  EXPECT_GE(lines, 1u);
  EXPECT_LE(lines, 20u);
  EXPECT_NE(log.find("\"remote\":\"127.0.0.1\""), std::string::npos);
  EXPECT_EQ(log.find(token), std::string::npos);
}

// Each anonymous scrape used to walk every open case in Redis.
TEST_F(edge, metrics_scrapes_read_a_cached_snapshot) {
  start_with("", "limits:\n  per_address: {rate: 0}\n  metrics_refresh: 10s\n");
  testing::http_call(port_, "GET", "/metrics");
  // Scripts run as Redis Functions: FCALL (writes) and FCALL_RO (reads).
  auto script_calls = [&] {
    const auto info = redis_->cli({"INFO", "commandstats"});
    long calls = 0;
    for (const std::string stat : {"cmdstat_fcall:calls=", "cmdstat_fcall_ro:calls="})
      if (const auto at = info.find(stat); at != std::string::npos) calls += std::atol(info.c_str() + at + stat.size());
    return calls;
  };
  const long before = script_calls();
  for (int i = 0; i < 100; ++i) ASSERT_EQ(testing::http_call(port_, "GET", "/metrics").status, 200);
  const long scripts = script_calls() - before;
  std::cout << "[ figures  ] 100 scrapes ran " << scripts << " scripts in Redis\n";
  EXPECT_LT(scripts, 50);
}

}  // namespace
}  // namespace caseroute::e2e
