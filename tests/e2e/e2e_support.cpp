// End-to-end helpers: the daemon process, signing, token files.
#include "e2e/e2e_support.hpp"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string_view>
#include <thread>

#include <unistd.h>

#include "http/auth.hpp"

namespace caseroute::e2e {

namespace {
std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", c);
      out += esc;
    } else {
      out += ch;  // JSON bodies are UTF-8 already
    }
  }
  return out + "\"";
}

// Opt-in recorder for tests/contract/check_responses.py: with
// CASEROUTE_E2E_RECORD=<dir>, every answer to client::platform and client::as
// is appended to <dir>/<suite>.<test>.jsonl as one JSON line (method, target,
// status, content type, the body when it is JSON). Each file is started afresh
// by the first answer of its test in this process.
void record(const std::string& method, const std::string& target, const http_reply& reply) {
  const char* dir = std::getenv("CASEROUTE_E2E_RECORD");
  if (dir == nullptr || *dir == '\0' || reply.status == 0) return;  // 0: no answer at all
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info == nullptr ? "outside-tests-" + std::to_string(::getpid())
                                     : std::string(info->test_suite_name()) + "." + info->name();
  std::replace(name.begin(), name.end(), '/', '_');  // parameterized tests
  static std::set<std::string> started;
  std::filesystem::create_directories(dir);
  const auto path = std::filesystem::path(dir) / (name + ".jsonl");
  std::ofstream out(path, started.insert(name).second ? std::ios::trunc : std::ios::app);
  const auto type = reply.header("content-type");
  out << R"({"method":)" << json_string(method) << R"(,"target":)" << json_string(target) << R"(,"status":)"
      << reply.status << R"(,"contentType":)" << json_string(type);
  if (type.starts_with("application/json"))
    out << R"(,"body":)" << json_string(reply.body);
  else
    out << R"(,"bodyBytes":)" << reply.body.size();
  out << "}\n";
}
}  // namespace

std::string test_config() { return std::string(CASEROUTE_SOURCE_DIR) + "/config/test.yaml"; }

std::map<std::string, std::string> test_tokens() {
  std::map<std::string, std::string> out;
  std::ifstream in(std::string(CASEROUTE_SOURCE_DIR) + "/config/test-tokens.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    std::string id, token;
    if (ss >> id >> token) out[id] = token;
  }
  return out;
}

std::string platform_secret() {
  auto s = read_file(std::string(CASEROUTE_SOURCE_DIR) + "/config/secrets/test-platform.key");
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

daemon::daemon(const std::string& redis_url, const std::string& log_name)
    : redis_url_(redis_url), log_(::testing::TempDir() + log_name), port_(testing::free_port()) {
  std::remove(log_.c_str());
  start();
}

daemon::~daemon() {
  if (proc_ && proc_->running()) terminate();
}

void daemon::start() {
  proc_ = std::make_unique<testing::process>(
      std::vector<std::string>{CASEROUTE_BIN, "--config", test_config(), "--listen",
                               "127.0.0.1:" + std::to_string(port_), "--redis-url", redis_url_},
      log_);
  if (!testing::wait_for_http(port_, "/readyz", std::chrono::seconds(20)))
    ADD_FAILURE() << "daemon did not become ready; log:\n" << proc_->output();
}

void daemon::kill9() {
  proc_->kill9();
  proc_->wait(std::chrono::seconds(5));
}

int daemon::terminate() {
  proc_->signal(SIGTERM);
  return proc_->wait(std::chrono::seconds(20));
}

http_reply client::platform(const std::string& method, const std::string& target, const std::string& body) {
  const auto ts = std::to_string(std::time(nullptr));
  const auto sig = config::hmac_sha256_hex(platform_secret(), http::signing_payload(ts, method, target, body));
  auto reply = testing::http_call(port_, method, target, body,
                                  {{"X-Platform-Id", "test-platform"}, {"X-Timestamp", ts}, {"X-Signature", sig}});
  record(method, target, reply);
  return reply;
}

http_reply client::as(const std::string& who, const std::string& method, const std::string& target,
                      const std::string& body) {
  static const auto tokens = test_tokens();
  auto it = tokens.find(who);
  EXPECT_NE(it, tokens.end()) << "no token for " << who;
  const std::string token = it == tokens.end() ? "" : it->second;
  auto reply = testing::http_call(port_, method, target, body, {{"Authorization", "Bearer " + token}});
  record(method, target, reply);
  return reply;
}

std::string referral_json(const std::string& referral_id, const std::string& risk, const std::string& concern,
                          const std::string& extra) {
  std::time_t now = std::time(nullptr) - 60;
  char ts[32];
  std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return R"({"referralId":")" + referral_id + R"(","receivedAt":")" + ts + R"(","risk":")" + risk +
         R"(","concerns":[")" + concern + R"("],"mode":"MODE_PHONE","youth":{"ref":"y-)" + referral_id +
         R"(","age":15},"contact":{"name":"Test Youth","phone":"13900000000"},"summary":"invented test summary")" +
         extra + "}";
}

