// One hiredis async connection joined to an Asio io_context through hiredis's
// event hooks, with reconnection and backoff. The only hiredis user besides
// case_store.cpp; replies are copied into plain values inside the callback.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "store/reply.hpp"

namespace caseroute::store {

// One Redis Sentinel to ask where the master is.
struct sentinel_address {
  std::string host;
  int port = 26379;
};

// Where to connect: a TCP endpoint, a unix socket (managed Redis), or the
// master that Sentinel names (host/port are then found on each connect).
struct endpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string unix_socket;  // when set, host/port are ignored
  int db = 0;
  std::string username;                     // Redis 6 ACL user; empty = the default user
  std::string password;                     // for the data node (with Sentinel: the master), never the sentinels
  std::vector<sentinel_address> sentinels;  // when set, host/port/unix_socket are ignored
  std::string master_name;                  // the name the sentinels monitor

  bool via_sentinel() const { return !sentinels.empty(); }
};

// Parses "redis://[[user]:password@]host[:port][/db]", "unix:///path/to/sock[?db=N]"
// or "sentinel://[[user]:password@]h1[:26379],h2[:26379]/master-name[?db=N]".
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
  // .. 5 s; 1 s with Sentinel) whenever the link drops, until stop(). Also
  // calls on_connect after every successful (re)connection, before marking
  // itself ready. With Sentinel, each connect first asks the sentinels in turn
  // for the master's address and then confirms with ROLE that it is a master;
  // while connected it asks a sentinel once a second and drops the link when
  // the master moved (failover), as it does on a READONLY/LOADING/MASTERDOWN reply.
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

  // redis.durability: replicated. After this, exec_write() waits (WAIT) until
  // `replicas` replicas have every write sent on this connection, for at most
  // `timeout` (keep it below half the command timeout: WAIT holds the whole
  // connection, and a command may sit behind two of them). 0 replicas (the
  // default) = local durability.
  void require_replicas(int replicas, std::chrono::milliseconds timeout);

  // exec() for a command that changes state. With replicas required, a WAIT
  // follows it on the same link (so a reconnect cannot answer it for a link
  // that never saw the write): right behind it, or, while another WAIT is in
  // flight, one WAIT for all the writes sent meanwhile once that one answers.
  // The call fails with error::unavailable when fewer replicas acknowledged
  // in time: the write may or may not survive a failover, and the caller's
  // client retries.
  boost::asio::awaitable<boost::system::result<reply>> exec_write(std::vector<std::string> argv);

  // Hook run after each (re)connection, e.g. to check maxmemory-policy.
  // Its failure is logged and the connection is retried.
  std::function<boost::asio::awaitable<boost::system::result<void>>()> on_connect;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace caseroute::store
