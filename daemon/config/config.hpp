// The configuration as plain structs with their defaults (config/example.yaml
// documents every key).
// Standard library only: schedule/ and routing/ read these values directly.
// Secrets are loaded from their files by the loader; the YAML never holds them.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace caseroute::config {

using namespace std::chrono_literals;

// HTTPS on the listener (TLS 1.2 and 1.3). The files are read at start and
// again on SIGHUP; a client_ca_file makes the server ask for a client
// certificate, which platform requests must then present.
struct tls_settings {
  std::string cert_file;       // PEM, the chain: the server certificate first
  std::string key_file;        // PEM private key
  std::string client_ca_file;  // PEM CAs that sign platform client certificates; "" = none asked
};

struct server_settings {
  std::string listen = "127.0.0.1:8355";
  std::size_t max_body_bytes = 65536;
  std::size_t max_header_bytes = 16384;
  std::chrono::seconds read_timeout = 30s;    // the body, and an idle keep-alive connection
  std::chrono::seconds header_timeout = 10s;  // from a request's first byte to its last header line
  std::chrono::seconds shutdown_grace = 10s;  // SIGTERM: drain in-flight requests
  std::size_t max_connections = 1024;
  // Connections open at once from one remote address; 0 = no cap (behind a
  // proxy every client shares its address).
  std::size_t max_connections_per_address = 128;
  std::optional<tls_settings> tls;
  // The console's own origin ("https://caseroute.example.cn"): state-changing
  // requests authenticated by a session cookie must carry it in Origin. "" =
  // the request's Host with the listener's scheme (docs/API.md, "Sessions and
  // the console").
  std::string public_origin;
};

// Browser sessions (docs/API.md, "Sessions and the console"): a session ends
// after `idle` without a request, and `lifetime` after sign-in at the latest.
struct session_settings {
  std::chrono::seconds idle = 30min;
  std::chrono::seconds lifetime = 12h;
};

// Token buckets (docs/API.md, "Rate limits"): `rate` requests per second on
// average, bursts of `burst`; over it the answer is 429 with Retry-After.
// A rate of 0 turns that limit off.
struct bucket_settings {
  std::int64_t rate = 0;
  std::int64_t burst = 0;
};

struct limit_settings {
  bucket_settings per_address{50, 200};       // every request, by remote address
  bucket_settings per_token{500, 2000};       // counselor and supervisor requests, by principal
  bucket_settings per_platform{5000, 20000};  // signed platform requests, by platform id
  // Whether per_address counts loopback clients too (127.0.0.0/8, ::1): a
  // proxy, a sidecar or the operator's own tools on the host, which are
  // limited per token and platform instead. Default false.
  bool limit_loopback = false;
  // Refresh of the gauges GET /metrics reads from Redis (cases by state, by risk).
  std::chrono::seconds metrics_refresh = 5s;
};

struct redis_settings {
  // "managed" (a private redis-server in data_dir), "redis://host:port/db"
  // or "sentinel://h1:26379,h2:26379/name".
  std::string url = "managed";
  std::string data_dir = "var/redis";
  std::string key_prefix = "cr:default";
  std::string server_binary = "redis-server";  // for url: managed
  std::chrono::milliseconds command_timeout = 5000ms;
  // "local": a write is acknowledged once the Redis it was sent to has it.
  // "replicated": also once one replica has it (WAIT 1) — for Sentinel setups.
  std::string durability = "local";
  // A file holding the Redis password (e.g. a systemd credential or a
  // Kubernetes Secret), so it never sits in redis.url; it must not be
  // readable by group or others. Overrides a password inside redis.url.
  std::string password_file;
  std::string password;  // file contents, loaded by the loader (trailing newline trimmed)
};

// A named daily window [start, end) in minutes after local midnight; end <= 1440.
struct shift {
  std::string name;
  int start_minute = 0;
  int end_minute = 0;
};

struct specialty {
  std::string code;
  std::string name;
};

