// The Lua scripts' interfaces: what lua/common.lua names (case states, the
// Event fields a script stamps, the keys a script builds, the transition
// head) agrees with caseroute.proto, keys.cpp and transition_call, run in a
// real Redis; every script's header and first lines follow the one shape;
// the runner refuses a call with the wrong key count; the scripts' Redis
// Functions library registers each one, survives FUNCTION FLUSH, lives next
// to another version's and carries no state from one call to the next.
// Invented data only.
#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "store/codec.hpp"
#include "store/errors.hpp"
#include "store/scripts.hpp"
#include "store_fixture.hpp"

namespace caseroute::store_test {
namespace {

using store::script_id;

// Runs `lua` after the prelude, with no keys, and returns its reply.
asio::awaitable<store::reply> eval_with_prelude(store::redis_connection& redis, const std::string& lua,
                                                std::vector<std::string> args = {}) {
  auto argv = store::command("EVAL", std::string(store::lua_prelude()) + "\n" + lua, "0");
  for (auto& a : args) argv.push_back(std::move(a));
  co_return (co_await redis.exec(std::move(argv))).value();
}

std::vector<std::string> strings(const store::reply& r) {
  std::vector<std::string> out;
  for (const auto& e : r.elements)
    out.push_back(e.type == store::reply::kind::integer ? std::to_string(e.integer) : e.str);
  return out;
}

using lua_prelude = store_test;

TEST_F(lua_prelude, stamps_the_event_fields_caseroute_proto_numbers) {
  run([](env& e) -> asio::awaitable<void> {
    auto event = store::codec::make_event("case.offer_withdrawn", "system", "K-1", at(), v1::CASE_QUEUED);
    event.set_counselor_id("c-old");
    event.set_reason("accepted by another counselor");
    // Longer than 127 bytes: the length takes two varint bytes.
    const std::string site(130, 's');
    auto r = co_await eval_with_prelude(
        e.redis, "return with_state(with_site(with_counselor(ARGV[1], ARGV[2]), ARGV[3]), OFFERED)",
        store::command(store::codec::serialize(event), "c-042", site));
    v1::Event stamped;
    CO_ASSERT_TRUE(stamped.ParseFromString(r.str));
    EXPECT_EQ(stamped.counselor_id(), "c-042");
    EXPECT_EQ(stamped.site_id(), site);
    EXPECT_EQ(stamped.state(), v1::CASE_OFFERED);
    // The fields the C++ side set stay as they were.
    EXPECT_EQ(stamped.type(), "case.offer_withdrawn");
    EXPECT_EQ(stamped.actor(), "system");
    EXPECT_EQ(stamped.case_id(), "K-1");
    EXPECT_EQ(stamped.reason(), "accepted by another counselor");
    EXPECT_EQ(stamped.at().seconds(), seconds_of(at()));
  });
  // The numbers common.lua spells, by name.
  const auto* d = v1::Event::descriptor();
  EXPECT_EQ(d->FindFieldByName("counselor_id")->number(), 5);
  EXPECT_EQ(d->FindFieldByName("site_id")->number(), 6);
  EXPECT_EQ(d->FindFieldByName("state")->number(), 12);
}

TEST_F(lua_prelude, builds_a_counselor_availability_event_caseroute_proto_reads) {
  run([](env& e) -> asio::awaitable<void> {
    // 2026-03-02 09:00:00.250 UTC
    const auto ms = store::codec::ms_string(at(250ms));
    auto r = co_await eval_with_prelude(e.redis, "return availability_event(ARGV[1], 0, 'system', ARGV[2])",
                                        store::command("c-042", ms));
    v1::Event ev;
    CO_ASSERT_TRUE(ev.ParseFromString(r.str));
    EXPECT_EQ(ev.type(), "counselor.availability");
    EXPECT_EQ(ev.actor(), "system");
    EXPECT_EQ(ev.counselor_id(), "c-042");
    EXPECT_FALSE(ev.available());
    EXPECT_EQ(ev.at().seconds(), seconds_of(at()));
    EXPECT_EQ(ev.at().nanos(), 250'000'000);
    auto in = co_await eval_with_prelude(e.redis, "return availability_event(ARGV[1], 1, 'counselor:c-1', ARGV[2])",
                                         store::command("c-1", ms));
    CO_ASSERT_TRUE(ev.ParseFromString(in.str));
    EXPECT_TRUE(ev.available());
  });
  const auto* d = v1::Event::descriptor();
  EXPECT_EQ(d->FindFieldByName("at")->number(), 1);
  EXPECT_EQ(d->FindFieldByName("type")->number(), 2);
  EXPECT_EQ(d->FindFieldByName("actor")->number(), 3);
  EXPECT_EQ(d->FindFieldByName("available")->number(), 13);
  EXPECT_EQ(d->FindFieldByName("risk")->number(), 16);
  EXPECT_EQ(d->FindFieldByName("concerns")->number(), 17);
}

TEST_F(lua_prelude, names_the_case_states_and_risks_of_caseroute_proto) {
  run([](env& e) -> asio::awaitable<void> {
    auto r = co_await eval_with_prelude(e.redis, "return {QUEUED, OFFERED, ACTIVE, RESOLVED, CANCELLED, RISK_CRISIS}");
    const std::vector<std::string> want{std::to_string(v1::CASE_QUEUED),    std::to_string(v1::CASE_OFFERED),
                                        std::to_string(v1::CASE_ACTIVE),    std::to_string(v1::CASE_RESOLVED),
                                        std::to_string(v1::CASE_CANCELLED), std::to_string(v1::RISK_CRISIS)};
    EXPECT_EQ(strings(r), want);
  });
}

TEST_F(lua_prelude, builds_keys_as_keys_cpp_spells_them) {
  run([](env& e) -> asio::awaitable<void> {
    const auto k = test_keys();
    auto r = co_await eval_with_prelude(
        e.redis,
        "local keys = keys_from(ARGV[1])\n"
        "return {keys.case_hash(ARGV[2]), keys.excluded(ARGV[2]), keys.counselor(ARGV[3]),"
        " keys.counselor_cases(ARGV[3]), keys.counselor_crisis(ARGV[3]), keys.youth(ARGV[4]),"
        " keys.youth_open(ARGV[4])}",
        store::command(k.base(), "K-7", "c-042", "y-9"));
    const std::vector<std::string> want{k.case_hash("K-7"),         k.excluded("K-7"),           k.counselor("c-042"),
                                        k.counselor_cases("c-042"), k.counselor_crisis("c-042"), k.youth("y-9"),
                                        k.youth_open("y-9")};
    EXPECT_EQ(strings(r), want);
  });
}

TEST_F(lua_prelude, binds_the_transition_head_where_transition_call_puts_it) {
  run([](env& e) -> asio::awaitable<void> {
    const auto k = test_keys();
    auto event = store::codec::make_event("case.declined", "counselor:c-1", "K-3", at(), v1::CASE_QUEUED);
    auto call = store::transition_call(k, "K-3", at(5s), event, "callback-bytes");
    call.add_keys(k.queue());
    call.add_args("c-1");
    auto argv = store::command("EVAL",
                               std::string(store::lua_prelude()) +
                                   "\ntransition()\n"
                                   "return {case_key, history_key, outbox_key, outbox_due_key, feed_key,"
                                   " case_id, now, event, callback}",
                               std::to_string(call.keys.size()));
    for (auto& key : call.keys) argv.push_back(key);
    for (auto& arg : call.args) argv.push_back(arg);
    auto r = (co_await e.redis.exec(std::move(argv))).value();
    const std::vector<std::string> want{k.case_hash("K-3"),
                                        k.history("K-3"),
                                        k.outbox("K-3"),
                                        k.outbox_due(),
                                        k.feed(),
                                        "K-3",
                                        store::codec::ms_string(at(5s)),
                                        store::codec::serialize(event),
                                        "callback-bytes"};
    EXPECT_EQ(strings(r), want);
  });
}

// A script's own text, as the library holds it.
std::string body_of(const store::script& s) {
  EXPECT_NE(store::lua_library().find(s.body), std::string_view::npos) << s.name;
  return std::string(s.body);
}

// After its header comment a script opens with one block of bindings
// (transition() and `local` lines, up to the first blank line); no KEYS or
// ARGV position appears anywhere else, none twice, and the highest key
// position is the key count its "-- Input:" line declares.
TEST(lua_scripts, bind_each_position_once_in_their_first_lines) {
  const std::regex position(R"((KEYS|ARGV)\[(\d+)\])");
  for (auto id : store::all_scripts()) {
    const auto& s = store::get_script(id);
    std::istringstream lines(body_of(s));
    enum { header, bindings, body } part = header;
    std::set<std::string> bound;
    std::size_t max_key = 0;
    bool transition = false;
    int line_no = 0;
    for (std::string line; std::getline(lines, line);) {
      ++line_no;
      const std::string where = std::string(s.name) + ".lua:" + std::to_string(line_no);
      if (part == header && !line.empty() && !line.starts_with("--")) part = bindings;
      if (part == bindings && line.empty()) part = body;
      if (part == bindings) {
        EXPECT_TRUE(line == "transition()" || line.starts_with("local ")) << where << " is not a binding: " << line;
        if (line == "transition()") transition = true;
      }
      for (std::sregex_iterator m(line.begin(), line.end(), position), end; m != end; ++m) {
        const std::string at = (*m)[0];
        EXPECT_EQ(part, bindings) << where << " names " << at << " outside the bindings";
        EXPECT_TRUE(bound.insert(at).second) << where << " names " << at << " twice";
        const auto n = static_cast<std::size_t>(std::stoul((*m)[2]));
        if ((*m)[1] == "KEYS") max_key = std::max(max_key, n);
        // transition() names keys 1 to 5 and args 1 to 4 (common.lua).
        if (transition) {
          EXPECT_GT(n, (*m)[1] == "KEYS" ? 5u : 4u) << where << " names " << at << " of the transition head";
        }
      }
    }
    EXPECT_NE(part, header) << s.name << ".lua has no code";
    if (transition) max_key = std::max<std::size_t>(max_key, 5);
    EXPECT_EQ(max_key, s.key_count) << s.name << ".lua: its '-- Input:' line declares " << s.key_count << " keys";
  }
}

TEST(lua_scripts, spell_no_bare_state_number) {
  const std::regex bare(R"(state\s*[=~<>]=?\s*\d|'state',\s*\d|with_state\([^)]*\d\))");
  for (auto id : store::all_scripts()) {
    const auto& s = store::get_script(id);
    std::istringstream lines(body_of(s));
    int line_no = 0;
    for (std::string line; std::getline(lines, line);) {
      ++line_no;
      EXPECT_FALSE(std::regex_search(line, bare)) << s.name << ".lua:" << line_no << ": " << line;
    }
  }
}

TEST(lua_scripts, only_the_reads_skip_the_replica_wait) {
  std::set<std::string> read_only;
  for (auto id : store::all_scripts())
    if (store::get_script(id).read_only) read_only.insert(std::string(store::get_script(id).name));
  EXPECT_EQ(read_only, (std::set<std::string>{"counselor_cases", "list", "queue_view", "read_case", "routing_delta",
                                              "routing_state"}));
}

using script_runner = store_test;

TEST_F(script_runner, refuses_a_call_with_the_wrong_key_count) {
  run([](env& e) -> asio::awaitable<void> {
    const auto k = test_keys();
    // read_case takes the case and its history.
    auto r = co_await store::run_script(e.redis, script_id::read_case, store::command(k.case_hash("K-1")),
                                        store::command("0"));
    CO_ASSERT_TRUE(!r);
    EXPECT_EQ(r.error(), store::error::redis_error);
    auto ok = co_await store::run_script(e.redis, script_id::read_case,
                                         store::command(k.case_hash("K-1"), k.history("K-1")), store::command("0"));
    CO_ASSERT_TRUE(ok.has_value());
    EXPECT_EQ(store::codec::read_status(*ok).reason, "not_found");
  });
}

using redis_functions = store_test;

// The value after `name` in a RESP2 map (an array of name, value, ...).
const store::reply* field(const store::reply& map, std::string_view name) {
  for (std::size_t i = 0; i + 1 < map.elements.size(); i += 2)
    if (map.elements[i].str == name) return &map.elements[i + 1];
  return nullptr;
}

// FUNCTION LIST: library name -> function name -> its flags.
asio::awaitable<std::map<std::string, std::map<std::string, std::set<std::string>>>> function_list(
    store::redis_connection& redis) {
  std::map<std::string, std::map<std::string, std::set<std::string>>> out;
  auto r = (co_await redis.exec(store::command("FUNCTION", "LIST"))).value();
  for (const auto& lib : r.elements) {
    auto& functions = out[field(lib, "library_name")->str];
    for (const auto& f : field(lib, "functions")->elements) {
      auto& flags = functions[field(f, "name")->str];
      for (const auto& flag : field(f, "flags")->elements) flags.insert(flag.str);
    }
  }
  co_return out;
}

// The library under another name: what another daemon version loads.
std::string library_named(const std::string& name, std::string_view extra = {}) {
  std::string lib(store::lua_library());
  const std::string own(store::lua_library_name());
  // Its name appears only on the two first lines.
  for (auto at = lib.find(own); at != std::string::npos && at < lib.find('\n', lib.find('\n') + 1);
       at = lib.find(own, at + name.size()))
    lib.replace(at, own.size(), name);
  return lib + std::string(extra);
}

TEST_F(redis_functions, register_every_script_with_its_read_only_flag) {
  run([](env& e) -> asio::awaitable<void> {
    const std::string name(store::lua_library_name());
    EXPECT_TRUE(store::lua_library().starts_with("#!lua name=" + name + "\n"));
    EXPECT_TRUE(std::regex_match(name, std::regex("caseroute_[0-9a-f]{12}")));
    auto libraries = co_await function_list(e.redis);
    std::map<std::string, std::set<std::string>> want;
    for (auto id : store::all_scripts()) {
      const auto& s = store::get_script(id);
      EXPECT_EQ(s.function, name + "_" + std::string(s.name));
      want[s.function] = s.read_only ? std::set<std::string>{"no-writes"} : std::set<std::string>{};
    }
    EXPECT_EQ(libraries[name], want);
    // A write function refuses FCALL_RO: the flags are what lets reads skip the WAIT.
    auto ro =
        (co_await e.redis.exec(store::command("FCALL_RO", store::get_script(script_id::outbox_ack).function, "0")))
            .value();
    EXPECT_TRUE(ro.is_error());
    EXPECT_NE(ro.str.find("write flag"), std::string::npos) << ro.str;
  });
}

TEST_F(redis_functions, a_call_after_function_flush_loads_the_library_again) {
  run([](env& e) -> asio::awaitable<void> {
    const auto id = co_await new_case(e.store, "R-1");
    // A read (FCALL_RO) and a write (FCALL) each find the library gone.
    (co_await e.redis.exec(store::command("FUNCTION", "FLUSH"))).value();
    auto c = co_await e.store.get(id, {});
    CO_ASSERT_TRUE(c.has_value());
    EXPECT_EQ(c->case_id(), id);
    (co_await e.redis.exec(store::command("FUNCTION", "FLUSH"))).value();
    EXPECT_TRUE(co_await e.store.offer(offer_to(id, "c001", at(1s))));
    auto libraries = co_await function_list(e.redis);
    EXPECT_EQ(libraries.size(), 1u);
    EXPECT_TRUE(libraries.contains(std::string(store::lua_library_name())));
  });
}

TEST_F(redis_functions, live_next_to_the_library_of_another_version) {
  run([](env& e) -> asio::awaitable<void> {
    const std::string older = "caseroute_000000000000";
    auto loaded = (co_await e.redis.exec(store::command("FUNCTION", "LOAD", library_named(older)))).value();
    EXPECT_EQ(loaded.str, older);
    // Loading ours again (each connection does) leaves both.
    EXPECT_TRUE(co_await store::load_scripts(e.redis2));
    const auto id = co_await new_case(e.store, "R-1");
    auto libraries = co_await function_list(e.redis);
    EXPECT_EQ(libraries.size(), 2u);
    EXPECT_EQ(libraries[older].size(), libraries[std::string(store::lua_library_name())].size());
    // The older version's read of the same case still works.
    const auto k = test_keys();
    auto r = (co_await e.redis.exec(
                  store::command("FCALL_RO", older + "_read_case", "2", k.case_hash(id), k.history(id), "0")))
                 .value();
    CO_ASSERT_TRUE(!r.is_error());
    EXPECT_TRUE(store::codec::read_status(r).ok);
  });
}

// Under EVAL every call started from an empty prelude; a library keeps its
// locals. A call that skips transition() must not find the keys the last
// call's transition() bound: emit() then fails, as it did under EVAL,
// instead of writing an event into the last call's case.
TEST_F(redis_functions, a_call_sees_nothing_the_last_call_bound) {
  run([](env& e) -> asio::awaitable<void> {
    const std::string name(store::lua_library_name());
    // Ours plus a probe that emits without transition(), under our name.
    (co_await e.redis.exec(store::command("FUNCTION", "DELETE", name))).value();
    auto loaded = (co_await e.redis.exec(store::command(
                       "FUNCTION", "LOAD",
                       library_named(name,
                                     "redis.register_function{function_name = library .. '_probe', "
                                     "callback = as_function(function() emit(ARGV[1], '') return 'emitted' end)}\n"))))
                      .value();
    CO_ASSERT_TRUE(loaded.str == name);
    const auto id = co_await new_case(e.store, "R-1");
    const auto k = test_keys();
    const auto before = (co_await e.redis.exec(store::command("LLEN", k.history(id)))).value().integer;
    auto event = store::codec::make_event("case.cancelled", "system", id, at(1s), v1::CASE_CANCELLED);
    auto probe =
        (co_await e.redis.exec(store::command("FCALL", name + "_probe", "0", store::codec::serialize(event)))).value();
    EXPECT_TRUE(probe.is_error()) << probe.str;
    EXPECT_EQ((co_await e.redis.exec(store::command("LLEN", k.history(id)))).value().integer, before);
  });
}

}  // namespace
}  // namespace caseroute::store_test
