// deploy/systemd: systemd-analyze verify and security on a copy of each unit
// (the managed Redis one and the external-redis/ one that runs on Debian's
// redis-server@caseroute.service) whose ExecStart names the built binary, a
// lint of the directives the real files must keep, and --check-config on
// the production configs.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <sstream>

#include "deploy/deploy_support.hpp"

namespace caseroute::deploy_test {
namespace {

const std::string unit_path = "deploy/systemd/caseroute.service";
const std::string external_unit_path = "deploy/systemd/external-redis/caseroute.service";

// [Service] key -> values (a key may repeat, e.g. SystemCallFilter=).
std::multimap<std::string, std::string> service_section(const std::string& text) {
  std::multimap<std::string, std::string> out;
  std::istringstream in(text);
  std::string line, section;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line[0] == '[') {
      section = line;
      continue;
    }
    const auto eq = line.find('=');
    if (section == "[Service]" && eq != std::string::npos) out.emplace(line.substr(0, eq), line.substr(eq + 1));
  }
  return out;
}

// [Unit] key -> values.
std::multimap<std::string, std::string> unit_section(const std::string& text) {
  std::multimap<std::string, std::string> out;
  std::istringstream in(text);
  std::string line, section;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line[0] == '[') {
      section = line;
      continue;
    }
    const auto eq = line.find('=');
    if (section == "[Unit]" && eq != std::string::npos) out.emplace(line.substr(0, eq), line.substr(eq + 1));
  }
  return out;
}

bool has(const std::multimap<std::string, std::string>& section, const std::string& key, const std::string& value) {
  const auto [lo, hi] = section.equal_range(key);
  for (auto it = lo; it != hi; ++it)
    if (it->second == value) return true;
  return false;
}

class systemd_unit : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir();
    // systemd-analyze verify checks that ExecStart's program exists and is
    // executable, so the copy names the binary this build made. User= needs
    // no account for verify (systemd 252 does not resolve it offline); the
    // lint below pins it on the real file.
    copy_ = dir_ + "/caseroute.service";
    write_file(copy_, replace_all(read_file(source_path(unit_path)), "/usr/bin/caseroute", CASEROUTE_BIN));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_, copy_;
};

TEST_F(systemd_unit, verifies_without_any_warning) {
  const auto r = run("systemd-analyze verify " + quote(copy_));
  EXPECT_EQ(r.status, 0) << r.output;
  // Unknown keys and unparsable values are only warnings (exit 0): any output fails.
  EXPECT_EQ(r.output, "");
}

TEST_F(systemd_unit, verify_catches_a_misspelt_directive) {
  // Guards the test above: a broken copy must produce output.
  write_file(copy_, replace_all(read_file(copy_), "Type=notify", "Type=notifyy"));
  const auto r = run("systemd-analyze verify " + quote(copy_));
  EXPECT_NE(r.output, "");
}

TEST_F(systemd_unit, sandbox_exposure_stays_low) {
  // systemd's own score of the sandbox: 0 (locked down) .. 10 (unprotected).
  // Ours is 1.5; --threshold is that score times ten.
  const auto r = run("systemd-analyze security --offline=true --threshold=20 " + quote(copy_));
  EXPECT_EQ(r.status, 0) << r.output;
}

// The same checks on the external-redis/ unit: verify also loads the
// redis-server@.service template it requires (package redis-server).
class systemd_external_redis_unit : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir();
    copy_ = dir_ + "/caseroute.service";
    write_file(copy_, replace_all(read_file(source_path(external_unit_path)), "/usr/bin/caseroute", CASEROUTE_BIN));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_, copy_;
};

TEST_F(systemd_external_redis_unit, verifies_without_any_warning) {
  const auto r = run("systemd-analyze verify " + quote(copy_));
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output, "");
}

TEST_F(systemd_external_redis_unit, verify_catches_a_missing_dependency) {
  // Guards the test above: verify does load the unit it requires.
  write_file(copy_, replace_all(read_file(copy_), "Requires=redis-server@", "Requires=redis-servr@"));
  const auto r = run("systemd-analyze verify " + quote(copy_));
  EXPECT_NE(r.output.find("redis-servr@caseroute.service not found"), std::string::npos) << r.output;
}

TEST_F(systemd_external_redis_unit, sandbox_exposure_stays_low) {
  const auto r = run("systemd-analyze security --offline=true --threshold=20 " + quote(copy_));
  EXPECT_EQ(r.status, 0) << r.output;
}

