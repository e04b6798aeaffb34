// redis_connection: one hiredis link at a time (store/hiredis_link.*), the
// reconnect loop with backoff, Sentinel discovery and failover watch, and
// WAIT for redis.durability: replicated. It never retries a command itself.
#include "store/redis_connection.hpp"

#include <hiredis/async.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>
#include <optional>
#include <random>

#include "config/backoff.hpp"
#include "log/log.hpp"
#include "store/errors.hpp"
#include "store/hiredis_link.hpp"

namespace caseroute::store {

namespace asio = boost::asio;
using boost::system::result;
using std::chrono::milliseconds;

namespace {

constexpr auto await_tuple = asio::as_tuple(asio::use_awaitable);
using detail::link;
using detail::pending;
}  // namespace

struct redis_connection::impl {
  asio::io_context& io;
  endpoint ep;
  milliseconds timeout;
  std::shared_ptr<link> current;
  std::shared_ptr<link> probe;  // to one sentinel: discovery, then the failover watch
  std::size_t probe_at = 0;     // which sentinel probe talks to
  std::size_t sentinel_at = 0;  // the sentinel that answered last, asked first
  std::string target_host;      // where current points (a unix socket path when target_port is 0)
  int target_port = 0;
  bool ready = false;
  bool stopped = false;
  int replicas = 0;  // redis.durability: replicated waits for this many
  milliseconds replica_timeout{0};
  bool replicas_missing = false;  // the last WAIT fell short
  asio::steady_timer wake;
  std::mt19937_64 rng{std::random_device{}()};

  impl(asio::io_context& i, endpoint e, milliseconds t) : io(i), ep(std::move(e)), timeout(t), wake(i) {
    target_host = ep.unix_socket.empty() ? ep.host : ep.unix_socket;
    target_port = ep.unix_socket.empty() ? ep.port : 0;
  }
  ~impl() {
    stopped = true;
    drop(probe);
    drop(current);
  }

  // Frees the hiredis context: pending commands fail with unavailable.
  void drop(const std::shared_ptr<link>& l) {
    if (!l || !l->ctx) return;
    redisAsyncContext* ac = l->ctx;
    redisAsyncFree(ac);  // runs the reply callbacks, cleanup, on_link_disconnect
    l->ctx = nullptr;
    l->usable = false;
    l->st = link::status::down;
    l->changed.cancel();
  }

  const std::string& where() const { return target_host; }

