// The event stream's parser (sse.hpp), after the WHATWG "Server-sent events"
// interpretation rules: a blank line dispatches, an id sets the last id.
#include "cli/sse.hpp"

#include <charconv>

namespace caseroute::cli {

std::vector<sse_event> sse_parser::feed(std::string_view bytes) {
  std::vector<sse_event> out;
  for (char c : bytes) {
    if (skip_lf_) {
      skip_lf_ = false;
      if (c == '\n') continue;
    }
    if (c == '\n' || c == '\r') {
      skip_lf_ = c == '\r';
      line(pending_, out);
      pending_.clear();
    } else {
      pending_ += c;
    }
  }
  return out;
}

void sse_parser::reset_partial() {
  pending_.clear();
  skip_lf_ = false;
  event_ = {};
  has_data_ = false;
  id_buffer_ = last_id_;
}

void sse_parser::line(std::string_view text, std::vector<sse_event>& out) {
  // A blank line dispatches: only then does the id count as seen, so a
  // connection dropped inside an event resumes before it.
  if (text.empty()) {
    last_id_ = id_buffer_;
    if (has_data_) {
      event_.id = last_id_;
      if (event_.type.empty()) event_.type = "message";
      out.push_back(std::move(event_));
    }
    event_ = {};
    has_data_ = false;
    return;
  }
  if (text.front() == ':') return;
  const auto colon = text.find(':');
  const auto name = text.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? std::string_view{} : text.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (name == "data") {
    if (has_data_) event_.data += '\n';
    event_.data += value;
    has_data_ = true;
  } else if (name == "event") {
    event_.type = value;
  } else if (name == "id") {
    if (value.find('\0') == std::string_view::npos) {
      id_buffer_ = value;
    }
  } else if (name == "retry") {
    long ms = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
    if (ec == std::errc{} && end == value.data() + value.size()) retry_ = std::chrono::milliseconds(ms);
  }
}

}  // namespace caseroute::cli
