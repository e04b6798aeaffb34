// GET /v1/events: the change feed as Server-Sent Events (docs/API.md). Each
// event goes out with its feed id as the SSE id; a client that reconnects to
// any replica with Last-Event-ID gets exactly the events after it, from
// memory or from Redis, or a `resync` when the feed no longer reaches back
// that far. Events carry ids, codes, levels and times, never personal data or
// free text.
#include "events/events.hpp"

#include <boost/asio/this_coro.hpp>

#include <set>
#include <string_view>
#include <vector>

#include "api/errors.hpp"
#include "http/codec.hpp"
#include "live/feed.hpp"
#include "log/log.hpp"

namespace caseroute::events {
namespace {

namespace asio = boost::asio;
using api::caller;
using api::context;
using api::fail;

constexpr int replay_page = 500;

// Every event type the feed carries; a ?types= filter may name these only.
const std::set<std::string, std::less<>>& known_types() {
  static const std::set<std::string, std::less<>> types = {
      "case.created",         "case.offered",       "case.accepted",         "case.declined", "case.offer_expired",
      "case.offer_withdrawn", "case.waiting",       "case.escalated",        "case.released", "case.resolved",
      "case.cancelled",       "case.reprioritised", "counselor.availability"};
  return types;
}

// What a stream shows: a supervisor every event (or those ?types= and
// ?site= keep); a counselor only the events about them (their offers and
// withdrawals, their cases, their availability).
struct selection {
  std::set<std::string, std::less<>> types;  // empty: all
  std::string site;                          // "": all
  std::string only_counselor;                // a counselor's own stream

