// The Lua scripts that make every state change atomic (sources in lua/*.lua,
// embedded at build time as one Redis Functions library), and how to run
// them: FCALL / FCALL_RO, loading the library again when Redis lost it
// (FUNCTION FLUSH, a restart without persistence). Needs Redis >= 7.0.
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
  std::string_view name;  // the file name without .lua, for logs
  std::string_view body;  // lua/<name>.lua as written (the library runs it after lua/common.lua)
  std::size_t key_count;  // its header's "-- Input: <n> keys"; checked on every call
  bool read_only;         // "-- Input: <n> keys, read-only": 'no-writes', FCALL_RO, never waits for a replica
  std::string function;   // its function in the library: <lua_library_name()>_<name>
};

const script& get_script(script_id id);
const std::vector<script_id>& all_scripts();
// lua/common.lua, the prelude of every script.
std::string_view lua_prelude();
// The Redis Functions library of every script ("#!lua name=<name>" on its
// first line) and its name: caseroute_<hex digest of the library's text>, so
// two daemon versions each call their own.
std::string_view lua_library();
std::string_view lua_library_name();

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

// FUNCTION LOAD of the library (after each connection); a library of that
// name already there is the same text, so it counts as loaded. Libraries of
// other versions stay (docs/ARCHITECTURE.md, "Lua scripts").
boost::asio::awaitable<boost::system::result<void>> load_scripts(redis_connection& redis);

// Runs one script: FCALL, or FCALL_RO for a read-only one. A call whose key
// count differs from the script's header fails with error::redis_error
// (logged) before it reaches Redis. When Redis does not know the function
// (FUNCTION FLUSH, a restart without persistence) it loads the library and
// calls once more. A Redis error reply becomes error::redis_error (logged),
// or error::unavailable when it is transient (OOM, LOADING, BUSY, READONLY,
// NOREPLICAS).
boost::asio::awaitable<boost::system::result<reply>> run_script(redis_connection& redis, script_id id,
                                                                script_call call);
boost::asio::awaitable<boost::system::result<reply>> run_script(redis_connection& redis, script_id id,
                                                                std::vector<std::string> keys,
                                                                std::vector<std::string> args);

}  // namespace caseroute::store
