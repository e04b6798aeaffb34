// The report hashes read and rebuilt (recount.hpp). A rebuild racing live
// transitions can lose their counts of the days it rewrites: run it with the
// daemons stopped, or check afterwards (docs/ARCHITECTURE.md, "Reports").
#include "reports/recount.hpp"

#include <algorithm>
#include <set>

#include "reports/tally.hpp"
#include "store/codec.hpp"
#include "store/errors.hpp"

namespace caseroute::reports {

namespace asio = boost::asio;
using boost::system::result;
using store::command;
using store::reply;

namespace {

std::int64_t to_i64(const std::string& s) {
  try {
    return std::stoll(s);
  } catch (...) {
    return 0;
  }
}

}  // namespace

asio::awaitable<result<day_map>> read_days(store::redis_connection& redis, store::keys k,
                                           std::vector<std::string> days) {
  day_map out;
  for (const auto& day : days) {
    auto r = co_await redis.exec(command("HGETALL", k.report(day)));
    if (!r) co_return r.error();
    if (r->is_error() || r->type != reply::kind::array) co_return make_error_code(store::error::redis_error);
    if (r->elements.empty()) continue;
    auto& counts = out[day];
    for (const auto& [f, v] : store::codec::to_fields(*r)) counts[f] = to_i64(v);
  }
  co_return out;
}

asio::awaitable<result<std::map<std::string, int>>> missed_offers(store::redis_connection& redis, store::keys k,
                                                                  std::string day,
                                                                  std::vector<std::string> counselor_ids) {
  std::map<std::string, int> out;
  const std::string key = k.report(day);
  for (std::size_t next = 0; next < counselor_ids.size();) {
    const std::size_t end = std::min(next + missed_offers_per_read, counselor_ids.size());
    std::vector<std::string> argv = command("HMGET", key);
    for (std::size_t i = next; i < end; ++i) {
      argv.push_back(counselor_field("declines", counselor_ids[i]));
      argv.push_back(counselor_field("expiries", counselor_ids[i]));
    }
    auto r = co_await redis.exec(std::move(argv));
    if (!r) co_return r.error();
    if (r->is_error() || r->type != reply::kind::array || r->elements.size() != 2 * (end - next))
      co_return make_error_code(store::error::redis_error);
    for (std::size_t i = next; i < end; ++i) {
      const auto count = [](const reply& x) { return x.is_nil() ? 0 : to_i64(x.str); };
      const auto n = count(r->elements[2 * (i - next)]) + count(r->elements[2 * (i - next) + 1]);
      if (n > 0) out[counselor_ids[i]] = static_cast<int>(n);
    }
    next = end;
  }
  co_return out;
}

asio::awaitable<result<std::vector<std::string>>> stored_days(store::redis_connection& redis, store::keys k) {
  const std::string prefix = k.report("");
  std::set<std::string> days;
  std::string cursor = "0";
  do {
    auto r = co_await redis.exec(command("SCAN", cursor, "MATCH", prefix + "*", "COUNT", "500"));
    if (!r) co_return r.error();
    if (r->type != reply::kind::array || r->elements.size() != 2) co_return make_error_code(store::error::redis_error);
    cursor = r->elements[0].str;
    for (const auto& e : r->elements[1].elements) {
      const std::string day = e.str.substr(prefix.size());
      if (valid_day(day)) days.insert(day);
    }
  } while (cursor != "0");
  co_return std::vector<std::string>(days.begin(), days.end());
}

asio::awaitable<result<recounted>> recount(store::redis_connection& redis, store::keys k, store::case_store& cases,
                                           std::string from) {
  recounted out;
  auto ids = co_await redis.exec(command("ZRANGE", k.cases(), "0", "-1"));
  if (!ids) co_return ids.error();
  if (ids->type != reply::kind::array) co_return make_error_code(store::error::redis_error);
  const auto day_of = [&k](time_point t) { return k.report_day(t); };
  for (const auto& id_reply : ids->elements) {
    const std::string& id = id_reply.str;
    auto h = co_await redis.exec(command("HMGET", k.case_hash(id), "risk", "concern", "platform", "created", "record"));
    if (!h) co_return h.error();
    if (h->type != reply::kind::array || h->elements.size() != 5 || h->elements[0].is_nil())
      continue;  // purged meanwhile
    case_facts c;
    c.risk = static_cast<int>(to_i64(h->elements[0].str));
    c.concern = h->elements[1].str;
    c.platform = h->elements[2].str;
    c.created_ms = to_i64(h->elements[3].str);
    v1::CaseRecord rec;
    if (rec.ParseFromString(h->elements[4].str)) {
      c.mode = rec.mode();
      c.county = rec.county();
    }
    // The groups are sealed: opened through the store, used as counts only.
    auto view = co_await cases.get(id, store::view_options{.personal = true, .history = false});
    if (view) {
      for (int g : view->groups()) c.groups.push_back(g);
    } else {
      ++out.unopened;
    }
    auto hist = co_await redis.exec(command("LRANGE", k.history(id), "0", "-1"));
    if (!hist) co_return hist.error();
    std::vector<v1::Event> events;
    for (const auto& e : hist->elements) {
      v1::Event ev;
      if (ev.ParseFromString(e.str)) events.push_back(std::move(ev));
    }
    day_map one;
    tally_case(c, events, day_of, one);
    for (auto& [day, counts] : one) {
      if (day < from) continue;
      for (auto& [f, n] : counts) out.days[day][f] += n;
    }
    ++out.cases;
  }
  co_return out;
}

asio::awaitable<result<std::size_t>> write_days(store::redis_connection& redis, store::keys k, day_map days,
                                                std::string from) {
  auto stored = co_await stored_days(redis, k);
  if (!stored) co_return stored.error();
  std::size_t written = 0;
  for (const auto& day : *stored) {
    if (day < from || days.contains(day)) continue;
    auto r = co_await redis.exec_write(command("DEL", k.report(day)));
    if (!r) co_return r.error();
  }
  for (const auto& [day, counts] : days) {
    if (day < from || counts.empty()) continue;
    const std::string temp = k.report(day) + ":rebuild";
    auto del = co_await redis.exec_write(command("DEL", temp));
    if (!del) co_return del.error();
    std::vector<std::string> argv{"HSET", temp};
    for (const auto& [f, n] : counts) {
      argv.push_back(f);
      argv.push_back(std::to_string(n));
    }
    auto set = co_await redis.exec_write(std::move(argv));
    if (!set) co_return set.error();
    if (set->is_error()) co_return make_error_code(store::error::redis_error);
    auto renamed = co_await redis.exec_write(command("RENAME", temp, k.report(day)));
    if (!renamed) co_return renamed.error();
    if (renamed->is_error()) co_return make_error_code(store::error::redis_error);
    ++written;
  }
  co_return written;
}

std::vector<std::string> differences(const day_map& live, const day_map& recount, const std::string& from) {
  std::vector<std::string> out;
  std::set<std::pair<std::string, std::string>> fields;
  for (const auto* m : {&live, &recount})
    for (const auto& [day, counts] : *m)
      if (day >= from)
        for (const auto& [f, n] : counts)
          if (n != 0) fields.insert({day, f});
  auto get = [](const day_map& m, const std::string& day, const std::string& f) -> std::int64_t {
    auto d = m.find(day);
    if (d == m.end()) return 0;
    auto it = d->second.find(f);
    return it == d->second.end() ? 0 : it->second;
  };
  for (const auto& [day, f] : fields) {
    const auto a = get(live, day, f), b = get(recount, day, f);
    if (a != b) out.push_back(day + " " + f + ": live " + std::to_string(a) + ", recount " + std::to_string(b));
  }
  return out;
}

}  // namespace caseroute::reports
