// The access log of minors' sealed data: one Redis Stream per city (key
// "audit" under the city's prefix, store/keys.hpp), appended to before an
// answer carries a case's contact, summary, notes or reasons, read by
// GET /v1/audit, trimmed by age only (retention). Holds ids, field names and
// addresses, never the data itself.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "caseroute/v1/audit.pb.h"
#include "schedule/time.hpp"
#include "store/keys.hpp"
#include "store/redis_connection.hpp"

namespace caseroute::audit {

template <class T>
using result = boost::system::result<T>;

// One answer that carried sealed fields of one case, as recorded.
struct access {
  std::string principal;  // "counselor:<id>" or "supervisor:<id>"
  std::string case_id;
  std::vector<std::string> fields;  // contact, summary, notes, reasons
  std::string remote;               // the peer address
  std::string request_id;
};

// What GET /v1/audit asks for. Times are inclusive, to the millisecond.
struct query {
  std::string case_id;    // "" = every case
  std::string principal;  // "" = everyone; "<role>:<id>", or a bare id for either role
  std::int64_t from_ms = 0;
  std::int64_t to_ms = -1;  // -1 = up to now
  std::string cursor;       // an entry id: continue after it
  int limit = 100;          // 1..500
  int max_scan = 10000;     // entries read at most per call; the cursor continues the scan
};

// Whether `id` is a stream entry id "<ms>-<seq>" (a cursor of ours).
bool is_entry_id(const std::string& id);

// Cheap to copy (a connection reference and the key names); any number of
// them may share a connection. Calls on the io_context thread.
class trail {
 public:
  trail(store::redis_connection& redis, store::keys keys);

  // Appends one entry (XADD) as a write: with redis.durability: replicated
  // it also waits for a replica. Fails with store::error::unavailable or
  // redis_error; then the sealed data must not be sent.
  boost::asio::awaitable<result<std::string>> record(access a);

  // Entries matching `q`, oldest first; next_cursor set when the page is full
  // or max_scan entries were read before the range ended.
  boost::asio::awaitable<result<v1::AccessEventList>> read(query q);

  // Removes the entries older than `cutoff` (XTRIM MINID); returns how many.
  boost::asio::awaitable<result<std::int64_t>> trim(time_point cutoff);

 private:
  store::redis_connection* redis_;
  std::string key_;
};

}  // namespace caseroute::audit
