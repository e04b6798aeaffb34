// The Redis a config names (offline_redis.hpp).
#include "offline_redis.hpp"

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

}  // namespace caseroute
