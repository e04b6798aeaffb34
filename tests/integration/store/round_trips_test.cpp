// How many Redis calls a counselor's request costs the store (the commands it
// sends, from Redis's slow log of every command): accept and resolve answer
// the case from their own script, resolve reads nothing first on the
// replica that accepted the case (it holds the case's wrapped key) and the
// key once elsewhere, and a counselor's cases are one read-only script
// however many they hold. Each answer is what get() (the read_case.lua read) answers. Invented
// data only.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cctype>
#include <map>

#include "store_fixture.hpp"

namespace caseroute::store_test {
namespace {

using store::error;

// The commands clients sent since log_every_command(), by name (lower case),
// and the slow log back to Redis's defaults. INFO commandstats would
// also count what scripts call inside; the slow log names each command's
// client, and a script's own calls come from none ("?:0").
asio::awaitable<std::map<std::string, long>> client_calls(store::redis_connection& redis) {
  auto log = (co_await redis.exec(store::command("SLOWLOG", "GET", "-1"))).value();
  server().cli({"CONFIG", "SET", "slowlog-log-slower-than", "10000"});
  server().cli({"CONFIG", "SET", "slowlog-max-len", "128"});
  std::map<std::string, long> calls;
  for (const auto& entry : log.elements) {
    // {id, time, duration, argv, client address, client name}
    if (!store::is_array(entry, 5) || !store::is_array(entry.elements[3], 1)) {
      ADD_FAILURE() << "a slow log entry of another shape";
      continue;
    }
    if (entry.elements[4].str == "?:0") continue;  // inside a script
    std::string name = entry.elements[3].elements[0].str;
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    ++calls[name];
  }
  co_return calls;
}

long calls_of(const std::map<std::string, long>& calls, const std::string& command) {
  auto it = calls.find(command);
  return it == calls.end() ? 0 : it->second;
}

// The case reads a request could make outside its script.
void expect_no_case_reads(const std::map<std::string, long>& calls, const std::string& what) {
  for (const std::string c : {"fcall_ro", "hget", "hgetall", "smembers"})
    EXPECT_EQ(calls_of(calls, c), 0) << what << " called " << c;
}

bool same(const v1::Case& a, const v1::Case& b) { return store::codec::serialize(a) == store::codec::serialize(b); }

using round_trips = store_test;

TEST_F(round_trips, accept_is_one_script_that_answers_the_case) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    const auto id = co_await new_case(s, "R-a1");
    (co_await s.offer(offer_to(id, "c001", at(1s)))).value();

    log_every_command();
    auto accepted = co_await s.accept(id, "c001", at(2s));
    auto calls = co_await client_calls(e.redis2);
    CO_ASSERT_TRUE(accepted.has_value());
    EXPECT_EQ(calls_of(calls, "fcall"), 1);
    EXPECT_EQ(calls_of(calls, "hmget"), 0);
    expect_no_case_reads(calls, "accept");
    EXPECT_EQ(accepted->state(), v1::CASE_ACTIVE);
    EXPECT_EQ(accepted->counselor_id(), "c001");
    EXPECT_EQ(accepted->accepted_at().seconds(), seconds_of(at(2s)));
    EXPECT_EQ(accepted->contact().phone(), test_phone);  // the counselor's own case: personal data
    EXPECT_EQ(accepted->summary(), test_summary);
    EXPECT_EQ(accepted->history_size(), 0);
    EXPECT_TRUE(same(*accepted, (co_await s.get(id, {.personal = true})).value()));

    // A retried accept (its first answer lost) answers the case the same way.
    log_every_command();
    auto again = co_await s.accept(id, "c001", at(3s));
    calls = co_await client_calls(e.redis2);
    CO_ASSERT_TRUE(again.has_value());
    EXPECT_EQ(calls_of(calls, "fcall"), 1);
    expect_no_case_reads(calls, "a retried accept");
    EXPECT_TRUE(same(*again, *accepted));

    // Refusals keep their errors.
    EXPECT_EQ((co_await s.accept(id, "c002", at(4s))).error(), error::not_yours);
    EXPECT_EQ((co_await s.accept("K-none", "c001", at(4s))).error(), error::not_found);
  });
}

// The audit stream's entries: {id, {field, value, ...}} each.
asio::awaitable<std::vector<std::pair<std::string, std::map<std::string, std::string>>>> audit_entries(
    store::redis_connection& redis) {
  auto r = (co_await redis.exec(store::command("XRANGE", test_keys().audit(), "-", "+"))).value();
  std::vector<std::pair<std::string, std::map<std::string, std::string>>> out;
  for (const auto& entry : r.elements) {
    std::map<std::string, std::string> fields;
    const auto& kv = entry.elements.at(1).elements;
    for (std::size_t i = 0; i + 1 < kv.size(); i += 2) fields[kv[i].str] = kv[i + 1].str;
    out.emplace_back(entry.elements.at(0).str, std::move(fields));
  }
  co_return out;
}

