// The dispatch loop: expires offers, raises escalation levels and routes the
// queue, on every kick (a referral, a decline, a resolve, a sign-in), on each
// change feed entry from any replica and on the periodic tick. Any replica
// may run it at any time: the store's scripts make each offer atomically, so
// racing replicas never offer a case twice.
//
// Its routing state is a cache (routing_cache.hpp) read whole, in pages, at
// start, after a gap in the feed and on a reload, and otherwise patched with
// what the feed names: a pass costs what changed, not the queue. A shift
// boundary or a duty change plans the whole cached queue again on a worker
// thread, so the event loop keeps serving meanwhile.
//
// It also keeps the roster in step with the exceptions supervisors store: at
// start, after a gap in the feed and on each duty.changed event it reads them
// and swaps in a new roster (handlers see it too), which makes the pass
// withdraw offers of counselors taken off duty and route everything again.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "dispatch/routing_cache.hpp"
#include "live/ahead_of_feed.hpp"
#include "live/stream_id.hpp"
#include "metrics/metrics.hpp"
#include "routing/routing.hpp"
#include "schedule/schedule.hpp"
#include "store/case_store.hpp"
#include "store/duty_store.hpp"

namespace caseroute::dispatch {

// What the loop works with. All owned by app and outliving the dispatcher;
// cfg and roster are app's current ones, swapped whole on reload, so a pass
// copies both at its start. The dispatcher swaps the roster itself when the
// stored exceptions change (through `duty`).
struct services {
  boost::asio::io_context& io;
  store::case_store& store;
  metrics::registry& metrics;
  const std::shared_ptr<const config::config>& cfg;
  std::shared_ptr<const schedule::roster>& roster;
  // Whether the change feed is followed now: only then is the cache kept
  // by deltas (else every pass reads everything). Empty: never.
  std::function<bool()> feed_following = {};
  // Where the stored exceptions live; null: none (the roster is the config's).
  store::duty_store* duty = nullptr;
  // Told of each offer and broadcast a pass made (they committed): the
  // counselors offered and the feed id of its script's last entry, so their
  // long polls on this replica wake before the feed brings it.
  std::function<void(const std::vector<std::string>& counselors, live::stream_id up_to)> offered = {};
};

class dispatcher {
 public:
  explicit dispatcher(services s);

  // Runs passes until stop(): after each kick() and at least every tick.
  boost::asio::awaitable<void> run();
  void kick();
  void stop();
  // The change feed named this event's case and counselor (any replica):
  // the next pass, which starts now, reads them again, but for a case whose
  // latest event left it out of the queue: that one it only drops. `at` is
  // the entry's feed id: an entry about a case this replica offered, at or
  // before that offer's own entry, is older news than the pass had.
  void changed(const v1::Event& e, live::stream_id at = {});
  // A request on this replica queued the case (a referral): the next pass,
  // which starts now, routes it without waiting for the feed to name it.
  // With its routing rows (create's answer) the pass takes those instead of
  // reading the case, and the feed's entries up to the case.created one
  // tell it nothing new; without, the pass reads it.
  void queued(store::created c);
  // The feed had a gap: the next pass reads everything (stored exceptions too).
  void resync();

  // One pass; public for tests. Fails only when Redis is unavailable.
  boost::asio::awaitable<boost::system::result<void>> pass();

 private:
  template <class T>
  using result = boost::system::result<T>;

  // The steps of a pass, in order; each fails only when Redis is
  // unavailable. They are awaited directly by pass(), whose frame owns the
  // routing state they are handed by reference.
  boost::asio::awaitable<result<void>> expire(int max_missed_offers, time_point now);
  // Reads the stored exceptions when a duty change was announced (or at
  // start) and swaps in a roster that applies them when they changed.
  boost::asio::awaitable<result<void>> read_duty();
  boost::asio::awaitable<result<void>> withdraw_if_shift_ended(std::shared_ptr<const config::config> cfg,
                                                               std::shared_ptr<const schedule::roster> roster,
                                                               std::set<std::string> duty_ids, time_point now);
  // Brings the cache up to date: everything when `full`, else what the feed
  // named. Adds the queued cases read to `fresh`.
  struct refreshed {
    bool counselors = false;  // a counselor's state was read again (a slot may have freed)
  };
  boost::asio::awaitable<result<refreshed>> refresh(bool full, std::shared_ptr<const config::config> cfg,
                                                    time_point now, std::set<std::string>& fresh);
  // Raises the levels due (adding those cases to `fresh`: a level relaxes rules).
  boost::asio::awaitable<result<void>> escalate_due(std::shared_ptr<const config::config> cfg, time_point now,
                                                    std::set<std::string>& fresh);
  // What plan() decided.
  struct planned {
    std::vector<routing::decision> decisions;  // those to apply: offers, broadcasts, waits, crisis escalations
    std::size_t routed = 0;                    // cases decided (the rest only marked)
  };
  // Routes `cases` in queue order (marking whether anyone on duty could
  // serve the ones left queued: all of them when `remark` is null, else
  // those it names), so a large plan never stalls the event loop: on the
  // worker thread when `off_loop` (the whole queue), else yielding to the
  // loop every couple of milliseconds.
  boost::asio::awaitable<planned> plan(const std::vector<const routing::queued_case*>& cases,
                                       const routing::snapshot& snap, routing::plan_options options,
                                       const std::set<std::string>* remark, time_point now, bool off_loop);
  struct planning;
  // Decides the planned cases from where it stopped, for at most `budget`
  // (checked every 64 cases; none: to the end). true when all are decided.
  bool decide(planning& p, const std::set<std::string>* remark,
              std::optional<std::chrono::steady_clock::duration> budget);

