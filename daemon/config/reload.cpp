// The restart-only fields of the config, one line each: adding a field that
// a part of the daemon copies at start means adding it here.
#include "config/reload.hpp"

namespace caseroute::config {
namespace {

template <class T>
void keep(T& next, const T& running, const char* name, std::vector<std::string>& kept) {
  if (next == running) return;
  next = running;
  kept.emplace_back(name);
}

bool same_tls(const std::optional<tls_settings>& a, const std::optional<tls_settings>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->cert_file == b->cert_file && a->key_file == b->key_file);
}

}  // namespace

std::vector<std::string> keep_restart_only(config& next, const config& running) {
  std::vector<std::string> kept;
  // The listener: its socket and the limits it copied when it started.
  keep(next.server.listen, running.server.listen, "server.listen", kept);
  keep(next.server.max_body_bytes, running.server.max_body_bytes, "server.max_body_bytes", kept);
  keep(next.server.max_header_bytes, running.server.max_header_bytes, "server.max_header_bytes", kept);
  keep(next.server.read_timeout, running.server.read_timeout, "server.read_timeout", kept);
  keep(next.server.max_connections, running.server.max_connections, "server.max_connections", kept);
  if (!same_tls(next.server.tls, running.server.tls)) {
    next.server.tls = running.server.tls;
    kept.emplace_back("server.tls");
  }
  // The Redis connections, the managed redis-server and the key layout.
  keep(next.redis.url, running.redis.url, "redis.url", kept);
  keep(next.redis.data_dir, running.redis.data_dir, "redis.data_dir", kept);
  keep(next.redis.key_prefix, running.redis.key_prefix, "redis.key_prefix", kept);
  keep(next.redis.server_binary, running.redis.server_binary, "redis.server_binary", kept);
  keep(next.redis.command_timeout, running.redis.command_timeout, "redis.command_timeout", kept);
  if (next.redis.password != running.redis.password || next.redis.password_file != running.redis.password_file) {
    next.redis.password = running.redis.password;
    next.redis.password_file = running.redis.password_file;
    kept.emplace_back("redis.password_file");
  }
  // The sealer holds the data key; another file with the same key is fine.
  if (next.privacy.encryption_key != running.privacy.encryption_key) {
    next.privacy.encryption_key = running.privacy.encryption_key;
    next.privacy.encryption_key_file = running.privacy.encryption_key_file;
    kept.emplace_back("privacy.encryption_key_file");
  }
  return kept;
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

}  // namespace caseroute::config
