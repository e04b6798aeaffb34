// The audit stream in Redis: XADD to record, XRANGE to read (filtered here,
// a bounded number of entries per call), XTRIM MINID to age entries out.
// Entries are plain text fields so an operator can read them with redis-cli.
#include "audit/trail.hpp"

#include <algorithm>
#include <charconv>

#include "store/errors.hpp"

namespace caseroute::audit {
namespace {

namespace asio = boost::asio;
using store::reply;

// The stream's field names (docs/ARCHITECTURE.md, Redis keys).
constexpr const char* f_principal = "principal";
constexpr const char* f_case = "case";
constexpr const char* f_fields = "fields";
constexpr const char* f_remote = "remote";
constexpr const char* f_request = "request";

bool all_digits(std::string_view s) {
  return !s.empty() && s.size() <= 20 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += ',';
    out += p;
  }
  return out;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size() && !s.empty()) {
    const auto comma = s.find(',', start);
    out.push_back(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::int64_t ms_of(const std::string& id) {
  std::int64_t ms = 0;
  std::from_chars(id.data(), id.data() + id.find('-'), ms);
  return ms;
}

bool principal_matches(const std::string& wanted, const std::string& principal) {
  if (wanted.empty()) return true;
  if (wanted.find(':') != std::string::npos) return wanted == principal;
  const auto colon = principal.find(':');
  return colon != std::string::npos && principal.compare(colon + 1, std::string::npos, wanted) == 0;
}

// One XRANGE element: [id, [field, value, ...]].
bool to_event(const reply& r, v1::AccessEvent& e) {
  if (r.type != reply::kind::array || r.elements.size() != 2 || r.elements[1].type != reply::kind::array) return false;
  e.set_id(r.elements[0].str);
  if (!is_entry_id(e.id())) return false;
  const auto ms = ms_of(e.id());
  e.mutable_at()->set_seconds(ms / 1000);
  e.mutable_at()->set_nanos(static_cast<int>(ms % 1000) * 1000000);
  const auto& kv = r.elements[1].elements;
  for (std::size_t i = 0; i + 1 < kv.size(); i += 2) {
    const auto& k = kv[i].str;
    const auto& v = kv[i + 1].str;
    if (k == f_principal)
      e.set_principal(v);
    else if (k == f_case)
      e.set_case_id(v);
    else if (k == f_fields)
      for (auto& f : split(v)) e.add_fields(std::move(f));
    else if (k == f_remote)
      e.set_remote(v);
    else if (k == f_request)
      e.set_request_id(v);
  }
  return true;
}

}  // namespace

bool is_entry_id(const std::string& id) {
  const auto dash = id.find('-');
  if (dash == std::string::npos) return false;
  return all_digits(std::string_view(id).substr(0, dash)) && all_digits(std::string_view(id).substr(dash + 1));
}

trail::trail(store::redis_connection& redis, store::keys keys) : redis_(&redis), key_(keys.audit()) {}

asio::awaitable<result<std::string>> trail::record(access a) {
  auto argv = store::command("XADD", key_, "*", f_principal, a.principal, f_case, a.case_id, f_fields, join(a.fields),
                             f_remote, a.remote, f_request, a.request_id);
  auto r = co_await redis_->exec_write(std::move(argv));
  if (!r) co_return r.error();
  if (r->type != reply::kind::string || !is_entry_id(r->str))
    co_return store::make_error_code(store::error::redis_error);
  co_return r->str;
}

asio::awaitable<result<v1::AccessEventList>> trail::read(query q) {
  v1::AccessEventList out;
  const int limit = std::clamp(q.limit, 1, 500);
  // XRANGE bounds: "(" excludes the cursor's entry; an end of "<ms>" takes every entry of that millisecond.
  std::string start = q.cursor.empty() ? std::to_string(std::max<std::int64_t>(q.from_ms, 0)) : "(" + q.cursor;
  const std::string end = q.to_ms < 0 ? "+" : std::to_string(q.to_ms);
  if (!q.cursor.empty() && ms_of(q.cursor) < q.from_ms) start = std::to_string(q.from_ms);
  constexpr int batch = 500;
  int scanned = 0;
  for (;;) {
    auto r = co_await redis_->exec(store::command("XRANGE", key_, start, end, "COUNT", std::to_string(batch)));
    if (!r) co_return r.error();
    // An empty range (start after end) is an empty answer, not an error.
    if (r->is_error()) {
      if (r->str.find("range") != std::string::npos || r->str.find("Invalid stream ID") != std::string::npos)
        co_return out;
      co_return store::make_error_code(store::error::redis_error);
    }
    if (r->type != reply::kind::array) co_return store::make_error_code(store::error::redis_error);
    std::string last;
    for (const auto& element : r->elements) {
      v1::AccessEvent e;
      if (!to_event(element, e)) co_return store::make_error_code(store::error::bad_record);
      last = e.id();
      ++scanned;
      if ((q.case_id.empty() || e.case_id() == q.case_id) && principal_matches(q.principal, e.principal())) {
        *out.add_events() = std::move(e);
        if (out.events_size() == limit) {
          out.set_next_cursor(last);
          co_return out;
        }
      }
      if (scanned >= q.max_scan) {
        out.set_next_cursor(last);
        co_return out;
      }
    }
    if (static_cast<int>(r->elements.size()) < batch) co_return out;
    start = "(" + last;
  }
}

asio::awaitable<result<std::int64_t>> trail::trim(time_point cutoff) {
  const auto ms = std::max<std::int64_t>(cutoff.time_since_epoch().count(), 0);
  auto r = co_await redis_->exec_write(store::command("XTRIM", key_, "MINID", std::to_string(ms)));
  if (!r) co_return r.error();
  if (r->type != reply::kind::integer) co_return store::make_error_code(store::error::redis_error);
  co_return r->integer;
}

}  // namespace caseroute::audit
