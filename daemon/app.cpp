// Wires the daemon together and runs it on one io_context thread, so nothing
// here needs a lock. Shutdown: stop accepting, drain in-flight requests within
// server.shutdown_grace, stop the loops, stop the managed Redis, exit 0.
#include "app.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "api/context.hpp"
#include "api/routes.hpp"
#include "audit/routes.hpp"
#include "audit/trail.hpp"
#include "config/loader.hpp"
#include "config/reload.hpp"
#include "console/console.hpp"
#include "counselor/counselor.hpp"
#include "dispatch/dispatcher.hpp"
#include "dispatch/reconcile.hpp"
#include "events/events.hpp"
#include "host/loop_lag.hpp"
#include "host/managed_redis.hpp"
#include "host/systemd.hpp"
#include "http/codec.hpp"
#include "http/server.hpp"
#include "intake/callbacks.hpp"
#include "intake/intake.hpp"
#include "live/feed.hpp"
#include "live/hub.hpp"
#include "log/log.hpp"
#include "openapi/openapi.hpp"
#include "retention/retention.hpp"
#include "supervisor/supervisor.hpp"

namespace caseroute {

namespace asio = boost::asio;

namespace {

// redis.durability: replicated waits for one replica, at most a quarter of the
// command timeout (WAIT holds the shared connection meanwhile) and 1 s.
void apply_durability(store::redis_connection& redis, const config::redis_settings& r) {
  const auto wait = std::clamp(r.command_timeout / 4, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
  redis.require_replicas(r.durability == "replicated" ? 1 : 0, wait);
}

store::sealer make_sealer(const config::config& cfg) {
  auto s = store::sealer::from_key(cfg.privacy.encryption_key);
  if (!s) throw std::runtime_error("privacy.encryption_key_file: not a 32-byte AES-256 key");
  for (const auto& previous : cfg.privacy.previous_encryption_keys)
    if (!s->add_previous(previous))
      throw std::runtime_error("privacy.previous_encryption_key_files: not a 32-byte key");
  return *s;
}

bool ready(const api::context& ctx) { return ctx.redis.connected() && ctx.redis_accepted && !ctx.shutting_down; }

// Operations: no credentials (docs/API.md).
asio::awaitable<http::response> healthz(api::context&, api::caller, http::request req) {
  v1::Health h;
  h.set_status("ok");
  co_return http::encode(req, h);
}

asio::awaitable<http::response> readyz(api::context& ctx, api::caller, http::request req) {
  v1::Health h;
  if (ready(ctx)) {
    h.set_status("ok");
    co_return http::encode(req, h);
  }
  h.set_status("not ready");
  if (ctx.shutting_down) h.add_reasons("shutting down");
  if (!ctx.redis.connected())
    h.add_reasons("redis unreachable");
  else if (!ctx.redis_accepted)
    h.add_reasons("redis not accepted (see log)");
  auto r = http::encode(req, h, 503);
  r.headers.emplace_back("Retry-After", "2");
  co_return r;
}

// A case's wrapped data key is used from a replica's memory for ten minutes
// at most, and never longer than a closed case is kept: a purged case's key
// is not used again (store/key_cache.hpp).
void keep_wrapped_keys(store::case_store& s, const config::config& cfg) {
  s.keep_wrapped_keys_for(
      std::min<std::chrono::steady_clock::duration>(std::chrono::minutes(10), cfg.privacy.case_retention()));
}

// Gauges read from Redis and /proc rather than counted as things happen: the
// queue by state and risk, the oldest waits, who is available. GET /metrics
// calls this; it reads the queue's counts a slice of open cases at a time
// (store/case_store_queue.cpp) and the states of those on duty a slice of
// counselors at a time (api/duty_counts.hpp), never a case.
asio::awaitable<void> refresh_gauges(api::context& ctx) {
  auto& metrics = ctx.metrics;
  metrics.sample_process();
  metrics.set("caseroute_redis_up", {}, ctx.redis.connected() ? 1 : 0);
  if (!ctx.redis.connected()) co_return;
  // Redis is read at most every limits.metrics_refresh: anonymous scrapes in
  // between render the last snapshot (stamped first, so scrapes meanwhile do too).
  const auto read_at = std::chrono::steady_clock::now();
  if (read_at - ctx.gauges_read_at < ctx.cfg->limits.metrics_refresh) co_return;
  ctx.gauges_read_at = read_at;
  if (!ctx.redis.connected()) co_return;
  const auto at = now();
  auto gauges = co_await ctx.store.queue_gauges_at(at);
  if (gauges) {
    metrics.clear("caseroute_cases");
    for (const auto& [state, n] : gauges->by_state)
      metrics.set("caseroute_cases", {{"state", state}}, static_cast<double>(n));
    metrics.clear("caseroute_open_cases");
    for (const auto& [risk, n] : gauges->by_risk)
      metrics.set("caseroute_open_cases", {{"risk", risk}}, static_cast<double>(n));
    for (const auto& [risk, secs] : gauges->oldest_queued) {
      metrics.set("caseroute_oldest_queued_seconds", {{"risk", risk}}, secs);
      metrics.set("caseroute_queue_oldest_age_seconds", {{"risk", risk}}, secs);
    }
    for (const auto& [risk, n] : gauges->over_escalation_limit)
      metrics.set("caseroute_cases_over_escalation_limit", {{"risk", risk}}, static_cast<double>(n));
    for (const auto& [risk, secs] : gauges->oldest_unaccepted)
      metrics.set("caseroute_oldest_unaccepted_seconds", {{"risk", risk}}, secs);
  }
  // On duty and available as GET /v1/queue counts them (api/duty_counts.hpp).
  const auto duty = co_await ctx.on_duty.at(ctx.cfg, ctx.roster, at);
  auto counts = co_await api::count_duty(ctx.store, *duty, at);
  if (!counts) co_return;
  metrics.set("caseroute_counselors_on_duty", {}, counts->on_duty);
  metrics.set("caseroute_counselors_available", {}, counts->available);
}

asio::awaitable<http::response> scrape(api::context& ctx, api::caller, http::request) {
  co_await refresh_gauges(ctx);
  http::response r;
  r.content_type = "text/plain; version=0.0.4";
  r.body = ctx.metrics.render();
  co_return r;
}

// docs/openapi.yaml as built in, with a strong ETag (its SHA-256): a client
// that names it in If-None-Match (or sends *) gets 304 without the body.
asio::awaitable<http::response> openapi_document(api::context&, api::caller, http::request req) {
  const std::string etag = "\"" + std::string(openapi::sha256()) + "\"";
  http::response r;
  r.headers.emplace_back("ETag", etag);
  r.headers.emplace_back("Cache-Control", "public, max-age=300");
  const auto wanted = req.header("If-None-Match");
  bool unchanged = false;
  for (size_t at = 0; at < wanted.size() && !unchanged;) {
    auto end = wanted.find(',', at);
    if (end == std::string_view::npos) end = wanted.size();
    auto tag = wanted.substr(at, end - at);
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
    if (tag.starts_with("W/")) tag.remove_prefix(2);  // If-None-Match compares weakly
    unchanged = tag == etag || tag == "*";
    at = end + 1;
  }
  if (unchanged) {
    r.status = 304;
    r.content_type.clear();
    co_return r;
  }
  r.body = std::string(openapi::json());
  co_return r;
}

constexpr api::route operations[] = {
    {"GET", "/healthz", api::role::anyone, healthz},
    {"GET", "/readyz", api::role::anyone, readyz},
    {"GET", "/metrics", api::role::anyone, scrape},
    {"GET", "/v1/openapi.json", api::role::anyone, openapi_document},
};

}  // namespace

std::vector<std::span<const api::route>> route_tables() {
  return {intake::routes(),  counselor::routes(), supervisor::routes(), events::routes(), audit::routes(),
          console::routes(), operations};
}

void register_routes(http::router& r, api::context& ctx) {
  for (auto table : route_tables()) api::add_routes(r, ctx, table);
}

struct app::runtime {
  asio::io_context io{1};
  // Work too long for the event loop (who is on duty in a city of thousands).
  asio::thread_pool worker{1};
  std::optional<host::managed_redis> managed;
  store::redis_connection redis;
  store::case_store store;
  store::outbox outbox;
  metrics::registry metrics;
  http::rate_limiter limits;
  live::hub hub;
  api::waiting waits;
  // The change feed, on a connection of its own (its blocking XREAD).
  store::redis_connection feed_redis;
  live::feed_reader feed;
  api::context ctx;
  store::duty_store duty;  // exceptions supervisors stored: the dispatcher keeps ctx.roster in step
  dispatch::dispatcher dispatch;
  intake::callback_worker callbacks;
  retention::purger retention;
  http::router router;
  http::server server;
  std::filesystem::path config_path;
  config::overrides overrides;
  bool youth_index_backfilled = false;  // backfill_youth_index() succeeded once

