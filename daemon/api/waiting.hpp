// Requests that wait (long polls, event streams) hold a slot while they
// wait: at most live.max_waiting_per_caller per token and live.max_waiting
// in all, so one token cannot take every connection and platform intake
// always has room. A request over either gets 429 with Retry-After.
// All on the io_context thread.
#pragma once

#include <boost/system/result.hpp>

#include <cstddef>
#include <map>
#include <string>

#include "api/access.hpp"
#include "config/config.hpp"
#include "http/errors.hpp"

namespace caseroute::api {

class waiting {
 public:
  // Held for as long as a request waits; gives its slot back when destroyed.
  class slot {
   public:
    slot(slot&& other) noexcept : owner_(other.owner_), key_(std::move(other.key_)) { other.owner_ = nullptr; }
    slot& operator=(slot&&) = delete;
    slot(const slot&) = delete;
    ~slot();

   private:
    friend class waiting;
    slot(waiting* owner, std::string key) : owner_(owner), key_(std::move(key)) {}
    waiting* owner_;
    std::string key_;
  };

  // A slot for `who`, or the 429 to answer. `max_connections` is the
  // server's, for live.max_waiting's default.
  boost::system::result<slot, http::api_error> take(const caller& who, const config::live_settings& s,
                                                    std::size_t max_connections);

  std::size_t in_use() const { return total_; }

 private:
  void give_back(const std::string& key);

  std::map<std::string, std::size_t, std::less<>> by_caller_;
  std::size_t total_ = 0;
};

}  // namespace caseroute::api
