// The --check-config side of store/duty_store.hpp: one HGETALL on its own
// io_context, a second to connect and a second to answer.
#include "duty_check.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <optional>

#include "log/log.hpp"
#include "offline_redis.hpp"
#include "schedule/schedule.hpp"
#include "store/duty_store.hpp"

namespace caseroute {

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

asio::awaitable<void> read_stored(store::redis_connection& redis, store::keys keys,
                                  std::optional<boost::system::result<schedule::stored_exceptions>>& out) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  for (int waited = 0; !redis.connected() && waited < 100; ++waited) {
    t.expires_after(10ms);
    co_await t.async_wait(asio::use_awaitable);
  }
  if (redis.connected()) {
    store::duty_store duty(redis, std::move(keys));
    out = co_await duty.exceptions();
  }
  redis.stop();
}

}  // namespace

void check_stored_exceptions(const config::config& cfg, const std::string& path, std::ostream& out) {
  // A Redis that does not answer is the note below, not a page of warnings.
  log::configure("error", "text");
  const auto found = redis_endpoint(cfg);
  if (!found) {
    out << path << ": note: stored exceptions were not checked (redis.url does not parse)\n";
    return;
  }
  const store::endpoint& ep = *found;
  const auto probed = probe_redis(ep, 1000ms);
  if (probed.found == redis_probe::outcome::auth_failed) {
    out << path
        << ": note: stored exceptions were not checked (redis: authentication failed (redis.password): " << probed.error
        << ")\n";
    return;
  }
  std::optional<boost::system::result<schedule::stored_exceptions>> stored;
  {
    asio::io_context io;
    store::redis_connection redis(io, ep, 1000ms);
    asio::co_spawn(io, redis.run(), asio::detached);
    asio::co_spawn(io, read_stored(redis, store::keys(cfg.redis.key_prefix), stored), asio::detached);
    io.run_for(3s);
  }
  if (!stored || !*stored) {
    out << path << ": note: stored exceptions were not checked (Redis at " << cfg.redis.url
        << " not reachable within a second)\n";
    return;
  }
  const schedule::roster roster(cfg);
  const auto today = roster.local_date(caseroute::now());
  const auto lines = schedule::stored_disagreements(cfg, **stored, today);
  for (const auto& line : lines) out << path << ": warning: " << line << '\n';
  std::size_t count = 0;
  for (const auto& [site, dates] : **stored)
    for (const auto& [date, duty] : dates) count += date >= today ? 1 : 0;
  out << path << ": stored exceptions checked: " << count << " from today on, " << lines.size()
      << " disagreeing with the file\n";
}

}  // namespace caseroute
