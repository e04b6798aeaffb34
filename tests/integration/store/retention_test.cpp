// Retention against a real Redis: closed cases older than the cutoff are
// purged with every key they own, counted in the anonymous monthly stats;
// newer closed cases and open cases stay. Invented data only.
#include <algorithm>
#include <sstream>

#include "store_fixture.hpp"

namespace caseroute::store_test {
namespace {

using store::error;

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

// Every key of the test city that mentions `needle` (KEYS is fine on a test server).
std::vector<std::string> keys_with(const std::string& needle) {
  std::vector<std::string> out;
  for (const auto& k : lines(server().cli({"KEYS", "*"})))
    if (k.find(needle) != std::string::npos) out.push_back(k);
  return out;
}

bool index_has(const std::string& index, const std::string& id) {
  const std::string k = std::string("{") + prefix + "}:v1:" + index;
  const std::string type = server().cli({"TYPE", k});
  if (type == "set") return server().cli({"SISMEMBER", k, id}) == "1";
  return server().cli({"ZSCORE", k, id}) != "(nil)";
}

asio::awaitable<std::string> resolved_case(store::case_store& s, const std::string& rid, time_point closed,
                                           const std::string& youth) {
  auto id = (co_await s.create(referral(rid, v1::RISK_HIGH, youth), "henan-12355", closed - 10min)).value().case_id;
  (co_await s.offer(offer_to(id, "c001", closed - 9min))).value();
  (co_await s.accept(id, "c001", closed - 9min + 5s)).value();
  (co_await s.resolve(id, "c001", v1::OUTCOME_HOME_VISIT, "invented note", closed)).value();
  co_return id;
}

using retention = store_test;

TEST_F(retention, purges_old_closed_cases_and_keeps_new_and_open_ones) {
  std::string old_resolved, old_cancelled, new_resolved, open_case, y1, y3;
  run([&](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    // An old case that was declined once (excluded set), then resolved.
    old_resolved = (co_await s.create(referral("R-old"), "henan-12355", at())).value().case_id;
    (co_await s.offer(offer_to(old_resolved, "c002", at(1s)))).value();
    (co_await s.decline(old_resolved, "c002", "busy", at(2s))).value();
    (co_await s.offer(offer_to(old_resolved, "c001", at(3s)))).value();
    (co_await s.accept(old_resolved, "c001", at(4s))).value();
    (co_await s.resolve(old_resolved, "c001", v1::OUTCOME_COUNSELED, "invented", at(1h))).value();
    old_cancelled = (co_await s.create(referral("R-cancel", v1::RISK_LOW, "y-2"), "henan-12355", at())).value().case_id;
    (co_await s.cancel(old_cancelled, "supervisor:s001", "duplicate call", at(2h))).value();
    new_resolved = co_await resolved_case(s, "R-new", at(48h), "y-3");
    open_case = (co_await s.create(referral("R-open", v1::RISK_MEDIUM, "y-4"), "henan-12355", at())).value().case_id;

    // Cutoff: one day after the start; the continuity window starts after the old resolution (1h).
    const auto cutoff = at(24h);
    y1 = (co_await s.youth_key("y-1")).value();
    y3 = (co_await s.youth_key("y-3")).value();
    EXPECT_EQ((co_await s.purge_closed(cutoff, 100, at(2h))).value(), 2);
    // A second pass finds nothing left to purge.
    EXPECT_EQ((co_await s.purge_closed(cutoff, 100, at(2h))).value(), 0);

    EXPECT_EQ((co_await s.get(old_resolved, {})).error(), error::not_found);
    EXPECT_EQ((co_await s.get(old_cancelled, {})).error(), error::not_found);
    EXPECT_EQ((co_await s.find_referral("henan-12355", "R-old")).error(), error::not_found);
    EXPECT_EQ((co_await s.find_referral("henan-12355", "R-cancel")).error(), error::not_found);
    EXPECT_EQ((co_await s.get(new_resolved, {})).value().state(), v1::CASE_RESOLVED);
    EXPECT_EQ((co_await s.get(open_case, {})).value().state(), v1::CASE_QUEUED);
    EXPECT_EQ((co_await s.find_referral("henan-12355", "R-new")).value(), new_resolved);
    // The lists no longer show the purged cases.
    const store::case_filter all;  // named: g++ 12 mishandles a braced temporary in co_await
    auto listed = (co_await s.list(all)).value();
    EXPECT_EQ(listed.cases_size(), 2);
  });

  // Every key the purged cases owned is gone (scanned with KEYS).
  EXPECT_TRUE(keys_with(old_resolved).empty()) << server().cli({"KEYS", "*"});
  EXPECT_TRUE(keys_with(old_cancelled).empty()) << server().cli({"KEYS", "*"});
  EXPECT_TRUE(keys_with("R-old").empty());
  EXPECT_TRUE(keys_with("R-cancel").empty());
  for (const char* index : {"cases", "closed", "open", "queue", "offers"}) {
    EXPECT_FALSE(index_has(index, old_resolved)) << index;
    EXPECT_FALSE(index_has(index, old_cancelled)) << index;
  }
  // The kept ones still have their keys and index entries.
  EXPECT_EQ(keys_with(new_resolved).size(), 2u);  // case hash and history
  EXPECT_TRUE(index_has("closed", new_resolved));
  EXPECT_TRUE(index_has("cases", open_case));
  EXPECT_TRUE(index_has("open", open_case));
  EXPECT_FALSE(keys_with(open_case).empty());

  // Anonymous statistics for the close month (2026-03): counts only, no ids.
  const std::string stats = "{test:city}:v1:stats:2026-03";
  EXPECT_EQ(server().cli({"HGET", stats, "purged"}), "2");
  EXPECT_EQ(server().cli({"HGET", stats, "state:CASE_RESOLVED"}), "1");
  EXPECT_EQ(server().cli({"HGET", stats, "state:CASE_CANCELLED"}), "1");
  EXPECT_EQ(server().cli({"HGET", stats, "risk:RISK_HIGH"}), "1");
  EXPECT_EQ(server().cli({"HGET", stats, "risk:RISK_LOW"}), "1");
  EXPECT_EQ(server().cli({"HGET", stats, "outcome:OUTCOME_COUNSELED"}), "1");
  EXPECT_EQ(server().cli({"HGET", stats, "concern:depression"}), "2");
  EXPECT_EQ(server().cli({"HGET", stats, "platform:henan-12355"}), "2");
  EXPECT_EQ(server().cli({"HGET", stats, "county:411202"}), "2");
  EXPECT_EQ(server().cli({"HGET", stats, "mode:MODE_PHONE"}), "2");
  const std::string all = server().cli({"HGETALL", stats});
  for (const std::string& secret : {old_resolved, old_cancelled, std::string("R-old"), std::string("y-1"),
                                    std::string(test_phone), std::string("Invented")})
    EXPECT_EQ(all.find(secret), std::string::npos) << secret;

  // Continuity: the youth zset stays, but entries older than the window are trimmed.
  EXPECT_EQ(server().cli({"EXISTS", "{test:city}:v1:youth:" + y1}), "0");  // its one entry was before the window
  EXPECT_EQ(server().cli({"ZCARD", "{test:city}:v1:youth:" + y3}), "1");   // untouched
}

TEST_F(retention, batches_are_bounded_and_the_rest_goes_next_time) {
  std::string yb;
  run([&yb](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    for (int i = 0; i < 5; ++i)
      co_await resolved_case(s, "R-b" + std::to_string(i), at(std::chrono::minutes(30 + i)), "y-b");
    EXPECT_EQ((co_await s.purge_closed(at(24h), 2)).value(), 2);
    EXPECT_EQ((co_await s.purge_closed(at(24h), 2)).value(), 2);
    EXPECT_EQ((co_await s.purge_closed(at(24h), 2)).value(), 1);
    const store::case_filter all;
    EXPECT_EQ((co_await s.list(all)).value().cases_size(), 0);
    yb = (co_await s.youth_key("y-b")).value();
  });
  EXPECT_EQ(server().cli({"ZCARD", "{test:city}:v1:closed"}), "0");
  EXPECT_EQ(server().cli({"HGET", "{test:city}:v1:stats:2026-03", "purged"}), "5");
  EXPECT_EQ(server().cli({"HGET", "{test:city}:v1:stats:2026-03", "outcome:OUTCOME_HOME_VISIT"}), "5");
  // The continuity cutoff defaults to the epoch: the youth's entry stays.
  EXPECT_EQ(server().cli({"ZCARD", "{test:city}:v1:youth:" + yb}), "1");
}

}  // namespace
}  // namespace caseroute::store_test
