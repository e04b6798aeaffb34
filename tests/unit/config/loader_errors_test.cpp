// Every kind of config error is reported at the right line, and all of them
// at once. Each row edits the valid fixture in config_fixture.hpp.
#include <gtest/gtest.h>

#include "config_fixture.hpp"

namespace caseroute::config {
namespace {

using testing::all_problems;
using testing::base_yaml;
using testing::edited;
using testing::has_problem;
using testing::inserted;

struct error_case {
  const char* name;
  std::string yaml;
  int line;
  const char* message_part;
};

std::vector<error_case> error_cases() {
  const std::string end = base_yaml();  // appended text starts at line 22
  return {
      {"unknown_top_level_key", end + "sever: {}\n", 22,
       "unknown key \"sever\" at the top level; did you mean \"server\""},
      {"unknown_nested_key", end + "server:\n  lisen: \"127.0.0.1:1\"\n", 23,
       "unknown key \"lisen\" in server; did you mean \"listen\""},
      {"unknown_counselor_key", inserted(13, "    capacty: 2\n"), 13, "unknown key \"capacty\" in counselors[1]"},
      {"duplicate_key", end + "log: {level: info}\nlog: {level: debug}\n", 23, "log: duplicate key"},
      {"string_where_integer", end + "server: {max_body_bytes: big}\n", 22,
       "server.max_body_bytes: expected an integer, got \"big\""},
      {"list_where_string", end + "timezone: [a]\n", 22, "timezone: expected a string, got a list"},
      {"scalar_where_mapping", end + "routing: fast\n", 22, "routing: expected a mapping"},
      {"not_a_boolean", inserted(13, "    crisis_trained: maybe\n"), 13, "crisis_trained: expected true or false"},
      {"missing_specialties",
       edited("specialties:\n  - {code: depression, name: 抑郁}\n  - {code: anxiety, name: 焦虑}\n", ""), 0,
       "missing required key \"specialties\""},
      {"missing_counselor_name", edited("    name: 甲（虚构）\n", ""), 5,
       "counselors[0]: missing required key \"name\""},
      {"missing_counselor_token", edited("    token_sha256: " + sha256_hex("token-c2") + "\n", ""), 9,
       "counselors[1]: missing required key \"token_sha256\""},
      {"missing_site_county", edited("    county: \"411202\"\n", ""), 14, "sites[0]: missing required key \"county\""},
      {"missing_platform_secret_file", edited("secret_file: p1.key", "callback_url: \"http://127.0.0.1:9/x\""), 21,
       "missing required key \"secret_file\""},
      {"missing_encryption_key_file", edited("encryption_key_file: data.key", "retention_days: 30"), 20,
       "privacy: missing required key \"encryption_key_file\""},
      {"empty_required_string", edited("name: 一号点", "name: \"\""), 15, "sites[0].name: must not be empty"},
      {"duplicate_counselor", edited("id: c2", "id: c1"), 9, "duplicate counselor id \"c1\""},
      {"duplicate_site", inserted(20, "  - {id: s1, name: 二号点, county: \"411202\"}\n"), 20,
       "duplicate site id \"s1\""},
      {"duplicate_platform",
       edited("[{id: p1, secret_file: p1.key}]", "[{id: p1, secret_file: p1.key}, {id: p1, secret_file: p2.key}]"), 21,
       "duplicate platform id \"p1\""},
      {"duplicate_supervisor",
       end + "supervisors:\n  - {id: s, name: a, token_sha256: " + sha256_hex("a") +
           "}\n  - {id: s, name: b, token_sha256: " + sha256_hex("b") + "}\n",
       24, "duplicate supervisor id \"s\""},
      {"duplicate_specialty", edited("code: anxiety, name: 焦虑", "code: depression, name: 焦虑"), 3,
       "duplicate specialty \"depression\""},
      {"shared_token", edited(sha256_hex("token-c2"), sha256_hex("token-c1")), 11, "same token as counselor c1"},
      {"unknown_counselor_in_roster", edited("mon: {am: [c1]", "mon: {am: [c9]"), 18,
       "sites[0].roster.mon.am[0]: unknown counselor \"c9\""},
      {"unknown_counselor_in_exception", inserted(20, "    exceptions: {\"2026-10-01\": {am: [c9]}}\n"), 20,
       "unknown counselor \"c9\""},
      {"unknown_specialty", edited("{anxiety: 1}", "{anxiety: 1, juggling: 2}"), 12, "unknown specialty \"juggling\""},
      {"proficiency_above_3", edited("{anxiety: 1}", "{anxiety: 4}"), 12,
       "counselors[1].specialties.anxiety (proficiency): 4 is out of range 1..3"},
      {"proficiency_zero", edited("{anxiety: 1}", "{anxiety: 0}"), 12, "out of range 1..3"},
      {"capacity_zero", inserted(13, "    capacity: 0\n"), 13, "counselors[1].capacity: 0 is out of range 1..1000"},
      {"window_hour_25", end + "shifts: {am: \"25:00-12:00\", pm: \"14:30-18:00\"}\n", 22,
       "shifts.am: bad time window \"25:00-12:00\""},
      {"window_backwards", end + "shifts: {am: \"12:00-08:30\", pm: \"14:30-18:00\"}\n", 22,
       "start must be before end"},
      {"no_shifts", end + "shifts: {}\n", 22, "define at least one shift"},
      {"unknown_shift_in_roster", edited("pm: [c2]}\n      tue", "eve: [c2]}\n      tue"), 18,
       "unknown shift \"eve\" (defined: am, pm)"},
      {"unknown_weekday", edited("tue:", "tues:"), 19, "unknown weekday \"tues\" (valid: mon tue wed thu fri sat sun)"},
      {"bad_exception_date", inserted(20, "    exceptions: {\"2026-02-30\": {am: []}}\n"), 20,
       "bad exception date \"2026-02-30\""},
      {"county_not_six_digits", edited("county: \"411202\"", "county: \"41120\""), 16, "a county code has 6 digits"},
      {"county_not_configured", end + "counties: [{code: \"411203\", name: 陕州区}]\n", 16,
       "county 411202 is not in the top-level counties list"},
      {"bad_county_in_counties", end + "counties: [{code: \"4112\", name: x}]\n", 22,
       "counties[0].code: a county code has 6 digits"},
      {"home_visit_county_unknown", inserted(13, "    home_visit_counties: [\"411299\"]\n"), 13,
       "home_visit_counties[0]: county 411299 has no site"},
      {"home_visit_county_malformed", inserted(13, "    home_visit_counties: [\"hubin\"]\n"), 13,
       "a county code has 6 digits"},
      {"bad_duration", end + "routing: {offer_timeout: soon}\n", 22, "routing.offer_timeout: expected a duration"},
      {"negative_duration", end + "routing: {escalation: {high: -5m}}\n", 22,
       "routing.escalation.high: expected a duration"},
      {"sub_second_timeout", end + "routing: {offer_timeout: 1500ms}\n", 22, "whole number of seconds"},
      {"zero_tick", end + "routing: {tick: 0ms}\n", 22, "routing.tick: must be at least 10ms"},
      {"unknown_escalation_key", end + "routing: {escalation: {urgent: 5m}}\n", 22,
       "unknown key \"urgent\" in routing.escalation"},
      {"token_not_hex", edited(sha256_hex("token-c2"), std::string(64, 'A')), 11,
       "expected 64 lowercase hex characters"},
      {"token_too_short", edited(sha256_hex("token-c2"), "abc"), 11, "expected 64 lowercase hex characters"},
      {"empty_timezone", end + "timezone: \"\"\n", 22, "timezone: must not be empty"},
      {"tls_without_key_file", end + "server:\n  listen: \"127.0.0.1:8443\"\n  tls: {cert_file: a.pem}\n", 24,
       "missing required key \"key_file\""},
      {"tls_unknown_key", end + "server:\n  tls: {cert_file: a.pem, key_file: a.key, ca_file: c.pem}\n", 23,
       "unknown key \"ca_file\" in server.tls"},
      {"limits_burst_below_rate", end + "limits:\n  per_token: {rate: 10, burst: 5}\n", 23,
       "limits.per_token.burst: must be at least the rate"},
      {"listen_without_port", end + "server: {listen: \"8355\"}\n", 22, "server.listen: expected host:port"},
      {"bad_redis_url", end + "redis: {url: \"http://x\"}\n", 22, "redis.url: expected \"managed\""},
      {"key_prefix_with_braces", end + "redis: {key_prefix: \"{cr}\"}\n", 22, "redis.key_prefix"},
      {"bad_durability", end + "redis: {durability: quorum}\n", 22, "redis.durability: expected local or replicated"},
      {"retention_zero", edited("encryption_key_file: data.key", "encryption_key_file: data.key, retention_days: 0"),
       20, "privacy.retention_days: 0 is out of range"},
      {"retention_not_a_duration",
       edited("encryption_key_file: data.key", "encryption_key_file: data.key, retention: soon"), 20,
       "privacy.retention"},
      {"retention_too_short", edited("encryption_key_file: data.key", "encryption_key_file: data.key, retention: 10ms"),
       20, "privacy.retention: must be at least 1000ms"},
      {"audit_retention_not_longer_than_cases",
       edited("encryption_key_file: data.key",
              "encryption_key_file: data.key, retention_days: 30, audit_retention: 30d"),
       20, "privacy.audit_retention: must be longer than the case retention"},
      {"audit_retention_not_a_duration",
       edited("encryption_key_file: data.key", "encryption_key_file: data.key, audit_retention: forever"), 20,
       "privacy.audit_retention"},
      {"bad_log_level", end + "log: {level: verbose}\n", 22, "log.level: expected trace, debug, info, warn or error"},
      {"bad_log_format", end + "log: {format: xml}\n", 22, "log.format: expected json or text"},
      {"bad_callback_url", edited("secret_file: p1.key", "secret_file: p1.key, callback_url: ftp://x"), 21,
       "callback_url: expected an http:// or https:// URL"},
      {"empty_specialties",
       edited("specialties:\n  - {code: depression, name: 抑郁}\n  - {code: anxiety, name: 焦虑}\n",
              "specialties: []\n"),
       1, "specialties: list at least one specialty"},
      {"camel_case_key", end + "routing: {offerTimeout: 5s}\n", 22,
       "unknown key \"offerTimeout\" in routing; did you mean \"offer_timeout\""},
  };
}

class error_table : public ::testing::TestWithParam<error_case> {};

TEST_P(error_table, is_reported_at_its_line) {
  const error_case& c = GetParam();
  const load_result r = parse_config(c.yaml);
  EXPECT_FALSE(r.cfg.has_value());
  EXPECT_TRUE(has_problem(r.errors, c.line, c.message_part))
      << "want line " << c.line << ": " << c.message_part << "\ngot:\n"
      << all_problems(r);
  for (const problem& p : r.errors) {
    EXPECT_TRUE(p.line > 0 || c.line == 0) << "a problem without a line: " << p.message;
  }
}

INSTANTIATE_TEST_SUITE_P(loader, error_table, ::testing::ValuesIn(error_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(parse_config, reports_yaml_syntax_errors_with_position) {
  const load_result r = parse_config("specialties:\n  - {code: depression\ncounselors: [\n");
  ASSERT_FALSE(r.errors.empty());
  EXPECT_GT(r.errors[0].line, 0);
  EXPECT_GT(r.errors[0].column, 0);
  EXPECT_NE(r.errors[0].message.find("YAML syntax error"), std::string::npos) << all_problems(r);
}

TEST(parse_config, reports_every_error_at_once_sorted_by_line) {
  std::string text = edited("id: c2", "id: c1");                // line 9: duplicate id
  text.replace(text.find("{anxiety: 1}"), 12, "{anxiety: 7}");  // line 12: proficiency
  text.replace(text.find("tue:"), 4, "tues:");                  // line 19: weekday
  text += "server: {lisen: x}\n";                               // line 22: unknown key
  text += "routing: {offer_timeout: 5 minutes}\n";              // line 23: duration
  text += "log: {level: loud}\n";                               // line 24: log level
  const load_result r = parse_config(text);
  EXPECT_FALSE(r.cfg.has_value());
  const std::pair<int, const char*> expected[] = {{9, "duplicate counselor id"}, {12, "out of range 1..3"},
                                                  {19, "unknown weekday"},       {22, "unknown key \"lisen\""},
                                                  {23, "expected a duration"},   {24, "log.level"}};
  for (const auto& [line, part] : expected) {
    EXPECT_TRUE(has_problem(r.errors, line, part)) << line << " " << part << "\n" << all_problems(r);
  }
  for (std::size_t i = 1; i < r.errors.size(); ++i) {
    EXPECT_LE(r.errors[i - 1].line, r.errors[i].line);
  }
}

TEST(parse_config, columns_point_at_the_offending_node) {
  const load_result r = parse_config(base_yaml() + "server:\n  lisen: x\n");
  ASSERT_EQ(r.errors.size(), 1u) << all_problems(r);
  EXPECT_EQ(r.errors[0].line, 23);
  EXPECT_EQ(r.errors[0].column, 3);
}

}  // namespace
}  // namespace caseroute::config
