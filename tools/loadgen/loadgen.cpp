// caseroute_loadgen: drives signed referrals at a set rate and counselor
// workers (long poll, accept, resolve, some declines) for a set time against
// one daemon on this machine, then reports throughput and latency percentiles.
// Exits non-zero on any 5xx, transport error or unexpected status. Sends only
// invented data, and only to the address it is given (loopback in practice).
#include <CLI/CLI.hpp>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "accept_times.hpp"
#include "config/loader.hpp"
#include "desk.hpp"
#include "http/auth.hpp"

namespace caseroute::loadgen {

namespace {

using clock_type = std::chrono::steady_clock;
using std::chrono::duration_cast;
using ms_double = std::chrono::duration<double, std::milli>;
using namespace std::chrono_literals;

struct options {
  std::string host = "127.0.0.1";
  int port = 18355;
  double rate = 10;             // referrals per second
  int duration_s = 60;          // run time
  int wait_s = 5;               // long-poll wait
  std::string client = "poll";  // how counselors learn of offers: "poll" or "events"
  double decline = 0.05;        // fraction of offers declined
  double crisis = 0.05;         // fraction of referrals at RISK_CRISIS (broadcast to every crisis-trained counselor)
  int youths = 1000;            // distinct youth refs (continuity; bounds youth keys)
  int senders = 4;              // referral connections
  std::string config_file = "config/test.yaml";
  std::string tokens_file = "config/test-tokens.txt";
  std::string secret_file;  // overrides the platform secret read via the config
  int daemon_pid = 0;
  std::string redis_url;
  std::string run_id;    // prefix of referral ids; default: the start time
  long max_errors = 50;  // stop early past this many (a dead daemon)
};

// ---- a keep-alive HTTP/1.1 client over one blocking socket ----------------

// A socket's send and receive timeouts.
void set_socket_timeout(int fd, timeval tv) {
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// A TCP connection (no delay, `timeout_s` for each send and receive) to
// host:port, from the local address `source` when set; -1 when it fails.
int dial(const std::string& host, int port, const std::string& source, int timeout_s) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  set_socket_timeout(fd, {timeout_s, 0});
  bool ok = true;
  if (!source.empty()) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ok = ::inet_pton(AF_INET, source.c_str(), &local.sin_addr) == 1 &&
         ::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0;
  }
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  ok = ok && ::inet_pton(AF_INET, host.c_str(), &a.sin_addr) == 1 &&
       ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  if (!ok) ::close(fd);
  return ok ? fd : -1;
}

struct response {
  int status = 0;  // 0: transport error
  std::string body;
};

class connection {
 public:
  // `source`: the local address to send from ("" = the system's choice).
  connection(std::string host, int port, std::string source = {})
      : host_(std::move(host)), port_(port), source_(std::move(source)) {}
  ~connection() { close(); }
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  response call(const std::string& method, const std::string& target, const std::string& body,
                const std::vector<std::pair<std::string, std::string>>& headers, int timeout_s) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      // A kept-alive socket the server closed in between fails at once: retry on a fresh one.
      const bool reused = fd_ >= 0;
      if (fd_ < 0 && !open(timeout_s)) return {};
      set_timeout(timeout_s);
      std::string req = method + " " + target + " HTTP/1.1\r\nHost: " + host_ + "\r\nConnection: keep-alive\r\n";
      for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
      if (!body.empty()) req += "Content-Type: application/json\r\n";
      req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
      response r;
      bool sent_all = send_all(req);
      if (sent_all && read_response(r)) return r;
      close();
      if (!reused || r.status != 0) return {};
    }
    return {};
  }

 private:
  bool open(int timeout_s) {
    fd_ = dial(host_, port_, source_, timeout_s);
    buf_.clear();
    return fd_ >= 0;
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  void set_timeout(int s) { set_socket_timeout(fd_, {s, 0}); }
  bool send_all(const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
      ssize_t n = ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<std::size_t>(n);
    }
    return true;
  }
  bool fill() {
    char tmp[16384];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<std::size_t>(n));
    return true;
  }
  bool read_response(response& r) {
    std::size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return false;
    std::string head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    if (head.size() < 12) return false;
    r.status = std::atoi(head.c_str() + 9);
    std::string lower = head;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    std::size_t length = 0;
    if (auto p = lower.find("\r\ncontent-length:"); p != std::string::npos)
      length = std::strtoul(lower.c_str() + p + 17, nullptr, 10);
    while (buf_.size() < length)
      if (!fill()) return r.status = 0, false;
    r.body = buf_.substr(0, length);
    buf_.erase(0, length);
    if (lower.find("\r\nconnection: close") != std::string::npos) close();
    return true;
  }

  std::string host_;
  int port_;
  std::string source_;
  int fd_ = -1;
  std::string buf_;
};

