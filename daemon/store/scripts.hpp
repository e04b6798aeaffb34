// The Lua scripts that make every state change atomic (sources in lua/*.lua,
// embedded at build time), and how to run them: EVALSHA, falling back to
// EVAL when Redis lost its script cache (restart, SCRIPT FLUSH).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "caseroute/v1/caseroute.pb.h"
#include "schedule/time.hpp"
#include "store/keys.hpp"
#include "store/redis_connection.hpp"
#include "store/script_ids.hpp"  // generated: script_id::<name> per lua/<name>.lua

namespace caseroute::store {

struct script {
  std::string_view name;    // the file name without .lua, for logs
  std::string_view source;  // lua/common.lua, then the script
  std::size_t key_count;    // its header's "-- Input: <n> keys"; checked on every call
  bool read_only;           // "-- Input: <n> keys, read-only": never waits for a replica
  std::string sha1;         // lowercase hex, as SCRIPT LOAD answers
};

const script& get_script(script_id id);
const std::vector<script_id>& all_scripts();
// lua/common.lua, the prelude every source starts with.
std::string_view lua_prelude();

// The KEYS and ARGV of one call, in order.
struct script_call {
  std::vector<std::string> keys;
  std::vector<std::string> args;
  // A transition's report key (keys::report of the local day of `now`): the
  // runner appends it after the script's own keys, outside its key count
  // (lua/common.lua reads it as KEYS[#KEYS]).
  std::string report_key;

  template <class... T>
  void add_keys(T&&... k) {
    (keys.emplace_back(std::forward<T>(k)), ...);
  }
  template <class... T>
  void add_args(T&&... a) {
    (args.emplace_back(std::forward<T>(a)), ...);
  }
};

// The transition head every script that changes a case starts with
// (lua/common.lua, transition()): keys case, history, outbox, outbox_due, feed;
// args case id, now ms, the event and its serialized StatusCallback ("" =
// none). The script's own keys and args are added after it; the day's report
// key goes last (script_call::report_key).
script_call transition_call(const keys& k, std::string case_id, time_point now, const v1::Event& event,
                            std::string callback);

// SCRIPT LOAD of every script (after each connection, so EVALSHA hits).
boost::asio::awaitable<boost::system::result<void>> load_scripts(redis_connection& redis);

// Runs one script. A call whose key count differs from the script's header
// fails with error::redis_error (logged) before it reaches Redis. A Redis
// error reply becomes error::redis_error (logged), or error::unavailable
// when it is transient (OOM, LOADING, BUSY, READONLY).
boost::asio::awaitable<boost::system::result<reply>> run_script(redis_connection& redis, script_id id,
                                                                script_call call);
boost::asio::awaitable<boost::system::result<reply>> run_script(redis_connection& redis, script_id id,
                                                                std::vector<std::string> keys,
                                                                std::vector<std::string> args);

}  // namespace caseroute::store
