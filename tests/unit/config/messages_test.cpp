// The message catalogue of --check-config: every kind of problem the loader
// reports has a Chinese rendering, every string the loader builds a problem
// from is catalogued, and real problems find their kind.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "config/messages.hpp"
#include "config/token.hpp"
#include "config_fixture.hpp"

namespace caseroute::config {
namespace {

using testing::base_yaml;
using testing::edited;
using testing::inserted;

std::set<std::string> placeholders(std::string_view pattern) {
  std::set<std::string> names;
  for (auto open = pattern.find('{'); open != std::string_view::npos; open = pattern.find('{', open + 1)) {
    names.emplace(pattern.substr(open + 1, pattern.find('}', open) - open - 1));
  }
  return names;
}

bool has_chinese(std::string_view text) {
  // UTF-8 lead bytes 0xE4..0xE9 start the CJK Unified Ideographs (U+4E00..U+9FFF).
  for (unsigned char c : text) {
    if (c >= 0xE4 && c <= 0xE9) return true;
  }
  return false;
}

// Fails when a kind is added without its Chinese, with placeholders that do
// not match, or with a code another kind has.
TEST(messages, every_kind_and_phrase_has_a_chinese_rendering) {
  std::set<std::string_view> codes;
  for (const auto table : {message_kinds(), message_phrases()}) {
    for (const message_kind& k : table) {
      SCOPED_TRACE(std::string(k.code));
      EXPECT_TRUE(codes.insert(k.code).second) << "duplicate code";
      EXPECT_FALSE(k.en.empty());
      EXPECT_TRUE(has_chinese(k.zh)) << k.zh;
      EXPECT_EQ(placeholders(k.en), placeholders(k.zh));
      EXPECT_EQ(k.en.find("}{"), std::string_view::npos) << "two placeholders touch";
    }
  }
  EXPECT_GE(message_kinds().size(), 70u);
}

// The string literals of a C++ file, comments and character literals skipped,
// with the common escapes undone.
std::vector<std::string> string_literals(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string src = ss.str();
  EXPECT_FALSE(src.empty()) << file;
  std::vector<std::string> out;
  for (std::size_t i = 0; i < src.size(); ++i) {
    const char c = src[i];
    if (c == '/' && i + 1 < src.size() && src[i + 1] == '/') {
      i = src.find('\n', i);
      if (i == std::string::npos) break;
    } else if (c == '/' && i + 1 < src.size() && src[i + 1] == '*') {
      i = src.find("*/", i + 2) + 1;
    } else if (c == '\'' && (i == 0 || !std::isalnum(static_cast<unsigned char>(src[i - 1])))) {
      for (++i; i < src.size() && src[i] != '\''; ++i) i += src[i] == '\\';
    } else if (c == '"') {
      std::string text;
      for (++i; i < src.size() && src[i] != '"'; ++i) {
        if (src[i] == '\\' && i + 1 < src.size()) {
          const char e = src[++i];
          text += e == 'n' || e == 't' || e == 'r' ? ' ' : e;
        } else {
          text += src[i];
        }
      }
      out.push_back(text);
    }
  }
  return out;
}

// A new problem written into the loader shows here until its kind is in the
// catalogue: every literal with words in it must be part of a kind or phrase.
TEST(messages, every_string_the_loader_builds_problems_from_is_catalogued) {
  const std::filesystem::path source = CASEROUTE_SOURCE_DIR;
  const std::regex words("[A-Za-z]{2,}");
  int checked = 0;
  for (const char* file :
       {"daemon/config/loader.cpp", "daemon/config/yaml_reader.cpp", "daemon/config/secret_files.cpp",
        "daemon/config/duration.cpp", "daemon/config/formats.cpp", "daemon/schedule/coverage.cpp"}) {
    for (const std::string& literal : string_literals(source / file)) {
      if (literal.find(' ') == std::string::npos || !std::regex_search(literal, words)) continue;
      bool found = false;
      for (const auto table : {message_kinds(), message_phrases()}) {
        for (const message_kind& k : table) found = found || k.en.find(literal) != std::string_view::npos;
      }
      EXPECT_TRUE(found) << file << ": \"" << literal << "\" is in no message kind of config/messages.cpp";
      ++checked;
    }
  }
  EXPECT_GT(checked, 80);
}

// A config text and the kind of problem it must produce.
struct sample {
  std::string code;
  std::string yaml;
};

std::string counselors_without_specialties(int n) {
  std::string text = "counselors:\n";
  for (int i = 0; i < n; ++i) text += "  - {id: x" + std::to_string(i) + ", name: n}\n";
  return text;
}

std::vector<sample> parse_samples() {
  const std::string c1 = sha256_hex("token-c1"), c2 = sha256_hex("token-c2");
  std::string many_keys = "server:\n";
  for (int i = 0; i < 205; ++i) many_keys += "  k" + std::to_string(i) + ": 1\n";
  std::string aliased = "  - &s {id: s9, name: n, county: \"411202\", roster: {mon: {am: [c1";
  for (int i = 1; i < 1500; ++i) aliased += ", c1";
  aliased += "]}}}\n";
  for (int i = 0; i < 1500; ++i) aliased += "  - *s\n";
  return {
      {"file.yaml_syntax", "a: [\n"},
      {"file.too_large", inserted(14, aliased)},
      {"file.too_many_errors", many_keys},
      {"file.too_many_warnings", counselors_without_specialties(120)},
      {"yaml.expected_mapping", "server: 5\n"},
      {"yaml.expected_mapping", "- a\n"},
      {"yaml.key_not_string", "? [a, b]\n: c\n"},
      {"yaml.duplicate_key", base_yaml() + "log: {level: info, level: warn}\n"},
      {"yaml.unknown_top_key_suggest", base_yaml() + "sever: {}\n"},
      {"yaml.unknown_top_key", base_yaml() + "zzzzzzzz: 1\n"},
      {"yaml.unknown_key_suggest", base_yaml() + "server: {lisen: \"127.0.0.1:1\"}\n"},
      {"yaml.unknown_key", base_yaml() + "server: {qqqqqqqq: 1}\n"},
      {"yaml.missing_top_key", "server: {}\n"},
      {"yaml.missing_key", edited("    name: 甲（虚构）\n", "")},
      {"yaml.expected_list", edited("platforms: [{id: p1, secret_file: p1.key}]", "platforms: 5")},
      {"yaml.expected_string", base_yaml() + "timezone: [a]\n"},
      {"yaml.expected_integer", base_yaml() + "server: {max_body_bytes: abc}\n"},
      {"yaml.expected_integer", base_yaml() + "server: {max_body_bytes: [1]}\n"},
      {"yaml.out_of_range", base_yaml() + "server: {max_body_bytes: 0}\n"},
      {"yaml.out_of_range", edited("{depression: 3, anxiety: 2}", "{depression: 9, anxiety: 2}")},
      {"yaml.expected_boolean", base_yaml() + "limits: {limit_loopback: maybe}\n"},
      {"yaml.expected_duration", base_yaml() + "server: {read_timeout: forever}\n"},
      {"yaml.duration_too_short", base_yaml() + "routing: {tick: 1ms}\n"},
      {"yaml.not_whole_seconds", base_yaml() + "server: {read_timeout: 1500ms}\n"},
      {"yaml.empty", edited("name: 甲（虚构）", "name: \"\"")},
      {"server.listen", base_yaml() + "server: {listen: nope}\n"},
      {"server.public_origin", base_yaml() + "server: {public_origin: nope}\n"},
      {"sessions.idle_over_lifetime", base_yaml() + "sessions: {idle: 2h, lifetime: 1h}\n"},
      {"limits.burst_below_rate", base_yaml() + "limits: {per_address: {rate: 10, burst: 5}}\n"},
      {"redis.url", base_yaml() + "redis: {url: \"http://x\"}\n"},
      {"redis.url_cleartext", base_yaml() + "redis: {url: \"redis://10.0.0.5:6379/0\"}\n"},
      {"redis.data_dir_empty", base_yaml() + "redis: {data_dir: \"\"}\n"},
      {"redis.key_prefix", base_yaml() + "redis: {key_prefix: \"a b\"}\n"},
      {"redis.durability", base_yaml() + "redis: {durability: maybe}\n"},
      {"timezone.empty", base_yaml() + "timezone: \"\"\n"},
      {"shifts.none", base_yaml() + "shifts: {}\n"},
      {"shifts.bad_name", base_yaml() + "shifts: {AM: \"08:00-12:00\", am: \"08:00-12:00\", pm: \"13:00-17:00\"}\n"},
      {"shifts.bad_window", base_yaml() + "shifts: {am: \"8-12\", pm: \"13:00-17:00\"}\n"},
      {"shifts.bad_window", base_yaml() + "shifts: {am: \"25:00-26:00\", pm: \"13:00-17:00\"}\n"},
      {"shifts.bad_window", base_yaml() + "shifts: {am: \"08:00-25:00\", pm: \"13:00-17:00\"}\n"},
      {"shifts.bad_window", base_yaml() + "shifts: {am: \"12:00-08:00\", pm: \"13:00-17:00\"}\n"},
      {"specialties.none", "specialties: []\n"},
      {"specialties.bad_code", edited("{code: anxiety, name: 焦虑}", "{code: Anx, name: 焦虑}")},
      {"specialties.duplicate", edited("{code: anxiety,", "{code: depression,")},
      {"specialties.unheld", inserted(4, "  - {code: grief, name: g}\n")},
      {"counties.bad_code", base_yaml() + "counties: [{code: \"12\", name: x}]\n"},
      {"counties.duplicate", base_yaml() + "counties: [{code: \"411202\"}, {code: \"411202\"}]\n"},
      {"counties.unlisted", base_yaml() + "counties: [{code: \"411203\"}]\n"},
      {"counties.no_site", edited("    specialties: {anxiety: 1}\n",
                                  "    specialties: {anxiety: 1}\n    home_visit_counties: [\"411209\"]\n")},
      {"ids.bad", edited("id: c1", "id: \"c 1\"")},
      {"ids.duplicate", edited("id: c2", "id: c1")},
      {"tokens.bad", edited(c2, "abc")},
      {"tokens.shared", edited(c2, c1)},
      {"platforms.callback_url",
       edited("{id: p1, secret_file: p1.key}", "{id: p1, secret_file: p1.key, callback_url: \"ftp://x\"}")},
      {"platforms.none", edited("platforms: [{id: p1, secret_file: p1.key}]\n", "")},
      {"counselors.unknown_specialty", edited("{depression: 3, anxiety: 2}", "{depression: 3, nope: 2}")},
      {"counselors.no_specialty", edited("    specialties: {anxiety: 1}\n", "")},
      {"counselors.unrostered", inserted(13, "  - {id: c3, name: n, token_sha256: " + sha256_hex("token-c3") +
                                                 ", specialties: {anxiety: 1}}\n")},
      {"rosters.unknown_shift", edited("mon: {am: [c1]", "mon: {night: [c1]")},
      {"rosters.unknown_counselor", edited("mon: {am: [c1]", "mon: {am: [ghost]")},
      {"rosters.listed_twice", edited("mon: {am: [c1]", "mon: {am: [c1, c1]")},
      {"rosters.unknown_weekday", edited("      mon:", "      mun:")},
      {"rosters.bad_date", inserted(20, "    exceptions: {\"2026-02-30\": {am: [c1]}}\n")},
      {"sites.none", "sites: []\n"},
      {"sites.understaffed", edited("      tue: {am: [c1, c2], pm: [c2]}\n", "")},
      {"privacy.audit_retention", edited("privacy: {encryption_key_file: data.key}",
                                         "privacy: {encryption_key_file: data.key, retention_days: 30, "
                                         "audit_retention: 1d}")},
      {"callbacks.backoff", base_yaml() + "callbacks: {initial_backoff: 10s, max_backoff: 1s}\n"},
      {"log.level", base_yaml() + "log: {level: loud}\n"},
      {"log.format", base_yaml() + "log: {format: xml}\n"},
      {"live.max_waiting", base_yaml() + "live: {max_waiting: 999999}\n"},
  };
}

std::multiset<std::string> codes_of(const load_result& r) {
  std::multiset<std::string> codes;
  for (const auto* list : {&r.errors, &r.warnings}) {
    for (const problem& p : *list) {
      const std::string_view code = message_code(p.message);
      EXPECT_FALSE(code.empty()) << "no kind for: " << p.message;
      EXPECT_TRUE(has_chinese(translate(p.message, language::zh))) << p.message;
      codes.emplace(code);
    }
  }
  return codes;
}

// A temporary directory of its own for the secret files.
class messages_files : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "caseroute-messages-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    write("p1.key", "platform-secret-of-at-least-32-bytes\n");
    write("data.key", std::string(64, 'a') + "\n");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const std::string& name, const std::string& content, bool private_file = true) {
    std::ofstream(dir_ / name, std::ios::binary) << content;
    std::filesystem::permissions(dir_ / name,
                                 private_file ? std::filesystem::perms(0600) : std::filesystem::perms(0644));
  }
  std::filesystem::path dir_;
};

