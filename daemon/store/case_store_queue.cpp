// case_store's queue read, behind GET /v1/queue and the queue gauges of GET
// /metrics: the open set is paged with SSCAN and each slice summed in Lua
// (lua/queue_view.lua), so however long the backlog no call holds Redis, or
// the event loop, for more than a slice; callers that overlap share a read.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <exception>
#include <unordered_set>
#include <utility>

#include "store/case_store.hpp"
#include "store/codec.hpp"
#include "store/scripts.hpp"

namespace caseroute::store {

// The open cases summed by the fields of their hashes as stored (states and
// risks are named by the views below, as they were for one row per case).
struct queue_facts {
  std::map<std::string, std::int64_t> by_state, by_risk, by_site, by_concern;
  std::map<std::string, std::int64_t> oldest_queued;      // risk -> the earliest 'created' (ms) of its queued cases
  std::map<std::string, std::int64_t> oldest_unaccepted;  // the same over queued and offered cases
  std::map<std::string, std::int64_t> over_limit;         // risk -> queued or offered cases escalated once or more
  std::int64_t oldest = -1;                               // the first queued case ('created', ties: the least id)
  std::string oldest_id;
  std::vector<std::string> escalated;  // every open case escalated once or more, in no order
  // The lifetime counters, read before the first slice, plus the cases a
  // slice found resolved or cancelled since.
  std::map<std::string, std::string> stats;
  std::int64_t resolved_since = 0, cancelled_since = 0;
};

// One read of the queue and whoever waits for it: `done` is cancelled once
// `answer` is set.
struct queue_read {
  explicit queue_read(asio::any_io_executor ex) : done(ex, asio::steady_timer::time_point::max()) {}
  asio::steady_timer done;
  std::optional<result<queue_facts>> answer;
};

// At most one read runs; callers that come meanwhile wait for `next`, which
// starts when it ends (not for the running one: it may have read the queue
// before a change the caller made).
struct queue_reads {
  std::shared_ptr<queue_read> running, next;
};

namespace {

bool is_pairs(const reply& r) { return r.type == reply::kind::array && r.elements.size() % 2 == 0; }

bool add_counts(const reply& pairs, std::map<std::string, std::int64_t>& into) {
  if (!is_pairs(pairs)) return false;
  for (std::size_t i = 0; i < pairs.elements.size(); i += 2)
    into[pairs.elements[i].str] += pairs.elements[i + 1].integer;
  return true;
}

bool add_earliest(const reply& pairs, std::map<std::string, std::int64_t>& into) {
  if (!is_pairs(pairs)) return false;
  for (std::size_t i = 0; i < pairs.elements.size(); i += 2) {
    const auto created = to_int(pairs.elements[i + 1].str);
    auto [it, fresh] = into.try_emplace(pairs.elements[i].str, created);
    if (!fresh) it->second = std::min(it->second, created);
  }
  return true;
}

// Merges one slice's answer of queue_view.lua into `f`.
bool add_slice(const reply& r, queue_facts& f) {
  if (!is_array(r, 10)) return false;
  const auto& e = r.elements;
  if (!add_counts(e[0], f.by_state) || !add_counts(e[1], f.by_risk) || !add_counts(e[2], f.by_site) ||
      !add_counts(e[3], f.by_concern) || !add_earliest(e[4], f.oldest_queued) ||
      !add_earliest(e[5], f.oldest_unaccepted) || !add_counts(e[6], f.over_limit) || e[7].type != reply::kind::array ||
      e[8].type != reply::kind::array) {
    return false;
  }
  if (!e[7].elements.empty()) {
    const auto created = to_int(e[7].elements[0].str);
    for (std::size_t i = 1; i < e[7].elements.size(); ++i) {
      const auto& id = e[7].elements[i].str;
      if (f.oldest < 0 || created < f.oldest || (created == f.oldest && id < f.oldest_id)) {
        f.oldest = created;
        f.oldest_id = id;
      }
    }
  }
  for (const auto& id : e[8].elements) f.escalated.push_back(id.str);
  if (!is_array(e[9], 2)) return false;
  f.resolved_since += e[9].elements[0].integer;
  f.cancelled_since += e[9].elements[1].integer;
  return true;
}

// A lifetime counter with the cases closed during the read added.
void add_closed(std::map<std::string, std::string>& stats, const std::string& field, std::int64_t since) {
  if (since == 0) return;
  auto& n = stats[field];
  n = std::to_string(to_int(n) + since);
}

// A risk that names a level (the views count no other).
bool is_level(const std::string& risk, int& level) {
  level = static_cast<int>(to_int(risk));
  return v1::Risk_IsValid(level) && level != v1::RISK_UNSPECIFIED;
}

}  // namespace

asio::awaitable<result<queue_facts>> case_store::scan_queue() {
  queue_facts f;
  // SSCAN returns every id open throughout at least once, and may return
  // one twice (the set was resized between pages): each is summed once.
  std::unordered_set<std::string> seen;
  // A case closed during the read is then counted once: open in a slice
  // before it closed, closed in one after (or nowhere, if it closed before
  // SSCAN reached it).
  auto stats = co_await redis_.exec(command("HGETALL", keys_.stats()));
  if (!stats) co_return stats.error();
  if (stats->type != reply::kind::array) co_return make_error_code(error::redis_error);
  f.stats = codec::to_fields(*stats);
  std::string cursor = "0";
  do {
    auto page = co_await redis_.exec(command("SSCAN", keys_.open(), cursor, "COUNT", std::to_string(queue_slice_)));
    if (!page) co_return page.error();
    if (!is_array(*page, 2) || page->elements[1].type != reply::kind::array)
      co_return make_error_code(error::redis_error);
    cursor = page->elements[0].str;
    auto args = command(keys_.base());
    args.reserve(1 + page->elements[1].elements.size());
    for (auto& id : page->elements[1].elements)
      if (seen.insert(id.str).second) args.push_back(std::move(id.str));
    if (args.size() == 1) continue;
    auto r = co_await run_script(redis_, script_id::queue_view, command(keys_.open()), std::move(args));
    if (!r) co_return r.error();
    if (!add_slice(*r, f)) co_return make_error_code(error::bad_record);
  } while (cursor != "0");
  add_closed(f.stats, "resolved", f.resolved_since);
  add_closed(f.stats, "cancelled", f.cancelled_since);
  co_return f;
}

asio::awaitable<void> case_store::run_queue_reads(std::shared_ptr<queue_reads> reads) {
  while (reads->running) {
    auto read = reads->running;
    read->answer = co_await scan_queue();
    read->done.cancel();
    reads->running = std::exchange(reads->next, nullptr);
  }
}

asio::awaitable<result<queue_facts>> case_store::read_queue() {
  auto ex = co_await asio::this_coro::executor;
  if (!queue_reads_) queue_reads_ = std::make_shared<queue_reads>();
  auto reads = queue_reads_;
  std::shared_ptr<queue_read> mine;
  if (!reads->running) {
    reads->running = mine = std::make_shared<queue_read>(ex);
    // Apart from every caller, so a caller that leaves (its client went
    // away) neither stops the read nor strands those waiting for it.
    asio::co_spawn(ex, run_queue_reads(reads), [reads](std::exception_ptr e) {
      if (!e) return;
      for (auto& read : {reads->running, reads->next}) {
        if (!read) continue;
        read->answer = make_error_code(error::unavailable);
        read->done.cancel();
      }
      reads->running = reads->next = nullptr;
    });
  } else {
    if (!reads->next) reads->next = std::make_shared<queue_read>(ex);
    mine = reads->next;
  }
  while (!mine->answer) co_await mine->done.async_wait(asio::as_tuple(asio::use_awaitable));
  co_return *mine->answer;
}

asio::awaitable<result<queue_gauges>> case_store::queue_gauges_at(time_point now) {
  auto facts = co_await read_queue();
  if (!facts) co_return facts.error();

  queue_gauges g;
  for (int s = v1::CASE_QUEUED; s <= v1::CASE_CANCELLED; ++s) g.by_state[v1::CaseState_Name(s)] = 0;
  for (int k = v1::RISK_LOW; k <= v1::RISK_CRISIS; ++k) {
    g.by_risk[v1::Risk_Name(k)] = 0;
    g.oldest_queued[v1::Risk_Name(k)] = 0;
    g.oldest_unaccepted[v1::Risk_Name(k)] = 0;
    g.over_escalation_limit[v1::Risk_Name(k)] = 0;
  }
  const auto now_ms = codec::to_ms(now);
  const auto waited = [&](std::int64_t created) {
    return static_cast<double>(std::max<std::int64_t>(0, now_ms - created)) / 1000;
  };
  int level = 0;
  for (const auto& [state, n] : facts->by_state) {
    const auto s = static_cast<int>(to_int(state));
    if (v1::CaseState_IsValid(s)) g.by_state[v1::CaseState_Name(s)] += n;
  }
  for (const auto& [risk, n] : facts->by_risk)
    if (is_level(risk, level)) g.by_risk[v1::Risk_Name(level)] += n;
  for (const auto& [risk, created] : facts->oldest_queued) {
    if (!is_level(risk, level)) continue;
    auto& oldest = g.oldest_queued[v1::Risk_Name(level)];
    oldest = std::max(oldest, waited(created));
  }
  for (const auto& [risk, created] : facts->oldest_unaccepted) {
    if (!is_level(risk, level)) continue;
    auto& oldest = g.oldest_unaccepted[v1::Risk_Name(level)];
    oldest = std::max(oldest, waited(created));
  }
  for (const auto& [risk, n] : facts->over_limit)
    if (is_level(risk, level)) g.over_escalation_limit[v1::Risk_Name(level)] += n;
  if (auto it = facts->stats.find("resolved"); it != facts->stats.end())
    g.by_state["CASE_RESOLVED"] = to_int(it->second);
  if (auto it = facts->stats.find("cancelled"); it != facts->stats.end())
    g.by_state["CASE_CANCELLED"] = to_int(it->second);
  co_return g;
}

asio::awaitable<result<v1::QueueView>> case_store::queue_view(time_point now) {
  auto facts = co_await read_queue();
  if (!facts) co_return facts.error();

  v1::QueueView view;
  codec::set_time(view.mutable_at(), codec::to_ms(now));
  auto& by_state = *view.mutable_by_state();
  auto& by_risk = *view.mutable_by_risk();
  for (int s = v1::CASE_QUEUED; s <= v1::CASE_CANCELLED; ++s) by_state[v1::CaseState_Name(s)] = 0;
  for (int k = v1::RISK_LOW; k <= v1::RISK_CRISIS; ++k) by_risk[v1::Risk_Name(k)] = 0;
  int level = 0;
  for (const auto& [state, n] : facts->by_state) {
    const auto s = static_cast<int>(to_int(state));
    if (v1::CaseState_IsValid(s)) by_state[v1::CaseState_Name(s)] += n;
  }
  for (const auto& [risk, n] : facts->by_risk)
    if (is_level(risk, level)) by_risk[v1::Risk_Name(level)] += n;
  for (const auto& [site, n] : facts->by_site) (*view.mutable_by_site())[site] += n;
  for (const auto& [concern, n] : facts->by_concern) (*view.mutable_by_concern())[concern] += n;
  if (facts->oldest >= 0) {
    view.set_oldest_case_id(facts->oldest_id);
    view.set_oldest_wait_seconds(std::max<std::int64_t>(0, (codec::to_ms(now) - facts->oldest) / 1000));
  }
  if (auto it = facts->stats.find("resolved"); it != facts->stats.end()) by_state["CASE_RESOLVED"] = to_int(it->second);
  if (auto it = facts->stats.find("cancelled"); it != facts->stats.end())
    by_state["CASE_CANCELLED"] = to_int(it->second);

  std::vector<v1::Case> cases;
  for (const auto& id : facts->escalated) {
    auto c = co_await get(id, view_options{});
    if (!c && c.error() == error::not_found) continue;
    if (!c) co_return c.error();
    cases.push_back(std::move(*c));
  }
  // Most escalated first, then the longest waiting.
  std::sort(cases.begin(), cases.end(), [](const v1::Case& a, const v1::Case& b) {
    if (a.escalation_level() != b.escalation_level()) return a.escalation_level() > b.escalation_level();
    auto ka = codec::timestamp_ms(a.created_at()), kb = codec::timestamp_ms(b.created_at());
    return ka != kb ? ka < kb : a.case_id() < b.case_id();
  });
  for (auto& c : cases) *view.add_escalated() = std::move(c);
  co_return view;
}

}  // namespace caseroute::store