// ---- a Server-Sent Events stream over one blocking socket -----------------

// GET /v1/events as the counselor page holds it: the answer's head, then
// events until the daemon closes the connection or the caller stops.
class event_stream {
 public:
  event_stream(std::string host, int port, std::string source)
      : host_(std::move(host)), port_(port), source_(std::move(source)) {}
  ~event_stream() { close(); }
  event_stream(const event_stream&) = delete;
  event_stream& operator=(const event_stream&) = delete;

  // Opens the stream (resuming after `last_id` when set); the status of the
  // answer, 0 on a transport error. On anything but 200 the stream is closed.
  int open(const std::string& token, const std::string& last_id) {
    close();
    fd_ = dial(host_, port_, source_, 5);
    if (fd_ < 0) return 0;
    std::string req = "GET /v1/events HTTP/1.1\r\nHost: " + host_ + "\r\nAuthorization: Bearer " + token +
                      "\r\nAccept: text/event-stream\r\n";
    if (!last_id.empty()) req += "Last-Event-ID: " + last_id + "\r\n";
    req += "\r\n";
    if (::send(fd_, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) return close(), 0;
    std::string head;
    std::size_t end;
    char tmp[16384];
    while ((end = head.find("\r\n\r\n")) == std::string::npos) {
      ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n <= 0) return close(), 0;
      head.append(tmp, static_cast<std::size_t>(n));
    }
    const int status = head.size() >= 12 ? std::atoi(head.c_str() + 9) : 0;
    if (status != 200) return close(), status;
    frames_ = sse_frames{};
    frames_.feed(std::string_view(head).substr(end + 4));
    // Short reads from here on, so the reader sees a stop soon.
    set_socket_timeout(fd_, {0, 200 * 1000});
    return status;
  }

  // Reads what arrived into the frames; false once the stream has ended.
  bool read() {
    char tmp[16384];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n > 0) {
      frames_.feed(std::string_view(tmp, static_cast<std::size_t>(n)));
      return true;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return true;
    close();
    return false;
  }

  sse_frames& frames() { return frames_; }
  bool is_open() const { return fd_ >= 0; }

 private:
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  std::string host_;
  int port_;
  std::string source_;
  int fd_ = -1;
  sse_frames frames_;
};

// ---- statistics ------------------------------------------------------------

struct endpoint_stats {
  std::map<int, long> by_status;
  std::vector<double> latency_ms;
};

