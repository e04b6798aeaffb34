// Status callbacks end to end: the real daemon on a generated copy of
// config/test.yaml whose test-platform posts to a local receiver. Checks
// order per case, signatures, unique event ids, retries with growing delays,
// timeouts, kill -9 and restart, parking and the retry endpoint.
#include <gtest/gtest.h>

#include <google/protobuf/util/json_util.h>

#include <csignal>
#include <ctime>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "e2e/e2e_support.hpp"
#include "http/auth.hpp"
#include "receiver.hpp"

namespace caseroute::e2e {
namespace {

using namespace std::chrono_literals;
using testing::callback_receiver;
using testing::received_post;
using testing::reply_plan;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void replace_once(std::string& s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  s.replace(at, from.size(), to);
}

// config/test.yaml with absolute secret paths, the receiver as test-platform's
// callback_url, a second platform without one, and short backoffs.
std::string write_config(int receiver_port, int max_attempts, const std::string& timeout) {
  const std::string src = CASEROUTE_SOURCE_DIR;
  std::string yaml = read_text(src + "/config/test.yaml");
  replace_once(yaml, "secret_file: secrets/test-platform.key",
               "secret_file: " + src + "/config/secrets/test-platform.key\n    callback_url: http://127.0.0.1:" +
                   std::to_string(receiver_port) + "/hooks/12355?source=caseroute\n  - id: quiet-platform\n" +
                   "    secret_file: " + src + "/config/secrets/test-platform.key");
  replace_once(yaml, "encryption_key_file: secrets/test-data.key",
               "encryption_key_file: " + src + "/config/secrets/test-data.key");
  yaml += "\ncallbacks: {max_attempts: " + std::to_string(max_attempts) +
          ", initial_backoff: 100ms, max_backoff: 1s, timeout: " + timeout + "}\n";
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string path = ::testing::TempDir() + "caseroute-callbacks-" + info->name() + ".yaml";
  std::ofstream(path) << yaml;
  return path;
}

v1::StatusCallback parse_callback(const received_post& p) {
  v1::StatusCallback cb;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(p.body, &cb).ok()) << p.body;
  return cb;
}

// Callbacks of one case, first delivery of each event id, in arrival order.
std::vector<v1::StatusCallback> unique_for(const std::vector<received_post>& posts, const std::string& case_id) {
  std::vector<v1::StatusCallback> out;
  std::set<std::string> seen;
  for (const auto& p : posts) {
    auto cb = parse_callback(p);
    if (cb.case_id() == case_id && seen.insert(cb.event_id()).second) out.push_back(cb);
  }
  return out;
}

std::vector<std::string> types_of(const std::vector<v1::StatusCallback>& cbs) {
  std::vector<std::string> t;
  for (const auto& c : cbs) t.push_back(c.type());
  return t;
}

class callbacks_test : public ::testing::Test {
 protected:
  void start(int max_attempts = 12, const std::string& timeout = "2s") {
    redis_ = std::make_unique<testing::redis_server>();
    config_ = write_config(receiver_.port(), max_attempts, timeout);
    port_ = testing::free_port();
    api_ = std::make_unique<client>(port_);
    launch();
  }
  void launch() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    proc_ = std::make_unique<testing::process>(
        std::vector<std::string>{CASEROUTE_BIN, "--config", config_, "--listen", "127.0.0.1:" + std::to_string(port_),
                                 "--redis-url", redis_->url()},
        ::testing::TempDir() + "caseroute-callbacks-" + info->name() + ".log");
    ASSERT_TRUE(testing::wait_for_http(port_, "/readyz", 20s)) << proc_->output();
  }
  void TearDown() override {
    if (proc_ && proc_->running()) {
      proc_->signal(SIGTERM);
      proc_->wait(20s);
    }
  }
  std::string refer(const std::string& referral_id, const std::string& concern = "depression") {
    auto r = api_->platform("POST", "/v1/referrals", referral_json(referral_id, "RISK_MEDIUM", concern));
    EXPECT_EQ(r.status, 202) << r.body;
    return parse<v1::ReferralAccepted>(r.body).case_id();
  }
  // Every signature checks out with the test platform's secret and the target.
  void expect_signed(const std::vector<received_post>& posts) {
    for (const auto& p : posts) {
      auto h = [&](const char* n) { return p.headers.count(n) ? p.headers.at(n) : std::string(); };
      EXPECT_EQ(h("x-platform-id"), "test-platform");
      EXPECT_EQ(h("content-type"), "application/json");
      EXPECT_EQ(p.target, "/hooks/12355?source=caseroute");
      const auto want =
          config::hmac_sha256_hex(platform_secret(), http::signing_payload(h("x-timestamp"), "POST", p.target, p.body));
      EXPECT_EQ(h("x-signature"), want);
      EXPECT_LE(std::abs(std::stoll(h("x-timestamp")) - static_cast<long long>(std::time(nullptr))), 300);
      EXPECT_EQ(h("x-event-id"), parse_callback(p).event_id());
      EXPECT_EQ(p.body.find("contact"), std::string::npos);
      EXPECT_EQ(p.body.find("summary"), std::string::npos);
    }
  }
  // The counselor the case is offered to, once it is.
  std::string offered_to(const std::string& case_id) {
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto c = parse<v1::Case>(api_->as("s1", "GET", "/v1/cases/" + case_id).body);
      if (c.state() == v1::CASE_OFFERED) return c.counselor_id();
      std::this_thread::sleep_for(50ms);
    }
    return {};
  }
  std::vector<std::string> history_types(const std::string& case_id) {
    auto r = api_->as("s1", "GET", "/v1/cases/" + case_id);
    EXPECT_EQ(r.status, 200);
    std::vector<std::string> t;
    const auto c = parse<v1::Case>(r.body);
    for (const auto& e : c.history()) t.push_back(e.type());
    return t;
  }

  callback_receiver receiver_;
  std::unique_ptr<testing::redis_server> redis_;
  std::unique_ptr<testing::process> proc_;
  std::unique_ptr<client> api_;
  std::string config_;
  int port_ = 0;
};

