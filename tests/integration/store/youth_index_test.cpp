// Each youth's open cases (keys::youth_open) against a real Redis: over random
// histories of cases sharing youth refs, routing_delta's continuity rows equal
// the old answer (every counselor's cases scanned, as routing_state still
// does), the routing rows create answers with equal a delta read of the new
// case, and the index holds exactly the open cases; the start-up backfill
// (youth_index.lua) rebuilds it; key rotation moves a migrated case's entry.
// Invented data only.
#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "config/digest.hpp"
#include "store/codec.hpp"
#include "store/rotation.hpp"
#include "store/scripts.hpp"
#include "store_fixture.hpp"

namespace caseroute::store_test {
namespace {

using store::command;

const std::vector<std::string> counselor_ids{"c1", "c2", "c3", "c4", "c5"};
const std::vector<std::string> youth_refs{"y-1", "y-2", "y-3", ""};

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

std::vector<std::string> strings_of(const store::reply& r) {
  std::vector<std::string> out;
  for (const auto& e : r.elements) out.push_back(e.str);
  return out;
}

// The holders of `ref` as routing_delta found them before the index: every
// counselor's cases scanned for a case of the youth (a copy of the old code).
asio::awaitable<std::vector<std::string>> scanned_holders(store::redis_connection& redis, std::string ref) {
  const auto k = test_keys();
  std::vector<std::string> out;
  auto counselors = (co_await redis.exec(command("SMEMBERS", k.counselors()))).value();
  for (const auto& cid : counselors.elements) {
    auto held = (co_await redis.exec(command("SMEMBERS", k.counselor_cases(cid.str)))).value();
    for (const auto& hid : held.elements) {
      auto youth = (co_await redis.exec(command("HGET", k.case_hash(hid.str), "youth"))).value();
      if (!youth.is_nil() && youth.str == ref) out.push_back(cid.str);
    }
  }
  co_return sorted(std::move(out));
}

// routing_delta naming every case in `ids`: its continuity rows, youth key ->
// counselor ids (sorted; duplicates kept: the old scan named a counselor once
// per case of the youth they held).
asio::awaitable<std::map<std::string, std::vector<std::string>>> delta_continuity(store::redis_connection& redis,
                                                                                  std::vector<std::string> ids) {
  const auto k = test_keys();
  auto args = command(k.base(), "0", "0", std::to_string(ids.size()));
  for (auto& id : ids) args.push_back(id);
  args.push_back("0");  // no youth named apart from the cases'
  auto r =
      (co_await store::run_script(redis, store::script_id::routing_delta, command(k.counselors()), std::move(args)))
          .value();
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& row : r.elements.at(2).elements)
    out[row.elements.at(0).str] = sorted(strings_of(row.elements.at(1)));
  co_return out;
}

// routing_delta's continuity rows for `ids` equal the old scan's answer, it
// answers them for exactly the youths that can use them (a named case still
// queued, or a named case's youth with another open case), and each youth's
// open cases are exactly its cases in QUEUED, OFFERED or ACTIVE.
// Returns how many holders the rows named (so a history can show it had some).
asio::awaitable<std::size_t> expect_index_agrees(store::redis_connection& redis, std::vector<std::string> ids,
                                                 std::vector<std::string> youth_keys, std::string where) {
  const auto k = test_keys();
  auto rows = co_await delta_continuity(redis, ids);
  std::size_t holders = 0;
  for (const auto& [ref, got] : rows) {
    auto want = strings_of((co_await redis.exec(command("ZRANGEBYSCORE", k.youth(ref), "0", "+inf"))).value());
    for (auto& cid : co_await scanned_holders(redis, ref)) {
      want.push_back(cid);
      ++holders;
    }
    EXPECT_EQ(got, sorted(want)) << where << ": continuity of a youth";
  }
  std::map<std::string, std::vector<std::string>> open;
  std::map<std::string, int> states;
  for (const auto& id : ids) {
    auto f = (co_await redis.exec(command("HMGET", k.case_hash(id), "state", "youth"))).value();
    if (f.elements.at(0).is_nil()) continue;
    const int state = std::stoi(f.elements[0].str);
    states[id] = state;
    if (state == v1::CASE_QUEUED || state == v1::CASE_OFFERED || state == v1::CASE_ACTIVE)
      open[f.elements[1].str].push_back(id);
  }
  std::set<std::string> useful;
  for (const auto& [ref, cases] : open) {
    if (ref.empty()) continue;
    for (const auto& id : cases)
      if (states[id] == v1::CASE_QUEUED || cases.size() > 1) useful.insert(ref);
  }
  for (const auto& id : ids) {  // a closed case's youth with an open case
    if (!states.contains(id) || states[id] == v1::CASE_QUEUED || states[id] == v1::CASE_OFFERED ||
        states[id] == v1::CASE_ACTIVE)
      continue;
    auto ref = (co_await redis.exec(command("HGET", k.case_hash(id), "youth"))).value().str;
    if (!ref.empty() && open.contains(ref)) useful.insert(ref);
  }
  std::set<std::string> answered;
  for (const auto& [ref, got] : rows) answered.insert(ref);
  EXPECT_EQ(answered, useful) << where << ": the youths routing_delta answers for";
  for (const auto& ref : youth_keys) {
    auto got = sorted(strings_of((co_await redis.exec(command("SMEMBERS", k.youth_open(ref)))).value()));
    EXPECT_EQ(got, sorted(open[ref])) << where << ": open cases of a youth";
  }
  EXPECT_EQ((co_await redis.exec(command("EXISTS", k.youth_open("")))).value().integer, 0) << where;
  co_return holders;
}

// A random history: creates, offers, reassignments, broadcasts, accepts,
// declines, withdrawals, expiries, releases, resolves, cancels and purges of
// cases among five counselors and three youths (and cases with no youth).
struct history {
  history(env& on, unsigned seed) : e(on), rng(seed) {}

