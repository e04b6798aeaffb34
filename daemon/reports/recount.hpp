// Reading the day counters, and recounting them from the cases still in
// Redis (`caseroute reports rebuild` and `reports check`). Writes only report
// keys; reads a case's groups through the store's seal, nothing else sealed.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "reports/report.hpp"
#include "store/case_store.hpp"
#include "store/keys.hpp"
#include "store/redis_connection.hpp"

namespace caseroute::reports {

// The report hashes of the given days (a day without one is absent).
boost::asio::awaitable<boost::system::result<day_map>> read_days(store::redis_connection& redis, store::keys k,
                                                                 std::vector<std::string> days);

// Offers each of `counselor_ids` declined or let expire on local `day`: the
// day hash's declines and expiries by counselor, read with one HMGET per
// missed_offers_per_read counselors (a counselor with none is absent).
inline constexpr std::size_t missed_offers_per_read = 128;
boost::asio::awaitable<boost::system::result<std::map<std::string, int>>> missed_offers(
    store::redis_connection& redis, store::keys k, std::string day, std::vector<std::string> counselor_ids);

// Every day that has a report hash, sorted.
boost::asio::awaitable<boost::system::result<std::vector<std::string>>> stored_days(store::redis_connection& redis,
                                                                                    store::keys k);

struct recounted {
  day_map days;              // the counters of the days from `from` on
  std::size_t cases = 0;     // cases read
  std::size_t unopened = 0;  // cases whose groups could not be opened (counted without)
};

// Replays every case's history (tally.hpp) and keeps the days from `from` on.
boost::asio::awaitable<boost::system::result<recounted>> recount(store::redis_connection& redis, store::keys k,
                                                                 store::case_store& cases, std::string from);

// Replaces the report hash of every day from `from` on by `days` (each day
// swapped whole with RENAME; a stored day absent from `days` is deleted).
boost::asio::awaitable<boost::system::result<std::size_t>> write_days(store::redis_connection& redis, store::keys k,
                                                                      day_map days, std::string from);

// The differences between live and recounted counters from `from` on, one
// line each ("<day> <field>: live N, recount M"); empty when equal.
std::vector<std::string> differences(const day_map& live, const day_map& recount, const std::string& from);

}  // namespace caseroute::reports
