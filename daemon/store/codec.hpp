// Conversions between Redis values and protobuf messages for case_store:
// times as integer milliseconds, events, the case hash, script statuses.
// Internal to store/; no I/O here.
#pragma once

#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "caseroute/v1/caseroute.pb.h"
#include "routing/routing.hpp"
#include "schedule/time.hpp"
#include "store/crypto.hpp"
#include "store/redis_connection.hpp"

namespace caseroute::store::codec {

std::int64_t to_ms(time_point t);
time_point from_ms(std::int64_t ms);
std::string ms_string(time_point t);
void set_time(google::protobuf::Timestamp* ts, std::int64_t ms);
std::int64_t timestamp_ms(const google::protobuf::Timestamp& ts);

// Deterministic protobuf bytes (stable map order), for digests and storage.
std::string serialize(const google::protobuf::MessageLite& m);
// SHA-256 of the referral's deterministic bytes, raw 32 bytes: kept only
// inside the seal (PersonalData), never beside it.
std::string referral_digest(const v1::Referral& r);
// The age band an offer shows ("<12", "12-14", "15-17", "18+"; "" without an age).
std::string age_band(const v1::Youth& y);

// A new case id: 26 characters of Crockford base32 (48-bit time, 80 random
// bits), so ids sort by creation time and never collide in practice.
std::string new_case_id(time_point now);

// An event with the fields every event has.
v1::Event make_event(std::string_view type, std::string_view actor, std::string_view case_id, time_point at,
                     v1::CaseState state);

using hash_fields = std::map<std::string, std::string>;
// A flat HGETALL reply (field, value, field, value, ...).
hash_fields to_fields(const reply& r);

// The keys that open a case's sealed fields, from its hash field "key".
boost::system::result<case_keys> keys_of(const hash_fields& h, const sealer& seal);

// Builds the case view from its hash. Sealed data (contact, summary, youth,
// groups) is opened only when `personal` is given; failures there (or an
// unparsable record) are bad_record.
boost::system::result<v1::Case> to_case(const hash_fields& h, const case_keys* personal);

// The router's row of a queued case from its record (what routing reads in
// clear), its keyed youth ref and the case hash's escalation level and
// exclusions (escalation and the excluded set are not in the record).
routing::queued_case queued_case_of(const v1::CaseRecord& rec, std::string id, std::string youth_ref, int escalation,
                                    std::set<std::string> excluded);

// The routing reads' continuity rows ({youth ref, {counselor ids}}, as
// common.lua's continuity_rows answers) into `out`; a later row of a ref
// replaces an earlier one. false when a row is malformed.
bool read_continuity_rows(const reply& rows, std::map<std::string, std::set<std::string>>& out);

// The sealed part of a record: opened, or for a record without one, empty.
boost::system::result<v1::PersonalData> open_personal(const v1::CaseRecord& rec, const case_keys& keys);

// The first element of a script's answer: "ok" -> success; "err" with a
// reason -> the matching error; "retry" -> error::wrong_state with retry set.
struct script_status {
  std::string head;  // "ok", "err", "retry", "dup"
  bool ok = false;
  bool retry = false;
  std::string reason;  // for "err" and "dup"
  boost::system::error_code error() const;
};
script_status read_status(const reply& r);

}  // namespace caseroute::store::codec
