// redis.password_file: read beside the config, trimmed, and refused like an
// ssh private key when group or others may read it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "config/loader.hpp"

namespace caseroute::config {
namespace {

namespace fs = std::filesystem;

class password_file : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("caseroute-password-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    // config/test.yaml with its secrets beside it, plus the password file.
    const fs::path source = CASEROUTE_CONFIG_DIR;
    fs::copy(source / "secrets", dir_ / "secrets", fs::copy_options::recursive);
    std::ifstream in(source / "test.yaml");
    std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    const std::string anchor = "  key_prefix: \"cr:test\"\n";
    const auto at = text.find(anchor);
    ASSERT_NE(at, std::string::npos);
    text.insert(at + anchor.size(), "  password_file: redis-password\n");
    line_ = 2 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
    std::ofstream(dir_ / "caseroute.yaml") << text;
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write_password(const std::string& text, fs::perms mode) {
    std::ofstream(dir_ / "redis-password") << text;
    fs::permissions(dir_ / "redis-password", mode);
  }
  fs::path dir_;
  int line_ = 0;  // of password_file
};

TEST_F(password_file, an_owner_only_file_is_read_and_trimmed) {
  write_password("s3cret-for-tests\n", fs::perms::owner_read | fs::perms::owner_write);
  const auto r = load_config(dir_ / "caseroute.yaml");
  ASSERT_TRUE(r.cfg) << format_problems("caseroute.yaml", r);
  EXPECT_EQ(r.cfg->redis.password, "s3cret-for-tests");
}

TEST_F(password_file, a_file_group_or_others_can_read_is_refused_at_its_line) {
  for (const auto mode :
       {fs::perms::owner_read | fs::perms::group_read, fs::perms::owner_read | fs::perms::others_read}) {
    write_password("s3cret-for-tests\n", mode);
    const auto r = load_config(dir_ / "caseroute.yaml");
    EXPECT_FALSE(r.cfg);
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].line, line_);
    EXPECT_NE(r.errors[0].message.find("accessible by group or others"), std::string::npos) << r.errors[0].message;
    EXPECT_NE(r.errors[0].message.find("chmod 600"), std::string::npos);
    // The error names the file, never its contents.
    EXPECT_EQ(r.errors[0].message.find("s3cret"), std::string::npos);
  }
}

TEST_F(password_file, a_missing_or_empty_file_is_an_error) {
  auto r = load_config(dir_ / "caseroute.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("cannot read"), std::string::npos) << r.errors[0].message;
  write_password("\n", fs::perms::owner_read);
  r = load_config(dir_ / "caseroute.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("is empty"), std::string::npos) << r.errors[0].message;
}

}  // namespace
}  // namespace caseroute::config
