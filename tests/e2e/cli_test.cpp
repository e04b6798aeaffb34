// The command line: --check-config with line-precise errors, token new.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "e2e/e2e_support.hpp"

namespace caseroute::e2e {
namespace {

// A path under the temp dir no other test process uses (ctest runs the tests
// of this file side by side).
std::filesystem::path own_path(const std::string& name) {
  static int n = 0;
  return std::filesystem::path(::testing::TempDir()) /
         ("caseroute-cli-" + std::to_string(::getpid()) + "-" + std::to_string(++n) + "-" + name);
}

std::pair<int, std::string> run(const std::string& args) {
  const auto out = own_path("out").string();
  const int rc = std::system((std::string(CASEROUTE_BIN) + " " + args + " >" + out + " 2>&1").c_str());
  std::ifstream in(out);
  std::stringstream ss;
  ss << in.rdbuf();
  return {WEXITSTATUS(rc), ss.str()};
}

TEST(cli, check_config_accepts_the_shipped_configs) {
  auto [rc, out] = run("--check-config " + std::string(CASEROUTE_SOURCE_DIR) + "/config/example.yaml");
  EXPECT_EQ(rc, 0) << out;
  std::tie(rc, out) = run("--check-config " + test_config());
  EXPECT_EQ(rc, 0) << out;
}

TEST(cli, check_config_reports_every_problem_with_its_line) {
  const auto dir = own_path("bad");
  std::filesystem::create_directories(dir);
  const auto file = dir / "caseroute-bad.yaml";
  std::ofstream(file) << "server:\n"
                         "  lisen: \"127.0.0.1:1\"\n"
                         "specialties: [{code: grief, name: g}]\n"
                         "counselors:\n"
                         "  - {id: c1, name: A, token_sha256: \"" +
                             std::string(64, 'a') +
                             "\", specialties: {nope: 2}}\n"
                             "sites:\n"
                             "  - id: s\n"
                             "    name: S\n"
                             "    county: \"411202\"\n"
                             "    roster: {mon: {am: [ghost]}}\n"
                             "privacy: {encryption_key_file: missing.key}\n";
  auto [rc, out] = run("--check-config " + file.string());
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find(":2:"), std::string::npos) << out;   // unknown key lisen
  EXPECT_NE(out.find(":5:"), std::string::npos) << out;   // unknown specialty nope
  EXPECT_NE(out.find(":10:"), std::string::npos) << out;  // unknown counselor ghost
  EXPECT_NE(out.find(":11:"), std::string::npos) << out;  // missing key file
}

// The gaps --check-config warns about are those of GET /v1/coverage?days=7:
// the coming week with dated exceptions applied. Here grief is covered only
// by a swap on every one of the next eight local days, so no grief gap is
// left, while the roster's other gaps are still named.
TEST(cli, check_config_warns_of_the_coming_weeks_gaps_with_exceptions_applied) {
  const auto dir = own_path("gaps");
  std::filesystem::create_directories(dir / "secrets");
  const std::filesystem::path source = CASEROUTE_SOURCE_DIR;
  std::filesystem::copy_file(source / "config/secrets/test-data.key", dir / "secrets/test-data.key",
                             std::filesystem::copy_options::overwrite_existing);
  std::string exceptions;
  const auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now() + std::chrono::hours(8));
  for (int d = -1; d <= 8; ++d) {
    const std::chrono::year_month_day ymd{today + std::chrono::days(d)};
    char date[16];
    std::snprintf(date, sizeof date, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()));
    exceptions += std::string("      \"") + date + "\": {all: [c2]}\n";
  }
  std::ofstream(dir / "gaps.yaml") << "shifts: {all: \"00:00-24:00\"}\n"
                                      "specialties: [{code: grief, name: g}, {code: anxiety, name: a}]\n"
                                      "counselors:\n"
                                      "  - {id: c1, name: A, token_sha256: \"" +
                                          std::string(64, 'a') +
                                          "\", specialties: {anxiety: 2}}\n"
                                          "  - {id: c2, name: B, token_sha256: \"" +
                                          std::string(64, 'b') +
                                          "\", specialties: {grief: 2}}\n"
                                          "sites:\n"
                                          "  - id: s\n"
                                          "    name: S\n"
                                          "    county: \"411202\"\n"
                                          "    roster: {mon: {all: [c1]}, tue: {all: [c1]}, wed: {all: [c1]}, "
                                          "thu: {all: [c1]}, fri: {all: [c1]}, sat: {all: [c1]}, sun: {all: [c1]}}\n"
                                          "    exceptions:\n" +
                                          exceptions + "privacy: {encryption_key_file: secrets/test-data.key}\n";
  auto [rc, out] = run("--check-config " + (dir / "gaps.yaml").string());
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("warning: coverage (next 7 days): "), std::string::npos) << out;
  EXPECT_NE(out.find("anxiety"), std::string::npos) << out;  // c1 is swapped out every day: nobody holds it
  EXPECT_EQ(out.find("holds grief"), std::string::npos) << out;
}

TEST(cli, token_new_prints_a_token_and_its_config_line) {
  auto [rc, out] = run("token new");
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find("token_sha256: "), std::string::npos) << out;
  auto [rc2, out2] = run("token new");
  EXPECT_NE(out, out2);  // fresh each time
}

}  // namespace
}  // namespace caseroute::e2e
