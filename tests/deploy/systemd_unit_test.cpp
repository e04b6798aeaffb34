// deploy/systemd: systemd-analyze verify and security on a copy of the unit
// whose ExecStart names the built binary, a lint of the directives the real
// file must keep, and --check-config on the production config skeleton.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <sstream>

#include "deploy/deploy_support.hpp"

namespace caseroute::deploy_test {
namespace {

const std::string unit_path = "deploy/systemd/caseroute.service";

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

}  // namespace
}  // namespace caseroute::deploy_test
