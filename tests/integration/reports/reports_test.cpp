// The day counters the transition scripts keep, against a real redis-server:
// a seeded random history of a few thousand cases over several local days
// (around midnight in Asia/Shanghai and in America/New_York, whose DST ends
// in it), driven through case_store, equals recounts from the histories
// before and after a retention purge; a rebuild equals the live counters;
// no field names a case, referral, youth or personal datum. Invented data only.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <date/date.h>
#include <date/tz.h>

#include <google/protobuf/util/json_util.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <regex>
#include <set>

#include "reports/recount.hpp"
#include "reports/report.hpp"
#include "reports/tally.hpp"
#include "store/case_store.hpp"
#include "store/codec.hpp"
#include "support/redis_server.hpp"

namespace caseroute::reports_test {
namespace {

namespace asio = boost::asio;
namespace v1 = caseroute::v1;
using namespace std::chrono_literals;

testing::redis_server& server() {
  static testing::redis_server s;
  return s;
}

constexpr const char* prefix = "test:reports";

std::string local_day(const std::string& zone, time_point t) {
  const auto* z = date::locate_zone(zone);
  return date::format("%F", date::floor<date::days>(z->to_local(t)));
}

time_point utc(int y, unsigned m, unsigned d, std::chrono::minutes since_midnight) {
  return time_point(date::sys_days(date::year(y) / date::month(m) / date::day(d)).time_since_epoch() + since_midnight);
}

v1::Referral referral(int n, std::mt19937& rng) {
  static const char* concerns[] = {"depression", "exam_stress", "family", "bullying", "self_harm"};
  static const char* counties[] = {"411202", "411203", "411221"};
  v1::Referral r;
  r.set_referral_id("ref-" + std::to_string(n));
  r.set_risk(static_cast<v1::Risk>(1 + rng() % 4));
  r.add_concerns(concerns[rng() % 5]);
  if (rng() % 2) r.add_concerns(concerns[rng() % 5]);
  for (int g = 1; g <= 3; ++g)
    if (rng() % 3 == 0) r.add_groups(static_cast<v1::Group>(g));
  r.set_mode(static_cast<v1::Mode>(1 + rng() % 4));
  r.set_county(counties[rng() % 3]);
  r.mutable_youth()->set_ref("youth-ref-" + std::to_string(n % 700));
  r.mutable_youth()->set_age(13 + n % 5);
  r.mutable_contact()->set_name("Invented Name " + std::to_string(n));
  r.mutable_contact()->set_phone("1380000" + std::to_string(1000 + n));
  r.set_summary("invented summary " + std::to_string(n));
  return r;
}

struct driven {
  std::vector<std::string> case_ids;
  std::set<std::string> secrets;  // referral ids, youth refs, phones, names: never in a report
  time_point end{};
};

const char* counselors[] = {"c01", "c02", "c03", "c04", "c05", "c06", "c07", "c08"};
const char* sites[] = {"hubin-01", "shan-02", "lingbao-03"};

// Drives `cases` cases through random transitions, time moving 0-90 seconds a
// step from `start`, until every case is closed.
asio::awaitable<driven> drive(store::case_store& s, time_point start, int cases, unsigned seed) {
  std::mt19937 rng(seed);
  driven out;
  time_point now = start;
  std::vector<std::string> open;
  int created = 0;
  while (created < cases || !open.empty()) {
    now += std::chrono::milliseconds(rng() % (90 * 1000));
    (co_await s.expire_offers(now)).value();
    if (created < cases && (open.empty() || rng() % 3 == 0)) {
      auto r = referral(created, rng);
      out.secrets.insert(r.referral_id());
      out.secrets.insert(r.youth().ref());
      out.secrets.insert(r.contact().phone());
      out.secrets.insert(r.contact().name());
      auto c = (co_await s.create(r, "henan-12355", now)).value();
      out.case_ids.push_back(c.case_id);
      open.push_back(c.case_id);
      ++created;
      continue;
    }
    const auto pick = rng() % open.size();
    const std::string id = open[pick];
    auto c = (co_await s.get(id, store::view_options{})).value();
    const int roll = static_cast<int>(rng() % 100);
    const std::string who = counselors[rng() % 8];
    const std::string site = sites[rng() % 3];
    if (roll < 4) {
      (void)co_await s.cancel(id, "supervisor:s1", "", now);
    } else if (roll < 10) {
      (void)co_await s.escalate(id, 1 + static_cast<int>(rng() % 3), now);
    } else if (c.state() == v1::CASE_QUEUED) {
      if (c.risk() == v1::RISK_CRISIS && rng() % 2) {
        store::broadcast_request b;
        b.case_id = id;
        const unsigned first = rng() % 8;
        for (unsigned i = 0; i < 3; ++i)
          b.targets.push_back({counselors[(first + i) % 8], sites[rng() % 3], 1000, true});
        b.now = now;
        b.expires_at = now + std::chrono::minutes(1 + rng() % 10);
        (void)co_await s.broadcast(b);
      } else {
        store::offer_request o;
        o.case_id = id;
        o.counselor_id = who;
        o.site_id = site;
        o.rule = "skill";
        o.actor = "system";
        o.capacity = 1000;
        o.now = now;
        o.expires_at = now + std::chrono::minutes(1 + rng() % 10);
        o.ignore_exclusion = true;
        (void)co_await s.offer(o);
      }
    } else if (c.state() == v1::CASE_OFFERED) {
      std::vector<std::string> holders(c.offered_to().begin(), c.offered_to().end());
      if (!c.counselor_id().empty()) holders.push_back(c.counselor_id());
      if (holders.empty()) continue;
      const std::string holder = holders[rng() % holders.size()];
      if (roll < 60)
        (void)co_await s.accept(id, holder, now);
      else if (roll < 75)
        (void)co_await s.decline(id, holder, "", now);
      else if (roll < 82)
        (void)co_await s.withdraw(id, holder, "off duty", now);
      // else: left to expire
    } else if (c.state() == v1::CASE_ACTIVE) {
      if (roll < 70)
        (void)co_await s.resolve(id, c.counselor_id(), static_cast<v1::Outcome>(1 + rng() % 6), "", now);
      else if (roll < 80)
        (void)co_await s.release(id, c.counselor_id(), "", now);
    }
    auto after = (co_await s.get(id, store::view_options{})).value();
    if (after.state() == v1::CASE_RESOLVED || after.state() == v1::CASE_CANCELLED) {
      open[pick] = open.back();
      open.pop_back();
    }
  }
  out.end = now;
  co_return out;
}

// (day, event type, risk) -> events, counted straight from the histories.
using plain_counts = std::map<std::tuple<std::string, std::string, int>, std::int64_t>;

asio::awaitable<plain_counts> count_histories(store::case_store& s, const std::vector<std::string>& ids,
                                              const std::string& zone) {
  plain_counts out;
  for (const auto& id : ids) {
    auto c = (co_await s.get(id, store::view_options{.personal = false, .history = true})).value();
    for (const auto& e : c.history()) {
      static const std::set<std::string> reported = {"case.created",  "case.offered",       "case.accepted",
                                                     "case.declined", "case.offer_expired", "case.escalated",
                                                     "case.released", "case.resolved",      "case.cancelled"};
      if (!reported.contains(e.type())) continue;
      const time_point at(std::chrono::milliseconds(e.at().seconds() * 1000 + e.at().nanos() / 1000000));
      std::string type = e.type();
      if (type == "case.escalated") type += ":" + std::to_string(e.escalation_level());
      ++out[{local_day(zone, at), type, c.risk()}];
    }
  }
  co_return out;
}

// The same counts from the report hashes (reports::build by risk, per day).
plain_counts count_reports(const reports::day_map& days, const std::string& from, const std::string& to) {
  reports::query q;
  q.from = from;
  q.to = to;
  q.by = {"risk"};
  q.period = "day";
  const auto r = reports::build(q, days, "", {});
  plain_counts out;
  for (const auto& row : r.sections(0).rows()) {
    auto add = [&](const char* type, std::int64_t n) {
      if (n != 0) out[{row.period(), type, row.risk()}] += n;
    };
    add("case.created", row.referrals());
    add("case.offered", row.offers());
    add("case.accepted", row.accepts());
    add("case.declined", row.declines());
    add("case.offer_expired", row.expiries());
    add("case.released", row.releases());
    add("case.resolved", row.resolutions());
    add("case.cancelled", row.cancellations());
    for (const auto& [level, n] : row.escalations())
      if (n != 0) out[{row.period(), "case.escalated:" + std::to_string(level), row.risk()}] += n;
  }
  return out;
}

struct env {
  store::redis_connection& redis;
  store::case_store& store;
  store::keys keys;
};

void run(const std::string& zone, const std::function<asio::awaitable<void>(env&)>& body) {
  server().flush();
  asio::io_context io;
  auto ep = store::parse_redis_url(server().url()).value();
  store::redis_connection redis(io, ep, 5000ms);
  store::keys k(prefix, zone);
  store::case_store s(redis, k, store::sealer::from_key(std::string(32, 'r')).value());
  env e{redis, s, k};
  bool done = false;
  std::exception_ptr failure;
  asio::co_spawn(io, redis.run(), asio::detached);
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        asio::steady_timer t(co_await asio::this_coro::executor);
        while (!redis.connected()) {
          t.expires_after(10ms);
          co_await t.async_wait(asio::use_awaitable);
        }
        (co_await s.prepare()).value();
        co_await body(e);
      },
      [&](std::exception_ptr p) {
        failure = p;
        done = true;
        redis.stop();
      });
  io.run_for(600s);
  ASSERT_TRUE(done) << "the test did not finish";
  if (failure) std::rethrow_exception(failure);
}