TEST_F(messages_files, every_kind_is_recognised_in_what_the_loader_reports) {
  std::set<std::string> seen;
  for (const sample& s : parse_samples()) {
    const auto codes = codes_of(parse_config(s.yaml));
    EXPECT_TRUE(codes.count(s.code)) << s.code << " not among the problems of:\n" << s.yaml.substr(0, 600);
    seen.insert(codes.begin(), codes.end());
  }
  // Secret files, read by load_config.
  const auto load = [&](const std::string& yaml) {
    write("caseroute.yaml", yaml);
    const auto codes = codes_of(load_config(dir_ / "caseroute.yaml"));
    seen.insert(codes.begin(), codes.end());
    return codes;
  };
  EXPECT_TRUE(load_config(dir_ / "absent.yaml").errors.size() == 1);
  seen.insert(std::string(message_code(load_config(dir_ / "absent.yaml").errors[0].message)));
  EXPECT_TRUE(load(edited("p1.key", "absent.key")).count("secrets.unreadable"));
  write("open.key", "platform-secret-of-at-least-32-bytes\n", false);
  EXPECT_TRUE(load(edited("p1.key", "open.key")).count("secrets.too_open"));
  write("empty.key", "\n");
  EXPECT_TRUE(load(edited("p1.key", "empty.key")).count("secrets.empty"));
  write("short.key", "short\n");
  EXPECT_TRUE(load(edited("p1.key", "short.key")).count("secrets.hmac_short"));
  write("bad-data.key", "xyz\n");
  EXPECT_TRUE(load(edited("data.key", "bad-data.key")).count("secrets.bad_data_key"));
  write("redis.pass", "pw\n", false);
  EXPECT_TRUE(load(base_yaml() + "redis: {password_file: redis.pass}\n").count("secrets.password_too_open"));
  EXPECT_TRUE(load(base_yaml() + "redis: {password_file: absent.pass}\n").count("secrets.password_unreadable"));
  write("empty.pass", "\n");
  EXPECT_TRUE(load(base_yaml() + "redis: {password_file: empty.pass}\n").count("secrets.password_empty"));

  // Every kind has a sample, so a new kind needs one too. describe_gaps'
  // kinds are checked in tests/unit/routing/coverage_test.cpp; an internal
  // error is a bug with no input to show it.
  for (const message_kind& k : message_kinds()) {
    if (k.code.substr(0, 9) == "coverage." || k.code == "file.internal") continue;
    EXPECT_TRUE(seen.count(std::string(k.code))) << "no sample produces " << k.code;
  }
}

