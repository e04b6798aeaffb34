// The Lua scripts' interfaces: what lua/common.lua names (case states, the
// Event fields a script stamps, the keys a script builds, the transition
// head) agrees with caseroute.proto, keys.cpp and transition_call, run in a
// real Redis; every script's header and first lines follow the one shape;
// the runner refuses a call with the wrong key count. Invented data only.
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

// A script's text after the prelude.
std::string body_of(const store::script& s) {
  const auto prelude = store::lua_prelude();
  EXPECT_TRUE(s.source.starts_with(prelude)) << s.name;
  return std::string(s.source.substr(prelude.size()));
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
  EXPECT_EQ(read_only, (std::set<std::string>{"list", "queue_view", "read_case", "routing_delta", "routing_state"}));
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

}  // namespace
}  // namespace caseroute::store_test
