// Chaos: one Redis, three replicas of the real daemon on config/test.yaml, a
// stream of referrals and counselor actions through random replicas while a
// killer kill -9s a random replica every 1-2 s and restarts it. Checked from
// outside only: nothing acknowledged is lost, no case had two owners, no
// counselor held more than their capacity, and every case can then be
// resolved. Bounded to about two and a half minutes; the seed is printed.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "chaos/history_model.hpp"
#include "e2e/e2e_support.hpp"

namespace caseroute::chaos {
namespace {

using e2e::client;
using e2e::parse;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

enum stage : int { chaos_stage, drain_stage, done_stage };

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::atoi(v) : fallback;
}

// A referral the test.yaml counselors can serve: crisis only with a primary
// concern a crisis-trained counselor holds (c1, c4, c5).
std::string make_referral(const std::string& id, std::mt19937& rng) {
  static const std::vector<std::string> concerns{"depression",  "anxiety",         "grief",          "self_harm",
                                                 "exam_stress", "family_conflict", "school_bullying"};
  static const std::set<std::string> crisis_ok{"depression", "anxiety", "self_harm", "family_conflict",
                                               "school_bullying"};
  const auto& primary = concerns[rng() % concerns.size()];
  std::string list = "\"" + primary + "\"";
  if (const auto& second = concerns[rng() % concerns.size()]; rng() % 3 == 0 && second != primary)
    list += ",\"" + second + "\"";
  std::string risk = std::vector<std::string>{"RISK_LOW", "RISK_MEDIUM", "RISK_HIGH"}[rng() % 3];
  if (crisis_ok.contains(primary) && rng() % 8 == 0) risk = "RISK_CRISIS";
  const std::string mode = rng() % 2 ? "MODE_PHONE" : "MODE_ONLINE";
  const std::string groups = rng() % 4 == 0 ? R"(,"groups":["GROUP_HARDSHIP"])" : "";
  std::time_t now = std::time(nullptr) - 60;
  char ts[32];
  std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return R"({"referralId":")" + id + R"(","receivedAt":")" + ts + R"(","risk":")" + risk + R"(","concerns":[)" + list +
         R"(],"mode":")" + mode + "\"" + groups + R"(,"youth":{"ref":"y-chaos-)" + std::to_string(rng() % 40) +
         R"(","age":16},"contact":{"name":"Invented Youth","phone":"13900000000"},"summary":"invented chaos case"})";
}

// What the client threads saw; ports never change after setup.
struct shared_state {
  std::vector<int> ports;
  std::atomic<int> stage{chaos_stage};
  std::mutex m;
  std::map<std::string, std::string> acknowledged;  // referral id -> case id
  std::map<std::string, int> calls;                 // "what status" -> count
  std::map<std::string, int> most_held;             // counselor -> most cases seen held at once
  std::vector<std::string> over_capacity;

  int any_port(std::mt19937& rng) const { return ports[rng() % ports.size()]; }
  void count(const std::string& what, int status) {
    std::lock_guard l(m);
    ++calls[what + " " + std::to_string(status)];
  }
};

// Sends referrals round-robin until `until`; a referral without a 2xx is sent
// again (same id, same body) to the next replica, up to three times.
void send_referrals(shared_state& s, unsigned seed, clock_type::time_point until) {
  std::mt19937 rng(seed);
  client api(0);
  for (int n = 0; clock_type::now() < until; ++n) {
    const auto id = "chaos-" + std::to_string(n);
    const auto body = make_referral(id, rng);
    for (int attempt = 0; attempt < 3; ++attempt) {
      api.set_port(s.ports[(n + attempt) % s.ports.size()]);
      auto r = api.platform("POST", "/v1/referrals", body);
      s.count("referral", r.status);
      if (r.status == 200 || r.status == 202) {
        auto accepted = parse<v1::ReferralAccepted>(r.body);
        std::lock_guard l(s.m);
        s.acknowledged[id] = accepted.case_id();
        break;
      }
      if (r.status != 0 && r.status != 503) break;  // a 4xx will not change
      std::this_thread::sleep_for(100ms);
    }
    std::this_thread::sleep_for(250ms);
  }
}

