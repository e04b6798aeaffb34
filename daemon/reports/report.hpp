// GET /v1/reports: the query, and the report built from the days' counter
// hashes (lua/common.lua tally() writes them; docs/API.md, "Reports"). Pure:
// the day hashes and the rostered hours come in as values.
#pragma once

#include <boost/system/result.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "caseroute/v1/reports.pb.h"
#include "http/errors.hpp"
#include "http/message.hpp"
#include "schedule/schedule.hpp"

namespace caseroute::reports {

// The dimensions a report groups by, in column order.
inline constexpr std::array<std::string_view, 9> dimensions = {"site", "county",  "concern",  "risk",     "group",
                                                               "mode", "outcome", "platform", "counselor"};
// The duration histograms' upper bounds in seconds (REPORT_BUCKETS in lua/common.lua).
inline constexpr std::array<std::int64_t, 13> bucket_bounds = {30,   60,   120,   300,   600,   900,   1800,
                                                               3600, 7200, 14400, 28800, 86400, 259200};
inline constexpr int max_days = 400;

// One field of a day's hash: "<metric>|<dim>=<value>|...".
struct field {
  std::string metric;
  std::map<std::string, std::string> dims;
};
std::optional<field> parse_field(std::string_view name);

using day_counts = std::map<std::string, std::int64_t>;  // field -> count
using day_map = std::map<std::string, day_counts>;       // "YYYY-MM-DD" -> its fields

struct query {
  std::string from, to;         // local days, both included
  std::vector<std::string> by;  // dimensions, in the order asked
  std::string period;           // day, month, quarter, year, all
  std::string report;           // "", service, response, workload
  bool csv = false;
};

// The query parameters from, to, by, period, report and format (and Accept:
// text/csv), or a 400 naming the parameter.
boost::system::result<query, http::api_error> parse_query(const http::request& req);

// "YYYY-MM-DD" checked as a calendar date.
bool valid_day(std::string_view day);
// Every day from..to, both included.
std::vector<std::string> days_between(const std::string& from, const std::string& to);
// The period a day falls in: "2026-12-04", "2026-12", "2026-Q4", "2026" or "<from>/<to>".
std::string period_of(const std::string& day, const query& q);

// Rostered hours: (period, counselor) -> hours (the workload report).
using duty_hours = std::map<std::pair<std::string, std::string>, double>;

// Each counselor's rostered hours per period over the query's days (each
// shift once per counselor, whatever the sites), from the roster as configured now.
duty_hours rostered_hours(const schedule::roster& roster, const query& q);

v1::Report build(const query& q, const day_map& days, const std::string& time_zone, const duty_hours& hours);

// The report as CSV: UTF-8 with a BOM, Chinese headers, RFC 4180 quoting, CRLF.
std::string to_csv(const v1::Report& r);

}  // namespace caseroute::reports
