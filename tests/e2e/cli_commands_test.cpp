// The operator's subcommands against a real daemon: tables with the expected
// rows, --json that parses, tokens from a file or the environment (never the
// command line), exit codes for 401/403, 404, an unreachable daemon and usage
// errors, the event stream following a live referral and resuming after the
// daemon it followed was killed, and healthcheck's 0 and 1.
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <chrono>
#include <ctime>

#include <cstdlib>
#include <fstream>

#include "caseroute/v1/audit.pb.h"
#include "e2e/e2e_support.hpp"

namespace caseroute::e2e {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct ran {
  int exit = -1;
  std::string out;
  std::string err;
};

using env_list = std::vector<std::pair<std::string, std::string>>;

// The variables the command line reads, cleared so the test's own
// environment cannot change what it does; `env` sets some of them.
std::vector<std::string> child_environment(const env_list& env) {
  static const char* const cleared[] = {
      "CASEROUTE_URL", "CASEROUTE_TOKEN", "CASEROUTE_TOKEN_FILE", "CASEROUTE_CONFIG", "LC_ALL", "LC_MESSAGES", "LANG"};
  std::vector<std::string> vars;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view var(*e);
    const auto name = var.substr(0, var.find('='));
    bool drop = false;
    for (const char* c : cleared) drop = drop || name == c;
    if (!drop) vars.emplace_back(var);
  }
  for (const auto& [k, v] : env) vars.push_back(k + "=" + v);
  return vars;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// caseroute ARGS with stdout and stderr apart (files in `dir`); killed after 30 s.
ran run_cli(const fs::path& dir, std::vector<std::string> args, const env_list& env = {}) {
  args.insert(args.begin(), CASEROUTE_BIN);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  auto vars = child_environment(env);
  std::vector<char*> envp;
  for (auto& v : vars) envp.push_back(v.data());
  envp.push_back(nullptr);
  const auto out = dir / "out", err = dir / "err";
  const int fo = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  const int fe = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fo, 1);
    ::dup2(fe, 2);
    ::execve(argv[0], argv.data(), envp.data());
    std::_Exit(127);
  }
  ::close(fo);
  ::close(fe);
  ran r;
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      ADD_FAILURE() << "caseroute did not finish";
      break;
    }
    std::this_thread::sleep_for(20ms);
  }
  r.exit = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

class cli_commands : public e2e_test {
 protected:
  void SetUp() override {
    e2e_test::SetUp();
    char tmpl[] = "/tmp/caseroute-cli-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    const auto tokens = test_tokens();
    supervisor_token_ = tokens.at("s1");
    token_file_ = write_secret("s1.token", supervisor_token_ + "\n");
    counselor_file_ = write_secret("c1.token", tokens.at("c1"));
    url_ = "http://127.0.0.1:" + std::to_string(daemon_->port());
  }
  void TearDown() override {
    e2e_test::TearDown();
    fs::remove_all(dir_);
  }

  std::string write_secret(const std::string& name, const std::string& text) {
    const auto p = dir_ / name;
    std::ofstream(p) << text;
    fs::permissions(p, fs::perms::owner_read | fs::perms::owner_write);
    return p.string();
  }

  ran cli(std::vector<std::string> args, const env_list& env = {}) { return run_cli(dir_, std::move(args), env); }

  // A supervisor's command on this test's daemon.
  ran as_supervisor(std::vector<std::string> args, const env_list& env = {}) {
    args.insert(args.end(), {"--url", url_, "--token-file", token_file_});
    return cli(std::move(args), env);
  }

  std::string new_case(const std::string& referral_id, const std::string& risk = "RISK_MEDIUM") {
    auto r = api_->platform("POST", "/v1/referrals", referral_json(referral_id, risk, "depression"));
    EXPECT_EQ(r.status, 202) << r.body;
    return parse<v1::ReferralAccepted>(r.body).case_id();
  }

