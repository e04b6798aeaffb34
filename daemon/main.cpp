// caseroute: parse arguments, load the config, run the daemon, return an exit code.
#include <CLI/CLI.hpp>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>

#include "app.hpp"
#include "config/loader.hpp"
#include "config/overrides.hpp"
#include "config/token.hpp"
#include "key_rotate.hpp"
#include "log/log.hpp"
#include "reports/command.hpp"
#include "schedule/coverage.hpp"
#include "schedule/schedule.hpp"

int main(int argc, char** argv) {
  using namespace caseroute;
  CLI::App cli{"caseroute: routes 12355 youth mental-health referrals to on-duty counselors"};
  std::string config_path = "config/example.yaml";
  std::string check_path;
  std::string listen, redis_url, data_dir;
  // The command line wins over the environment, which wins over the file.
  cli.add_option("-c,--config", config_path, "config file (YAML)")->capture_default_str()->envname("CASEROUTE_CONFIG");
  cli.add_option("--check-config", check_path, "validate FILE, print every problem with its line, and exit");
  cli.add_option("--listen", listen, "override server.listen (host:port; env CASEROUTE_LISTEN)");
  cli.add_option("--redis-url", redis_url,
                 "override redis.url (managed, redis://host:port/db; env CASEROUTE_REDIS_URL)");
  cli.add_option("--data-dir", data_dir, "override redis.data_dir (managed Redis)");
  cli.footer(
      "Environment: CASEROUTE_CONFIG, CASEROUTE_LISTEN, CASEROUTE_REDIS_URL, CASEROUTE_LOG_LEVEL "
      "(trace, debug, info, warn, error) override the file; a flag overrides the environment.");
  auto* token = cli.add_subcommand("token", "bearer tokens for counselors and supervisors");
  auto* token_new = token->add_subcommand("new", "print a fresh random token and its token_sha256 config line");
  token->require_subcommand(1);
  auto* key = cli.add_subcommand("key", "the master key of sealed data");
  auto* key_rotate =
      key->add_subcommand("rotate", "rewrap every case key under the current master key (daemons keep running)");
  key->require_subcommand(1);
  key->fallthrough();  // caseroute key rotate -c FILE
  key_rotate->fallthrough();
  auto* reports_cmd = cli.add_subcommand("reports", "the day counters behind GET /v1/reports");
  std::string reports_from;
  auto* reports_rebuild =
      reports_cmd->add_subcommand("rebuild", "recount the day reports from --from on from the cases");
  auto* reports_check = reports_cmd->add_subcommand("check", "compare the day reports from --from on with a recount");
  for (auto* sub : {reports_rebuild, reports_check}) {
    sub->add_option("--from", reports_from, "the first local day, YYYY-MM-DD")->required();
    sub->fallthrough();
  }
  reports_cmd->require_subcommand(1);
  reports_cmd->fallthrough();
  CLI11_PARSE(cli, argc, argv);

  if (*token_new) {
    std::cout << config::render_new_token();
    return 0;
  }
  if (*key_rotate) return run_key_rotate(config_path);
  if (*reports_rebuild || *reports_check)
    return reports::run_reports_command(config_path, static_cast<bool>(*reports_rebuild), reports_from);
  if (!check_path.empty()) {
    const auto r = config::load_config(check_path);
    const auto text = config::format_problems(check_path, r);
    if (!r.cfg) {
      std::cerr << text;
      return 1;
    }
    std::cout << text;
    // Roster gaps: warnings, never errors; the same as
    // GET /v1/coverage?days=7: the coming 7 days, dated exceptions applied.
    const auto& checked = *r.cfg;
    const schedule::roster roster(checked);
    const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    for (const auto& gap : schedule::describe_gaps(checked, schedule::dated_coverage(checked, roster, now, 7))) {
      std::cout << check_path << ": warning: coverage (next 7 days): " << gap << '\n';
    }
    std::cout << check_path << ": OK\n";
    return 0;
  }

  auto loaded = config::load_config(config_path);
  if (!loaded.cfg) {
    std::cerr << config::format_problems(config_path, loaded);
    return 2;
  }
  config::overrides overrides;
  if (!listen.empty()) overrides.listen = listen;
  if (!redis_url.empty()) overrides.redis_url = redis_url;
  if (!data_dir.empty()) overrides.data_dir = data_dir;
  config::add_environment(overrides, [](const char* name) { return std::getenv(name); });
  if (const auto problem = config::check(overrides); !problem.empty()) {
    std::cerr << "caseroute: " << problem << '\n';
    return 2;
  }
  auto cfg = std::move(*loaded.cfg);
  config::apply(cfg, overrides);
  log::configure(cfg.log.level, cfg.log.format);
  for (const auto& w : loaded.warnings) log::warn("config.warning", {{"line", w.line}, {"problem", w.message}});

  std::signal(SIGPIPE, SIG_IGN);
  try {
    app a(config_path, std::move(cfg), overrides);
    return a.run();
  } catch (const std::exception& e) {
    log::error("daemon.failed", {{"problem", e.what()}});
    return 1;
  }
}