class recorder {
 public:
  void record(const std::string& endpoint, int status, double ms) {
    std::lock_guard lock(m_);
    auto& e = stats_[endpoint];
    ++e.by_status[status];
    e.latency_ms.push_back(ms);
    ++requests_;
    // 409: a lost race or an expired offer, expected under load. 404 on a
    // purged case is not expected here (the tool acts on live offers only).
    if (status == 0 || status >= 500 || (status >= 400 && status != 409)) ++errors_;
  }
  void referral_sent(const std::string& case_id, clock_type::time_point t) {
    std::lock_guard lock(m_);
    to_accept_.sent(case_id, t);
    to_offer_.sent(case_id, t);
  }
  // A counselor was told of the offer, by an event or a poll answer (a
  // crisis case, to several counselors: the first counts).
  void offer_seen(const std::string& case_id, clock_type::time_point t) {
    std::lock_guard lock(m_);
    to_offer_.accepted(case_id, t);
  }
  void accepted(const std::string& case_id, clock_type::time_point t) {
    std::lock_guard lock(m_);
    to_accept_.accepted(case_id, t);
  }
  void count(const std::string& what) {
    std::lock_guard lock(m_);
    ++events_[what];
  }
  long requests() {
    std::lock_guard lock(m_);
    return requests_;
  }
  long errors() {
    std::lock_guard lock(m_);
    return errors_;
  }
  long events(const std::string& what) {
    std::lock_guard lock(m_);
    return events_[what];
  }
  void report(double elapsed_s);

 private:
  std::mutex m_;
  std::map<std::string, endpoint_stats> stats_;
  loadgen::accept_times to_accept_;
  loadgen::accept_times to_offer_;  // referral -> first seen by a counselor (event or poll answer)
  std::map<std::string, long> events_;
  long requests_ = 0;
  long errors_ = 0;
};

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

void print_percentiles(const char* name, std::vector<double>& v) {
  double mx = v.empty() ? 0 : *std::max_element(v.begin(), v.end());
  std::printf("  %-22s n=%-8zu p50=%8.2fms p90=%8.2fms p99=%8.2fms max=%8.2fms\n", name, v.size(), percentile(v, 0.50),
              percentile(v, 0.90), percentile(v, 0.99), mx);
}

void recorder::report(double elapsed_s) {
  std::lock_guard lock(m_);
  std::printf("\n=== caseroute_loadgen report ===\n");
  std::printf("elapsed %.1fs  requests %ld  throughput %.1f req/s  errors %ld\n", elapsed_s, requests_,
              static_cast<double>(requests_) / elapsed_s, errors_);
  std::printf("referrals %ld (%.2f/s)  accepted %ld  declined %ld  resolved %ld\n", events_["referral"],
              static_cast<double>(events_["referral"]) / elapsed_s, events_["accepted"], events_["declined"],
              events_["resolved"]);
  std::printf("crisis referrals %ld (each offered to every crisis-trained counselor with a free slot)\n",
              events_["crisis"]);
  std::printf("requests by endpoint and status:\n");
  for (auto& [name, e] : stats_) {
    std::printf("  %-22s", name.c_str());
    for (const auto& [status, n] : e.by_status) std::printf(" %d:%ld", status, n);
    std::printf("\n");
  }
  std::printf("latency by endpoint:\n");
  for (auto& [name, e] : stats_) print_percentiles(name.c_str(), e.latency_ms);
  std::printf("referral -> offer seen by its counselor, referral -> accept:\n");
  print_percentiles("referral_to_offer", to_offer_.ms());
  print_percentiles("referral_to_accept", to_accept_.ms());
  std::printf("unaccepted at end: %zu\n", to_accept_.unaccepted());
  std::fflush(stdout);
}

// ---- the workload ----------------------------------------------------------

// A JSON string value (ids and codes here are plain ASCII; no escaping needed
// beyond quotes, which they never contain).
std::string field(const std::string& body, const std::string& key, std::size_t from = 0) {
  auto p = body.find("\"" + key + "\":\"", from);
  if (p == std::string::npos) return {};
  p += key.size() + 4;
  auto e = body.find('"', p);
  return e == std::string::npos ? std::string() : body.substr(p, e - p);
}

std::string rfc3339_now() {
  std::time_t now = std::time(nullptr);
  char ts[32];
  std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return ts;
}

// What a referral can ask for so that some counselor of the config serves it.
struct profile {
  std::string concern;
  bool crisis = false;                // a crisis-trained counselor holds the concern
  std::vector<std::string> counties;  // counties where someone with it is rostered
};

