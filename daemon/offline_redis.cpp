// The Redis a config names (offline_redis.hpp).
#include "offline_redis.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <iostream>

#include "config/loader.hpp"

namespace caseroute {

namespace {

namespace asio = boost::asio;

// The probe's on_connect: the link is up, unauthenticated and on db 0 (see
// probe_redis); one AUTH or PING tells, then the probe ends.
asio::awaitable<boost::system::result<void>> authenticate(store::redis_connection& redis, store::endpoint ep,
                                                          redis_probe& out) {
  std::vector<std::string> argv = store::command("PING");
  if (!ep.password.empty()) {
    argv = store::command("AUTH");
    if (!ep.username.empty()) argv.push_back(ep.username);
    argv.push_back(ep.password);
  }
  auto r = co_await redis.exec(std::move(argv));
  if (r) {
    // Without a password only NOAUTH is about it (LOADING, say, is not);
    // with one, every error is AUTH's, as the daemon's link reads it.
    const bool refused = r->is_error() && (!ep.password.empty() || r->str.rfind("NOAUTH", 0) == 0);
    out.found = refused ? redis_probe::outcome::auth_failed : redis_probe::outcome::answered;
    if (refused) out.error = r->str;
  }
  redis.stop();  // drops the link before run() counts it as connected
  co_return boost::system::result<void>();
}

}  // namespace

redis_probe probe_redis(const store::endpoint& ep, std::chrono::milliseconds within) {
  redis_probe out;
  if (ep.via_sentinel()) {
    out.found = redis_probe::outcome::answered;
    return out;
  }
  // The link itself neither AUTHs nor SELECTs (that would fail and retry
  // quietly in the log): authenticate() does, and reads the answer.
  store::endpoint bare = ep;
  bare.password.clear();
  bare.username.clear();
  bare.db = 0;
  asio::io_context io;
  store::redis_connection redis(io, bare, within);
  redis.on_connect = [&redis, &ep, &out] { return authenticate(redis, ep, out); };
  asio::co_spawn(io, redis.run(), asio::detached);
  io.run_for(within);
  redis.stop();  // unreachable: end the retries
  io.run_for(within);
  return out;
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
  // A refused password is said once, at once; an unreachable Redis is left to
  // the command, which waits for it.
  const auto probed = probe_redis(*found, std::chrono::seconds(2));
  if (probed.found == redis_probe::outcome::auth_failed) {
    std::cerr << "redis: authentication failed (redis.password): " << probed.error
              << (found->password.empty() ? " (the config gives no redis.password_file)" : "") << '\n';
    return std::nullopt;
  }
  return offline_store{std::move(*loaded.cfg), std::move(*seal), *found};
}

}  // namespace caseroute
