// The loader on valid input: defaults, derived counties, replaced shifts,
// warnings, secret files, output format, and inputs that must not crash it.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "config_fixture.hpp"

namespace caseroute::config {
namespace {

using namespace std::chrono_literals;
using testing::all_problems;
using testing::base_yaml;
using testing::has_problem;

TEST(parse_config, base_fixture_is_valid_without_warnings) {
  const load_result r = parse_config(base_yaml());
  ASSERT_TRUE(r.cfg.has_value()) << all_problems(r);
  EXPECT_TRUE(r.errors.empty());
  EXPECT_TRUE(r.warnings.empty()) << all_problems(r);
}

// The loader indexes counselors by id; the index answers as a scan does,
// and a config edited after it was built still finds each counselor it holds
// and none it does not.
TEST(parse_config, counselors_are_found_by_id_through_the_index_and_despite_edits) {
  const load_result r = parse_config(base_yaml());
  ASSERT_TRUE(r.cfg.has_value()) << all_problems(r);
  config cfg = *r.cfg;
  EXPECT_EQ(cfg.counselor_index.size(), cfg.counselors.size());
  ASSERT_NE(cfg.find_counselor("c1"), nullptr);
  EXPECT_EQ(cfg.find_counselor("c1")->name, "甲（虚构）");
  EXPECT_EQ(cfg.find_counselor("c2")->name, "乙（虚构）");
  EXPECT_EQ(cfg.find_counselor("c9"), nullptr);

  std::swap(cfg.counselors[0], cfg.counselors[1]);  // positions the index no longer matches
  counselor added;
  added.id = "c3";
  added.name = "丙（虚构）";
  cfg.counselors.push_back(added);  // one the index never saw
  EXPECT_EQ(cfg.find_counselor("c1")->name, "甲（虚构）");
  EXPECT_EQ(cfg.find_counselor("c2")->name, "乙（虚构）");
  EXPECT_EQ(cfg.find_counselor("c3")->name, "丙（虚构）");
  cfg.counselors.erase(cfg.counselors.begin());  // c2 leaves; c1 and c3 move up
  EXPECT_EQ(cfg.find_counselor("c2"), nullptr);
  EXPECT_EQ(cfg.find_counselor("c1")->name, "甲（虚构）");
  EXPECT_EQ(cfg.find_counselor("c3")->name, "丙（虚构）");
}

TEST(parse_config, applies_defaults) {
  const load_result r = parse_config(base_yaml());
  ASSERT_TRUE(r.cfg) << all_problems(r);
  const config& c = *r.cfg;
  EXPECT_EQ(c.server.listen, "127.0.0.1:8355");
  EXPECT_EQ(c.server.max_body_bytes, 65536u);
  EXPECT_FALSE(c.server.tls.has_value());
  EXPECT_EQ(c.redis.url, "managed");
  EXPECT_EQ(c.redis.data_dir, "var/redis");
  EXPECT_EQ(c.redis.durability, "local");
  EXPECT_EQ(c.timezone, "Asia/Shanghai");
  ASSERT_EQ(c.shifts.size(), 2u);
  EXPECT_EQ(c.shifts[0].name, "am");
  EXPECT_EQ(c.shifts[0].start_minute, 510);
  EXPECT_EQ(c.shifts[1].end_minute, 1080);
  EXPECT_EQ(c.routing.offer_timeout, 60s);
  EXPECT_EQ(c.routing.crisis_offer_timeout, 30s);
  EXPECT_EQ(c.routing.escalation.medium, 4h);
  EXPECT_EQ(c.routing.tick, 1000ms);
  EXPECT_EQ(c.privacy.retention_days, 365);
  EXPECT_EQ(c.log.level, "info");
  const counselor* c2 = c.find_counselor("c2");
  ASSERT_NE(c2, nullptr);
  EXPECT_EQ(c2->capacity, 3);
  EXPECT_FALSE(c2->crisis_trained);
  EXPECT_EQ(c2->specialties.at("anxiety"), 1);
  EXPECT_EQ(c.find_counselor("c9"), nullptr);
  EXPECT_NE(c.find_site("s1"), nullptr);
  EXPECT_NE(c.find_platform("p1"), nullptr);
  EXPECT_TRUE(c.has_specialty("depression"));
  EXPECT_FALSE(c.has_specialty("grief"));
}

TEST(parse_config, reads_every_optional_section) {
  const std::string yaml = base_yaml() +
                           "server: {listen: \"0.0.0.0:9000\", max_body_bytes: 1024, read_timeout: 5s}\n"
                           "redis: {url: \"redis://10.0.0.1:6379/2\", key_prefix: \"cr:x\", command_timeout: 250ms,\n"
                           "        durability: replicated}\n"
                           "timezone: Asia/Urumqi\n"
                           "routing: {offer_timeout: 1m30s, tick: 200ms, continuity_days: 0,\n"
                           "          escalation: {crisis: 1m, low: 2d}}\n"
                           "log: {level: debug, format: text}\n"
                           "supervisors: [{id: s001, name: 督导, token_sha256: " +
                           sha256_hex("s") + "}]\n";
  const load_result r = parse_config(yaml);
  ASSERT_TRUE(r.cfg) << all_problems(r);
  const config& c = *r.cfg;
  EXPECT_EQ(c.server.listen, "0.0.0.0:9000");
  EXPECT_EQ(c.server.max_body_bytes, 1024u);
  EXPECT_EQ(c.server.read_timeout, 5s);
  EXPECT_EQ(c.redis.url, "redis://10.0.0.1:6379/2");
  EXPECT_EQ(c.redis.command_timeout, 250ms);
  EXPECT_EQ(c.redis.durability, "replicated");
  EXPECT_EQ(c.timezone, "Asia/Urumqi");
  EXPECT_EQ(c.routing.offer_timeout, 90s);
  EXPECT_EQ(c.routing.tick, 200ms);
  EXPECT_EQ(c.routing.continuity_days, 0);
  EXPECT_EQ(c.routing.escalation.crisis, 1min);
  EXPECT_EQ(c.routing.escalation.high, 30min);  // default kept
  EXPECT_EQ(c.routing.escalation.low, 48h);
  EXPECT_EQ(c.log.format, "text");
  ASSERT_NE(c.find_supervisor("s001"), nullptr);
}

TEST(parse_config, retention_override_is_off_by_default_and_read_as_a_duration) {
  const load_result plain = parse_config(base_yaml());
  ASSERT_TRUE(plain.cfg) << all_problems(plain);
  EXPECT_FALSE(plain.cfg->privacy.retention.has_value());
  const load_result r =
      parse_config(testing::edited("encryption_key_file: data.key", "encryption_key_file: data.key, retention: 10m"));
  ASSERT_TRUE(r.cfg) << all_problems(r);
  ASSERT_TRUE(r.cfg->privacy.retention.has_value());
  EXPECT_EQ(*r.cfg->privacy.retention, 10min);
  EXPECT_EQ(r.cfg->privacy.retention_days, 365);  // kept; the override wins where it is read
}

TEST(parse_config, the_access_log_outlives_cases_by_default_and_when_configured) {
  const load_result plain = parse_config(base_yaml());
  ASSERT_TRUE(plain.cfg) << all_problems(plain);
  EXPECT_FALSE(plain.cfg->privacy.audit_retention.has_value());
  EXPECT_EQ(plain.cfg->privacy.case_retention(), 365 * 24h);
  EXPECT_EQ(plain.cfg->privacy.audit_retention_period(), 730 * 24h);
  const load_result soak =
      parse_config(testing::edited("encryption_key_file: data.key", "encryption_key_file: data.key, retention: 2m"));
  ASSERT_TRUE(soak.cfg) << all_problems(soak);
  EXPECT_EQ(soak.cfg->privacy.audit_retention_period(), 2min + 365 * 24h);
  const load_result set = parse_config(
      testing::edited("encryption_key_file: data.key", "encryption_key_file: data.key, audit_retention: 1000d"));
  ASSERT_TRUE(set.cfg) << all_problems(set);
  EXPECT_EQ(set.cfg->privacy.audit_retention_period(), 1000 * 24h);
}

TEST(parse_config, reads_rosters_and_exceptions) {
  const std::string yaml = testing::inserted(20, "    exceptions:\n      \"2026-10-01\": {am: [], pm: [c1]}\n");
  const load_result r = parse_config(yaml);
  ASSERT_TRUE(r.cfg) << all_problems(r);
  const site& s = r.cfg->sites.at(0);
  EXPECT_EQ(s.roster[0].at("am"), std::vector<std::string>{"c1"});
  EXPECT_EQ(s.roster[1].at("am"), (std::vector<std::string>{"c1", "c2"}));
  EXPECT_TRUE(s.roster[6].empty());
  ASSERT_EQ(s.exceptions.count("2026-10-01"), 1u);
  EXPECT_TRUE(s.exceptions.at("2026-10-01").at("am").empty());
  EXPECT_EQ(s.exceptions.at("2026-10-01").at("pm"), std::vector<std::string>{"c1"});
}

TEST(parse_config, derives_counties_from_sites) {
  const std::string yaml = testing::inserted(
      20,
      "  - {id: s2, name: 二号点, county: \"411203\", roster: {wed: {am: [c1], pm: [c1]}, thu: {am: [c2], pm: [c2]}}}\n"
      "  - {id: s3, name: 三号点, county: \"411202\", roster: {fri: {am: [c1], pm: [c1]}, sat: {am: [c2], pm: "
      "[c2]}}}\n");
  const load_result r = parse_config(yaml);
  ASSERT_TRUE(r.cfg) << all_problems(r);
  ASSERT_EQ(r.cfg->counties.size(), 2u);
  EXPECT_EQ(r.cfg->counties[0].code, "411202");
  EXPECT_EQ(r.cfg->counties[0].name, "411202");
  EXPECT_EQ(r.cfg->counties[1].code, "411203");
  EXPECT_TRUE(r.cfg->has_county("411203"));
  EXPECT_FALSE(r.cfg->has_county("411221"));
}

TEST(parse_config, given_counties_keep_their_names) {
  const load_result r =
      parse_config(base_yaml() + "counties: [{code: \"411202\", name: 湖滨区}, {code: \"411203\", name: 陕州区}]\n");
  ASSERT_TRUE(r.cfg) << all_problems(r);
  ASSERT_EQ(r.cfg->counties.size(), 2u);
  EXPECT_EQ(r.cfg->counties[0].name, "湖滨区");
}

TEST(parse_config, given_shifts_replace_the_default) {
  const std::string yaml =
      testing::edited("mon: {am: [c1], pm: [c2]}\n      tue: {am: [c1, c2], pm: [c2]}",
                      "mon: {all: [c1]}\n      tue: {all: [c2]}\n      wed: {all: [c1]}\n      thu: {all: [c2]}") +
      "shifts: {all: \"00:00-24:00\"}\n";
  const load_result r = parse_config(yaml);
  ASSERT_TRUE(r.cfg) << all_problems(r);
  ASSERT_EQ(r.cfg->shifts.size(), 1u);
  EXPECT_EQ(r.cfg->shifts[0].name, "all");
  EXPECT_EQ(r.cfg->shifts[0].end_minute, 1440);
}

TEST(parse_config, warns_about_idle_counselors_thin_sites_and_unheld_specialties) {
  const std::string yaml = testing::edited("  - {code: anxiety, name: 焦虑}\n",
                                           "  - {code: anxiety, name: 焦虑}\n  - {code: grief, name: 哀伤}\n");
  std::string text = yaml;
  text.replace(text.find("tue: {am: [c1, c2], pm: [c2]}"), 29, "tue: {am: [c1]}");
  const load_result r = parse_config(text);
  ASSERT_TRUE(r.cfg) << all_problems(r);
  EXPECT_TRUE(has_problem(r.warnings, 4, "specialty grief is held by no counselor")) << all_problems(r);
  EXPECT_TRUE(has_problem(r.warnings, 15, "site s1 is staffed 3 half-days")) << all_problems(r);
  const load_result idle = parse_config(
      testing::edited("pm: [c2]}\n      tue: {am: [c1, c2], pm: [c2]}", "pm: [c1]}\n      tue: {am: [c1], pm: [c1]}"));
  ASSERT_TRUE(idle.cfg) << all_problems(idle);
  EXPECT_TRUE(has_problem(idle.warnings, 9, "counselor c2 is on no site's roster")) << all_problems(idle);
}

TEST(format_problems, prints_file_line_column_and_kind) {
  load_result r;
  r.errors.push_back({3, 5, "bad thing"});
  r.errors.push_back({0, 0, "whole file"});
  r.warnings.push_back({7, 1, "odd thing"});
  EXPECT_EQ(format_problems("etc/caseroute.yaml", r),
            "etc/caseroute.yaml:3:5: error: bad thing\n"
            "etc/caseroute.yaml: error: whole file\n"
            "etc/caseroute.yaml:7:1: warning: odd thing\n");
}

TEST(parse_config, never_throws_on_odd_documents) {
  const char* docs[] = {"",
                        "null",
                        "[]",
                        "- a\n- b",
                        "just text",
                        ":",
                        "{a: 1, a: 2}",
                        "specialties: *nope",
                        "? [a, b]\n: c",
                        "counselors: {id: c1}",
                        "sites: [[[]]]",
                        "\t",
                        "---\n...\n",
                        "specialties: [{code: [x]}]",
                        "a: &x [1, 2]\nb: *x"};
  for (const std::string doc : docs) {
    load_result r;
    EXPECT_NO_THROW(r = parse_config(doc)) << doc;
    EXPECT_FALSE(r.cfg.has_value()) << doc;
    EXPECT_FALSE(r.errors.empty()) << doc;
  }
  const load_result deep = parse_config(std::string(5000, '['));
  EXPECT_FALSE(deep.errors.empty());
}

TEST(parse_config, aliases_cannot_make_the_walk_explode) {
  // 1,500 aliases of one site whose roster lists c1 1,500 times: over two
  // million nodes to walk from a 20 KB file. The walk stops and says so.
  std::string site = "  - &s {id: s9, name: n, county: \"411202\", roster: {mon: {am: [c1";
  for (int i = 1; i < 1500; ++i) site += ", c1";
  site += "]}}}\n";
  for (int i = 0; i < 1500; ++i) site += "  - *s\n";
  const load_result r = parse_config(testing::inserted(14, site));
  EXPECT_FALSE(r.cfg.has_value());
  EXPECT_LE(r.errors.size(), 202u);
  EXPECT_LE(r.warnings.size(), 201u);
  EXPECT_TRUE(has_problem(r.errors, 0, "too large")) << all_problems(r).substr(0, 2000);
}

// A temporary directory with a config file and its secrets.
class load_config_test : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() /
           ("caseroute-config-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(dir_);
    write("p1.key", std::string(platform_secret) + "\n");
    write("data.key", std::string(64, 'a') + "\n");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  // Secrets are written private to their owner, as the loader requires.
  void write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ / name, std::ios::binary) << content;
    std::filesystem::permissions(dir_ / name, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  }
  void fs_remove(const std::string& name) { std::filesystem::remove(dir_ / name); }
  static constexpr const char* platform_secret = "platform-secret-of-at-least-32-bytes";
  load_result load(const std::string& yaml) {
    write("caseroute.yaml", yaml);
    return load_config(dir_ / "caseroute.yaml");
  }
  std::filesystem::path dir_;
};

TEST_F(load_config_test, reads_secrets_relative_to_the_config_file) {
  const load_result r = load(base_yaml());
  ASSERT_TRUE(r.cfg) << all_problems(r);
  EXPECT_EQ(r.cfg->platforms[0].secret, platform_secret);
  EXPECT_EQ(r.cfg->platforms[0].secret_file, "p1.key");
  EXPECT_EQ(r.cfg->privacy.encryption_key, std::string(32, '\xaa'));
}

TEST_F(load_config_test, accepts_a_raw_32_byte_key) {
  std::string raw(32, '\n');  // even whitespace bytes: a raw key is never trimmed
  raw[0] = '\0';
  write("data.key", raw);
  const load_result r = load(base_yaml());
  ASSERT_TRUE(r.cfg) << all_problems(r);
  EXPECT_EQ(r.cfg->privacy.encryption_key, raw);
}

TEST_F(load_config_test, reports_a_missing_secret_file_at_its_line) {
  std::filesystem::remove(dir_ / "p1.key");
  const load_result r = load(base_yaml());
  EXPECT_FALSE(r.cfg);
  EXPECT_TRUE(has_problem(r.errors, 21, "platforms[0].secret_file: cannot read")) << all_problems(r);
}

TEST_F(load_config_test, reports_empty_secret_and_bad_key_at_their_lines) {
  write("p1.key", " \n\n");
  write("data.key", "not-a-key\n");
  const load_result r = load(base_yaml());
  EXPECT_FALSE(r.cfg);
  EXPECT_TRUE(has_problem(r.errors, 21, "is empty")) << all_problems(r);
  EXPECT_TRUE(has_problem(r.errors, 20, "64 hex characters or exactly 32 raw bytes")) << all_problems(r);
}

TEST_F(load_config_test, reports_secret_problems_together_with_parse_errors) {
  std::filesystem::remove(dir_ / "data.key");
  const load_result r = load(base_yaml() + "log: {level: loud}\n");
  EXPECT_TRUE(has_problem(r.errors, 20, "cannot read")) << all_problems(r);
  EXPECT_TRUE(has_problem(r.errors, 22, "log.level")) << all_problems(r);
}

TEST_F(load_config_test, refuses_secret_files_that_group_or_others_can_read) {
  namespace fs = std::filesystem;
  fs::permissions(dir_ / "p1.key", fs::perms::group_read, fs::perm_options::add);
  fs::permissions(dir_ / "data.key", fs::perms::others_read, fs::perm_options::add);
  const load_result r = load(base_yaml());
  EXPECT_FALSE(r.cfg);
  EXPECT_TRUE(has_problem(r.errors, 21, "accessible by group or others (mode 0640)")) << all_problems(r);
  EXPECT_TRUE(has_problem(r.errors, 21, "chmod 600")) << all_problems(r);
  EXPECT_TRUE(has_problem(r.errors, 20, "accessible by group or others (mode 0604)")) << all_problems(r);
}

TEST_F(load_config_test, refuses_an_hmac_secret_shorter_than_32_bytes) {
  write("p1.key", std::string(31, 's') + "\n");
  const load_result r = load(base_yaml());
  EXPECT_FALSE(r.cfg);
  EXPECT_TRUE(has_problem(r.errors, 21, "holds 31 bytes; an HMAC secret needs at least 32")) << all_problems(r);
  write("p1.key", std::string(32, 's') + "\n");
  EXPECT_TRUE(load(base_yaml()).cfg);
}

TEST_F(load_config_test, refuses_a_data_key_of_32_hex_characters_or_any_other_size) {
  for (const std::string& bad : {std::string(32, 'a'), std::string(32, 'a') + "\n", std::string(63, 'a'),
                                 std::string(65, 'a'), std::string(31, 'x'), std::string(33, 'x')}) {
    write("data.key", bad);
    const load_result r = load(base_yaml());
    EXPECT_FALSE(r.cfg) << bad.size() << " bytes";
    EXPECT_TRUE(has_problem(r.errors, 20, "64 hex characters or exactly 32 raw bytes")) << all_problems(r);
  }
}

TEST_F(load_config_test, reads_previous_keys_for_a_rotation) {
  write("old.key", std::string(64, 'b') + "\n");
  const load_result r = load(testing::edited(
      "encryption_key_file: data.key", "encryption_key_file: data.key, previous_encryption_key_files: [old.key]"));
  ASSERT_TRUE(r.cfg) << all_problems(r);
  ASSERT_EQ(r.cfg->privacy.previous_encryption_keys.size(), 1u);
  EXPECT_EQ(r.cfg->privacy.previous_encryption_keys[0], std::string(32, '\xbb'));
  EXPECT_FALSE(r.cfg->privacy.summary_in_offers);
  fs_remove("old.key");
  EXPECT_TRUE(
      has_problem(load(testing::edited("encryption_key_file: data.key",
                                       "encryption_key_file: data.key, previous_encryption_key_files: [old.key]"))
                      .errors,
                  20, "privacy.previous_encryption_key_files[0]: cannot read"));
}

TEST_F(load_config_test, reports_a_missing_config_file) {
  const load_result r = load_config(dir_ / "nope.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 0);
  EXPECT_NE(r.errors[0].message.find("cannot read the config file"), std::string::npos);
}

}  // namespace
}  // namespace caseroute::config
