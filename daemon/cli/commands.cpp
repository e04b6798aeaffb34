// The operator's subcommands (commands.hpp): one row of `api_commands` per
// subcommand; after parsing, a session (where the daemon is, the token, the
// language) and the row's run function, which makes its call and prints.
#include "cli/commands.hpp"

#include <google/protobuf/util/json_util.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>
#include <vector>

#include "caseroute/v1/caseroute.pb.h"
#include "cli/address.hpp"
#include "cli/client.hpp"
#include "cli/outcome.hpp"
#include "cli/render.hpp"
#include "cli/sse.hpp"
#include "cli/text.hpp"
#include "config/loader.hpp"
#include "metrics/metrics.hpp"

namespace caseroute::cli {

namespace {

constexpr const char* default_url = "http://127.0.0.1:8355";  // config/example.yaml's server.listen

// The options of every command that calls the daemon.
struct common_options {
  std::string url;         // --url, CASEROUTE_URL
  std::string token_file;  // --token-file, CASEROUTE_TOKEN_FILE
  std::string cacert;
  std::string lang;
  bool json = false;
  double timeout = 10;
};

// The commands' own arguments; each uses a few.
struct arguments {
  std::string id;         // case ID, assign ID, cancel ID, callbacks retry EVENT_ID
  std::string counselor;  // assign
  std::string reason;     // cancel
  std::string state;      // cases
  std::string risk;       // cases
  int days = 0;           // coverage; 0: the daemon's default
  int limit = 0;          // cases, audit; 0: the daemon's default
  std::string cursor;     // cases, audit
  std::string types;      // events
  std::string site;       // events
  std::string case_id;    // audit
  std::string principal;  // audit
  std::string from;       // audit
  std::string to;         // audit
  std::string report;     // reports show: service, response or workload
  std::string by;         // reports show: dimensions
  std::string period;     // reports show
  bool csv = false;       // reports show: the CSV as the daemon sends it
  bool live = false;      // healthcheck: /healthz instead of /readyz
};

// Where and as whom a command calls, and how it prints; built after parsing.
struct session {
  call_settings settings;
  std::string token;
  language lang = language::en;
  bool json = false;
};

header_list bearer(const session& s) { return {{"Authorization", "Bearer " + s.token}}; }

int no_answer(const session& s, const answer& a) {
  std::cerr << "caseroute: cannot reach " << s.settings.to.url << ": " << a.problem << '\n';
  return exit_unreachable;
}

int refused(const session& s, const answer& a) {
  if (a.status == 0) return no_answer(s, a);
  std::cerr << "caseroute: " << error_text(a.status, a.body) << '\n';
  return exit_for_status(a.status);
}

void print_json(const std::string& body) {
  std::cout << body;
  if (body.empty() || body.back() != '\n') std::cout << '\n';
}

using renderer = std::string (*)(language, std::string_view);

// A 2xx as JSON or as text; anything else as an error on stderr.
int show(const session& s, const answer& a, renderer render) {
  if (exit_for_status(a.status) != exit_ok) return refused(s, a);
  if (s.json) {
    print_json(a.body);
    return exit_ok;
  }
  try {
    std::cout << render(s.lang, a.body);
  } catch (const std::exception& e) {
    std::cerr << "caseroute: " << e.what() << '\n';
    return exit_unreachable;
  }
  return exit_ok;
}

// "?a=1&b=2" from the pairs with a value; "" when none has one.
std::string query(const std::vector<std::pair<const char*, std::string>>& pairs) {
  std::string out;
  for (const auto& [name, value] : pairs) {
    if (value.empty()) continue;
    out += out.empty() ? "?" : "&";
    out += std::string(name) + "=" + percent_encode(value);
  }
  return out;
}

std::string number(int n) { return n > 0 ? std::to_string(n) : ""; }

std::string to_json(const google::protobuf::Message& m) {
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(m, &out);
  return out;
}

int run_queue(const session& s, const arguments&) {
  return show(s, call(s.settings, "GET", "/v1/queue", bearer(s)), queue_view);
}

int run_cases(const session& s, const arguments& a) {
  const auto state = a.state.empty() ? "" : state_name(a.state);
  const auto risk = a.risk.empty() ? "" : risk_name(a.risk);
  if (!a.state.empty() && state.empty()) {
    std::cerr << "caseroute: --state: one of queued, offered, active, resolved, cancelled\n";
    return exit_usage;
  }
  if (!a.risk.empty() && risk.empty()) {
    std::cerr << "caseroute: --risk: one of crisis, high, medium, low\n";
    return exit_usage;
  }
  const auto target =
      "/v1/cases" + query({{"state", state}, {"risk", risk}, {"limit", number(a.limit)}, {"cursor", a.cursor}});
  return show(s, call(s.settings, "GET", target, bearer(s)), case_list);
}

int run_case(const session& s, const arguments& a) {
  const auto answer = call(s.settings, "GET", "/v1/cases/" + percent_encode(a.id), bearer(s));
  const int rc = show(s, answer, case_details);
  if (rc == exit_ok)
    std::cerr << (s.lang == language::zh ? "注意：本次查阅已记入审计日志 (caseroute audit --case "
                                         : "note: this read is recorded in the audit log (caseroute audit --case ")
              << a.id << ")\n";
  return rc;
}

int run_assign(const session& s, const arguments& a) {
  v1::AssignRequest body;
  body.set_counselor_id(a.counselor);
  const auto answer =
      call(s.settings, "POST", "/v1/cases/" + percent_encode(a.id) + "/assign", bearer(s), to_json(body));
  if (exit_for_status(answer.status) != exit_ok || !s.json) return show(s, answer, assigned);
  // The answer holds contact and summary; this command shows none of them.
  try {
    print_json(without_personal_data(answer.body));
  } catch (const std::exception& e) {
    std::cerr << "caseroute: " << e.what() << '\n';
    return exit_unreachable;
  }
  return exit_ok;
}

int run_cancel(const session& s, const arguments& a) {
  v1::CancelRequest body;
  body.set_reason(a.reason);
  return show(s, call(s.settings, "POST", "/v1/cases/" + percent_encode(a.id) + "/cancel", bearer(s), to_json(body)),
              cancelled);
}

int run_counselors(const session& s, const arguments&) {
  return show(s, call(s.settings, "GET", "/v1/counselors", bearer(s)), counselor_list);
}

int run_coverage(const session& s, const arguments& a) {
  return show(s, call(s.settings, "GET", "/v1/coverage" + query({{"days", number(a.days)}}), bearer(s)),
              coverage_report);
}

int run_parked(const session& s, const arguments&) {
  return show(s, call(s.settings, "GET", "/v1/callbacks/parked", bearer(s)), parked_list);
}

int run_retry(const session& s, const arguments& a) {
  return show(s, call(s.settings, "POST", "/v1/callbacks/parked/" + percent_encode(a.id) + "/retry", bearer(s)),
              retried);
}

int run_audit(const session& s, const arguments& a) {
  const auto target = "/v1/audit" + query({{"caseId", a.case_id},
                                           {"principal", a.principal},
                                           {"from", a.from},
                                           {"to", a.to},
                                           {"limit", number(a.limit)},
                                           {"cursor", a.cursor}});
  return show(s, call(s.settings, "GET", target, bearer(s)), access_list);
}

// GET /v1/reports. The table is the report's CSV (its Chinese headings are
// the report's own form), aligned; --csv prints that CSV as sent (UTF-8 with
// a BOM, for Excel); --json the JSON answer.
int run_reports(const session& s, const arguments& a) {
  std::vector<std::pair<const char*, std::string>> q{
      {"from", a.from}, {"to", a.to}, {"by", a.by}, {"period", a.period}, {"report", a.report}};
  if (!s.json) q.emplace_back("format", "csv");
  const auto answer = call(s.settings, "GET", "/v1/reports" + query(q), bearer(s));
  if (a.csv && !s.json && exit_for_status(answer.status) == exit_ok) {
    std::cout << answer.body;
    return exit_ok;
  }
  return show(s, answer, csv_table);
}

void print_event(const session& s, const sse_event& e) {
  if (s.json) {
    std::cout << e.data << '\n';
  } else if (e.type == "resync") {
    std::cout << "resync: " << word(s.lang, "stream has a gap, reload the views") << " (" << e.id << ")\n";
  } else {
    try {
      std::cout << event_line(s.lang, e.data) << '\n';
    } catch (const std::exception&) {
      std::cout << e.type << " " << e.id << '\n';
    }
  }
  std::cout.flush();
}

// Follows the change feed until interrupted. A dropped connection (or a
// daemon restarting) is retried with Last-Event-ID, so no event is missed
// or shown twice; the first connection failing, or any 4xx, ends it.
int run_events(const session& s, const arguments& a) {
  const auto target = "/v1/events" + query({{"types", a.types}, {"site", a.site}});
  sse_parser parser;
  bool followed = false;
  auto delay = std::chrono::milliseconds(0);
  const auto on_bytes = [&](std::string_view bytes) {
    for (const auto& e : parser.feed(bytes)) print_event(s, e);
  };
  for (;;) {
    auto headers = bearer(s);
    if (!parser.last_id().empty()) headers.emplace_back("Last-Event-ID", parser.last_id());
    // Idle for longer than a few heartbeats (live.heartbeat, 15 s): a dead connection.
    const auto answer = follow(s.settings, target, headers, std::chrono::seconds(60), on_bytes);
    parser.reset_partial();
    if (answer.status == 200) {
      followed = true;
      delay = parser.retry();
    } else if (answer.status != 0 && answer.status < 500) {
      return refused(s, answer);
    } else if (!followed) {
      return answer.status == 0 ? no_answer(s, answer) : refused(s, answer);
    } else {
      delay = std::min(std::max(delay * 2, parser.retry()), std::chrono::milliseconds(30'000));
    }
    std::cerr << "caseroute: " << word(s.lang, "reconnecting") << " ("
              << (answer.problem.empty() ? error_text(answer.status, answer.body) : answer.problem)
              << (parser.last_id().empty() ? "" : "; after " + parser.last_id()) << ")\n";
    std::this_thread::sleep_for(delay);
  }
}

int run_healthcheck(const session& s, const arguments& a) {
  const auto answer = call(s.settings, "GET", a.live ? "/healthz" : "/readyz", {});
  if (answer.status == 0) {
    no_answer(s, answer);
    return 1;
  }
  if (s.json) {
    print_json(answer.body);
  } else if (answer.status == 200) {
    std::cout << word(s.lang, a.live ? "alive" : "ready") << '\n';
  } else {
    v1::Health health;
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;
    std::string reasons;
    if (google::protobuf::util::JsonStringToMessage(answer.body, &health, options).ok()) {
      for (const auto& r : health.reasons()) reasons += (reasons.empty() ? ": " : ", ") + r;
    }
    std::cout << word(s.lang, a.live ? "not alive" : "not ready") << " (HTTP " << answer.status << ")" << reasons
              << '\n';
  }
  return answer.status == 200 ? 0 : 1;
}

void no_options(CLI::App&, arguments&) {}

// One row per subcommand. A new one adds a row here, its fields in `arguments`, its run function above and its
// table in render.cpp; the session, token, URL, --json and exit codes come
// with the row.
struct api_command {
  const char* group;  // "" or the parent subcommand ("callbacks")
  const char* name;
  const char* help;
  bool needs_token;
  void (*options)(CLI::App&, arguments&);
  int (*run)(const session&, const arguments&);
};

const api_command api_commands[] = {
    {"", "queue", "the queue at a glance: open cases by state, risk, site and concern; escalated cases", true,
     no_options, run_queue},
    {"", "cases", "cases, newest first, one page (no contact or summary)", true,
     [](CLI::App& c, arguments& a) {
       c.add_option("--state", a.state, "queued, offered, active, resolved or cancelled");
       c.add_option("--risk", a.risk, "crisis, high, medium or low");
       c.add_option("--limit", a.limit, "page size (1-500; the daemon's default 50)")->check(CLI::Range(1, 500));
       c.add_option("--cursor", a.cursor, "the next page, as the previous one named it");
     },
     run_cases},
    {"", "case", "one case with contact, summary and history (an audited read of sealed data)", true,
     [](CLI::App& c, arguments& a) { c.add_option("ID", a.id, "the case id")->required(); }, run_case},
    {"", "assign", "offer a queued or offered case now to a counselor on duty", true,
     [](CLI::App& c, arguments& a) {
       c.add_option("ID", a.id, "the case id")->required();
       c.add_option("COUNSELOR", a.counselor, "the counselor's id")->required();
     },
     run_assign},
    {"", "cancel", "close a case that will not be served (a duplicate call, a prank)", true,
     [](CLI::App& c, arguments& a) {
       c.add_option("ID", a.id, "the case id")->required();
       c.add_option("--reason", a.reason, "why (kept sealed, shown to supervisors only)");
     },
     run_cancel},
    {"", "counselors", "the roster now: on duty, signed in, load", true, no_options, run_counselors},
    {"", "coverage", "roster coverage of the coming days and its gaps", true,
     [](CLI::App& c, arguments& a) {
       c.add_option("--days", a.days, "days from today, 1-31 (the daemon's default 7)")->check(CLI::Range(1, 31));
     },
     run_coverage},
    {"callbacks", "parked", "status callbacks given up after callbacks.max_attempts", true, no_options, run_parked},
    {"callbacks", "retry", "send a parked callback again", true,
     [](CLI::App& c, arguments& a) { c.add_option("EVENT_ID", a.id, "the callback's eventId")->required(); },
     run_retry},
    {"", "events", "follow the change feed, one line per event, until interrupted", true,
     [](CLI::App& c, arguments& a) {
       c.add_option("--types", a.types, "a comma list of event types (case.offered,case.accepted)");
       c.add_option("--site", a.site, "only events at this site");
     },
     run_events},
    {"", "audit", "who opened which sealed fields of which case", true,
     [](CLI::App& c, arguments& a) {
       c.add_option("--case", a.case_id, "only this case");
       c.add_option("--principal", a.principal, "only this reader (counselor:<id>, supervisor:<id> or an id)");
       c.add_option("--from", a.from, "at or after (RFC 3339, 2026-12-04T08:00:00Z)");
       c.add_option("--to", a.to, "at or before (RFC 3339)");
       c.add_option("--limit", a.limit, "page size (1-500; the daemon's default 100)")->check(CLI::Range(1, 500));
       c.add_option("--cursor", a.cursor, "the next page, as the previous one named it");
     },
     run_audit},
    {"reports", "show", "the anonymous day counters behind the city's reports (GET /v1/reports)", true,
     [](CLI::App& c, arguments& a) {
       c.add_option("--from", a.from, "the first local day, YYYY-MM-DD")->required();
       c.add_option("--to", a.to, "the last local day, YYYY-MM-DD")->required();
       c.add_option("--report", a.report, "a ready-made report: service, response or workload");
       c.add_option("--by", a.by, "dimensions, a comma list (site,county,concern,risk,group,mode,outcome,platform)");
       c.add_option("--period", a.period, "day, month, quarter, year or all");
       c.add_flag("--csv", a.csv, "print the CSV as the daemon sends it (UTF-8 with BOM, for Excel)");
     },
     run_reports},
    {"", "healthcheck", "exit 0 when the daemon is ready (GET /readyz), 1 when not: for container health checks", false,
     [](CLI::App& c, arguments& a) {
       c.add_flag("--live", a.live, "ask GET /healthz instead: the process answers, Redis not needed");
     },
     run_healthcheck},
};

const std::map<std::string, std::string> groups{
    {"callbacks", "status callbacks the daemon gave up on: list them, send one again"},
};

void add_common(CLI::App& c, common_options& o, bool token) {
  c.add_option("--url", o.url,
               "the daemon, http(s)://host:port (env CASEROUTE_URL; default: server.listen of -c FILE, else " +
                   std::string(default_url) + ")")
      ->envname("CASEROUTE_URL");
  if (token)
    c.add_option("--token-file", o.token_file,
                 "file holding your bearer token (env CASEROUTE_TOKEN_FILE; else env CASEROUTE_TOKEN)")
        ->envname("CASEROUTE_TOKEN_FILE");
  c.add_option("--cacert", o.cacert, "PEM file of the CA that signed the daemon's certificate (https)");
  c.add_flag("--json", o.json, "print the daemon's JSON answer instead of a table");
  c.add_option("--lang", o.lang, "table language: en or zh (default from LC_ALL, LC_MESSAGES, LANG)")
      ->check(CLI::IsMember({"en", "zh"}));
  c.add_option("--timeout", o.timeout, "seconds to wait for the daemon (default 10)")->check(CLI::PositiveNumber);
  c.footer(exit_code_help());
}

std::string trimmed(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.erase(s.begin());
  return s;
}

}  // namespace

struct operator_commands::state {
  CLI::App& app;
  const std::string& config_path;
  common_options common;
  arguments args;
  std::vector<std::pair<CLI::App*, const api_command*>> entries;

  // The daemon's URL: --url or CASEROUTE_URL, else -c FILE's server.listen,
  // else the default. nullopt (after saying why) on a usage error.
  std::optional<std::string> url() const {
    if (!common.url.empty()) return common.url;
    const auto* config_option = app.get_option_no_throw("--config");
    if (config_option == nullptr || config_option->count() == 0) return std::string(default_url);
    std::ifstream in(config_path);
    if (!in) {
      std::cerr << "caseroute: cannot read " << config_path << '\n';
      return std::nullopt;
    }
    std::stringstream text;
    text << in.rdbuf();
    const auto loaded = config::parse_config(text.str());
    if (!loaded.cfg) {
      std::cerr << config::format_problems(config_path, loaded);
      return std::nullopt;
    }
    return url_for_listen(loaded.cfg->server.listen, loaded.cfg->server.tls.has_value());
  }

  // The token from --token-file / CASEROUTE_TOKEN_FILE, else CASEROUTE_TOKEN.
  std::optional<std::string> token() const {
    if (!common.token_file.empty()) {
      std::ifstream in(common.token_file);
      if (!in) {
        std::cerr << "caseroute: cannot read the token file " << common.token_file << '\n';
        return std::nullopt;
      }
      struct stat st {};
      if (::stat(common.token_file.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
        std::cerr << "caseroute: warning: others may read " << common.token_file << " (chmod 600 it)\n";
      std::stringstream text;
      text << in.rdbuf();
      auto token = trimmed(text.str());
      if (token.empty()) {
        std::cerr << "caseroute: the token file " << common.token_file << " is empty\n";
        return std::nullopt;
      }
      return token;
    }
    if (const char* env = std::getenv("CASEROUTE_TOKEN"); env != nullptr && *env != '\0') return trimmed(env);
    std::cerr << "caseroute: no token: give --token-file FILE, or set CASEROUTE_TOKEN_FILE or CASEROUTE_TOKEN "
                 "(tokens are never taken on the command line)\n";
    return std::nullopt;
  }
};

operator_commands::operator_commands(CLI::App& app, const std::string& config_path)
    : state_(std::make_unique<state>(state{app, config_path, {}, {}, {}})) {
  std::map<std::string, CLI::App*> parents;
  for (const auto& c : api_commands) {
    CLI::App* parent = &app;
    if (*c.group != '\0') {
      auto& p = parents[c.group];
      // A group main.cpp already made (reports: rebuild and check) gains the row.
      if (p == nullptr) {
        const auto made = app.get_subcommands([&](CLI::App* sub) { return sub->get_name() == c.group; });
        if (!made.empty()) p = made.front();
      }
      if (p == nullptr) {
        p = app.add_subcommand(c.group, groups.at(c.group));
        p->require_subcommand(1);
        p->fallthrough();  // caseroute callbacks parked -c FILE
      }
      parent = p;
    }
    auto* sub = parent->add_subcommand(c.name, c.help);
    sub->fallthrough();
    add_common(*sub, state_->common, c.needs_token);
    c.options(*sub, state_->args);
    state_->entries.emplace_back(sub, &c);
  }
  app.set_version_flag("--version", "caseroute " + std::string(metrics::build_version()) + " (commit " +
                                        std::string(metrics::build_commit()) + ")");
  app.footer(app.get_footer() + "\n" + exit_code_help());
}

operator_commands::~operator_commands() = default;

std::optional<int> operator_commands::run() {
  for (const auto& [sub, command] : state_->entries) {
    if (!sub->parsed()) continue;
    session s;
    s.lang = pick_language(state_->common.lang, [](const char* name) { return std::getenv(name); });
    s.json = state_->common.json;
    const auto url = state_->url();
    if (!url) return exit_usage;
    const auto to = parse_url(*url);
    if (!to) {
      std::cerr << "caseroute: " << *url << ": not an http:// or https:// URL of a host and port\n";
      return exit_usage;
    }
    s.settings.to = *to;
    s.settings.cacert = state_->common.cacert;
    if (!s.settings.cacert.empty() && !std::ifstream(s.settings.cacert)) {
      std::cerr << "caseroute: cannot read " << s.settings.cacert << '\n';
      return exit_usage;
    }
    s.settings.timeout = std::chrono::milliseconds(static_cast<long>(state_->common.timeout * 1000));
    if (command->needs_token) {
      auto token = state_->token();
      if (!token) return exit_usage;
      s.token = std::move(*token);
    }
    return command->run(s, state_->args);
  }
  return std::nullopt;
}

int parse_failed(CLI::App& app, const CLI::ParseError& e) {
  const int rc = app.exit(e);
  if (rc == 0) return 0;
  const std::string what = e.what();
  if (what.find("--token") != std::string::npos && what.find("--token-file") == std::string::npos)
    std::cerr << "caseroute: tokens are never taken on the command line (ps and shell history would show them): "
                 "use --token-file FILE, CASEROUTE_TOKEN_FILE or CASEROUTE_TOKEN\n";
  return exit_usage;
}

}  // namespace caseroute::cli
