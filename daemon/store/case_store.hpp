// Cases, offers and their history in Redis. Every state change is one atomic
// Lua script that checks the expected state, applies the change and appends
// the event to the case's history, so replicas racing cannot both win.
// Everything but the routing facts is sealed (AES-256-GCM, a data key per
// case wrapped by the master key; crypto.hpp) before it leaves this class.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "caseroute/v1/caseroute.pb.h"
#include "routing/routing.hpp"
#include "schedule/time.hpp"
#include "store/crypto.hpp"
#include "store/errors.hpp"
#include "store/key_cache.hpp"
#include "store/keys.hpp"
#include "store/outbox.hpp"
#include "store/redis_connection.hpp"

namespace caseroute::store {

template <class T>
using result = boost::system::result<T>;
namespace asio = boost::asio;

// Which parts of a case a viewer may see.
struct view_options {
  bool personal = false;  // contact, summary, youth and groups (the case's counselor, supervisors)
  bool history = false;   // the event history with the reasons people typed (supervisors)
};

// The queue as GET /metrics needs it: counts and ages, no case read.
struct queue_gauges {
  std::map<std::string, std::int64_t> by_state;     // CaseState name -> cases (closed ones from the lifetime counters)
  std::map<std::string, std::int64_t> by_risk;      // Risk name -> open cases
  std::map<std::string, double> oldest_queued;      // Risk name -> seconds since the oldest queued case was created
  std::map<std::string, double> oldest_unaccepted;  // the same over queued and offered cases
  // Risk name -> queued or offered cases escalated at least once: unaccepted
  // past the first escalation limit of their risk.
  std::map<std::string, std::int64_t> over_escalation_limit;
};

// The open cases summed and the reads in flight (case_store_queue.cpp).
struct queue_facts;
struct queue_reads;
struct counselor_read;

struct case_filter {
  std::optional<v1::CaseState> state;
  std::optional<v1::Risk> risk;
  int limit = 50;      // 1..500
  std::string cursor;  // opaque, from a previous page's next_cursor
};

// What the router needs, read in one round trip.
struct routing_state {
  std::vector<routing::queued_case> queued;
  std::map<std::string, routing::counselor_status> counselors;  // every counselor with live state
  // counselor id -> when they accepted each RISK_CRISIS case in the last 24 h
  // (the dispatcher counts those within the counselor's current shift).
  std::map<std::string, std::vector<time_point>> crisis_accepted;
  std::map<std::string, std::set<std::string>> continuity;  // youth ref -> counselor ids
};

// What changed for the router among the cases and counselors the change feed
// named (routing_delta.lua): `changed` holds the named cases still queued,
// every named counselor, and who counts for each named case's youth.
struct routing_delta {
  routing_state changed;
  std::vector<std::string> gone;  // named cases no longer queued
};

// How far back a routing read looks: the continuity window, and whether it
// reads each counselor's crisis acceptances of the last 24 h (the longest
// shift). Only the welfare limit routing.max_crisis_per_shift counts those,
// so with the limit off none are read, however many a counselor has taken.
struct routing_lookback {
  std::chrono::hours continuity_window{0};
  bool crisis_acceptances = true;

