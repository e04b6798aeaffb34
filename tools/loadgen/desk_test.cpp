// The event-stream counselor's parts without a daemon: SSE frames cut from
// bytes as they arrive, and the desk that hands offers to workers.
#include "desk.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace caseroute::loadgen {
namespace {

using namespace std::chrono_literals;

TEST(sse_frames, events_come_out_whole_however_the_bytes_are_cut) {
  const std::string bytes =
      "retry: 2000\n\nid: 1-0\nevent: case.offered\ndata: {\"caseId\":\"A\"}\n\n: keep-alive\n\n"
      "id: 2-0\nevent: case.offer_withdrawn\ndata: {\"caseId\":\"A\"}\n\n";
  for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
    sse_frames f;
    std::vector<sse_event> out;
    f.feed(std::string_view(bytes).substr(0, cut));
    while (auto e = f.next()) out.push_back(*e);
    f.feed(std::string_view(bytes).substr(cut));
    while (auto e = f.next()) out.push_back(*e);
    ASSERT_EQ(out.size(), 2u) << "cut at " << cut;
    EXPECT_EQ(out[0].id, "1-0");
    EXPECT_EQ(out[0].type, "case.offered");
    EXPECT_EQ(out[0].data, "{\"caseId\":\"A\"}");
    EXPECT_EQ(out[1].id, "2-0");
    EXPECT_EQ(out[1].type, "case.offer_withdrawn");
  }
}

TEST(desk, offers_are_taken_in_order_once_each) {
  desk d;
  EXPECT_TRUE(d.offered("A"));
  EXPECT_TRUE(d.offered("B"));
  EXPECT_FALSE(d.offered("A"));  // told again while open (a resync re-read)
  EXPECT_EQ(d.take(0ms), "A");
  EXPECT_FALSE(d.offered("A"));  // being answered
  EXPECT_EQ(d.take(0ms), "B");
  EXPECT_EQ(d.take(0ms), std::nullopt);
  d.done("A");
  EXPECT_TRUE(d.offered("A"));  // offered again after it was answered (an expiry, a re-offer)
}

TEST(desk, an_offer_gone_before_a_worker_took_it_is_dropped) {
  desk d;
  d.offered("A");
  d.offered("B");
  d.gone("A");
  d.gone("Z");  // never told: nothing to drop
  EXPECT_EQ(d.take(0ms), "B");
  EXPECT_EQ(d.take(0ms), std::nullopt);
  EXPECT_TRUE(d.offered("A"));  // dropped, so a new offer of it is new
  EXPECT_TRUE(d.offered("Z"));
}

TEST(desk, an_offer_that_ended_and_was_made_again_while_queued_is_answered) {
  desk d;
  d.offered("A");
  d.gone("A");
  EXPECT_FALSE(d.offered("A"));  // still queued: not queued twice
  EXPECT_EQ(d.take(0ms), "A");
  EXPECT_EQ(d.take(0ms), std::nullopt);
}

TEST(desk, a_waiting_worker_wakes_when_an_offer_comes) {
  desk d;
  std::thread teller([&] {
    std::this_thread::sleep_for(20ms);
    d.offered("A");
  });
  EXPECT_EQ(d.take(10s), "A");
  teller.join();
}

}  // namespace
}  // namespace caseroute::loadgen
