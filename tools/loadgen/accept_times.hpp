// Referral -> accept times for the load generator, matched by case id in
// whichever order they are seen: a counselor may accept a case before its
// sender has read the 202 (the daemon offers it while the answer is on its
// way), and that accept still counts. Not thread-safe: the recorder locks.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace caseroute::loadgen {

class accept_times {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  void sent(const std::string& case_id, time_point at) {
    if (auto it = accepted_at_.find(case_id); it != accepted_at_.end()) {
      add(it->second - at);
      accepted_at_.erase(it);
      counted_.insert(case_id);
      return;
    }
    sent_at_.emplace(case_id, at);
  }
  void accepted(const std::string& case_id, time_point at) {
    if (counted_.contains(case_id)) return;
    if (auto it = sent_at_.find(case_id); it != sent_at_.end()) {
      add(at - it->second);
      sent_at_.erase(it);
      counted_.insert(case_id);
      return;
    }
    accepted_at_.emplace(case_id, at);
  }
  // Milliseconds from each referral's send to its accept.
  std::vector<double>& ms() { return ms_; }
  // Referrals sent and not (yet) accepted.
  std::size_t unaccepted() const { return sent_at_.size(); }
  // Accepts (or sightings) kept until their referral's send is recorded.
  std::size_t waiting_for_send() const { return accepted_at_.size(); }

 private:
  void add(std::chrono::steady_clock::duration d) {
    ms_.push_back(std::chrono::duration<double, std::milli>(d).count());
  }
  std::map<std::string, time_point> sent_at_;
  std::map<std::string, time_point> accepted_at_;  // accepted before their send was recorded
  std::set<std::string> counted_;                  // matched already
  std::vector<double> ms_;
};

}  // namespace caseroute::loadgen
