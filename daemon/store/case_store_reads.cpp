// case_store reads: case views, the referral index, lists and the router's
// snapshot (the queue view is case_store_queue.cpp). Read scripts answer at
// one instant; personal data is opened only for views that ask for it.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <exception>
#include <map>
#include <optional>

#include "store/case_store.hpp"
#include "store/codec.hpp"
#include "store/scripts.hpp"

namespace caseroute::store {

namespace {

// "ms:id", the position after which the next page starts.
bool parse_cursor(const std::string& cursor, std::string& ms, std::string& id) {
  auto colon = cursor.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == cursor.size()) return false;
  ms = cursor.substr(0, colon);
  id = cursor.substr(colon + 1);
  return std::all_of(ms.begin(), ms.end(), [](char c) { return c >= '0' && c <= '9'; }) && ms.size() <= 15;
}

}  // namespace

asio::awaitable<result<v1::Case>> case_store::get(std::string case_id, view_options view) {
  auto script_keys = command(keys_.case_hash(case_id), keys_.history(case_id));
  auto script_args = command(view.history ? "1" : "0");
  auto r = co_await run_script(redis_, script_id::read_case, std::move(script_keys), std::move(script_args));
  if (!r) co_return r.error();
  auto st = codec::read_status(*r);
  if (!st.ok) co_return st.error();
  if (!is_array(*r, 3)) co_return make_error_code(error::bad_record);
  co_return to_view(r->elements[1], r->elements[2], view);
}

result<v1::Case> case_store::to_view(const reply& fields, const reply& history, view_options view) const {
  if (fields.elements.empty()) return make_error_code(error::not_found);
  const auto h = codec::to_fields(fields);
  std::optional<case_keys> keys;
  if (view.personal || view.history) {
    auto k = codec::keys_of(h, seal_);
    if (!k) return k.error();
    keys = std::move(*k);
  }
  auto c = codec::to_case(h, view.personal ? &*keys : nullptr);
  if (!c) return c.error();
  for (const auto& e : history.elements) {
    auto* event = c->add_history();
    if (!event->ParseFromString(e.str)) return make_error_code(error::bad_record);
    // A sealed resolve note opens only for views with personal data.
    if (!event->sealed_note().empty()) {
      if (view.personal) {
        auto note = keys->open(event->sealed_note(), "note");
        if (!note) return note.error();
        event->set_note(std::move(*note));
      }
      event->clear_sealed_note();
    }
    // A reason someone typed: history views only (supervisors).
    if (!event->sealed_reason().empty()) {
      auto reason = keys->open(event->sealed_reason(), "reason");
      if (!reason) return reason.error();
      event->set_reason(std::move(*reason));
      event->clear_sealed_reason();
    }
  }
  return c;
}

asio::awaitable<result<std::string>> case_store::find_referral(std::string platform_id, std::string referral_id) {
  auto r = co_await redis_.exec(command("GET", keys_.referral(platform_id, referral_id)));
  if (!r) co_return r.error();
  if (r->is_error()) co_return make_error_code(error::redis_error);
  if (r->is_nil()) co_return make_error_code(error::not_found);
  co_return r->str;
}

asio::awaitable<result<std::vector<std::pair<std::string, std::string>>>> case_store::offered_cases() {
  auto ids = co_await redis_.exec(command("ZRANGE", keys_.offers(), "0", "-1"));
  if (!ids) co_return ids.error();
  if (ids->type != reply::kind::array) co_return make_error_code(error::redis_error);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : ids->elements) {
    auto f = co_await redis_.exec(command("HGETALL", keys_.case_hash(e.str)));
    if (!f) co_return f.error();
    if (f->type != reply::kind::array) co_return make_error_code(error::redis_error);
    const auto h = codec::to_fields(*f);
    // A stale entry (the case moved on between the two reads) is skipped.
    if (auto s = h.find("state"); s == h.end() || s->second != std::to_string(v1::CASE_OFFERED)) continue;
    if (auto c = h.find("counselor"); c != h.end() && !c->second.empty()) {
      out.emplace_back(e.str, c->second);
      continue;
    }
    for (auto it = h.lower_bound("offer:"); it != h.end() && it->first.starts_with("offer:"); ++it)
      out.emplace_back(e.str, it->first.substr(6));
  }
  co_return out;
}

// One call of counselor_cases.lua and whoever waits for it: `done` is
// cancelled once `answered`. Each counselor is read once however many of
// their requests joined (two long polls, a long poll and their case list).
struct counselor_read {
  explicit counselor_read(asio::any_io_executor ex) : done(ex, asio::steady_timer::time_point::max()) {}
  asio::steady_timer done;
  // Every counselor who joined, with their cases once answered.
  std::map<std::string, result<std::vector<v1::Case>>> cases{};
  bool answered = false;
};