std::vector<profile> profiles(const config::config& cfg, const std::map<std::string, std::string>& tokens) {
  std::map<std::string, profile> by_concern;
  for (const auto& c : cfg.counselors) {
    if (!tokens.count(c.id)) continue;
    std::vector<std::string> counties;
    for (const auto& s : cfg.sites)
      for (const auto& day : s.roster)
        for (const auto& [shift, ids] : day)
          if (std::find(ids.begin(), ids.end(), c.id) != ids.end()) counties.push_back(s.county);
    if (counties.empty()) continue;  // never on duty
    for (const auto& [code, level] : c.specialties) {
      auto& p = by_concern[code];
      p.concern = code;
      p.crisis = p.crisis || c.crisis_trained;
      p.counties.insert(p.counties.end(), counties.begin(), counties.end());
    }
  }
  std::vector<profile> out;
  for (auto& [code, p] : by_concern) out.push_back(std::move(p));
  return out;
}

// A referral's risk: `crisis` of them RISK_CRISIS (for a concern a
// crisis-trained counselor holds, else RISK_HIGH), the rest of 0.25 RISK_HIGH.
std::string pick_risk(const profile& p, std::mt19937& rng, double crisis) {
  const double r = std::uniform_real_distribution<double>(0, 1)(rng);
  if (r < 0.4) return "RISK_LOW";
  if (r < 0.75) return "RISK_MEDIUM";
  return r >= 1 - crisis && p.crisis ? "RISK_CRISIS" : "RISK_HIGH";
}

std::string referral_body(const std::string& id, const profile& p, const std::string& risk, std::mt19937& rng,
                          int youths) {
  std::uniform_real_distribution<double> u(0, 1);
  const double m = u(rng);
  std::string mode = m < 0.6 ? "MODE_PHONE" : m < 0.9 ? "MODE_ONLINE" : "MODE_SITE_VISIT";
  // A site visit needs someone near; crisis needs crisis training: never both.
  if (risk == "RISK_CRISIS") mode = "MODE_PHONE";
  const std::string county = p.counties[std::uniform_int_distribution<std::size_t>(0, p.counties.size() - 1)(rng)];
  std::string groups = u(rng) < 0.1 ? R"(,"groups":["GROUP_HARDSHIP"])" : "";
  const int youth = std::uniform_int_distribution<int>(1, std::max(1, youths))(rng);
  return R"({"referralId":")" + id + R"(","receivedAt":")" + rfc3339_now() + R"(","risk":")" + risk +
         R"(","concerns":[")" + p.concern + R"("],"mode":")" + mode + R"(","county":")" + county + "\"" + groups +
         R"(,"youth":{"ref":"load-y)" + std::to_string(youth) +
         R"(","age":15},"contact":{"name":"Load Test","phone":"13900000000"},)"
         R"("summary":"invented load-test summary"})";
}

struct shared_state {
  options opt;
  std::string platform_id;
  std::string secret;
  std::vector<profile> work;
  std::map<std::string, std::string> counselor_tokens;
  recorder rec;
  std::atomic<bool> stop{false};
  clock_type::time_point start;
};

response timed(shared_state& s, connection& c, const std::string& endpoint, const std::string& method,
               const std::string& target, const std::string& body,
               const std::vector<std::pair<std::string, std::string>>& headers, int timeout_s) {
  const auto t0 = clock_type::now();
  auto r = c.call(method, target, body, headers, timeout_s);
  s.rec.record(endpoint, r.status, duration_cast<ms_double>(clock_type::now() - t0).count());
  if (s.rec.errors() > s.opt.max_errors && !s.stop.exchange(true))
    std::fprintf(stderr, "loadgen: more than %ld errors, stopping early\n", s.opt.max_errors);
  if (r.status == 0 || r.status >= 500 || (r.status >= 400 && r.status != 409))
    std::fprintf(stderr, "loadgen: %s %s -> %d %s\n", method.c_str(), target.c_str(), r.status,
                 r.body.substr(0, 200).c_str());
  return r;
}