  runtime(std::filesystem::path path, config::overrides o, std::shared_ptr<const config::config> cfg,
          store::endpoint ep)
      : redis(io, ep, cfg->redis.command_timeout),
        store(redis, store::keys(cfg->redis.key_prefix, cfg->timezone), make_sealer(*cfg)),
        outbox(redis, store::keys(cfg->redis.key_prefix)),
        limits(cfg->limits),
        hub(io),
        feed_redis(io, ep, cfg->redis.command_timeout),
        feed(io, feed_redis, store.feed_key(), hub),
        ctx{io,    cfg,  std::make_shared<schedule::roster>(*cfg), redis, store, outbox, metrics, hub, waits, {}, {},
            false, false},
        duty(redis, store::keys(cfg->redis.key_prefix)),
        dispatch({io, store, metrics, ctx.cfg, ctx.roster, [this] { return hub.following(); }, &duty,
                  [this](const std::vector<std::string>& counselors, live::stream_id up_to) {
                    // Committed: their long polls here wake now, not when the feed reader gets there.
                    for (const auto& id : counselors) hub.announced(id, up_to);
                  }}),
        callbacks(ctx, outbox),
        retention(io, store, metrics, ctx.cfg),
        server(io, cfg->server, router,
               http::server_hooks{
                   [this](std::string_view route, std::string_view method, int status, double secs) {
                     metrics.inc("caseroute_http_requests_total", {{"route", std::string(route)},
                                                                   {"method", std::string(method)},
                                                                   {"status", std::to_string(status)}});
                     metrics.observe("caseroute_http_request_duration_seconds", {{"route", std::string(route)}}, secs);
                   },
                   [this](std::string_view address) {
                     if (!ctx.cfg->limits.limit_loopback && http::is_loopback(address)) return 0;
                     const int wait = limits.admit_address(address, http::limit_clock::now());
                     if (wait > 0) metrics.inc("caseroute_rate_limited_total", {{"limit", "address"}});
                     return wait;
                   }}),
        config_path(std::move(path)),
        overrides(std::move(o)) {
    ctx.limits = &limits;
    ctx.on_duty = api::duty_now(&worker);
    ctx.kick_routing = [this] { dispatch.kick(); };
    ctx.route_case = [this](store::created c) { dispatch.queued(std::move(c)); };
    // The dispatcher's cache follows the change feed of every replica.
    hub.on_entry([this](const live::entry& e) { dispatch.changed(e.event, e.id); });
    hub.on_resync([this] { dispatch.resync(); });
    ctx.kick_callbacks = [this] { callbacks.kick(); };
    // Status callbacks follow the live config: a reload may add or drop a callback_url.
    store.set_callback_filter([this](std::string_view platform_id) { return wants_callbacks(platform_id); });
    redis.on_connect = [this] { return on_redis_connect(); };
    retention.keep_audit(audit::trail(redis, store::keys(cfg->redis.key_prefix)));
    keep_wrapped_keys(store, *cfg);
    apply_durability(redis, cfg->redis);
    register_routes(router, ctx);
  }

