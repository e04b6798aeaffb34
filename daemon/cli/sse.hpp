// An incremental parser of a text/event-stream (Server-Sent Events, as
// GET /v1/events sends it): bytes in, whole events out, the last id and the
// server's retry delay kept for reconnecting. Pure.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace caseroute::cli {

struct sse_event {
  std::string id;    // the last id seen when it was dispatched ("" before any)
  std::string type;  // the `event:` field; "message" when absent
  std::string data;  // `data:` lines joined by '\n'
};

class sse_parser {
 public:
  // Feeds the next bytes; returns the events they complete. Comments (":"
  // lines, the keep-alives) and fields other than id, event, data and retry
  // are skipped; lines may end in \n, \r\n or \r, and may be split anywhere.
  std::vector<sse_event> feed(std::string_view bytes);

  // The id to send as Last-Event-ID when reconnecting ("" before any).
  const std::string& last_id() const { return last_id_; }
  // The server's `retry:` (2 s until it sends one).
  std::chrono::milliseconds retry() const { return retry_; }
  // Forgets a partly received event (after a dropped connection).
  void reset_partial();

 private:
  void line(std::string_view text, std::vector<sse_event>& out);

  std::string pending_;   // an incomplete line
  bool skip_lf_ = false;  // the previous chunk ended in \r
  sse_event event_;
  bool has_data_ = false;
  std::string id_buffer_;  // the id of the event being received
  std::string last_id_;
  std::chrono::milliseconds retry_{2000};
};

}  // namespace caseroute::cli
