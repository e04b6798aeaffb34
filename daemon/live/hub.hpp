// The change feed inside one replica: the feed reader publishes each entry
// once, in stream order, and the hub hands it to whoever waits for it — long
// polls of the counselor it concerns, event streams whose filter takes it,
// and listeners such as the dispatcher. Publishing never blocks: an event
// stream that cannot keep up is cut, never waited for.
//
// Threading: everything on the io_context thread.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "caseroute/v1/caseroute.pb.h"
#include "live/ahead_of_feed.hpp"
#include "live/stream_id.hpp"

namespace caseroute::live {

// One entry of the feed: the event a transition wrote, with the stream id
// Redis gave it.
struct entry {
  stream_id id;
  v1::Event event;
};
using entry_ptr = std::shared_ptr<const entry>;

// One event stream's view of the feed: the entries its filter took since it
// subscribed, at most `max_queued` of them waiting to be written.
class subscription {
 public:
  enum class status {
    entries,   // `out` got one or more entries
    idle,      // nothing within the wait: time for a heartbeat
    resync,    // the feed had a gap: the client must reload its views
    overflow,  // the client fell behind (see offer): cut it
    closed,    // the daemon is shutting down: end the stream
  };

  subscription(boost::asio::io_context& io, std::function<bool(const entry&)> filter, std::size_t max_queued);

  // Called (once, synchronously, from the publisher) when the subscription
  // overflows: e.g. to abort a write the client is not taking.
  void on_overflow(std::function<void()> f) { on_overflow_ = std::move(f); }

  // Waits at most `max` for news. Entries come out in stream order and are
  // moved into `out` (appended).
  boost::asio::awaitable<status> next(std::vector<entry_ptr>& out, std::chrono::steady_clock::duration max);

 private:
  friend class hub;
  void offer(const entry_ptr& e);
  void mark(status s);

  std::function<bool(const entry&)> filter_;
  // More than max_queued waiting is an overflow once the writer took
  // nothing for `patience` (a batch from the feed can exceed it for a
  // moment), and at once at 8 x max_queued.
  static constexpr std::chrono::seconds patience{1};
  std::size_t max_queued_;
  std::chrono::steady_clock::time_point drained_at_ = std::chrono::steady_clock::now();
  std::deque<entry_ptr> queued_;
  std::optional<status> pending_;  // resync or overflow, reported once the queue is drained (overflow: at once)
  std::function<void()> on_overflow_;
  boost::asio::steady_timer ready_;
};

class hub {
 public:
  // Keeps the last `recent_capacity` entries in memory, so a client resuming
  // a few moments back is served without reading Redis.
  hub(boost::asio::io_context& io, std::size_t recent_capacity = 4096);

  // Where the feed stood when this replica started reading it: entries up to
  // and including `id` are only in Redis.
  void start_at(stream_id id);
  // Called by the feed reader for each entry, in stream order.
  void publish(entry_ptr e);
  // After a gap (entries lost in a failover, trimmed, or Redis emptied):
  // streams are told to reload, every long poll wakes, listeners re-read
  // everything. Reading goes on from `now_at`.
  void resync(stream_id now_at);

  // Shutting down: every long poll wakes, every stream is told to end.
  void close();

  // The newest entry published (or start_at).
  stream_id last_id() const { return last_; }
  // Whether the feed reader follows the feed now; while it does not (Redis
  // down, reconnecting), news may come late: long polls re-read sooner.
  bool following() const { return following_; }
  void set_following(bool f) { following_ = f; }
  // Every entry after `after` if memory still holds all of them (an empty
  // vector when there are none yet); nullopt when some are only in Redis.
  std::optional<std::vector<entry_ptr>> since(stream_id after) const;

  // Event streams: a subscription sees every entry published after this
  // call that `filter` takes. Unsubscribe by dropping the pointer.
  std::shared_ptr<subscription> subscribe(std::function<bool(const entry&)> filter, std::size_t max_queued);

  // Long polls. How many entries about `counselor_id` (its counselor_id
  // field) and resyncs the hub has seen: read it before reading Redis, pass
  // it to wait_for_counselor, and nothing published in between is missed.
  std::uint64_t counselor_version(const std::string& counselor_id) const;
  // Waits at most `max` for an entry about `counselor_id` or a resync after
  // `seen` (a counselor_version). true at once when one came since, or when
  // woken by one; false at the deadline or when the caller is cancelled.
  boost::asio::awaitable<bool> wait_for_counselor(std::string counselor_id, std::uint64_t seen,
                                                  std::chrono::steady_clock::duration max);
  // A script this replica ran changed what `counselor_id` is offered and its
  // last feed entry is `up_to` (it committed): their long polls wake now,
  // not when the feed reader gets there. The entries about them up to
  // `up_to` wake nobody again when they arrive: a read after this call
  // already saw what they announce. Nothing when the feed is there already.
  void announced(const std::string& counselor_id, stream_id up_to);

  // Listeners are called synchronously from publish() and resync(); they
  // must not block (the dispatcher only notes what changed and kicks itself).
  void on_entry(std::function<void(const entry&)> f) { entry_listeners_.push_back(std::move(f)); }
  void on_resync(std::function<void()> f) { resync_listeners_.push_back(std::move(f)); }

  std::size_t subscriptions() const;
  std::size_t waiting() const { return waiting_; }

 private:
  struct waiter {
    boost::asio::steady_timer* timer;
    bool* woken;
  };
  void wake(const std::string& counselor_id);
  void wake_all();

  boost::asio::io_context& io_;
  std::size_t recent_capacity_;
  std::deque<entry_ptr> recent_;
  stream_id only_in_redis_up_to_{};  // the newest entry not in recent_
  stream_id last_{};
  bool following_ = false;
  std::vector<std::weak_ptr<subscription>> subscriptions_;
  std::multimap<std::string, waiter> waiters_;
  std::map<std::string, std::uint64_t, std::less<>> counselor_entries_;  // entries about each counselor
  // Per counselor, the newest feed id announced() ahead of the feed reader.
  ahead_of_feed announced_;
  std::uint64_t resyncs_ = 0;
  std::size_t waiting_ = 0;
  std::vector<std::function<void(const entry&)>> entry_listeners_;
  std::vector<std::function<void()>> resync_listeners_;
};

}  // namespace caseroute::live