asio::awaitable<reports::day_map> live_days(env& e) {
  auto days = (co_await reports::stored_days(e.redis, e.keys)).value();
  co_return (co_await reports::read_days(e.redis, e.keys, days)).value();
}

void random_history_matches_recounts(const std::string& zone, time_point start, unsigned seed) {
  run(zone, [&](env& e) -> asio::awaitable<void> {
    const auto d = co_await drive(e.store, start, 2500, seed);
    const std::string from = local_day(zone, start), to = local_day(zone, d.end);
    EXPECT_GE(reports::days_between(from, to).size(), 3u) << from << " .. " << to;

    // 1. The live counters equal a plain count of the histories by local day.
    const auto histories = co_await count_histories(e.store, d.case_ids, zone);
    auto live = co_await live_days(e);
    EXPECT_EQ(count_reports(live, from, to), histories);

    // 2. ... and the replay of `reports rebuild`, field by field.
    auto again = (co_await reports::recount(e.redis, e.keys, e.store, from)).value();
    EXPECT_EQ(again.cases, d.case_ids.size());
    EXPECT_EQ(again.unopened, 0u);
    const auto diff = reports::differences(live, again.days, from);
    EXPECT_TRUE(diff.empty()) << diff.size() << " differences, first: " << diff.front();

    // 3. No field names a case, a referral, a youth or a personal datum.
    const std::regex shape(
        R"(^[a-z_0-9]+(\|(site|county|concern|risk|group|mode|outcome|platform|counselor)=[A-Za-z0-9_.-]*)+$)");
    std::set<std::string> ids(d.case_ids.begin(), d.case_ids.end());
    for (const auto& [day, counts] : live)
      for (const auto& [f, n] : counts) {
        EXPECT_TRUE(std::regex_match(f, shape)) << f;
        const auto parsed = reports::parse_field(f);
        EXPECT_TRUE(parsed.has_value()) << f;
        if (!parsed) continue;
        for (const auto& part : parsed->dims) {
          EXPECT_FALSE(ids.contains(part.second)) << f;
          EXPECT_FALSE(d.secrets.contains(part.second)) << f;
        }
        for (const auto& secret : d.secrets) EXPECT_EQ(f.find(secret), std::string::npos) << f;
        EXPECT_GT(n, 0) << f;
      }

    // 4. A retention purge of every closed case leaves the reports as they were.
    int purged = 0;
    for (int n = -1; n != 0;) {
      n = (co_await e.store.purge_closed(d.end + 1h, 500, d.end)).value();
      purged += n;
    }
    EXPECT_EQ(purged, static_cast<int>(d.case_ids.size()));
    EXPECT_EQ(co_await live_days(e), live);

    // 5. Writing the recount (as `reports rebuild` does) changes nothing.
    (co_await reports::write_days(e.redis, e.keys, again.days, from)).value();
    EXPECT_EQ(co_await live_days(e), live);
  });
}

