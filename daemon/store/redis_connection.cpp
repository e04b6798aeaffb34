// redis_connection: one hiredis link at a time (store/hiredis_link.*), the
// reconnect loop, Sentinel discovery and failover watch, and WAIT for
// redis.durability: replicated. The decisions (backoff, which sentinel, what a
// reply means) are store/reconnect.*. It never retries a command itself.
#include "store/redis_connection.hpp"

#include <hiredis/async.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>
#include <random>
#include <utility>

#include "log/log.hpp"
#include "store/errors.hpp"
#include "store/hiredis_link.hpp"
#include "store/reconnect.hpp"

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
  reconnect_plan plan;          // failures in a row, the sentinel asked first
  std::string target_host;      // where current points (a unix socket path when target_port is 0)
  int target_port = 0;
  bool ready = false;
  bool stopped = false;
  int replicas = 0;  // redis.durability: replicated waits for this many
  milliseconds replica_timeout{0};
  bool replicas_missing = false;  // the last WAIT fell short
  // WAIT rounds on link `on`: `out` is the WAIT in flight, `next` covers the
  // writes sent since and goes out when `out` answers (see join_wait).
  struct {
    std::shared_ptr<link> on;
    std::shared_ptr<pending> out, next;
  } rounds;
  asio::steady_timer wake;
  std::mt19937_64 rng{std::random_device{}()};

  impl(asio::io_context& i, endpoint e, milliseconds t)
      : io(i), ep(std::move(e)), timeout(t), plan(ep.sentinels.size()), wake(i) {
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
  bool submit_into(const std::shared_ptr<link>& l, const std::vector<std::string>& argv,
                   const std::shared_ptr<pending>& p);
  asio::awaitable<bool> answered(std::shared_ptr<link> l, std::shared_ptr<pending> p, std::string name);
  asio::awaitable<result<reply>> await_reply(std::shared_ptr<link> l, std::shared_ptr<pending> p, std::string name);
  std::vector<std::string> wait_command() const;
  std::shared_ptr<pending> join_wait(const std::shared_ptr<link>& l, const asio::any_io_executor& ex);
  asio::awaitable<result<reply>> await_wait(std::shared_ptr<link> l, std::shared_ptr<pending> round);
  asio::awaitable<result<reply>> send(std::shared_ptr<link> l, std::vector<std::string> argv);
  asio::awaitable<std::shared_ptr<link>> open(std::string host, int port, bool is_probe);
  asio::awaitable<std::optional<master_address>> ask_sentinel(std::size_t at);
  asio::awaitable<bool> discover();
  asio::awaitable<void> watch(std::shared_ptr<link> l);
  asio::awaitable<std::shared_ptr<link>> connect_once();
};

// Queues one command on the link; null when it cannot be sent. Its
// command timeout starts now.
std::shared_ptr<pending> redis_connection::impl::submit(const std::shared_ptr<link>& l,
                                                        const std::vector<std::string>& argv,
                                                        const asio::any_io_executor& ex) {
  auto p = std::make_shared<pending>(ex);
  p->done.expires_after(timeout);
  return submit_into(l, argv, p) ? p : nullptr;
}

