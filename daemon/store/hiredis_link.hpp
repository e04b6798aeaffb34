// hiredis's async context joined to Asio (store/ internal; only
// redis_connection.cpp includes it): the event hooks, one command in flight,
// and one link's state. Nothing here reconnects, retries or logs.
#pragma once

#include <hiredis/async.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <optional>
#include <string>

#include "store/redis_connection.hpp"

namespace caseroute::store::detail {

namespace asio = boost::asio;
using boost::system::result;

// Arms ac's fd in io through hiredis's add/del read/write hooks; hiredis's
// cleanup hook releases the fd (hiredis closes it) when it frees ac.
void attach(asio::io_context& io, redisAsyncContext* ac);

// One command in flight. The timer doubles as the wake-up signal: the reply
// callback sets `out` and cancels it; expiry means the command timed out.
// cancel() wakes only a wait already started, so look at `out` before
// waiting: a reply may have come in the same read as an earlier one.
struct pending {
  asio::steady_timer done;
  std::optional<result<reply>> out;
  explicit pending(const asio::any_io_executor& ex) : done(ex) {}
};

// The reply callback for a pending held as a heap-allocated
// std::shared_ptr<pending>* privdata, which it deletes.
void on_reply(redisAsyncContext*, void* r, void* privdata);

// One hiredis context; ac->data points at it while the context lives.
struct link {
  enum class status { connecting, up, down };
  redisAsyncContext* ctx = nullptr;  // null once hiredis freed it
  status st = status::connecting;
  bool usable = false;  // authenticated and on the right db
  std::string error;
  asio::steady_timer changed;  // cancelled whenever st changes
  explicit link(const asio::any_io_executor& ex) : changed(ex) {}
};

void on_link_connect(const redisAsyncContext* ac, int status);
void on_link_disconnect(const redisAsyncContext* ac, int);

}  // namespace caseroute::store::detail
