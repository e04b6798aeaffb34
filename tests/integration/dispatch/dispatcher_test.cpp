// The dispatcher's routing cache (docs/ARCHITECTURE.md, "The change feed"):
// after one full read it follows the feed, so a new referral or a freed slot
// costs what changed, and thousands of cases nobody on duty can serve change
// neither which case a freed slot takes nor how many cases a pass routes.
// A real redis-server and feed reader; one counselor on duty all day.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <algorithm>
#include <functional>
#include <memory>
#include <regex>
#include <string>

#include "config/loader.hpp"
#include "config/token.hpp"
#include "dispatch/dispatcher.hpp"
#include "live/feed.hpp"
#include "live/hub.hpp"
#include "store/store_fixture.hpp"

namespace caseroute::store_test {
namespace {

// c1 on duty all day; with `c2`, also c2 (grief), who is on no roster.
std::shared_ptr<const config::config> one_counselor(bool c2 = false) {
  std::string days;
  for (const char* day : {"mon", "tue", "wed", "thu", "fri", "sat", "sun"})
    days += std::string("      ") + day + ": {all: [c1]}\n";
  auto loaded = config::parse_config(
      "timezone: Asia/Shanghai\n"
      "shifts: {all: \"00:00-24:00\"}\n"
      "specialties:\n"
      "  - {code: depression, name: 抑郁}\n"
      "  - {code: grief, name: 丧失与哀伤}\n"
      "counselors:\n"
      "  - id: c1\n"
      "    name: 甲（虚构）\n"
      "    token_sha256: " +
      config::sha256_hex("token-c1") +
      "\n"
      "    specialties: {depression: 3}\n"
      "    capacity: 1\n" +
      (c2 ? "  - id: c2\n"
            "    name: 乙（虚构）\n"
            "    token_sha256: " +
                config::sha256_hex("token-c2") +
                "\n"
                "    specialties: {grief: 3}\n"
                "    capacity: 1\n"
          : std::string()) +
      "sites:\n"
      "  - id: s1\n"
      "    name: 一号点\n"
      "    county: \"411202\"\n"
      "    roster:\n" +
      days +
      "privacy: {encryption_key_file: data.key}\n"
      "platforms: [{id: p1, secret_file: p1.key}]\n");
  if (!loaded.cfg) throw std::runtime_error("the test config does not load");
  return std::make_shared<const config::config>(std::move(*loaded.cfg));
}

// A referral of one concern, received now.
v1::Referral referral_of(const std::string& id, const std::string& concern) {
  v1::Referral r = referral(id, v1::RISK_MEDIUM, "");
  r.clear_concerns();
  r.add_concerns(concern);
  r.clear_groups();
  r.mutable_youth()->clear_ref();
  return r;
}

// The value of a label-less counter or gauge in a rendering, 0 when absent.
double metric(const metrics::registry& m, const std::string& series) {
  std::smatch found;
  const std::string text = m.render();
  if (!std::regex_search(
          text, found,
          std::regex("\n" + std::regex_replace(series, std::regex(R"([{}"])"), R"(\$&)") + " ([0-9.e+]+)"))) {
    return 0;
  }
  return std::stod(found[1]);
}

// One replica's hub and dispatcher, wired as app.cpp wires them. Its feed is
// followed when `following` says so (empty: when the hub says so).
struct wired {
  std::shared_ptr<const config::config> cfg = one_counselor(true);
  std::shared_ptr<const schedule::roster> roster = std::make_shared<schedule::roster>(*cfg);
  metrics::registry metrics;
  live::hub hub;
  dispatch::dispatcher dispatcher;

  wired(env& e, std::function<bool()> following)
      : hub(e.io),
        dispatcher({e.io, e.store, metrics, cfg, roster,
                    following ? std::move(following) : [this] { return hub.following(); }, nullptr,
                    [this](const std::vector<std::string>& counselors, live::stream_id up_to) {
                      for (const auto& id : counselors) hub.announced(id, up_to);  // as app.cpp does
                    }}) {
    hub.on_entry([this](const live::entry& entry) { dispatcher.changed(entry.event, entry.id); });
    hub.on_resync([this] { dispatcher.resync(); });
  }
};

// The dispatcher of one replica with its feed reader, on `e`'s Redis.
struct replica : wired {
  store::redis_connection feed_redis;
  live::feed_reader feed;

  explicit replica(env& e)
      : wired(e, {}),
        feed_redis(e.io, store::parse_redis_url(server().url()).value(), 2000ms),
        feed(e.io, feed_redis, e.store.feed_key(), hub) {
    asio::co_spawn(e.io, feed_redis.run(), asio::detached);
    asio::co_spawn(e.io, feed.run(), asio::detached);
    asio::co_spawn(e.io, dispatcher.run(), [this](std::exception_ptr) { ran = false; });
  }
  // Stops the loops and waits for the dispatcher's to end: a pass may still
  // be applying a plan, and it uses the replica.
  asio::awaitable<void> stop() {
    dispatcher.stop();
    feed.stop();
    feed_redis.stop();
    for (int waited = 0; waited < 1000 && ran; ++waited) co_await sleep_for(10ms);
  }
  bool ran = true;
};

// The one case `counselor` holds, once they hold one ("" after `limit`).
asio::awaitable<std::string> held_by(store::case_store& s, std::string counselor,
                                     std::chrono::milliseconds limit = 10s) {
  for (auto waited = 0ms; waited < limit; waited += 20ms) {
    auto held = co_await s.counselor_cases(counselor);
    if (held && held->size() == 1) co_return held->front().case_id();
    co_await sleep_for(20ms);
  }
  co_return "";
}

asio::awaitable<std::string> held_by_c1(store::case_store& s, std::chrono::milliseconds limit = 10s) {
  return held_by(s, "c1", limit);
}

// Until the replica follows the feed and has read everything since: the
// reads made before it followed are not trusted, so they are made again (on
// the next pass, within a routing.tick, and a read of 20,000 cases in pages
// takes a while: no new full read for two seconds).
asio::awaitable<void> settled(replica& r) {
  for (int waited = 0; waited < 500 && !r.hub.following(); ++waited) co_await sleep_for(20ms);
  double reads = -1;
  while (reads != metric(r.metrics, "caseroute_routing_reads_total{kind=\"full\"}")) {
    reads = metric(r.metrics, "caseroute_routing_reads_total{kind=\"full\"}");
    co_await sleep_for(2000ms);
  }
}

class dispatcher_test : public store_test {};

TEST_F(dispatcher_test, unservable_cases_change_neither_the_case_a_freed_slot_takes_nor_the_work) {
  run(
      [](env& e) -> asio::awaitable<void> {
        // 20,000 grief cases (nobody on duty holds grief), then three c1 can serve.
        for (int i = 0; i < 20000; ++i)
          (co_await e.store.create(referral_of("u" + std::to_string(i), "grief"), "p1", now())).value();
        std::vector<std::string> servable;
        for (const char* id : {"a", "b", "c"}) {
          servable.push_back((co_await e.store.create(referral_of(id, "depression"), "p1", now())).value().case_id);
          co_await sleep_for(5ms);  // distinct queue times: a before b before c
        }

        replica r(e);
        const std::string first = co_await held_by_c1(e.store);
        CO_ASSERT_TRUE(first == servable[0]);
        co_await settled(r);
        EXPECT_EQ(metric(r.metrics, "caseroute_queue_unservable"), 20000);
        const double full_reads = metric(r.metrics, "caseroute_routing_reads_total{kind=\"full\"}");
        const double routed = metric(r.metrics, "caseroute_routing_cases_total");

        // c1 finishes the first case: the freed slot takes the oldest servable case.
        (co_await e.store.accept(first, "c1", now())).value();
        (co_await e.store.resolve(first, "c1", v1::OUTCOME_COUNSELED, "", now())).value();
        std::string next;
        for (int tries = 0; tries < 500 && (next.empty() || next == first); ++tries)
          next = co_await held_by_c1(e.store);
        EXPECT_EQ(next, servable[1]);
        // Without reading or routing the queue again: the passes since routed
        // the two servable cases a few times, never the 20,000.
        EXPECT_EQ(metric(r.metrics, "caseroute_routing_reads_total{kind=\"full\"}"), full_reads);
        EXPECT_LT(metric(r.metrics, "caseroute_routing_cases_total") - routed, 100);
        EXPECT_GT(metric(r.metrics, "caseroute_routing_reads_total{kind=\"delta\"}"), 0);
        co_await r.stop();
      },
      120s);
}

TEST_F(dispatcher_test, a_new_referral_is_routed_alone_without_reading_the_queue) {
  run(
      [](env& e) -> asio::awaitable<void> {
        for (int i = 0; i < 2000; ++i)
          (co_await e.store.create(referral_of("u" + std::to_string(i), "grief"), "p1", now())).value();
        replica r(e);
        co_await settled(r);
        EXPECT_EQ(metric(r.metrics, "caseroute_queue_unservable"), 2000);
        const double full_reads = metric(r.metrics, "caseroute_routing_reads_total{kind=\"full\"}");
        const double routed = metric(r.metrics, "caseroute_routing_cases_total");

        const std::string id = (co_await e.store.create(referral_of("new", "depression"), "p1", now())).value().case_id;
        EXPECT_EQ(co_await held_by_c1(e.store), id);
        EXPECT_EQ(metric(r.metrics, "caseroute_routing_reads_total{kind=\"full\"}"), full_reads);
        EXPECT_LT(metric(r.metrics, "caseroute_routing_cases_total") - routed, 10);
        co_await r.stop();
      },
      60s);
}

TEST_F(dispatcher_test, a_duty_change_plans_the_cached_queue_again_without_reading_it) {
  run(
      [](env& e) -> asio::awaitable<void> {
        // 3,000 grief cases nobody on duty holds, the oldest first.
        std::string oldest;
        for (int i = 0; i < 3000; ++i) {
          auto made = (co_await e.store.create(referral_of("g" + std::to_string(i), "grief"), "p1", now())).value();
          if (i == 0) oldest = made.case_id;
          if (i == 0) co_await sleep_for(5ms);
        }
        replica r(e);
        co_await settled(r);
        EXPECT_EQ(metric(r.metrics, "caseroute_queue_unservable"), 3000);
        const double full_reads = metric(r.metrics, "caseroute_routing_reads_total{kind=\"full\"}");

        // A supervisor puts c2 (grief) on duty today: the dispatcher plans the
        // whole queue again from its cache, and c2 gets the oldest case.
        const schedule::stored_exceptions stored = {{"s1", {{r.roster->local_date(now()), {{"all", {"c1", "c2"}}}}}}};
        r.roster = std::make_shared<schedule::roster>(*r.cfg, stored);
        r.dispatcher.kick();
        EXPECT_EQ(co_await held_by(e.store, "c2"), oldest);
        for (int waited = 0; waited < 500 && metric(r.metrics, "caseroute_queue_unservable") != 0; ++waited)
          co_await sleep_for(20ms);
        // c2 is full, but could serve every other grief case when free.
        EXPECT_EQ(metric(r.metrics, "caseroute_queue_unservable"), 0);
        EXPECT_EQ(metric(r.metrics, "caseroute_counselors_on_duty"), 2);
        EXPECT_EQ(metric(r.metrics, "caseroute_routing_reads_total{kind=\"full\"}"), full_reads);
        co_await r.stop();
      },
      120s);
}

// The routing_delta.lua calls Redis ran since log_every_command (the
// store fixture's): each call's arguments after the function name.
asio::awaitable<std::vector<std::vector<std::string>>> delta_reads(store::redis_connection& redis) {
  auto log = (co_await redis.exec(store::command("SLOWLOG", "GET", "10000"))).value();
  std::vector<std::vector<std::string>> out;
  for (const auto& entry : log.elements) {
    const auto& args = entry.elements.at(3).elements;
    if (args.size() < 2 || !args[1].str.ends_with("_routing_delta")) continue;
    std::vector<std::string> call;
    for (std::size_t i = 2; i < args.size(); ++i) call.push_back(args[i].str);
    out.push_back(std::move(call));
  }
  co_return out;
}

// How many routing_delta calls logged since log_every_command() named
// `case_id`; the log is switched back to slow calls only.
asio::awaitable<int> reads_naming(store::redis_connection& redis, const std::string& case_id) {
  int n = 0;
  for (const auto& args : co_await delta_reads(redis))
    n += static_cast<int>(std::count(args.begin(), args.end(), case_id));
  (co_await redis.exec(store::command("CONFIG", "SET", "slowlog-log-slower-than", "10000"))).value();
  co_return n;
}

// A referral created as POST /v1/referrals creates it: with the routing
// settings' lookback, so the answer carries the case's routing rows.
asio::awaitable<store::created> made_here(env& e, const wired& r, const std::string& rid) {
  co_return (
      co_await e.store.create(referral_of(rid, "depression"), "p1", now(), store::routing_lookback::of(r.cfg->routing)))
      .value();
}

TEST_F(dispatcher_test, a_case_that_left_the_queue_is_dropped_without_reading_it) {
  run(
      [](env& e) -> asio::awaitable<void> {
        replica r(e);
        co_await settled(r);
        log_every_command();
        // One youth: a grief case nobody on duty can serve stays queued while
        // their depression case goes to c1, who accepts and resolves it.
        v1::Referral waiting = referral_of("y-grief", "grief");
        waiting.mutable_youth()->set_ref("y-1");
        v1::Referral served = referral_of("y-depression", "depression");
        served.mutable_youth()->set_ref("y-1");
        const std::string queued = (co_await e.store.create(waiting, "p1", now())).value().case_id;
        const std::string id = (co_await e.store.create(served, "p1", now())).value().case_id;
        EXPECT_EQ(co_await held_by_c1(e.store), id);
        (co_await e.store.accept(id, "c1", now())).value();
        (co_await e.store.resolve(id, "c1", v1::OUTCOME_COUNSELED, "", now())).value();
        const auto youth = (co_await e.redis.exec(store::command("HGET", test_keys().case_hash(id), "youth"))).value();
        CO_ASSERT_TRUE(!youth.str.empty());
        // The feed's events reach the dispatcher within milliseconds.
        const auto names = [](const std::vector<std::string>& args, const std::string& value) {
          return std::find(args.begin(), args.end(), value) != args.end();
        };
        std::vector<std::vector<std::string>> reads;
        for (int waited = 0; waited < 100; ++waited) {
          reads = co_await delta_reads(e.redis);
          if (!reads.empty() && names(reads.front(), youth.str)) break;
          co_await sleep_for(20ms);
        }
        co_await sleep_for(200ms);  // and nothing more comes
        reads = co_await delta_reads(e.redis);
        (co_await e.redis.exec(store::command("CONFIG", "SET", "slowlog-log-slower-than", "10000"))).value();
        // The case was read once, when it was new; its offer, accept and
        // resolve only dropped it (and its youth's continuity row, which the
        // queued grief case keeps, was read again).
        int reads_of_case = 0;
        bool youth_read = false;
        for (const auto& args : reads) {
          reads_of_case += static_cast<int>(std::count(args.begin(), args.end(), id));
          youth_read = youth_read || names(args, youth.str);
        }
        EXPECT_EQ(reads_of_case, 1);
        EXPECT_TRUE(youth_read);
        EXPECT_EQ(metric(r.metrics, "caseroute_queue_unservable"), 1) << queued;
        co_await r.stop();
      },
      60s);
}

TEST_F(dispatcher_test, with_nothing_queued_a_counselors_change_is_read_with_the_next_case) {
  run(
      [](env& e) -> asio::awaitable<void> {
        replica r(e);
        co_await settled(r);
        log_every_command();
        // c1 (capacity 1) takes, accepts and resolves one case; the queue is empty meanwhile.
        const std::string first =
            (co_await e.store.create(referral_of("one", "depression"), "p1", now())).value().case_id;
        EXPECT_EQ(co_await held_by_c1(e.store), first);
        (co_await e.store.accept(first, "c1", now())).value();
        (co_await e.store.resolve(first, "c1", v1::OUTCOME_COUNSELED, "", now())).value();
        co_await sleep_for(300ms);
        const auto before = co_await delta_reads(e.redis);
        // The next case finds c1 free: their resolve was read with it.
        const std::string next =
            (co_await e.store.create(referral_of("two", "depression"), "p1", now())).value().case_id;
        EXPECT_EQ(co_await held_by_c1(e.store), next);
        auto reads = co_await delta_reads(e.redis);
        (co_await e.redis.exec(store::command("CONFIG", "SET", "slowlog-log-slower-than", "10000"))).value();
        // Reads: the first case (with c1), then the second case with c1 in the
        // same call; none for c1 alone (an offer, an accept, a resolve).
        CO_ASSERT_TRUE(reads.size() > before.size());
        int alone = 0;
        for (const auto& args : reads) {
          // args: key count, key, base, since, crisis since, case count, ...
          if (args.size() > 5 && args[5] == "0") ++alone;
        }
        EXPECT_EQ(alone, 0);
        const auto& last_read = reads[reads.size() - before.size() - 1];
        EXPECT_NE(std::find(last_read.begin(), last_read.end(), next), last_read.end());
        EXPECT_NE(std::find(last_read.begin(), last_read.end(), "c1"), last_read.end());
        co_await r.stop();
      },
      60s);
}

// A replica whose feed reader has not got there yet: it follows the feed
// (so a pass reads only what was named), but the feed's entries reach the
// hub, and through it the dispatcher, only when the test publishes them.
struct lagging_replica : wired {
  explicit lagging_replica(env& e) : wired(e, [] { return true; }) {}
};

TEST_F(dispatcher_test, a_referral_made_here_is_offered_and_its_long_poll_woken_before_the_feed_names_them) {
  run(
      [](env& e) -> asio::awaitable<void> {
        lagging_replica r(e);
        CO_ASSERT_TRUE(co_await r.dispatcher.pass());  // the first pass reads everything
        const std::string id = (co_await e.store.create(referral_of("one", "depression"), "p1", now())).value().case_id;
        const auto seen = r.hub.counselor_version("c1");
        r.dispatcher.queued(store::created{.case_id = id});  // a create answered without routing rows
        CO_ASSERT_TRUE(co_await r.dispatcher.pass());
        EXPECT_EQ(co_await held_by_c1(e.store, 20ms), id);
        const auto woken = r.hub.counselor_version("c1");
        EXPECT_NE(woken, seen);  // c1's long poll here woke with the offer
        // Then the feed brings the case's entries, one pass after each: what
        // this replica did itself costs no read, and wakes c1 no second time.
        auto feed = (co_await e.redis.exec(store::command("XRANGE", e.store.feed_key(), "-", "+"))).value();
        const auto entries = live::parse_entries(feed);
        CO_ASSERT_TRUE(entries.size() == 2u);  // case.created, case.offered
        log_every_command();
        for (const auto& entry : entries) {
          r.hub.publish(entry);
          CO_ASSERT_TRUE(co_await r.dispatcher.pass());
        }
        EXPECT_EQ(co_await reads_naming(e.redis, id), 0);
        EXPECT_EQ(r.hub.counselor_version("c1"), woken);
        // A change made after it (c1 declines, on another replica) wakes c1
        // and names the case again: the next pass reads it.
        (co_await e.store.decline(id, "c1", "", now())).value();
        feed =
            (co_await e.redis.exec(store::command("XRANGE", e.store.feed_key(), "(" + entries.back()->id.str(), "+")))
                .value();
        log_every_command();
        for (const auto& entry : live::parse_entries(feed)) r.hub.publish(entry);
        EXPECT_NE(r.hub.counselor_version("c1"), woken);
        CO_ASSERT_TRUE(co_await r.dispatcher.pass());
        EXPECT_EQ(co_await reads_naming(e.redis, id), 1);
      },
      60s);
}

TEST_F(dispatcher_test, a_referral_made_here_is_routed_from_its_create_answer_without_reading_it) {
  run(
      [](env& e) -> asio::awaitable<void> {
        lagging_replica r(e);
        CO_ASSERT_TRUE(co_await r.dispatcher.pass());  // the first pass reads everything
        log_every_command();
        // What POST /v1/referrals does: hand create's answer on.
        auto made = co_await made_here(e, r, "one");
        CO_ASSERT_TRUE(made.routing.has_value());
        const std::string id = made.case_id;
        const auto seen = r.hub.counselor_version("c1");
        r.dispatcher.queued(std::move(made));
        CO_ASSERT_TRUE(co_await r.dispatcher.pass());
        EXPECT_EQ(co_await held_by_c1(e.store, 20ms), id);
        EXPECT_NE(r.hub.counselor_version("c1"), seen);
        // Then the feed brings its entries: no pass reads the case, before or after.
        auto feed = (co_await e.redis.exec(store::command("XRANGE", e.store.feed_key(), "-", "+"))).value();
        const auto entries = live::parse_entries(feed);
        CO_ASSERT_TRUE(entries.size() == 2u);  // case.created, case.offered
        for (const auto& entry : entries) {
          r.hub.publish(entry);
          CO_ASSERT_TRUE(co_await r.dispatcher.pass());
        }
        EXPECT_EQ(co_await reads_naming(e.redis, id), 0);
        EXPECT_EQ(metric(r.metrics, "caseroute_routing_reads_total{kind=\"delta\"}"), 0);
      },
      60s);
}

TEST_F(dispatcher_test, a_referral_made_here_whose_entry_the_feed_brought_first_is_still_not_read) {
  run(
      [](env& e) -> asio::awaitable<void> {
        lagging_replica r(e);
        CO_ASSERT_TRUE(co_await r.dispatcher.pass());
        auto made = co_await made_here(e, r, "one");
        const std::string id = made.case_id;
        // The create's answer and its entry arrive together; here the feed
        // reader's comes first, and names the case before the request hands
        // the answer on. Nothing else happened to the case: the rows are as
        // new as the entry, and the pass takes them instead of a read.
        auto feed = (co_await e.redis.exec(store::command("XRANGE", e.store.feed_key(), "-", "+"))).value();
        const auto entries = live::parse_entries(feed);
        CO_ASSERT_TRUE(entries.size() == 1u);  // case.created
        r.hub.publish(entries.front());
        r.dispatcher.queued(std::move(made));
        log_every_command();
        CO_ASSERT_TRUE(co_await r.dispatcher.pass());
        EXPECT_EQ(co_await held_by_c1(e.store, 20ms), id);
        EXPECT_EQ(co_await reads_naming(e.redis, id), 0);
      },
      60s);
}

TEST_F(dispatcher_test, a_referral_made_here_after_the_feed_said_more_goes_as_the_feed_said) {
  run(
      [](env& e) -> asio::awaitable<void> {
        lagging_replica r(e);
        CO_ASSERT_TRUE(co_await r.dispatcher.pass());
        auto made = co_await made_here(e, r, "one");
        const std::string id = made.case_id;
        // Before the request hands the answer on, another replica offers the
        // case to c1 and the feed reader passes both entries: the rows in
        // the answer are older than what the feed said, so they are not
        // taken, and the case goes as the feed said: out of the queue.
        (co_await e.store.offer(offer_to(id, "c1", now()))).value();
        auto feed = (co_await e.redis.exec(store::command("XRANGE", e.store.feed_key(), "-", "+"))).value();
        for (const auto& entry : live::parse_entries(feed)) r.hub.publish(entry);
        r.dispatcher.queued(std::move(made));
        log_every_command();
        CO_ASSERT_TRUE(co_await r.dispatcher.pass());
        EXPECT_EQ(co_await reads_naming(e.redis, id), 0);  // the feed said it left the queue: dropped unread
        EXPECT_EQ(co_await held_by_c1(e.store, 20ms), id);
        auto offered = (co_await e.redis.exec(store::command("XLEN", e.store.feed_key()))).value();
        EXPECT_EQ(offered.integer, 2);  // case.created and the one offer: none made by this pass
      },
      60s);
}

TEST_F(dispatcher_test, a_gap_in_the_feed_reads_everything_again) {
  run(
      [](env& e) -> asio::awaitable<void> {
        replica r(e);
        for (int waited = 0; waited < 500 && metric(r.metrics, "caseroute_routing_reads_total{kind=\"full\"}") < 1;
             ++waited) {
          co_await sleep_for(20ms);
        }
        const double full_reads = metric(r.metrics, "caseroute_routing_reads_total{kind=\"full\"}");
        EXPECT_GE(full_reads, 1);
        // The feed reader found a gap (entries lost in a failover, trimmed):
        // the hub tells its listeners, and the dispatcher reads everything.
        r.hub.resync(r.hub.last_id());
        const std::string id =
            (co_await e.store.create(referral_of("after-gap", "depression"), "p1", now())).value().case_id;
        EXPECT_EQ(co_await held_by_c1(e.store), id);
        EXPECT_GT(metric(r.metrics, "caseroute_routing_reads_total{kind=\"full\"}"), full_reads);
        co_await r.stop();
      },
      30s);
}

}  // namespace
}  // namespace caseroute::store_test