  env& e;
  std::mt19937 rng;
  time_point now = at();
  std::vector<std::string> cases;
  std::map<std::string, int> done;  // op -> successes

  // The continuity window of the routing rows create answers with.
  const store::routing_lookback lookback{.continuity_window = std::chrono::hours(24 * 30)};
  int youths_with_rows = 0;  // creates whose youth's continuity row named someone

  std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); }

  // The routing rows a create answers with are what a delta read of the new
  // case answers at that moment: the same case row and the same continuity.
  asio::awaitable<void> expect_rows_as_read(const store::created& c) {
    EXPECT_FALSE(c.feed_id.empty());
    if (!c.routing) {
      ADD_FAILURE() << "create answered no routing rows";
      co_return;
    }
    std::vector<std::string> ids{c.case_id};  // (g++ 12: no braced list inside co_await)
    auto read = (co_await e.store.load_routing_delta(now, lookback, std::move(ids), std::vector<std::string>(),
                                                     std::vector<std::string>()))
                    .value();
    EXPECT_TRUE(read.gone.empty());
    const auto& got = c.routing->queued;
    const auto& want = read.changed.queued;
    if (got.size() != 1 || want.size() != 1) {
      ADD_FAILURE() << "rows of the new case: " << got.size() << " answered, " << want.size() << " read";
      co_return;
    }
    const routing::queued_case& a = got[0];
    const routing::queued_case& b = want[0];
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.level, b.level);
    EXPECT_EQ(a.concerns, b.concerns);
    EXPECT_EQ(a.priority_group, b.priority_group);
    EXPECT_EQ(a.contact_mode, b.contact_mode);
    EXPECT_EQ(a.county, b.county);
    EXPECT_EQ(a.youth_ref, b.youth_ref);
    EXPECT_EQ(a.received_at, b.received_at);
    EXPECT_EQ(a.created_at, b.created_at);
    EXPECT_EQ(a.escalation_level, b.escalation_level);
    EXPECT_EQ(a.excluded, b.excluded);
    EXPECT_EQ(c.routing->continuity, read.changed.continuity) << "continuity of " << a.youth_ref;
    for (const auto& [ref, ids] : c.routing->continuity) youths_with_rows += ids.empty() ? 0 : 1;
  }
  const std::string& any_counselor() { return counselor_ids[pick(counselor_ids.size())]; }

  void count(const std::string& op, bool ok) {
    if (ok) ++done[op];
  }

  // Someone holding an offer of the case (its counselor, or one of a broadcast).
  static std::string offered_one(const v1::Case& c, std::size_t i) {
    if (!c.counselor_id().empty()) return c.counselor_id();
    if (c.offered_to_size() == 0) return "";
    return c.offered_to(static_cast<int>(i % static_cast<std::size_t>(c.offered_to_size())));
  }

  asio::awaitable<void> step() {
    auto& s = e.store;
    now += 1s;
    const std::size_t op = pick(100);
    if (op < 15 || cases.empty()) {
      const auto rid = "R-" + std::to_string(cases.size());
      const auto risk = pick(3) == 0 ? v1::RISK_CRISIS : v1::RISK_HIGH;
      auto c =
          co_await s.create(referral(rid, risk, youth_refs[pick(youth_refs.size())]), "henan-12355", now, lookback);
      if (c) {
        cases.push_back(c->case_id);
        co_await expect_rows_as_read(*c);
      }
      count("create", c.has_value());
      co_return;
    }
    // Each kind of step looks (a few tries) for a case it applies to; some
    // still fail (another state, capacity, exclusion), as they may.
    v1::CaseState wanted = v1::CASE_QUEUED;
    if (op >= 43 && op < 69) wanted = v1::CASE_OFFERED;
    if (op >= 73 && op < 90) wanted = v1::CASE_ACTIVE;
    std::string id = cases[pick(cases.size())];
    auto c = co_await s.get(id, {});
    for (int attempt = 0; attempt < 8 && !(c && c->state() == wanted); ++attempt) {
      id = cases[pick(cases.size())];
      c = co_await s.get(id, {});
    }
    if (!c) co_return;  // purged
    const std::string holder = offered_one(*c, pick(8));
    const auto ttl = std::chrono::seconds(5 + pick(40));
    if (op < 30) {
      auto r = offer_to(id, any_counselor(), now, 4, ttl);
      count("offer", (co_await s.offer(r)).has_value());
    } else if (op < 35) {
      auto r = offer_to(id, any_counselor(), now, 4, ttl);
      r.actor = "supervisor:s-1";
      r.rule = "assigned";
      r.ignore_exclusion = true;
      count("reassign", (co_await s.offer(r)).has_value());
    } else if (op < 43) {
      store::broadcast_request r;
      r.case_id = id;
      r.now = now;
      r.expires_at = now + ttl;
      std::vector<std::string> to = counselor_ids;
      std::shuffle(to.begin(), to.end(), rng);
      for (std::size_t i = 0; i < 2 + pick(2); ++i) r.targets.push_back({to[i], "site-" + to[i], 4, false});
      count("broadcast", (co_await s.broadcast(r)).has_value());
    } else if (op < 60) {
      count("accept", (co_await s.accept(id, holder, now)).has_value());
    } else if (op < 65) {
      count("decline", (co_await s.decline(id, holder, "", now)).has_value());
    } else if (op < 69) {
      count("withdraw", (co_await s.withdraw(id, holder, "shift ended", now)).has_value());
    } else if (op < 73) {
      auto r = co_await s.expire_offers(now);
      count("expire", r.has_value() && r->expired > 0);
    } else if (op < 78) {
      count("release", (co_await s.release(id, c->counselor_id(), "", now)).has_value());
    } else if (op < 90) {
      count("resolve", (co_await s.resolve(id, c->counselor_id(), v1::OUTCOME_COUNSELED, "", now)).has_value());
    } else if (op < 95) {
      count("cancel", (co_await s.cancel(id, "supervisor:s-1", "", now)).has_value());
    } else {
      auto r = co_await s.purge_closed(now, 50);
      count("purge", r.has_value() && *r > 0);
    }
  }
};