struct county {
  std::string code;  // six digits
  std::string name;
};

// Status callbacks (docs/API.md, "Status callbacks"): each failed POST is retried after a random
// delay in [0, min(max_backoff, initial_backoff * 2^attempts)] (full jitter);
// after max_attempts the callback is parked for supervisors.
struct callback_settings {
  int max_attempts = 12;
  std::chrono::milliseconds initial_backoff = 1000ms;
  std::chrono::milliseconds max_backoff = 600000ms;
  std::chrono::milliseconds timeout = 10000ms;  // per POST: connect, send, answer
};

struct platform {
  std::string id;
  std::string secret_file;
  std::string secret;  // file contents, loaded by the loader (trailing newline trimmed)
  std::string callback_url;
  std::optional<callback_settings> callbacks;  // overrides the top-level callbacks
};

struct counselor {
  std::string id;
  std::string name;
  std::string token_sha256;                // lowercase hex
  std::map<std::string, int> specialties;  // code -> proficiency 1..3
  bool crisis_trained = false;
  int capacity = 3;
  std::vector<std::string> home_visit_counties;
};

struct supervisor {
  std::string id;
  std::string name;
  std::string token_sha256;
};

// Read-only: every supervisor GET route (sealed fields never opened), nothing
// that changes state.
struct viewer {
  std::string id;
  std::string name;
  std::string token_sha256;
};

// shift name -> counselor ids on duty at a site in that shift.
using duty = std::map<std::string, std::vector<std::string>>;

struct site {
  std::string id;
  std::string name;
  std::string county;
  std::array<duty, 7> roster;  // index 0 = Monday ... 6 = Sunday
  // "YYYY-MM-DD" -> the shifts listed replace that day's weekly roster for
  // those shifts (an empty list closes the shift); unlisted shifts keep it.
  std::map<std::string, duty> exceptions;
};

struct escalation_limits {
  std::chrono::seconds crisis = 2min;
  std::chrono::seconds high = 30min;
  std::chrono::seconds medium = 4h;
  std::chrono::seconds low = 24h;
};

struct routing_settings {
  std::chrono::seconds offer_timeout = 60s;
  std::chrono::seconds crisis_offer_timeout = 30s;
  int aging_minutes_per_point = 5;
  escalation_limits escalation;
  int continuity_days = 90;
  // How far back a resolved or held case ties a youth to a counselor.
  std::chrono::hours continuity_window() const { return std::chrono::hours(24) * continuity_days; }
  std::chrono::milliseconds tick = 1000ms;
  // A RISK_LOW/MEDIUM case may wait this long (from when it was queued) for
  // its continuity counselor's next shift; 0 = never wait.
  std::chrono::seconds continuity_wait = 0s;
  // Consecutive expired offers after which a counselor is signed out; 0 = never.
  int max_missed_offers = 3;
  // No new offer to a counselor this long after they resolve a case, or
  // after they resolve a RISK_CRISIS case.
  std::chrono::seconds wrap_up = 0s;
  std::chrono::seconds crisis_wrap_up = 10min;
  // RISK_CRISIS cases a counselor takes per shift; 0 = unlimited.
  int max_crisis_per_shift = 0;
};

struct privacy_settings {
  std::string encryption_key_file;
  std::string encryption_key;  // 32 raw bytes, loaded by the loader
  // Master keys being rotated away from: they still unwrap case keys until
  // `caseroute key rotate` has rewrapped everything (docs/ARCHITECTURE.md).
  std::vector<std::string> previous_encryption_key_files;
  std::vector<std::string> previous_encryption_keys;  // 32 raw bytes each, loaded by the loader
  // Offers show the summary before anyone accepts (contact never).
  bool summary_in_offers = false;
  int retention_days = 365;
  // For tests and soaks: when set, overrides retention_days (e.g. "10m").
  std::optional<std::chrono::milliseconds> retention;
  // How long an entry of the access log of sealed data is kept; longer than
  // a case (the loader refuses less). Unset: the case retention plus 365 days.
  std::optional<std::chrono::milliseconds> audit_retention;

