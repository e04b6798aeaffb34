// The command line: --check-config with line-precise errors, token new.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "e2e/e2e_support.hpp"

namespace caseroute::e2e {
namespace {

std::pair<int, std::string> run(const std::string& args) {
  const auto out = (std::filesystem::path(::testing::TempDir()) / "caseroute-cli.out").string();
  const int rc = std::system((std::string(CASEROUTE_BIN) + " " + args + " >" + out + " 2>&1").c_str());
  std::ifstream in(out);
  std::stringstream ss;
  ss << in.rdbuf();
  return {WEXITSTATUS(rc), ss.str()};
}

TEST(cli, CheckConfigAcceptsTheShippedConfigs) {
  auto [rc, out] = run("--check-config " + std::string(CASEROUTE_SOURCE_DIR) + "/config/example.yaml");
  EXPECT_EQ(rc, 0) << out;
  std::tie(rc, out) = run("--check-config " + test_config());
  EXPECT_EQ(rc, 0) << out;
}

TEST(cli, CheckConfigReportsEveryProblemWithItsLine) {
  const auto dir = std::filesystem::path(::testing::TempDir());
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

TEST(cli, TokenNewPrintsATokenAndItsConfigLine) {
  auto [rc, out] = run("token new");
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find("token_sha256: "), std::string::npos) << out;
  auto [rc2, out2] = run("token new");
  EXPECT_NE(out, out2);  // fresh each time
}

}  // namespace
}  // namespace caseroute::e2e