TEST(messages, chinese_keeps_positions_names_and_values) {
  load_result r;
  r.errors.push_back({3, 5, "server.listen: expected host:port such as 127.0.0.1:8355, got \"nope\""});
  r.errors.push_back({0, 0, "missing required key \"sites\""});
  r.warnings.push_back({9, 5, "counselor c3 is on no site's roster; they are never on duty"});
  EXPECT_EQ(format_problems("c.yaml", r, language::zh),
            "c.yaml:3:5: 错误: server.listen：应为 host:port 形式，例如 127.0.0.1:8355，实际为 \"nope\"\n"
            "c.yaml: 错误: 缺少必需的顶层键 \"sites\"\n"
            "c.yaml:9:5: 警告: 咨询员 c3 不在任何站点的排班表中；永远不会在岗\n");
  EXPECT_EQ(format_problems("c.yaml", r, language::en), format_problems("c.yaml", r));
  EXPECT_EQ(format_problems("c.yaml", r),
            "c.yaml:3:5: error: server.listen: expected host:port such as 127.0.0.1:8355, got \"nope\"\n"
            "c.yaml: error: missing required key \"sites\"\n"
            "c.yaml:9:5: warning: counselor c3 is on no site's roster; they are never on duty\n");
}

TEST(messages, parts_inside_a_message_are_translated_too) {
  EXPECT_EQ(translate("the document: expected a mapping (key: value), got a list", language::zh),
            "整个文档：应为映射（键: 值），实际为 列表");
  EXPECT_EQ(translate("counselors[1].token_sha256: same token as counselor c1; every person needs their own token",
                      language::zh),
            "counselors[1].token_sha256：与 咨询员 c1 的令牌相同；每个人都必须有自己的令牌");
  EXPECT_EQ(translate("counselors[0].specialties.depression (proficiency): 9 is out of range 1..3", language::zh),
            "counselors[0].specialties.depression（熟练度）：9 超出范围 1..3");
  EXPECT_EQ(translate("platforms[0].secret_file: cannot read /x/p.key: no such file", language::zh),
            "platforms[0].secret_file：无法读取 /x/p.key：文件不存在");
  EXPECT_EQ(translate("nobody rostered can visit county 411202 (湖滨): every shift", language::zh),
            "排班中无人能上门走访区县 411202（湖滨）：所有班次");
  // A counselor id that reads like a phrase stays an id.
  EXPECT_EQ(translate("counselor site holds no specialty; only escalated cases can reach them", language::zh),
            "咨询员 site 没有任何专长；只有已上报（escalated）的个案才会派给该咨询员");
}

