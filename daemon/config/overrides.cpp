// Command-line and environment overrides of the config file.
#include "config/overrides.hpp"

#include "config/formats.hpp"

namespace caseroute::config {

void add_environment(overrides& o, const std::function<const char*(const char*)>& getenv) {
  const auto fill = [&](std::optional<std::string>& field, const char* name) {
    if (field) return;
    const char* v = getenv(name);
    if (v != nullptr && *v != '\0') field = v;
  };
  fill(o.listen, "CASEROUTE_LISTEN");
  fill(o.redis_url, "CASEROUTE_REDIS_URL");
  fill(o.log_level, "CASEROUTE_LOG_LEVEL");
}

void apply(config& cfg, const overrides& o) {
  if (o.listen) cfg.server.listen = *o.listen;
  if (o.redis_url) cfg.redis.url = *o.redis_url;
  if (o.data_dir) cfg.redis.data_dir = *o.data_dir;
  if (o.log_level) cfg.log.level = *o.log_level;
}

std::string check(const overrides& o) {
  if (o.log_level && *o.log_level != "trace" && *o.log_level != "debug" && *o.log_level != "info" &&
      *o.log_level != "warn" && *o.log_level != "error")
    return "log level: expected trace, debug, info, warn or error, got \"" + *o.log_level + "\"";
  if (o.listen && !is_listen(*o.listen)) return "listen: expected host:port, got \"" + *o.listen + "\"";
  if (o.redis_url && !is_redis_url(*o.redis_url))
    return "redis url: expected managed, redis://host:port/db, unix:///path or sentinel://h1:26379,h2:26379/name, "
           "got \"" +
           *o.redis_url + "\"";
  return {};
}

}  // namespace caseroute::config
