// Every Redis key name caseroute uses, built in one place: one hash tag per
// city (so a Redis Cluster keeps a city's keys in one slot) and a schema
// version. The only other speller is keys_from() in lua/common.lua, for the
// keys a script builds from ids it learns inside (a broadcast's counselors,
// a listing's cases); a store test checks that both spell them alike.
#pragma once

#include <string>
#include <string_view>

#include "schedule/time.hpp"

namespace date {
class time_zone;
}

namespace caseroute::store {

// Key layout (P = the configured key_prefix, e.g. "cr:sanmenxia"; every key
// starts with "{P}:v1:"). Times are integer milliseconds since the epoch.
//
//   case:<id>                 hash   state, risk, created, received, escalation,
//                                    record (CaseRecord bytes; all but the routing
//                                    facts sealed), key (the case's data key, wrapped
//                                    by the master key: deleting it shreds the case),
//                                    platform, referral, youth (the keyed youth ref),
//                                    concern (primary), counselor, site, offered,
//                                    offer_expires, accepted, resolved, cancelled,
//                                    outcome; cases stored before per-case keys have
//                                    no key and a digest (hex SHA-256 of the referral)
//   case:<id>:history         list   binary Event messages, oldest first
//   case:<id>:excluded        set    counselor ids who declined, let an offer
//                                    expire or released the case (rule 5)
//   referral:<platform>:<rid> string case id (idempotency key)
//   queue                     zset   queued case ids, score = created ms
//   offers                    zset   offered case ids, score = offer expiry ms
//   cases                     zset   every case id, score = created ms (listing)
//   open                      set    case ids in QUEUED, OFFERED or ACTIVE
//   stats                     hash   created, resolved, cancelled counters
//   counselor:<id>            hash   available (0/1), available_at (ms), last_offer (ms),
//                                    missed_offers (consecutive expired offers)
//   counselor:<id>:cases      set    the counselor's offered + active case ids (load)
//   counselors                set    counselor ids with live state
//   youth:<key>               zset   counselor id -> ms of their last resolution
//                                    for this youth (continuity); <key> is the hex
//                                    HMAC-SHA256 of the youth ref under the pseudonym key
//   youth_open:<key>          set    the youth's case ids in QUEUED, OFFERED or ACTIVE (routing_delta
//                                    reads who holds them); kept by the scripts that open, close, purge
//                                    or rekey a case, backfilled at start (youth_index.lua). Not
//                                    "youth:<key>:open": key rotation renames what matches youth:*
//   keyring                   hash   pseudonym -> the pseudonym key, wrapped by the
//                                    master key (crypto.hpp; caseroute key rotate rewraps it)
//   closed                    zset   resolved and cancelled case ids, score = closed ms
//                                    (retention purges them; purge.lua)
//   report:<yyyy-mm-dd>       hash   the day's anonymous report counters (local day in the
//                                    configured time zone; lua/common.lua tally()): fields
//                                    "<metric>|<dim>=<value>|...", never an id of a case or
//                                    youth; kept past retention (docs/ARCHITECTURE.md, "Reports")
//   stats:<yyyy-mm>           hash   anonymous counts of purged cases by close month
//                                    (UTC): "state:", "risk:", "outcome:", "concern:",
//                                    "platform:", "county:", "mode:" + value; no ids
//   outbox:<case>             list   binary StatusCallback messages not yet
//                                    acknowledged by the platform, oldest first
//   outbox_due                zset   case ids with callbacks to send, score = ms
//                                    when the head is next due (backoff)
//   outbox_lease:<case>       string replica id delivering the case's head (PX)
//   outbox_attempts           hash   case id -> failed attempts of its head;
//                                    "<case>:error" -> the last error
//   callbacks_parked          list   binary ParkedCallback messages (given up)
//   feed                      stream the city's change feed: field "e" = an Event (as in a
//                                    history, with the case's risk and concerns stamped);
//                                    every replica follows it; retention trims it
//   audit                     stream who opened minors' sealed data: fields principal, case,
//                                    fields, remote, request (audit/trail.hpp); append-only,
//                                    retention trims it by age (privacy.audit_retention)
//   duty:exceptions           hash   "<site>|<YYYY-MM-DD>" -> DutyShifts bytes: the dated
//                                    exceptions supervisors stored (duty_store.hpp)
//   duty:changes              stream field "c" = a DutyChange (who, when, before/after) per
//                                    stored exception or availability a supervisor set;
//                                    append-only, never trimmed
//   session:<digest>          hash   a console session (api/session.hpp), <digest> = hex SHA-256
//                                    of the cookie's value: role, id, fp (token fingerprint), csrf,
//                                    created, expires (ms); PEXPIRE = its idle or absolute end
//   sessions:<person>         set    the session digests of a person id (revocation)
//   signin:<digest>           string a one-time sign-in code's person ("<role>:<id>:<fp>"),
//                                    <digest> = hex SHA-256 of the code; PX 15 min, GETDEL
class keys {
 public:
  // time_zone: the IANA zone whose local days name the report keys (the
  // config's timezone); throws std::invalid_argument when unknown.
  explicit keys(std::string prefix, const std::string& time_zone = "UTC");

  // "{P}:v1:", the start of every key (scripts build keys from it with
  // keys_from() in lua/common.lua).
  const std::string& base() const { return base_; }

  std::string case_hash(std::string_view case_id) const;
  std::string history(std::string_view case_id) const;
  std::string excluded(std::string_view case_id) const;
  std::string referral(std::string_view platform_id, std::string_view referral_id) const;
  std::string queue() const;
  std::string offers() const;
  std::string cases() const;
  std::string open() const;
  std::string stats() const;
  std::string counselor(std::string_view counselor_id) const;
  std::string counselor_cases(std::string_view counselor_id) const;
  std::string counselor_crisis(std::string_view counselor_id) const;
  std::string counselors() const;
  // youth_key: the keyed youth ref (case_store), never the ref itself.
  std::string youth(std::string_view youth_key) const;
  // The youth's open cases (youth_key as for youth()).
  std::string youth_open(std::string_view youth_key) const;
  std::string keyring() const;
  // Status callbacks (intake/callbacks.*, store/outbox.*).
  std::string outbox(std::string_view case_id) const;
  std::string outbox_due() const;
  std::string outbox_lease(std::string_view case_id) const;
  std::string outbox_attempts() const;
  std::string callbacks_parked() const;
  // The change feed (live/feed.hpp follows it).
  std::string feed() const;
  // The access log of sealed data (audit/trail.hpp writes and reads it).
  std::string audit() const;
  // Duty changes by supervisors (duty_store.hpp).
  std::string duty_exceptions() const;
  std::string duty_changes() const;
  std::string closed() const;
  // Console sessions and one-time sign-in codes (api/session.hpp): digests, never the secrets.
  std::string session(std::string_view digest) const;
  std::string person_sessions(std::string_view person_id) const;
  std::string signin_code(std::string_view digest) const;
  std::string stats_month(std::string_view yyyy_mm) const;
  // The report hash of one local day ("YYYY-MM-DD"), and the local day of an instant.
  std::string report(std::string_view day) const;
  std::string report_day(time_point at) const;

 private:
  std::string base_;
  const date::time_zone* zone_;
};

}  // namespace caseroute::store