  // How long a closed case is kept: retention when set, else retention_days.
  std::chrono::milliseconds case_retention() const {
    return retention ? *retention : std::chrono::milliseconds(std::chrono::hours(24) * retention_days);
  }
  std::chrono::milliseconds audit_retention_period() const {
    return audit_retention ? *audit_retention : case_retention() + std::chrono::hours(24) * 365;
  }
};

// Push: the change feed every replica follows, long polls and event streams.
struct live_settings {
  std::int64_t feed_length = 100000;       // entries the Redis Stream keeps (retention trims it)
  std::chrono::seconds recheck = 30s;      // a waiting long poll re-reads Redis at least this often
  std::size_t max_waiting_per_caller = 4;  // long polls + event streams at once per token; more: 429
  std::size_t max_waiting = 0;             // in total; 0 = half of server.max_connections
  std::size_t stream_buffer = 1024;        // events queued for one slow stream before it is cut
  std::chrono::seconds heartbeat = 15s;    // a comment line on an idle event stream

  // The total cap on waiting requests, below max_connections so intake always has room.
  std::size_t waiting_limit(std::size_t max_connections) const {
    return max_waiting > 0 ? max_waiting : std::max<std::size_t>(1, max_connections / 2);
  }
};

struct log_settings {
  std::string level = "info";   // trace, debug, info, warn, error
  std::string format = "json";  // json or text
};

struct config {
  server_settings server;
  redis_settings redis;
  std::string timezone = "Asia/Shanghai";
  std::vector<shift> shifts = {{"am", 8 * 60 + 30, 12 * 60}, {"pm", 14 * 60 + 30, 18 * 60}};
  std::vector<specialty> specialties;
  std::vector<county> counties;  // defaults to the counties of the sites
  std::vector<platform> platforms;
  std::vector<counselor> counselors;
  std::vector<supervisor> supervisors;
  std::vector<viewer> viewers;
  std::vector<site> sites;
  routing_settings routing;
  privacy_settings privacy;
  log_settings log;
  callback_settings callbacks;
  live_settings live;
  limit_settings limits;
  session_settings sessions;

  // Look-ups by id; nullptr when absent. Counselors through counselor_index:
  // a province rosters ten thousand, and the queue view, the gauges and the
  // coverage check look up each one on duty (a scan per look-up: over 0.1 s in all,
  // bench/config_bench.cpp). The other lists are short and scanned.
  const counselor* find_counselor(const std::string& id) const;
  const supervisor* find_supervisor(const std::string& id) const;
  const viewer* find_viewer(const std::string& id) const;
  const platform* find_platform(const std::string& id) const;
  const site* find_site(const std::string& id) const;
  bool has_specialty(const std::string& code) const;
  bool has_county(const std::string& code) const;

  // Where each configured token digest is: authentication looks a token up
  // here instead of comparing it with everyone's (ten thousand counselors
  // would cost every request milliseconds, and an unknown token the most).
  // Built by build_indexes(), which the loader calls.
  enum class token_role { counselor, supervisor, viewer };
  struct token_holder {
    token_role role;
    std::size_t at;  // position in counselors, supervisors or viewers
  };
  std::unordered_map<std::string, token_holder> token_index;
  // Each counselor's position in counselors, by id (build_indexes()). A hint
  // find_counselor() checks: a position that no longer holds the id, or an
  // id not in it (never built, edited since, or absent), is answered by a scan.
  std::unordered_map<std::string, std::size_t> counselor_index;
  void build_indexes();
  // The holder of `digest` (lowercase hex), nullopt when nobody holds it.
  // An index never built is answered by a scan; a stale one never names the
  // wrong person (a position that no longer holds the digest is answered by
  // a scan), but a digest added since is found only once it is rebuilt.
  std::optional<token_holder> find_token(std::string_view digest) const;
};

}  // namespace caseroute::config