TEST(reports, random_history_around_shanghai_midnights_equals_its_recounts) {
  // 2026-03-01 15:00 UTC = 23:00 in Asia/Shanghai
  random_history_matches_recounts("Asia/Shanghai", utc(2026, 3, 1, 15h), 12355);
}

TEST(reports, random_history_over_the_new_york_dst_end_equals_its_recounts) {
  // 2026-10-31 03:30 UTC = 23:30 EDT; DST ends 2026-11-01 02:00 EDT
  random_history_matches_recounts("America/New_York", utc(2026, 10, 31, 3h + 30min), 4242);
}

// A small load over December in Shanghai, rendered as the monthly service
// report: printed when CASEROUTE_REPORT_SAMPLE is set (a sample for people).
TEST(reports, a_monthly_service_report_of_a_small_load_renders_as_json_and_csv) {
  run("Asia/Shanghai", [](env& e) -> asio::awaitable<void> {
    const auto d = co_await drive(e.store, utc(2026, 11, 30, 16h), 300, 7);
    reports::query q;
    q.from = "2026-12-01";
    q.to = "2026-12-31";
    q.period = "month";
    q.report = "service";
    const auto days = (co_await reports::read_days(e.redis, e.keys, reports::days_between(q.from, q.to))).value();
    const auto r = reports::build(q, days, "Asia/Shanghai", {});
    std::int64_t referrals = 0;
    for (const auto& row : r.sections(0).rows()) referrals += row.referrals();
    EXPECT_GT(referrals, 0);
    const auto csv = reports::to_csv(r);
    EXPECT_TRUE(csv.starts_with("\xEF\xBB\xBF分项,日期,")) << csv;
    if (std::getenv("CASEROUTE_REPORT_SAMPLE") != nullptr) {
      std::string json;
      google::protobuf::util::JsonPrintOptions o;
      (void)google::protobuf::util::MessageToJsonString(r, &json, o);
      std::cout << "JSON " << json << "\nCSV\n" << csv << '\n';
    }
    (void)d;
  });
}

