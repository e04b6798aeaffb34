// Work too long for the event loop (milliseconds over a city of thousands of
// counselors or a long queue) runs on a worker thread while the loop serves
// everyone else: the dispatcher's planning, who is on duty (api/duty_counts.hpp).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace caseroute::host {

// Runs `work` on `pool` and resumes the caller on its own executor, with
// work's exception if any; on the caller's thread when `pool` is null. work
// must touch nothing the loop may change meanwhile.
template <class Work>
boost::asio::awaitable<void> off_loop(boost::asio::thread_pool* pool, Work work) {
  if (pool == nullptr) {
    work();
    co_return;
  }
  co_await boost::asio::co_spawn(
      *pool,
      [&work]() -> boost::asio::awaitable<void> {
        work();
        co_return;
      },
      boost::asio::use_awaitable);
}

}  // namespace caseroute::host