namespace {

// A read names at most this many counselors (a shift start may wake
// thousands of long polls at once): one script holds Redis, and one answer
// the event loop, for what a few hundred counselors hold, not a city's.
constexpr std::size_t max_counselors_per_read = 256;

}  // namespace

asio::awaitable<result<std::vector<v1::Case>>> case_store::counselor_cases(std::string counselor_id,
                                                                           view_options view) {
  auto ex = co_await asio::this_coro::executor;
  auto& gathering = counselor_reads_[view.personal ? 1 : 0];
  if (!gathering || gathering->cases.size() >= max_counselors_per_read) {
    gathering = std::make_shared<counselor_read>(ex);
    // Apart from every caller, so a caller that leaves (its client went
    // away) neither stops the read nor strands the others.
    asio::co_spawn(ex, run_counselor_read(gathering, view), [read = gathering](std::exception_ptr e) {
      if (!e || read->answered) return;
      for (auto& [id, cases] : read->cases) cases = make_error_code(error::unavailable);
      read->answered = true;
      read->done.cancel();
    });
  }
  auto read = gathering;
  read->cases.try_emplace(counselor_id, make_error_code(error::unavailable));
  while (!read->answered) co_await read->done.async_wait(asio::as_tuple(asio::use_awaitable));
  co_return read->cases.at(counselor_id);
}

asio::awaitable<void> case_store::run_counselor_read(std::shared_ptr<counselor_read> read, view_options view) {
  // After every handler the loop holds now: those woken together join.
  co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
  if (auto& gathering = counselor_reads_[view.personal ? 1 : 0]; gathering == read) gathering = nullptr;
  const auto finish = [&read] {
    read->answered = true;
    read->done.cancel();
  };
  const auto fail_all = [&](boost::system::error_code e) {
    for (auto& [id, cases] : read->cases) cases = e;
    finish();
  };

  // The sets and every case in them, at one instant (lua/counselor_cases.lua).
  auto script_args = command(keys_.base());
  for (const auto& [id, cases] : read->cases) script_args.push_back(id);
  auto r = co_await run_script(redis_, script_id::counselor_cases,
                               command(keys_.counselor_cases(read->cases.begin()->first)), std::move(script_args));
  if (!r) co_return fail_all(r.error());
  if (!is_array(*r, 2) || r->elements[0].type != reply::kind::array ||
      r->elements[0].elements.size() != read->cases.size() || r->elements[1].type != reply::kind::array) {
    co_return fail_all(make_error_code(error::redis_error));
  }
  // Each case opened once; nullopt: gone (a stale member of a set).
  const reply no_history;
  std::map<std::string, result<std::optional<v1::Case>>> opened;
  for (const auto& row : r->elements[1].elements) {
    if (!is_array(row, 2)) co_return fail_all(make_error_code(error::bad_record));
    auto c = to_view(row.elements[1], no_history, view_options{.personal = view.personal});
    if (c) {
      opened.emplace(row.elements[0].str, std::move(*c));
    } else if (c.error() == error::not_found) {
      opened.emplace(row.elements[0].str, std::nullopt);
    } else {
      opened.emplace(row.elements[0].str, c.error());
    }
  }
  auto set = r->elements[0].elements.begin();
  for (auto& [counselor_id, cases] : read->cases) {
    std::vector<v1::Case> out;
    boost::system::error_code failed;
    for (const auto& member : set++->elements) {
      auto it = opened.find(member.str);
      if (it == opened.end()) {
        failed = make_error_code(error::bad_record);
        break;
      }
      if (!it->second) {
        failed = it->second.error();
        break;
      }
      const auto& c = *it->second;
      if (!c) continue;  // a stale member: the case is gone
      // Not theirs although in their set (a broadcast's other offer, taken).
      const bool theirs = c->counselor_id() == counselor_id || std::find(c->offered_to().begin(), c->offered_to().end(),
                                                                         counselor_id) != c->offered_to().end();
      if (theirs) out.push_back(*c);
    }
    if (failed) {
      cases = failed;
      continue;
    }
    std::sort(out.begin(), out.end(), [](const v1::Case& a, const v1::Case& b) {
      auto ka = codec::timestamp_ms(a.created_at()), kb = codec::timestamp_ms(b.created_at());
      return ka != kb ? ka < kb : a.case_id() < b.case_id();
    });
    cases = std::move(out);
  }
  finish();
}

