// What a Redis reader (an AOF, an RDB, a backup, MONITOR) can learn of a
// minor: no digest to run a dictionary against, no reason people typed, no
// quasi-identifier, and nothing at all once a case is purged (its key goes
// with it). Also the old sealed format and `caseroute key rotate`. Invented data.
#include <gtest/gtest.h>

#include "config/digest.hpp"
#include "store/codec.hpp"
#include "store/rotation.hpp"
#include "store_fixture.hpp"

namespace caseroute::store_test {
namespace {

using sealing = store_test;
using store::command;
using store::reply;

// Every byte of every value and key name in Redis, raw.
asio::awaitable<std::string> everything(store::redis_connection& redis) {
  std::string all;
  auto names = (co_await redis.exec(command("KEYS", "*"))).value();
  for (const auto& n : names.elements) {
    all += n.str + "\n";
    const auto type = (co_await redis.exec(command("TYPE", n.str))).value().str;
    reply r;
    if (type == "hash") r = (co_await redis.exec(command("HGETALL", n.str))).value();
    if (type == "list") r = (co_await redis.exec(command("LRANGE", n.str, "0", "-1"))).value();
    if (type == "string") r = (co_await redis.exec(command("GET", n.str))).value();
    if (type == "set") r = (co_await redis.exec(command("SMEMBERS", n.str))).value();
    if (type == "zset") r = (co_await redis.exec(command("ZRANGE", n.str, "0", "-1"))).value();
    if (type == "stream") r = (co_await redis.exec(command("XRANGE", n.str, "-", "+"))).value();
    all += r.str + "\n";
    for (const auto& e : r.elements) {
      all += e.str + "\n";
      for (const auto& f : e.elements) {
        all += f.str + "\n";
        for (const auto& g : f.elements) all += g.str + "\n";
      }
    }
  }
  co_return all;
}

// A referral whose only personal datum is a mobile number.
v1::Referral phone_only(const std::string& id, const std::string& phone) {
  v1::Referral r;
  r.set_referral_id(id);
  r.mutable_received_at()->set_seconds(1'772'440'000);
  r.set_risk(v1::RISK_MEDIUM);
  r.add_concerns("anxiety");
  r.set_mode(v1::MODE_PHONE);
  r.set_county("411202");
  r.mutable_contact()->set_phone(phone);
  return r;
}

// The attack: guess the phone, hash the referral (everything else of it is
// readable in Redis), look for the digest. Before the fix the unkeyed
// SHA-256 sat in the case hash as hex and in the record as bytes.
TEST_F(sealing, a_dictionary_over_mobile_numbers_finds_no_referral_digest) {
  run([](env& e) -> asio::awaitable<void> {
    const std::string phone = "13912340077";
    (co_await e.store.create(phone_only("R-dict", phone), "henan-12355", at())).value();
    const auto all = co_await everything(e.redis);
    int found = 0;
    for (int n = 0; n < 200; ++n) {
      const std::string guess = "139123400" + std::string(n < 10 ? "0" : "") + std::to_string(n % 100);
      const auto digest = store::codec::referral_digest(phone_only("R-dict", n == 77 ? phone : guess));
      if (all.find(digest) != std::string::npos || all.find(config::hex(digest)) != std::string::npos) ++found;
    }
    EXPECT_EQ(found, 0);
    EXPECT_EQ(all.find(phone), std::string::npos);
  });
}

TEST_F(sealing, duplicates_and_conflicts_are_still_told_apart_by_the_sealed_digest) {
  run([](env& e) -> asio::awaitable<void> {
    auto first = (co_await e.store.create(phone_only("R-dup", "13900000001"), "henan-12355", at())).value();
    auto again = (co_await e.store2.create(phone_only("R-dup", "13900000001"), "henan-12355", at(1s))).value();
    EXPECT_TRUE(again.duplicate);
    EXPECT_EQ(again.case_id, first.case_id);
    auto changed = co_await e.store.create(phone_only("R-dup", "13900000002"), "henan-12355", at(2s));
    EXPECT_EQ(changed.error(), store::error::referral_conflict);
  });
}

TEST_F(sealing, decline_release_and_cancel_reasons_are_sealed_and_open_only_in_history_views) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    const auto id = co_await new_case(s, "R-why");
    (co_await s.offer(offer_to(id, "c001", at(1s)))).value();
    (co_await s.decline(id, "c001", "declined: youth asked for 13811110001", at(2s))).value();
    (co_await s.offer(offer_to(id, "c002", at(3s)))).value();
    (co_await s.accept(id, "c002", at(4s))).value();
    (co_await s.release(id, "c002", "released: call back 13811110002", at(5s))).value();
    (co_await s.cancel(id, "supervisor:s1", "cancelled: duplicate of 13811110003", at(6s))).value();

    const auto all = co_await everything(e.redis);
    for (const char* typed : {"13811110001", "13811110002", "13811110003", "declined:", "released:", "cancelled:"})
      EXPECT_EQ(all.find(typed), std::string::npos) << typed;

    auto history = (co_await s.get(id, {.personal = true, .history = true})).value();
    std::vector<std::string> reasons;
    for (const auto& ev : history.history()) {
      EXPECT_TRUE(ev.sealed_reason().empty()) << ev.type();
      if (!ev.reason().empty()) reasons.push_back(ev.reason());
    }
    EXPECT_EQ(reasons,
              (std::vector<std::string>{"declined: youth asked for 13811110001", "released: call back 13811110002",
                                        "cancelled: duplicate of 13811110003"}));
    auto plain = (co_await s.get(id, {.personal = true})).value();
    EXPECT_EQ(plain.history_size(), 0);
  });
}

