// The daemon behind Sentinel, with durability local and replicated, under a
// steady stream of referrals from several clients, while Sentinel fails the
// master over (on request, and after a kill -9). Checks: answers keep coming
// while nothing fails (no stall), 2xx resume without a restart, /readyz
// recovers, no case has two owners, and with replicated every referral
// answered 2xx is still there (local may lose some: see README.md).
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "caseroute/v1/caseroute.pb.h"
#include "http/auth.hpp"
#include "support/process.hpp"
#include "support/redis_server.hpp"
#include "support/sentinel_cluster.hpp"

namespace caseroute {
namespace {

using clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::http_call;
using testing::http_reply;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string platform_secret() {
  auto s = read_file(std::string(CASEROUTE_SOURCE_DIR) + "/config/secrets/test-platform.key");
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

std::string token_of(const std::string& who) {
  std::ifstream in(std::string(CASEROUTE_SOURCE_DIR) + "/config/test-tokens.txt");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ss(line);
    std::string id, token;
    if (line[0] != '#' && ss >> id >> token && id == who) return token;
  }
  return {};
}

http_reply platform_call(int port, const std::string& method, const std::string& target, const std::string& body = "") {
  static const std::string secret = platform_secret();
  const auto ts = std::to_string(std::time(nullptr));
  const auto sig = config::hmac_sha256_hex(secret, http::signing_payload(ts, method, target, body));
  return http_call(port, method, target, body,
                   {{"X-Platform-Id", "test-platform"}, {"X-Timestamp", ts}, {"X-Signature", sig}}, seconds(10));
}

std::string referral_body(const std::string& id, int n) {
  static const char* concerns[] = {"depression", "anxiety", "grief", "school_bullying", "self_harm"};
  std::time_t at = std::time(nullptr) - 60;
  char ts[32];
  std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&at));
  return R"({"referralId":")" + id + R"(","receivedAt":")" + ts + R"(","risk":"RISK_MEDIUM","concerns":[")" +
         concerns[n % 5] + R"("],"mode":"MODE_PHONE","youth":{"ref":"y-)" + id +
         R"(","age":16},"contact":{"name":"Test Youth","phone":"13900000000"},"summary":"invented test summary"})";
}

template <class M>
bool parse(const std::string& json, M& m) {
  google::protobuf::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = true;
  return google::protobuf::util::JsonStringToMessage(json, &m, opts).ok();
}

// Referrals from `clients` threads, each sending one after another, ~30 a
// second; a referral answered 503 is sent again with the same body, as the
// platform would.
class traffic {
 public:
  traffic(int port, int clients) : port_(port) {
    for (int i = 0; i < clients; ++i) threads_.emplace_back([this, i] { loop(i); });
  }
  ~traffic() { stop(); }

  void stop() {
    stop_ = true;
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }
  // 2xx answers whose request was sent after `since`.
  int acked_since(clock::time_point since) {
    std::lock_guard lock(m_);
    int n = 0;
    for (const auto& a : acked_) n += a.sent >= since;
    return n;
  }
  // The longest time between two consecutive 2xx answers (from any client).
  milliseconds longest_gap() {
    std::vector<clock::time_point> at;
    {
      std::lock_guard lock(m_);
      for (const auto& a : acked_) at.push_back(a.answered);
    }
    std::sort(at.begin(), at.end());
    milliseconds gap(0);
    for (std::size_t i = 1; i < at.size(); ++i)
      gap = std::max(gap, std::chrono::duration_cast<milliseconds>(at[i] - at[i - 1]));
    return gap;
  }
  // The longest any one client went without a 2xx within [from, to],
  // counting from `from` to its first and from its last to `to`. A client
  // sends one referral after another, so this is its slowest answer: a
  // stall shows here even when other clients' answers fill the gap.
  milliseconds longest_wait(clock::time_point from, clock::time_point to) {
    std::map<int, std::vector<clock::time_point>> at;
    {
      std::lock_guard lock(m_);
      for (const auto& a : acked_)
        if (a.answered >= from && a.answered <= to) at[a.client].push_back(a.answered);
    }
    milliseconds wait(0);
    for (int c = 0; c < static_cast<int>(threads_.size()); ++c) {
      auto& times = at[c];
      times.insert(times.begin(), from);
      times.push_back(to);
      for (std::size_t i = 1; i < times.size(); ++i)
        wait = std::max(wait, std::chrono::duration_cast<milliseconds>(times[i] - times[i - 1]));
    }
    return wait;
  }
  struct ack {
    int client = 0;
    std::string referral_id, case_id;
    clock::time_point sent, answered;
  };
  std::vector<ack> acked() {
    std::lock_guard lock(m_);
    return acked_;
  }
  std::map<int, int> statuses() {
    std::lock_guard lock(m_);
    return statuses_;
  }
  std::vector<std::string> unexpected() {
    std::lock_guard lock(m_);
    return unexpected_;
  }

