// What the load generator's event-stream counselor needs besides sockets:
// the Server-Sent Events frames of GET /v1/events cut out of the bytes as
// they arrive, and a counselor's desk, the offers they were told of and not
// yet answered, shared by the stream reader and the workers that answer
// them (up to the counselor's capacity at once, as the counselor page
// does). Header-only so the unit tests need no daemon.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace caseroute::loadgen {

// One event of the stream: its id, its type and its data line.
struct sse_event {
  std::string id;
  std::string type;
  std::string data;
};

// Bytes in, whole events out. Comment lines (heartbeats) and `retry:` are
// skipped; a frame without `event:` or `data:` yields nothing.
class sse_frames {
 public:
  void feed(std::string_view bytes) { buffer_.append(bytes); }

  // The next complete event, if the bytes so far hold one.
  std::optional<sse_event> next() {
    for (;;) {
      const auto end = buffer_.find("\n\n");
      if (end == std::string::npos) return std::nullopt;
      const std::string_view frame(buffer_.data(), end);
      sse_event e;
      std::size_t at = 0;
      while (at <= frame.size()) {
        auto eol = frame.find('\n', at);
        if (eol == std::string_view::npos) eol = frame.size();
        const auto line = frame.substr(at, eol - at);
        at = eol + 1;
        if (line.starts_with("id: "))
          e.id = line.substr(4);
        else if (line.starts_with("event: "))
          e.type = line.substr(7);
        else if (line.starts_with("data: "))
          e.data = line.substr(6);
      }
      buffer_.erase(0, end + 2);
      if (!e.type.empty() && !e.data.empty()) return e;
    }
  }

 private:
  std::string buffer_;
};

// A counselor's open offers in the order they were told, each taken by one
// worker; an offer withdrawn (or expired, or cancelled) before a worker
// took it is dropped; an offer told twice while still open is queued once.
class desk {
 public:
  // A new offer; false when it is queued or being answered already (an
  // offer that ended meanwhile and is made again stands again).
  bool offered(const std::string& case_id) {
    std::lock_guard lock(m_);
    if (!open_.insert(case_id).second) {
      gone_.erase(case_id);
      return false;
    }
    waiting_.push_back(case_id);
    ready_.notify_one();
    return true;
  }

  // The offer ended without this counselor's answer.
  void gone(const std::string& case_id) {
    std::lock_guard lock(m_);
    if (open_.contains(case_id)) gone_.insert(case_id);
  }

  // The next offer to answer, waiting up to `wait`; nullopt when none came.
  std::optional<std::string> take(std::chrono::milliseconds wait) {
    std::unique_lock lock(m_);
    for (;;) {
      if (waiting_.empty() && !ready_.wait_for(lock, wait, [this] { return !waiting_.empty(); })) return std::nullopt;
      auto id = std::move(waiting_.front());
      waiting_.pop_front();
      if (gone_.erase(id) == 0) return id;
      open_.erase(id);
    }
  }

  // The worker is done with it (answered, or found it gone meanwhile).
  void done(const std::string& case_id) {
    std::lock_guard lock(m_);
    open_.erase(case_id);
    gone_.erase(case_id);
  }

 private:
  std::mutex m_;
  std::condition_variable ready_;
  std::deque<std::string> waiting_;
  std::set<std::string> open_;  // queued or being answered
  std::set<std::string> gone_;  // of those, ended meanwhile
};

}  // namespace caseroute::loadgen