TEST(reports, events_either_side_of_local_midnight_land_on_their_local_days) {
  run("Asia/Shanghai", [](env& e) -> asio::awaitable<void> {
    std::mt19937 rng(1);
    const auto before = utc(2026, 3, 1, 15h + 59min) + 59s;  // 23:59:59 on 03-01 in Shanghai
    const auto after = utc(2026, 3, 1, 16h) + 1s;            // 00:00:01 on 03-02
    auto c = (co_await e.store.create(referral(1, rng), "henan-12355", before)).value();
    store::offer_request o;
    o.case_id = c.case_id;
    o.counselor_id = "c01";
    o.site_id = "hubin-01";
    o.rule = "skill";
    o.actor = "system";
    o.now = after;
    o.expires_at = after + 1min;
    (co_await e.store.offer(o)).value();
    auto live = co_await live_days(e);
    EXPECT_EQ(live.size(), 2u);
    std::int64_t referrals = 0, offers = 0, first_offer_le30 = 0;
    for (const auto& [f, n] : live["2026-03-01"])
      if (f.starts_with("referrals|")) referrals += n;
    for (const auto& [f, n] : live["2026-03-02"]) {
      if (f.starts_with("offers|site=")) offers += n;
      if (f.starts_with("t_offer_le30|")) first_offer_le30 += n;
    }
    EXPECT_EQ(referrals, 1);
    EXPECT_EQ(offers, 1);
    EXPECT_EQ(first_offer_le30, 1);  // 2 s from referral to first offer
  });
}