 private:
  void loop(int client) {
    int n = 0;
    std::string id, body;
    const auto deadline = clock::now() + seconds(150);  // bounded even if stop() never comes
    while (!stop_ && clock::now() < deadline) {
      if (body.empty()) {
        id = "sf-" + std::to_string(::getpid()) + "-" + std::to_string(client) + "-" + std::to_string(n);
        body = referral_body(id, n++);
      }
      const auto sent = clock::now();
      auto r = platform_call(port_, "POST", "/v1/referrals", body);
      const auto answered = clock::now();
      {
        std::lock_guard lock(m_);
        ++statuses_[r.status];
        if (r.status == 200 || r.status == 202) {
          std::string case_id;
          if (r.body.find("\"caseId\"") != std::string::npos) {
            auto p = r.body.find("\"caseId\":\"") + 10;
            case_id = r.body.substr(p, r.body.find('"', p) - p);
          }
          acked_.push_back({client, id, case_id, sent, answered});
          body.clear();
        } else if (r.status != 503) {
          unexpected_.push_back(std::to_string(r.status) + " " + r.body);
        } else if (r.header("retry-after").empty()) {
          unexpected_.push_back("503 without Retry-After");
        }
      }
      std::this_thread::sleep_for(milliseconds(30));
    }
  }

  int port_;
  std::atomic<bool> stop_{false};
  std::mutex m_;
  std::vector<ack> acked_;
  std::map<int, int> statuses_;
  std::vector<std::string> unexpected_;
  std::vector<std::thread> threads_;
};

// Clients posting at once: enough that the daemon is busy and Redis replies
// pile up between its reads, as in production.
constexpr int clients = 3;
// How long the stream runs with nothing failing before the failover, and
// after writes resumed.
constexpr auto steady = seconds(12);
constexpr auto after_resume = seconds(5);
// The longest a client may go without a 2xx while nothing fails: answers
// take tens of milliseconds, a stall lasts the command timeout (5 s, below).
constexpr auto stall = seconds(3);

// config/test-sentinel.yaml with redis.durability set to the test's
// parameter and the default command timeout, 5 s, in a private directory
// with copies of the test secrets (the config names them secrets/...).
std::string write_config(const std::filesystem::path& dir, const std::string& durability) {
  namespace fs = std::filesystem;
  const fs::path source = fs::path(CASEROUTE_SOURCE_DIR) / "config";
  fs::create_directories(dir);
  fs::copy(source / "secrets", dir / "secrets", fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  std::istringstream in(read_file((source / "test-sentinel.yaml").string()));
  std::ostringstream out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("  command_timeout:"))
      line = "  command_timeout: 5000ms";
    else if (line.starts_with("  durability:"))
      line = "  durability: " + durability;
    out << line << "\n";
  }
  const fs::path file = dir / "caseroute.yaml";
  std::ofstream(file) << out.str();
  return file.string();
}

