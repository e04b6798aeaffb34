// The YAML walk: every section of the config file read into plain structs,
// every problem recorded with its position. The only translation unit besides
// yaml_reader.cpp that sees yaml-cpp; file access lives in secret_files.cpp.
#include <algorithm>
#include <map>
#include <set>

#include "config/duration.hpp"
#include "config/formats.hpp"
#include "config/parsed.hpp"
#include "config/token.hpp"
#include "config/yaml_reader.hpp"

namespace caseroute::config::detail {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view weekdays[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

struct reference {
  std::string value;
  position at;
  std::string path;
};

class parser {
 public:
  explicit parser(parsed& p) : p_(p), r_(p.result), cfg_(p.partial) {}
  void run(const YAML::Node& root);

 private:
  void server(const YAML::Node& node);
  void tls(const YAML::Node& node);
  void limits(const YAML::Node& node);
  void redis(const YAML::Node& node);
  void shifts(const YAML::Node& node);
  void specialties(const YAML::Node& node);
  void counties(const YAML::Node& node);
  void platforms(const YAML::Node& node);
  void counselors(const YAML::Node& node);
  void supervisors(const YAML::Node& node);
  void viewers(const YAML::Node& node);
  void sessions(const YAML::Node& node);
  void sites(const YAML::Node& node);
  duty read_duty(const YAML::Node& node, const std::string& path);
  void routing(const YAML::Node& node);
  void privacy(const YAML::Node& node);
  void log(const YAML::Node& node);
  void live(const YAML::Node& node);
  void callbacks(const YAML::Node& node, const std::string& path, callback_settings& s);
  void finish();
  // Reads an id and reports a bad form or a duplicate within `seen`.
  void read_id(const fields& f, std::string& target, std::set<std::string>& seen, std::string_view what);
  void read_token(const fields& f, std::string& target, const std::string& owner);

  parsed& p_;
  reader r_;
  config& cfg_;
  bool counties_given_ = false;
  std::set<std::string> shift_names_;      // declared, even if the window is bad
  std::set<std::string> specialty_codes_;  // declared, even if malformed
  std::map<std::string, position> specialty_at_;
  std::set<std::string> counselor_ids_, supervisor_ids_, viewer_ids_, site_ids_, platform_ids_;
  std::map<std::string, position> counselor_at_;
  std::map<std::string, std::string> token_owner_;  // token_sha256 -> "counselor c001"
  std::set<std::string> rostered_;
  std::vector<reference> home_visits_;
};

void parser::run(const YAML::Node& root) {
  const fields f = r_.map(
      root, "",
      {"server", "redis", "timezone", "shifts", "specialties", "counties", "platforms", "counselors", "supervisors",
       "viewers", "sites", "routing", "privacy", "log", "callbacks", "live", "limits", "sessions"});
  if (!f.is_map) return;
  // Dependency order, not file order: references are checked as they are read.
  if (const entry* e = f.get("server")) server(e->value);
  if (const entry* e = f.get("redis")) redis(e->value);
  if (const entry* e = r_.set(f, "timezone", cfg_.timezone)) {
    if (e->value.IsScalar() && cfg_.timezone.empty()) {
      r_.error(where(e->value), "timezone: must not be empty (e.g. Asia/Shanghai)");
    }
  }
  if (const entry* e = f.get("shifts")) shifts(e->value);
  for (const shift& s : cfg_.shifts) shift_names_.insert(s.name);
  if (const entry* e = f.get("specialties"))
    specialties(e->value);
  else
    r_.missing(f, "specialties");
  if (const entry* e = f.get("counties")) counties(e->value);
  // Before platforms: a platform's callbacks start from the top-level ones.
  if (const entry* e = f.get("callbacks")) callbacks(e->value, "callbacks", cfg_.callbacks);
  if (const entry* e = f.get("platforms")) platforms(e->value);
  if (const entry* e = f.get("counselors"))
    counselors(e->value);
  else
    r_.missing(f, "counselors");
  if (const entry* e = f.get("supervisors")) supervisors(e->value);
  if (const entry* e = f.get("viewers")) viewers(e->value);
  if (const entry* e = f.get("sites"))
    sites(e->value);
  else
    r_.missing(f, "sites");
  if (const entry* e = f.get("routing")) routing(e->value);
  if (const entry* e = f.get("privacy"))
    privacy(e->value);
  else
    r_.missing(f, "privacy");
  if (const entry* e = f.get("log")) log(e->value);
  if (const entry* e = f.get("live")) live(e->value);
  if (const entry* e = f.get("limits")) limits(e->value);
  if (const entry* e = f.get("sessions")) sessions(e->value);
  finish();
}

void parser::server(const YAML::Node& node) {
  const fields f = r_.map(node, "server",
                          {"listen", "max_body_bytes", "max_header_bytes", "read_timeout", "header_timeout",
                           "shutdown_grace", "max_connections", "max_connections_per_address", "tls", "public_origin"});
  server_settings& s = cfg_.server;
  if (const entry* e = r_.set(f, "listen", s.listen)) {
    if (e->value.IsScalar() && !is_listen(s.listen)) {
      r_.error(where(e->value), "server.listen: expected host:port such as 127.0.0.1:8355, got " + quote(s.listen));
    }
  }
  r_.set(f, "max_body_bytes", s.max_body_bytes, 1, 1 << 30);
  r_.set(f, "max_header_bytes", s.max_header_bytes, 1, 1 << 30);
  r_.set(f, "read_timeout", s.read_timeout, 1s);
  r_.set(f, "header_timeout", s.header_timeout, 1s);
  r_.set(f, "shutdown_grace", s.shutdown_grace, 0s);
  r_.set(f, "max_connections", s.max_connections, 1, 1'000'000);
  r_.set(f, "max_connections_per_address", s.max_connections_per_address, 0, 1'000'000);
  if (const entry* e = f.get("tls")) tls(e->value);
  if (const entry* e = r_.set(f, "public_origin", s.public_origin)) {
    const auto& o = s.public_origin;
    const bool scheme = o.starts_with("https://") || o.starts_with("http://");
    const auto host = o.substr(o.find("://") + 3);
    if (e->value.IsScalar() && !o.empty() &&
        (!scheme || host.empty() || host.find_first_of("/?#@ ") != std::string::npos)) {
      r_.error(
          where(e->value),
          "server.public_origin: expected scheme://host[:port] such as https://caseroute.example.cn, got " + quote(o));
    }
  }
}

void parser::tls(const YAML::Node& node) {
  const fields f = r_.map(node, "server.tls", {"cert_file", "key_file", "client_ca_file"});
  if (!f.is_map) return;
  tls_settings t;
  r_.set(f, "cert_file", t.cert_file, true);
  r_.set(f, "key_file", t.key_file, true);
  r_.set(f, "client_ca_file", t.client_ca_file, false);
  cfg_.server.tls = t;
}

void parser::limits(const YAML::Node& node) {
  const fields f =
      r_.map(node, "limits", {"per_address", "per_token", "per_platform", "limit_loopback", "metrics_refresh"});
  limit_settings& s = cfg_.limits;
  const auto bucket = [&](std::string_view key, bucket_settings& b) {
    const entry* e = f.get(key);
    if (e == nullptr) return;
    const fields g = r_.map(e->value, f.child(key), {"rate", "burst"});
    r_.set(g, "rate", b.rate, 0, 1'000'000);
    r_.set(g, "burst", b.burst, 1, 1'000'000'000);
    if (b.rate > 0 && b.burst < b.rate && g.get("burst") != nullptr)
      r_.error(where(g.get("burst")->value), g.child("burst") + ": must be at least the rate");
    if (b.burst < b.rate) b.burst = b.rate;
  };
  bucket("per_address", s.per_address);
  bucket("per_token", s.per_token);
  bucket("per_platform", s.per_platform);
  r_.set(f, "limit_loopback", s.limit_loopback);
  r_.set(f, "metrics_refresh", s.metrics_refresh, 1s);
}

// The hosts of a redis:// or sentinel:// URL ("" for managed and unix://).
std::vector<std::string> redis_hosts(std::string_view url) {
  std::vector<std::string> hosts;
  std::string_view rest;
  for (std::string_view scheme : {"redis://", "sentinel://"})
    if (url.substr(0, scheme.size()) == scheme) rest = url.substr(scheme.size());
  if (rest.empty()) return hosts;
  rest = rest.substr(0, rest.find_first_of("/?"));
  if (auto at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
  while (!rest.empty()) {
    auto item = rest.substr(0, rest.find(','));
    rest.remove_prefix(std::min(rest.size(), item.size() + 1));
    std::string_view host = item;
    if (!host.empty() && host.front() == '[') {
      host = host.substr(1, host.find(']') - 1);
    } else if (auto colon = host.rfind(':'); colon != std::string_view::npos) {
      host = host.substr(0, colon);
    }
    hosts.emplace_back(host);
  }
  return hosts;
}

bool is_loopback_host(std::string_view h) { return h == "localhost" || h == "::1" || h.substr(0, 4) == "127."; }

void parser::redis(const YAML::Node& node) {
  const fields f =
      r_.map(node, "redis",
             {"url", "data_dir", "key_prefix", "server_binary", "command_timeout", "durability", "password_file"});
  redis_settings& s = cfg_.redis;
  if (const entry* e = r_.set(f, "url", s.url)) {
    if (e->value.IsScalar() && !is_redis_url(s.url)) {
      r_.error(where(e->value),
               "redis.url: expected \"managed\", \"redis://host:port/db\", "
               "\"unix:///path/to/socket\" or \"sentinel://h1:26379,h2:26379/name\", got " +
                   quote(s.url));
    }
    // hiredis 0.14 speaks no TLS: everything caseroute stores crosses that hop in clear.
    for (const auto& host : redis_hosts(s.url)) {
      if (!is_loopback_host(host)) {
        r_.warning(where(e->value), "redis.url: " + quote(host) +
                                        " is not loopback and caseroute cannot speak TLS to Redis: case data, "
                                        "tokens' effects and the Redis password cross the network in clear; "
                                        "use a local TLS tunnel (README, \"Security\")");
        break;
      }
    }
  }
  r_.set(f, "data_dir", s.data_dir, false);
  if (const entry* e = f.get("data_dir"); e != nullptr && e->value.IsScalar() && s.data_dir.empty()) {
    r_.error(where(e->value), "redis.data_dir: must not be empty");
  }
  if (const entry* e = r_.set(f, "key_prefix", s.key_prefix)) {
    const bool bad = s.key_prefix.empty() || s.key_prefix.find_first_of("{} \t\r\n") != std::string::npos;
    if (e->value.IsScalar() && bad) {
      r_.error(where(e->value),
               "redis.key_prefix: must be non-empty, without spaces or braces "
               "(the store adds the hash tag), got " +
                   quote(s.key_prefix));
    }
  }
  r_.set(f, "server_binary", s.server_binary, false);
  if (const entry* e = r_.set(f, "password_file", s.password_file, false)) p_.redis_password_file = where(e->value);
  r_.set(f, "command_timeout", s.command_timeout, 1ms);
  if (const entry* e = r_.set(f, "durability", s.durability)) {
    if (e->value.IsScalar() && s.durability != "local" && s.durability != "replicated") {
      r_.error(where(e->value), "redis.durability: expected local or replicated, got " + quote(s.durability));
    }
  }
}

void parser::shifts(const YAML::Node& node) {
  const fields f = r_.free_map(node, "shifts");
  if (!f.is_map) return;
  if (f.entries.empty()) {
    r_.error(f.at, "shifts: define at least one shift, e.g. am: \"08:30-12:00\"");
    return;
  }
  cfg_.shifts.clear();  // given shifts replace the default am/pm
  for (const entry& e : f.entries) {
    shift_names_.insert(e.key);
    if (!is_lower_code(e.key)) {
      r_.error(where(e.key_node), "shifts: bad shift name " + quote(e.key) + " (lowercase letters, digits and _)");
    }
    const auto text = r_.string(e.value, f.child(e.key));
    if (!text) continue;
    std::string why;
    if (const auto w = parse_window(*text, &why)) {
      cfg_.shifts.push_back({e.key, w->start_minute, w->end_minute});
    } else {
      r_.error(where(e.value), f.child(e.key) + ": bad time window " + quote(*text) + ": " + why);
    }
  }
}

void parser::specialties(const YAML::Node& node) {
  const auto items = r_.sequence(node, "specialties");
  if (items.empty() && node.IsDefined() && (node.IsNull() || node.IsSequence())) {
    r_.error(where(node), "specialties: list at least one specialty");
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    const fields f = r_.map(items[i], "specialties[" + std::to_string(i) + "]", {"code", "name"});
    if (!f.is_map) continue;
    specialty s;
    if (const entry* e = r_.set(f, "code", s.code, true); e != nullptr && !s.code.empty()) {
      if (!is_lower_code(s.code)) {
        r_.error(where(e->value), f.child("code") + ": bad code " + quote(s.code) +
                                      " (lowercase letters, digits and _, e.g. exam_stress)");
      }
      if (!specialty_codes_.insert(s.code).second) {
        r_.error(where(e->value), f.child("code") + ": duplicate specialty " + quote(s.code));
      } else {
        specialty_at_[s.code] = where(e->value);
      }
    }
    r_.set(f, "name", s.name);
    if (s.name.empty()) s.name = s.code;
    cfg_.specialties.push_back(std::move(s));
  }
}

void parser::counties(const YAML::Node& node) {
  counties_given_ = true;
  const auto items = r_.sequence(node, "counties");
  std::set<std::string> seen;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const fields f = r_.map(items[i], "counties[" + std::to_string(i) + "]", {"code", "name"});
    if (!f.is_map) continue;
    county c;
    if (const entry* e = r_.set(f, "code", c.code, true); e != nullptr && !c.code.empty()) {
      if (!is_county_code(c.code)) {
        r_.error(where(e->value), f.child("code") + ": a county code has 6 digits, got " + quote(c.code));
      } else if (!seen.insert(c.code).second) {
        r_.error(where(e->value), f.child("code") + ": duplicate county " + quote(c.code));
      }
    }
    r_.set(f, "name", c.name);
    if (c.name.empty()) c.name = c.code;
    cfg_.counties.push_back(std::move(c));
  }
}

void parser::read_id(const fields& f, std::string& target, std::set<std::string>& seen, std::string_view what) {
  const entry* e = r_.set(f, "id", target, true);
  if (e == nullptr || target.empty()) return;
  if (!is_id(target)) {
    r_.error(where(e->value),
             f.child("id") + ": bad id " + quote(target) + " (1-64 of letters, digits, '-', '_' and '.')");
  }
  if (!seen.insert(target).second) {
    r_.error(where(e->value), f.child("id") + ": duplicate " + std::string(what) + " id " + quote(target));
  }
}

void parser::read_token(const fields& f, std::string& target, const std::string& owner) {
  const entry* e = r_.set(f, "token_sha256", target, true);
  if (e == nullptr || target.empty()) return;
  if (!is_sha256_hex(target)) {
    r_.error(where(e->value),
             f.child("token_sha256") + ": expected 64 lowercase hex characters (from `caseroute token new`)");
    return;
  }
  const auto [it, inserted] = token_owner_.emplace(target, owner);
  if (!inserted) {
    r_.error(where(e->value),
             f.child("token_sha256") + ": same token as " + it->second + "; every person needs their own token");
  }
}

void parser::platforms(const YAML::Node& node) {
  const auto items = r_.sequence(node, "platforms");
  for (std::size_t i = 0; i < items.size(); ++i) {
    const fields f =
        r_.map(items[i], "platforms[" + std::to_string(i) + "]", {"id", "secret_file", "callback_url", "callbacks"});
    if (!f.is_map) continue;
    platform p;
    read_id(f, p.id, platform_ids_, "platform");
    const entry* secret = r_.set(f, "secret_file", p.secret_file, true);
    if (const entry* e = r_.set(f, "callback_url", p.callback_url)) {
      const std::string& url = p.callback_url;
      const bool ok = url.empty() || url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
      if (e->value.IsScalar() && !ok) {
        r_.error(where(e->value), f.child("callback_url") + ": expected an http:// or https:// URL, got " + quote(url));
      }
    }
    if (const entry* e = f.get("callbacks")) {
      p.callbacks = cfg_.callbacks;  // unset keys keep the top-level values
      callbacks(e->value, f.child("callbacks"), *p.callbacks);
    }
    cfg_.platforms.push_back(std::move(p));
    p_.platform_secret_files.push_back(secret != nullptr ? where(secret->value) : position{});
  }
}

void parser::counselors(const YAML::Node& node) {
  const auto items = r_.sequence(node, "counselors");
  for (std::size_t i = 0; i < items.size(); ++i) {
    const fields f =
        r_.map(items[i], "counselors[" + std::to_string(i) + "]",
               {"id", "name", "token_sha256", "specialties", "crisis_trained", "capacity", "home_visit_counties"});
    if (!f.is_map) continue;
    counselor c;
    read_id(f, c.id, counselor_ids_, "counselor");
    if (!c.id.empty() && !counselor_at_.count(c.id)) counselor_at_[c.id] = f.at;
    r_.set(f, "name", c.name, true);
    read_token(f, c.token_sha256, "counselor " + c.id);
    const entry* held_entry = f.get("specialties");
    if (const entry* e = held_entry) {
      const fields s = r_.free_map(e->value, f.child("specialties"));
      for (const entry& held : s.entries) {
        if (!specialty_codes_.count(held.key)) {
          r_.error(where(held.key_node),
                   s.path + ": unknown specialty " + quote(held.key) + " (not in the top-level specialties list)");
          continue;
        }
        if (const auto level = r_.integer(held.value, s.child(held.key) + " (proficiency)", 1, 3)) {
          c.specialties[held.key] = static_cast<int>(*level);
        }
      }
    }
    r_.set(f, "crisis_trained", c.crisis_trained);
    r_.set(f, "capacity", c.capacity, 1, 1000);
    if (const entry* e = f.get("home_visit_counties")) {
      const std::string path = f.child("home_visit_counties");
      const auto codes = r_.sequence(e->value, path);
      for (std::size_t k = 0; k < codes.size(); ++k) {
        const std::string item_path = path + "[" + std::to_string(k) + "]";
        const auto code = r_.string(codes[k], item_path);
        if (!code) continue;
        if (!is_county_code(*code)) {
          r_.error(where(codes[k]), item_path + ": a county code has 6 digits, got " + quote(*code));
          continue;
        }
        c.home_visit_counties.push_back(*code);
        home_visits_.push_back({*code, where(codes[k]), item_path});
      }
    }
    // Only when none are listed: listed but invalid ones were reported above.
    if (!c.id.empty() && (held_entry == nullptr || held_entry->value.IsNull() ||
                          (held_entry->value.IsMap() && held_entry->value.size() == 0))) {
      r_.warning(f.at, "counselor " + c.id + " holds no specialty; only escalated cases can reach them");
    }
    cfg_.counselors.push_back(std::move(c));
  }
}

void parser::supervisors(const YAML::Node& node) {
  const auto items = r_.sequence(node, "supervisors");
  for (std::size_t i = 0; i < items.size(); ++i) {
    const fields f = r_.map(items[i], "supervisors[" + std::to_string(i) + "]", {"id", "name", "token_sha256"});
    if (!f.is_map) continue;
    supervisor s;
    read_id(f, s.id, supervisor_ids_, "supervisor");
    r_.set(f, "name", s.name, true);
    read_token(f, s.token_sha256, "supervisor " + s.id);
    cfg_.supervisors.push_back(std::move(s));
  }
}

void parser::viewers(const YAML::Node& node) {
  const auto items = r_.sequence(node, "viewers");
  for (std::size_t i = 0; i < items.size(); ++i) {
    const fields f = r_.map(items[i], "viewers[" + std::to_string(i) + "]", {"id", "name", "token_sha256"});
    if (!f.is_map) continue;
    viewer v;
    read_id(f, v.id, viewer_ids_, "viewer");
    r_.set(f, "name", v.name, true);
    read_token(f, v.token_sha256, "viewer " + v.id);
    cfg_.viewers.push_back(std::move(v));
  }
}

void parser::sessions(const YAML::Node& node) {
  const fields f = r_.map(node, "sessions", {"idle", "lifetime"});
  if (!f.is_map) return;
  r_.set(f, "idle", cfg_.sessions.idle, 1s);
  r_.set(f, "lifetime", cfg_.sessions.lifetime, 1s);
  if (cfg_.sessions.idle > cfg_.sessions.lifetime)
    r_.error(f.at, "sessions.idle: must not be longer than sessions.lifetime");
}

duty parser::read_duty(const YAML::Node& node, const std::string& path) {
  duty out;
  const fields f = r_.free_map(node, path);
  for (const entry& e : f.entries) {
    if (!shift_names_.count(e.key)) {
      std::string known;
      for (const std::string& name : shift_names_) known += (known.empty() ? "" : ", ") + name;
      r_.error(where(e.key_node), path + ": unknown shift " + quote(e.key) + " (defined: " + known + ")");
      continue;
    }
    std::vector<std::string>& ids = out[e.key];
    const std::string list_path = f.child(e.key);
    const auto items = r_.sequence(e.value, list_path);
    for (std::size_t i = 0; i < items.size(); ++i) {
      const std::string item_path = list_path + "[" + std::to_string(i) + "]";
      const auto id = r_.string(items[i], item_path);
      if (!id) continue;
      if (!counselor_ids_.count(*id)) {
        r_.error(where(items[i]), item_path + ": unknown counselor " + quote(*id));
        continue;
      }
      if (std::find(ids.begin(), ids.end(), *id) != ids.end()) {
        r_.warning(where(items[i]), item_path + ": counselor " + *id + " is listed twice");
        continue;
      }
      ids.push_back(*id);
      rostered_.insert(*id);
    }
  }
  return out;
}

void parser::sites(const YAML::Node& node) {
  const auto items = r_.sequence(node, "sites");
  if (items.empty() && node.IsDefined() && (node.IsNull() || node.IsSequence())) {
    r_.error(where(node), "sites: list at least one site");
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    const fields f =
        r_.map(items[i], "sites[" + std::to_string(i) + "]", {"id", "name", "county", "roster", "exceptions"});
    if (!f.is_map) continue;
    site s;
    read_id(f, s.id, site_ids_, "site");
    r_.set(f, "name", s.name, true);
    if (const entry* e = r_.set(f, "county", s.county, true); e != nullptr && !s.county.empty()) {
      if (!is_county_code(s.county)) {
        r_.error(where(e->value), f.child("county") + ": a county code has 6 digits, got " + quote(s.county));
      } else if (counties_given_ && !cfg_.has_county(s.county)) {
        r_.error(where(e->value),
                 f.child("county") + ": county " + s.county + " is not in the top-level counties list");
      }
    }
    int half_days = 0;  // weekly (weekday, shift) slots with someone on duty
    if (const entry* e = f.get("roster")) {
      const fields days = r_.free_map(e->value, f.child("roster"));
      for (const entry& day : days.entries) {
        const auto* it = std::find(std::begin(weekdays), std::end(weekdays), day.key);
        if (it == std::end(weekdays)) {
          r_.error(where(day.key_node),
                   days.path + ": unknown weekday " + quote(day.key) + " (valid: mon tue wed thu fri sat sun)");
          continue;
        }
        duty& d = s.roster[static_cast<std::size_t>(it - std::begin(weekdays))];
        d = read_duty(day.value, days.child(day.key));
        for (const auto& [shift_name, ids] : d) half_days += ids.empty() ? 0 : 1;
      }
    }
    if (const entry* e = f.get("exceptions")) {
      const fields dates = r_.free_map(e->value, f.child("exceptions"));
      for (const entry& date : dates.entries) {
        if (!is_date(date.key)) {
          r_.error(where(date.key_node),
                   dates.path + ": bad exception date " + quote(date.key) + " (expected a real date YYYY-MM-DD)");
          continue;
        }
        s.exceptions[date.key] = read_duty(date.value, dates.child(date.key));
      }
    }
    if (!s.id.empty() && half_days < 4) {
      r_.warning(f.at, "site " + s.id + " is staffed " + std::to_string(half_days) +
                           " half-days (shift slots) a week; the standard is at least 4");
    }
    cfg_.sites.push_back(std::move(s));
  }
}

void parser::routing(const YAML::Node& node) {
  const fields f =
      r_.map(node, "routing",
             {"offer_timeout", "crisis_offer_timeout", "aging_minutes_per_point", "escalation", "continuity_days",
              "tick", "continuity_wait", "max_missed_offers", "wrap_up", "crisis_wrap_up", "max_crisis_per_shift"});
  routing_settings& s = cfg_.routing;
  r_.set(f, "offer_timeout", s.offer_timeout, 1s);
  r_.set(f, "crisis_offer_timeout", s.crisis_offer_timeout, 1s);
  r_.set(f, "aging_minutes_per_point", s.aging_minutes_per_point, 1, 1'000'000);
  r_.set(f, "continuity_days", s.continuity_days, 0, 36'500);
  r_.set(f, "tick", s.tick, 10ms);
  r_.set(f, "continuity_wait", s.continuity_wait, 0s);
  r_.set(f, "max_missed_offers", s.max_missed_offers, 0, 1'000);
  r_.set(f, "wrap_up", s.wrap_up, 0s);
  r_.set(f, "crisis_wrap_up", s.crisis_wrap_up, 0s);
  r_.set(f, "max_crisis_per_shift", s.max_crisis_per_shift, 0, 1'000);
  if (const entry* e = f.get("escalation")) {
    const fields x = r_.map(e->value, "routing.escalation", {"crisis", "high", "medium", "low"});
    r_.set(x, "crisis", s.escalation.crisis, 1s);
    r_.set(x, "high", s.escalation.high, 1s);
    r_.set(x, "medium", s.escalation.medium, 1s);
    r_.set(x, "low", s.escalation.low, 1s);
  }
}

void parser::privacy(const YAML::Node& node) {
  const fields f = r_.map(node, "privacy",
                          {"encryption_key_file", "retention_days", "retention", "audit_retention",
                           "previous_encryption_key_files", "summary_in_offers"});
  if (const entry* e = r_.set(f, "encryption_key_file", cfg_.privacy.encryption_key_file, true)) {
    p_.encryption_key_file = where(e->value);
  }
  if (const entry* e = f.get("previous_encryption_key_files")) {
    const std::string path = f.child("previous_encryption_key_files");
    const auto items = r_.sequence(e->value, path);
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (auto name = r_.string(items[i], path + "[" + std::to_string(i) + "]")) {
        cfg_.privacy.previous_encryption_key_files.push_back(*name);
        p_.previous_encryption_key_files.push_back(where(items[i]));
      }
    }
  }
  r_.set(f, "summary_in_offers", cfg_.privacy.summary_in_offers);
  r_.set(f, "retention_days", cfg_.privacy.retention_days, 1, 36'500);
  if (const entry* e = f.get("retention")) {
    if (auto v = r_.duration(e->value, f.child("retention"), 1s)) cfg_.privacy.retention = *v;
  }
  // Who read a case must be answerable for as long as the case exists.
  if (const entry* e = f.get("audit_retention")) {
    if (auto v = r_.duration(e->value, f.child("audit_retention"), 1s)) {
      cfg_.privacy.audit_retention = *v;
      if (*v <= cfg_.privacy.case_retention())
        r_.error(where(e->value), f.child("audit_retention") +
                                      ": must be longer than the case retention (retention_days or retention): "
                                      "the access log outlives the cases it tells about");
    }
  }
}

void parser::callbacks(const YAML::Node& node, const std::string& path, callback_settings& s) {
  const fields f = r_.map(node, path, {"max_attempts", "initial_backoff", "max_backoff", "timeout"});
  r_.set(f, "max_attempts", s.max_attempts, 1, 1000);
  r_.set(f, "initial_backoff", s.initial_backoff, 10ms);
  r_.set(f, "max_backoff", s.max_backoff, 10ms);
  r_.set(f, "timeout", s.timeout, 100ms);
  if (f.is_map && s.max_backoff < s.initial_backoff)
    r_.error(f.at, path + ".max_backoff: must not be shorter than initial_backoff");
}

void parser::log(const YAML::Node& node) {
  const fields f = r_.map(node, "log", {"level", "format"});
  log_settings& s = cfg_.log;
  if (const entry* e = r_.set(f, "level", s.level)) {
    static const std::set<std::string> levels = {"trace", "debug", "info", "warn", "error"};
    if (e->value.IsScalar() && !levels.count(s.level)) {
      r_.error(where(e->value), "log.level: expected trace, debug, info, warn or error, got " + quote(s.level));
    }
  }
  if (const entry* e = r_.set(f, "format", s.format)) {
    if (e->value.IsScalar() && s.format != "json" && s.format != "text") {
      r_.error(where(e->value), "log.format: expected json or text, got " + quote(s.format));
    }
  }
}

// Checks that need every section read, and the warnings.
void parser::live(const YAML::Node& node) {
  const fields f = r_.map(
      node, "live", {"feed_length", "recheck", "max_waiting_per_caller", "max_waiting", "stream_buffer", "heartbeat"});
  live_settings& s = cfg_.live;
  r_.set(f, "feed_length", s.feed_length, 1000, 100'000'000);
  r_.set(f, "recheck", s.recheck, 1s);
  r_.set(f, "max_waiting_per_caller", s.max_waiting_per_caller, 1, 1000);
  if (const entry* e = r_.set(f, "max_waiting", s.max_waiting, 0, 1'000'000)) {
    if (e->value.IsScalar() && s.max_waiting >= cfg_.server.max_connections) {
      r_.error(where(e->value), "live.max_waiting: must be below server.max_connections (" +
                                    std::to_string(cfg_.server.max_connections) +
                                    "), so platform intake always has room");
    }
  }
  r_.set(f, "stream_buffer", s.stream_buffer, 16, 1'000'000);
  r_.set(f, "heartbeat", s.heartbeat, 1s);
}

void parser::finish() {
  if (!counties_given_) {
    for (const site& s : cfg_.sites) {
      if (is_county_code(s.county) && !cfg_.has_county(s.county)) {
        cfg_.counties.push_back({s.county, s.county});
      }
    }
  }
  for (const reference& ref : home_visits_) {
    if (!cfg_.has_county(ref.value)) {
      r_.error(ref.at, ref.path + ": county " + ref.value +
                           (counties_given_ ? " is not in the top-level counties list"
                                            : " has no site (and no counties list is given)"));
    }
  }
  for (const counselor& c : cfg_.counselors) {
    const auto at = counselor_at_.find(c.id);
    if (!c.id.empty() && !rostered_.count(c.id) && at != counselor_at_.end()) {
      r_.warning(at->second, "counselor " + c.id + " is on no site's roster; they are never on duty");
    }
  }
  std::set<std::string> held;
  for (const counselor& c : cfg_.counselors) {
    for (const auto& [code, level] : c.specialties) held.insert(code);
  }
  for (const auto& [code, at] : specialty_at_) {
    if (!held.count(code)) r_.warning(at, "specialty " + code + " is held by no counselor");
  }
  if (cfg_.platforms.empty()) {
    r_.warning({}, "no platforms are configured: no referral can arrive");
  }
  cfg_.build_indexes();
}

}  // namespace

void sort_problems(load_result& r) {
  const auto by_position = [](const problem& a, const problem& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  };
  std::stable_sort(r.errors.begin(), r.errors.end(), by_position);
  std::stable_sort(r.warnings.begin(), r.warnings.end(), by_position);
}

parsed parse(std::string_view yaml_text) {
  parsed p;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    const position at{e.mark.line >= 0 ? e.mark.line + 1 : 0, e.mark.column >= 0 ? e.mark.column + 1 : 0};
    p.result.errors.push_back({at.line, at.column, "YAML syntax error: " + e.msg});
    return p;
  }
  try {
    parser(p).run(root);
  } catch (const std::exception& e) {
    // The reader converts by hand, so this is a bug; still, never crash on input.
    p.result.errors.push_back({0, 0, std::string("internal error while reading the config: ") + e.what()});
  }
  sort_problems(p.result);
  if (p.result.errors.empty()) p.result.cfg = p.partial;
  return p;
}

}  // namespace caseroute::config::detail

namespace caseroute::config {

load_result parse_config(std::string_view yaml_text) { return detail::parse(yaml_text).result; }

}  // namespace caseroute::config