// Sender k of n sends referrals number k, k+n, k+2n, ... each at its due time.
void send_referrals(shared_state& s, int k) {
  connection c(s.opt.host, s.opt.port);
  std::mt19937 rng(static_cast<unsigned>(1000 + k));
  const auto interval = std::chrono::duration<double>(1.0 / s.opt.rate);
  for (long i = k; !s.stop; i += s.opt.senders) {
    const auto due = s.start + duration_cast<clock_type::duration>(interval * static_cast<double>(i));
    if (due >= s.start + std::chrono::seconds(s.opt.duration_s)) break;
    std::this_thread::sleep_until(due);
    if (s.stop) break;
    const std::string id = s.opt.run_id + "-" + std::to_string(i);
    const auto& p = s.work[std::uniform_int_distribution<std::size_t>(0, s.work.size() - 1)(rng)];
    const std::string risk = pick_risk(p, rng, s.opt.crisis);
    const std::string body = referral_body(id, p, risk, rng, s.opt.youths);
    const auto sent = clock_type::now();
    auto headers = http::sign_request(s.platform_id, s.secret, std::time(nullptr), "POST", "/v1/referrals", body);
    auto r = timed(s, c, "POST /v1/referrals", "POST", "/v1/referrals", body, headers, 30);
    if (r.status == 202 || r.status == 200) {
      s.rec.count("referral");
      if (risk == "RISK_CRISIS") s.rec.count("crisis");
      s.rec.referral_sent(field(r.body, "caseId"), sent);
    }
  }
}

// The offers a counselor is shown right now (GET /v1/me/offers, no wait):
// the case ids.
std::vector<std::string> offer_ids(const std::string& body) {
  // Each offer: {"caseId":"...","expiresAt":...,"case":{"caseId":"...",...}}
  std::vector<std::string> ids;
  for (auto p = body.find("\"expiresAt\""); p != std::string::npos; p = body.find("\"expiresAt\"", p + 1)) {
    auto start = body.rfind("\"caseId\":\"", p);
    if (start != std::string::npos) ids.push_back(field(body, "caseId", start));
  }
  return ids;
}

// One offer answered: declined now and then, else accepted and resolved.
void answer(shared_state& s, connection& c, const std::vector<std::pair<std::string, std::string>>& auth,
            std::mt19937& rng, const std::string& case_id) {
  const std::string base = "/v1/cases/" + case_id;
  if (std::uniform_real_distribution<double>(0, 1)(rng) < s.opt.decline) {
    auto d = timed(s, c, "POST decline", "POST", base + "/decline", R"({"reason":"load test"})", auth, 30);
    if (d.status == 200) s.rec.count("declined");
    return;
  }
  auto a = timed(s, c, "POST accept", "POST", base + "/accept", "", auth, 30);
  if (a.status != 200) return;
  s.rec.count("accepted");
  s.rec.accepted(case_id, clock_type::now());
  auto z = timed(s, c, "POST resolve", "POST", base + "/resolve",
                 R"({"outcome":"OUTCOME_COUNSELED","note":"load test"})", auth, 30);
  if (z.status == 200) s.rec.count("resolved");
}

// A counselor as the load generator first modelled one: one connection,
// a long poll, then each offer of its answer in turn, then the next poll.
void counsel(shared_state& s, std::string id, std::string token, std::string source) {
  connection c(s.opt.host, s.opt.port, source);
  std::mt19937 rng(std::hash<std::string>{}(id));
  const std::vector<std::pair<std::string, std::string>> auth = {{"Authorization", "Bearer " + token}};
  const std::string poll = "/v1/me/offers?wait=" + std::to_string(s.opt.wait_s);
  while (!s.stop) {
    auto r = timed(s, c, "GET /v1/me/offers", "GET", poll, "", auth, s.opt.wait_s + 30);
    if (r.status != 200) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));  // do not spin on a failing daemon
      continue;
    }
    const auto ids = offer_ids(r.body);
    const auto seen = clock_type::now();
    for (const auto& case_id : ids) s.rec.offer_seen(case_id, seen);
    for (const auto& case_id : ids) {
      if (s.stop) break;
      answer(s, c, auth, rng, case_id);
    }
  }
}

