// A Redis master, one replica and three redis-sentinel processes on free
// loopback ports in a temp dir, for failover tests. Every child is killed
// (SIGKILL) when the fixture dies, and with the test process (PDEATHSIG).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace caseroute::testing {

// Runs one command on 127.0.0.1:port with a blocking hiredis client (1 s
// connect, 5 s reply timeout). Replies as redis_server::cli() renders them;
// "" with ok=false when unreachable.
std::string redis_cli(int port, const std::vector<std::string>& args, bool* ok = nullptr);

class sentinel_cluster {
 public:
  static constexpr const char* master_name = "m";

  // Starts the data nodes (AOF on, appendfsync always, noeviction) and the
  // sentinels (quorum 2, down-after 1 s, failover-timeout 5 s) and waits up to
  // 30 s until every sentinel knows the replica and the two other sentinels.
  // Throws on failure (after killing what it started).
  sentinel_cluster();
  ~sentinel_cluster();
  sentinel_cluster(const sentinel_cluster&) = delete;
  sentinel_cluster& operator=(const sentinel_cluster&) = delete;

  // "sentinel://127.0.0.1:S1,127.0.0.1:S2,127.0.0.1:S3/m"
  std::string url() const;
  std::vector<int> sentinel_ports() const { return sentinel_ports_; }
  int node_port(int i) const { return node_ports_.at(i); }  // 0: the first master, 1: the first replica

  // The master's port as sentinel i sees it (0 when it does not answer).
  int master_port(int sentinel = 0) const;
  // Waits until every sentinel names a master other than old_port and that
  // node answers ROLE as master; returns its port, or 0 on timeout.
  int wait_for_new_master(int old_port, std::chrono::milliseconds timeout) const;
  // Waits until node i reports a replication link that is up.
  bool wait_replica_in_sync(int i, std::chrono::milliseconds timeout) const;

  void kill9_node(int i);
  // Restarts node i (same port and dir) as a replica of the node on master_port.
  void restart_node_as_replica(int i, int master_port);
  std::string logs() const;  // the tail of every child's log, for failure messages

 private:
  void start_node(int i, int replica_of);
  void start_sentinel(int i);
  bool all_sentinels_ready() const;
  std::string dir_;
  std::vector<int> node_ports_;
  std::vector<int> sentinel_ports_;
  std::vector<std::unique_ptr<process>> nodes_;
  std::vector<std::unique_ptr<process>> sentinels_;
};

}  // namespace caseroute::testing
