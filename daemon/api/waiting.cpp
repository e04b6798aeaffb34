// Counting waiting requests per caller and in all.
#include "api/waiting.hpp"

namespace caseroute::api {

waiting::slot::~slot() {
  if (owner_ != nullptr) owner_->give_back(key_);
}

boost::system::result<waiting::slot, http::api_error> waiting::take(const caller& who, const config::live_settings& s,
                                                                    std::size_t max_connections) {
  const std::string key = std::string(to_string(who.as)) + ":" + who.id;
  auto& mine = by_caller_[key];
  if (mine >= s.max_waiting_per_caller) {
    if (mine == 0) by_caller_.erase(key);
    return http::resource_exhausted("too many waiting requests for this caller (at most " +
                                        std::to_string(s.max_waiting_per_caller) +
                                        " long polls and event streams at once); retry when one has ended",
                                    1);
  }
  if (total_ >= s.waiting_limit(max_connections)) {
    if (mine == 0) by_caller_.erase(key);
    return http::resource_exhausted("too many waiting requests on this server; retry shortly", 2);
  }
  ++mine;
  ++total_;
  return slot(this, key);
}

void waiting::give_back(const std::string& key) {
  auto it = by_caller_.find(key);
  if (it == by_caller_.end()) return;
  if (--it->second == 0) by_caller_.erase(it);
  --total_;
}

}  // namespace caseroute::api
