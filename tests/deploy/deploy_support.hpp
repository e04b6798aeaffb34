// Shared pieces of the deploy tests: paths into the source tree, a temp dir,
// running a shell command with its output, and --check-config on a copy of a
// shipped config whose secret paths point at freshly made test keys.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace caseroute::deploy_test {

std::string source_path(const std::string& relative);  // CASEROUTE_SOURCE_DIR/relative
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& text);
std::string make_temp_dir();  // removed by the caller (remove_all)

struct command_result {
  int status = -1;     // exit code; -1 when it did not exit normally
  std::string output;  // stdout and stderr together
};
command_result run(const std::string& shell_command);
std::string quote(const std::string& arg);  // for the shell

// Replaces every occurrence of from in text.
std::string replace_all(std::string text, const std::string& from, const std::string& to);

// Copies config_text into dir with each secret path of secrets (path in the
// file -> file name) replaced by a fresh 64-hex-character key in dir, and
// runs `caseroute --check-config` on it.
command_result check_config(const std::string& config_text, const std::vector<std::string>& secret_paths,
                            const std::string& dir);

}  // namespace caseroute::deploy_test
