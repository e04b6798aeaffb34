// The event stream's parser: events split anywhere, comments skipped, the
// last id advancing only with a whole event, the server's retry kept.
#include <gtest/gtest.h>

#include "cli/sse.hpp"

namespace caseroute::cli {
namespace {

const std::string stream =
    "retry: 2500\n\n"
    ": keep-alive\n\n"
    "id: 1-0\nevent: case.offered\ndata: {\"type\":\"case.offered\"}\n\n"
    "id: 2-0\r\nevent: resync\r\ndata: {\"reason\":\"gap\"}\r\n\r\n"
    "id: 3-0\ndata: a\ndata: b\n\n";

TEST(cli_sse, whole_events_come_out_however_the_bytes_are_split) {
  for (std::size_t piece : {std::size_t{1}, std::size_t{3}, std::size_t{7}, stream.size()}) {
    sse_parser p;
    std::vector<sse_event> got;
    for (std::size_t i = 0; i < stream.size(); i += piece) {
      auto events = p.feed(std::string_view(stream).substr(i, piece));
      got.insert(got.end(), events.begin(), events.end());
    }
    ASSERT_EQ(got.size(), 3u) << piece;
    EXPECT_EQ(got[0].id, "1-0");
    EXPECT_EQ(got[0].type, "case.offered");
    EXPECT_EQ(got[0].data, "{\"type\":\"case.offered\"}");
    EXPECT_EQ(got[1].type, "resync");
    EXPECT_EQ(got[2].type, "message");
    EXPECT_EQ(got[2].data, "a\nb");
    EXPECT_EQ(p.last_id(), "3-0");
    EXPECT_EQ(p.retry(), std::chrono::milliseconds(2500));
  }
}

TEST(cli_sse, a_dropped_connection_resumes_after_the_last_whole_event) {
  sse_parser p;
  EXPECT_EQ(p.feed("id: 7-0\ndata: x\n\nid: 8-0\ndata: y").size(), 1u);
  EXPECT_EQ(p.last_id(), "7-0");  // 8-0 never ended
  p.reset_partial();
  const auto again = p.feed("id: 8-0\ndata: y\n\n");
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].data, "y");
  EXPECT_EQ(p.last_id(), "8-0");
}

TEST(cli_sse, a_bad_retry_is_ignored_and_the_default_is_two_seconds) {
  sse_parser p;
  EXPECT_EQ(p.retry(), std::chrono::milliseconds(2000));
  p.feed("retry: soon\n\n");
  EXPECT_EQ(p.retry(), std::chrono::milliseconds(2000));
}

}  // namespace
}  // namespace caseroute::cli