TEST(systemd_external_redis_unit_file, depends_on_debians_redis_and_keeps_the_sandbox) {
  const auto text = read_file(source_path(external_unit_path));
  const auto unit = unit_section(text);
  EXPECT_TRUE(has(unit, "Requires", "redis-server@caseroute.service"));
  EXPECT_TRUE(has(unit, "After", "redis-server@caseroute.service"));
  // Not BindsTo: a Redis that dies on its own is restarted by systemd while
  // caseroute reconnects (deploy/README.md).
  EXPECT_EQ(unit.count("BindsTo"), 0u);
  const auto svc = service_section(text);
  const auto managed = service_section(read_file(source_path(unit_path)));
  // Every directive of the managed unit but its state directory (the cases
  // live in Redis), and the group of Redis's socket on top.
  for (const auto& [key, value] : managed) {
    if (key == "StateDirectory" || key == "StateDirectoryMode" || key == "WorkingDirectory") continue;
    EXPECT_TRUE(has(svc, key, value)) << key << "=" << value << " is missing from " << external_unit_path;
  }
  EXPECT_TRUE(has(svc, "SupplementaryGroups", "redis"));
  EXPECT_EQ(svc.count("StateDirectory"), 0u);
  EXPECT_EQ(svc.count("ReadWritePaths"), 0u) << "nothing should be writable";
}

TEST(systemd_unit_file, keeps_the_required_directives) {
  const auto svc = service_section(read_file(source_path(unit_path)));
  const std::map<std::string, std::string> required = {
      {"Type", "notify"},
      {"NotifyAccess", "main"},
      {"ExecStart", "/usr/bin/caseroute --config /etc/caseroute/caseroute.yaml"},
      {"ExecReload", "/bin/kill -HUP $MAINPID"},
      {"KillSignal", "SIGTERM"},
      {"KillMode", "mixed"},
      {"WatchdogSec", "30s"},
      {"TimeoutStopSec", "30s"},
      {"Restart", "on-failure"},
      {"User", "caseroute"},
      {"Group", "caseroute"},
      {"StateDirectory", "caseroute"},
      {"ConfigurationDirectory", "caseroute"},
      {"UMask", "0077"},
      {"ProtectSystem", "strict"},
      {"ProtectHome", "yes"},
      {"PrivateTmp", "yes"},
      {"PrivateDevices", "yes"},
      {"NoNewPrivileges", "yes"},
      {"ProtectKernelTunables", "yes"},
      {"ProtectKernelModules", "yes"},
      {"ProtectKernelLogs", "yes"},
      {"ProtectControlGroups", "yes"},
      {"RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6"},
      {"RestrictNamespaces", "yes"},
      {"LockPersonality", "yes"},
      {"MemoryDenyWriteExecute", "yes"},
      {"SystemCallArchitectures", "native"},
      {"SystemCallFilter", "@system-service"},
      {"CapabilityBoundingSet", ""},
      {"LimitNOFILE", "65536"},
  };
  for (const auto& [key, value] : required) {
    const auto [lo, hi] = svc.equal_range(key);
    bool found = false;
    for (auto it = lo; it != hi; ++it) found = found || it->second == value;
    EXPECT_TRUE(found) << key << "=" << value << " is missing from " << unit_path;
  }
  // Every secret file the production config names comes as a credential.
  const auto example = read_file(source_path("deploy/systemd/caseroute.yaml.example"));
  for (const char* name : {"data.key", "henan-12355.key"}) {
    EXPECT_NE(example.find(std::string("/run/credentials/caseroute.service/") + name), std::string::npos) << name;
    const auto [lo, hi] = svc.equal_range("LoadCredential");
    bool loaded = false;
    for (auto it = lo; it != hi; ++it) loaded = loaded || it->second.rfind(std::string(name) + ":", 0) == 0;
    EXPECT_TRUE(loaded) << "LoadCredential=" << name << ":... is missing from " << unit_path;
  }
  // ProtectSystem=strict leaves only StateDirectory writable; keep it so.
  EXPECT_EQ(svc.count("ReadWritePaths"), 0u) << "only StateDirectory should be writable";
}

TEST(systemd_config_example, passes_check_config) {
  const auto dir = make_temp_dir();
  const auto r = check_config(
      read_file(source_path("deploy/systemd/caseroute.yaml.example")),
      {"/run/credentials/caseroute.service/data.key", "/run/credentials/caseroute.service/henan-12355.key"}, dir);
  std::filesystem::remove_all(dir);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find(": OK"), std::string::npos) << r.output;
}

TEST(systemd_config_example, the_external_redis_config_passes_check_config) {
  const auto dir = make_temp_dir();
  const auto r = check_config(
      read_file(source_path("config/production-external-redis.yaml")),
      {"/run/credentials/caseroute.service/data.key", "/run/credentials/caseroute.service/henan-12355.key"}, dir);
  std::filesystem::remove_all(dir);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find(": OK"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace caseroute::deploy_test