TEST_F(round_trips, an_accept_records_its_readers_read_in_the_same_script) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    const auto id = co_await new_case(s, "R-a-audit");
    (co_await s.offer(offer_to(id, "c001", at(1s)))).value();

    // Named arguments: g++ 12 miscompiles a braced temporary in a co_await operand.
    const store::read_by c001{"counselor:c001", "192.0.2.7", "req-1"};
    const store::read_by c001_again{"counselor:c001", "192.0.2.7", "req-2"};
    const store::read_by c002{"counselor:c002", "192.0.2.8", "req-3"};
    log_every_command();
    auto accepted = co_await s.accept(id, "c001", at(2s), c001);
    auto calls = co_await client_calls(e.redis2);
    CO_ASSERT_TRUE(accepted.has_value());
    EXPECT_EQ(calls_of(calls, "fcall"), 1);
    EXPECT_EQ(calls_of(calls, "xadd"), 0);
    expect_no_case_reads(calls, "accept");
    EXPECT_EQ(accepted->fields, "contact,summary");  // the test referral has both
    EXPECT_EQ(accepted->c.contact().phone(), test_phone);
    auto entries = co_await audit_entries(e.redis);
    CO_ASSERT_TRUE(entries.size() == 1u);
    EXPECT_EQ(entries[0].first, accepted->audit_id);
    EXPECT_EQ(entries[0].second, (std::map<std::string, std::string>{{"principal", "counselor:c001"},
                                                                     {"case", id},
                                                                     {"fields", "contact,summary"},
                                                                     {"remote", "192.0.2.7"},
                                                                     {"request", "req-1"}}));
    // A retried accept is a read too.
    auto again = co_await s.accept(id, "c001", at(3s), c001_again);
    CO_ASSERT_TRUE(again.has_value());
    EXPECT_EQ((co_await audit_entries(e.redis)).size(), 2u);
    // A refusal reads nothing; nor does an accept that names no reader.
    EXPECT_EQ((co_await s.accept(id, "c002", at(4s), c002)).error(), error::not_yours);
    const auto other = co_await new_case(s, "R-a-audit-2");
    (co_await s.offer(offer_to(other, "c001", at(5s)))).value();
    EXPECT_TRUE((co_await s.accept(other, "c001", at(6s))).has_value());
    EXPECT_EQ((co_await audit_entries(e.redis)).size(), 2u);
    // A case made before its sealed parts were kept: the caller records the read.
    const auto old = co_await new_case(s, "R-a-audit-3");
    (co_await e.redis.exec(store::command("HDEL", test_keys().case_hash(old), "sealed"))).value();
    (co_await s.offer(offer_to(old, "c001", at(7s), 5))).value();
    auto unrecorded = co_await s.accept(old, "c001", at(8s), c001);
    CO_ASSERT_TRUE(unrecorded.has_value());
    EXPECT_EQ(unrecorded->audit_id, "");
    EXPECT_EQ((co_await audit_entries(e.redis)).size(), 2u);
  });
}

TEST_F(round_trips, accept_of_a_broadcast_answers_the_case_after_its_other_offers_went) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    const auto id = co_await new_case(s, "R-a2", at(), v1::RISK_CRISIS);
    store::broadcast_request b;
    b.case_id = id;
    b.now = at(1s);
    b.expires_at = at(31s);
    b.targets.push_back({"c1", "site-1", 3, false});
    b.targets.push_back({"c2", "site-2", 3, false});
    (co_await s.broadcast(b)).value();

    log_every_command();
    auto won = co_await s.accept(id, "c2", at(2s));
    const auto calls = co_await client_calls(e.redis2);
    CO_ASSERT_TRUE(won.has_value());
    EXPECT_EQ(calls_of(calls, "fcall"), 1);
    EXPECT_EQ(calls_of(calls, "hmget"), 0);
    expect_no_case_reads(calls, "accept");
    EXPECT_EQ(won->counselor_id(), "c2");
    EXPECT_EQ(won->site_id(), "site-2");
    EXPECT_TRUE(won->offered_to().empty());
    EXPECT_TRUE(same(*won, (co_await s.get(id, {.personal = true})).value()));
  });
}

