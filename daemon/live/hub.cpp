// Fan-out of feed entries. Waiting is a steady_timer that the hub cancels to
// wake its owner; the owner tells a wake-up from a deadline by a flag.
#include "live/hub.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <utility>

namespace caseroute::live {

namespace asio = boost::asio;

subscription::subscription(asio::io_context& io, std::function<bool(const entry&)> filter, std::size_t max_queued)
    : filter_(std::move(filter)), max_queued_(std::max<std::size_t>(1, max_queued)), ready_(io) {}

void subscription::offer(const entry_ptr& e) {
  if (pending_ == status::overflow || pending_ == status::closed) return;
  if (filter_ && !filter_(*e)) return;
  // The feed reader publishes a whole XREAD batch at once, so a client that
  // keeps up may briefly have more than max_queued waiting: it is cut when
  // its writer took nothing for a while, or when far too many wait.
  const bool stalled = std::chrono::steady_clock::now() - drained_at_ > patience;
  if (queued_.size() >= max_queued_ && (stalled || queued_.size() >= 8 * max_queued_)) {
    mark(status::overflow);
    if (auto f = std::exchange(on_overflow_, nullptr)) f();
    return;
  }
  queued_.push_back(e);
  ready_.cancel();
}

void subscription::mark(status s) {
  // An overflow or a close outranks a resync: the stream ends either way.
  if (pending_ != status::overflow && pending_ != status::closed) pending_ = s;
  if (s == status::overflow || s == status::closed) queued_.clear();
  ready_.cancel();
}

asio::awaitable<subscription::status> subscription::next(std::vector<entry_ptr>& out,
                                                         std::chrono::steady_clock::duration max) {
  if (queued_.empty() && !pending_) {
    ready_.expires_after(max);
    co_await ready_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  if (pending_ == status::overflow || pending_ == status::closed) co_return *pending_;
  if (!queued_.empty()) {
    out.insert(out.end(), std::make_move_iterator(queued_.begin()), std::make_move_iterator(queued_.end()));
    queued_.clear();
    drained_at_ = std::chrono::steady_clock::now();
    co_return status::entries;
  }
  if (pending_) {
    const auto s = *pending_;
    pending_.reset();
    co_return s;
  }
  co_return status::idle;
}

hub::hub(asio::io_context& io, std::size_t recent_capacity)
    : io_(io), recent_capacity_(std::max<std::size_t>(1, recent_capacity)) {}

void hub::start_at(stream_id id) {
  recent_.clear();
  announced_.clear();
  only_in_redis_up_to_ = id;
  last_ = id;
}

void hub::publish(entry_ptr e) {
  last_ = e->id;
  recent_.push_back(e);
  if (recent_.size() > recent_capacity_) {
    only_in_redis_up_to_ = recent_.front()->id;
    recent_.pop_front();
  }
  // Woken already by announced() when the entry is at or before what it named.
  if (const std::string& counselor = e->event.counselor_id();
      !counselor.empty() && !announced_.known(counselor, e->id)) {
    ++counselor_entries_[counselor];
    wake(counselor);
  }
  std::erase_if(subscriptions_, [&](const std::weak_ptr<subscription>& w) {
    auto s = w.lock();
    if (!s) return true;
    s->offer(e);
    return false;
  });
  for (const auto& f : entry_listeners_) f(*e);
}

void hub::resync(stream_id now_at) {
  start_at(now_at);
  ++resyncs_;
  wake_all();
  std::erase_if(subscriptions_, [](const std::weak_ptr<subscription>& w) {
    auto s = w.lock();
    if (!s) return true;
    s->mark(subscription::status::resync);
    return false;
  });
  for (const auto& f : resync_listeners_) f();
}

void hub::close() {
  wake_all();
  for (const auto& w : subscriptions_)
    if (auto s = w.lock()) s->mark(subscription::status::closed);
}

std::optional<std::vector<entry_ptr>> hub::since(stream_id after) const {
  if (after < only_in_redis_up_to_) return std::nullopt;
  std::vector<entry_ptr> out;
  auto it = std::upper_bound(recent_.begin(), recent_.end(), after,
                             [](const stream_id& id, const entry_ptr& e) { return id < e->id; });
  out.assign(it, recent_.end());
  return out;
}

std::shared_ptr<subscription> hub::subscribe(std::function<bool(const entry&)> filter, std::size_t max_queued) {
  auto s = std::make_shared<subscription>(io_, std::move(filter), max_queued);
  subscriptions_.push_back(s);
  return s;
}

std::size_t hub::subscriptions() const {
  return static_cast<std::size_t>(
      std::count_if(subscriptions_.begin(), subscriptions_.end(), [](const auto& w) { return !w.expired(); }));
}

std::uint64_t hub::counselor_version(const std::string& counselor_id) const {
  // Resyncs count too (in the high bits), so a resync since `seen` wakes the caller.
  auto it = counselor_entries_.find(counselor_id);
  return (resyncs_ << 40) + (it == counselor_entries_.end() ? 0 : it->second);
}

asio::awaitable<bool> hub::wait_for_counselor(std::string counselor_id, std::uint64_t seen,
                                              std::chrono::steady_clock::duration max) {
  if (counselor_version(counselor_id) != seen) co_return true;
  asio::steady_timer timer(io_, max);
  bool woken = false;
  auto at = waiters_.emplace(counselor_id, waiter{&timer, &woken});
  ++waiting_;
  struct unregister {
    hub& h;
    std::multimap<std::string, waiter>::iterator at;
    ~unregister() {
      h.waiters_.erase(at);
      --h.waiting_;
    }
  } done{*this, at};
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  co_return woken;
}

void hub::announced(const std::string& counselor_id, stream_id up_to) {
  if (!announced_.note(counselor_id, up_to, last_)) return;  // the feed reader published it: they were woken
  ++counselor_entries_[counselor_id];
  wake(counselor_id);
}

void hub::wake(const std::string& counselor_id) {
  auto [first, last] = waiters_.equal_range(counselor_id);
  for (auto it = first; it != last; ++it) {
    *it->second.woken = true;
    it->second.timer->cancel();
  }
}

void hub::wake_all() {
  for (auto& [id, w] : waiters_) {
    *w.woken = true;
    w.timer->cancel();
  }
}

}  // namespace caseroute::live