asio::awaitable<std::vector<std::string>> keyed_refs(store::case_store& s) {
  std::vector<std::string> out;
  for (const auto& ref : youth_refs)
    if (!ref.empty()) out.push_back((co_await s.youth_key(ref)).value());
  co_return out;
}

using youth_index = store_test;

TEST_F(youth_index, routing_delta_and_create_name_the_holders_the_full_scan_named_after_every_step) {
  for (unsigned seed : {1u, 2u, 3u}) {
    run(
        [seed](env& e) -> asio::awaitable<void> {
          for (const auto& c : counselor_ids) (co_await e.store.set_availability(c, true, at())).value();
          const auto refs = co_await keyed_refs(e.store);
          history h(e, seed);
          std::size_t holders = 0;
          for (int i = 0; i < 250; ++i) {
            co_await h.step();
            holders += co_await expect_index_agrees(e.redis, h.cases, refs,
                                                    "seed " + std::to_string(seed) + " step " + std::to_string(i));
            if (::testing::Test::HasFailure()) co_return;
          }
          EXPECT_GT(holders, 100u) << "seed " << seed << ": few counselors held a youth's case";
          EXPECT_GT(h.youths_with_rows, 5) << "seed " << seed << ": few new cases of a youth someone counts for";
          // The history went through every kind of step.
          for (const char* op : {"create", "offer", "reassign", "broadcast", "accept", "decline", "withdraw", "expire",
                                 "release", "resolve", "cancel", "purge"})
            EXPECT_GT(h.done[op], 0) << "seed " << seed << ": no successful " << op;
        },
        60s);
    server().flush();
  }
}