// A counselor as the counselor page works: one event stream tells them of
// their offers and of offers that ended (another counselor took the crisis
// broadcast); `capacity` workers, each on its own connection, answer the
// offers told, so one slow answer does not hold up the next offer. The open
// offers are read once the stream is up and after a resync.
void counsel_events(shared_state& s, std::string id, std::string token, int capacity, std::string source) {
  const std::vector<std::pair<std::string, std::string>> auth = {{"Authorization", "Bearer " + token}};
  loadgen::desk desk;
  std::vector<std::thread> workers;
  for (int k = 0; k < capacity; ++k)
    workers.emplace_back([&, k] {
      connection c(s.opt.host, s.opt.port, source);
      std::mt19937 rng(static_cast<unsigned>(std::hash<std::string>{}(id) + static_cast<std::size_t>(k)));
      while (!s.stop) {
        auto case_id = desk.take(100ms);
        if (!case_id) continue;
        if (!s.stop) answer(s, c, auth, rng, *case_id);
        desk.done(*case_id);
      }
    });

  const auto told = [&](const std::string& case_id, clock_type::time_point at) {
    s.rec.offer_seen(case_id, at);
    desk.offered(case_id);
  };
  connection lists(s.opt.host, s.opt.port, source);
  const auto read_offers = [&] {
    auto r = timed(s, lists, "GET /v1/me/offers", "GET", "/v1/me/offers", "", auth, 30);
    if (r.status != 200) return;
    const auto seen = clock_type::now();
    for (const auto& case_id : offer_ids(r.body)) told(case_id, seen);
  };
  event_stream stream(s.opt.host, s.opt.port, source);
  std::string last_id;
  while (!s.stop) {
    if (!stream.is_open()) {
      const auto t0 = clock_type::now();
      const int status = stream.open(token, last_id);
      s.rec.record("GET /v1/events", status, duration_cast<ms_double>(clock_type::now() - t0).count());
      if (status != 200) {
        std::fprintf(stderr, "loadgen: GET /v1/events as %s -> %d\n", id.c_str(), status);
        std::this_thread::sleep_for(200ms);  // do not spin on a failing daemon
        continue;
      }
      // What was offered before the stream was up (or while it was down
      // with no id to resume from).
      if (last_id.empty()) read_offers();
    }
    if (!stream.read()) continue;  // reconnects, resuming after last_id
    while (auto e = stream.frames().next()) {
      if (!e->id.empty()) last_id = e->id;
      if (e->type == "resync") {
        read_offers();
        continue;
      }
      if (field(e->data, "counselorId") != id) continue;
      const auto case_id = field(e->data, "caseId");
      if (e->type == "case.offered") {
        told(case_id, clock_type::now());
      } else if (e->type == "case.offer_withdrawn" || e->type == "case.offer_expired" || e->type == "case.cancelled") {
        desk.gone(case_id);
      }
    }
  }
  for (auto& w : workers) w.join();
}

long rss_kb(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with("VmRSS:")) return std::atol(line.c_str() + 6);
  return -1;
}

long redis_used_memory(const std::string& url) {
  // The URL comes from the operator's own command line; quote it for the shell.
  std::string cmd = "redis-cli -u '" + url + "' INFO memory 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return -1;
  char line[512];
  long v = -1;
  while (std::fgets(line, sizeof line, p))
    if (std::string_view(line).starts_with("used_memory:")) v = std::atol(line + 12);
  ::pclose(p);
  return v;
}

