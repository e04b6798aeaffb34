// `caseroute key rotate` (key_rotate.hpp): the command-line side of
// store/rotation.hpp, on its own io_context with a deadline.
#include "key_rotate.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <iostream>
#include <optional>

#include "offline_redis.hpp"
#include "store/errors.hpp"
#include "store/rotation.hpp"

namespace caseroute {

namespace {

namespace asio = boost::asio;

asio::awaitable<void> rotate(store::redis_connection& redis, const config::config& cfg, store::sealer seal,
                             std::optional<boost::system::result<store::rotation_report>>& out) {
  // The link comes up in the background: wait for it, at most 10 s.
  asio::steady_timer t(co_await asio::this_coro::executor);
  for (int waited = 0; !redis.connected() && waited < 1000; ++waited) {
    t.expires_after(std::chrono::milliseconds(10));
    co_await t.async_wait(asio::use_awaitable);
  }
  if (!redis.connected()) {
    out = boost::system::result<store::rotation_report>(boost::system::in_place_error,
                                                        make_error_code(store::error::unavailable));
  } else {
    out = co_await store::rotate_keys(redis, store::keys(cfg.redis.key_prefix), std::move(seal));
  }
  redis.stop();
}

}  // namespace

int run_key_rotate(const std::string& config_path) {
  auto opened = open_offline_store(config_path);
  if (!opened) return 2;
  const auto& cfg = opened->cfg;
  const store::sealer& seal = opened->seal;
  const store::endpoint& ep = opened->endpoint;
  asio::io_context io;
  store::redis_connection redis(io, ep, cfg.redis.command_timeout);
  std::optional<boost::system::result<store::rotation_report>> out;
  asio::co_spawn(io, redis.run(), asio::detached);
  asio::co_spawn(io, rotate(redis, cfg, seal, out), asio::detached);
  io.run_for(std::chrono::hours(1));
  if (!out || !*out) {
    std::cerr << "key rotate: "
              << (out && out->error() == store::error::bad_config
                      ? "the keyring was wrapped by a master key that is not configured: list the old key "
                        "under privacy.previous_encryption_key_files"
                      : "Redis failed or is unreachable; nothing is lost, run it again")
              << '\n';
    return 1;
  }
  const auto& r = **out;
  std::cout << "master key " << seal.key_id() << ": " << r.cases << " cases, " << r.rewrapped << " rewrapped, "
            << r.migrated << " migrated from the old format, " << r.already << " current already, " << r.failed
            << " not openable; keyring " << (r.keyring_rewrapped ? "rewrapped" : "current") << "; "
            << r.youth_keys_renamed << " continuity sets keyed\n";
  if (r.failed > 0) {
    std::cout << "some cases could not be opened with the configured keys: keep the previous keys configured\n";
    return 1;
  }
  std::cout << "done: every case is wrapped by " << seal.key_id()
            << "; the previous keys can be removed from the config (docs/ARCHITECTURE.md)\n";
  return 0;
}

}  // namespace caseroute
