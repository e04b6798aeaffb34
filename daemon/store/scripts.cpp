// Script table and runner. The library, the scripts' key counts and
// read-only flags come from lua/*.lua via the generated lua_sources.inc (see
// CMakeLists.txt); each script is one function of the library.
#include "store/scripts.hpp"

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
  std::string_view body;
};

namespace lua {
#include "store/lua_sources.inc"
}  // namespace lua

const std::vector<script>& table() {
  // In script_id order: both are generated from the same list.
  static const std::vector<script> t = [] {
    std::vector<script> v;
    for (const auto& e : lua::scripts)
      v.push_back(
          {e.name, e.body, e.key_count, e.read_only, std::string(lua::library_name) + "_" + std::string(e.name)});
    return v;
  }();
  return t;
}

bool transient(std::string_view err) {
  for (std::string_view p :
       {"OOM", "LOADING", "BUSY", "READONLY", "MASTERDOWN", "NOREPLICAS", "TRYAGAIN", "CLUSTERDOWN"})
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
std::string_view lua_library() { return lua::library; }
std::string_view lua_library_name() { return lua::library_name; }

script_call transition_call(const keys& k, std::string case_id, time_point now, const v1::Event& event,
                            std::string callback) {
  script_call c;
  c.add_keys(k.case_hash(case_id), k.history(case_id), k.outbox(case_id), k.outbox_due(), k.feed());
  c.add_args(std::move(case_id), codec::ms_string(now), codec::serialize(event), std::move(callback));
  c.report_key = k.report(k.report_day(now));
  return c;
}

asio::awaitable<result<void>> load_scripts(redis_connection& redis) {
  auto r = co_await redis.exec(command("FUNCTION", "LOAD", std::string(lua::library)));
  if (!r) co_return r.error();
  // The name holds the digest of the text: a library of that name is ours.
  const std::string exists = "Library '" + std::string(lua::library_name) + "' already exists";
  if (r->is_error() ? r->str.find(exists) == std::string::npos : r->str != lua::library_name) {
    log::error("redis.script_load_failed", {{"script", lua::library_name}, {"error", r->str}});
    co_return make_error_code(error::redis_error);
  }
  log::info("redis.functions_loaded", {{"library", lua::library_name}, {"new", !r->is_error()}});
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
  const bool writes = !s.read_only;
  argv.push_back(writes ? "FCALL" : "FCALL_RO");
  argv.push_back(s.function);
  if (!call.report_key.empty()) call.keys.push_back(std::move(call.report_key));
  argv.push_back(std::to_string(call.keys.size()));
  for (auto& k : call.keys) argv.push_back(std::move(k));
  for (auto& a : call.args) argv.push_back(std::move(a));

  // Scripts that change state go through exec_write: with redis.durability:
  // replicated it WAITs for a replica before the caller may answer 2xx.
  // (if/else, not ?: — g++ 12 mishandles co_await inside a conditional expression.)
  result<reply> r = make_error_code(error::unavailable);
  if (writes)
    r = co_await redis.exec_write(argv);
  else
    r = co_await redis.exec(argv);
  // Redis lost the library (FUNCTION FLUSH, a restart without persistence, a
  // failover to a server that never had it): load it and call once more.
  if (r && r->is_error() && r->str.starts_with("ERR Function not found")) {
    auto loaded = co_await load_scripts(redis);
    if (!loaded) co_return loaded.error();
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