  std::shared_ptr<pending> submit(const std::shared_ptr<link>& l, const std::vector<std::string>& argv,
                                  const asio::any_io_executor& ex);
  asio::awaitable<result<reply>> await_reply(std::shared_ptr<link> l, std::shared_ptr<pending> p, std::string name);
  asio::awaitable<result<reply>> send(std::shared_ptr<link> l, std::vector<std::string> argv);
  asio::awaitable<std::shared_ptr<link>> open(std::string host, int port, bool is_probe);
  asio::awaitable<std::optional<std::pair<std::string, int>>> ask_sentinel(std::size_t at);
  asio::awaitable<bool> discover();
  asio::awaitable<void> watch(std::shared_ptr<link> l);
  asio::awaitable<std::shared_ptr<link>> connect_once();
};

// Queues one command on the link; null when it cannot be sent.
std::shared_ptr<pending> redis_connection::impl::submit(const std::shared_ptr<link>& l,
                                                        const std::vector<std::string>& argv,
                                                        const asio::any_io_executor& ex) {
  if (!l || l->st != link::status::up || !l->ctx || argv.empty()) return nullptr;
  std::vector<const char*> ptrs;
  std::vector<std::size_t> lens;
  ptrs.reserve(argv.size());
  lens.reserve(argv.size());
  for (const auto& a : argv) {
    ptrs.push_back(a.data());
    lens.push_back(a.size());
  }
  auto p = std::make_shared<pending>(ex);
  p->done.expires_after(timeout);
  auto* holder = new std::shared_ptr<pending>(p);
  if (redisAsyncCommandArgv(l->ctx, detail::on_reply, holder, static_cast<int>(argv.size()), ptrs.data(),
                            lens.data()) != REDIS_OK) {
    delete holder;
    return nullptr;
  }
  return p;
}

asio::awaitable<result<reply>> redis_connection::impl::await_reply(std::shared_ptr<link> l, std::shared_ptr<pending> p,
                                                                   std::string name) {
  if (!p) co_return make_error_code(error::unavailable);
  auto [ec] = co_await p->done.async_wait(await_tuple);
  if (p->out) co_return std::move(*p->out);
  if (!ec) {
    // No answer in time: treat the link as dead rather than wait on it forever.
    log::warn("redis.timeout", {{"command", name}, {"timeout_ms", timeout.count()}});
    drop(l);
  }
  co_return make_error_code(error::unavailable);
}

asio::awaitable<result<reply>> redis_connection::impl::send(std::shared_ptr<link> l, std::vector<std::string> argv) {
  auto p = submit(l, argv, co_await asio::this_coro::executor);
  // A named local, not a ?: temporary: g++ 12 frees such a coroutine argument twice.
  std::string name = argv.empty() ? std::string() : argv[0];
  co_return co_await await_reply(std::move(l), std::move(p), std::move(name));
}

// Opens one link (port 0: host is a unix socket path) and waits for the
// connect, at most the command timeout. The link becomes current or probe
// at once, so stop() can abort the wait.
asio::awaitable<std::shared_ptr<link>> redis_connection::impl::open(std::string host, int port, bool is_probe) {
  redisAsyncContext* ac = port == 0 ? redisAsyncConnectUnix(host.c_str()) : redisAsyncConnect(host.c_str(), port);
  if (!ac) throw std::bad_alloc();
  if (ac->err) {
    log::warn("redis.connect_failed", {{"host", host}, {"port", port}, {"error", ac->errstr}});
    redisAsyncFree(ac);
    co_return nullptr;
  }
  auto l = std::make_shared<link>(co_await asio::this_coro::executor);
  l->ctx = ac;
  std::shared_ptr<link>& slot = is_probe ? probe : current;
  drop(slot);  // a link still holding a context must not be forgotten: hiredis points at it
  slot = l;
  ac->data = l.get();
  detail::attach(io, ac);
  redisAsyncSetConnectCallback(ac, detail::on_link_connect);
  redisAsyncSetDisconnectCallback(ac, detail::on_link_disconnect);

  l->changed.expires_after(timeout);
  while (l->st == link::status::connecting) {
    auto [ec] = co_await l->changed.async_wait(await_tuple);
    if (!ec) break;  // expired: connect timeout
  }
  if (l->st != link::status::up) {
    std::string why = l->st == link::status::connecting ? "connect timeout" : l->error;
    drop(l);
    log::warn("redis.connect_failed", {{"host", host}, {"port", port}, {"error", why}});
    co_return nullptr;
  }
  co_return l;
}

// The master's address according to sentinel `at`, over the probe link,
// which stays open for watch().
asio::awaitable<std::optional<std::pair<std::string, int>>> redis_connection::impl::ask_sentinel(std::size_t at) {
  const sentinel_address s = ep.sentinels.at(at);
  if (!probe || probe->st != link::status::up || probe_at != at) {
    drop(probe);
    probe_at = at;
    if (!co_await open(s.host, s.port, true)) co_return std::nullopt;
  }
  auto r = co_await send(probe, command("SENTINEL", "get-master-addr-by-name", ep.master_name));
  int port = 0;
  if (r && r->type == reply::kind::array && r->elements.size() == 2 && !r->elements[0].str.empty() &&
      std::from_chars(r->elements[1].str.data(), r->elements[1].str.data() + r->elements[1].str.size(), port).ec ==
          std::errc() &&
      port > 0)
    co_return std::make_pair(r->elements[0].str, port);
  std::string why = !r ? r.error().message() : r->is_nil() ? "master name unknown to this sentinel" : r->str;
  log::warn("redis.sentinel_failed", {{"sentinel", s.host}, {"port", s.port}, {"error", why}});
  if (!r || r->is_error()) drop(probe);
  co_return std::nullopt;
}

// Asks the sentinels in turn, the one that answered last first.
asio::awaitable<bool> redis_connection::impl::discover() {
  for (std::size_t i = 0; i < ep.sentinels.size() && !stopped; ++i) {
    const std::size_t at = (sentinel_at + i) % ep.sentinels.size();
    auto addr = co_await ask_sentinel(at);
    if (!addr) continue;
    sentinel_at = at;
    target_host = addr->first;
    target_port = addr->second;
    co_return true;
  }
  co_return false;
}

// While connected through Sentinel: has the master moved? Drops the link if
// so, and run() reconnects to the new one. A silent sentinel proves nothing;
// the next one is asked next time.
asio::awaitable<void> redis_connection::impl::watch(std::shared_ptr<link> l) {
  auto addr = co_await ask_sentinel(sentinel_at);
  if (!addr) {
    sentinel_at = (sentinel_at + 1) % ep.sentinels.size();
    co_return;
  }
  if (l->st == link::status::up && (addr->first != target_host || addr->second != target_port)) {
    log::warn("redis.master_moved",
              {{"from", target_host}, {"from_port", target_port}, {"to", addr->first}, {"to_port", addr->second}});
    drop(l);
  }
}

asio::awaitable<std::shared_ptr<link>> redis_connection::impl::connect_once() {
  if (ep.via_sentinel() && !co_await discover()) {
    log::warn("redis.master_unknown", {{"master", ep.master_name}, {"sentinels", ep.sentinels.size()}});
    co_return nullptr;
  }
  auto l = co_await open(target_host, target_port, false);
  if (!l) co_return nullptr;

  // AUTH and SELECT before anyone else may send: exec() waits for `usable`.
  if (!ep.password.empty()) {
    std::vector<std::string> auth{"AUTH"};
    if (!ep.username.empty()) auth.push_back(ep.username);
    auth.push_back(ep.password);
    auto r = co_await send(l, std::move(auth));
    if (!r || r->is_error()) {
      log::warn("redis.auth_failed", {{"host", where()}, {"error", r ? r->str : r.error().message()}});
      drop(l);
      co_return nullptr;
    }
  }
  if (ep.db != 0) {
    auto r = co_await send(l, command("SELECT", std::to_string(ep.db)));
    if (!r || r->is_error()) {
      log::warn("redis.select_failed", {{"host", where()}, {"db", ep.db}, {"error", r ? r->str : r.error().message()}});
      drop(l);
      co_return nullptr;
    }
  }
  // Sentinel may name a master that was just demoted (or not yet promoted).
  if (ep.via_sentinel()) {
    auto r = co_await send(l, command("ROLE"));
    const bool master = r && r->type == reply::kind::array && !r->elements.empty() && r->elements[0].str == "master";
    if (!master) {
      log::warn("redis.not_master", {{"host", where()}, {"port", target_port}, {"master", ep.master_name}});
      drop(l);
      co_return nullptr;
    }
  }
  l->usable = l->st == link::status::up;
  co_return l->usable ? l : nullptr;
}

redis_connection::redis_connection(asio::io_context& io, endpoint ep, milliseconds command_timeout)
    : impl_(std::make_unique<impl>(io, std::move(ep), command_timeout)) {}

redis_connection::~redis_connection() = default;

asio::awaitable<void> redis_connection::run() {
  impl& s = *impl_;
  s.stopped = false;
  // With Sentinel a failover is the usual reason to be down: look again soon.
  const config::backoff backoff{milliseconds(100), milliseconds(s.ep.via_sentinel() ? 1000 : 5000)};
  int failures = 0;
  while (!s.stopped) {
    auto l = co_await s.connect_once();
    if (l && on_connect) {
      auto r = co_await on_connect();
      if (!r) {
        log::warn("redis.on_connect_failed", {{"host", s.where()}, {"error", r.error().message()}});
        s.drop(l);
      }
    }
    if (l && l->st == link::status::up) {
      s.ready = true;
      log::info("redis.connected", {{"host", s.where()}, {"port", s.target_port}, {"db", s.ep.db}});
      failures = 0;
      while (l->st == link::status::up && !s.stopped) {
        if (s.ep.via_sentinel())
          l->changed.expires_after(std::chrono::seconds(1));
        else
          l->changed.expires_at(asio::steady_timer::time_point::max());
        auto [ec] = co_await l->changed.async_wait(await_tuple);
        if (!ec && s.ep.via_sentinel() && l->st == link::status::up && !s.stopped) co_await s.watch(l);
      }
      s.ready = false;
      log::warn("redis.disconnected", {{"host", s.where()}, {"port", s.target_port}, {"error", l->error}});
    }
    if (s.stopped) break;
    // Jittered, so replicas do not reconnect in lockstep.
    s.wake.expires_after(backoff.delay(++failures, s.rng()));
    co_await s.wake.async_wait(await_tuple);
  }
  s.ready = false;
}

void redis_connection::stop() {
  impl_->stopped = true;
  impl_->drop(impl_->probe);
  impl_->drop(impl_->current);
  impl_->wake.cancel();
}

// `ready` turns false only when run() resumes; the link knows at once.
bool redis_connection::connected() const {
  return impl_->ready && impl_->current && impl_->current->usable && !impl_->stopped;
}

namespace {

// Replies that mean "this node is not (or not yet) the master we want".
bool not_master_reply(const reply& r) {
  return r.is_error() && (r.str.find("READONLY") != std::string::npos || r.str.starts_with("LOADING") ||
                          r.str.starts_with("MASTERDOWN"));
}

}  // namespace

asio::awaitable<result<reply>> redis_connection::exec(std::vector<std::string> argv) {
  auto l = impl_->current;
  if (!l || !l->usable) co_return make_error_code(error::unavailable);
  auto r = co_await impl_->send(l, std::move(argv));
  // Through Sentinel, a demoted master means a failover: find the new one.
  if (r && impl_->ep.via_sentinel() && not_master_reply(*r)) {
    log::warn("redis.not_master", {{"host", impl_->where()}, {"port", impl_->target_port}, {"error", r->str}});
    impl_->drop(l);
    co_return make_error_code(error::unavailable);
  }
  co_return r;
}

void redis_connection::require_replicas(int replicas, milliseconds timeout) {
  impl_->replicas = replicas;
  impl_->replica_timeout = timeout;
}

asio::awaitable<result<reply>> redis_connection::exec_write(std::vector<std::string> argv) {
  impl& s = *impl_;
  if (s.replicas <= 0) co_return co_await exec(std::move(argv));
  auto l = s.current;
  if (!l || !l->usable) co_return make_error_code(error::unavailable);
  // After a shortfall, wait only briefly until replicas are back: WAIT holds
  // every command queued behind it on this connection.
  const milliseconds t = s.replicas_missing ? std::min(s.replica_timeout, milliseconds(100)) : s.replica_timeout;
  const auto ex = co_await asio::this_coro::executor;
  auto written = s.submit(l, argv, ex);
  auto waited =
      written ? s.submit(l, command("WAIT", std::to_string(s.replicas), std::to_string(t.count())), ex) : nullptr;
  std::string name = argv.empty() ? std::string() : argv[0];  // see send()
  auto r = co_await s.await_reply(l, std::move(written), std::move(name));
  std::string wait_name = "WAIT";
  auto w = co_await s.await_reply(l, std::move(waited), std::move(wait_name));
  if (r && s.ep.via_sentinel() && not_master_reply(*r)) {
    log::warn("redis.not_master", {{"host", s.where()}, {"port", s.target_port}, {"error", r->str}});
    s.drop(l);
    co_return make_error_code(error::unavailable);
  }
  if (!r || r->is_error()) co_return r;  // nothing written, or the caller reads the error
  if (!w) co_return w.error();
  if (w->type != reply::kind::integer) {
    log::error("redis.wait_failed", {{"error", w->str}});
    co_return make_error_code(error::unavailable);
  }
  if (w->integer < s.replicas) {
    if (!s.replicas_missing)
      log::warn("redis.replicas_missing", {{"acknowledged", w->integer}, {"required", s.replicas}});
    s.replicas_missing = true;
    co_return make_error_code(error::unavailable);
  }
  if (s.replicas_missing) log::info("redis.replicas_back", {{"acknowledged", w->integer}});
  s.replicas_missing = false;
  co_return r;
}

}  // namespace caseroute::store
