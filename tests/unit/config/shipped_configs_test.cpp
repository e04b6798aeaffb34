// The configs in the repository's config/ load cleanly, and test.yaml keeps
// the shape the integration and end-to-end tests rely on.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "config/loader.hpp"
#include "config/token.hpp"

namespace caseroute::config {
namespace {

const std::filesystem::path config_dir = CASEROUTE_CONFIG_DIR;

// "id token" lines of a demo tokens file, comments skipped.
std::map<std::string, std::string> read_tokens(const std::filesystem::path& file) {
  std::map<std::string, std::string> tokens;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string id, token;
    fields >> id >> token;
    tokens[id] = token;
  }
  return tokens;
}

TEST(shipped_configs, example_loads_without_errors) {
  const load_result r = load_config(config_dir / "example.yaml");
  ASSERT_TRUE(r.cfg) << format_problems("example.yaml", r);
  EXPECT_TRUE(r.warnings.empty()) << format_problems("example.yaml", r);
  const config& c = *r.cfg;
  EXPECT_EQ(c.counties.size(), 6u);
  EXPECT_EQ(c.redis.key_prefix, "cr:sanmenxia");
  EXPECT_GE(c.specialties.size(), 20u);
  EXPECT_EQ(c.privacy.encryption_key.size(), 32u);
  ASSERT_NE(c.find_platform("henan-12355"), nullptr);
  EXPECT_FALSE(c.find_platform("henan-12355")->secret.empty());
  for (const site& s : c.sites) EXPECT_TRUE(c.has_county(s.county)) << s.id;
  // Two crisis-trained counselors at least, rostered in every county.
  for (const county& k : c.counties) {
    std::set<std::string> crisis;
    for (const site& s : c.sites) {
      if (s.county != k.code) continue;
      for (const duty& d : s.roster) {
        for (const auto& [shift, ids] : d) {
          for (const std::string& id : ids) {
            if (c.find_counselor(id)->crisis_trained) crisis.insert(id);
          }
        }
      }
    }
    EXPECT_GE(crisis.size(), 2u) << k.code;
  }
}

TEST(shipped_configs, demo_tokens_match_example_hashes) {
  const load_result r = load_config(config_dir / "example.yaml");
  ASSERT_TRUE(r.cfg);
  const auto tokens = read_tokens(config_dir / "demo-tokens.txt");
  std::size_t people = 0;
  for (const counselor& c : r.cfg->counselors) {
    ++people;
    ASSERT_EQ(tokens.count(c.id), 1u) << c.id;
    EXPECT_EQ(sha256_hex(tokens.at(c.id)), c.token_sha256) << c.id;
  }
  for (const supervisor& s : r.cfg->supervisors) {
    ++people;
    ASSERT_EQ(tokens.count(s.id), 1u) << s.id;
    EXPECT_EQ(sha256_hex(tokens.at(s.id)), s.token_sha256) << s.id;
  }
  for (const viewer& v : r.cfg->viewers) {
    ++people;
    ASSERT_EQ(tokens.count(v.id), 1u) << v.id;
    EXPECT_EQ(sha256_hex(tokens.at(v.id)), v.token_sha256) << v.id;
  }
  EXPECT_EQ(tokens.size(), people);
}

TEST(shipped_configs, test_config_loads_with_only_the_idle_counselor_warning) {
  const load_result r = load_config(config_dir / "test.yaml");
  ASSERT_TRUE(r.cfg) << format_problems("test.yaml", r);
  ASSERT_EQ(r.warnings.size(), 1u) << format_problems("test.yaml", r);
  EXPECT_NE(r.warnings[0].message.find("counselor c6"), std::string::npos);
  const config& c = *r.cfg;
  ASSERT_EQ(c.shifts.size(), 1u);
  EXPECT_EQ(c.shifts[0].start_minute, 0);
  EXPECT_EQ(c.shifts[0].end_minute, 1440);
  EXPECT_EQ(c.redis.key_prefix, "cr:test");
  EXPECT_EQ(c.counselors.size(), 6u);
  EXPECT_EQ(c.sites.size(), 3u);
  EXPECT_EQ(c.find_counselor("c1")->capacity, 2);
  EXPECT_TRUE(c.find_counselor("c1")->crisis_trained);
  EXPECT_EQ(c.find_counselor("c3")->home_visit_counties, std::vector<std::string>{"411202"});
  EXPECT_NE(c.find_platform("test-platform"), nullptr);
  const auto tokens = read_tokens(config_dir / "test-tokens.txt");
  for (const counselor& k : c.counselors) {
    EXPECT_EQ(sha256_hex(tokens.at(k.id)), k.token_sha256) << k.id;
  }
  EXPECT_EQ(sha256_hex(tokens.at("s1")), c.find_supervisor("s1")->token_sha256);
  ASSERT_NE(c.find_viewer("v1"), nullptr);
  EXPECT_EQ(sha256_hex(tokens.at("v1")), c.find_viewer("v1")->token_sha256);
}

}  // namespace
}  // namespace caseroute::config
