// One hiredis async connection joined to an Asio io_context through hiredis's
// event hooks, with reconnection and backoff. The only hiredis user besides
// case_store.cpp; replies are copied into plain values inside the callback.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace caseroute::store {

// A Redis reply, copied out of hiredis.
struct reply {
  enum class kind { nil, string, status, error, integer, array };
  kind type = kind::nil;
  std::string str;              // string, status, error
  std::int64_t integer = 0;     // integer
  std::vector<reply> elements;  // array

  bool is_error() const { return type == kind::error; }
  bool is_nil() const { return type == kind::nil; }
};

// Where to connect: a TCP endpoint or a unix socket (managed Redis).
struct endpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string unix_socket;  // when set, host/port are ignored
  int db = 0;
  std::string username;  // Redis 6 ACL user; empty = the default user
  std::string password;
};

// Parses "redis://[[user]:password@]host[:port][/db]" or "unix:///path/to/sock[?db=N]".
// Fails with error::bad_config.
boost::system::result<endpoint> parse_redis_url(const std::string& url);

// Builds an argv for exec() and run_script(). Use it instead of a braced list
// inside a co_await expression: g++ 12 rejects initializer lists there
// ("array used as initializer").
template <class... A>
std::vector<std::string> command(A&&... a) {
  std::vector<std::string> v;
  v.reserve(sizeof...(A));
  (v.emplace_back(std::forward<A>(a)), ...);
  return v;
}

// Owned by app; lives as long as the io_context runs and is destroyed before
// it. All members are called on the io_context's single thread.
class redis_connection {
 public:
  redis_connection(boost::asio::io_context& io, endpoint ep,
                   std::chrono::milliseconds command_timeout = std::chrono::milliseconds(5000));
  ~redis_connection();
  redis_connection(const redis_connection&) = delete;
  redis_connection& operator=(const redis_connection&) = delete;

  // Connects, SELECTs the db, and reconnects with exponential backoff (100 ms
  // .. 5 s) whenever the link drops, until stop(). Also calls on_connect
  // after every successful (re)connection, before marking itself ready.
  boost::asio::awaitable<void> run();
  void stop();

  // True while connected and usable.
  bool connected() const;

  // Sends one command as argv (binary safe). Fails with error::unavailable
  // when not connected, when the link drops before the reply, or after the
  // command timeout (a timeout also drops the link, which run() re-opens).
  // A Redis error reply is returned as a reply of kind error. Usable from
  // on_connect, before connected() turns true.
  boost::asio::awaitable<boost::system::result<reply>> exec(std::vector<std::string> argv);

  // Hook run after each (re)connection, e.g. to check maxmemory-policy.
  // Its failure is logged and the connection is retried.
  std::function<boost::asio::awaitable<boost::system::result<void>>()> on_connect;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace caseroute::store
