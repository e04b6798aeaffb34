// The XREAD loop and the resume reads. Redis stays the one source of truth:
// the hub only ever holds what the stream held, in its order.
#include "live/feed.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "log/log.hpp"
#include "store/errors.hpp"

namespace caseroute::live {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using store::command;
using store::reply;

namespace {

constexpr int read_batch = 512;
// Below the connection's command timeout, so a quiet feed never looks like a dead link.
constexpr auto block_ms = "1000";

std::optional<stream_id> newest_id(const reply& r) {
  if (r.type != reply::kind::array) return std::nullopt;
  if (r.elements.empty()) return stream_id{};
  const auto& e = r.elements.front();
  if (e.type != reply::kind::array || e.elements.empty()) return std::nullopt;
  return stream_id::parse(e.elements.front().str);
}

// A field of a flat XINFO answer ("name", value, ...).
const reply* info_field(const reply& r, std::string_view name) {
  if (r.type != reply::kind::array) return nullptr;
  for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2)
    if (r.elements[i].str == name) return &r.elements[i + 1];
  return nullptr;
}

}  // namespace

std::vector<entry_ptr> parse_entries(const reply& r, int* skipped) {
  std::vector<entry_ptr> out;
  if (r.type != reply::kind::array) return out;
  // XREAD answers [[key, entries]]; XRANGE answers entries. Entries: [[id, [field, value, ...]], ...].
  const reply* list = &r;
  if (!r.elements.empty() && r.elements.front().type == reply::kind::array && r.elements.front().elements.size() == 2 &&
      r.elements.front().elements[0].type == reply::kind::string &&
      r.elements.front().elements[1].type == reply::kind::array &&
      !stream_id::parse(r.elements.front().elements[0].str))
    list = &r.elements.front().elements[1];
  for (const auto& item : list->elements) {
    if (item.type != reply::kind::array || item.elements.size() != 2) continue;
    auto id = stream_id::parse(item.elements[0].str);
    const auto& fields = item.elements[1].elements;
    auto e = std::make_shared<entry>();
    bool ok = id.has_value();
    if (ok) e->id = *id;
    bool found = false;
    for (std::size_t i = 0; ok && i + 1 < fields.size(); i += 2) {
      if (fields[i].str != "e") continue;
      found = e->event.ParseFromString(fields[i + 1].str);
    }
    if (!ok || !found) {
      if (skipped) ++*skipped;
      continue;
    }
    out.push_back(std::move(e));
  }
  return out;
}

feed_reader::feed_reader(asio::io_context& io, store::redis_connection& redis, std::string feed_key, hub& h)
    : io_(io), redis_(redis), key_(std::move(feed_key)), hub_(h), pause_(io) {}

void feed_reader::stop() {
  stopping_ = true;
  pause_.cancel();
}

asio::awaitable<void> feed_reader::run() {
  while (!stopping_) {
    hub_.set_following(following_);
    if (!redis_.connected()) {
      following_ = false;
      pause_.expires_after(50ms);
      co_await pause_.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    if (!following_) {
      following_ = co_await find_place();
      if (!following_) {
        pause_.expires_after(100ms);
        co_await pause_.async_wait(asio::as_tuple(asio::use_awaitable));
      }
      continue;
    }
    // A failed read means the link dropped: find our place again on the next one.
    following_ = co_await read_more();
  }
  hub_.set_following(false);
}

// At start the feed's newest entry is where this replica begins; after a
// reconnection the newest entry it saw must still be in the feed.
asio::awaitable<bool> feed_reader::find_place() {
  auto newest = co_await redis_.exec(command("XREVRANGE", key_, "+", "-", "COUNT", "1"));
  if (!newest || newest->is_error()) co_return false;
  auto at = newest_id(*newest);
  if (!at) co_return false;
  if (!placed_) {
    // Everything before `at` is read by whoever needs it (the dispatcher's
    // full load) when the hub says so: a resync at the start.
    placed_ = true;
    log::info("feed.following", {{"from", at->str()}});
    hub_.resync(*at);
    co_return true;
  }
  const auto seen = hub_.last_id();
  if (seen == stream_id{} && *at == stream_id{}) co_return true;  // still empty
  auto still = co_await redis_.exec(command("XRANGE", key_, seen.str(), seen.str()));
  if (!still || still->is_error()) co_return false;
  if (still->type == reply::kind::array && !still->elements.empty()) co_return true;
  log::warn("feed.gap", {{"last_seen", seen.str()}, {"newest", at->str()}});
  hub_.resync(*at);
  co_return true;
}

asio::awaitable<bool> feed_reader::read_more() {
  auto r = co_await redis_.exec(
      command("XREAD", "COUNT", std::to_string(read_batch), "BLOCK", block_ms, "STREAMS", key_, hub_.last_id().str()));
  if (!r) co_return false;
  if (r->is_error()) {
    log::warn("feed.read_failed", {{"error", r->str}});
    co_return false;
  }
  if (r->is_nil()) co_return true;  // nothing new within the block time
  int skipped = 0;
  for (auto& e : parse_entries(*r, &skipped)) hub_.publish(std::move(e));
  if (skipped > 0) log::error("feed.bad_entries", {{"count", skipped}});
  co_return true;
}

asio::awaitable<boost::system::result<feed_page>> read_feed(store::redis_connection& redis, std::string feed_key,
                                                            stream_id after, int count) {
  feed_page page;
  // The entry the client saw last is still held: everything after it is too
  // (trimming drops the oldest first, and nothing deletes entries).
  auto held = co_await redis.exec(command("XRANGE", feed_key, after.str(), after.str()));
  if (!held) co_return held.error();
  if (held->is_error()) co_return make_error_code(store::error::redis_error);
  if (held->elements.empty()) {
    auto info = co_await redis.exec(command("XINFO", "STREAM", feed_key));
    if (!info) co_return info.error();
    if (info->is_error()) {
      if (info->str.find("no such key") == std::string::npos) co_return make_error_code(store::error::redis_error);
      // Nothing was ever written: a client that saw something saw another Redis.
      page.trimmed = after != stream_id{};
      co_return page;
    }
    const auto* first = info_field(*info, "first-entry");
    const auto* newest = info_field(*info, "last-generated-id");
    const auto* added = info_field(*info, "entries-added");
    const auto* length = info_field(*info, "length");
    std::optional<stream_id> first_id, newest_id;
    if (first && first->type == reply::kind::array && !first->elements.empty())
      first_id = stream_id::parse(first->elements.front().str);
    if (newest) newest_id = stream_id::parse(newest->str);
    if (after == stream_id{}) {
      // From the very start: complete unless the oldest entries were trimmed.
      page.trimmed = added && length && added->integer > length->integer;
    } else {
      // Older than what is held, or newer than anything this Redis wrote
      // (entries lost in a failover): the client must reload.
      page.trimmed = (first_id && after < *first_id) || (newest_id && *newest_id < after);
    }
    if (page.trimmed) co_return page;
  }
  auto r = co_await redis.exec(command("XRANGE", feed_key, "(" + after.str(), "+", "COUNT", std::to_string(count)));
  if (!r) co_return r.error();
  if (r->is_error()) co_return make_error_code(store::error::redis_error);
  page.entries = parse_entries(*r);
  co_return page;
}

}  // namespace caseroute::live