TEST(messages, unknown_text_and_english_come_back_unchanged) {
  EXPECT_EQ(translate("something new", language::zh), "something new");
  EXPECT_EQ(message_code("something new"), "");
  const std::string english = "log.format: expected json or text, got \"xml\"";
  EXPECT_EQ(translate(english, language::en), english);
  EXPECT_EQ(message_code(english), "log.format");
}

TEST(messages, the_locale_picks_the_language_in_posix_order) {
  using env = std::map<std::string, std::string>;
  const auto pick = [](const env& vars) {
    return language_from_environment([&](const char* name) -> const char* {
      const auto it = vars.find(name);
      return it == vars.end() ? nullptr : it->second.c_str();
    });
  };
  EXPECT_EQ(pick({}), language::en);
  EXPECT_EQ(pick({{"LANG", "zh_CN.UTF-8"}}), language::zh);
  EXPECT_EQ(pick({{"LANG", "en_US.UTF-8"}, {"LC_MESSAGES", "zh_TW.UTF-8"}}), language::zh);
  EXPECT_EQ(pick({{"LANG", "zh_CN.UTF-8"}, {"LC_ALL", "C"}}), language::en);
  EXPECT_EQ(pick({{"LANG", "zh_CN.UTF-8"}, {"LC_ALL", ""}}), language::zh);
  EXPECT_EQ(pick({{"LC_ALL", "zh_CN.UTF-8"}, {"LANG", "C"}}), language::zh);
  EXPECT_EQ(language_named("zh"), language::zh);
  EXPECT_EQ(language_named("en"), language::en);
  EXPECT_EQ(language_named("fr"), std::nullopt);
}

}  // namespace
}  // namespace caseroute::config