  asio::awaitable<boost::system::result<void>> on_redis_connect() {
    ctx.redis_accepted = false;
    auto ok = co_await store::check_server(redis);
    if (!ok) {
      log::error("redis.refused", {{"reason", "maxmemory-policy must be noeviction: evicting keys would lose cases"}});
      co_return ok;
    }
    auto prepared = co_await store.prepare();
    if (!prepared) co_return prepared;
    if (!youth_index_backfilled) co_await backfill_youth_index();
    ctx.redis_accepted = true;
    dispatch.resync();  // a new connection may be a new master: read everything again
    co_return prepared;
  }

  // Cases opened before the youths' open-case index existed get their entries
  // once per process, before the dispatcher's first pass (routing_delta reads
  // holders from it). A failure does not refuse Redis: the next connection
  // tries again.
  asio::awaitable<void> backfill_youth_index() {
    auto done = co_await store.index_youth_cases();
    if (!done) {
      log::warn("store.youth_index_failed", {{"error", done.error().message()}});
      co_return;
    }
    youth_index_backfilled = true;
    log::info("store.youth_index_backfilled", {{"open_with_ref", done->open_with_ref}, {"added", done->added}});
  }

  bool wants_callbacks(std::string_view platform_id) const {
    for (const auto& p : ctx.cfg->platforms)
      if (!p.callback_url.empty() && (platform_id.empty() || p.id == platform_id)) return true;
    return false;
  }

