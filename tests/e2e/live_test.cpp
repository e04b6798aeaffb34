// Push through the real binary, two replicas on one Redis: an offer or a
// withdrawal made by one replica wakes the long polls held on the other (the
// safety re-check is set to a minute, so only the change feed can explain a
// quick answer); waiting long polls read nothing from Redis; a long poll
// whose client leaves frees its slot at once and one token cannot hold them
// all; GET /v1/events streams the feed, resumes with Last-Event-ID across a
// kill -9 of the replica it was on, says `resync` past a trimmed feed, and
// cuts a client that stops reading while the others go on.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "e2e/e2e_support.hpp"

namespace caseroute::e2e {
namespace {

using namespace std::chrono_literals;

// A socket held open by the test (a long poll or an event stream).
class raw_connection {
 public:
  explicit raw_connection(int port, int receive_buffer = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (receive_buffer > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~raw_connection() { close(); }
  raw_connection(const raw_connection&) = delete;
  raw_connection& operator=(const raw_connection&) = delete;

  bool connected() const { return connected_; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool send(const std::string& s) {
    return ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size());
  }

  // Reads what arrives within `limit`; false when the server closed.
  bool read_for(std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    char buf[8192];
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return true;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return true;
      const auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return false;
      data_.append(buf, static_cast<std::size_t>(n));
    }
  }
  // Reads until `text` has arrived or `limit` passed.
  bool read_until(const std::string& text, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (data_.find(text) == std::string::npos) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      if (!read_for(50ms)) return data_.find(text) != std::string::npos;
    }
    return true;
  }
  std::string& data() { return data_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string data_;
};

std::string request(const std::string& target, const std::string& who,
                    const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  static const auto tokens = test_tokens();
  std::string r = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + tokens.at(who) + "\r\n";
  for (const auto& [k, v] : headers) r += k + ": " + v + "\r\n";
  return r + "\r\n";
}

// One Server-Sent Event as the stream sent it.
struct sse_event {
  std::string id;
  std::string type;
  std::string data;
};

// The events of a stream's text so far (comments and retry lines skipped).
std::vector<sse_event> events_in(const std::string& text) {
  std::vector<sse_event> out;
  const auto body = text.find("\r\n\r\n");
  if (body == std::string::npos) return out;
  std::istringstream in(text.substr(body + 4));
  sse_event e;
  bool any = false;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) {
      if (any) out.push_back(e);
      e = {};
      any = false;
      continue;
    }
    if (line.starts_with("id: ")) e.id = line.substr(4), any = true;
    if (line.starts_with("event: ")) e.type = line.substr(7), any = true;
    if (line.starts_with("data: ")) e.data = line.substr(6), any = true;
  }
  return out;
}

// test.yaml with a long safety re-check, a short heartbeat, a small stream
// buffer and a minute-long tick, so what happens fast is the feed's doing.
class live : public generated_config_test {
 protected:
  void start_two() {
    auto yaml = test_yaml();
    yaml = replace_once(yaml, "  tick: 200ms\n", "  tick: 60s\n");
    yaml += "\nlive:\n  recheck: 60s\n  heartbeat: 1s\n  stream_buffer: 16\n  max_waiting_per_caller: 3\n";
    write_config(yaml);
    start();
    port_b_ = testing::free_port();
    b_ =
        std::make_unique<testing::process>(std::vector<std::string>{CASEROUTE_BIN, "--config", config_path().string(),
                                                                    "--listen", "127.0.0.1:" + std::to_string(port_b_)},
                                           (dir_ / "caseroute-b.log").string());
    ASSERT_TRUE(testing::wait_for_http(port_b_, "/readyz", 20s)) << b_->output();
    api_b_ = std::make_unique<client>(port_b_);
  }

  void TearDown() override {
    if (b_ && b_->running()) {
      b_->signal(SIGTERM);
      b_->wait(20s);
    }
    b_.reset();
    generated_config_test::TearDown();
  }

  std::string post(client& via, const std::string& id, const std::string& risk, const std::string& concern) {
    auto r = via.platform("POST", "/v1/referrals", referral_json(id, risk, concern));
    EXPECT_EQ(r.status, 202) << r.body;
    return parse<v1::ReferralAccepted>(r.body).case_id();
  }

  // Scripts run as Redis Functions: FCALL (writes) and FCALL_RO (reads).
  long script_calls() {
    const auto info = redis_->cli({"INFO", "commandstats"});
    long calls = 0;
    for (const std::string stat : {"cmdstat_fcall:calls=", "cmdstat_fcall_ro:calls="})
      if (const auto at = info.find(stat); at != std::string::npos) calls += std::stol(info.substr(at + stat.size()));
    return calls;
  }

