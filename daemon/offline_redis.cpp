// The Redis a config names (offline_redis.hpp).
#include "offline_redis.hpp"

#include <iostream>

#include "config/loader.hpp"
#include "host/managed_redis.hpp"

namespace caseroute {

std::optional<store::endpoint> redis_endpoint(const config::config& cfg) {
  if (cfg.redis.url == "managed") {
    store::endpoint ep;
    ep.unix_socket = host::managed_redis::socket_path_for(cfg.redis.data_dir);
    return ep;
  }
  if (auto parsed = store::parse_redis_url(cfg.redis.url)) return *parsed;
  return std::nullopt;
}

std::optional<offline_store> open_offline_store(const std::string& config_path) {
  auto loaded = config::load_config(config_path);
  if (!loaded.cfg) {
    std::cerr << config::format_problems(config_path, loaded);
    return std::nullopt;
  }
  auto seal = store::sealer::from_key(loaded.cfg->privacy.encryption_key);
  if (!seal) return std::nullopt;
  for (const auto& previous : loaded.cfg->privacy.previous_encryption_keys) (void)seal->add_previous(previous);
  const auto found = redis_endpoint(*loaded.cfg);
  if (!found) {
    std::cerr << "redis.url: cannot parse \"" << loaded.cfg->redis.url << "\"\n";
    return std::nullopt;
  }
  return offline_store{std::move(*loaded.cfg), std::move(*seal), *found};
}

}  // namespace caseroute
