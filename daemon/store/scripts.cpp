// Script table and runner. The sources, key counts and read-only flags come
// from lua/*.lua via the generated lua_sources.inc (see CMakeLists.txt);
// their SHA-1 is computed here once.
#include "store/scripts.hpp"

#include "config/digest.hpp"
#include "log/log.hpp"
#include "store/codec.hpp"
#include "store/errors.hpp"

namespace caseroute::store {

namespace asio = boost::asio;
using boost::system::result;

namespace {

// One embedded script, as the generated lua_sources.inc lists them.
struct embedded {
  std::string_view name;
  std::size_t key_count;
  bool read_only;
  std::string_view source;
};

namespace lua {
#include "store/lua_sources.inc"
}  // namespace lua

const std::vector<script>& table() {
  // In script_id order: both are generated from the same list.
  static const std::vector<script> t = [] {
    std::vector<script> v;
    for (const auto& e : lua::scripts)
      v.push_back({e.name, e.source, e.key_count, e.read_only, config::sha1_hex(e.source)});
    return v;
  }();
  return t;
}

bool transient(std::string_view err) {
  for (std::string_view p : {"OOM", "LOADING", "BUSY", "READONLY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN"})
    if (err.starts_with(p)) return true;
  return false;
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

std::string_view lua_prelude() { return lua::prelude; }

script_call transition_call(const keys& k, std::string case_id, time_point now, const v1::Event& event,
                            std::string callback) {
  script_call c;
  c.add_keys(k.case_hash(case_id), k.history(case_id), k.outbox(case_id), k.outbox_due(), k.feed());
  c.add_args(std::move(case_id), codec::ms_string(now), codec::serialize(event), std::move(callback));
  c.report_key = k.report(k.report_day(now));
  return c;
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
  script_call call;
  call.keys = std::move(keys);
  call.args = std::move(args);
  co_return co_await run_script(redis, id, std::move(call));
}

asio::awaitable<result<reply>> run_script(redis_connection& redis, script_id id, script_call call) {
  const script& s = get_script(id);
  // A key the script expects but did not get (or one it ignores) is a bug
  // in the caller; Redis would run the script anyway.
  if (call.keys.size() != s.key_count) {
    log::error("redis.script_key_count", {{"script", s.name}, {"expected", s.key_count}, {"given", call.keys.size()}});
    co_return make_error_code(error::redis_error);
  }
  std::vector<std::string> argv;
  argv.reserve(3 + call.keys.size() + call.args.size());
  argv.push_back("EVALSHA");
  argv.push_back(s.sha1);
  if (!call.report_key.empty()) call.keys.push_back(std::move(call.report_key));
  argv.push_back(std::to_string(call.keys.size()));
  for (auto& k : call.keys) argv.push_back(std::move(k));
  for (auto& a : call.args) argv.push_back(std::move(a));

  // Scripts that change state go through exec_write: with redis.durability:
  // replicated it WAITs for a replica before the caller may answer 2xx.
  // (if/else, not ?: — g++ 12 mishandles co_await inside a conditional expression.)
  const bool writes = !s.read_only;
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