  static routing_lookback of(const config::routing_settings& routing) {
    return {routing.continuity_window(), routing.max_crisis_per_shift > 0};
  }
  // The start of the continuity window at `now`: resolutions since count.
  time_point continuity_since(time_point now) const {
    return now - std::chrono::duration_cast<std::chrono::milliseconds>(continuity_window);
  }
};

// What create did. A new case created with a routing lookback also carries
// the router's rows of it: the case (from the record it wrote) and who
// counts for its youth, as a delta read would answer them at that moment,
// and the feed id of its case.created entry. The replica that queued it
// routes it from these without reading it back.
struct created {
  std::string case_id;
  v1::CaseState state = v1::CASE_QUEUED;
  bool duplicate = false;
  std::optional<routing_state> routing = {};
  std::string feed_id = {};
};

// Where a full read in pages stands (case_store::next_routing_page): the
// queued cases first, then the counselors with live state, each walked with
// a Redis SCAN cursor.
struct routing_scan {
  std::string cursor = "0";
  bool counselors = false;  // the queue is done: counselors now
  bool done = false;
};

// One page of a full read: routing_delta's rows for the cases or counselors
// SCAN named, and where the next page starts.
struct routing_page {
  routing_delta rows;
  routing_scan next;
};

// The router's snapshot from a routing state (its maps are moved out) and
// who is on duty now; each counselor's RISK_CRISIS acceptances count from the
// start of their current shift (routing.max_crisis_per_shift).
routing::snapshot to_snapshot(routing_state& state, const config::config* cfg,
                              std::vector<schedule::duty_slot> on_duty);

// What expire_offers did.
struct expiry {
  int expired = 0;
  std::vector<std::string> signed_out;  // counselors signed out after missed offers
};

struct offer_request {
  std::string case_id;
  std::string counselor_id;
  std::string site_id;
  std::string rule;   // routing::to_string(rule) or "assigned"
  std::string actor;  // "system" or "supervisor:<id>"
  int capacity = 3;   // checked atomically against the counselor's open cases
  time_point now{};
  time_point expires_at{};
  bool ignore_exclusion = false;  // rule 5 relaxed / supervisor assignment
  std::string note;               // for the case.offered event (routing::offer::note)
};

// A crisis case offered at once to several counselors (a broadcast).
struct broadcast_target {
  std::string counselor_id;
  std::string site_id;
  int capacity = 3;               // checked atomically against their open cases
  bool ignore_exclusion = false;  // rule 5 relaxed: nobody else was eligible
};

struct broadcast_request {
  std::string case_id;
  std::vector<broadcast_target> targets;
  time_point now{};
  time_point expires_at{};
  std::string note;  // for each case.offered event (routing::offer::note)
};

// What an offer or a broadcast did: who holds an offer of the case now, and
// the feed id of the last event its script appended (a replica wakes those
// counselors' long polls from it, before its feed reader reaches the entry).
struct offers_made {
  std::vector<std::string> counselors;
  std::string feed_id;
};

// Who reads the answer to an accept, so the script records the read in the
// audit stream with the accept (audit/trail.hpp's entry); empty principal:
// the caller records it.
struct read_by {
  std::string principal;  // "<role>:<id>"
  std::string remote;
  std::string request_id;
};

// An accepted case and the audit entry its script wrote for the read: the
// entry's id and the sealed fields it names ("" and "" when none was
// written: a case made before its sealed parts were kept, or no reader).
struct accepted_read {
  v1::Case c;
  std::string audit_id;
  std::string fields;
};

// What case_store::index_youth_cases did.
struct youth_backfill {
  std::int64_t open_with_ref = 0;  // open cases that have a youth ref
  std::int64_t added = 0;          // of those, indexed now (had no entry)
};

// Refuses a Redis that may evict keys: maxmemory-policy must be noeviction
// (CONFIG GET, or INFO memory when CONFIG is renamed). Fails with
// error::bad_config and logs the policy found; error::unavailable when down.
asio::awaitable<result<void>> check_server(redis_connection& redis);

// Lives as long as app; all calls on the io_context thread. Awaitables take
// their arguments by value: a coroutine may outlive what a reference names.
class case_store {
 public:
  case_store(redis_connection& redis, keys k, sealer seal);

  // True while the Redis link is up and usable.
  bool connected() const { return redis_.connected(); }
  // The change feed's key (live/feed.hpp reads it).
  std::string feed_key() const { return keys_.feed(); }

  // A youth ref as Redis and the router name it: hex HMAC-SHA256 under the
  // city's pseudonym key ("" for ""). Continuity compares these.
  asio::awaitable<result<std::string>> youth_key(std::string youth_ref);

  // Loads the Lua scripts (FUNCTION LOAD) and the pseudonym key (made on first
  // use); run after every (re)connection. error::bad_config when the keyring
  // was wrapped by a master key that is not configured (logged).
  asio::awaitable<result<void>> prepare();

  // Adds every open case with a youth ref to its youth's open cases
  // (keys::youth_open, lua/youth_index.lua): cases opened before that index
  // existed have no entry. Idempotent; the daemon runs it once at start,
  // before its first routing pass.
  asio::awaitable<result<youth_backfill>> index_youth_cases();

  // Which platforms get status callbacks: each transition of their cases
  // appends a StatusCallback to the case's outbox in the same script.
  void set_callback_filter(callback_filter f) { callbacks_ = std::move(f); }
  // How long a case's wrapped data key, once read or written here, is used
  // from memory (key_cache.hpp): the app keeps it under the case retention.
  void keep_wrapped_keys_for(std::chrono::steady_clock::duration age) { wrapped_keys_.set_max_age(age); }

  // Creates a case for a validated referral, or finds the one already made for
  // (platform, referral_id): duplicate=true when the content is the same,
  // error::referral_conflict when it differs. With `routed` (the lookback of
  // the routing settings in use), a new case's answer carries its routing rows.
  asio::awaitable<result<created>> create(v1::Referral referral, std::string platform_id, time_point now,
                                          std::optional<routing_lookback> routed = std::nullopt);

  asio::awaitable<result<v1::Case>> get(std::string case_id, view_options view);
  asio::awaitable<result<std::string>> find_referral(std::string platform_id, std::string referral_id);

