// Deploy test helpers: files, commands and --check-config on shipped configs.
#include "deploy/deploy_support.hpp"

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace caseroute::deploy_test {

std::string source_path(const std::string& relative) { return std::string(CASEROUTE_SOURCE_DIR) + "/" + relative; }

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string make_temp_dir() {
  std::string templ = (std::filesystem::temp_directory_path() / "caseroute-deploy-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return templ;
}

command_result run(const std::string& shell_command) {
  command_result r;
  FILE* p = ::popen((shell_command + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.output.append(buf, n);
  const int status = ::pclose(p);
  if (status != -1 && WIFEXITED(status)) r.status = WEXITSTATUS(status);
  return r;
}

std::string quote(const std::string& arg) { return "'" + replace_all(arg, "'", "'\\''") + "'"; }

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size()))
    text.replace(pos, from.size(), to);
  return text;
}

command_result check_config(const std::string& config_text, const std::vector<std::string>& secret_paths,
                            const std::string& dir) {
  std::string text = config_text;
  int n = 0;
  for (const auto& secret : secret_paths) {
    const std::string key = dir + "/secret-" + std::to_string(n++) + ".key";
    // 32 bytes as 64 hex characters: what openssl rand -hex 32 writes.
    write_file(key, std::string(64, 'a') + "\n");
    // Private to the daemon's user, as the loader requires of a secret.
    std::filesystem::permissions(key, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    if (text.find(secret) == std::string::npos) return {-1, "the config does not name " + secret};
    text = replace_all(text, secret, key);
  }
  const std::string file = dir + "/caseroute.yaml";
  write_file(file, text);
  return run(quote(CASEROUTE_BIN) + " --check-config " + quote(file));
}

}  // namespace caseroute::deploy_test