  void reload() {
    auto loaded = config::load_config(config_path);
    if (!loaded.cfg) {
      metrics.inc("caseroute_config_reloads_total", {{"result", "rejected"}});
      for (const auto& p : loaded.errors)
        log::error("config.reload_rejected", {{"line", p.line}, {"column", p.column}, {"problem", p.message}});
      return;
    }
    auto next = std::make_shared<config::config>(std::move(*loaded.cfg));
    // The command line and the environment still win over the file, so only
    // what the file itself changed counts as a change.
    config::apply(*next, overrides);
    // What the process is bound to keeps its running value until a restart.
    const auto kept = config::keep_restart_only(*next, *ctx.cfg);
    const bool retention_changed = caseroute::retention::retention_period(next->privacy) !=
                                   caseroute::retention::retention_period(ctx.cfg->privacy);
    try {
      auto roster = std::make_shared<schedule::roster>(*next, ctx.roster->stored());
      ctx.cfg = next;
      ctx.roster = roster;
    } catch (const std::exception& e) {
      metrics.inc("caseroute_config_reloads_total", {{"result", "rejected"}});
      log::error("config.reload_rejected", {{"problem", e.what()}});
      return;
    }
    apply_durability(redis, ctx.cfg->redis);
    limits.configure(ctx.cfg->limits);
    keep_wrapped_keys(store, *ctx.cfg);
    log::configure(ctx.cfg->log.level, ctx.cfg->log.format);
    metrics.inc("caseroute_config_reloads_total", {{"result", "ok"}});
    if (!kept.empty())
      log::warn("config.reload_partial", {{"restart_needed", config::join(kept)},
                                          {"kept",
                                           "the running values of these fields until a restart; the rest "
                                           "of the file is applied"}});
    log::info("config.reloaded", {{"counselors", ctx.cfg->counselors.size()}, {"sites", ctx.cfg->sites.size()}});
    // A changed retention applies now, not at the next minute's pass.
    if (retention_changed)
      asio::co_spawn(io, retention.pass(), [](std::exception_ptr e, boost::system::result<int>) {
        if (e) std::rethrow_exception(e);
      });
    // Offers to counselors the new roster drops are withdrawn, then re-routed.
    asio::co_spawn(io, withdraw_after_reload(), [](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);
    });
    dispatch.kick();
  }

  asio::awaitable<void> withdraw_after_reload() {
    auto withdrawn = co_await dispatch::withdraw_off_duty_offers(store, ctx.cfg, ctx.roster, now());
    // Redis down: the offers stay until the routing pass reconciles them.
    if (!withdrawn) log::warn("config.offers_not_withdrawn", {{"problem", withdrawn.error().message()}});
    if (withdrawn && *withdrawn > 0) log::info("config.offers_withdrawn", {{"count", *withdrawn}});
    dispatch.kick();
  }