TEST_F(round_trips, resolve_is_one_script_where_the_case_was_accepted_and_reads_its_key_once_elsewhere) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    const auto id = co_await new_case(s, "R-r1");
    (co_await s.offer(offer_to(id, "c001", at(1s)))).value();
    (co_await s.accept(id, "c001", at(2s))).value();

    // This store accepted the case: it holds the key that seals the note.
    log_every_command();
    auto resolved = co_await s.resolve(id, "c001", v1::OUTCOME_COUNSELED, "invented note", at(3s));
    auto calls = co_await client_calls(e.redis2);
    CO_ASSERT_TRUE(resolved.has_value());
    EXPECT_EQ(calls_of(calls, "hmget"), 0);
    EXPECT_EQ(calls_of(calls, "fcall"), 1);
    expect_no_case_reads(calls, "resolve");
    EXPECT_EQ(resolved->state(), v1::CASE_RESOLVED);
    EXPECT_EQ(resolved->outcome(), v1::OUTCOME_COUNSELED);
    EXPECT_EQ(resolved->resolved_at().seconds(), seconds_of(at(3s)));
    EXPECT_TRUE(resolved->contact().phone().empty());  // as before: no personal data in the answer
    EXPECT_TRUE(same(*resolved, (co_await s.get(id, {})).value()));
    // The note was sealed with the case's own key: the counselor's view opens it.
    auto full = (co_await s.get(id, {.personal = true, .history = true})).value();
    CO_ASSERT_TRUE(full.history_size() > 0);
    EXPECT_EQ(full.history(full.history_size() - 1).note(), "invented note");

    log_every_command();
    auto again = co_await s.resolve(id, "c001", v1::OUTCOME_COUNSELED, "", at(4s));
    calls = co_await client_calls(e.redis2);
    CO_ASSERT_TRUE(again.has_value());
    EXPECT_EQ(calls_of(calls, "fcall"), 1);
    EXPECT_EQ(calls_of(calls, "hmget") + calls_of(calls, "hget"), 0);
    expect_no_case_reads(calls, "a retried resolve");
    EXPECT_TRUE(same(*again, *resolved));

    EXPECT_EQ((co_await s.resolve(id, "c002", v1::OUTCOME_COUNSELED, "", at(5s))).error(), error::not_yours);
    EXPECT_EQ((co_await s.resolve("K-none", "c001", v1::OUTCOME_COUNSELED, "", at(5s))).error(), error::not_found);

    // Another replica (store2) never held this case's key: it reads it once.
    const auto other = co_await new_case(s, "R-r2");
    (co_await s.offer(offer_to(other, "c001", at(6s)))).value();
    (co_await s.accept(other, "c001", at(7s))).value();
    log_every_command();
    auto elsewhere = co_await e.store2.resolve(other, "c001", v1::OUTCOME_COUNSELED, "another note", at(8s));
    calls = co_await client_calls(e.redis2);
    CO_ASSERT_TRUE(elsewhere.has_value());
    EXPECT_EQ(calls_of(calls, "hget"), 1);  // the wrapped key
    EXPECT_EQ(calls_of(calls, "fcall"), 1);
    full = (co_await s.get(other, {.personal = true, .history = true})).value();
    EXPECT_EQ(full.history(full.history_size() - 1).note(), "another note");
  });
}

// What scripts called, from the slow log (read after log_every_command()):
// the calls of `command` (upper case) on `key`, and the slow log back to
// Redis's defaults.
asio::awaitable<long> script_calls(store::redis_connection& redis, const std::string& command, const std::string& key) {
  auto log = (co_await redis.exec(store::command("SLOWLOG", "GET", "-1"))).value();
  server().cli({"CONFIG", "SET", "slowlog-log-slower-than", "10000"});
  server().cli({"CONFIG", "SET", "slowlog-max-len", "128"});
  long n = 0;
  for (const auto& entry : log.elements) {
    if (!store::is_array(entry, 5) || entry.elements[4].str != "?:0") continue;  // a script's own calls only
    const auto& argv = entry.elements[3].elements;
    if (argv.size() >= 2 && argv[0].str == command && argv[1].str == key) ++n;
  }
  co_return n;
}

