// The log writer's guarantees: every line is valid UTF-8 JSON whatever a
// field holds, journald gets a priority prefix only when it reads our
// stderr, libprotobuf's messages come out as structured lines, and every
// event the daemon logs is explained in daemon/log/README.md.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "caseroute/v1/caseroute.pb.h"
#include "host/managed_redis.hpp"
#include "log/log.hpp"

namespace caseroute::log {
namespace {

namespace fs = std::filesystem;

// Whether s is well-formed UTF-8 (RFC 3629).
bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    std::uint32_t cp = n == 1 ? c : c & (0x7F >> n);
    for (std::size_t k = 1; k < n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    static constexpr std::uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

// Captures what the process writes to stderr (fd 2) while alive.
class stderr_capture {
 public:
  stderr_capture() {
    path_ = fs::temp_directory_path() / ("caseroute-log-test-" + std::to_string(::getpid()) + ".txt");
    std::fflush(stderr);
    saved_ = ::dup(2);
    FILE* f = std::fopen(path_.c_str(), "w");
    ::dup2(::fileno(f), 2);
    std::fclose(f);
  }
  ~stderr_capture() {
    restore();
    fs::remove(path_);
  }
  std::string text() {
    std::fflush(stderr);
    std::ifstream in(path_);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  void restore() {
    if (saved_ < 0) return;
    std::fflush(stderr);
    ::dup2(saved_, 2);
    ::close(saved_);
    saved_ = -1;
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
  int saved_ = -1;
};

TEST(escape_json, invalid_utf8_becomes_replacement_characters_and_valid_text_is_kept) {
  const std::string replacement = "\xEF\xBF\xBD";
  EXPECT_EQ(escape_json("ok 咨询 ✓ \xF0\x9F\x98\x80"), "ok 咨询 ✓ \xF0\x9F\x98\x80");
  EXPECT_EQ(escape_json("a\xFF"
                        "b"),
            "a" + replacement + "b");
  EXPECT_EQ(escape_json("\xC0\x80"), replacement + replacement);                    // overlong NUL
  EXPECT_EQ(escape_json("\xED\xA0\x80"), replacement + replacement + replacement);  // a surrogate
  EXPECT_EQ(escape_json("\xE5\x92"), replacement + replacement);                    // cut short
  EXPECT_EQ(escape_json("\xF4\x90\x80\x80").find("\xF4"), std::string::npos);       // above U+10FFFF
  EXPECT_EQ(escape_json(std::string("q\"\\\n\x01\x7F", 6)), "q\\\"\\\\\\n\\u0001\\u007f");
  // Any bytes at all: the result is valid UTF-8 with no raw control character.
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (int i = 0; i < 256; ++i) all += static_cast<char>(255 - i);
  const auto escaped = escape_json(all);
  EXPECT_TRUE(valid_utf8(escaped));
  for (unsigned char c : escaped) EXPECT_GE(c, 0x20);
}

TEST(journal, the_prefix_is_used_only_when_journal_stream_names_our_stderr) {
  stderr_capture capture;  // stderr is now a regular file with a known device and inode
  struct stat st {};
  ASSERT_EQ(::fstat(2, &st), 0);
  const auto mine = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  EXPECT_TRUE(stderr_is_journal(mine.c_str()));
  EXPECT_FALSE(stderr_is_journal(nullptr));
  EXPECT_FALSE(stderr_is_journal(""));
  EXPECT_FALSE(stderr_is_journal((std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino + 1)).c_str()));
  EXPECT_FALSE(stderr_is_journal((mine + "x").c_str()));

  ::setenv("JOURNAL_STREAM", mine.c_str(), 1);
  configure("debug", "json");
  error("test.error", {{"n", 1}});
  warn("test.warn");
  info("test.info");
  debug("test.debug");
  ::unsetenv("JOURNAL_STREAM");
  configure("debug", "json");
  info("test.plain");
  const auto text = capture.text();
  capture.restore();
  EXPECT_NE(text.find("<3>{\"ts\":"), std::string::npos) << text;
  EXPECT_NE(text.find("<4>{\"ts\":"), std::string::npos) << text;
  EXPECT_NE(text.find("<6>{\"ts\":"), std::string::npos) << text;
  EXPECT_NE(text.find("<7>{\"ts\":"), std::string::npos) << text;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("test.plain") != std::string::npos) {
      EXPECT_EQ(line.rfind("{\"ts\":", 0), 0u) << line;
    }
    if (line.find("test.error") != std::string::npos) {
      EXPECT_EQ(line.rfind("<3>{", 0), 0u) << line;
    }
  }
  configure("info", "json");
}

TEST(protobuf_log, libprotobuf_messages_are_structured_lines) {
  configure("info", "json");
  stderr_capture capture;
  // A binary Referral whose string field holds invalid UTF-8, as a client may send.
  v1::Referral r;
  r.set_referral_id("ok");
  std::string wire = r.SerializeAsString();
  wire.back() = '\xFF';
  v1::Referral parsed;
  EXPECT_FALSE(parsed.ParseFromString(wire));
  const auto text = capture.text();
  capture.restore();
  EXPECT_NE(text.find("\"event\":\"protobuf.log\""), std::string::npos) << text;
  EXPECT_EQ(text.find("[libprotobuf"), std::string::npos) << text;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_EQ(line.rfind("{\"ts\":", 0), 0u) << line;
    EXPECT_EQ(line.back(), '}') << line;
    EXPECT_TRUE(valid_utf8(line)) << line;
  }
}

TEST(log_events, every_event_the_daemon_logs_is_in_the_readme_table) {
  const fs::path source = CASEROUTE_SOURCE_DIR;
  std::ifstream readme_file(source / "daemon/log/README.md");
  const std::string readme{std::istreambuf_iterator<char>(readme_file), std::istreambuf_iterator<char>()};
  std::set<std::string> rows;
  const std::regex row(R"(\n\| `([a-z_.]+)` \|)");
  for (std::sregex_iterator it(readme.begin(), readme.end(), row), end; it != end; ++it) rows.insert((*it)[1]);
  ASSERT_GT(rows.size(), 50u);

  const std::regex call(R"re(log::(?:trace|debug|info|warn|error|write)\(\s*(?:level::\w+,\s*)?"([^"]+)")re");
  std::set<std::string> logged;
  for (const auto& e : fs::recursive_directory_iterator(source / "daemon")) {
    const auto ext = e.path().extension();
    if (ext != ".cpp" && ext != ".hpp") continue;
    std::ifstream in(e.path());
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    for (std::sregex_iterator it(text.begin(), text.end(), call), end; it != end; ++it) {
      logged.insert((*it)[1]);
      EXPECT_TRUE(rows.count((*it)[1])) << (*it)[1] << " (" << e.path().string()
                                        << ") is not in the table of daemon/log/README.md";
    }
  }
  logged.insert("protobuf.log");  // written by the protobuf handler in log.cpp
  for (const auto& r : rows) EXPECT_TRUE(logged.count(r)) << r << " is in the table but nothing logs it";
}

TEST(managed_redis_log, a_log_past_its_limit_is_rotated_once) {
  const auto dir = fs::temp_directory_path() / ("caseroute-rotate-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const auto log_file = dir / "redis.log";
  std::ofstream(log_file) << std::string(100, 'a');
  EXPECT_FALSE(host::rotate_log(log_file, 1000));
  EXPECT_FALSE(host::rotate_log(dir / "absent.log", 0));
  std::ofstream(log_file, std::ios::app) << std::string(1000, 'b');
  EXPECT_TRUE(host::rotate_log(log_file, 1000));
  EXPECT_FALSE(fs::exists(log_file));
  EXPECT_EQ(fs::file_size(dir / "redis.log.1"), 1100u);
  std::ofstream(log_file) << std::string(2000, 'c');
  EXPECT_TRUE(host::rotate_log(log_file, 1000));
  EXPECT_EQ(fs::file_size(dir / "redis.log.1"), 2000u);  // the older one replaced
  fs::remove_all(dir);
}

}  // namespace
}  // namespace caseroute::log