  // CASE_QUEUED -> CASE_OFFERED (also withdraws an open offer to someone else
  // when actor is a supervisor). Fails with wrong_state (also when the
  // counselor is excluded and !ignore_exclusion), at_capacity, not_found.
  asio::awaitable<result<offers_made>> offer(offer_request r);
  // CASE_QUEUED -> CASE_OFFERED to every target at once (a crisis
  // broadcast): targets excluded (unless allowed) or at capacity are skipped;
  // the others each hold an open offer until one accepts. Returns the
  // counselors offered; at_capacity when none could be, wrong_state.
  asio::awaitable<result<offers_made>> broadcast(broadcast_request r);
  // CASE_OFFERED -> CASE_ACTIVE for the offered counselor before expiry. A late
  // accept expires the offer (offer_expired); a repeated accept by the owner
  // succeeds without a second event. The first accept of a broadcast wins and
  // withdraws its other offers (their accept then fails with not_yours).
  // Returns the case with personal data.
  asio::awaitable<result<v1::Case>> accept(std::string case_id, std::string counselor_id, time_point now);
  // The same, recording `reader`'s read of the answer in the same script.
  asio::awaitable<result<accepted_read>> accept(std::string case_id, std::string counselor_id, time_point now,
                                                read_by reader);
  // Reasons people type (decline, release, cancel) are sealed like resolve
  // notes and open only in views with history.
  // CASE_OFFERED -> CASE_QUEUED; the counselor is excluded (rule 5). One
  // offer of a broadcast: the case stays offered to the others, if any.
  asio::awaitable<result<void>> decline(std::string case_id, std::string counselor_id, std::string reason,
                                        time_point now);
  // CASE_ACTIVE -> CASE_RESOLVED; records continuity for the youth ref. A
  // repeated resolve by the owner succeeds without a second event.
  asio::awaitable<result<v1::Case>> resolve(std::string case_id, std::string counselor_id, v1::Outcome outcome,
                                            std::string note, time_point now);
  // CASE_ACTIVE -> CASE_QUEUED.
  asio::awaitable<result<void>> release(std::string case_id, std::string counselor_id, std::string reason,
                                        time_point now);
  // Any non-final state -> CASE_CANCELLED.
  asio::awaitable<result<v1::Case>> cancel(std::string case_id, std::string actor, std::string reason, time_point now);
  // Raises escalation_level to `level` if it is lower (event case.escalated).
  asio::awaitable<result<bool>> escalate(std::string case_id, int level, time_point now);
  // CASE_QUEUED or CASE_OFFERED: the case's risk becomes `risk` (event
  // case.reprioritised by `actor`, carrying the new risk; the reason sealed).
  // true when it changed, false when the case had that risk already; fails
  // with wrong_state for an active or closed case, not_found.
  asio::awaitable<result<bool>> reprioritise(std::string case_id, v1::Risk risk, std::string actor, std::string reason,
                                             time_point now);
  // Expires every offer whose time has passed; counts each as a missed offer
  // of its counselor, who is signed out at max_missed_offers consecutive ones
  // (0 = no limit) until they sign in again.
  asio::awaitable<result<expiry>> expire_offers(time_point now, int max_missed_offers = 0);
  // CASE_OFFERED -> CASE_QUEUED when the counselor left the roster (event
  // case.offer_withdrawn); unlike decline, the counselor is not excluded.
  // Fails with wrong_state when the case is no longer offered, not_yours when
  // it is offered to someone else now, not_found.
  asio::awaitable<result<void>> withdraw(std::string case_id, std::string counselor_id, std::string reason,
                                         time_point now);

  asio::awaitable<result<void>> set_availability(std::string counselor_id, bool available, time_point now);

  // Retention: purges up to `batch` resolved or cancelled cases closed at or
  // before `cutoff` (case, history, exclusions, referral key, index entries),
  // counting each in the anonymous stats:<yyyy-mm> hash of its close month,
  // and trims the youth's continuity entries older than continuity_cutoff.
  // Returns how many were purged; fewer than `batch` means none are left.
  asio::awaitable<result<int>> purge_closed(time_point cutoff, int batch, time_point continuity_cutoff = {});

  // Trims the change feed to about its newest `max_length` entries.
  asio::awaitable<result<void>> trim_feed(std::uint64_t max_length);