asio::awaitable<result<v1::CaseList>> case_store::list(case_filter f) {
  std::string ms = "+inf", id;
  // A cursor that is not ours reads as not_found (the API answers 400).
  if (!f.cursor.empty() && !parse_cursor(f.cursor, ms, id)) co_return make_error_code(error::not_found);
  const int limit = std::clamp(f.limit, 1, 500);
  auto script_keys = command(keys_.cases());
  auto script_args = command(keys_.base(), ms, id, std::to_string(f.state ? int(*f.state) : 0),
                             std::to_string(f.risk ? int(*f.risk) : 0), std::to_string(limit), "5000");
  auto r = co_await run_script(redis_, script_id::list, std::move(script_keys), std::move(script_args));
  if (!r) co_return r.error();
  if (!is_array(*r, 3)) co_return make_error_code(error::bad_record);
  v1::CaseList out;
  for (const auto& row : r->elements[0].elements) {
    if (!is_array(row, 2)) co_return make_error_code(error::bad_record);
    auto c = codec::to_case(codec::to_fields(row.elements[1]), nullptr);
    if (!c) co_return c.error();
    *out.add_cases() = std::move(*c);
  }
  if (!r->elements[1].str.empty()) out.set_next_cursor(r->elements[1].str + ":" + r->elements[2].str);
  co_return out;
}

routing::snapshot to_snapshot(routing_state& state, const config::config* cfg,
                              std::vector<schedule::duty_slot> on_duty) {
  routing::snapshot snap;
  snap.cfg = cfg;
  snap.on_duty = std::move(on_duty);
  snap.status = std::move(state.counselors);
  snap.continuity = std::move(state.continuity);
  for (const auto& slot : snap.on_duty) {
    auto taken = state.crisis_accepted.find(slot.counselor_id);
    if (taken == state.crisis_accepted.end()) continue;
    // Slots of one counselor in one shift share its start: count once.
    auto& status = snap.status[slot.counselor_id];
    status.crisis_this_shift = static_cast<int>(std::count_if(taken->second.begin(), taken->second.end(),
                                                              [&](time_point at) { return at >= slot.shift_start; }));
  }
  return snap;
}

namespace {

// The scripts' lower bound on crisis acceptance times: the last 24 h (the
// longest shift), or "+inf" (none) when the welfare limit is off. A
// counselor taking every crisis case of a busy day would otherwise cost
// every read of their row a reply of hundreds of entries nobody counts.
std::string crisis_since(time_point now, const routing_lookback& lookback) {
  return lookback.crisis_acceptances ? codec::ms_string(now - std::chrono::hours(24)) : std::string("+inf");
}

// The rows routing_state.lua and routing_delta.lua share, into `out`.
bool read_case_rows(const reply& rows, routing_state& out) {
  for (const auto& row : rows.elements) {
    if (!is_array(row, 5)) return false;
    v1::CaseRecord rec;
    if (!rec.ParseFromString(row.elements[1].str)) return false;
    std::set<std::string> excluded;
    for (const auto& e : row.elements[3].elements) excluded.insert(e.str);
    // row 4: the keyed youth ref, as continuity names it
    out.queued.push_back(codec::queued_case_of(rec, row.elements[0].str, row.elements[4].str,
                                               static_cast<int>(row.elements[2].integer), std::move(excluded)));
  }
  return true;
}

bool read_counselor_rows(const reply& rows, routing_state& out) {
  for (const auto& row : rows.elements) {
    if (!is_array(row, 9)) return false;
    routing::counselor_status s;
    s.available = row.elements[1].str != "0";
    s.last_offer_at = codec::from_ms(to_int(row.elements[2].str));
    s.availability_changed_at = codec::from_ms(to_int(row.elements[4].str));
    s.missed_offers = static_cast<int>(to_int(row.elements[5].str));
    s.load = static_cast<int>(row.elements[3].integer);
    s.last_resolved_at = codec::from_ms(to_int(row.elements[6].str));
    s.last_crisis_resolved_at = codec::from_ms(to_int(row.elements[7].str));
    auto& crisis = out.crisis_accepted[row.elements[0].str];
    for (const auto& at : row.elements[8].elements) crisis.push_back(codec::from_ms(to_int(at.str)));
    out.counselors[row.elements[0].str] = s;
  }
  return true;
}

}  // namespace

asio::awaitable<result<routing_state>> case_store::load_routing_state(time_point now, routing_lookback lookback,
                                                                      std::optional<std::string> only_case) {
  const auto since = lookback.continuity_since(now);
  auto script_keys = command(keys_.queue(), keys_.counselors());
  auto script_args = command(keys_.base(), codec::ms_string(since), crisis_since(now, lookback));
  if (only_case) script_args.push_back(std::move(*only_case));
  auto r = co_await run_script(redis_, script_id::routing_state, std::move(script_keys), std::move(script_args));
  if (!r) co_return r.error();
  routing_state out;
  if (!is_array(*r, 3) || !read_case_rows(r->elements[0], out) || !read_counselor_rows(r->elements[1], out) ||
      !codec::read_continuity_rows(r->elements[2], out.continuity)) {
    co_return make_error_code(error::bad_record);
  }
  co_return out;
}