// One counselor: short long-polls, then accept / decline / ignore each offer
// and resolve / release / keep each active case at random; in the drain
// stage, accept and resolve everything.
void act_as_counselor(shared_state& s, const std::string& me, int capacity, unsigned seed) {
  std::mt19937 rng(seed);
  client api(0);
  std::set<std::string> ignored;  // offers this counselor lets expire
  bool signed_in_for_drain = false;
  while (s.stage != done_stage) {
    const bool drain = s.stage == drain_stage;
    // Offers left to expire sign a counselor out after routing.max_missed_offers
    // in a row; like the app, sign in again now and then, and before draining.
    if ((drain && !signed_in_for_drain) || rng() % 10 == 0) {
      api.set_port(s.any_port(rng));
      const auto r = api.as(me, "PUT", "/v1/me/availability", R"({"available":true})");
      s.count("sign_in", r.status);
      if (drain && r.status == 200) signed_in_for_drain = true;
    }
    api.set_port(s.any_port(rng));
    auto offers = api.as(me, "GET", "/v1/me/offers?wait=1");
    if (offers.status != 200) {
      s.count("offers", offers.status);
      std::this_thread::sleep_for(50ms);
      continue;
    }
    const auto open_offers = parse<v1::OfferList>(offers.body);
    for (const auto& o : open_offers.offers()) {
      if (!drain && ignored.contains(o.case_id())) continue;
      const auto roll = rng() % 100;
      api.set_port(s.any_port(rng));
      if (drain || roll < 65) {
        s.count("accept", api.as(me, "POST", "/v1/cases/" + o.case_id() + "/accept").status);
      } else if (roll < 85) {
        s.count("decline",
                api.as(me, "POST", "/v1/cases/" + o.case_id() + "/decline", R"({"reason":"chaos decline"})").status);
      } else {
        ignored.insert(o.case_id());  // left to expire; the case is offered again
      }
    }

    api.set_port(s.any_port(rng));
    auto mine = api.as(me, "GET", "/v1/me/cases");
    if (mine.status != 200) continue;
    int held = 0;
    std::vector<std::string> active;
    const auto my_cases = parse<v1::CaseList>(mine.body);
    for (const auto& c : my_cases.cases()) {
      if (c.counselor_id() != me) continue;
      if (c.state() == v1::CASE_OFFERED || c.state() == v1::CASE_ACTIVE) ++held;
      if (c.state() == v1::CASE_ACTIVE) active.push_back(c.case_id());
    }
    {
      std::lock_guard l(s.m);
      s.most_held[me] = std::max(s.most_held[me], held);
      if (held > capacity) s.over_capacity.push_back(me + " held " + std::to_string(held));
    }
    for (const auto& id : active) {
      const auto roll = rng() % 100;
      api.set_port(s.any_port(rng));
      if (drain || roll < 35) {
        s.count("resolve",
                api.as(me, "POST", "/v1/cases/" + id + "/resolve", R"({"outcome":"OUTCOME_COUNSELED","note":"chaos"})")
                    .status);
      } else if (roll < 45) {
        s.count("release", api.as(me, "POST", "/v1/cases/" + id + "/release", R"({"reason":"chaos release"})").status);
      }
    }
  }
}

// Kills a random replica every 1-2 s and restarts it, until `until`.
int kill_replicas(std::vector<std::unique_ptr<e2e::daemon>>& replicas, unsigned seed, clock_type::time_point until) {
  std::mt19937 rng(seed);
  int kills = 0;
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1000 + rng() % 1000));
    if (clock_type::now() >= until) return kills;
    auto& victim = *replicas[rng() % replicas.size()];
    victim.kill9();
    ++kills;
    victim.start();
  }
}

int state_count(const v1::QueueView& v, const char* state) {
  auto it = v.by_state().find(state);
  return it == v.by_state().end() ? 0 : it->second;
}

