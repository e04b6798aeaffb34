// Redis reconnect decisions, apart from sockets: how long to wait before the
// next attempt, which sentinel to ask, and what a reply says about failover
// and replication. No hiredis, no Asio: redis_connection.cpp does the I/O.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "config/backoff.hpp"
#include "store/reply.hpp"

namespace caseroute::store {

// Where Sentinel says the master is.
struct master_address {
  std::string host;
  int port = 0;
  bool operator==(const master_address&) const = default;
};

// What redis_connection::run() remembers between attempts: failures in a
// row (for the backoff) and the sentinel that answered last.
class reconnect_plan {
 public:
  // `sentinels`: how many the URL names; 0 without Sentinel.
  explicit reconnect_plan(std::size_t sentinels = 0);

  // 100 ms doubling up to 5 s; up to 1 s with Sentinel, where a failover is
  // the usual reason to be down and the new master is worth asking for soon.
  const config::backoff& backoff() const { return backoff_; }

  // The link is up and on_connect passed: the next failure starts over.
  void connected() { failures_ = 0; }
  // An attempt failed or the link dropped: the wait before the next one.
  // `random` is any 64-bit random number (the jitter, so that daemons do not
  // reconnect in lockstep).
  std::chrono::milliseconds retry_after(std::uint64_t random);

  // Discovery asks sentinel_for(0), sentinel_for(1), ... in turn: the one
  // that answered last first, then the next ones in the URL's order.
  std::size_t sentinel_for(std::size_t attempt) const;
  // Sentinel `at` named the master: it is asked first next time.
  void answered(std::size_t at) { answered_ = at; }
  // The failover watch asks sentinel_for(0). A silent sentinel proves
  // nothing about the master; the next one is asked next time.
  void silent(std::size_t at);

 private:
  config::backoff backoff_;
  std::size_t sentinels_;
  std::size_t answered_ = 0;
  int failures_ = 0;
};

// SENTINEL get-master-addr-by-name's answer; nullopt for nil (a master name
// the sentinel does not monitor), an error or anything malformed.
std::optional<master_address> read_master_address(const reply& r);

// ROLE's answer says this node is a master (Sentinel may name a master that
// was just demoted, or not yet promoted).
bool says_master(const reply& role);

// An error reply that means "not the master we want": READONLY (a replica,
// e.g. the old master after a failover), LOADING, MASTERDOWN. Through
// Sentinel the link is then dropped and the next connect asks again.
bool means_failover(const reply& r);

// The watch: Sentinel names a master other than the one the link points at.
bool master_moved(const master_address& named, const std::string& host, int port);

// redis.durability: replicated. After a shortfall WAIT waits only briefly
// (100 ms) until replicas are back: it holds every command queued behind it
// on the connection.
std::chrono::milliseconds wait_timeout(std::chrono::milliseconds configured, bool replicas_missing);

// What WAIT's answer means for the writes it covers.
enum class replication { acknowledged, missing, bad_reply };
replication read_wait(const reply& w, int required);

}  // namespace caseroute::store
