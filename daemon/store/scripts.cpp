// Script table and runner. The sources come from lua/*.lua via the generated
// lua_sources.inc (see CMakeLists.txt); their SHA-1 is computed here once.
#include "store/scripts.hpp"

#include <array>

#include "config/digest.hpp"
#include "log/log.hpp"
#include "store/errors.hpp"

namespace caseroute::store {

namespace asio = boost::asio;
using boost::system::result;

namespace {

namespace lua {
#include "lua_sources.inc"
}  // namespace lua

script make(std::string_view name, std::string_view source) { return {name, source, config::sha1_hex(source)}; }

const std::array<script, 22>& table() {
  // Order matches script_id.
  static const std::array<script, 22> t{
      make("create", lua::create),
      make("offer", lua::offer),
      make("accept", lua::accept),
      make("decline", lua::decline),
      make("expire", lua::expire),
      make("resolve", lua::resolve),
      make("release", lua::release),
      make("cancel", lua::cancel),
      make("escalate", lua::escalate),
      make("availability", lua::availability),
      make("read_case", lua::read_case),
      make("routing_state", lua::routing_state),
      make("queue_view", lua::queue_view),
      make("list", lua::list),
      make("withdraw", lua::withdraw),
      make("purge", lua::purge),
      make("outbox_claim", lua::outbox_claim),
      make("outbox_ack", lua::outbox_ack),
      make("outbox_fail", lua::outbox_fail),
      make("outbox_retry", lua::outbox_retry),
      make("broadcast", lua::broadcast),
      make("wait", lua::wait),
  };
  return t;
}

bool transient(std::string_view err) {
  for (std::string_view p : {"OOM", "LOADING", "BUSY", "READONLY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN"})
    if (err.starts_with(p)) return true;
  return false;
}

// Scripts that only read; any other (including one added later) counts as a write.
bool reads_only(script_id id) {
  return id == script_id::read_case || id == script_id::routing_state || id == script_id::queue_view ||
         id == script_id::list;
}

}  // namespace

const script& get_script(script_id id) { return table().at(static_cast<std::size_t>(id)); }

const std::vector<script_id>& all_scripts() {
  static const std::vector<script_id> ids = [] {
    std::vector<script_id> v;
    for (std::size_t i = 0; i < table().size(); ++i) v.push_back(static_cast<script_id>(i));
    return v;
  }();
  return ids;
}

asio::awaitable<result<void>> load_scripts(redis_connection& redis) {
  for (const auto& s : table()) {
    auto r = co_await redis.exec(command("SCRIPT", "LOAD", s.source));
    if (!r) co_return r.error();
    if (r->is_error() || r->str != s.sha1) {
      log::error("redis.script_load_failed", {{"script", s.name}, {"error", r->str}});
      co_return make_error_code(error::redis_error);
    }
  }
  co_return result<void>();
}

asio::awaitable<result<reply>> run_script(redis_connection& redis, script_id id, std::vector<std::string> keys,
                                          std::vector<std::string> args) {
  const script& s = get_script(id);
  std::vector<std::string> argv;
  argv.reserve(3 + keys.size() + args.size());
  argv.push_back("EVALSHA");
  argv.push_back(s.sha1);
  argv.push_back(std::to_string(keys.size()));
  for (auto& k : keys) argv.push_back(std::move(k));
  for (auto& a : args) argv.push_back(std::move(a));

  // Scripts that change state go through exec_write: with redis.durability:
  // replicated it WAITs for a replica before the caller may answer 2xx.
  // (if/else, not ?: — g++ 12 mishandles co_await inside a conditional expression.)
  const bool writes = !reads_only(id);
  result<reply> r = make_error_code(error::unavailable);
  if (writes)
    r = co_await redis.exec_write(argv);
  else
    r = co_await redis.exec(argv);
  if (r && r->is_error() && r->str.starts_with("NOSCRIPT")) {
    argv[0] = "EVAL";
    argv[1] = std::string(s.source);
    if (writes)
      r = co_await redis.exec_write(std::move(argv));
    else
      r = co_await redis.exec(std::move(argv));
  }
  if (!r) co_return r.error();
  if (r->is_error()) {
    if (transient(r->str)) {
      log::warn("redis.busy", {{"script", s.name}, {"error", r->str}});
      co_return make_error_code(error::unavailable);
    }
    log::error("redis.script_failed", {{"script", s.name}, {"error", r->str}});
    co_return make_error_code(error::redis_error);
  }
  co_return r;
}

}  // namespace caseroute::store
