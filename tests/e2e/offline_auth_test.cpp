// `caseroute key rotate` and `caseroute reports check` against a Redis that
// asks for a password (requirepass), given as an operator does, in
// redis.password_file; and what they (and --check-config's look at the stored
// exceptions) answer when it is wrong or missing.
#include <sys/stat.h>
#include <sys/wait.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <fstream>

#include "e2e/e2e_support.hpp"

namespace caseroute::e2e {
namespace {

class offline_auth : public generated_config_test {
 protected:
  struct outcome {
    int rc = -1;
    std::string out, err;
    std::chrono::milliseconds took{};
  };

  // The local day in config/test.yaml's zone (Asia/Shanghai, UTC+8 all year).
  static std::string today() {
    const std::time_t t = std::time(nullptr) + 8 * 3600;
    char day[16];
    std::strftime(day, sizeof day, "%Y-%m-%d", std::gmtime(&t));
    return day;
  }

  // An owner-only file in the test's secrets/, as the loader demands.
  void write_secret(const std::string& name, const std::string& text) {
    const auto path = dir_ / "secrets" / name;
    std::ofstream(path) << text;
    ::chmod(path.c_str(), 0600);
  }

  // test_yaml() with redis.password_file naming secrets/`password_file`
  // (none when empty) and, when `new_key` is set, secrets/`new_key` as the
  // master key and the test key as the previous one.
  std::string yaml(const std::string& password_file, const std::string& new_key = "") const {
    auto text = test_yaml();
    const std::string url = "url: \"" + redis_->url() + "\"";
    if (!password_file.empty()) text = replace_once(text, url, url + "\n  password_file: secrets/" + password_file);
    if (!new_key.empty())
      text = replace_once(
          text, "encryption_key_file: secrets/test-data.key",
          "encryption_key_file: secrets/" + new_key + "\n  previous_encryption_key_files: [secrets/test-data.key]");
    return text;
  }

  outcome run(const std::string& args) {
    const auto out = (dir_ / "offline.out").string();
    const auto err = (dir_ / "offline.err").string();
    const auto started = std::chrono::steady_clock::now();
    const int rc = std::system(
        (std::string(CASEROUTE_BIN) + " " + args + " -c " + config_path().string() + " >" + out + " 2>" + err).c_str());
    outcome o;
    o.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    o.rc = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    o.out = read_text(out);
    o.err = read_text(err);
    return o;
  }

  static constexpr const char* password = "offline-auth-test-password";
};

TEST_F(offline_auth, key_rotate_and_reports_check_authenticate_with_the_password_file) {
  redis_->require_password(password);
  write_secret("redis-password", std::string(password) + "\n");
  write_config(yaml("redis-password"));
  start();
  auto r = api_->platform("POST", "/v1/referrals", referral_json("ref-auth-1", "RISK_HIGH", "depression"));
  ASSERT_EQ(r.status, 202) << r.body;
  proc_->signal(SIGTERM);  // nothing writes while the key turns
  proc_->wait(std::chrono::seconds(20));

  auto o = run("reports check --from " + today());
  EXPECT_EQ(o.rc, 0) << o.out << o.err;
  EXPECT_NE(o.out.find("1 cases recounted"), std::string::npos) << o.out << o.err;
  EXPECT_NE(o.out.find("live reports equal the recount"), std::string::npos) << o.out << o.err;

  o = run("--check-config " + config_path().string());
  EXPECT_EQ(o.rc, 0) << o.out << o.err;
  EXPECT_NE(o.out.find("stored exceptions checked: 0 from today on"), std::string::npos) << o.out << o.err;

  // A new master key, the old one as previous: the case is rewrapped.
  write_secret("new-data.key", std::string(64, 'a') + "\n");
  write_config(yaml("redis-password", "new-data.key"));
  o = run("key rotate");
  ASSERT_EQ(o.rc, 0) << o.out << o.err;
  EXPECT_NE(o.out.find(": 1 cases, 1 rewrapped"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("done: every case is wrapped by"), std::string::npos) << o.out;
  o = run("key rotate");
  EXPECT_EQ(o.rc, 0) << o.out << o.err;
  EXPECT_NE(o.out.find("1 current already"), std::string::npos) << o.out;

  // Without the old key the case still opens: it is under the new one.
  auto only_new = yaml("redis-password", "new-data.key");
  only_new = replace_once(only_new, "\n  previous_encryption_key_files: [secrets/test-data.key]", "");
  write_config(only_new);
  o = run("reports check --from " + today());
  EXPECT_EQ(o.rc, 0) << o.out << o.err;
  EXPECT_NE(o.out.find("1 cases recounted"), std::string::npos) << o.out << o.err;
  EXPECT_EQ(o.out.find("not openable"), std::string::npos) << o.out;
}

TEST_F(offline_auth, a_wrong_or_missing_password_is_one_clear_line_and_a_quick_failure) {
  redis_->require_password(password);
  write_secret("wrong-password", "not-the-password\n");
  for (const std::string file : {"wrong-password", ""}) {
    write_config(yaml(file));
    const std::vector<std::string> commands{"key rotate", "reports check --from " + today(),
                                            "reports rebuild --from 2026-01-01"};
    for (const auto& args : commands) {
      const auto o = run(args);
      SCOPED_TRACE(args + (file.empty() ? " without a password" : " with a wrong password"));
      EXPECT_EQ(o.rc, 2) << o.out << o.err;
      EXPECT_NE(o.err.find("redis: authentication failed (redis.password)"), std::string::npos) << o.err;
      EXPECT_EQ(o.err.find("redis.auth_failed"), std::string::npos) << "no log of retries: " << o.err;
      EXPECT_LT(o.took, std::chrono::seconds(5));
      EXPECT_EQ(o.out, "");
    }
    // --check-config says why it did not read the stored exceptions.
    const auto o = run("--check-config " + config_path().string());
    EXPECT_EQ(o.rc, 0) << o.out << o.err;
    EXPECT_NE(o.out.find("note: stored exceptions were not checked (redis: authentication failed (redis.password)"),
              std::string::npos)
        << o.out << o.err;
  }
  EXPECT_EQ(redis_->cli({"DBSIZE"}), "0");  // nothing was written
}

}  // namespace
}  // namespace caseroute::e2e