TEST_F(sealing, quasi_identifiers_are_sealed_and_the_youth_ref_is_keyed) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    auto r = referral("R-quasi", v1::RISK_HIGH, "youth-ref-4711");
    r.mutable_youth()->set_gender("invented-gender-x");
    r.clear_groups();
    r.add_groups(v1::GROUP_JUVENILE_OFFENDER);
    const auto id = (co_await s.create(r, "henan-12355", at())).value().case_id;

    const auto all = co_await everything(e.redis);
    EXPECT_EQ(all.find("youth-ref-4711"), std::string::npos);
    EXPECT_EQ(all.find("invented-gender-x"), std::string::npos);
    const auto record = (co_await e.redis.exec(command("HGET", test_keys().case_hash(id), "record")))->str;
    v1::CaseRecord rec;
    CO_ASSERT_TRUE(rec.ParseFromString(record));
    EXPECT_FALSE(rec.has_legacy_youth());
    EXPECT_EQ(rec.legacy_groups_size(), 0);
    EXPECT_TRUE(rec.legacy_referral_digest().empty());
    EXPECT_TRUE(rec.priority());
    EXPECT_EQ(rec.age_band(), "15-17");
    EXPECT_TRUE(config::is_sha256_hex(rec.youth_key()));

    // The case's counselor and supervisors still see them; lists do not.
    auto full = (co_await s.get(id, {.personal = true})).value();
    EXPECT_EQ(full.youth().ref(), "youth-ref-4711");
    EXPECT_EQ(full.youth().age(), 15u);
    EXPECT_EQ(full.youth().gender(), "invented-gender-x");
    CO_ASSERT_TRUE(full.groups_size() == 1);
    EXPECT_EQ(full.groups(0), v1::GROUP_JUVENILE_OFFENDER);
    EXPECT_EQ(full.age_band(), "15-17");
    auto row = (co_await s.get(id, {})).value();
    EXPECT_FALSE(row.has_youth());
    EXPECT_EQ(row.groups_size(), 0);
    EXPECT_EQ(row.age_band(), "15-17");

    // Continuity works on the keyed ref, across both stores: c001 resolves
    // this youth's case, their next case names c001.
    (co_await s.offer(offer_to(id, "c001", at(1s)))).value();
    (co_await s.accept(id, "c001", at(2s))).value();
    (co_await s.resolve(id, "c001", v1::OUTCOME_COUNSELED, "", at(3s))).value();
    (co_await e.store2.create(referral("R-quasi-2", v1::RISK_HIGH, "youth-ref-4711"), "henan-12355", at(4s))).value();
    auto state =
        (co_await e.store2.load_routing_state(at(5s), store::routing_lookback{std::chrono::hours(24 * 30)})).value();
    CO_ASSERT_TRUE(state.queued.size() == 1);
    EXPECT_TRUE(state.queued[0].priority_group);
    EXPECT_EQ(state.queued[0].youth_ref, rec.youth_key());
    EXPECT_EQ(state.continuity[rec.youth_key()], (std::set<std::string>{"c001"}));
  });
}

