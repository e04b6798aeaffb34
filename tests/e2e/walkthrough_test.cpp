// The README's curl walkthrough, run as a new user would paste it: the block
// between the walkthrough markers of README.md, against the real daemon on
// config/example.yaml (its demo tokens and dev secrets) on a free port with a
// private Redis. The block's curl calls fail on any non-2xx, and so does this.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>

#include "e2e/e2e_support.hpp"

namespace caseroute::e2e {
namespace {

namespace fs = std::filesystem;

// The shell lines of the fenced block between the markers, without the fences.
std::string walkthrough_block(const std::string& readme) {
  const std::string begin = "<!-- walkthrough:begin -->", end = "<!-- walkthrough:end -->";
  const auto from = readme.find(begin);
  const auto to = readme.find(end);
  if (from == std::string::npos || to == std::string::npos || to < from) return {};
  std::string block;
  std::size_t at = from + begin.size();
  while (at < to) {
    auto eol = readme.find('\n', at);
    if (eol == std::string::npos || eol > to) eol = to;
    const std::string line = readme.substr(at, eol - at);
    if (!line.starts_with("```")) block += line + "\n";
    at = eol + 1;
  }
  return block;
}

TEST(walkthrough, readme_commands_succeed_against_the_demo_config) {
  const fs::path source = CASEROUTE_SOURCE_DIR;
  const std::string block = walkthrough_block(read_text(source / "README.md"));
  ASSERT_NE(block.find("tools/platform-curl POST /v1/referrals"), std::string::npos)
      << "README.md has no walkthrough block between <!-- walkthrough:begin --> and <!-- walkthrough:end -->";

  testing::redis_server redis;
  const int port = testing::free_port();
  const fs::path dir = fs::path(::testing::TempDir()) / ("caseroute-walkthrough-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  testing::process daemon({CASEROUTE_BIN, "--config", (source / "config" / "example.yaml").string(), "--listen",
                           "127.0.0.1:" + std::to_string(port), "--redis-url", redis.url()},
                          (dir / "caseroute.log").string());
  ASSERT_TRUE(testing::wait_for_http(port, "/readyz", std::chrono::seconds(20))) << daemon.output();

  // As pasted into a shell at the repository root, but stopping at the first failure.
  const fs::path script = dir / "walkthrough.sh";
  std::ofstream(script) << "set -euo pipefail\ncd '" << source.string() << "'\n" << block;
  testing::process shell({"/bin/bash", script.string()}, (dir / "walkthrough.log").string(),
                         {{"CASEROUTE_URL", "http://127.0.0.1:" + std::to_string(port)}});
  const int code = shell.wait(std::chrono::seconds(120));
  const std::string out = shell.output();
  EXPECT_EQ(code, 0) << "the walkthrough failed; its output:\n" << out << "\ndaemon log:\n" << daemon.output();

  // The steps did what the README says they do.
  EXPECT_NE(out.find("\"duplicate\":true"), std::string::npos) << out;
  EXPECT_NE(out.find("\"state\":\"CASE_ACTIVE\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"state\":\"CASE_RESOLVED\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"rule\":\"assigned\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"state\":\"CASE_CANCELLED\""), std::string::npos) << out;

  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(std::chrono::seconds(20)), 0) << daemon.output();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace caseroute::e2e