// The parameter is redis.durability.
class sentinel_failover : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<testing::sentinel_cluster>();
    port_ = testing::free_port();
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(info->name());
    std::replace(name.begin(), name.end(), '/', '-');
    dir_ =
        std::filesystem::path(::testing::TempDir()) / ("caseroute-sentinel-" + name + "-" + std::to_string(::getpid()));
    log_ = (dir_ / "caseroute.log").string();
    const std::string config = write_config(dir_, GetParam());
    daemon_ = std::make_unique<testing::process>(
        std::vector<std::string>{CASEROUTE_BIN, "--config", config, "--listen", "127.0.0.1:" + std::to_string(port_),
                                 "--redis-url", cluster_->url()},
        log_);
    ASSERT_TRUE(testing::wait_for_http(port_, "/readyz", seconds(20))) << daemon_->output();
  }

  void TearDown() override {
    traffic_.reset();
    if (daemon_ && daemon_->running()) {
      daemon_->signal(SIGTERM);
      if (daemon_->wait(seconds(15)) < 0) daemon_->kill9();
    }
    if (HasFailure()) {
      std::cerr << "--- daemon log (tail)\n"
                << tail(daemon_ ? daemon_->output() : "") << "\n"
                << (cluster_ ? cluster_->logs() : std::string());
    }
    daemon_.reset();  // kills -9 if still running
    cluster_.reset();
    std::error_code ec;
    if (!HasFailure()) std::filesystem::remove_all(dir_, ec);
  }

  static std::string tail(const std::string& s) { return s.size() > 6000 ? s.substr(s.size() - 6000) : s; }

  // Waits (bounded) until at least n referrals sent after `since` were answered 2xx.
  bool wait_for_acks(clock::time_point since, int n, seconds timeout) {
    const auto deadline = clock::now() + timeout;
    while (clock::now() < deadline) {
      if (traffic_->acked_since(since) >= n) return true;
      std::this_thread::sleep_for(milliseconds(50));
    }
    return false;
  }

  // Answers keep coming while nothing fails: after the first 20, the stream
  // runs `steady` and no client goes `stall` without a 2xx.
  void expect_no_stall() {
    ASSERT_TRUE(wait_for_acks(clock::now() - seconds(1), 20, seconds(20))) << "no traffic before the failover";
    const auto from = clock::now();
    std::this_thread::sleep_for(steady);
    const auto to = clock::now();
    const auto wait = traffic_->longest_wait(from, to);
    std::cerr << "[ sentinel ] " << GetParam() << ": " << traffic_->acked_since(from) << " referrals answered 2xx in "
              << std::chrono::duration_cast<seconds>(to - from).count() << " s, longest wait of a client "
              << wait.count() << " ms\n";
    EXPECT_LT(wait, stall) << "answers stalled with nothing failing";
  }

  // After a failover: 2xx resume within a bounded time (20 answers), then run
  // `after_resume` without a stall.
  void expect_resumed(clock::time_point promoted) {
    ASSERT_TRUE(wait_for_acks(promoted, 20, seconds(30))) << "writes did not resume after the failover";
    const auto from = clock::now();
    std::this_thread::sleep_for(after_resume);
    const auto wait = traffic_->longest_wait(from, clock::now());
    EXPECT_LT(wait, stall) << "answers stalled after the failover";
  }

  // With replicated, every referral answered 2xx is there, with its case id
  // (with local, a failover may lose the last ones the old master took: they
  // are counted, not checked); no case has two owners in its history, nor
  // sits in two counselors' lists.
  void check_promises() {
    const bool keeps_all = GetParam() == "replicated";
    const auto acked = traffic_->acked();
    ASSERT_FALSE(acked.empty());
    const std::string supervisor = "Bearer " + token_of("s1");
    std::set<std::string> case_ids;
    int missing = 0, two_owners = 0;
    for (const auto& a : acked) {
      auto r = platform_call(port_, "GET", "/v1/referrals/" + a.referral_id);
      v1::Case c;
      if (r.status != 200 || !parse(r.body, c) || c.case_id() != a.case_id) {
        if (++missing <= 5 && keeps_all)
          ADD_FAILURE() << "referral " << a.referral_id << " answered 2xx is gone: " << r.status;
        continue;
      }
      case_ids.insert(c.case_id());
      auto full = http_call(port_, "GET", "/v1/cases/" + c.case_id(), "", {{"Authorization", supervisor}}, seconds(10));
      v1::Case h;
      ASSERT_EQ(full.status, 200) << full.body;
      ASSERT_TRUE(parse(full.body, h));
      std::string owner;
      for (const auto& e : h.history()) {
        if (e.type() == "case.offered") {
          if (!owner.empty() && ++two_owners <= 5)
            ADD_FAILURE() << c.case_id() << " offered to " << e.counselor_id() << " while " << owner << " holds it";
          owner = e.counselor_id();
        } else if (e.type() == "case.accepted") {
          if (owner != e.counselor_id() && ++two_owners <= 5)
            ADD_FAILURE() << c.case_id() << " accepted by " << e.counselor_id() << ", offered to " << owner;
        } else if (e.type() == "case.declined" || e.type() == "case.offer_expired" ||
                   e.type() == "case.offer_withdrawn" || e.type() == "case.released" || e.type() == "case.resolved" ||
                   e.type() == "case.cancelled") {
          owner.clear();
        }
      }
      if (h.state() == v1::CASE_OFFERED || h.state() == v1::CASE_ACTIVE) {
        EXPECT_EQ(h.counselor_id(), owner) << c.case_id();
      }
    }
    if (keeps_all) {
      EXPECT_EQ(missing, 0) << "of " << acked.size() << " referrals answered 2xx";
    }
    EXPECT_EQ(two_owners, 0);
    std::map<std::string, std::string> holder;
    for (const char* who : {"c1", "c2", "c3", "c4", "c5", "c6"}) {
      auto r = http_call(port_, "GET", "/v1/me/cases", "", {{"Authorization", "Bearer " + token_of(who)}}, seconds(10));
      ASSERT_EQ(r.status, 200) << who << " " << r.body;
      v1::CaseList list;
      ASSERT_TRUE(parse(r.body, list)) << r.body;
      for (const auto& c : list.cases()) {
        auto [it, fresh] = holder.emplace(c.case_id(), who);
        EXPECT_TRUE(fresh) << c.case_id() << " held by " << it->second << " and " << who;
      }
    }
    std::cerr << "[ sentinel ] " << GetParam() << ": referrals answered 2xx: " << acked.size()
              << ", gone since: " << missing << ", cases: " << case_ids.size()
              << ", held by counselors: " << holder.size()
              << ", longest gap between 2xx: " << traffic_->longest_gap().count() << " ms, statuses:";
    for (const auto& [status, n] : traffic_->statuses()) std::cerr << " " << status << "x" << n;
    std::cerr << "\n";
    for (const auto& u : traffic_->unexpected()) ADD_FAILURE() << "unexpected answer: " << u;
  }

  std::unique_ptr<testing::sentinel_cluster> cluster_;
  int port_ = 0;
  std::filesystem::path dir_;
  std::string log_;
  std::unique_ptr<testing::process> daemon_;
  std::unique_ptr<traffic> traffic_;
};

