// Formats of the config's plain values: ids, codes, county codes, dates,
// listen addresses and Redis URLs. Pure predicates, shared with tests.
#pragma once

#include <string_view>

namespace caseroute::config {

// Specialty codes and shift names: [a-z][a-z0-9_]*, at most 64.
bool is_lower_code(std::string_view s);
// Counselor, supervisor, site and platform ids: 1-64 of [A-Za-z0-9._-].
bool is_id(std::string_view s);
// Six digits (GB/T 2260 administrative division code).
bool is_county_code(std::string_view s);
// A real calendar date YYYY-MM-DD, year 1970 or later.
bool is_date(std::string_view s);
// host:port or [v6]:port, port 0..65535 (0 = any free port, for tests).
bool is_listen(std::string_view s);
// "managed", "redis://...", "unix://..." or "sentinel://...".
bool is_redis_url(std::string_view s);

}  // namespace caseroute::config