  int port_b_ = 0;
  std::unique_ptr<testing::process> b_;
  std::unique_ptr<client> api_b_;
};

TEST_F(live, an_offer_made_by_one_replica_wakes_a_long_poll_held_on_the_other) {
  start_two();
  // c2 is the only grief counselor on duty: a grief case goes to c2.
  std::optional<testing::http_reply> polled;
  std::chrono::steady_clock::time_point answered;
  std::thread poll([&] {
    polled = api_->as("c2", "GET", "/v1/me/offers?wait=50");
    answered = std::chrono::steady_clock::now();
  });
  std::this_thread::sleep_for(500ms);  // the long poll is waiting on replica A
  const auto posted = std::chrono::steady_clock::now();
  const auto case_id = post(*api_b_, "live-1", "RISK_LOW", "grief");
  poll.join();
  ASSERT_TRUE(polled);
  ASSERT_EQ(polled->status, 200) << polled->body;
  const auto list = parse<v1::OfferList>(polled->body);
  ASSERT_EQ(list.offers_size(), 1) << polled->body;
  EXPECT_EQ(list.offers(0).case_id(), case_id);
  // Far under the minute of the re-check: pushed, not polled.
  EXPECT_LT(answered - posted, 10s);
  EXPECT_FALSE(polled->header("etag").empty());
}

TEST_F(live, a_withdrawal_after_another_counselor_wins_a_crisis_broadcast_wakes_the_loser) {
  start_two();
  const auto case_id = post(*api_b_, "live-2", "RISK_CRISIS", "depression");
  // c1 and c5 both hold the broadcast; c5 long-polls on A for any change to its list.
  ASSERT_TRUE(wait_for_offer(*api_, "c5", case_id));
  ASSERT_TRUE(wait_for_offer(*api_b_, "c1", case_id));
  auto now = api_->as("c5", "GET", "/v1/me/offers");
  const std::string etag = now.header("etag");
  ASSERT_FALSE(etag.empty());
  std::optional<testing::http_reply> polled;
  std::chrono::steady_clock::time_point answered;
  std::thread poll([&] {
    polled = testing::http_call(port_, "GET", "/v1/me/offers?wait=50", "",
                                {{"Authorization", "Bearer " + test_tokens().at("c5")}, {"If-None-Match", etag}});
    answered = std::chrono::steady_clock::now();
  });
  std::this_thread::sleep_for(500ms);
  const auto accepted = std::chrono::steady_clock::now();
  ASSERT_EQ(api_b_->as("c1", "POST", "/v1/cases/" + case_id + "/accept").status, 200);
  poll.join();
  ASSERT_TRUE(polled);
  ASSERT_EQ(polled->status, 200) << polled->body;
  EXPECT_EQ(parse<v1::OfferList>(polled->body).offers_size(), 0) << polled->body;
  EXPECT_NE(polled->header("etag"), etag);
  EXPECT_LT(answered - accepted, 10s);
}

TEST_F(live, a_long_poll_whose_list_did_not_change_answers_304_at_its_deadline) {
  start_two();
  auto first = api_->as("c3", "GET", "/v1/me/offers");
  ASSERT_EQ(first.status, 200);
  auto again = testing::http_call(
      port_, "GET", "/v1/me/offers?wait=1", "",
      {{"Authorization", "Bearer " + test_tokens().at("c3")}, {"If-None-Match", first.header("etag")}});
  EXPECT_EQ(again.status, 304);
  EXPECT_EQ(again.header("etag"), first.header("etag"));
}

TEST_F(live, waiting_long_polls_read_nothing_from_redis) {
  start_two();
  std::vector<std::thread> polls;
  const long before = script_calls();
  for (const char* who : {"c1", "c2", "c3"})
    polls.emplace_back([&, who] { EXPECT_EQ(api_->as(who, "GET", "/v1/me/offers?wait=4").status, 200); });
  for (const char* who : {"c4", "c5"})
    polls.emplace_back([&, who] { EXPECT_EQ(api_b_->as(who, "GET", "/v1/me/offers?wait=4").status, 200); });
  for (auto& t : polls) t.join();
  // Five counselors waited 4 s each: a read as each poll starts and one as
  // it ends. Polling every half second would have been over 40.
  EXPECT_LT(script_calls() - before, 20);
}

TEST_F(live, a_poll_holding_the_current_list_reads_nothing_while_nothing_happens) {
  start_two();
  // Each counselor's list once (its tag), then polls that hold it.
  std::map<std::string, std::string> tags;
  for (const char* who : {"c1", "c2", "c3"}) {
    auto r = api_->as(who, "GET", "/v1/me/offers");
    ASSERT_EQ(r.status, 200);
    tags[who] = r.header("etag");
    ASSERT_FALSE(tags[who].empty());
  }
  const long before = script_calls();
  std::vector<std::thread> polls;
  for (const char* who : {"c1", "c2", "c3"})
    polls.emplace_back([&, who] {
      for (int i = 0; i < 3; ++i) {
        auto r = testing::http_call(
            port_, "GET", "/v1/me/offers?wait=1", "",
            {{"Authorization", "Bearer " + test_tokens().at(who)}, {"If-None-Match", tags.at(who)}}, 5s);
        EXPECT_EQ(r.status, 304) << who;
      }
    });
  for (auto& t : polls) t.join();
  // Nine polls of a second, nothing happening: no script ran for them.
  EXPECT_EQ(script_calls() - before, 0);
}

TEST_F(live, a_long_poll_whose_client_left_frees_its_slot_and_one_token_cannot_hold_them_all) {
  start_two();
  std::vector<std::unique_ptr<raw_connection>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<raw_connection>(port_));
    ASSERT_TRUE(held.back()->send(request("/v1/me/offers?wait=60", "c3")));
  }
  std::this_thread::sleep_for(300ms);
  // A fourth from the same token: 429 with Retry-After, at once.
  auto over = api_->as("c3", "GET", "/v1/me/offers?wait=60");
  EXPECT_EQ(over.status, 429) << over.body;
  EXPECT_FALSE(over.header("retry-after").empty());
  // Others are served meanwhile.
  EXPECT_EQ(api_->as("s1", "GET", "/v1/queue").status, 200);
  // The clients leave: their slots are free at once, not after 60 s.
  held.clear();
  bool admitted = wait_until(
      [&] {
        auto r = testing::http_call(port_, "GET", "/v1/me/offers?wait=1", "",
                                    {{"Authorization", "Bearer " + test_tokens().at("c3")}}, 5s);
        return r.status == 200;
      },
      3s);
  EXPECT_TRUE(admitted);
}