  fs::path dir_;
  std::string supervisor_token_;
  std::string token_file_;
  std::string counselor_file_;
  std::string url_;
};

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST_F(cli_commands, queue_cases_counselors_and_coverage_print_tables_with_their_rows) {
  const auto id = new_case("cli-0001");
  auto r = as_supervisor({"queue"});
  EXPECT_EQ(r.exit, 0) << r.err;
  EXPECT_TRUE(has(r.out, "by state")) << r.out;
  EXPECT_TRUE(has(r.out, "on duty 5")) << r.out;  // c1-c5 every day, all day
  r = as_supervisor({"cases"});
  EXPECT_EQ(r.exit, 0) << r.err;
  EXPECT_TRUE(has(r.out, "CASE")) << r.out;
  EXPECT_TRUE(has(r.out, id)) << r.out;
  EXPECT_FALSE(has(r.out, "Test Youth")) << r.out;  // lists carry no contact
  EXPECT_FALSE(has(r.out, "invented test summary")) << r.out;
  r = as_supervisor({"cases", "--state", "resolved"});
  EXPECT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "no cases\n");
  r = as_supervisor({"counselors"});
  EXPECT_EQ(r.exit, 0) << r.err;
  EXPECT_TRUE(has(r.out, "c1  测试咨询师一")) << r.out;
  EXPECT_TRUE(has(r.out, "c6")) << r.out;
  r = as_supervisor({"coverage", "--days", "2"});
  EXPECT_EQ(r.exit, 0) << r.err;
  EXPECT_TRUE(has(r.out, "shifts")) << r.out;
  EXPECT_TRUE(has(r.out, "gaps")) << r.out;
  r = as_supervisor({"callbacks", "parked"});
  EXPECT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "no parked callbacks\n");
}

TEST_F(cli_commands, reports_show_prints_the_report_as_a_table_csv_or_json) {
  new_case("cli-report-1");
  new_case("cli-report-2", "RISK_CRISIS");
  // The local day of the configured time zone (Asia/Shanghai) is at most a
  // day from UTC's: ask for the days around today.
  const auto now = std::chrono::system_clock::now();
  const auto day = [&](int offset) {
    const auto t = std::chrono::system_clock::to_time_t(now + std::chrono::hours(24 * offset));
    std::tm tm{};
    gmtime_r(&t, &tm);
    char out[16];
    std::strftime(out, sizeof out, "%Y-%m-%d", &tm);
    return std::string(out);
  };
  auto r = as_supervisor({"reports", "show", "--from", day(-1), "--to", day(1), "--report", "service"});
  EXPECT_EQ(r.exit, 0) << r.err;
  EXPECT_TRUE(has(r.out, "转介数")) << r.out;
  EXPECT_TRUE(has(r.out, "合计")) << r.out;
  EXPECT_FALSE(has(r.out, "\xEF\xBB\xBF")) << r.out;
  r = as_supervisor({"reports", "show", "--from", day(-1), "--to", day(1), "--report", "service", "--csv"});
  EXPECT_EQ(r.exit, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("\xEF\xBB\xBF")) << r.out;
  EXPECT_TRUE(has(r.out, ",2,")) << r.out;  // two referrals in the total row
  r = as_supervisor({"reports", "show", "--from", day(-1), "--to", day(1), "--json"});
  EXPECT_EQ(r.exit, 0) << r.err;
  EXPECT_TRUE(has(r.out, "\"sections\"")) << r.out;
  r = as_supervisor({"reports", "show", "--from", day(1), "--to", day(-1)});
  EXPECT_EQ(r.exit, 1) << r.out;  // to before from: the daemon's 400
  EXPECT_TRUE(has(r.err, "to")) << r.err;
}

TEST_F(cli_commands, tables_are_in_chinese_for_a_zh_locale_or_lang_zh) {
  const auto id = new_case("cli-0002");
  auto r = as_supervisor({"cases"}, {{"LANG", "zh_CN.UTF-8"}});
  EXPECT_EQ(r.exit, 0) << r.err;
  EXPECT_TRUE(has(r.out, "工单")) << r.out;
  EXPECT_TRUE(has(r.out, "中")) << r.out;  // RISK_MEDIUM
  EXPECT_TRUE(has(r.out, id)) << r.out;
  r = as_supervisor({"queue", "--lang", "zh"}, {{"LANG", "en_US.UTF-8"}});
  EXPECT_EQ(r.exit, 0) << r.err;
  EXPECT_TRUE(has(r.out, "按状态")) << r.out;
  r = as_supervisor({"queue"}, {{"LC_ALL", "C"}, {"LANG", "zh_CN.UTF-8"}});
  EXPECT_TRUE(has(r.out, "by state")) << r.out;
}

