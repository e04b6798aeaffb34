// check_server: refuse a Redis that may evict keys (an evicted case is a lost
// case). Reads maxmemory-policy with CONFIG GET, or from INFO memory when
// CONFIG is renamed or disabled.
#include <string_view>

#include "log/log.hpp"
#include "store/case_store.hpp"

namespace caseroute::store {

namespace {

// The value of "name:value" in INFO output ("" when absent).
std::string info_field(std::string_view info, std::string_view name) {
  std::size_t pos = 0;
  while (pos < info.size()) {
    auto end = info.find('\n', pos);
    if (end == std::string_view::npos) end = info.size();
    std::string_view line = info.substr(pos, end - pos);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.starts_with(name) && line.size() > name.size() && line[name.size()] == ':')
      return std::string(line.substr(name.size() + 1));
    pos = end + 1;
  }
  return {};
}

}  // namespace

asio::awaitable<result<void>> check_server(redis_connection& redis) {
  std::string policy;
  auto r = co_await redis.exec(command("CONFIG", "GET", "maxmemory-policy"));
  if (!r) co_return r.error();
  if (!r->is_error() && r->type == reply::kind::array && r->elements.size() == 2) {
    policy = r->elements[1].str;
  } else {
    auto info = co_await redis.exec(command("INFO", "memory"));
    if (!info) co_return info.error();
    if (info->is_error()) co_return make_error_code(error::redis_error);
    policy = info_field(info->str, "maxmemory_policy");
  }
  if (policy != "noeviction") {
    log::error("redis.bad_config",
               {{"maxmemory_policy", policy.empty() ? "unknown" : policy}, {"required", "noeviction"}});
    co_return make_error_code(error::bad_config);
  }
  co_return result<void>();
}

}  // namespace caseroute::store
