// config/caseroute.schema.json: a valid JSON Schema (draft 7) that every
// shipped config passes and that catches a misspelt key, checked with
// Python's jsonschema (Debian's python3-jsonschema, deploy/install-deps.sh).
#include <gtest/gtest.h>

#include <filesystem>

#include "deploy/deploy_support.hpp"

namespace caseroute::deploy_test {
namespace {

command_result validate(const std::vector<std::string>& files) {
  std::string command = "python3 " + quote(source_path("tests/deploy/config_schema.py")) + " " +
                        quote(source_path("config/caseroute.schema.json"));
  for (const auto& f : files) command += " " + quote(f);
  return run(command);
}

TEST(config_schema, every_shipped_config_passes) {
  const std::vector<std::string> shipped = {source_path("config/example.yaml"),
                                            source_path("config/test.yaml"),
                                            source_path("config/soak.yaml"),
                                            source_path("config/test-sentinel.yaml"),
                                            source_path("deploy/systemd/caseroute.yaml.example"),
                                            source_path("config/production-external-redis.yaml"),
                                            source_path("deploy/compose/caseroute.yaml")};
  const auto r = validate(shipped);
  EXPECT_EQ(r.status, 0) << r.output << "\n(python3-jsonschema: deploy/install-deps.sh)";
  for (const auto& f : shipped) EXPECT_NE(r.output.find(f + ": checked"), std::string::npos) << r.output;
}

TEST(config_schema, a_misspelt_key_and_a_bad_value_are_caught) {
  const auto dir = make_temp_dir();
  auto text = read_file(source_path("config/test.yaml"));
  text = replace_all(text, "  tick: 200ms\n", "  tick: 200ms\n  tick_jitter: 1s\n");
  text = replace_all(text, "  format: json", "  format: xml");
  write_file(dir + "/bad.yaml", text);
  const auto r = validate({dir + "/bad.yaml"});
  std::filesystem::remove_all(dir);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("routing: Additional properties are not allowed ('tick_jitter'"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("log.format: 'xml' is not one of"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace caseroute::deploy_test