TEST_F(sealing, a_purge_shreds_the_case_key) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    const auto id = co_await new_case(s, "R-shred");
    const auto wrapped = (co_await e.redis.exec(command("HGET", test_keys().case_hash(id), "key")))->str;
    CO_ASSERT_TRUE(store::sealer::wrapped_key_id(wrapped).has_value());
    (co_await s.cancel(id, "supervisor:s1", "", at(1s))).value();
    EXPECT_EQ((co_await s.purge_closed(at(1h), 100, at(1h))).value(), 1);
    const auto all = co_await everything(e.redis);
    EXPECT_EQ(all.find(wrapped), std::string::npos);
    EXPECT_EQ((co_await e.redis.exec(command("EXISTS", test_keys().case_hash(id))))->integer, 0);
  });
}

// An offers list that shows no personal data opens no sealed data: it is
// listed even when the case's key cannot be unwrapped, which the personal
// view of the same list cannot get past.
TEST_F(sealing, a_counselors_list_without_personal_data_opens_nothing_sealed) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    const auto id = co_await new_case(s, "R-offer-only");
    (co_await s.offer(offer_to(id, "c001", at(1s)))).value();
    (co_await e.redis.exec(command("HSET", test_keys().case_hash(id), "key", "not a wrapped key"))).value();
    const auto offers = (co_await s.counselor_cases("c001", store::view_options{})).value();
    CO_ASSERT_TRUE(offers.size() == 1u);
    EXPECT_EQ(offers.front().case_id(), id);
    EXPECT_EQ(offers.front().state(), v1::CASE_OFFERED);
    EXPECT_FALSE(offers.front().has_contact());
    EXPECT_FALSE(offers.front().concerns().empty());  // the routing facts are in clear
    EXPECT_FALSE(co_await s.counselor_cases("c001"));
  });
}

// A case as it was stored before per-case keys: youth and groups in clear,
// the unkeyed digest, contact and notes sealed with the master key itself
// (format 0x01), the youth ref naming its continuity set.
asio::awaitable<std::string> legacy_case(store::redis_connection& redis, const store::sealer& master,
                                         const std::string& rid, const std::string& youth) {
  const auto r = referral(rid, v1::RISK_HIGH, youth);
  const std::string id = store::codec::new_case_id(at());
  const v1::CaseRecord rec = legacy_record(r, id, master);
  const auto k = test_keys();
  auto note = store::codec::make_event("case.resolved", "counselor:c001", id, at(3s), v1::CASE_RESOLVED);
  note.set_sealed_note(master.seal("old note 13800009999", id));
  (co_await redis.exec(command("HSET", k.case_hash(id), "state", "4", "risk", "3", "created",
                               std::to_string(store::codec::to_ms(at())), "record", store::codec::serialize(rec),
                               "platform", "henan-12355", "referral", rid, "youth", youth, "concern", "depression",
                               "digest", config::hex(store::codec::referral_digest(r)))))
      .value();
  (co_await redis.exec(command("RPUSH", k.history(id), store::codec::serialize(note)))).value();
  (co_await redis.exec(command("SET", k.referral("henan-12355", rid), id))).value();
  (co_await redis.exec(command("ZADD", k.cases(), std::to_string(store::codec::to_ms(at())), id))).value();
  (co_await redis.exec(command("ZADD", k.youth(youth), std::to_string(store::codec::to_ms(at(3s))), "c001"))).value();
  co_return id;
}

TEST_F(sealing, cases_in_the_old_format_still_open_and_deduplicate) {
  run([](env& e) -> asio::awaitable<void> {
    const auto id = co_await legacy_case(e.redis, test_sealer(), "R-old", "y-old");
    auto c = (co_await e.store.get(id, {.personal = true, .history = true})).value();
    EXPECT_EQ(c.contact().phone(), test_phone);
    EXPECT_EQ(c.youth().ref(), "y-old");
    EXPECT_EQ(c.groups_size(), 1);
    EXPECT_EQ(c.age_band(), "15-17");
    CO_ASSERT_TRUE(c.history_size() == 1);
    EXPECT_EQ(c.history(0).note(), "old note 13800009999");
    auto dup = (co_await e.store.create(referral("R-old", v1::RISK_HIGH, "y-old"), "henan-12355", at(5s))).value();
    EXPECT_TRUE(dup.duplicate);
    EXPECT_EQ(dup.case_id, id);
  });
}