TEST_P(sentinel_failover, follows_a_requested_failover) {
  const int old_master = cluster_->node_port(0);
  ASSERT_EQ(cluster_->master_port(0), old_master);
  const pid_t pid = daemon_->pid();
  traffic_ = std::make_unique<traffic>(port_, clients);
  expect_no_stall();

  const auto t0 = clock::now();
  bool ok = false;
  auto answer = testing::redis_cli(cluster_->sentinel_ports()[0], {"SENTINEL", "FAILOVER", "m"}, &ok);
  ASSERT_TRUE(ok) << answer;
  const int new_master = cluster_->wait_for_new_master(old_master, seconds(30));
  ASSERT_EQ(new_master, cluster_->node_port(1)) << "sentinels did not promote the replica";
  const auto promoted = clock::now();
  // 2xx resume on the new master within a bounded time, without a restart
  // (with replicated, once Sentinel made the old master its replica).
  expect_resumed(promoted);
  EXPECT_TRUE(testing::wait_for_http(port_, "/readyz", seconds(10)));
  EXPECT_TRUE(daemon_->running());
  EXPECT_EQ(daemon_->pid(), pid);
  std::cerr << "[ sentinel ] promoted after " << std::chrono::duration_cast<milliseconds>(promoted - t0).count()
            << " ms\n";
  traffic_->stop();
  check_promises();
}

TEST_P(sentinel_failover, follows_when_the_master_is_killed) {
  const int old_master = cluster_->node_port(0);
  traffic_ = std::make_unique<traffic>(port_, clients);
  expect_no_stall();

  const auto t0 = clock::now();
  cluster_->kill9_node(0);
  const int new_master = cluster_->wait_for_new_master(old_master, seconds(40));
  ASSERT_EQ(new_master, cluster_->node_port(1)) << "sentinels did not elect the replica";
  const auto promoted = clock::now();
  std::cerr << "[ sentinel ] elected after " << std::chrono::duration_cast<milliseconds>(promoted - t0).count()
            << " ms\n";
  // With one replica, durability: replicated has nobody to wait for until the
  // old node is back: the operator's replacement, here the same node restarted.
  cluster_->restart_node_as_replica(0, new_master);
  ASSERT_TRUE(cluster_->wait_replica_in_sync(0, seconds(20)));
  expect_resumed(promoted);
  EXPECT_TRUE(testing::wait_for_http(port_, "/readyz", seconds(10)));
  EXPECT_TRUE(daemon_->running());
  traffic_->stop();
  check_promises();
}

INSTANTIATE_TEST_SUITE_P(durability, sentinel_failover, ::testing::Values("local", "replicated"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
}  // namespace caseroute