void progress(shared_state& s) {
  const auto end = s.start + std::chrono::seconds(s.opt.duration_s);
  for (auto next = s.start + std::chrono::seconds(10); next <= end && !s.stop; next += std::chrono::seconds(10)) {
    while (clock_type::now() < next && !s.stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (s.stop) break;
    const double t = duration_cast<std::chrono::duration<double>>(clock_type::now() - s.start).count();
    std::printf("[%6.0fs] requests=%ld referrals=%ld (%.1f/s) accepted=%ld resolved=%ld errors=%ld", t,
                s.rec.requests(), s.rec.events("referral"), static_cast<double>(s.rec.events("referral")) / t,
                s.rec.events("accepted"), s.rec.events("resolved"), s.rec.errors());
    if (s.opt.daemon_pid > 0) std::printf(" rss_kb=%ld", rss_kb(s.opt.daemon_pid));
    if (!s.opt.redis_url.empty()) std::printf(" redis_used_memory=%ld", redis_used_memory(s.opt.redis_url));
    std::printf("\n");
    std::fflush(stdout);
  }
}

std::map<std::string, std::string> read_tokens(const std::string& file) {
  std::map<std::string, std::string> out;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    std::string id, token;
    if (ss >> id >> token) out[id] = token;
  }
  return out;
}

}  // namespace