TEST_F(callbacks_test, full_flow_arrives_in_order_signed_with_unique_event_ids) {
  start();
  const auto id = refer("cb-flow-1");
  const std::string who = offered_to(id);
  ASSERT_FALSE(who.empty());
  ASSERT_EQ(api_->as(who, "POST", "/v1/cases/" + id + "/accept").status, 200);
  ASSERT_EQ(api_->as(who, "POST", "/v1/cases/" + id + "/resolve", R"({"outcome":"OUTCOME_COUNSELED"})").status, 200);

  ASSERT_TRUE(receiver_.wait_for([&](const auto& p) { return unique_for(p, id).size() >= 4; }, 15s));
  const auto posts = receiver_.posts();
  const auto cbs = unique_for(posts, id);
  EXPECT_EQ(types_of(cbs),
            (std::vector<std::string>{"case.created", "case.offered", "case.accepted", "case.resolved"}));
  EXPECT_EQ(types_of(cbs), history_types(id));
  EXPECT_EQ(posts.size(), 4u) << "a healthy receiver gets each event once";
  std::set<std::string> ids;
  for (const auto& cb : cbs) {
    ids.insert(cb.event_id());
    EXPECT_EQ(cb.referral_id(), "cb-flow-1");
    EXPECT_EQ(cb.platform_id(), "test-platform");
  }
  EXPECT_EQ(ids.size(), 4u);
  EXPECT_EQ(cbs[3].state(), v1::CASE_RESOLVED);
  EXPECT_EQ(cbs[3].outcome(), v1::OUTCOME_COUNSELED);
  expect_signed(posts);
  const auto metrics = testing::http_call(port_, "GET", "/metrics").body;
  EXPECT_NE(metrics.find("caseroute_callbacks_total{result=\"delivered\"} 4"), std::string::npos);
}

TEST_F(callbacks_test, failing_receiver_gets_retries_with_growing_delays_then_everything_in_order) {
  receiver_.set_plan([](int n) { return reply_plan{n < 4 ? 500 : 200}; });
  start();
  const auto id = refer("cb-fail-1");
  ASSERT_TRUE(receiver_.wait_for([&](const auto& p) { return unique_for(p, id).size() >= 2 && p.size() >= 6; }, 20s));
  const auto posts = receiver_.posts();
  // The first four POSTs are the same event (case.created): never the next before it.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(parse_callback(posts[i]).type(), "case.created") << i;
  EXPECT_EQ(parse_callback(posts[0]).event_id(), parse_callback(posts[4]).event_id());
  // Equal jitter on 100 ms doubling: gaps in [50,100], [100,200], [200,400], [400,800] ms.
  auto gap = [&](int i) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(posts[i + 1].at - posts[i].at);
  };
  EXPECT_GE(gap(0).count(), 40);
  EXPECT_GT(gap(2), gap(0));
  EXPECT_GT(gap(3), gap(1));
  EXPECT_GE(gap(3).count(), 380);
  EXPECT_EQ(types_of(unique_for(posts, id)), history_types(id));
  expect_signed(posts);
}

TEST_F(callbacks_test, stalled_receiver_times_out_and_the_callback_is_retried) {
  receiver_.set_plan([](int n) {
    reply_plan p;
    p.stall = n == 0;
    if (n == 1) p.delay = 300ms;  // slow but within the timeout: accepted
    return p;
  });
  start(12, "1s");
  const auto id = refer("cb-stall-1");
  ASSERT_TRUE(receiver_.wait_for([&](const auto& p) { return unique_for(p, id).size() >= 2; }, 20s));
  const auto posts = receiver_.posts();
  ASSERT_GE(posts.size(), 3u);
  const auto first = parse_callback(posts[0]), second = parse_callback(posts[1]);
  EXPECT_EQ(first.event_id(), second.event_id()) << "the stalled event is sent again";
  EXPECT_GE(posts[1].at - posts[0].at, 950ms) << "only after the 1 s timeout";
  EXPECT_EQ(parse_callback(posts[2]).type(), "case.offered");
  EXPECT_EQ(posts[2].body.find(first.event_id()), std::string::npos);
  EXPECT_EQ(types_of(unique_for(posts, id)), history_types(id));
}