TEST(reports, cases_over_their_escalation_limit_are_counted_until_accepted) {
  run("Asia/Shanghai", [](env& e) -> asio::awaitable<void> {
    std::mt19937 rng(2);
    const auto t0 = utc(2026, 3, 1, 2h);
    auto r = referral(7, rng);
    r.set_risk(v1::RISK_CRISIS);
    auto c = (co_await e.store.create(r, "henan-12355", t0)).value();
    auto g = (co_await e.store.queue_gauges_at(t0 + 1min)).value();
    EXPECT_EQ(g.over_escalation_limit["RISK_CRISIS"], 0);
    EXPECT_TRUE((co_await e.store.escalate(c.case_id, 1, t0 + 2min)).value());
    g = (co_await e.store.queue_gauges_at(t0 + 3min)).value();
    EXPECT_EQ(g.over_escalation_limit["RISK_CRISIS"], 1);
    EXPECT_EQ(g.oldest_queued["RISK_CRISIS"], 180);
    store::offer_request o;
    o.case_id = c.case_id;
    o.counselor_id = "c01";
    o.site_id = "hubin-01";
    o.rule = "skill";
    o.actor = "system";
    o.now = t0 + 4min;
    o.expires_at = t0 + 5min;
    (co_await e.store.offer(o)).value();
    (co_await e.store.accept(c.case_id, "c01", t0 + 4min + 30s)).value();
    g = (co_await e.store.queue_gauges_at(t0 + 6min)).value();
    EXPECT_EQ(g.over_escalation_limit["RISK_CRISIS"], 0);
    // The crisis accept counts as escalated first, 4.5 min after the referral.
    auto live = co_await live_days(e);
    std::int64_t escalated = 0, le300 = 0;
    for (const auto& [f, n] : live["2026-03-01"]) {
      if (f.starts_with("crisis_accepts_escalated|")) escalated += n;
      if (f.starts_with("t_accept_le300|")) le300 += n;
    }
    EXPECT_EQ(escalated, 1);
    EXPECT_EQ(le300, 1);
  });
}

// GET /v1/counselors reads today's missed offers of the whole city, a
// slice of counselors per HMGET: counselors at both edges of each slice and
// in the last, short one come out with their own counts, and nobody else.
TEST(reports, missed_offers_of_a_big_city_are_read_a_slice_at_a_time) {
  run("Asia/Shanghai", [](env& e) -> asio::awaitable<void> {
    const std::string day = "2026-03-01";
    constexpr std::size_t n = 2 * reports::missed_offers_per_read + 44;
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < n; ++i) ids.push_back("c" + std::to_string(1000 + i));
    const std::size_t last = reports::missed_offers_per_read - 1;
    // counselor index -> {declines, expiries}; the others have neither.
    const std::map<std::size_t, std::pair<int, int>> missed = {
        {0, {1, 0}},    {last, {0, 2}}, {last + 1, {3, 4}}, {2 * last + 1, {5, 0}}, {2 * last + 2, {0, 6}},
        {n - 1, {7, 1}}};
    for (const auto& [i, counts] : missed) {
      if (counts.first > 0)
        (co_await e.redis.exec(store::command("HSET", e.keys.report(day), reports::counselor_field("declines", ids[i]),
                                              std::to_string(counts.first))))
            .value();
      if (counts.second > 0)
        (co_await e.redis.exec(store::command("HSET", e.keys.report(day), reports::counselor_field("expiries", ids[i]),
                                              std::to_string(counts.second))))
            .value();
    }
    const auto read = (co_await reports::missed_offers(e.redis, e.keys, day, ids)).value();
    std::map<std::string, int> expected;
    for (const auto& [i, counts] : missed) expected[ids[i]] = counts.first + counts.second;
    EXPECT_EQ(read, expected);
  });
}

}  // namespace
}  // namespace caseroute::reports_test