  // The STATUS= line systemd shows.
  std::string status() const {
    return ctx.shutting_down   ? "stopping; draining requests"
           : ready(ctx)        ? "ready; redis up"
           : redis.connected() ? "not ready; redis not accepted (see log)"
                               : "not ready; redis down";
  }

  asio::awaitable<void> handle_signals() {
    asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
    for (;;) {
      auto [ec, sig] = co_await signals.async_wait(asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      if (sig == SIGHUP) {
        host::notify("RELOADING=1");
        server.reload_tls();  // certificate and key rotated on disk
        reload();
        host::notify("READY=1");
        continue;
      }
      log::info("shutdown.begin", {{"signal", sig}});
      host::notify("STOPPING=1");
      ctx.shutting_down = true;
      server.stop_accepting();
      hub.close();  // long polls answer now, event streams end
      co_await server.drain(ctx.cfg->server.shutdown_grace);
      dispatch.stop();
      feed.stop();
      feed_redis.stop();
      callbacks.stop();
      retention.stop();
      redis.stop();
      log::info("shutdown.done");
      io.stop();
      co_return;
    }
  }
};

std::optional<store::endpoint> redis_endpoint(const config::config& cfg) {
  if (cfg.redis.url == "managed") {
    store::endpoint ep;
    ep.unix_socket = host::managed_redis::socket_path_for(cfg.redis.data_dir);
    return ep;
  }
  auto parsed = store::parse_redis_url(cfg.redis.url);
  if (!parsed) return std::nullopt;
  if (!cfg.redis.password.empty()) parsed->password = cfg.redis.password;  // redis.password_file
  return *parsed;
}

app::app(std::filesystem::path config_path, config::config cfg, config::overrides overrides)
    : config_path_(std::move(config_path)),
      overrides_(std::move(overrides)),
      cfg_(std::make_shared<const config::config>(std::move(cfg))) {}

app::~app() = default;

int app::run() {
  const auto& cfg = *cfg_;
  const auto found = redis_endpoint(cfg);
  if (!found) throw std::runtime_error("redis.url: cannot parse \"" + cfg.redis.url + "\"");
  const store::endpoint& ep = *found;

  rt_ = std::make_unique<runtime>(config_path_, overrides_, cfg_, ep);
  auto& rt = *rt_;
  if (cfg.redis.url == "managed") {
    rt.managed.emplace(rt.io, cfg.redis.server_binary, cfg.redis.data_dir);
    rt.managed->start();
    // Purged cases leave the AOF only when it is rewritten.
    rt.retention.rewrite_aof_after_purge(rt.redis);
  }
  rt.server.listen();

  // An exception escaping a loop is a broken invariant: let it end the
  // process (systemd restarts us); connection handlers catch their own.
  auto rethrow = [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  };
  asio::co_spawn(rt.io, rt.redis.run(), rethrow);
  asio::co_spawn(rt.io, rt.feed_redis.run(), rethrow);
  asio::co_spawn(rt.io, rt.feed.run(), rethrow);
  asio::co_spawn(rt.io, host::measure_loop_lag(rt.io, rt.metrics), rethrow);
  asio::co_spawn(rt.io, rt.server.run(), rethrow);
  asio::co_spawn(rt.io, rt.dispatch.run(), rethrow);
  asio::co_spawn(rt.io, rt.callbacks.run(), rethrow);
  asio::co_spawn(rt.io, rt.retention.run(), rethrow);
  asio::co_spawn(rt.io, rt.handle_signals(), rethrow);
  asio::co_spawn(rt.io, host::keep_systemd_informed(rt.io, [&rt] { return rt.status(); }), rethrow);
  if (rt.managed) asio::co_spawn(rt.io, rt.managed->supervise(), rethrow);
  host::notify("READY=1");

  rt.io.run();
  if (rt.managed) rt.managed->stop();
  return 0;
}

}  // namespace caseroute