bool parse_into(const std::string& json, google::protobuf::Message& m) {
  google::protobuf::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = false;
  return google::protobuf::util::JsonStringToMessage(json, &m, opts).ok();
}

bool wait_for_offer(client& c, const std::string& who, const std::string& case_id, int seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = c.as(who, "GET", "/v1/me/offers?wait=5");
    if (r.status != 200) return false;
    auto list = parse<v1::OfferList>(r.body);
    for (const auto& o : list.offers())
      if (o.case_id() == case_id) return true;
  }
  return false;
}

sys_ms now_ms() { return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()); }

sys_ms to_ms(const google::protobuf::Timestamp& t) {
  return sys_ms{std::chrono::milliseconds{t.seconds() * 1000 + t.nanos() / 1'000'000}};
}

std::string read_text(const std::filesystem::path& p) { return read_file(p.string()); }

std::string replace_once(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "config/test.yaml changed shape: \"" << from << "\"";
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

void generated_config_test::SetUp() {
  namespace fs = std::filesystem;
  redis_ = std::make_unique<testing::redis_server>();
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  dir_ = fs::path(::testing::TempDir()) /
         ("caseroute-" + std::string(info->test_suite_name()) + "-" + std::to_string(::getpid()) + "-" + info->name());
  fs::remove_all(dir_);
  fs::create_directories(dir_ / "secrets");
  const fs::path source = CASEROUTE_SOURCE_DIR;
  for (const char* key : {"test-platform.key", "test-data.key"})
    fs::copy_file(source / "config" / "secrets" / key, dir_ / "secrets" / key);
  port_ = testing::free_port();
}

void generated_config_test::TearDown() {
  if (proc_ && proc_->running()) {
    proc_->signal(SIGTERM);
    proc_->wait(std::chrono::seconds(20));
  }
  proc_.reset();
  redis_.reset();
  std::filesystem::remove_all(dir_);
}

std::string generated_config_test::test_yaml() const {
  auto text = read_text(test_config());
  text = replace_once(text, "listen: \"127.0.0.1:18355\"", "listen: \"127.0.0.1:" + std::to_string(port_) + "\"");
  return replace_once(text, "url: managed", "url: \"" + redis_->url() + "\"");
}

void generated_config_test::write_config(const std::string& text) {
  const auto tmp = dir_ / "caseroute.yaml.tmp";
  std::ofstream(tmp) << text;
  std::filesystem::rename(tmp, config_path());
}

void generated_config_test::start() {
  proc_ = std::make_unique<testing::process>(
      std::vector<std::string>{CASEROUTE_BIN, "--config", config_path().string()}, (dir_ / "caseroute.log").string());
  ASSERT_TRUE(testing::wait_for_http(port_, "/readyz", std::chrono::seconds(20))) << proc_->output();
  api_ = std::make_unique<client>(port_);
}

void e2e_test::SetUp() {
  redis_ = std::make_unique<testing::redis_server>();
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  daemon_ = std::make_unique<daemon>(redis_->url(), std::string("caseroute-") + info->name() + ".log");
  api_ = std::make_unique<client>(daemon_->port());
}

void e2e_test::TearDown() {
  daemon_.reset();
  redis_.reset();
}

}  // namespace caseroute::e2e
