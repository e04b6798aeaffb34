// The command-line side of reports/recount.hpp, on its own io_context with a
// deadline, connected like `caseroute key rotate` (key_rotate.cpp).
#include "reports/command.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <iostream>
#include <optional>

#include "offline_redis.hpp"
#include "reports/recount.hpp"
#include "store/errors.hpp"

namespace caseroute::reports {

namespace {

namespace asio = boost::asio;

struct outcome {
  bool ok = false;
  std::vector<std::string> lines;  // what to print
  bool differs = false;
};

asio::awaitable<void> run(store::redis_connection& redis, const config::config& cfg, store::sealer seal, bool rebuild,
                          std::string from, outcome& out) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  for (int waited = 0; !redis.connected() && waited < 1000; ++waited) {
    t.expires_after(std::chrono::milliseconds(10));
    co_await t.async_wait(asio::use_awaitable);
  }
  const store::keys k(cfg.redis.key_prefix, cfg.timezone);
  store::case_store cases(redis, k, std::move(seal));
  if (redis.connected()) {
    auto counted = co_await recount(redis, k, cases, from);
    if (counted) {
      out.lines.push_back(std::to_string(counted->cases) + " cases recounted, " + std::to_string(counted->days.size()) +
                          " days from " + from +
                          (counted->unopened > 0
                               ? ", " + std::to_string(counted->unopened) + " without their groups (not openable)"
                               : std::string()));
      if (rebuild) {
        auto written = co_await write_days(redis, k, counted->days, from);
        if (written) {
          out.ok = true;
          out.lines.push_back(std::to_string(*written) + " day reports rewritten");
        }
      } else if (auto stored = co_await stored_days(redis, k)) {
        std::vector<std::string> days;
        for (const auto& d : *stored)
          if (d >= from) days.push_back(d);
        if (auto live = co_await read_days(redis, k, days)) {
          out.ok = true;
          for (auto& line : differences(*live, counted->days, from)) {
            out.differs = true;
            out.lines.push_back(std::move(line));
          }
          if (!out.differs) out.lines.push_back("live reports equal the recount");
        }
      }
    }
  }
  redis.stop();
}

}  // namespace

int run_reports_command(const std::string& config_path, bool rebuild, const std::string& from) {
  if (!valid_day(from)) {
    std::cerr << "--from: a day, YYYY-MM-DD\n";
    return 2;
  }
  auto opened = open_offline_store(config_path);
  if (!opened) return 2;
  const auto& cfg = opened->cfg;
  const store::sealer& seal = opened->seal;
  const store::endpoint& ep = opened->endpoint;
  asio::io_context io;
  store::redis_connection redis(io, ep, cfg.redis.command_timeout);
  outcome out;
  asio::co_spawn(io, redis.run(), asio::detached);
  asio::co_spawn(io, run(redis, cfg, seal, rebuild, from, out), asio::detached);
  io.run_for(std::chrono::hours(1));
  for (const auto& line : out.lines) std::cout << line << '\n';
  if (!out.ok) {
    std::cerr << "reports: Redis failed or is unreachable; run it again\n";
    return 1;
  }
  return out.differs ? 1 : 0;
}

}  // namespace caseroute::reports
