// The Sentinel fixture: redis-server and redis-sentinel children started with
// testing::process, sentinel.conf files written into a temp dir, and a tiny
// blocking hiredis client for the checks. Bounded waits only.
#include "support/sentinel_cluster.hpp"

#include <hiredis/hiredis.h>

#include <unistd.h>
#include "support/reply_text.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/redis_server.hpp"

namespace caseroute::testing {

namespace {

using std::chrono::milliseconds;
using clock = std::chrono::steady_clock;

// process() execs a path, not a name: look it up in PATH.
std::string find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    auto candidate = std::filesystem::path(dir.empty() ? "." : dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  throw std::runtime_error(name + " not found in PATH (deploy/install-deps.sh installs it)");
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

std::string tail(const std::string& file, std::size_t max) {
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return s.size() > max ? s.substr(s.size() - max) : s;
}

}  // namespace

std::string redis_cli(int port, const std::vector<std::string>& args, bool* ok) {
  if (ok) *ok = false;
  redisContext* c = redisConnectWithTimeout("127.0.0.1", port, timeval{1, 0});
  if (!c || c->err) {
    if (c) redisFree(c);
    return {};
  }
  redisSetTimeout(c, timeval{5, 0});
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* r = static_cast<redisReply*>(redisCommandArgv(c, static_cast<int>(args.size()), argv.data(), lens.data()));
  std::string out;
  if (r) {
    out = reply_text(r);
    if (ok) *ok = r->type != REDIS_REPLY_ERROR;
    freeReplyObject(r);
  }
  redisFree(c);
  return out;
}

sentinel_cluster::sentinel_cluster() {
  std::string templ = (std::filesystem::temp_directory_path() / "caseroute-sentinel-XXXXXX").string();
  if (!::mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
  dir_ = templ;
  try {
    // Five distinct ports: the kernel may hand out a port it just gave us
    // again once that probe socket is closed.
    std::vector<int> ports;
    while (ports.size() < 5) {
      const int p = free_port();
      if (std::find(ports.begin(), ports.end(), p) == ports.end()) ports.push_back(p);
    }
    node_ports_.assign(ports.begin(), ports.begin() + 2);
    sentinel_ports_.assign(ports.begin() + 2, ports.end());
    start_node(0, 0);
    start_node(1, node_ports_[0]);
    if (!wait_replica_in_sync(1, milliseconds(15000))) throw std::runtime_error("the replica did not sync");
    for (int i = 0; i < 3; ++i) start_sentinel(i);
    const auto deadline = clock::now() + milliseconds(30000);
    while (!all_sentinels_ready()) {
      if (clock::now() > deadline) throw std::runtime_error("the sentinels did not see each other and the replica");
      std::this_thread::sleep_for(milliseconds(200));
    }
  } catch (const std::exception& e) {
    const std::string why = std::string(e.what()) + "\n" + logs();
    sentinels_.clear();
    nodes_.clear();
    throw std::runtime_error(why);
  }
}

sentinel_cluster::~sentinel_cluster() {
  sentinels_.clear();  // ~process kills -9 and reaps
  nodes_.clear();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void sentinel_cluster::start_node(int i, int replica_of) {
  const std::string port = std::to_string(node_ports_.at(i));
  const std::string dir = dir_ + "/node" + std::to_string(i);
  std::filesystem::create_directories(dir);
  std::vector<std::string> argv{find_program("redis-server"),
                                "--port",
                                port,
                                "--bind",
                                "127.0.0.1",
                                "--dir",
                                dir,
                                "--appendonly",
                                "yes",
                                "--appendfsync",
                                "always",
                                "--save",
                                "",
                                "--maxmemory-policy",
                                "noeviction",
                                "--repl-diskless-sync-delay",
                                "0",
                                "--daemonize",
                                "no"};
  if (replica_of) {
    argv.insert(argv.end(), {"--replicaof", "127.0.0.1", std::to_string(replica_of)});
  }
  if (nodes_.size() <= static_cast<std::size_t>(i)) nodes_.resize(i + 1);
  nodes_[i] = std::make_unique<process>(argv, dir + "/redis.log");
  const auto deadline = clock::now() + milliseconds(10000);
  while (redis_cli(node_ports_[i], {"PING"}) != "PONG") {
    if (clock::now() > deadline) throw std::runtime_error("redis-server did not answer PING on " + port);
    std::this_thread::sleep_for(milliseconds(50));
  }
}

void sentinel_cluster::start_sentinel(int i) {
  const std::string dir = dir_ + "/sentinel" + std::to_string(i);
  std::filesystem::create_directories(dir);
  const std::string conf = dir + "/sentinel.conf";
  {
    std::ofstream out(conf);
    // resolve-hostnames must come before monitor; Sentinel rewrites this file.
    out << "port " << sentinel_ports_.at(i) << "\n"
        << "bind 127.0.0.1\n"
        << "daemonize no\n"
        << "dir " << dir << "\n"
        << "sentinel resolve-hostnames no\n"
        << "sentinel monitor " << master_name << " 127.0.0.1 " << node_ports_[0] << " 2\n"
        << "sentinel down-after-milliseconds " << master_name << " 1000\n"
        << "sentinel failover-timeout " << master_name << " 5000\n"
        << "sentinel parallel-syncs " << master_name << " 1\n";
  }
  if (sentinels_.size() <= static_cast<std::size_t>(i)) sentinels_.resize(i + 1);
  sentinels_[i] =
      std::make_unique<process>(std::vector<std::string>{find_program("redis-sentinel"), conf}, dir + "/sentinel.log");
}

bool sentinel_cluster::all_sentinels_ready() const {
  for (int port : sentinel_ports_) {
    bool ok = false;
    auto replicas = redis_cli(port, {"SENTINEL", "replicas", master_name}, &ok);
    if (!ok || replicas.find(std::to_string(node_ports_[1])) == std::string::npos) return false;
    // Each sentinel record is a flat list of fields; count the "runid" keys.
    auto others = lines(redis_cli(port, {"SENTINEL", "sentinels", master_name}, &ok));
    int known = 0;
    for (const auto& l : others) known += l == "runid";
    if (!ok || known < 2) return false;
  }
  return true;
}

std::string sentinel_cluster::url() const {
  std::string u = "sentinel://";
  for (std::size_t i = 0; i < sentinel_ports_.size(); ++i) {
    if (i) u += ',';
    u += "127.0.0.1:" + std::to_string(sentinel_ports_[i]);
  }
  return u + "/" + master_name;
}

int sentinel_cluster::master_port(int sentinel) const {
  bool ok = false;
  auto addr = lines(redis_cli(sentinel_ports_.at(sentinel), {"SENTINEL", "get-master-addr-by-name", master_name}, &ok));
  if (!ok || addr.size() != 2) return 0;
  return std::atoi(addr[1].c_str());
}

int sentinel_cluster::wait_for_new_master(int old_port, milliseconds timeout) const {
  const auto deadline = clock::now() + timeout;
  while (clock::now() < deadline) {
    int agreed = master_port(0);
    bool all = agreed != 0 && agreed != old_port;
    for (std::size_t i = 1; all && i < sentinel_ports_.size(); ++i) all = master_port(static_cast<int>(i)) == agreed;
    if (all && redis_cli(agreed, {"ROLE"}).starts_with("master\n")) return agreed;
    std::this_thread::sleep_for(milliseconds(100));
  }
  return 0;
}

bool sentinel_cluster::wait_replica_in_sync(int i, milliseconds timeout) const {
  const auto deadline = clock::now() + timeout;
  while (clock::now() < deadline) {
    if (redis_cli(node_ports_.at(i), {"INFO", "replication"}).find("master_link_status:up") != std::string::npos)
      return true;
    std::this_thread::sleep_for(milliseconds(100));
  }
  return false;
}

void sentinel_cluster::kill9_node(int i) {
  nodes_.at(i)->kill9();
  nodes_.at(i)->wait(milliseconds(5000));
}

void sentinel_cluster::restart_node_as_replica(int i, int master_port) {
  nodes_.at(i).reset();
  start_node(i, master_port);
}

std::string sentinel_cluster::logs() const {
  std::string out;
  for (std::size_t i = 0; i < node_ports_.size(); ++i)
    out += "--- node" + std::to_string(i) + "\n" + tail(dir_ + "/node" + std::to_string(i) + "/redis.log", 2000);
  for (std::size_t i = 0; i < sentinel_ports_.size(); ++i)
    out += "--- sentinel" + std::to_string(i) + "\n" +
           tail(dir_ + "/sentinel" + std::to_string(i) + "/sentinel.log", 2000);
  return out;
}

}  // namespace caseroute::testing
