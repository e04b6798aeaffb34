// The Lua scripts that make every state change atomic (sources in lua/*.lua,
// embedded at build time), and how to run them: EVALSHA, falling back to
// EVAL when Redis lost its script cache (restart, SCRIPT FLUSH).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "store/redis_connection.hpp"

namespace caseroute::store {

enum class script_id {
  create,
  offer,
  accept,
  decline,
  expire,
  resolve,
  release,
  cancel,
  escalate,
  availability,
  read_case,
  routing_state,
  queue_view,
  list,
  withdraw,
  purge,
  outbox_claim,
  outbox_ack,
  outbox_fail,
  outbox_retry,
  broadcast,
  wait,
};

struct script {
  std::string_view name;  // the file name without .lua, for logs
  std::string_view source;
  std::string sha1;  // lowercase hex, as SCRIPT LOAD answers
};

const script& get_script(script_id id);
const std::vector<script_id>& all_scripts();

// SCRIPT LOAD of every script (after each connection, so EVALSHA hits).
boost::asio::awaitable<boost::system::result<void>> load_scripts(redis_connection& redis);

// Runs one script. A Redis error reply becomes error::redis_error (logged),
// or error::unavailable when it is transient (OOM, LOADING, BUSY, READONLY).
boost::asio::awaitable<boost::system::result<reply>> run_script(redis_connection& redis, script_id id,
                                                                std::vector<std::string> keys,
                                                                std::vector<std::string> args);

}  // namespace caseroute::store