TEST_F(cli_commands, json_prints_the_daemons_answer_which_parses) {
  const auto id = new_case("cli-0003");
  auto r = as_supervisor({"cases", "--json"});
  ASSERT_EQ(r.exit, 0) << r.err;
  const auto list = parse<v1::CaseList>(r.out);
  ASSERT_EQ(list.cases_size(), 1);
  EXPECT_EQ(list.cases(0).case_id(), id);
  r = as_supervisor({"queue", "--json"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(parse<v1::QueueView>(r.out).counselors_on_duty(), 5);
  r = as_supervisor({"counselors", "--json"});
  EXPECT_EQ(parse<v1::CounselorList>(r.out).counselors_size(), 6);
  r = as_supervisor({"coverage", "--json", "--days", "3"});
  EXPECT_GT(parse<v1::CoverageReport>(r.out).shifts_size(), 0);
}

TEST_F(cli_commands, case_shows_contact_summary_and_history_as_an_audited_read) {
  const auto id = new_case("cli-0004");
  auto r = as_supervisor({"case", id});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_TRUE(has(r.out, "Test Youth, 13900000000")) << r.out;
  EXPECT_TRUE(has(r.out, "invented test summary")) << r.out;
  EXPECT_TRUE(has(r.out, "history")) << r.out;
  EXPECT_TRUE(has(r.out, "case.created")) << r.out;
  EXPECT_TRUE(has(r.err, "audit log")) << r.err;
  r = as_supervisor({"case", id, "--json"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(parse<v1::Case>(r.out).contact().name(), "Test Youth");
  // Both reads are in the audit log, by s1.
  r = as_supervisor({"audit", "--case", id});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_TRUE(has(r.out, "supervisor:s1")) << r.out;
  EXPECT_TRUE(has(r.out, "contact,summary")) << r.out;
  r = as_supervisor({"audit", "--case", id, "--json"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(parse<v1::AccessEventList>(r.out).events_size(), 2);
}

TEST_F(cli_commands, assign_and_cancel_act_and_print_no_personal_data) {
  const auto id = new_case("cli-0005");
  auto r = as_supervisor({"assign", id, "c2"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_TRUE(has(r.out, "c2")) << r.out;
  r = as_supervisor({"assign", id, "c1", "--json"});
  ASSERT_EQ(r.exit, 0) << r.err;
  const auto assigned = parse<v1::Case>(r.out);
  EXPECT_EQ(assigned.counselor_id(), "c1");
  EXPECT_FALSE(assigned.has_contact());
  for (const char* sealed : {"Test Youth", "13900000000", "invented test summary"})
    EXPECT_FALSE(has(r.out + r.err, sealed)) << sealed;
  r = as_supervisor({"assign", id, "nobody"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_TRUE(has(r.err, "unknown counselor")) << r.err;
  r = as_supervisor({"cancel", id, "--reason", "duplicate call"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_TRUE(has(r.out, "case cancelled: " + id)) << r.out;
  r = as_supervisor({"cancel", id});
  EXPECT_EQ(r.exit, 1);  // 409: already cancelled
  EXPECT_TRUE(has(r.err, "409 CONFLICT")) << r.err;
  r = as_supervisor({"cases", "--state", "cancelled", "--json"});
  EXPECT_EQ(parse<v1::CaseList>(r.out).cases_size(), 1);
}

TEST_F(cli_commands, exit_codes_for_404_401_403_and_an_unreachable_daemon) {
  auto r = as_supervisor({"case", "01KB6Z3M8Q7Y2C4N5P6R7S8T9V"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_TRUE(has(r.err, "HTTP 404 NOT_FOUND: no such case")) << r.err;
  r = as_supervisor({"callbacks", "retry", "01KB6Z3M8Q7Y2C4N5P6R7S8T9V"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_TRUE(has(r.err, "no parked callback")) << r.err;
  r = cli({"queue", "--url", url_, "--token-file", write_secret("wrong.token", "crt_not_a_known_token")});
  EXPECT_EQ(r.exit, 4);
  EXPECT_TRUE(has(r.err, "401 UNAUTHENTICATED")) << r.err;
  r = cli({"queue", "--url", url_, "--token-file", counselor_file_});
  EXPECT_EQ(r.exit, 4);
  EXPECT_TRUE(has(r.err, "403 PERMISSION_DENIED")) << r.err;
  r = cli({"queue", "--url", "http://127.0.0.1:" + std::to_string(testing::free_port()), "--token-file", token_file_});
  EXPECT_EQ(r.exit, 3);
  EXPECT_TRUE(has(r.err, "cannot reach")) << r.err;
}

TEST_F(cli_commands, usage_errors_exit_2_and_the_token_is_never_an_argument) {
  auto r = cli({"queue", "--url", url_, "--token", supervisor_token_});
  EXPECT_EQ(r.exit, 2);
  EXPECT_TRUE(has(r.err, "--token-file")) << r.err;
  r = cli({"queue", "--url", url_});
  EXPECT_EQ(r.exit, 2);
  EXPECT_TRUE(has(r.err, "no token")) << r.err;
  r = as_supervisor({"cases", "--state", "closed"});
  EXPECT_EQ(r.exit, 2);
  r = cli({"queue", "--url", "localhost:8355", "--token-file", token_file_});
  EXPECT_EQ(r.exit, 2);
  r = cli({"queue", "--url", url_, "--token-file", (dir_ / "missing.token").string()});
  EXPECT_EQ(r.exit, 2);
  r = cli({"--help"});
  EXPECT_EQ(r.exit, 0);
  EXPECT_TRUE(has(r.out, "Exit codes: 0 ok")) << r.out;
  EXPECT_TRUE(has(r.out, "healthcheck")) << r.out;
}

TEST_F(cli_commands, the_token_and_url_come_from_the_environment_or_the_config) {
  new_case("cli-0006");
  auto r = cli({"queue"}, {{"CASEROUTE_URL", url_}, {"CASEROUTE_TOKEN", supervisor_token_}});
  EXPECT_EQ(r.exit, 0) << r.err;
  r = cli({"cases", "--url", url_}, {{"CASEROUTE_TOKEN_FILE", token_file_}});
  EXPECT_EQ(r.exit, 0) << r.err;
  // The file wins over CASEROUTE_TOKEN.
  r = cli({"cases", "--url", url_, "--token-file", token_file_}, {{"CASEROUTE_TOKEN", "crt_wrong"}});
  EXPECT_EQ(r.exit, 0) << r.err;
  // -c FILE: server.listen of the config.
  const auto config = dir_ / "caseroute.yaml";
  std::ofstream(config) << replace_once(read_text(test_config()), "listen: \"127.0.0.1:18355\"",
                                        "listen: \"0.0.0.0:" + std::to_string(daemon_->port()) + "\"");
  r = cli({"queue", "-c", config.string(), "--token-file", token_file_});
  EXPECT_EQ(r.exit, 0) << r.err;
  std::ofstream(dir_ / "broken.yaml") << "server: [\n";
  r = cli({"queue", "-c", (dir_ / "broken.yaml").string(), "--token-file", token_file_});
  EXPECT_EQ(r.exit, 2);
}

TEST_F(cli_commands, healthcheck_and_version) {
  auto r = cli({"healthcheck", "--url", url_});
  EXPECT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "ready\n");
  r = cli({"healthcheck", "--url", "http://127.0.0.1:" + std::to_string(testing::free_port())});
  EXPECT_EQ(r.exit, 1);
  r = cli({"--version"});
  EXPECT_EQ(r.exit, 0);
  EXPECT_TRUE(has(r.out, "caseroute ")) << r.out;
  EXPECT_TRUE(has(r.out, "(commit ")) << r.out;
  // Redis gone: not ready (1), yet alive (0).
  redis_.reset();
  EXPECT_TRUE(wait_until([&] { return cli({"healthcheck", "--url", url_}).exit == 1; }, 15s));
  r = cli({"healthcheck", "--url", url_, "--live"});
  EXPECT_EQ(r.exit, 0) << r.out << r.err;
  r = cli({"healthcheck", "--url", url_});
  EXPECT_TRUE(has(r.out, "not ready (HTTP 503)")) << r.out;
}

// The container health checks (deploy/container/Containerfile, deploy/compose)
// run `caseroute healthcheck` with flags it must know: run their exact
// command lines, pointed at this test's daemon.
TEST_F(cli_commands, the_deploy_healthchecks_run_as_written) {
  for (const char* file : {"deploy/container/Containerfile", "deploy/compose/compose.yaml"}) {
    const auto text = read_text(fs::path(CASEROUTE_SOURCE_DIR) / file);
    const auto at = text.find("\"/usr/bin/caseroute\", \"healthcheck\"");
    ASSERT_NE(at, std::string::npos) << file;
    const auto end = text.find(']', at);
    std::vector<std::string> args;
    for (auto i = text.find('"', at); i < end; i = text.find('"', text.find('"', i + 1) + 1)) {
      const auto close = text.find('"', i + 1);
      args.push_back(text.substr(i + 1, close - i - 1));
    }
    ASSERT_GE(args.size(), 3u) << file;
    args.erase(args.begin());  // /usr/bin/caseroute
    for (auto& a : args)
      if (a == "http://127.0.0.1:8355") a = url_;
    const auto r = cli(args);
    EXPECT_EQ(r.exit, 0) << file << ": " << r.err;
  }
}

// `caseroute events` as a background process: its output file grows a line
// per event.
class follower {
 public:
  follower(const fs::path& file, std::vector<std::string> args) : log_(file.string()) {
    args.insert(args.begin(), CASEROUTE_BIN);
    proc_ = std::make_unique<testing::process>(args, log_, env_list{{"LANG", ""}, {"LC_ALL", ""}});
  }
  ~follower() {
    proc_->signal(SIGINT);
    proc_->wait(5s);
  }
  std::string output() const { return proc_->output(); }
  bool shows(const std::string& part, std::chrono::milliseconds limit = 15s) {
    return wait_until([&] { return has(output(), part); }, limit);
  }
  testing::process& proc() { return *proc_; }

 private:
  std::string log_;
  std::unique_ptr<testing::process> proc_;
};

TEST_F(cli_commands, events_follows_a_live_referral_and_json_lines_parse) {
  follower f(dir_ / "events.out",
             {"events", "--url", url_, "--token-file", token_file_, "--types", "case.created,case.offered"});
  std::this_thread::sleep_for(500ms);  // the stream is open
  const auto id = new_case("cli-0007");
  ASSERT_TRUE(f.shows(id)) << f.output();
  EXPECT_TRUE(f.shows("case.created")) << f.output();
  EXPECT_TRUE(f.shows("case.offered")) << f.output();
  EXPECT_FALSE(has(f.output(), "Test Youth"));
  EXPECT_TRUE(f.proc().running());

  // --json: one Event per line.
  follower j(dir_ / "events.json",
             {"events", "--url", url_, "--token-file", token_file_, "--json", "--types", "case.cancelled"});
  std::this_thread::sleep_for(500ms);
  ASSERT_EQ(api_->as("s1", "POST", "/v1/cases/" + id + "/cancel", "{}").status, 200);
  ASSERT_TRUE(j.shows(id)) << j.output();
  std::istringstream lines(j.output());
  std::string line;
  while (std::getline(lines, line)) {
    if (has(line, id)) {
      EXPECT_EQ(parse<v1::Event>(line).type(), "case.cancelled");
    }
  }
}

TEST_F(cli_commands, events_resumes_with_last_event_id_after_the_daemon_is_killed) {
  // A second replica on the same Redis takes a referral while the followed
  // one is down; only the replay from Last-Event-ID can show its creation.
  daemon other(redis_->url(), "caseroute-cli-other-" + std::to_string(::getpid()) + ".log");
  client other_api(other.port());
  follower f(dir_ / "events.out", {"events", "--url", url_, "--token-file", token_file_, "--types", "case.created"});
  std::this_thread::sleep_for(500ms);
  const auto first = new_case("cli-0008");
  ASSERT_TRUE(f.shows(first)) << f.output();
  daemon_->kill9();
  auto r = other_api.platform("POST", "/v1/referrals", referral_json("cli-0009", "RISK_LOW", "grief"));
  ASSERT_EQ(r.status, 202) << r.body;
  const auto second = parse<v1::ReferralAccepted>(r.body).case_id();
  daemon_->start();
  ASSERT_TRUE(f.shows(second, 30s)) << f.output();
  EXPECT_TRUE(has(f.output(), "reconnecting")) << f.output();
  // Each creation once.
  const auto out = f.output();
  EXPECT_EQ(out.find(first), out.rfind(first)) << out;
  EXPECT_EQ(out.find(second), out.rfind(second)) << out;
  EXPECT_TRUE(f.proc().running());
}

TEST_F(cli_commands, events_ends_with_4_for_a_bad_token_and_3_when_never_reached) {
  auto r = cli({"events", "--url", url_, "--token-file", write_secret("bad.token", "crt_unknown")});
  EXPECT_EQ(r.exit, 4) << r.err;
  r = cli({"events", "--url", "http://127.0.0.1:" + std::to_string(testing::free_port()), "--token-file", token_file_});
  EXPECT_EQ(r.exit, 3) << r.err;
  r = as_supervisor({"events", "--types", "case.nope"});
  EXPECT_EQ(r.exit, 1) << r.err;
}

// HTTPS: the daemon with server.tls and a certificate of a private CA,
// trusted with --cacert; -c FILE with server.tls means https.
class cli_tls : public generated_config_test {
 protected:
  ran sh(const std::string& command) {
    ran r;
    r.exit = std::system(("cd '" + dir_.string() + "' && " + command + " >/dev/null 2>&1").c_str());
    return r;
  }
};

TEST_F(cli_tls, https_with_a_private_ca_from_cacert) {
  ASSERT_EQ(sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem "
               "-days 2 -subj /CN=caseroute-cli-test-ca")
                .exit,
            0);
  std::ofstream(dir_ / "server.ext") << "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
  ASSERT_EQ(sh("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr "
               "-subj /CN=server && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
               "-out server.pem -days 2 -extfile server.ext")
                .exit,
            0);
  write_config(replace_once(test_yaml(), "server:\n",
                            "server:\n  tls:\n    cert_file: \"" + (dir_ / "server.pem").string() +
                                "\"\n    key_file: \"" + (dir_ / "server.key").string() + "\"\n"));
  proc_ = std::make_unique<testing::process>(
      std::vector<std::string>{CASEROUTE_BIN, "--config", config_path().string()}, (dir_ / "caseroute.log").string());
  const auto url = "https://127.0.0.1:" + std::to_string(port_);
  const auto ca = (dir_ / "ca.pem").string();
  ASSERT_TRUE(wait_until(
      [&] {
        return run_cli(dir_, {"healthcheck", "--url", url, "--cacert", ca}).exit == 0;
      },
      20s))
      << proc_->output();
  const env_list token{{"CASEROUTE_TOKEN", test_tokens().at("s1")}};
  auto r = run_cli(dir_, {"queue", "--url", url, "--cacert", ca}, token);
  EXPECT_EQ(r.exit, 0) << r.err;
  EXPECT_TRUE(has(r.out, "by state")) << r.out;
  r = run_cli(dir_, {"counselors", "--url", "https://localhost:" + std::to_string(port_), "--cacert", ca}, token);
  EXPECT_EQ(r.exit, 0) << r.err;
  r = run_cli(dir_, {"queue", "-c", config_path().string(), "--cacert", ca}, token);
  EXPECT_EQ(r.exit, 0) << r.err;
  // Not trusted without the CA, and plain HTTP gets no answer.
  r = run_cli(dir_, {"queue", "--url", url}, token);
  EXPECT_EQ(r.exit, 3);
  EXPECT_TRUE(has(r.err, "TLS handshake")) << r.err;
  r = run_cli(dir_, {"queue", "--url", "http://127.0.0.1:" + std::to_string(port_)}, token);
  EXPECT_EQ(r.exit, 3) << r.err;
}

}  // namespace
}  // namespace caseroute::e2e
