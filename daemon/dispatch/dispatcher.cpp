// One routing pass: bring the routing cache up to date from Redis, let the
// pure router decide, apply each decision through the store's atomic scripts.
#include "dispatch/dispatcher.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <malloc.h>

#include <algorithm>
#include <exception>
#include <optional>
#include <set>
#include <utility>
#include <variant>

#include "dispatch/reconcile.hpp"
#include "host/off_loop.hpp"
#include "log/log.hpp"
#include "routing/routing.hpp"

namespace caseroute::dispatch {

namespace asio = boost::asio;

dispatcher::dispatcher(services s) : s_(s), wake_(s.io) {}

void dispatcher::kick() {
  kicked_ = true;
  wake_.cancel();
}

void dispatcher::stop() {
  stopping_ = true;
  wake_.cancel();
}

void dispatcher::changed(const v1::Event& e, live::stream_id at) {
  if (e.type() == store::duty_changed_event) duty_stale_ = true;
  bool known = false;
  if (at != live::stream_id{}) {
    feed_at_ = at;
    // An entry up to this replica's own offer of the case tells nothing the
    // pass that made it did not know (it dropped the case then).
    known = ahead_.known(e.case_id(), at);
  }
  if (!e.case_id().empty() && !known) {
    // Every case event says the state it left the case in (the feed keeps
    // each case's events in order): one that is not QUEUED took the case
    // out of the queue, and only a later event can bring it back. Events
    // that leave the state unsaid (an escalation, a new risk) are read.
    named_case& named = changed_cases_[e.case_id()];
    named.queued = e.state() == v1::CASE_QUEUED || e.state() == v1::CASE_STATE_UNSPECIFIED;
    named.at = at;
    if (!e.youth_key().empty()) named.youth_key = e.youth_key();
  }
  if (!e.counselor_id().empty()) changed_counselors_.insert(e.counselor_id());
  kick();
}

void dispatcher::queued(store::created c) {
  const auto at = live::stream_id::parse(c.feed_id);
  if (!at || !c.routing) {
    changed_cases_[std::move(c.case_id)].queued = true;  // no rows: read it
  } else if (auto named = changed_cases_.find(c.case_id); named != changed_cases_.end()) {
    // The feed reader got there first (the create's answer and its entry
    // arrive together). Named by that entry alone, the rows are as new as
    // what the feed said; named by a later one, the case is read.
    if (named->second.at == *at) {
      changed_cases_.erase(named);
      created_.push_back(std::move(*c.routing));
    }
  } else if (ahead_.note(c.case_id, *at, feed_at_)) {
    created_.push_back(std::move(*c.routing));
  }
  // (else the feed reader passed its entry and a pass took what it named)
  kick();
}

void dispatcher::resync() {
  ahead_.clear();
  cache_valid_ = false;
  duty_stale_ = true;
  kick();
}

asio::awaitable<void> dispatcher::run() {
  while (!stopping_) {
    kicked_ = false;
    if (s_.store.connected()) {
      auto r = co_await pass();
      s_.metrics.inc("caseroute_routing_passes_total", {{"result", r ? "ok" : "unavailable"}});
      if (!r) cache_valid_ = false;  // what the feed named may not have been read
    }
    if (stopping_) break;
    if (kicked_) continue;  // a kick arrived during the pass
    // Wake at the next shift start or end, or the next escalation, if it
    // comes before the tick, so a shift start routes at once.
    const auto tick = std::chrono::duration_cast<std::chrono::milliseconds>(s_.cfg->routing.tick);
    auto wait = tick;
    for (auto at : {next_duty_change(now()), cache_.next_escalation()}) {
      if (!at) continue;
      wait =
          std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(*at - now()) + std::chrono::milliseconds(1),
                     std::chrono::milliseconds(1), wait);
    }
    wake_.expires_after(wait);
    co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

std::optional<time_point> dispatcher::next_duty_change(time_point at) const {
  if (s_.roster == duty_roster_ && at >= duty_from_ && at < duty_until_) return duty_until_;
  return s_.roster->next_change(at);
}

asio::awaitable<dispatcher::result<void>> dispatcher::read_duty() {
  if (!duty_stale_ || s_.duty == nullptr) co_return result<void>{};
  // Cleared first: a change announced while this read is out is read again.
  duty_stale_ = false;
  auto stored = co_await s_.duty->exceptions();
  if (!stored) {
    duty_stale_ = true;
    co_return stored.error();
  }
  if (*stored == s_.roster->stored()) co_return result<void>{};
  // The roster of the config in use now (a reload swaps both; it keeps the
  // stored exceptions of the roster it replaces).
  s_.roster = std::make_shared<schedule::roster>(*s_.cfg, std::move(*stored));
  log::info("duty.roster_changed", {{"why", "stored exceptions changed"}});
  co_return result<void>{};
}

asio::awaitable<boost::system::result<void>> dispatcher::pass() {
  // A duty change from any replica applies before anything is decided.
  if (auto read = co_await read_duty(); !read) co_return read.error();
  const auto cfg = s_.cfg;
  const auto roster = s_.roster;
  const auto now = caseroute::now();

  // Offers expire on the tick (their timeouts are minutes), not on every
  // kick: a busy feed would otherwise run the script hundreds of times a second.
  if (now >= next_expire_) {
    auto expired = co_await expire(cfg->routing.max_missed_offers, now);
    if (!expired) co_return expired.error();
    next_expire_ = now + std::min<std::chrono::milliseconds>(cfg->routing.tick, std::chrono::milliseconds(250));
  }

  // Who is on duty changes only at the roster's next change (a shift starts
  // or ends) or with another roster: read then (off the loop: ten thousand
  // counselors cost the roster milliseconds), else the last read holds.
  const bool duty_read = roster != duty_roster_ || now < duty_from_ || now >= duty_until_ || !reconciled_;
  if (duty_read) {
    std::set<std::string> duty_ids;
    co_await host::off_loop(&worker_, [&] {
      duty_index_.emplace(*cfg, roster->on_duty(now));
      duty_index_cfg_ = cfg;
      for (const auto& d : duty_index_->on_duty()) duty_ids.insert(d.counselor_id);
    });
    duty_roster_ = roster;
    duty_from_ = now;
    duty_until_ = roster->next_change(now).value_or(now + std::chrono::hours(24));
    duty_slots_new_ = true;
    auto withdrawn = co_await withdraw_if_shift_ended(cfg, roster, std::move(duty_ids), now);
    if (!withdrawn) {
      duty_roster_.reset();  // read and compared with on_duty_ again on the next pass
      co_return withdrawn.error();
    }
  }

  // Everything is read again when the cache may be stale (start, a gap in
  // the feed, the feed not followed, a failed pass) or a reload changed what
  // it holds; now and then in any case. A shift boundary or a duty change
  // changes only who routing may choose: the cache still holds every case
  // and counselor, so the queue is planned again whole without reading it.
  const bool following = s_.feed_following && s_.feed_following();
  const bool full = !cache_valid_ || !following || cfg != cached_cfg_ || now >= next_full_;
  const bool everything = full || duty_read || roster != cached_roster_;
  std::set<std::string> fresh;
  auto read = co_await refresh(full, cfg, now, fresh);
  if (!read) co_return read.error();
  if (full) {
    cached_cfg_ = cfg;
    next_full_ = now + std::chrono::minutes(10);
    cache_valid_ = following;
  }
  cached_roster_ = roster;
  s_.metrics.set("caseroute_counselors_on_duty", {}, static_cast<double>(on_duty_.size()));

  auto escalated = co_await escalate_due(cfg, now, fresh);
  if (!escalated) co_return escalated.error();

  // What to route: every case after a full read or when who is on duty
  // changed; else the cases that changed and, when a counselor changed (a
  // slot may have freed) or on the tick (wrap-ups end, cases age), every
  // case someone on duty could serve.
  const bool servable = read->counselors || now >= next_servable_;
  if (servable) next_servable_ = now + cfg->routing.tick;
  // The router's lists of who is on duty are rebuilt only when the slots or
  // the config changed; each pass reads the counselors' state into them.
  const routing::snapshot* snap = nullptr;
  std::vector<const routing::queued_case*> cases;
  const auto prepare = [&] {
    cases = cache_.to_plan(everything, fresh, servable);
    if (duty_index_cfg_ != cfg) {  // a config swapped without its roster: the same slots
      auto slots = duty_index_->on_duty();
      duty_index_.emplace(*cfg, std::move(slots));
      duty_index_cfg_ = cfg;
    }
    snap = duty_slots_new_ ? &cache_.snapshot(cfg.get(), duty_index_->on_duty()) : &cache_.snapshot(cfg.get());
    duty_slots_new_ = false;
  };
  // The whole queue is 100,000 cases behind a long backlog, and new slots
  // ten thousand counselors to index: off the loop.
  if (everything) {
    co_await host::off_loop(&worker_, prepare);
  } else {
    prepare();
  }
  if (cases.empty()) co_return boost::system::result<void>{};
  // A crisis case goes to every eligible crisis-trained counselor at once.
  routing::plan_options options;
  options.crisis_broadcast = true;
  // Continuity across shifts: a LOW/MEDIUM case may wait for its counselor's next shift.
  options.continuity_roster = roster.get();
  // Whether a case's servable mark is read again: every case when the whole
  // queue is planned (the on-duty set or the rules may have changed), else
  // only what changed; a case that did not change keeps its mark.
  const std::set<std::string>* remark = everything ? nullptr : &fresh;
  const planned decided = co_await plan(cases, *snap, options, remark, now, everything);
  s_.metrics.inc("caseroute_routing_cases_total", {}, static_cast<double>(decided.routed));
  s_.metrics.set("caseroute_queue_unservable", {}, static_cast<double>(cache_.unservable()));
  auto done = co_await apply_all(decided.decisions, now);
  // Only now: the decisions pointed into the cache while they were applied.
  for (const std::string& id : left_queue_) cache_.forget(id);
  left_queue_.clear();
  if (!done) co_return done.error();
  if (done->reroute) kick();
  co_return boost::system::result<void>{};
}

asio::awaitable<dispatcher::result<dispatcher::refreshed>> dispatcher::refresh(
    bool full, std::shared_ptr<const config::config> cfg, time_point now, std::set<std::string>& fresh) {
  if (full) {
    // What the feed named so far, and the cases queued here so far, are in
    // this read: they committed before. What comes from now on is read
    // again by the next pass, so a case that changed after its page was
    // read is not left stale.
    changed_cases_.clear();
    changed_counselors_.clear();
    created_.clear();
    // A page at a time into a new cache, so neither Redis nor the event loop
    // is held for the whole queue; the old cache serves nobody meanwhile
    // (this pass is its only reader).
    auto next = std::make_unique<routing_cache>();
    next->replace(store::routing_state{}, cfg->routing);
    // Freeing 100,000 cached cases takes longer than a pass may hold the
    // loop: the worker frees them, then gives the memory back to the system.
    const auto retire = [this](std::unique_ptr<routing_cache> old) {
      asio::post(worker_, [old = std::move(old)]() mutable {
        old.reset();
        ::malloc_trim(0);
      });
    };
    store::routing_scan at;
    while (!at.done) {
      auto page = co_await s_.store.next_routing_page(at, now, store::routing_lookback::of(cfg->routing));
      if (!page) {
        retire(std::move(next));
        co_return page.error();
      }
      // Parsed on the loop (a page is small), cached off it (a page of
      // cases costs the cache's indexes several milliseconds).
      co_await host::off_loop(&worker_, [&] { next->apply(std::move(page->rows)); });
      at = page->next;
    }
    std::swap(cache_, *next);
    duty_slots_new_ = true;  // the new cache's snapshot has none yet
    retire(std::move(next));
    s_.metrics.inc("caseroute_routing_reads_total", {{"kind", "full"}});
    co_return refreshed{.counselors = true};
  }
  // Cases queued here first: what the feed named since comes after them.
  for (auto& rows : created_) {
    for (auto& id : cache_.apply(store::routing_delta{std::move(rows), {}})) fresh.insert(std::move(id));
  }
  created_.clear();
  if (changed_cases_.empty() && changed_counselors_.empty()) co_return refreshed{};
  // A case the feed says left the queue is dropped without a read; its
  // youth's continuity row is read again when another case of that youth is
  // still queued (who holds the youth's cases changed). The rest are read.
  std::vector<std::string> case_ids;
  std::set<std::string> youths;
  for (auto& [id, named] : changed_cases_) {
    if (named.queued) {
      case_ids.push_back(id);
      continue;
    }
    std::string youth = std::move(named.youth_key);
    if (const auto* cached = cache_.find(id)) {
      if (youth.empty()) youth = cached->youth_ref;
      cache_.forget(id);
    }
    if (!youth.empty()) youths.insert(std::move(youth));
  }
  std::vector<std::string> youth_keys;
  for (const std::string& youth : youths) {
    if (cache_.has_youth(youth)) youth_keys.push_back(youth);
  }
  changed_cases_.clear();
  // With nothing queued and no case named that may be, a counselor's new
  // state (an accept, a resolve) matters to no plan: it is read with the
  // next case the feed names, the counselor staying named until then.
  if (case_ids.empty() && youth_keys.empty() && cache_.queued() == 0) co_return refreshed{};
  std::vector<std::string> counselor_ids(changed_counselors_.begin(), changed_counselors_.end());
  changed_counselors_.clear();
  const bool counselors = !counselor_ids.empty();
  if (case_ids.empty() && youth_keys.empty() && !counselors) co_return refreshed{};
  auto delta = co_await s_.store.load_routing_delta(now, store::routing_lookback::of(cfg->routing), std::move(case_ids),
                                                    std::move(youth_keys), std::move(counselor_ids));
  if (!delta) co_return delta.error();
  for (auto& id : cache_.apply(std::move(*delta))) fresh.insert(std::move(id));
  s_.metrics.inc("caseroute_routing_reads_total", {{"kind", "delta"}});
  co_return refreshed{.counselors = counselors};
}

// The router and the queue order of one plan, and how far deciding got.
struct dispatcher::planning {
  planning(const routing::snapshot& snap, routing::duty_index& duty, routing::plan_options options, time_point now)
      : router(snap, now, duty, options) {}
  routing::router router;
  std::vector<const routing::queued_case*> order;
  planned out;
  std::size_t next = 0;
};

asio::awaitable<dispatcher::planned> dispatcher::plan(const std::vector<const routing::queued_case*>& cases,
                                                      const routing::snapshot& snap, routing::plan_options options,
                                                      const std::set<std::string>* remark, time_point now,
                                                      bool off_loop) {
  std::unique_ptr<planning> p;
  const auto prepare = [&] {
    p = std::make_unique<planning>(snap, *duty_index_, options, now);
    p->order = routing::queue_order(cases, now, snap.cfg->routing);
  };
  if (off_loop) {
    // A whole queue behind ten thousand counselors costs the index, the sort
    // and the cases far more than the loop may be held: the worker plans it
    // while the loop serves requests and the feed, which only note what
    // changed for the next pass and never touch the cache or the snapshot.
    co_await host::off_loop(&worker_, [&] {
      prepare();
      decide(*p, remark, std::nullopt);
    });
    co_return std::move(p->out);
  }
  prepare();
  // A couple of milliseconds at a time, letting requests and the feed in between.
  while (!decide(*p, remark, std::chrono::milliseconds(2))) co_await asio::post(s_.io, asio::use_awaitable);
  co_return std::move(p->out);
}

bool dispatcher::decide(planning& p, const std::set<std::string>* remark,
                        std::optional<std::chrono::steady_clock::duration> budget) {
  const auto started = std::chrono::steady_clock::now();
  for (std::size_t i = p.next; i < p.order.size(); ++i) {
    const routing::queued_case& c = *p.order[i];
    // Once nobody on duty is free, no later case gets an offer: the rest
    // stay queued as they are, only sorted into servable or not (crisis
    // cases come first and are all decided: one nobody can take escalates
    // at once).
    if (c.level != routing::risk::crisis && !p.router.anyone_free()) {
      // Marking is the costly part of a long queue: skip the cases whose
      // mark still holds, so a pass behind a backlog costs what changed.
      if (remark == nullptr || remark->contains(c.id)) cache_.mark(c.id, !p.router.could_serve(c));
    } else {
      routing::decision d = p.router.route_and_count(c);
      ++p.out.routed;
      const auto* kept = std::get_if<routing::keep_queued>(&d);
      if (kept != nullptr) cache_.mark(kept->case_id, kept->nobody_on_duty);
      // A case kept queued needs nothing applied unless it is a crisis that
      // escalates at once: a shift start over a long queue keeps thousands.
      if (kept == nullptr || (c.level == routing::risk::crisis && c.escalation_level == 0))
        p.out.decisions.push_back(std::move(d));
    }
    if (budget && i % 64 == 63 && std::chrono::steady_clock::now() - started > *budget) {
      p.next = i + 1;
      return false;
    }
  }
  p.next = p.order.size();
  return true;
}

asio::awaitable<dispatcher::result<void>> dispatcher::expire(int max_missed_offers, time_point now) {
  auto expired = co_await s_.store.expire_offers(now, max_missed_offers);
  if (!expired) co_return expired.error();
  if (expired->expired > 0) {
    s_.metrics.inc("caseroute_offers_expired_total", {}, expired->expired);
    log::info("offers.expired", {{"count", expired->expired}});
  }
  for (const auto& id : expired->signed_out)
    log::warn("counselor.availability", {{"counselor_id", id}, {"available", false}, {"why", "missed offers"}});
  co_return result<void>{};
}

asio::awaitable<dispatcher::result<void>> dispatcher::withdraw_if_shift_ended(
    std::shared_ptr<const config::config> cfg, std::shared_ptr<const schedule::roster> roster,
    std::set<std::string> duty_ids, time_point now) {
  // A shift ended (someone left the on-duty set) or this replica just started:
  // offers to counselors no longer on duty are withdrawn and routed again.
  const bool someone_left = !std::includes(duty_ids.begin(), duty_ids.end(), on_duty_.begin(), on_duty_.end());
  if (someone_left || !reconciled_) {
    auto withdrawn = co_await withdraw_off_duty_offers(s_.store, cfg, roster, now);
    if (!withdrawn) co_return withdrawn.error();
    if (*withdrawn > 0) log::info("offers.withdrawn", {{"count", *withdrawn}, {"why", "counselor no longer on duty"}});
    reconciled_ = true;
  }
  on_duty_ = std::move(duty_ids);
  co_return result<void>{};
}

asio::awaitable<dispatcher::result<void>> dispatcher::escalate_due(std::shared_ptr<const config::config> cfg,
                                                                   time_point now, std::set<std::string>& fresh) {
  // One level per limit passed since the case was queued, each rise its own
  // event (after an outage a case may be due several at once).
  for (const std::string& id : cache_.due_escalations(now)) {
    const routing::queued_case* c = cache_.find(id);
    if (c == nullptr) continue;
    const routing::risk level_risk = c->level;
    const int from = c->escalation_level;
    const int due = routing::due_escalation_level(*c, now, cfg->routing);
    for (int level = from + 1; level <= due; ++level) {
      auto rose = co_await s_.store.escalate(id, level, now);
      if (!rose) co_return rose.error();
      if (*rose) {
        s_.metrics.inc("caseroute_escalations_total", {{"risk", v1::Risk_Name(static_cast<v1::Risk>(level_risk))}});
        log::warn("case.escalated", {{"case_id", id}, {"escalation_level", level}});
      }
    }
    cache_.escalated(id, due);
    fresh.insert(id);
  }
  co_return result<void>{};
}

asio::awaitable<dispatcher::result<dispatcher::applied>> dispatcher::apply_all(
    const std::vector<routing::decision>& decisions, time_point now) {
  // The decisions of one pass never contend (the router counted every slot
  // it filled), so they go to Redis together, a window at a time: a pass
  // costs one round trip, not one per case. A decision that did conflict
  // with another replica or a request is refused by its script and left to
  // the next pass, as before.
  constexpr std::size_t window = 64;
  applied all;
  std::optional<boost::system::error_code> failed;
  std::exception_ptr thrown;
  for (std::size_t first = 0; first < decisions.size() && !failed && !thrown; first += window) {
    const std::size_t last = std::min(decisions.size(), first + window);
    std::size_t pending = last - first;
    asio::steady_timer all_done(s_.io, asio::steady_timer::time_point::max());
    for (std::size_t i = first; i < last; ++i) {
      // The case is in the cache: this pass planned it, and only the pass changes the cache.
      auto apply_one = [this, now](const auto& kind) { return apply(kind, cache_.find(kind.case_id), now); };
      asio::co_spawn(s_.io, std::visit(apply_one, decisions[i]), [&](std::exception_ptr e, result<applied> done) {
        if (e && !thrown) thrown = e;
        if (!e && !done && !failed) failed = done.error();
        if (!e && done) all.reroute = all.reroute || done->reroute;
        if (--pending == 0) all_done.cancel();
      });
    }
    // The children point into this frame: it outlives every one of them.
    while (pending > 0) co_await all_done.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  if (thrown) std::rethrow_exception(thrown);
  if (failed) co_return *failed;
  co_return all;
}

void dispatcher::made(const std::string& case_id, const store::offers_made& o) {
  const auto at = live::stream_id::parse(o.feed_id);
  if (!at) return;  // (an older script's answer): the feed names and wakes them
  // Not noted once the feed reader passed the entry (it named the case then).
  ahead_.note(case_id, *at, feed_at_);
  if (s_.offered) s_.offered(o.counselors, *at);
}

asio::awaitable<dispatcher::result<dispatcher::applied>> dispatcher::apply(routing::offer o,
                                                                           const routing::queued_case* c,
                                                                           time_point now) {
  const auto cfg = s_.cfg;
  const auto* counselor = cfg->find_counselor(o.counselor_id);
  if (counselor == nullptr) co_return applied{};
  store::offer_request req;
  req.case_id = o.case_id;
  req.counselor_id = o.counselor_id;
  req.site_id = o.site_id;
  req.rule = routing::to_string(o.chosen_by);
  req.actor = "system";
  req.capacity = counselor->capacity;
  req.now = now;
  req.expires_at = now + routing::offer_timeout(c->level, cfg->routing);
  req.ignore_exclusion = o.relaxed_rule5;
  req.note = o.note;
  auto r = co_await s_.store.offer(req);
  if (!r) {
    if (r.error() == store::error::unavailable) co_return r.error();
    // Another replica or a request changed the case or the counselor first;
    // the next pass sees the new state.
    s_.metrics.inc("caseroute_offer_conflicts_total");
    co_return applied{};
  }
  left_queue_.push_back(req.case_id);
  made(req.case_id, *r);
  s_.metrics.inc("caseroute_offers_total", {{"rule", req.rule}});
  s_.metrics.observe("caseroute_referral_to_offer_seconds", {},
                     std::chrono::duration<double>(now - c->created_at).count());
  log::info(
      "case.offered",
      {{"case_id", req.case_id}, {"counselor_id", req.counselor_id}, {"site_id", req.site_id}, {"rule", req.rule}});
  co_return applied{};
}

asio::awaitable<dispatcher::result<dispatcher::applied>> dispatcher::apply(routing::keep_queued,
                                                                           const routing::queued_case* c,
                                                                           time_point now) {
  // A crisis case with no eligible counselor escalates at once: level 1
  // relaxes rule 2 for the next pass (plan passes on no other).
  if (c->level != routing::risk::crisis || c->escalation_level != 0) co_return applied{};
  auto rose = co_await s_.store.escalate(c->id, 1, now);
  if (!rose) co_return rose.error();
  if (!*rose) co_return applied{};
  s_.metrics.inc("caseroute_escalations_total", {{"risk", "RISK_CRISIS"}});
  log::warn("case.escalated", {{"case_id", c->id}, {"escalation_level", 1}, {"why", "no eligible counselor"}});
  co_return applied{.reroute = true};
}

asio::awaitable<dispatcher::result<dispatcher::applied>> dispatcher::apply(routing::broadcast b,
                                                                           const routing::queued_case* c,
                                                                           time_point now) {
  const auto cfg = s_.cfg;
  store::broadcast_request req;
  req.case_id = b.case_id;
  req.now = now;
  req.expires_at = now + routing::offer_timeout(c->level, cfg->routing);
  if (!b.offers.empty()) req.note = b.offers.front().note;  // the same for every offer of the case
  for (const auto& o : b.offers) {
    const auto* counselor = cfg->find_counselor(o.counselor_id);
    if (counselor == nullptr) continue;
    req.targets.push_back({o.counselor_id, o.site_id, counselor->capacity, o.relaxed_rule5});
  }
  if (req.targets.empty()) co_return applied{};
  auto r = co_await s_.store.broadcast(req);
  if (!r) {
    if (r.error() == store::error::unavailable) co_return r.error();
    s_.metrics.inc("caseroute_offer_conflicts_total");
    co_return applied{};
  }
  left_queue_.push_back(req.case_id);
  made(req.case_id, *r);
  s_.metrics.inc("caseroute_offers_total", {{"rule", "broadcast"}}, static_cast<double>(r->counselors.size()));
  s_.metrics.observe("caseroute_referral_to_offer_seconds", {},
                     std::chrono::duration<double>(now - c->created_at).count());
  log::info("case.broadcast", {{"case_id", req.case_id}, {"offers", static_cast<int>(r->counselors.size())}});
  co_return applied{};
}

asio::awaitable<dispatcher::result<dispatcher::applied>> dispatcher::apply(routing::wait_for_counselor w,
                                                                           const routing::queued_case* c,
                                                                           time_point now) {
  // The case stays queued for its continuity counselor. Every pass decides
  // the wait again; the store records it (event case.waiting) only once.
  auto recorded = co_await s_.store.record_wait(w.case_id, w.counselor_id, w.until, w.reason, now);
  if (!recorded) {
    if (recorded.error() == store::error::unavailable) co_return recorded.error();
    co_return applied{};  // offered or cancelled meanwhile: the next pass sees it
  }
  if (*recorded) {
    s_.metrics.inc("caseroute_continuity_waits_total");
    log::info("case.waiting",
              {{"case_id", w.case_id},
               {"counselor_id", w.counselor_id},
               {"risk", v1::Risk_Name(static_cast<v1::Risk>(c->level))},
               {"until_ms",
                static_cast<std::int64_t>(
                    std::chrono::time_point_cast<std::chrono::milliseconds>(w.until).time_since_epoch().count())}});
  }
  co_return applied{};
}

}  // namespace caseroute::dispatch
