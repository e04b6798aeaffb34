// The queue read behind GET /v1/queue and the queue gauges, a slice of the
// open cases at a time: slices sum to what one read of every case answers, a
// case that moves during the read counts once, and overlapping reads share one.
#include <algorithm>
#include <map>
#include <set>

#include "store_fixture.hpp"

namespace caseroute::store_test {
namespace {

using queue = store_test;

asio::awaitable<std::string> make(store::case_store& s, int n, time_point now, v1::Risk risk,
                                  const std::string& concern) {
  auto r = referral("Q-" + std::to_string(n), risk, "y-" + std::to_string(n % 7));
  r.clear_concerns();
  r.add_concerns(concern);
  co_return (co_await s.create(r, "henan-12355", now)).value().case_id;
}

// SSCAN calls Redis served since the last CONFIG RESETSTAT.
int sscan_calls() {
  const auto info = server().cli({"INFO", "commandstats"});
  const auto at = info.find("cmdstat_sscan:calls=");
  if (at == std::string::npos) return 0;
  return std::stoi(info.substr(at + std::string("cmdstat_sscan:calls=").size()));
}

template <class N>
std::map<std::string, N> as_map(const google::protobuf::Map<std::string, N>& m) {
  return {m.begin(), m.end()};
}

std::vector<std::string> escalated_ids(const v1::QueueView& v) {
  std::vector<std::string> ids;
  for (const auto& c : v.escalated()) ids.push_back(c.case_id());
  return ids;
}

void expect_same(const v1::QueueView& a, const v1::QueueView& b) {
  EXPECT_EQ(as_map(a.by_state()), as_map(b.by_state()));
  EXPECT_EQ(as_map(a.by_risk()), as_map(b.by_risk()));
  EXPECT_EQ(as_map(a.by_site()), as_map(b.by_site()));
  EXPECT_EQ(as_map(a.by_concern()), as_map(b.by_concern()));
  EXPECT_EQ(a.oldest_case_id(), b.oldest_case_id());
  EXPECT_EQ(a.oldest_wait_seconds(), b.oldest_wait_seconds());
  EXPECT_EQ(escalated_ids(a), escalated_ids(b));
}

void expect_same(const store::queue_gauges& a, const store::queue_gauges& b) {
  EXPECT_EQ(a.by_state, b.by_state);
  EXPECT_EQ(a.by_risk, b.by_risk);
  EXPECT_EQ(a.oldest_queued, b.oldest_queued);
  EXPECT_EQ(a.oldest_unaccepted, b.oldest_unaccepted);
  EXPECT_EQ(a.over_escalation_limit, b.over_escalation_limit);
}

TEST_F(queue, many_small_slices_answer_what_one_slice_does) {
  run([](env& e) -> asio::awaitable<void> {
    auto& s = e.store;
    const std::vector<std::string> concerns = {"depression", "anxiety", "family"};
    std::vector<std::string> ids;
    for (int i = 0; i < 60; ++i) {
      // Three cases share each creation instant: the oldest is the least id.
      const auto created = at(std::chrono::seconds(i / 3));
      const auto risk = static_cast<v1::Risk>(1 + i % 4);
      const auto id = co_await make(s, i, created, risk, concerns[i % 3]);
      ids.push_back(id);
      const auto t = created + 1min;
      if (i % 6 == 4) (co_await s.escalate(id, 1 + i % 3, t)).value();
      if (i % 5 == 1 || i % 5 == 2 || i % 5 == 3) {
        auto o = offer_to(id, "c00" + std::to_string(i % 4), t, 100);
        o.site_id = "site-" + std::to_string(i % 3);
        (co_await s.offer(o)).value();
      }
      if (i % 5 == 2 || i % 5 == 3) (co_await s.accept(id, "c00" + std::to_string(i % 4), t)).value();
      const bool resolved = i % 5 == 3 && i < 30;
      if (resolved) (co_await s.resolve(id, "c00" + std::to_string(i % 4), v1::OUTCOME_COUNSELED, "", t)).value();
      if (i % 7 == 0 && !resolved) (co_await s.cancel(id, "supervisor:s001", "", t)).value();
    }
    const auto now = at(2h);

    s.set_queue_slice(100000);
    server().cli({"CONFIG", "RESETSTAT"});
    const auto whole = (co_await s.queue_view(now)).value();
    const auto whole_gauges = (co_await s.queue_gauges_at(now)).value();
    EXPECT_EQ(sscan_calls(), 2);  // one page each

    s.set_queue_slice(1);
    server().cli({"CONFIG", "RESETSTAT"});
    const auto sliced = (co_await s.queue_view(now)).value();
    const auto sliced_gauges = (co_await s.queue_gauges_at(now)).value();
    EXPECT_GT(sscan_calls(), 20);

    expect_same(whole, sliced);
    expect_same(whole_gauges, sliced_gauges);
    // The facts themselves, not just agreement.
    EXPECT_EQ(whole.by_state().at("CASE_RESOLVED"), 6);
    EXPECT_EQ(whole.by_state().at("CASE_CANCELLED"), 8);
    std::int64_t open = 0;
    for (const auto& state : {"CASE_QUEUED", "CASE_OFFERED", "CASE_ACTIVE"}) open += whole.by_state().at(state);
    EXPECT_EQ(open, 60 - 6 - 8);
    // The first queued cases are 4 and 5 (0 was cancelled, 1-3 offered), created at one instant.
    EXPECT_EQ(whole.oldest_case_id(), std::min(ids[4], ids[5]));
    EXPECT_EQ(whole.escalated_size(), 9);
    EXPECT_EQ(whole_gauges.by_state.at("CASE_QUEUED"), whole.by_state().at("CASE_QUEUED"));
  });
}

TEST_F(queue, a_case_that_moves_during_the_read_counts_once) {
  run([](env& e) -> asio::awaitable<void> {
    std::vector<std::string> ids;
    for (int i = 0; i < 30; ++i) {
      ids.push_back(co_await make(e.store, i, at(std::chrono::seconds(i)), v1::RISK_HIGH, "depression"));
      (co_await e.store.escalate(ids.back(), 1, at(1min))).value();
    }
    // Reads a case per call on one connection while the other moves cases:
    // ten offered, five cancelled.
    e.store.set_queue_slice(1);
    std::optional<v1::QueueView> view;
    int writes = 0, writes_when_read = -1;
    asio::co_spawn(
        e.io,
        [](env* e, std::optional<v1::QueueView>* view, int* writes, int* writes_when_read) -> asio::awaitable<void> {
          *view = (co_await e->store.queue_view(at(1h))).value();
          *writes_when_read = *writes;
        }(&e, &view, &writes, &writes_when_read),
        asio::detached);
    for (int i = 0; i < 15; ++i) {
      if (i < 10)
        (co_await e.store2.offer(offer_to(ids[i], "c001", at(2min), 100))).value();
      else
        (co_await e.store2.cancel(ids[i], "supervisor:s001", "", at(2min))).value();
      ++writes;
    }
    while (!view) co_await sleep_for(1ms);
    // The read overlapped the writes.
    EXPECT_GT(writes_when_read, 0);

    const auto queued = view->by_state().at("CASE_QUEUED"), offered = view->by_state().at("CASE_OFFERED");
    const auto cancelled = view->by_state().at("CASE_CANCELLED");
    // The 25 cases open throughout are there; none of the 30 twice.
    EXPECT_GE(queued + offered, 25);
    EXPECT_LE(queued + offered + cancelled, 30);
    EXPECT_EQ(view->by_state().at("CASE_ACTIVE"), 0);
    const auto listed = escalated_ids(*view);
    const std::set<std::string> unique(listed.begin(), listed.end());
    EXPECT_EQ(unique.size(), listed.size());
    for (int i = 0; i < 10; ++i) EXPECT_TRUE(unique.count(ids[i])) << ids[i];
    for (int i = 15; i < 30; ++i) EXPECT_TRUE(unique.count(ids[i])) << ids[i];

    // Once still, the read is exact again.
    const auto after = (co_await e.store.queue_view(at(1h))).value();
    EXPECT_EQ(after.by_state().at("CASE_QUEUED"), 15);
    EXPECT_EQ(after.by_state().at("CASE_OFFERED"), 10);
    EXPECT_EQ(after.by_state().at("CASE_CANCELLED"), 5);
    EXPECT_EQ(after.escalated_size(), 25);
  });
}

TEST_F(queue, reads_that_overlap_share_one) {
  run([](env& e) -> asio::awaitable<void> {
    for (int i = 0; i < 20; ++i)
      co_await make(e.store, i, at(std::chrono::seconds(i)), static_cast<v1::Risk>(1 + i % 4), "family");
    server().cli({"CONFIG", "RESETSTAT"});
    int done = 0;
    std::vector<v1::QueueView> views(6);
    for (auto& v : views) {
      asio::co_spawn(
          e.io,
          [](env* e, v1::QueueView* v, int* done) -> asio::awaitable<void> {
            *v = (co_await e->store.queue_view(at(1h))).value();
            ++*done;
          }(&e, &v, &done),
          asio::detached);
    }
    std::optional<store::queue_gauges> gauges;
    asio::co_spawn(
        e.io,
        [](env* e, std::optional<store::queue_gauges>* g, int* done) -> asio::awaitable<void> {
          *g = (co_await e->store.queue_gauges_at(at(1h))).value();
          ++*done;
        }(&e, &gauges, &done),
        asio::detached);
    while (done < 7) co_await sleep_for(1ms);
    // The first read, and one more for all who came while it ran.
    EXPECT_LE(sscan_calls(), 2);
    for (const auto& v : views) expect_same(views[0], v);
    EXPECT_EQ(views[0].by_state().at("CASE_QUEUED"), 20);
    EXPECT_EQ(gauges->by_risk.at("RISK_LOW"), 5);
    // A later read reads again.
    (co_await e.store.queue_view(at(1h))).value();
    EXPECT_EQ(sscan_calls(), 3);
  });
}

}  // namespace
}  // namespace caseroute::store_test