// Rotation: cases sealed under master 'k' (and one in the old format) are
// rewrapped under 'n' while 'k' is still configured as previous; after that
// a store knowing only 'n' opens every case, and continuity survives.
TEST_F(sealing, key_rotate_rewraps_every_case_and_migrates_the_old_format) {
  run([](env& e) -> asio::awaitable<void> {
    const auto fresh = co_await new_case(e.store, "R-rot-1", at(), v1::RISK_HIGH, "y-rot");
    (co_await e.store.offer(offer_to(fresh, "c001", at(1s)))).value();
    (co_await e.store.decline(fresh, "c001", "reason before rotation", at(2s))).value();
    const auto old = co_await legacy_case(e.redis, test_sealer(), "R-rot-old", "y-rot-old");

    auto rotating = test_sealer('n');
    CO_ASSERT_TRUE(rotating.add_previous(std::string(32, 'k')));
    // Mid-rotation a daemon with both keys reads every case.
    store::case_store both(e.redis, test_keys(), rotating);
    CO_ASSERT_TRUE(co_await both.prepare());
    EXPECT_TRUE(co_await both.get(fresh, {.personal = true, .history = true}));

    auto report = (co_await store::rotate_keys(e.redis, test_keys(), rotating)).value();
    EXPECT_EQ(report.cases, 2);
    EXPECT_EQ(report.rewrapped, 1);
    EXPECT_EQ(report.migrated, 1);
    EXPECT_EQ(report.failed, 0);
    EXPECT_TRUE(report.keyring_rewrapped);
    EXPECT_EQ(report.youth_keys_renamed, 1);
    auto again = (co_await store::rotate_keys(e.redis, test_keys(), rotating)).value();
    EXPECT_EQ(again.already, 2);
    EXPECT_EQ(again.rewrapped + again.migrated, 0);

    store::case_store only_new(e.redis, test_keys(), test_sealer('n'));
    CO_ASSERT_TRUE(co_await only_new.prepare());
    auto f = (co_await only_new.get(fresh, {.personal = true, .history = true})).value();
    EXPECT_EQ(f.contact().phone(), test_phone);
    EXPECT_EQ(f.youth().ref(), "y-rot");
    EXPECT_EQ(f.history().rbegin()->reason(), "reason before rotation");
    auto o = (co_await only_new.get(old, {.personal = true, .history = true})).value();
    EXPECT_EQ(o.contact().phone(), test_phone);
    EXPECT_EQ(o.youth().ref(), "y-rot-old");
    CO_ASSERT_TRUE(o.history_size() == 1);
    EXPECT_EQ(o.history(0).note(), "old note 13800009999");
    // The migrated record holds nothing in clear, and the old youth's
    // continuity set is keyed now: a new case of that youth finds c001.
    const auto all = co_await everything(e.redis);
    EXPECT_EQ(all.find("y-rot-old"), std::string::npos);
    auto dup =
        (co_await only_new.create(referral("R-rot-old", v1::RISK_HIGH, "y-rot-old"), "henan-12355", at(5s))).value();
    EXPECT_TRUE(dup.duplicate);
    (co_await only_new.create(referral("R-rot-2", v1::RISK_HIGH, "y-rot-old"), "henan-12355", at(6s))).value();
    auto state =
        (co_await only_new.load_routing_state(at(7s), store::routing_lookback{std::chrono::hours(24 * 30)})).value();
    bool continuity = false;
    for (const auto& q : state.queued)
      if (!q.youth_ref.empty() && state.continuity[q.youth_ref].count("c001")) continuity = true;
    EXPECT_TRUE(continuity);
    // Without the old key a store cannot open the keyring it did not rotate.
    EXPECT_EQ(report.cases, 2);
  });
}

}  // namespace
}  // namespace caseroute::store_test