  // What applying one decision asks of the pass: route again at once (a
  // crisis case escalated, so rule 2 is relaxed).
  struct applied {
    bool reroute = false;
  };
  boost::asio::awaitable<result<applied>> apply_all(const std::vector<routing::decision>& decisions, time_point now);
  // One apply() per kind of routing::decision, picked by std::visit, so a
  // new kind without its overload does not compile. Each fails only when
  // Redis is unavailable (a case changed meanwhile is left to the next
  // pass); `c` points into the pass's routing state.
  boost::asio::awaitable<result<applied>> apply(routing::offer o, const routing::queued_case* c, time_point now);
  boost::asio::awaitable<result<applied>> apply(routing::keep_queued k, const routing::queued_case* c, time_point now);
  boost::asio::awaitable<result<applied>> apply(routing::broadcast b, const routing::queued_case* c, time_point now);
  boost::asio::awaitable<result<applied>> apply(routing::wait_for_counselor w, const routing::queued_case* c,
                                                time_point now);

  // An offer or a broadcast of `case_id` committed: noted against the feed
  // (changed()) and told to services::offered.
  void made(const std::string& case_id, const store::offers_made& o);

  // When who is on duty next changes: the roster's next_change, as read with
  // duty_index_'s slots while they hold.
  std::optional<time_point> next_duty_change(time_point at) const;

  services s_;
  boost::asio::steady_timer wake_;
  bool kicked_ = false;
  bool stopping_ = false;
  bool reconciled_ = false;        // offers checked against the roster since start
  bool duty_stale_ = true;         // the stored exceptions are read before the next pass
  std::set<std::string> on_duty_;  // counselor ids on duty at the last pass
  // Who is on duty: duty_roster_->on_duty(duty_from_), held by duty_index_,
  // until the roster is swapped or duty_until_ (its next change) comes.
  std::shared_ptr<const schedule::roster> duty_roster_;
  time_point duty_from_{};
  time_point duty_until_{};
  bool duty_slots_new_ = true;  // duty_index_'s slots are not yet in the cache's snapshot
  // The router's lists of who is on duty (over those slots and
  // duty_index_cfg_, which it points into), kept from pass to pass until either changes.
  std::shared_ptr<const config::config> duty_index_cfg_;
  std::optional<routing::duty_index> duty_index_;

  routing_cache cache_;
  bool cache_valid_ = false;  // false: the next pass reads everything
  std::shared_ptr<const config::config> cached_cfg_;
  std::shared_ptr<const schedule::roster> cached_roster_;
  time_point next_full_{};      // a full read now and then, whatever the feed says
  time_point next_servable_{};  // when queued servable cases are routed again without news
  time_point next_expire_{};    // offers are expired at most this often
  // What the feed named since the last read. Per case: whether its latest
  // event left it queued (or may have: read it), its youth key and the
  // latest entry's feed id (none: named by a request here).
  struct named_case {
    bool queued = true;
    std::string youth_key;
    live::stream_id at{};
  };
  std::map<std::string, named_case> changed_cases_;
  std::set<std::string> changed_counselors_;
  std::vector<std::string> left_queue_;  // offered by this pass: dropped from the cache once applied
  // Routing rows of cases queued here (queued()), for the next pass to cache.
  std::vector<store::routing_state> created_;
  // Cases this replica queued or offered, each with its script's last feed
  // id, until the feed reader reaches it (feed_at_: the newest entry it passed on).
  live::ahead_of_feed ahead_;
  live::stream_id feed_at_{};
  // One thread for what would hold the event loop too long: planning the
  // whole queue, freeing a replaced cache. Last, so it stops (joined) first.
  boost::asio::thread_pool worker_{1};
};

}  // namespace caseroute::dispatch