int run(int argc, char** argv) {
  shared_state s;
  options& o = s.opt;
  std::string url;
  CLI::App cli{"caseroute load generator: referrals at a set rate, counselor workers, latency report"};
  cli.add_option("--url", url, "daemon base URL, e.g. http://127.0.0.1:18355 (overrides --host/--port)");
  cli.add_option("--host", o.host, "daemon IPv4 address")->capture_default_str();
  cli.add_option("--port", o.port, "daemon port")->capture_default_str();
  cli.add_option("--rate", o.rate, "referrals per second")->capture_default_str()->check(CLI::Range(0.01, 10000.0));
  cli.add_option("--duration", o.duration_s, "seconds to run")->capture_default_str()->check(CLI::Range(1, 86400));
  cli.add_option("--client", o.client,
                 "counselors: \"poll\" (one connection: a long poll, then each offer in turn) or \"events\" "
                 "(an event stream, answering up to their capacity of offers at once, as the counselor page does)")
      ->capture_default_str()
      ->check(CLI::IsMember({"events", "poll"}));
  cli.add_option("--wait", o.wait_s, "long-poll wait of GET /v1/me/offers with --client poll, seconds")
      ->capture_default_str();
  cli.add_option("--decline", o.decline, "fraction of offers declined")->capture_default_str();
  cli.add_option("--crisis", o.crisis,
                 "fraction of referrals at RISK_CRISIS; RISK_HIGH gets the rest of 0.25 (crisis only for concerns "
                 "a crisis-trained counselor holds)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 0.25));
  cli.add_option("--youths", o.youths, "distinct youth refs")->capture_default_str();
  cli.add_option("--senders", o.senders, "referral connections")->capture_default_str()->check(CLI::Range(1, 64));
  cli.add_option("--config", o.config_file, "daemon config: platform, counselors, concerns")->capture_default_str();
  cli.add_option("--counselors", o.tokens_file, "tokens file: \"id token\" per line")->capture_default_str();
  cli.add_option("--platform-secret", o.secret_file, "platform secret file (default: from the config)");
  cli.add_option("--daemon-pid", o.daemon_pid, "sample this process's VmRSS in progress lines");
  cli.add_option("--redis-url", o.redis_url, "sample this Redis's used_memory in progress lines");
  cli.add_option("--run-id", o.run_id, "prefix of referral ids (default: start time)");
  cli.add_option("--max-errors", o.max_errors, "stop early after this many errors")->capture_default_str();
  CLI11_PARSE(cli, argc, argv);
  if (!url.empty()) {
    // http://HOST:PORT[/]
    auto rest = url.starts_with("http://") ? url.substr(7) : url;
    auto colon = rest.find(':');
    o.host = rest.substr(0, colon);
    if (colon != std::string::npos) o.port = std::atoi(rest.c_str() + colon + 1);
  }
  if (o.run_id.empty()) o.run_id = "load-" + std::to_string(std::time(nullptr));

  auto loaded = config::load_config(o.config_file);
  if (!loaded.cfg) {
    std::fprintf(stderr, "%s", config::format_problems(o.config_file, loaded).c_str());
    return 2;
  }
  const auto& cfg = *loaded.cfg;
  if (cfg.platforms.empty()) return std::fprintf(stderr, "loadgen: the config has no platform\n"), 2;
  s.platform_id = cfg.platforms.front().id;
  s.secret = cfg.platforms.front().secret;
  if (!o.secret_file.empty()) {
    std::ifstream in(o.secret_file);
    std::getline(in, s.secret);
    while (!s.secret.empty() && std::isspace(static_cast<unsigned char>(s.secret.back()))) s.secret.pop_back();
  }
  const auto tokens = read_tokens(o.tokens_file);
  for (const auto& c : cfg.counselors)
    if (auto it = tokens.find(c.id); it != tokens.end()) s.counselor_tokens[c.id] = it->second;
  s.work = profiles(cfg, tokens);
  if (s.work.empty() || s.counselor_tokens.empty()) {
    std::fprintf(stderr, "loadgen: no rostered counselor of %s has a token in %s\n", o.config_file.c_str(),
                 o.tokens_file.c_str());
    return 2;
  }
  std::printf("loadgen: %s:%d rate=%.2f/s duration=%ds counselors=%zu (%s) concerns=%zu senders=%d\n", o.host.c_str(),
              o.port, o.rate, o.duration_s, s.counselor_tokens.size(), o.client.c_str(), s.work.size(), o.senders);
  std::fflush(stdout);

  s.start = clock_type::now();
  std::vector<std::thread> threads;
  // Counselors are people on their own phones: against a loopback daemon
  // each sends from an address of its own (127.0.1.1, 127.0.1.2, ...), so
  // the daemon's cap on connections per address sees them apart, as it
  // would in service. The referral senders are the platform: 127.0.0.1.
  const bool loopback = o.host.starts_with("127.");
  int n = 0;
  for (const auto& [id, token] : s.counselor_tokens) {
    const std::string source =
        loopback ? "127.0." + std::to_string(1 + n / 250) + "." + std::to_string(1 + n % 250) : std::string();
    ++n;
    if (o.client == "poll") {
      threads.emplace_back(counsel, std::ref(s), id, token, source);
      continue;
    }
    const auto* c = cfg.find_counselor(id);
    threads.emplace_back(counsel_events, std::ref(s), id, token, std::max(1, c ? c->capacity : 1), source);
  }
  std::vector<std::thread> senders;
  for (int k = 0; k < o.senders; ++k) senders.emplace_back(send_referrals, std::ref(s), k);
  std::thread reporter(progress, std::ref(s));
  for (auto& t : senders) t.join();
  // Let the counselors take the last offers (one more long poll), then stop.
  const auto drain_until = std::max(clock_type::now(), s.start + std::chrono::seconds(o.duration_s)) + 2s;
  while (!s.stop && clock_type::now() < drain_until) std::this_thread::sleep_for(100ms);
  s.stop = true;
  for (auto& t : threads) t.join();
  reporter.join();
  const double elapsed = duration_cast<std::chrono::duration<double>>(clock_type::now() - s.start).count();
  s.rec.report(elapsed);
  const long errors = s.rec.errors();
  if (s.rec.events("referral") == 0) return std::fprintf(stderr, "loadgen: no referral was accepted\n"), 1;
  if (errors > 0) return std::fprintf(stderr, "loadgen: %ld errors\n", errors), 1;
  return 0;
}

}  // namespace caseroute::loadgen

int main(int argc, char** argv) { return caseroute::loadgen::run(argc, argv); }