TEST_F(live, events_stream_the_feed_and_resume_after_a_kill_9_with_no_gap_and_no_duplicate) {
  start_two();
  raw_connection stream(port_b_);
  ASSERT_TRUE(stream.send(request("/v1/events", "s1")));
  ASSERT_TRUE(stream.read_until("retry: 2000", 5s));
  const auto first = post(*api_, "live-3", "RISK_LOW", "grief");
  ASSERT_TRUE(stream.read_until(first, 5s));
  auto seen = events_in(stream.data());
  ASSERT_FALSE(seen.empty());
  const std::string last_id = seen.back().id;
  for (const auto& e : seen) {
    // Codes and ids only: no contact, no summary, no free text, and not the
    // youth key the feed carries for the replicas' routing.
    EXPECT_EQ(e.data.find("contact"), std::string::npos) << e.data;
    EXPECT_EQ(e.data.find("summary"), std::string::npos) << e.data;
    EXPECT_EQ(e.data.find("youth"), std::string::npos) << e.data;
  }
  // Replica B dies; events go on through A meanwhile.
  b_->kill9();
  const auto second = post(*api_, "live-4", "RISK_LOW", "grief");
  ASSERT_EQ(api_->as("s1", "POST", "/v1/cases/" + second + "/cancel", R"({"reason":"test"})").status, 200);
  // The client reconnects to A with the last id it saw.
  raw_connection resumed(port_);
  ASSERT_TRUE(resumed.send(request("/v1/events", "s1", {{"Last-Event-ID", last_id}})));
  ASSERT_TRUE(resumed.read_until("case.cancelled", 5s));
  const auto after = events_in(resumed.data());
  // Exactly the feed's entries after last_id, in order.
  const auto feed = redis_->cli({"XRANGE", "{cr:test}:v1:feed", "(" + last_id, "+"});
  std::vector<std::string> want_ids;
  std::istringstream lines(feed);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty() && std::isdigit(static_cast<unsigned char>(line[0])) && line.find('-') != std::string::npos &&
        line.find_first_not_of("0123456789-") == std::string::npos)
      want_ids.push_back(line);
  std::vector<std::string> got_ids;
  for (const auto& e : after) got_ids.push_back(e.id);
  EXPECT_EQ(got_ids, want_ids);
  std::set<std::string> unique(got_ids.begin(), got_ids.end());
  EXPECT_EQ(unique.size(), got_ids.size());
  EXPECT_EQ(unique.count(last_id), 0u);
}

