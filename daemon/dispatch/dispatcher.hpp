// The dispatch loop: expires offers, raises escalation levels and routes the
// queue, on every kick (a referral, a decline, a resolve, a sign-in) and on
// the periodic tick. Any replica may run it at any time: the store's scripts
// make each offer atomically, so racing replicas never offer a case twice.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "metrics/metrics.hpp"
#include "routing/routing.hpp"
#include "schedule/schedule.hpp"
#include "store/case_store.hpp"

namespace caseroute::dispatch {

// What the loop works with. All owned by app and outliving the dispatcher;
// cfg and roster are app's current ones, swapped whole on reload, so a pass
// copies both at its start.
struct services {
  boost::asio::io_context& io;
  store::case_store& store;
  metrics::registry& metrics;
  const std::shared_ptr<const config::config>& cfg;
  const std::shared_ptr<const schedule::roster>& roster;
};

class dispatcher {
 public:
  explicit dispatcher(services s);

  // Runs passes until stop(): after each kick() and at least every tick.
  boost::asio::awaitable<void> run();
  void kick();
  void stop();

  // One pass; public for tests. Fails only when Redis is unavailable.
  boost::asio::awaitable<boost::system::result<void>> pass();

 private:
  template <class T>
  using result = boost::system::result<T>;

  // The steps of a pass, in order; each fails only when Redis is
  // unavailable. They are awaited directly by pass(), whose frame owns the
  // routing state they are handed by reference.
  boost::asio::awaitable<result<void>> expire(int max_missed_offers, time_point now);
  boost::asio::awaitable<result<void>> withdraw_if_shift_ended(std::shared_ptr<const config::config> cfg,
                                                               std::shared_ptr<const schedule::roster> roster,
                                                               std::set<std::string> duty_ids, time_point now);
  boost::asio::awaitable<result<void>> escalate_due(std::vector<routing::queued_case>& queued,
                                                    std::shared_ptr<const config::config> cfg, time_point now);

  // What applying one decision asks of the pass: route again at once (a
  // crisis case escalated, so rule 2 is relaxed).
  struct applied {
    bool reroute = false;
  };
  boost::asio::awaitable<result<applied>> apply_all(const std::vector<routing::decision>& decisions,
                                                    const std::vector<routing::queued_case>& queued, time_point now);
  // One apply() per kind of routing::decision, picked by std::visit, so a
  // new kind without its overload does not compile. Each fails only when
  // Redis is unavailable (a case changed meanwhile is left to the next
  // pass); `c` points into the pass's routing state.
  boost::asio::awaitable<result<applied>> apply(routing::offer o, const routing::queued_case* c, time_point now);
  boost::asio::awaitable<result<applied>> apply(routing::keep_queued k, const routing::queued_case* c, time_point now);
  boost::asio::awaitable<result<applied>> apply(routing::broadcast b, const routing::queued_case* c, time_point now);
  boost::asio::awaitable<result<applied>> apply(routing::wait_for_counselor w, const routing::queued_case* c,
                                                time_point now);

  services s_;
  boost::asio::steady_timer wake_;
  bool kicked_ = false;
  bool stopping_ = false;
  bool reconciled_ = false;        // offers checked against the roster since start
  std::set<std::string> on_duty_;  // counselor ids on duty at the last pass
};

}  // namespace caseroute::dispatch