// Queues one command whose reply goes to p; false when it cannot be sent.
bool redis_connection::impl::submit_into(const std::shared_ptr<link>& l, const std::vector<std::string>& argv,
                                         const std::shared_ptr<pending>& p) {
  if (!l || l->st != link::status::up || !l->ctx || argv.empty()) return false;
  std::vector<const char*> ptrs;
  std::vector<std::size_t> lens;
  ptrs.reserve(argv.size());
  lens.reserve(argv.size());
  for (const auto& a : argv) {
    ptrs.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* holder = new std::shared_ptr<pending>(p);
  if (redisAsyncCommandArgv(l->ctx, detail::on_reply, holder, static_cast<int>(argv.size()), ptrs.data(),
                            lens.data()) != REDIS_OK) {
    delete holder;
    return false;
  }
  return true;
}

// Waits until p has its reply; false after the command timeout, which also
// drops the link (no answer in time: treat it as dead rather than wait on it
// forever).
asio::awaitable<bool> redis_connection::impl::answered(std::shared_ptr<link> l, std::shared_ptr<pending> p,
                                                       std::string name) {
  // Look first: cancel() wakes only a wait already started, and a reply that
  // came in the same read as an earlier one (WAIT's with its write's) is in
  // already. Waiting anyway would sleep until the timeout.
  if (!p->out) co_await p->done.async_wait(await_tuple);
  if (p->out) co_return true;
  log::warn("redis.timeout", {{"command", name}, {"timeout_ms", timeout.count()}});
  drop(l);
  co_return false;
}

asio::awaitable<result<reply>> redis_connection::impl::await_reply(std::shared_ptr<link> l, std::shared_ptr<pending> p,
                                                                   std::string name) {
  if (!p) co_return make_error_code(error::unavailable);
  const bool ok = co_await answered(std::move(l), p, std::move(name));
  if (!ok) co_return make_error_code(error::unavailable);
  co_return std::move(*p->out);
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
asio::awaitable<std::optional<master_address>> redis_connection::impl::ask_sentinel(std::size_t at) {
  const sentinel_address s = ep.sentinels.at(at);
  if (!probe || probe->st != link::status::up || probe_at != at) {
    drop(probe);
    probe_at = at;
    if (!co_await open(s.host, s.port, true)) co_return std::nullopt;
  }
  auto r = co_await send(probe, command("SENTINEL", "get-master-addr-by-name", ep.master_name));
  if (r) {
    if (auto addr = read_master_address(*r)) co_return addr;
  }
  std::string why = !r ? r.error().message() : r->is_nil() ? "master name unknown to this sentinel" : r->str;
  log::warn("redis.sentinel_failed", {{"sentinel", s.host}, {"port", s.port}, {"error", why}});
  if (!r || r->is_error()) drop(probe);
  co_return std::nullopt;
}

// Asks the sentinels in turn, the one that answered last first.
asio::awaitable<bool> redis_connection::impl::discover() {
  for (std::size_t i = 0; i < ep.sentinels.size() && !stopped; ++i) {
    const std::size_t at = plan.sentinel_for(i);
    auto addr = co_await ask_sentinel(at);
    if (!addr) continue;
    plan.answered(at);
    target_host = addr->host;
    target_port = addr->port;
    co_return true;
  }
  co_return false;
}

// While connected through Sentinel: has the master moved? Drops the link if
// so, and run() reconnects to the new one. A silent sentinel proves nothing;
// the next one is asked next time.
asio::awaitable<void> redis_connection::impl::watch(std::shared_ptr<link> l) {
  const std::size_t at = plan.sentinel_for(0);
  auto addr = co_await ask_sentinel(at);
  if (!addr) {
    plan.silent(at);
    co_return;
  }
  if (l->st == link::status::up && master_moved(*addr, target_host, target_port)) {
    log::warn("redis.master_moved",
              {{"from", target_host}, {"from_port", target_port}, {"to", addr->host}, {"to_port", addr->port}});
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
    if (!r || !says_master(*r)) {
      log::warn("redis.not_master", {{"host", where()}, {"port", target_port}, {"master", ep.master_name}});
      drop(l);
      co_return nullptr;
    }
  }
  l->usable = l->st == link::status::up;
  co_return l->usable ? l : nullptr;
}

std::vector<std::string> redis_connection::impl::wait_command() const {
  return command("WAIT", std::to_string(replicas),
                 std::to_string(wait_timeout(replica_timeout, replicas_missing).count()));
}

// The WAIT that covers a write just sent on l: one sent right behind it when
// none is in flight, else the next one, which goes out when the one in flight
// answers and covers every write sent meanwhile. So the link's pipeline holds
// at most two WAITs, and no command (a read either: WAIT holds the whole
// connection) waits behind more than two WAIT timeouts, well within its own
// command timeout, however many requests write at once. Null when it cannot
// be sent (the link dropped).
std::shared_ptr<pending> redis_connection::impl::join_wait(const std::shared_ptr<link>& l,
                                                           const asio::any_io_executor& ex) {
  if (rounds.on != l) {
    // A new link: the old one's WAIT in flight is answered by its own drop,
    // a next one never went out.
    if (rounds.next) {
      rounds.next->out = result<reply>(make_error_code(error::unavailable));
      rounds.next->done.cancel();
    }
    rounds.on = l;
    rounds.out = rounds.next = nullptr;
  }
  if (!rounds.out) {
    rounds.out = submit(l, wait_command(), ex);
    return rounds.out;
  }
  if (!rounds.next) {
    rounds.next = std::make_shared<pending>(ex);
    rounds.next->done.expires_after(timeout);  // from now, as for any command
  }
  return rounds.next;
}

// WAIT's answer for one write of the round, a copy: the round's other writes
// read it too. The first of them to wake sends the next round's WAIT.
asio::awaitable<result<reply>> redis_connection::impl::await_wait(std::shared_ptr<link> l,
                                                                  std::shared_ptr<pending> round) {
  if (!round) co_return make_error_code(error::unavailable);
  std::string name = "WAIT";  // a named local: see send()
  const bool ok = co_await answered(l, round, std::move(name));
  if (rounds.on == l && rounds.out == round) {
    // On a dropped link the next WAIT cannot go out: its writes fail now.
    rounds.out = std::exchange(rounds.next, nullptr);
    if (rounds.out && !submit_into(l, wait_command(), rounds.out)) {
      rounds.out->out = result<reply>(make_error_code(error::unavailable));
      rounds.out->done.cancel();
      rounds.out = nullptr;
    }
  }
  if (!ok) co_return make_error_code(error::unavailable);
  co_return *round->out;
}

redis_connection::redis_connection(asio::io_context& io, endpoint ep, milliseconds command_timeout)
    : impl_(std::make_unique<impl>(io, std::move(ep), command_timeout)) {}

redis_connection::~redis_connection() = default;

asio::awaitable<void> redis_connection::run() {
  impl& s = *impl_;
  s.stopped = false;
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
      s.plan.connected();
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
    s.wake.expires_after(s.plan.retry_after(s.rng()));
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

asio::awaitable<result<reply>> redis_connection::exec(std::vector<std::string> argv) {
  auto l = impl_->current;
  if (!l || !l->usable) co_return make_error_code(error::unavailable);
  auto r = co_await impl_->send(l, std::move(argv));
  // Through Sentinel, a demoted master means a failover: find the new one.
  if (r && impl_->ep.via_sentinel() && means_failover(*r)) {
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
  const auto ex = co_await asio::this_coro::executor;
  auto written = s.submit(l, argv, ex);
  if (!written) co_return make_error_code(error::unavailable);
  auto round = s.join_wait(l, ex);
  std::string name = argv.empty() ? std::string() : argv[0];  // see send()
  auto r = co_await s.await_reply(l, std::move(written), std::move(name));
  auto w = co_await s.await_wait(l, std::move(round));
  if (r && s.ep.via_sentinel() && means_failover(*r)) {
    log::warn("redis.not_master", {{"host", s.where()}, {"port", s.target_port}, {"error", r->str}});
    s.drop(l);
    co_return make_error_code(error::unavailable);
  }
  if (!r || r->is_error()) co_return r;  // nothing written, or the caller reads the error
  if (!w) co_return w.error();
  switch (read_wait(*w, s.replicas)) {
    case replication::bad_reply:
      log::error("redis.wait_failed", {{"error", w->str}});
      co_return make_error_code(error::unavailable);
    case replication::missing:
      // Every write of the round reads the same answer: say it once.
      if (!s.replicas_missing)
        log::warn("redis.replicas_missing", {{"acknowledged", w->integer}, {"required", s.replicas}});
      s.replicas_missing = true;
      co_return make_error_code(error::unavailable);
    case replication::acknowledged:
      break;
  }
  if (s.replicas_missing) log::info("redis.replicas_back", {{"acknowledged", w->integer}});
  s.replicas_missing = false;
  co_return r;
}

}  // namespace caseroute::store
