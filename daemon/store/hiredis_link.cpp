// hiredis's async API joined to Asio: the context's fd sits in a
// stream_descriptor that hiredis's add/del read/write hooks arm, and replies
// are copied out inside the callback. hiredis owns the fd and frees the
// context itself; nothing here may outlive that.
#include "store/hiredis_link.hpp"

#include <hiredis/hiredis.h>
#include <poll.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <memory>

#include "store/errors.hpp"

namespace caseroute::store::detail {

namespace {

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

}  // namespace

void attach(asio::io_context& io, redisAsyncContext* ac) {
  ac->ev.data = new watcher_ptr(std::make_shared<watcher>(io, ac));
  ac->ev.addRead = add_read;
  ac->ev.delRead = del_read;
  ac->ev.addWrite = add_write;
  ac->ev.delWrite = del_write;
  ac->ev.cleanup = cleanup;
}

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

}  // namespace caseroute::store::detail