TEST_F(callbacks_test, kill9_with_pending_callbacks_then_restart_delivers_every_event_in_order) {
  std::atomic<bool> healthy{false};
  receiver_.set_plan([&healthy](int) { return reply_plan{healthy ? 200 : 503}; });
  start();
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(refer("cb-kill-" + std::to_string(i)));
  // Some transitions while nothing is acknowledged.
  const std::string c0 = offered_to(ids[0]);
  ASSERT_EQ(api_->as("s1", "POST", "/v1/cases/" + ids[1] + "/cancel", R"({"reason":"test"})").status, 200);
  ASSERT_TRUE(receiver_.wait_for([](const auto& p) { return p.size() >= 3; }, 10s));
  proc_->kill9();
  proc_->wait(5s);
  healthy = true;
  launch();
  // More transitions after the restart; then every case is final, so its
  // history stops growing and can be compared with what arrived.
  api_->as(c0, "POST", "/v1/cases/" + ids[0] + "/accept");
  ASSERT_EQ(api_->as("s1", "POST", "/v1/cases/" + ids[0] + "/cancel", R"({"reason":"test"})").status, 200);
  ASSERT_EQ(api_->as("s1", "POST", "/v1/cases/" + ids[2] + "/cancel", R"({"reason":"test"})").status, 200);

  for (const auto& id : ids) {
    const auto want = history_types(id);
    ASSERT_TRUE(receiver_.wait_for([&](const auto& p) { return unique_for(p, id).size() >= want.size(); }, 30s)) << id;
    EXPECT_EQ(types_of(unique_for(receiver_.posts(), id)), history_types(id)) << id;
  }
  expect_signed(receiver_.posts());
}

TEST_F(callbacks_test, exhausted_callbacks_are_parked_and_the_retry_endpoint_redelivers) {
  std::atomic<bool> healthy{false};
  receiver_.set_plan([&healthy](int) { return reply_plan{healthy ? 200 : 500}; });
  start(2);
  const auto id = refer("cb-park-1");
  v1::ParkedCallbackList parked;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = api_->as("s1", "GET", "/v1/callbacks/parked");
    ASSERT_EQ(r.status, 200) << r.body;
    parked = parse<v1::ParkedCallbackList>(r.body);
    if (parked.callbacks_size() >= 2) break;
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_GE(parked.callbacks_size(), 2);
  EXPECT_EQ(parked.callbacks(0).callback().type(), "case.created");
  EXPECT_EQ(parked.callbacks(0).attempts(), 2);
  EXPECT_EQ(parked.callbacks(0).last_error(), "HTTP 500");
  EXPECT_EQ(parked.callbacks(1).callback().type(), "case.offered");
  EXPECT_EQ(api_->as("c1", "GET", "/v1/callbacks/parked").status, 403);
  EXPECT_EQ(api_->as("s1", "POST", "/v1/callbacks/parked/nope/retry").status, 404);
  EXPECT_NE(testing::http_call(port_, "GET", "/metrics").body.find("caseroute_callbacks_total{result=\"parked\"} 2"),
            std::string::npos);

  healthy = true;
  const std::string event_id = parked.callbacks(0).callback().event_id();
  const auto before = receiver_.posts().size();
  auto r = api_->as("s1", "POST", "/v1/callbacks/parked/" + event_id + "/retry");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(receiver_.wait_for(
      [&](const auto& p) {
        for (std::size_t i = before; i < p.size(); ++i)
          if (parse_callback(p[i]).event_id() == event_id) return true;
        return false;
      },
      10s));
  auto left = parse<v1::ParkedCallbackList>(api_->as("s1", "GET", "/v1/callbacks/parked").body);
  EXPECT_EQ(left.callbacks_size(), parked.callbacks_size() - 1);
}

TEST_F(callbacks_test, platform_without_callback_url_gets_nothing_queued) {
  start();
  const auto body = referral_json("cb-quiet-1", "RISK_MEDIUM", "depression");
  auto headers =
      http::sign_request("quiet-platform", platform_secret(), std::time(nullptr), "POST", "/v1/referrals", body);
  auto r = testing::http_call(port_, "POST", "/v1/referrals", body, headers);
  ASSERT_EQ(r.status, 202) << r.body;
  const auto id = parse<v1::ReferralAccepted>(r.body).case_id();
  ASSERT_EQ(api_->as("s1", "POST", "/v1/cases/" + id + "/cancel", R"({"reason":"test"})").status, 200);
  // A case of the other platform, created after, is delivered: the quiet one never was.
  const auto loud = refer("cb-loud-1");
  ASSERT_TRUE(receiver_.wait_for([&](const auto& p) { return !unique_for(p, loud).empty(); }, 10s));
  EXPECT_TRUE(unique_for(receiver_.posts(), id).empty());
  EXPECT_EQ(redis_->cli({"EXISTS", "{cr:test}:v1:outbox:" + id}), "0");
}

}  // namespace
}  // namespace caseroute::e2e
