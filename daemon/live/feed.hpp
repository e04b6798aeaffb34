// The feed reader: every replica follows the city's change feed (a capped
// Redis Stream the transition scripts append to) on a connection of its own
// with a blocking XREAD, and publishes each entry to its hub in stream order.
// After any disconnect it checks that the last entry it saw is still there:
// if not (lost in a failover, trimmed while we were away, Redis emptied) the
// hub resyncs instead of going silent.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "live/hub.hpp"
#include "store/redis_connection.hpp"

namespace caseroute::live {

// Parses an XREAD / XRANGE answer into entries, oldest first. Entries whose
// event does not parse are skipped (counted in `skipped`).
std::vector<entry_ptr> parse_entries(const store::reply& r, int* skipped = nullptr);

// Owned by app. `redis` is a connection of the feed's own (its blocking XREAD
// would hold up every other command on a shared one), run by app.
class feed_reader {
 public:
  feed_reader(boost::asio::io_context& io, store::redis_connection& redis, std::string feed_key, hub& h);

  // Follows the feed until stop().
  boost::asio::awaitable<void> run();
  void stop();

  // True once the reader has found its place in the feed since the last
  // (re)connection: until then the hub may be behind.
  bool following() const { return following_; }

 private:
  boost::asio::awaitable<bool> find_place();
  boost::asio::awaitable<bool> read_more();

  boost::asio::io_context& io_;
  store::redis_connection& redis_;
  std::string key_;
  hub& hub_;
  boost::asio::steady_timer pause_;
  bool stopping_ = false;
  bool following_ = false;
  bool placed_ = false;  // the hub has a position (start_at was called once)
};

// Reads up to `count` entries after `after` straight from Redis, for a
// client resuming further back than the hub remembers (use the main
// connection, not the reader's: its blocking XREAD would hold this up).
// `trimmed` is true when entries after `after` may be missing (the stream
// was trimmed past it, or `after` is newer than anything this Redis wrote,
// as after a failover that lost entries): the client must resync.
struct feed_page {
  std::vector<entry_ptr> entries;
  bool trimmed = false;
};
boost::asio::awaitable<boost::system::result<feed_page>> read_feed(store::redis_connection& redis, std::string feed_key,
                                                                   stream_id after, int count);

}  // namespace caseroute::live
