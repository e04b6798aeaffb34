// hiredis's async API joined to Asio: the context's fd sits in a
// stream_descriptor that hiredis's add/del read/write hooks arm, replies are
// copied out inside the callback, and run() reconnects with backoff. hiredis
// owns the fd and frees the context itself; nothing here may outlive that.
#include "store/redis_connection.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <poll.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>
#include <random>

#include "log/log.hpp"
#include "store/errors.hpp"

namespace caseroute::store {

namespace asio = boost::asio;
using boost::system::result;
using std::chrono::milliseconds;

namespace {

constexpr auto await_tuple = asio::as_tuple(asio::use_awaitable);

// ---- event hooks: one watcher per hiredis context -------------------------

// Shared by the hooks and every pending wait, so a wait that completes after
// hiredis ran cleanup finds `closed` set instead of freed memory.
struct watcher {
  redisAsyncContext* ctx;
  asio::posix::stream_descriptor fd;
  bool closed = false;
  bool want_read = false, want_write = false;
  bool read_armed = false, write_armed = false;
  watcher(asio::io_context& io, redisAsyncContext* c) : ctx(c), fd(io, c->c.fd) {}
};
using watcher_ptr = std::shared_ptr<watcher>;

// Asio's epoll reactor is edge-triggered: bytes hiredis left unread (it reads
// 16 KiB per call) raise no new event, so look before waiting.
bool ready_now(int fd, short events) {
  pollfd p{fd, events, 0};
  return ::poll(&p, 1, 0) > 0;
}

void arm_read(const watcher_ptr& w);
void arm_write(const watcher_ptr& w);

void on_readable(const watcher_ptr& w) {
  w->read_armed = false;
  if (w->closed || !w->want_read) return;
  redisAsyncHandleRead(w->ctx);  // may free the context; cleanup then sets closed
  arm_read(w);
}

void on_writable(const watcher_ptr& w) {
  w->write_armed = false;
  if (w->closed || !w->want_write) return;
  redisAsyncHandleWrite(w->ctx);
  arm_write(w);
}

void arm_read(const watcher_ptr& w) {
  if (w->closed || !w->want_read || w->read_armed) return;
  w->read_armed = true;
  if (ready_now(w->fd.native_handle(), POLLIN))
    asio::post(w->fd.get_executor(), [w] { on_readable(w); });
  else
    w->fd.async_wait(asio::posix::stream_descriptor::wait_read, [w](boost::system::error_code) { on_readable(w); });
}

void arm_write(const watcher_ptr& w) {
  if (w->closed || !w->want_write || w->write_armed) return;
  w->write_armed = true;
  if (ready_now(w->fd.native_handle(), POLLOUT))
    asio::post(w->fd.get_executor(), [w] { on_writable(w); });
  else
    w->fd.async_wait(asio::posix::stream_descriptor::wait_write, [w](boost::system::error_code) { on_writable(w); });
}

watcher_ptr& hook(void* d) { return *static_cast<watcher_ptr*>(d); }
void add_read(void* d) {
  hook(d)->want_read = true;
  arm_read(hook(d));
}
void del_read(void* d) { hook(d)->want_read = false; }
void add_write(void* d) {
  hook(d)->want_write = true;
  arm_write(hook(d));
}
void del_write(void* d) { hook(d)->want_write = false; }
void cleanup(void* d) {
  auto* h = static_cast<watcher_ptr*>(d);
  (*h)->closed = true;
  (*h)->fd.release();  // hiredis closes the fd itself; pending waits end as aborted
  delete h;
}

void attach(asio::io_context& io, redisAsyncContext* ac) {
  ac->ev.data = new watcher_ptr(std::make_shared<watcher>(io, ac));
  ac->ev.addRead = add_read;
  ac->ev.delRead = del_read;
  ac->ev.addWrite = add_write;
  ac->ev.delWrite = del_write;
  ac->ev.cleanup = cleanup;
}

// ---- commands -------------------------------------------------------------

reply copy_reply(const redisReply* r) {
  reply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = reply::kind::string;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = reply::kind::status;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = reply::kind::error;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = reply::kind::integer;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = reply::kind::array;
      out.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(copy_reply(r->element[i]));
      break;
    default:
      out.type = reply::kind::nil;
      break;
  }
  return out;
}

// One command in flight. The timer doubles as the wake-up signal: the reply
// callback cancels it; expiry means the command timed out.
struct pending {
  asio::steady_timer done;
  std::optional<result<reply>> out;
  explicit pending(const asio::any_io_executor& ex) : done(ex) {}
};

void on_reply(redisAsyncContext*, void* r, void* privdata) {
  std::unique_ptr<std::shared_ptr<pending>> holder(static_cast<std::shared_ptr<pending>*>(privdata));
  pending& p = **holder;
  // hiredis passes a null reply when the context is freed or the link dropped.
  if (r)
    p.out = copy_reply(static_cast<const redisReply*>(r));
  else
    p.out = result<reply>(make_error_code(error::unavailable));
  p.done.cancel();
}

// ---- one link (one hiredis context) ---------------------------------------

struct link {
  enum class status { connecting, up, down };
  redisAsyncContext* ctx = nullptr;  // null once hiredis freed it
  status st = status::connecting;
  bool usable = false;  // authenticated and on the right db
  std::string error;
  asio::steady_timer changed;  // cancelled whenever st changes
  explicit link(const asio::any_io_executor& ex) : changed(ex) {}
};

void on_link_connect(const redisAsyncContext* ac, int status) {
  auto* l = static_cast<link*>(ac->data);
  if (!l) return;
  if (status == REDIS_OK) {
    l->st = link::status::up;
  } else {
    l->error = ac->errstr ? ac->errstr : "connect failed";
    l->st = link::status::down;
    l->ctx = nullptr;  // hiredis frees a context whose connect failed
  }
  l->changed.cancel();
}

void on_link_disconnect(const redisAsyncContext* ac, int) {
  auto* l = static_cast<link*>(ac->data);
  if (!l) return;
  if (ac->errstr && l->error.empty()) l->error = ac->errstr;
  l->st = link::status::down;
  l->usable = false;
  l->ctx = nullptr;  // freed by hiredis when this callback returns
  l->changed.cancel();
}

}  // namespace

