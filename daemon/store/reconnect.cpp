// Redis reconnect decisions as plain functions (see reconnect.hpp); table
// tested in tests/unit/store without a server.
#include "store/reconnect.hpp"

#include <algorithm>
#include <charconv>

namespace caseroute::store {

using std::chrono::milliseconds;

reconnect_plan::reconnect_plan(std::size_t sentinels)
    : backoff_{milliseconds(100), milliseconds(sentinels > 0 ? 1000 : 5000)}, sentinels_(sentinels) {}

milliseconds reconnect_plan::retry_after(std::uint64_t random) { return backoff_.delay(++failures_, random); }

std::size_t reconnect_plan::sentinel_for(std::size_t attempt) const {
  return sentinels_ == 0 ? 0 : (answered_ + attempt) % sentinels_;
}

void reconnect_plan::silent(std::size_t at) { answered_ = sentinels_ == 0 ? 0 : (at + 1) % sentinels_; }

std::optional<master_address> read_master_address(const reply& r) {
  if (r.type != reply::kind::array || r.elements.size() != 2 || r.elements[0].str.empty()) return std::nullopt;
  const std::string& p = r.elements[1].str;
  int port = 0;
  if (std::from_chars(p.data(), p.data() + p.size(), port).ec != std::errc() || port <= 0) return std::nullopt;
  return master_address{r.elements[0].str, port};
}

bool says_master(const reply& role) {
  return role.type == reply::kind::array && !role.elements.empty() && role.elements[0].str == "master";
}

bool means_failover(const reply& r) {
  return r.is_error() && (r.str.find("READONLY") != std::string::npos || r.str.starts_with("LOADING") ||
                          r.str.starts_with("MASTERDOWN"));
}

bool master_moved(const master_address& named, const std::string& host, int port) {
  return named.host != host || named.port != port;
}

milliseconds wait_timeout(milliseconds configured, bool replicas_missing) {
  return replicas_missing ? std::min(configured, milliseconds(100)) : configured;
}

replication read_wait(const reply& w, int required) {
  if (w.type != reply::kind::integer) return replication::bad_reply;
  return w.integer < required ? replication::missing : replication::acknowledged;
}

}  // namespace caseroute::store