TEST(chaos, replicas_killed_at_random_lose_nothing_and_never_double_own_a_case) {
  const unsigned seed = static_cast<unsigned>(env_int("CASEROUTE_CHAOS_SEED", 12355));
  const int chaos_seconds = env_int("CASEROUTE_CHAOS_SECONDS", 60);
  std::cout << "[ chaos ] seed " << seed << " (CASEROUTE_CHAOS_SEED), " << chaos_seconds
            << " s of chaos (CASEROUTE_CHAOS_SECONDS)" << std::endl;

  testing::redis_server redis;
  std::vector<std::unique_ptr<e2e::daemon>> replicas;
  shared_state s;
  for (int i = 0; i < 3; ++i) {
    replicas.push_back(std::make_unique<e2e::daemon>(redis.url(), "caseroute-chaos-" + std::to_string(i) + ".log"));
    s.ports.push_back(replicas.back()->port());
  }
  client sup(s.ports[0]);
  std::map<std::string, int> capacity;
  const auto roster = parse<v1::CounselorList>(sup.as("s1", "GET", "/v1/counselors").body);
  for (const auto& c : roster.counselors()) capacity[c.counselor_id()] = c.capacity();
  const std::vector<std::string> on_duty{"c1", "c2", "c3", "c4", "c5"};
  for (const auto& id : on_duty) ASSERT_TRUE(capacity.contains(id)) << id << " missing from config/test.yaml";

  // Chaos: referrals, counselors and the killer run until `until`.
  const auto until = clock_type::now() + std::chrono::seconds(chaos_seconds);
  std::vector<std::thread> counselors;
  // Stops and joins the counselors on every exit path.
  struct joiner {
    shared_state& s;
    std::vector<std::thread>& threads;
    ~joiner() {
      s.stage = done_stage;
      for (auto& t : threads)
        if (t.joinable()) t.join();
    }
  } join_counselors{s, counselors};
  for (std::size_t i = 0; i < on_duty.size(); ++i)
    counselors.emplace_back(act_as_counselor, std::ref(s), on_duty[i], capacity[on_duty[i]], seed + 10 + i);
  std::thread referrals(send_referrals, std::ref(s), seed + 1, until);
  int kills = 0;
  std::thread killer([&] { kills = kill_replicas(replicas, seed + 2, until); });
  killer.join();
  referrals.join();
  // A child gets PR_SET_PDEATHSIG when the thread that forked it ends, so the
  // replicas the killer restarted died with it: start them from this thread.
  for (auto& r : replicas) {
    r->kill9();
    r->start();
  }

  // Nothing acknowledged is lost.
  std::map<std::string, std::string> acknowledged;
  {
    std::lock_guard l(s.m);
    acknowledged = s.acknowledged;
  }
  std::cout << "[ chaos ] " << kills << " replicas killed, " << acknowledged.size() << " referrals acknowledged"
            << std::endl;
  EXPECT_GE(kills, chaos_seconds / 3);
  EXPECT_GE(acknowledged.size(), static_cast<std::size_t>(chaos_seconds));
  client platform(0);
  int lost = 0, n = 0;
  for (const auto& [referral_id, case_id] : acknowledged) {
    platform.set_port(s.ports[n++ % s.ports.size()]);
    auto r = platform.platform("GET", "/v1/referrals/" + referral_id);
    const bool found = r.status == 200 && parse<v1::Case>(r.body).case_id() == case_id;
    if (!found && ++lost <= 10)
      ADD_FAILURE() << referral_id << " was acknowledged but is lost: " << r.status << " from replica "
                    << (n - 1) % s.ports.size() << " " << r.body;
  }
  EXPECT_EQ(lost, 0) << "of " << acknowledged.size() << " acknowledged referrals";

  // Drain: counselors accept and resolve everything; a case queued for five
  // rounds in a row gets a supervisor assignment.
  s.stage = drain_stage;
  const auto drain_start = clock_type::now();
  std::map<std::string, int> queued_rounds;
  int assigned = 0, round = 0;
  bool drained = false;
  while (clock_type::now() < drain_start + 90s) {
    sup.set_port(s.ports[round++ % s.ports.size()]);
    auto q = sup.as("s1", "GET", "/v1/queue");
    if (q.status == 200) {
      const auto view = parse<v1::QueueView>(q.body);
      if (state_count(view, "CASE_QUEUED") + state_count(view, "CASE_OFFERED") + state_count(view, "CASE_ACTIVE") ==
          0) {
        drained = true;
        break;
      }
    }
    auto queued = sup.as("s1", "GET", "/v1/cases?state=CASE_QUEUED&limit=500");
    if (queued.status == 200) {
      std::map<std::string, int> still;
      const auto queued_cases = parse<v1::CaseList>(queued.body);
      for (const auto& c : queued_cases.cases()) {
        const int rounds = queued_rounds[c.case_id()] + 1;
        still[c.case_id()] = rounds;
        if (rounds < 5) continue;
        for (const auto& who : on_duty) {
          auto a = sup.as("s1", "POST", "/v1/cases/" + c.case_id() + "/assign", R"({"counselorId":")" + who + "\"}");
          if (a.status == 200) {
            ++assigned;
            still.erase(c.case_id());
            break;
          }
        }
      }
      queued_rounds = std::move(still);
    }
    std::this_thread::sleep_for(1s);
  }
  s.stage = done_stage;
  for (auto& t : counselors) t.join();
  counselors.clear();
  const auto drain_ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - drain_start);
  std::cout << "[ chaos ] drained in " << drain_ms.count() << " ms (" << assigned << " supervisor assignments)"
            << std::endl;
  EXPECT_TRUE(drained) << "cases still open 90 s after the chaos stopped";

  // Every case, with its history.
  std::vector<std::string> ids;
  std::string cursor;
  for (int page = 0; page < 100; ++page) {
    auto r = sup.as("s1", "GET", "/v1/cases?limit=500" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200) << r.body;
    auto list = parse<v1::CaseList>(r.body);
    for (const auto& c : list.cases()) ids.push_back(c.case_id());
    cursor = list.next_cursor();
    if (cursor.empty()) break;
  }
  const std::set<std::string> known(ids.begin(), ids.end());
  for (const auto& [referral_id, case_id] : acknowledged) EXPECT_TRUE(known.contains(case_id)) << referral_id;

  std::vector<std::string> violations;
  std::map<std::string, std::vector<holding>> holdings;  // counselor -> holdings
  std::map<std::string, int> events;
  int unresolved = 0;
  for (const auto& id : ids) {
    auto r = sup.as("s1", "GET", "/v1/cases/" + id);
    ASSERT_EQ(r.status, 200) << id;
    const auto c = parse<v1::Case>(r.body);
    if (c.state() != v1::CASE_RESOLVED && ++unresolved <= 10)
      ADD_FAILURE() << id << " ends " << v1::CaseState_Name(c.state());
    auto audit = audit_case(c);
    violations.insert(violations.end(), audit.violations.begin(), audit.violations.end());
    for (auto& h : audit.holdings) holdings[h.counselor_id].push_back(h);
    for (const auto& [type, n] : audit.events) events[type] += n;
  }
  EXPECT_EQ(unresolved, 0) << "of " << ids.size() << " cases";
  for (std::size_t i = 0; i < violations.size() && i < 20; ++i) ADD_FAILURE() << violations[i];
  EXPECT_TRUE(violations.empty()) << violations.size() << " one-owner violations";

  std::cout << "[ chaos ] " << ids.size() << " cases; events:";
  for (const auto& [type, n] : events) std::cout << ' ' << type << '=' << n;
  std::cout << std::endl;
  // Offers left to expire were re-offered by whichever replica ticked.
  EXPECT_GT(events["case.offer_expired"], 0);
  EXPECT_GT(events["case.accepted"], 0);

  // Capacity, reconstructed from the histories (1 s slack for clock reads)
  // and as sampled by the counselors themselves.
  for (const auto& id : on_duty) {
    const int most = max_concurrent(holdings[id], 1000);
    int sampled = 0;
    {
      std::lock_guard l(s.m);
      sampled = s.most_held[id];
    }
    std::cout << "[ chaos ] " << id << ": capacity " << capacity[id] << ", most held " << most << " (histories), "
              << sampled << " (sampled)" << std::endl;
    EXPECT_LE(most, capacity[id]) << id;
  }
  for (const auto& v : s.over_capacity) ADD_FAILURE() << v;
  const auto final_roster = parse<v1::CounselorList>(sup.as("s1", "GET", "/v1/counselors").body);
  for (const auto& c : final_roster.counselors())
    EXPECT_EQ(c.load(), 0) << c.counselor_id() << " still holds cases after everything resolved";

  std::cout << "[ chaos ] calls:";
  for (const auto& [what, n] : s.calls) std::cout << " [" << what << "]=" << n;
  std::cout << std::endl;
}

}  // namespace
}  // namespace caseroute::chaos