  // `only_case`: every queued case when absent (a routing pass), that one
  // case if it is queued (explaining it), none when "" (counselor states
  // only): a supervisor request does not read the whole queue.
  asio::awaitable<result<routing_state>> load_routing_state(time_point now, routing_lookback lookback,
                                                            std::optional<std::string> only_case = std::nullopt);
  // The live states of the named counselors only (a counselor's own page,
  // an assignment): one row each, however many counselors there are. No
  // continuity row: lookback's window is not used.
  asio::awaitable<result<routing_state>> load_counselor_states(time_point now, routing_lookback lookback,
                                                               std::vector<std::string> counselor_ids);
  // The same rows for the named cases and counselors only: the dispatcher's
  // cache follows the change feed with it instead of reading the queue.
  // youth_keys: youths whose continuity row is read again although none of
  // their cases is named (one of them left the queue).
  asio::awaitable<result<routing_delta>> load_routing_delta(time_point now, routing_lookback lookback,
                                                            std::vector<std::string> case_ids,
                                                            std::vector<std::string> youth_keys,
                                                            std::vector<std::string> counselor_ids);
  // A full read of what load_routing_state reads, in pages of about `count`
  // cases or counselors, each costing Redis and the event loop a few
  // milliseconds however long the queue. Start from routing_scan{} and call
  // again with `next` until it is done. Not one instant: SCAN returns every
  // case queued and every counselor with state throughout the read (some
  // twice); what changes meanwhile, the change feed names.
  asio::awaitable<result<routing_page>> next_routing_page(routing_scan at, time_point now, routing_lookback lookback,
                                                          std::size_t count = 512);
  // Every open offer as {case id, counselor id} (one per counselor of a
  // broadcast), oldest expiry first.
  asio::awaitable<result<std::vector<std::pair<std::string, std::string>>>> offered_cases();
  // The counselor's offered and active cases, with their personal data when
  // view.personal (a list that shows none, such as offers without their
  // summary, opens no sealed data). Calls made in one turn of the event loop
  // (the long polls a crisis broadcast wakes) share one read, sent after
  // the last of them: each case is read and opened once for all of them.
  asio::awaitable<result<std::vector<v1::Case>>> counselor_cases(std::string counselor_id,
                                                                 view_options view = {.personal = true});
  // Newest first, without personal data or history. A cursor that is not
  // ours fails with not_found.
  asio::awaitable<result<v1::CaseList>> list(case_filter f);
  // Counts for GET /v1/queue (state, risk, site, concern, oldest wait, escalated).
  asio::awaitable<result<v1::QueueView>> queue_view(time_point now);
  // Counts and the oldest waits by risk for GET /metrics: the queue view's
  // read alone (no escalated case is opened). Every state and risk is present.
  asio::awaitable<result<queue_gauges>> queue_gauges_at(time_point now);
  // Both read the open cases a slice at a time (case_store_queue.cpp): each
  // call holds Redis and the event loop for about `cases` cases at most.
  // Calls made while a read runs share the next one. Tests force small slices.
  void set_queue_slice(std::size_t cases) { queue_slice_ = cases == 0 ? 1 : cases; }

  // Continuity across shifts: records once that a CASE_QUEUED case waits for
  // `counselor_id` until `until` (case field waiting_for, event case.waiting
  // with the reason; the case stays queued). true when recorded now, false
  // when this wait was already recorded; wrong_state when not queued.
  asio::awaitable<result<bool>> record_wait(std::string case_id, std::string counselor_id, time_point until,
                                            std::string reason, time_point now);

 private:
  // The key that names youth refs (keyring "pseudonym"), cached after the first read.
  asio::awaitable<result<data_key>> pseudonym_key();
  // The case's keys, from the wrapped key this replica holds for it, else
  // read (and then held).
  asio::awaitable<result<case_keys>> keys_of_case(std::string case_id);
  // The view get() answers, from a case's hash (a flat HGETALL, as
  // read_case.lua and the scripts that answer the case return it) and its
  // history events (an array; may be empty). not_found for an empty hash.
  result<v1::Case> to_view(const reply& fields, const reply& history, view_options view) const;
  // "" for an empty reason.
  asio::awaitable<result<std::string>> seal_reason(std::string case_id, std::string reason);
  // The open cases summed, shared by concurrent callers (case_store_queue.cpp).
  asio::awaitable<result<queue_facts>> read_queue();
  asio::awaitable<result<queue_facts>> scan_queue();
  asio::awaitable<void> run_queue_reads(std::shared_ptr<queue_reads> reads);
  // The counselors' cases read together (case_store_reads.cpp).
  asio::awaitable<void> run_counselor_read(std::shared_ptr<counselor_read> read, view_options view);

  redis_connection& redis_;
  keys keys_;
  sealer seal_;
  std::optional<data_key> pseudonym_;
  callback_filter callbacks_;
  // Wrapped data keys of cases created, accepted or sealed for here lately:
  // a resolve note or a reason is then sealed without reading the key first.
  wrapped_key_cache wrapped_keys_{8192, std::chrono::minutes(10)};
  std::size_t queue_slice_ = 500;
  std::shared_ptr<queue_reads> queue_reads_;
  // The read of counselors' cases that callers still join, by view.personal
  // (null: none; a read leaves this once it is sent).
  std::shared_ptr<counselor_read> counselor_reads_[2];
};

}  // namespace caseroute::store