asio::awaitable<result<routing_state>> case_store::load_counselor_states(time_point now, routing_lookback lookback,
                                                                         std::vector<std::string> counselor_ids) {
  // No case and no youth named: no continuity row, whatever the window.
  auto rows = co_await load_routing_delta(now, lookback, std::vector<std::string>(), std::vector<std::string>(),
                                          std::move(counselor_ids));
  if (!rows) co_return rows.error();
  co_return std::move(rows->changed);
}

asio::awaitable<result<routing_delta>> case_store::load_routing_delta(time_point now, routing_lookback lookback,
                                                                      std::vector<std::string> case_ids,
                                                                      std::vector<std::string> youth_keys,
                                                                      std::vector<std::string> counselor_ids) {
  // Behind a burst the feed names thousands of cases at once: read them a
  // slice per call, so no single script holds Redis (and every request
  // waiting on it) for more than a few milliseconds. Each row is read
  // atomically; the cache needs no more (the scripts refuse a stale offer).
  constexpr std::size_t slice = 256;
  const auto since = lookback.continuity_since(now);
  routing_delta out;
  std::size_t next = 0;
  do {
    const std::size_t n = std::min(slice, case_ids.size() - next);
    auto script_args = command(keys_.base(), codec::ms_string(since), crisis_since(now, lookback), std::to_string(n));
    script_args.reserve(script_args.size() + n + 1 + youth_keys.size() + counselor_ids.size());
    for (std::size_t i = next; i < next + n; ++i) script_args.push_back(std::move(case_ids[i]));
    next += n;
    // The youths and the counselors go with the first slice.
    script_args.push_back(std::to_string(youth_keys.size()));
    for (auto& youth : youth_keys) script_args.push_back(std::move(youth));
    youth_keys.clear();
    for (auto& id : counselor_ids) script_args.push_back(std::move(id));
    counselor_ids.clear();
    auto r = co_await run_script(redis_, script_id::routing_delta, command(keys_.counselors()), std::move(script_args));
    if (!r) co_return r.error();
    if (!is_array(*r, 4) || !read_case_rows(r->elements[0], out.changed) ||
        !read_counselor_rows(r->elements[1], out.changed) ||
        !codec::read_continuity_rows(r->elements[2], out.changed.continuity)) {
      co_return make_error_code(error::bad_record);
    }
    for (const auto& id : r->elements[3].elements) out.gone.push_back(id.str);
  } while (next < case_ids.size());
  co_return out;
}

asio::awaitable<result<routing_page>> case_store::next_routing_page(routing_scan at, time_point now,
                                                                    routing_lookback lookback, std::size_t count) {
  routing_page page;
  page.next = at;
  if (at.done) co_return page;
  const bool counselors = at.counselors;
  auto scan = command(counselors ? "SSCAN" : "ZSCAN", counselors ? keys_.counselors() : keys_.queue(), at.cursor,
                      "COUNT", std::to_string(count));
  auto r = co_await redis_.exec(std::move(scan));
  if (!r) co_return r.error();
  if (!is_array(*r, 2) || r->elements[0].type != reply::kind::string || r->elements[1].type != reply::kind::array)
    co_return make_error_code(error::bad_record);
  // ZSCAN answers member, score, member, score...; SSCAN members alone.
  std::vector<std::string> ids;
  const auto& found = r->elements[1].elements;
  const std::size_t step = counselors ? 1 : 2;
  for (std::size_t i = 0; i < found.size(); i += step) ids.push_back(found[i].str);
  page.next.cursor = r->elements[0].str;
  if (page.next.cursor == "0") {
    if (counselors) {
      page.next.done = true;
    } else {
      page.next.counselors = true;
    }
  }
  if (ids.empty()) co_return page;
  std::vector<std::string> case_ids;
  std::vector<std::string> counselor_ids;
  if (counselors) {
    counselor_ids = std::move(ids);
  } else {
    case_ids = std::move(ids);
  }
  auto rows = co_await load_routing_delta(now, lookback, std::move(case_ids), std::vector<std::string>(),
                                          std::move(counselor_ids));
  if (!rows) co_return rows.error();
  page.rows = std::move(*rows);
  co_return page;
}

}  // namespace caseroute::store