TEST_F(youth_index, the_backfill_indexes_cases_opened_before_the_index) {
  run([](env& e) -> asio::awaitable<void> {
    const auto k = test_keys();
    for (const auto& c : counselor_ids) (co_await e.store.set_availability(c, true, at())).value();
    const auto refs = co_await keyed_refs(e.store);
    history h(e, 7);
    for (int i = 0; i < 150; ++i) co_await h.step();
    co_await expect_index_agrees(e.redis, h.cases, refs, "before");
    // As a store before the index left them: no entries at all.
    std::int64_t open_with_ref = 0;
    for (const auto& ref : refs) {
      open_with_ref += (co_await e.redis.exec(command("SCARD", k.youth_open(ref)))).value().integer;
      (co_await e.redis.exec(command("DEL", k.youth_open(ref)))).value();
    }
    CO_ASSERT_TRUE(open_with_ref > 0);
    auto first = (co_await e.store.index_youth_cases()).value();
    EXPECT_EQ(first.open_with_ref, open_with_ref);
    EXPECT_EQ(first.added, open_with_ref);
    co_await expect_index_agrees(e.redis, h.cases, refs, "after the backfill");
    auto again = (co_await e.store.index_youth_cases()).value();
    EXPECT_EQ(again.open_with_ref, open_with_ref);
    EXPECT_EQ(again.added, 0);
    // and the index keeps up from there
    for (int i = 0; i < 100; ++i) {
      co_await h.step();
      co_await expect_index_agrees(e.redis, h.cases, refs, "after the backfill, step " + std::to_string(i));
      if (::testing::Test::HasFailure()) co_return;
    }
  });
}

TEST_F(youth_index, holds_no_closed_or_purged_case) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    const auto k = test_keys();
    const auto ref = (co_await s.youth_key("y-1")).value();
    const auto resolved = co_await new_case(s, "R-1", at());
    const auto cancelled = co_await new_case(s, "R-2", at());
    const auto active = co_await new_case(s, "R-3", at());
    const auto queued = co_await new_case(s, "R-4", at());
    const auto no_youth = co_await new_case(s, "R-5", at(), v1::RISK_HIGH, "");
    auto open = [&]() -> asio::awaitable<std::vector<std::string>> {
      co_return sorted(strings_of((co_await e.redis.exec(command("SMEMBERS", k.youth_open(ref)))).value()));
    };
    const std::vector<std::string> all_four = sorted({resolved, cancelled, active, queued});
    const std::vector<std::string> still_open = sorted({active, queued});
    const std::vector<std::string> only_queued{queued};
    const std::vector<std::string> every_case{resolved, cancelled, active, queued, no_youth};
    const std::vector<std::string> twice_c1{"c1", "c1"};
    const std::vector<std::string> just_ref{ref};
    EXPECT_EQ(co_await open(), all_four);
    for (const auto& id : {resolved, active}) {
      (co_await s.offer(offer_to(id, "c1", at(1s)))).value();
      (co_await s.accept(id, "c1", at(2s))).value();
    }
    (co_await s.resolve(resolved, "c1", v1::OUTCOME_COUNSELED, "", at(3s))).value();
    (co_await s.cancel(cancelled, "supervisor:s-1", "", at(3s))).value();
    EXPECT_EQ(co_await open(), still_open);
    EXPECT_EQ((co_await delta_continuity(e.redis, only_queued))[ref], twice_c1);
    // A stale entry (as a store that lost one would hold) is dropped by the purge.
    (co_await e.redis.exec(command("SADD", k.youth_open(ref), resolved))).value();
    EXPECT_EQ((co_await s.purge_closed(at(10s), 10)).value(), 2);
    EXPECT_EQ(co_await open(), still_open);
    co_await expect_index_agrees(e.redis, every_case, just_ref, "after purge");
  });
}