  bool takes(const live::entry& e) const {
    const auto& ev = e.event;
    if (!only_counselor.empty() && ev.counselor_id() != only_counselor) return false;
    if (!types.empty() && !types.count(ev.type())) return false;
    if (!site.empty() && ev.site_id() != site) return false;
    return true;
  }
};

boost::system::result<selection, http::api_error> read_selection(const context& ctx, const caller& who,
                                                                 const http::request& req) {
  selection s;
  if (who.as == api::role::counselor) s.only_counselor = who.id;
  if (auto it = req.query.find("types"); it != req.query.end() && !it->second.empty()) {
    std::string_view rest = it->second;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const auto type = rest.substr(0, comma);
      if (!known_types().count(type))
        return http::invalid_argument("types: unknown event type \"" + std::string(type) + "\"", "types");
      s.types.emplace(type);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  if (auto it = req.query.find("site"); it != req.query.end() && !it->second.empty()) {
    if (ctx.cfg->find_site(it->second) == nullptr) return http::invalid_argument("site: unknown site", "site");
    s.site = it->second;
  }
  return s;
}

// The client's place: Last-Event-ID (as browsers send it on reconnecting),
// or ?lastEventId= for clients that cannot set headers. nullopt: from now.
boost::system::result<std::optional<live::stream_id>, http::api_error> read_place(const http::request& req) {
  std::string_view text = req.header("last-event-id");
  if (text.empty())
    if (auto it = req.query.find("lastEventId"); it != req.query.end()) text = it->second;
  if (text.empty()) return std::optional<live::stream_id>{};
  auto id = live::stream_id::parse(text);
  if (!id) return http::invalid_argument("Last-Event-ID: not an event id of this stream", "Last-Event-ID");
  return std::optional<live::stream_id>{*id};
}

// An event as a stream shows it: codes, ids, levels and times; free text
// (reasons, routing notes), anything sealed and the youth key stay out.
std::string frame(const live::entry& e) {
  v1::Event shown = e.event;
  shown.clear_reason();
  shown.clear_note();
  shown.clear_sealed_note();
  shown.clear_sealed_reason();
  shown.clear_youth_key();
  return "id: " + e.id.str() + "\nevent: " + shown.type() + "\ndata: " + http::to_json(shown) + "\n\n";
}

std::string resync_frame(live::stream_id now_at) {
  return "id: " + now_at.str() + "\nevent: resync\ndata: {\"reason\":\"the stream has a gap: reload the views\"}\n\n";
}

asio::awaitable<bool> cancelled() {
  co_return (co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none;
}

// Sends what `batch` holds after `sent` that the selection takes; false
// when the client is gone.
asio::awaitable<bool> send(http::stream_writer& out, const selection& sel, const std::vector<live::entry_ptr>& batch,
                           live::stream_id& sent) {
  std::string chunk;
  for (const auto& e : batch) {
    if (e->id <= sent) continue;  // already sent (a replay overlaps what the hub delivered)
    sent = e->id;
    if (sel.takes(*e)) chunk += frame(*e);
  }
  if (chunk.empty()) co_return true;
  const bool ok = co_await out.write(std::move(chunk));
  co_return ok;
}

// Everything after `from` up to where the hub stands, from memory when it
// still holds it, else paged from Redis; false when the client is gone.
// `resynced`: the feed no longer reaches back to `from`.
asio::awaitable<bool> replay(context& ctx, http::stream_writer& out, const selection& sel, live::stream_id from,
                             live::stream_id& sent, bool& resynced) {
  sent = from;
  // A place newer than this replica has seen is checked against Redis (it
  // may come from before a failover that lost entries).
  auto held = from <= ctx.hub.last_id() ? ctx.hub.since(from) : std::nullopt;
  if (held) {
    const bool ok = co_await send(out, sel, *held, sent);
    co_return ok;
  }
  const auto until = std::max(ctx.hub.last_id(), from);
  bool first = true;
  while (first || sent < until) {
    first = false;
    auto page = co_await live::read_feed(ctx.redis, ctx.store.feed_key(), sent, replay_page);
    if (!page) {
      // Redis is down: the client reconnects and resumes later.
      co_return false;
    }
    if (page->trimmed) {
      resynced = true;
      sent = until;
      const bool ok = co_await out.write(resync_frame(until));
      co_return ok;
    }
    if (page->entries.empty()) break;
    const bool ok = co_await send(out, sel, page->entries, sent);
    if (!ok) co_return false;
  }
  co_return true;
}

asio::awaitable<http::response> stream(context& ctx, caller who, http::request req, http::stream_writer& out) {
  auto sel = read_selection(ctx, who, req);
  if (!sel) co_return fail(req, sel.error());
  auto place = read_place(req);
  if (!place) co_return fail(req, place.error());
  auto slot = ctx.waits.take(who, ctx.cfg->live, ctx.cfg->server.max_connections);
  if (!slot) co_return fail(req, slot.error());
  const auto cfg = ctx.cfg;

  // Subscribe before replaying: what is published meanwhile queues up, and
  // the ids keep the two apart (nothing twice, nothing missing).
  auto feed = ctx.hub.subscribe({}, cfg->live.stream_buffer);
  // A client that falls that far behind is cut at once, even mid-write.
  bool feed_overflowed = false;
  feed->on_overflow([&out, &feed_overflowed] {
    feed_overflowed = true;
    out.abort();
  });
  const bool started = co_await out.start("text/event-stream; charset=utf-8");
  if (!started) co_return http::response{};
  log::info("events.stream_opened", {{"request_id", req.request_id},
                                     {"caller", std::string(api::to_string(who.as)) + ":" + who.id},
                                     {"resume_from", place->has_value() ? (*place)->str() : std::string("now")}});
  // Browsers wait this long before reconnecting.
  const bool hello = co_await out.write("retry: 2000\n\n");
  if (!hello) co_return http::response{};

  live::stream_id sent = ctx.hub.last_id();
  bool resynced = false;
  if (*place) {
    const bool ok = co_await replay(ctx, out, *sel, **place, sent, resynced);
    if (!ok) co_return http::response{};
    if (resynced) log::info("events.resync", {{"request_id", req.request_id}, {"asked_from", (*place)->str()}});
  }
  std::string why = "closed";
  for (;;) {
    std::vector<live::entry_ptr> batch;
    const auto status = co_await feed->next(batch, cfg->live.heartbeat);
    if (status == live::subscription::status::overflow) {
      why = "too slow";  // the client resumes from its last id
      break;
    }
    if (co_await cancelled()) {
      why = "client left";
      break;
    }
    if (out.closing() || status == live::subscription::status::closed) break;
    bool ok = true;
    if (status == live::subscription::status::entries) {
      ok = co_await send(out, *sel, batch, sent);
    } else if (status == live::subscription::status::idle) {
      ok = co_await out.write(": keep-alive\n\n");
    } else if (status == live::subscription::status::resync) {
      sent = ctx.hub.last_id();
      ok = co_await out.write(resync_frame(sent));
    }
    if (!ok) {
      why = feed_overflowed ? "too slow" : "client gone";
      break;
    }
  }
  log::info("events.stream_closed", {{"request_id", req.request_id}, {"why", why}, {"last_id", sent.str()}});
  co_return http::response{};
}

constexpr api::route table[] = {
    {"GET", "/v1/events", api::role::staff, nullptr, nullptr, true, stream},
};

}  // namespace

std::span<const api::route> routes() { return table; }

}  // namespace caseroute::events