struct redis_connection::impl {
  asio::io_context& io;
  endpoint ep;
  milliseconds timeout;
  std::shared_ptr<link> current;
  bool ready = false;
  bool stopped = false;
  asio::steady_timer wake;
  std::mt19937 rng{std::random_device{}()};

  impl(asio::io_context& i, endpoint e, milliseconds t) : io(i), ep(std::move(e)), timeout(t), wake(i) {}
  ~impl() {
    stopped = true;
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

  std::string where() const { return ep.unix_socket.empty() ? ep.host : ep.unix_socket; }

  asio::awaitable<result<reply>> send(std::shared_ptr<link> l, std::vector<std::string> argv);
  asio::awaitable<std::shared_ptr<link>> connect_once();
};

asio::awaitable<result<reply>> redis_connection::impl::send(std::shared_ptr<link> l, std::vector<std::string> argv) {
  if (!l || l->st != link::status::up || !l->ctx || argv.empty()) co_return make_error_code(error::unavailable);
  std::vector<const char*> ptrs;
  std::vector<std::size_t> lens;
  ptrs.reserve(argv.size());
  lens.reserve(argv.size());
  for (const auto& a : argv) {
    ptrs.push_back(a.data());
    lens.push_back(a.size());
  }
  auto p = std::make_shared<pending>(co_await asio::this_coro::executor);
  p->done.expires_after(timeout);
  auto* holder = new std::shared_ptr<pending>(p);
  if (redisAsyncCommandArgv(l->ctx, on_reply, holder, static_cast<int>(argv.size()), ptrs.data(), lens.data()) !=
      REDIS_OK) {
    delete holder;
    co_return make_error_code(error::unavailable);
  }
  auto [ec] = co_await p->done.async_wait(await_tuple);
  if (p->out) co_return std::move(*p->out);
  if (!ec) {
    // No answer in time: treat the link as dead rather than wait on it forever.
    log::warn("redis.timeout", {{"command", argv[0]}, {"timeout_ms", timeout.count()}});
    drop(l);
  }
  co_return make_error_code(error::unavailable);
}

asio::awaitable<std::shared_ptr<link>> redis_connection::impl::connect_once() {
  redisAsyncContext* ac = ep.unix_socket.empty() ? redisAsyncConnect(ep.host.c_str(), ep.port)
                                                 : redisAsyncConnectUnix(ep.unix_socket.c_str());
  if (!ac) throw std::bad_alloc();
  if (ac->err) {
    log::warn("redis.connect_failed", {{"host", where()}, {"port", ep.port}, {"error", ac->errstr}});
    redisAsyncFree(ac);
    co_return nullptr;
  }
  auto l = std::make_shared<link>(co_await asio::this_coro::executor);
  l->ctx = ac;
  current = l;
  ac->data = l.get();
  attach(io, ac);
  redisAsyncSetConnectCallback(ac, on_link_connect);
  redisAsyncSetDisconnectCallback(ac, on_link_disconnect);

  l->changed.expires_after(timeout);
  while (l->st == link::status::connecting) {
    auto [ec] = co_await l->changed.async_wait(await_tuple);
    if (!ec) break;  // expired: connect timeout
  }
  if (l->st != link::status::up) {
    std::string why = l->st == link::status::connecting ? "connect timeout" : l->error;
    drop(l);
    log::warn("redis.connect_failed", {{"host", where()}, {"port", ep.port}, {"error", why}});
    co_return nullptr;
  }

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
  l->usable = l->st == link::status::up;
  co_return l->usable ? l : nullptr;
}

redis_connection::redis_connection(asio::io_context& io, endpoint ep, milliseconds command_timeout)
    : impl_(std::make_unique<impl>(io, std::move(ep), command_timeout)) {}

redis_connection::~redis_connection() = default;

asio::awaitable<void> redis_connection::run() {
  impl& s = *impl_;
  s.stopped = false;
  milliseconds backoff(100);
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
      log::info("redis.connected", {{"host", s.where()}, {"port", s.ep.port}, {"db", s.ep.db}});
      backoff = milliseconds(100);
      while (l->st == link::status::up && !s.stopped) {
        l->changed.expires_at(asio::steady_timer::time_point::max());
        co_await l->changed.async_wait(await_tuple);
      }
      s.ready = false;
      log::warn("redis.disconnected", {{"host", s.where()}, {"port", s.ep.port}, {"error", l->error}});
    }
    if (s.stopped) break;
    // Jitter in [backoff/2, backoff] so replicas do not reconnect in lockstep.
    std::uniform_int_distribution<long> jitter(backoff.count() / 2, backoff.count());
    s.wake.expires_after(milliseconds(jitter(s.rng)));
    co_await s.wake.async_wait(await_tuple);
    backoff = std::min(backoff * 2, milliseconds(5000));
  }
  s.ready = false;
}

void redis_connection::stop() {
  impl_->stopped = true;
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
  co_return co_await impl_->send(std::move(l), std::move(argv));
}

}  // namespace caseroute::store