TEST_F(live, a_resume_from_before_the_trimmed_feed_is_told_to_resync) {
  start_two();
  const auto first = post(*api_, "live-5", "RISK_LOW", "grief");
  auto feed = redis_->cli({"XRANGE", "{cr:test}:v1:feed", "-", "+", "COUNT", "1"});
  const std::string oldest = feed.substr(0, feed.find('\n'));
  ASSERT_FALSE(oldest.empty());
  for (int i = 0; i < 3; ++i) post(*api_, "live-5-" + std::to_string(i), "RISK_LOW", "grief");
  redis_->cli({"XTRIM", "{cr:test}:v1:feed", "MAXLEN", "1"});
  // Replica B restarts: its memory of the feed starts now, so the old place
  // can only come from Redis, which no longer reaches back that far.
  b_->kill9();
  b_ = std::make_unique<testing::process>(std::vector<std::string>{CASEROUTE_BIN, "--config", config_path().string(),
                                                                   "--listen", "127.0.0.1:" + std::to_string(port_b_)},
                                          (dir_ / "caseroute-b2.log").string());
  ASSERT_TRUE(testing::wait_for_http(port_b_, "/readyz", 20s)) << b_->output();
  raw_connection stream(port_b_);
  ASSERT_TRUE(stream.send(request("/v1/events", "s1", {{"Last-Event-ID", oldest}})));
  ASSERT_TRUE(stream.read_until("event: resync", 5s)) << stream.data();
  (void)first;
}

TEST_F(live, a_stream_that_stops_reading_is_cut_and_the_others_keep_receiving) {
  start_two();
  // A tiny receive window and a client that never reads.
  raw_connection stalled(port_, 1024);
  ASSERT_TRUE(stalled.send(request("/v1/events", "s1")));
  raw_connection reader(port_);
  ASSERT_TRUE(reader.send(request("/v1/events", "s1")));
  ASSERT_TRUE(reader.read_until("retry: 2000", 5s));
  // Far more events than the stream buffer (16) and the sockets can hold;
  // the reader reads as they come, as a live client does.
  std::vector<std::string> cases;
  for (int i = 0; i < 1000; ++i) {
    cases.push_back(post(*api_, "live-6-" + std::to_string(i), "RISK_LOW", "grief"));
    if (i % 20 == 19) reader.read_for(1ms);
  }
  ASSERT_TRUE(reader.read_until(cases.back(), 10s));
  // The reader got every case.created, in order.
  std::vector<std::string> created;
  for (const auto& e : events_in(reader.data()))
    if (e.type == "case.created") created.push_back(e.data.substr(e.data.find("\"caseId\":\"") + 10, 26));
  EXPECT_EQ(created, cases);
  // The stalled one was cut: the server closed its connection.
  bool closed = wait_until([&] { return !stalled.read_for(100ms); }, 15s);
  EXPECT_TRUE(closed);
}

TEST_F(live, a_counselor_stream_carries_their_own_events_only) {
  start_two();
  raw_connection mine(port_);
  ASSERT_TRUE(mine.send(request("/v1/events", "c2")));
  ASSERT_TRUE(mine.read_until("retry: 2000", 5s));
  post(*api_, "live-7", "RISK_LOW", "exam_stress");                // goes to c3
  const auto theirs = post(*api_, "live-8", "RISK_LOW", "grief");  // goes to c2
  ASSERT_TRUE(mine.read_until("case.offered", 5s));
  mine.read_for(300ms);
  for (const auto& e : events_in(mine.data())) {
    EXPECT_NE(e.data.find("\"counselorId\":\"c2\""), std::string::npos) << e.type << " " << e.data;
    EXPECT_NE(e.data.find(theirs), std::string::npos) << e.data;
  }
}

TEST_F(live, bad_stream_requests_get_clear_errors) {
  start_two();
  EXPECT_EQ(api_->as("s1", "GET", "/v1/events?types=case.nope").status, 400);
  EXPECT_EQ(api_->as("s1", "GET", "/v1/events?site=nowhere").status, 400);
  auto bad_id = testing::http_call(port_, "GET", "/v1/events", "",
                                   {{"Authorization", "Bearer " + test_tokens().at("s1")}, {"Last-Event-ID", "x-y"}});
  EXPECT_EQ(bad_id.status, 400);
  EXPECT_EQ(testing::http_call(port_, "GET", "/v1/events").status, 401);
}

}  // namespace
}  // namespace caseroute::e2e