// A crisis broadcast to many counselors and the accept that wins it write
// an event per counselor, but not a call per counselor for each: the
// history takes a script's events in one push, the case its offer fields
// in one HSET and loses them in one HDEL.
TEST_F(round_trips, a_broadcast_and_its_winning_accept_write_their_counselors_events_in_one_push) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    const auto keys = test_keys();
    const auto id = co_await new_case(s, "R-bc", at(), v1::RISK_CRISIS);
    log_every_command();
    auto offered = (co_await s.broadcast(broadcast_to(id, "c1 c2 c3 c4 c5", at(1s)))).value();
    EXPECT_EQ(co_await script_calls(e.redis2, "RPUSH", keys.history(id)), 1);
    CO_ASSERT_TRUE(offered.counselors.size() == 5u);

    log_every_command();
    (co_await s.accept(id, "c3", at(2s))).value();
    const long pushes = co_await script_calls(e.redis2, "RPUSH", keys.history(id));
    EXPECT_EQ(pushes, 2);  // the accept's own event, then the four withdrawals

    const auto other = co_await new_case(s, "R-bc2", at(3s), v1::RISK_CRISIS);
    (co_await s.broadcast(broadcast_to(other, "c6 c7 c8", at(3s)))).value();
    log_every_command();
    (co_await s.accept(other, "c7", at(4s))).value();
    EXPECT_EQ(co_await script_calls(e.redis2, "HDEL", keys.case_hash(other)), 1);

    // The same history as an event at a time wrote: each offer in order,
    // the accept, each other counselor's withdrawal in counselor id order.
    auto c = (co_await s.get(id, {.history = true})).value();
    CO_ASSERT_TRUE(c.history_size() == 11);
    for (int i = 1; i <= 5; ++i) {
      EXPECT_EQ(c.history(i).type(), "case.offered");
      EXPECT_EQ(c.history(i).counselor_id(), "c" + std::to_string(i));
      EXPECT_EQ(c.history(i).site_id(), "site-of-c" + std::to_string(i));
    }
    EXPECT_EQ(c.history(6).type(), "case.accepted");
    const std::vector<std::string> withdrawn{"c1", "c2", "c4", "c5"};
    for (int i = 0; i < 4; ++i) {
      EXPECT_EQ(c.history(7 + i).type(), "case.offer_withdrawn");
      EXPECT_EQ(c.history(7 + i).counselor_id(), withdrawn[static_cast<std::size_t>(i)]);
    }
    for (const auto& who : withdrawn) EXPECT_TRUE((co_await s.counselor_cases(who)).value().empty()) << who;
  });
}

TEST_F(round_trips, counselor_cases_are_one_read_only_script) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    std::vector<std::string> ids;
    for (int i = 0; i < 3; ++i) {
      // Created newest first: the answer still comes oldest first.
      const auto id = co_await new_case(s, "R-c" + std::to_string(i), at(std::chrono::seconds(10 - i)));
      (co_await s.offer(offer_to(id, "c001", at(20s), 5))).value();
      ids.push_back(id);
    }
    (co_await s.accept(ids[1], "c001", at(21s))).value();
    // Members that are not the counselor's case: one gone, one someone else's.
    const auto other = co_await new_case(s, "R-c9", at(1s));
    (co_await s.offer(offer_to(other, "c002", at(20s)))).value();
    const auto k = test_keys();
    server().cli({"SADD", k.counselor_cases("c001"), "K-gone", other});

    log_every_command();
    auto mine = co_await s.counselor_cases("c001");
    const auto calls = co_await client_calls(e.redis2);
    CO_ASSERT_TRUE(mine.has_value());
    EXPECT_EQ(calls_of(calls, "fcall_ro"), 1);
    EXPECT_EQ(calls_of(calls, "fcall"), 0);
    EXPECT_EQ(calls_of(calls, "smembers"), 0);
    EXPECT_EQ(calls_of(calls, "hgetall"), 0);
    CO_ASSERT_TRUE(mine->size() == 3);
    EXPECT_EQ((*mine)[0].case_id(), ids[2]);
    EXPECT_EQ((*mine)[1].case_id(), ids[1]);
    EXPECT_EQ((*mine)[2].case_id(), ids[0]);
    EXPECT_EQ((*mine)[1].state(), v1::CASE_ACTIVE);
    for (const auto& c : *mine) {
      EXPECT_EQ(c.contact().phone(), test_phone);
      EXPECT_TRUE(same(c, (co_await s.get(c.case_id(), {.personal = true})).value()));
    }
    EXPECT_TRUE((co_await s.counselor_cases("c404")).value().empty());
  });
}

