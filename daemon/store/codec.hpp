// Conversions between Redis values and protobuf messages for case_store:
// times as integer milliseconds, events, the case hash, script statuses.
// Internal to store/; no I/O here.
#pragma once

#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "schedule/time.hpp"
#include "caseroute/v1/caseroute.pb.h"
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
// SHA-256 of the referral's deterministic bytes, raw 32 bytes.
std::string referral_digest(const v1::Referral& r);

// A new case id: 26 characters of Crockford base32 (48-bit time, 80 random
// bits), so ids sort by creation time and never collide in practice.
std::string new_case_id(time_point now);

// An event with the fields every event has.
v1::Event make_event(std::string_view type, std::string_view actor, std::string_view case_id, time_point at,
                     v1::CaseState state);

using hash_fields = std::map<std::string, std::string>;
// A flat HGETALL reply (field, value, field, value, ...).
hash_fields to_fields(const reply& r);

// Builds the case view from its hash. Personal data is opened only when
// `personal` is set; failures there (or an unparsable record) are bad_record.
boost::system::result<v1::Case> to_case(const hash_fields& h, const sealer& seal, bool personal);

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
