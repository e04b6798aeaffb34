// --check-config in Chinese: asked for by the locale (LC_ALL, LC_MESSAGES,
// LANG) or by --lang zh; --lang en and any other locale keep English.
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "e2e/e2e_support.hpp"

namespace caseroute::e2e {
namespace {

class cli_lang : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "caseroute-cli-lang-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    // Line 2: an unknown key; line 3: an empty specialties list; line 4: a
    // bad listen address; no counselors; no platforms (a warning).
    std::ofstream(dir_ / "bad.yaml") << "server:\n"
                                        "  lisen: \"127.0.0.1:1\"\n"
                                        "specialties: []\n"
                                        "log: {level: loud}\n"
                                        "sites: [{id: s, name: S, county: \"411202\"}]\n"
                                        "privacy: {encryption_key_file: missing.key}\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs caseroute with exactly these locale variables (`env -i` drops the rest).
  std::pair<int, std::string> run(const std::string& locale, const std::string& args) {
    const auto out = dir_ / "out.txt";
    const std::string command = "env -i " + locale + " " + std::string(CASEROUTE_BIN) + " --check-config " +
                                (dir_ / "bad.yaml").string() + " " + args + " >" + out.string() + " 2>&1";
    const int rc = std::system(command.c_str());
    std::ifstream in(out);
    std::stringstream ss;
    ss << in.rdbuf();
    return {WEXITSTATUS(rc), ss.str()};
  }

  std::filesystem::path dir_;
};

TEST_F(cli_lang, a_chinese_locale_gets_chinese_problems_at_the_same_lines) {
  const std::string file = (dir_ / "bad.yaml").string();
  const auto [rc, out] = run("LANG=zh_CN.UTF-8", "");
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find(file + ":2:3: 错误: server 中有未知的键 \"lisen\"；是否想写 \"listen\"？\n"), std::string::npos)
      << out;
  EXPECT_NE(out.find(file + ":3:14: 错误: specialties：至少要列出一项专长\n"), std::string::npos) << out;
  EXPECT_NE(out.find(file + ":4:14: 错误: log.level：应为 trace、debug、info、warn 或 error，实际为 \"loud\"\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(file + ": 错误: 缺少必需的顶层键 \"counselors\"\n"), std::string::npos) << out;
  EXPECT_NE(out.find(file + ": 警告: 未配置任何平台（platforms）：不会收到任何转介\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("error:"), std::string::npos) << out;
  // LC_MESSAGES and LC_ALL count too, in POSIX order.
  EXPECT_EQ(run("LANG=C LC_MESSAGES=zh_CN.UTF-8", "").second, out);
  EXPECT_EQ(run("LANG=en_US.UTF-8 LC_ALL=zh_TW.UTF-8", "").second, out);
}

TEST_F(cli_lang, the_lang_flag_wins_over_the_locale) {
  const auto [zh_rc, zh] = run("LANG=C", "--lang zh");
  EXPECT_EQ(zh_rc, 1);
  EXPECT_EQ(zh, run("LANG=zh_CN.UTF-8", "").second);
  const auto [en_rc, en] = run("LANG=zh_CN.UTF-8", "--lang en");
  EXPECT_EQ(en_rc, 1);
  EXPECT_NE(en.find(":2:3: error: unknown key \"lisen\" in server; did you mean \"listen\"?\n"), std::string::npos)
      << en;
  EXPECT_EQ(en, run("LANG=C", "").second);
  EXPECT_EQ(en, run("", "").second);  // no locale at all: English
  EXPECT_NE(run("LANG=C", "--lang fr").first, 0);
}

TEST_F(cli_lang, coverage_warnings_of_a_valid_file_follow_the_language) {
  const std::filesystem::path source = CASEROUTE_SOURCE_DIR;
  std::filesystem::create_directories(dir_ / "secrets");
  std::filesystem::copy_file(source / "config/secrets/test-data.key", dir_ / "secrets/test-data.key");
  std::filesystem::permissions(dir_ / "secrets/test-data.key", std::filesystem::perms(0600));
  // Nobody is crisis-trained and nobody holds grief: two gaps on every shift.
  std::ofstream(dir_ / "bad.yaml") << "specialties: [{code: grief, name: g}, {code: anxiety, name: a}]\n"
                                      "counselors:\n"
                                      "  - {id: c1, name: A, token_sha256: \"" +
                                          std::string(64, 'a') +
                                          "\", specialties: {anxiety: 2}}\n"
                                          "sites:\n"
                                          "  - id: s\n"
                                          "    name: S\n"
                                          "    county: \"411202\"\n"
                                          "    roster: {mon: {am: [c1], pm: [c1]}, tue: {am: [c1], pm: [c1]},\n"
                                          "             wed: {am: [c1], pm: [c1]}, thu: {am: [c1], pm: [c1]},\n"
                                          "             fri: {am: [c1], pm: [c1]}, sat: {am: [c1], pm: [c1]},\n"
                                          "             sun: {am: [c1], pm: [c1]}}\n"
                                          "privacy: {encryption_key_file: secrets/test-data.key}\n"
                                          "platforms: []\n";
  const std::string file = (dir_ / "bad.yaml").string();
  const auto [rc, zh] = run("LANG=zh_CN.UTF-8", "");
  EXPECT_EQ(rc, 0) << zh;
  EXPECT_NE(zh.find(file + ": 警告: 排班覆盖（未来 7 天）: 排班中没有受过危机干预培训的咨询员：所有班次\n"),
            std::string::npos)
      << zh;
  EXPECT_NE(zh.find(file + ": 警告: 排班覆盖（未来 7 天）: 排班中无人具备专长 grief：所有班次\n"), std::string::npos)
      << zh;
  EXPECT_NE(zh.find(file + ": OK\n"), std::string::npos) << zh;
  const auto [en_rc, en] = run("LANG=zh_CN.UTF-8", "--lang en");
  EXPECT_EQ(en_rc, 0) << en;
  EXPECT_NE(en.find(file + ": warning: coverage (next 7 days): nobody rostered holds grief: every shift\n"),
            std::string::npos)
      << en;
}

}  // namespace
}  // namespace caseroute::e2e