// A case stored before per-case keys named its youth by the ref itself; key
// rotation keys it, and the open case's entry moves with it.
asio::awaitable<std::string> legacy_case(store::redis_connection& redis, const std::string& rid,
                                         const std::string& youth, v1::CaseState state) {
  const auto r = referral(rid, v1::RISK_HIGH, youth);
  const std::string id = store::codec::new_case_id(at());
  const v1::CaseRecord rec = legacy_record(r, id, test_sealer());
  const auto k = test_keys();
  const auto created = std::to_string(store::codec::to_ms(at()));
  (co_await redis.exec(command("HSET", k.case_hash(id), "state", std::to_string(state), "risk", "3", "created", created,
                               "record", store::codec::serialize(rec), "platform", "henan-12355", "referral", rid,
                               "youth", youth, "concern", "depression", "escalation", "0", "digest",
                               config::hex(store::codec::referral_digest(r)))))
      .value();
  (co_await redis.exec(command("SET", k.referral("henan-12355", rid), id))).value();
  (co_await redis.exec(command("ZADD", k.cases(), created, id))).value();
  if (state == v1::CASE_QUEUED) {
    (co_await redis.exec(command("ZADD", k.queue(), created, id))).value();
    (co_await redis.exec(command("SADD", k.open(), id))).value();
  }
  co_return id;
}

TEST_F(youth_index, key_rotation_moves_a_migrated_open_case_to_its_keyed_youth) {
  run([](env& e) -> asio::awaitable<void> {
    const auto k = test_keys();
    const auto open_old = co_await legacy_case(e.redis, "R-old-1", "y-old", v1::CASE_QUEUED);
    const auto closed_old = co_await legacy_case(e.redis, "R-old-2", "y-old", v1::CASE_RESOLVED);
    // A second open case: only then does the offered one's continuity count.
    const auto queued_old = co_await legacy_case(e.redis, "R-old-3", "y-old", v1::CASE_QUEUED);
    auto backfill = (co_await e.store.index_youth_cases()).value();
    EXPECT_EQ(backfill.added, 2);
    (co_await e.store.offer(offer_to(open_old, "c2", at(1s)))).value();
    const std::vector<std::string> both{open_old, closed_old, queued_old};
    const std::vector<std::string> only_open = sorted({open_old, queued_old});
    const std::vector<std::string> raw_ref{"y-old"};
    const std::vector<std::string> c2{"c2"};
    co_await expect_index_agrees(e.redis, both, raw_ref, "before rotation");

    auto rotating = test_sealer('n');
    CO_ASSERT_TRUE(rotating.add_previous(std::string(32, 'k')));
    auto report = (co_await store::rotate_keys(e.redis, test_keys(), rotating)).value();
    EXPECT_EQ(report.migrated, 3);
    store::case_store rotated(e.redis, test_keys(), rotating);
    CO_ASSERT_TRUE(co_await rotated.prepare());
    const auto keyed = (co_await rotated.youth_key("y-old")).value();
    EXPECT_EQ((co_await e.redis.exec(command("HGET", k.case_hash(open_old), "youth"))).value().str, keyed);
    EXPECT_EQ((co_await e.redis.exec(command("EXISTS", k.youth_open("y-old")))).value().integer, 0);
    EXPECT_EQ(sorted(strings_of((co_await e.redis.exec(command("SMEMBERS", k.youth_open(keyed)))).value())), only_open);
    const std::vector<std::string> offered{open_old};
    EXPECT_EQ((co_await delta_continuity(e.redis, offered))[keyed], c2);
    const std::vector<std::string> both_refs{"y-old", keyed};
    co_await expect_index_agrees(e.redis, both, both_refs, "after rotation");
  });
}

}  // namespace
}  // namespace caseroute::store_test