// Reads of several counselors' cases started at once (the long polls a
// crisis broadcast wakes), each outcome in order.
asio::awaitable<std::vector<store::result<std::vector<v1::Case>>>> read_all_at_once(
    store::case_store& s, std::vector<std::pair<std::string, store::view_options>> reads) {
  auto ex = co_await asio::this_coro::executor;
  std::vector<store::result<std::vector<v1::Case>>> out(reads.size(), make_error_code(error::unavailable));
  std::size_t remaining = reads.size();
  asio::steady_timer all_done(ex, asio::steady_timer::time_point::max());
  for (std::size_t i = 0; i < reads.size(); ++i) {
    asio::co_spawn(ex, s.counselor_cases(reads[i].first, reads[i].second),
                   [&out, &remaining, &all_done, i](std::exception_ptr p, store::result<std::vector<v1::Case>> r) {
                     out[i] = p ? make_error_code(error::redis_error) : std::move(r);
                     if (--remaining == 0) all_done.cancel();
                   });
  }
  if (remaining > 0) co_await all_done.async_wait(asio::as_tuple(asio::use_awaitable));
  co_return out;
}

TEST_F(round_trips, counselors_reading_at_once_share_one_script) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    // A crisis broadcast to five, a direct offer to c1 and an active case of c2.
    const auto crisis = co_await new_case(s, "R-w1", at(1s), v1::RISK_CRISIS);
    (co_await s.broadcast(broadcast_to(crisis, "c1 c2 c3 c4 c5", at(2s)))).value();
    const auto direct = co_await new_case(s, "R-w2", at(3s));
    (co_await s.offer(offer_to(direct, "c1", at(4s), 5))).value();
    const auto active = co_await new_case(s, "R-w3", at(5s));
    (co_await s.offer(offer_to(active, "c2", at(6s), 5))).value();
    (co_await s.accept(active, "c2", at(7s))).value();
    const store::view_options personal{.personal = true}, plain{};
    std::vector<std::pair<std::string, store::view_options>> reads;
    for (const std::string who : {"c1", "c2", "c3", "c4", "c5", "c404", "c1"}) reads.emplace_back(who, personal);
    reads.emplace_back("c2", plain);  // another view: another read

    log_every_command();
    auto answers = co_await read_all_at_once(s, reads);
    const auto calls = co_await client_calls(e.redis2);
    EXPECT_EQ(calls_of(calls, "fcall_ro"), 2);  // one per view, not one per counselor
    EXPECT_EQ(calls_of(calls, "fcall"), 0);
    for (std::size_t i = 0; i < reads.size(); ++i) {
      const auto& [who, view] = reads[i];
      CO_ASSERT_TRUE(answers[i].has_value());
      // What a read of this counselor alone answers.
      const auto alone = (co_await s.counselor_cases(who, view)).value();
      CO_ASSERT_TRUE(answers[i]->size() == alone.size());
      for (std::size_t j = 0; j < alone.size(); ++j) EXPECT_TRUE(same((*answers[i])[j], alone[j])) << who;
    }
    // c1: the broadcast and the direct offer; c2: the broadcast and its case.
    CO_ASSERT_TRUE(answers[0]->size() == 2);
    EXPECT_EQ((*answers[0])[0].case_id(), crisis);
    EXPECT_EQ((*answers[0])[1].case_id(), direct);
    CO_ASSERT_TRUE(answers[1]->size() == 2);
    EXPECT_EQ((*answers[1])[1].case_id(), active);
    EXPECT_EQ((*answers[1])[1].contact().phone(), test_phone);
    EXPECT_TRUE((*answers[7])[1].contact().phone().empty());  // the plain view opens nothing
    for (std::size_t i = 2; i < 5; ++i) {
      CO_ASSERT_TRUE(answers[i]->size() == 1);
      EXPECT_EQ((*answers[i])[0].case_id(), crisis);
    }
    EXPECT_TRUE(answers[5]->empty());

    // Once c3 accepts, the others read together see it no more.
    (co_await s.accept(crisis, "c3", at(8s))).value();
    reads.clear();
    for (const std::string who : {"c3", "c4", "c5"}) reads.emplace_back(who, personal);
    answers = co_await read_all_at_once(s, reads);
    CO_ASSERT_TRUE(answers[0].has_value() && answers[0]->size() == 1);
    EXPECT_EQ((*answers[0])[0].state(), v1::CASE_ACTIVE);
    EXPECT_TRUE(answers[1].has_value() && answers[1]->empty());
    EXPECT_TRUE(answers[2].has_value() && answers[2]->empty());

    // A shift start may wake thousands at once: one call names at most 256.
    reads.clear();
    for (int i = 0; i < 300; ++i) reads.emplace_back("n" + std::to_string(i), personal);
    log_every_command();
    answers = co_await read_all_at_once(s, reads);
    EXPECT_EQ(calls_of(co_await client_calls(e.redis2), "fcall_ro"), 2);
    for (const auto& a : answers) EXPECT_TRUE(a.has_value() && a->empty());
  });
}

}  // namespace
}  // namespace caseroute::store_test
