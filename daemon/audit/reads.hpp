// What a handler calls before its answer carries minors' sealed data: the
// fields a case view shows that are sealed at rest (contact, summary, resolve
// notes, reasons), and the recording of each such read in the audit stream.
// Fail closed: when recording fails, the handler answers 503 instead.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>
#include <vector>

#include "api/access.hpp"
#include "api/context.hpp"
#include "audit/trail.hpp"
#include "caseroute/v1/caseroute.pb.h"
#include "http/errors.hpp"
#include "http/message.hpp"

namespace caseroute::audit {

// The sealed fields `c` carries as it is about to be sent, in a fixed order:
// "contact", "summary", "notes" (resolve notes in its history), "reasons"
// (decline, release and cancel reasons in its history). Empty: nothing to record.
std::vector<std::string> sealed_fields_in(const v1::Case& c);

// How the audit stream names `who`: "<role>:<id>".
std::string principal_of(const api::caller& who);

// Adds to `reads` the access of `who` to `c` (as shown, after api::show)
// when it carries sealed fields.
void add_read(std::vector<access>& reads, const api::caller& who, const http::request& req, const v1::Case& c);

// A read a store script recorded already (an accept's answer: the case's
// sealed parts as create stored them) under `audit_id`, naming `fields`
// ("contact,summary"): logs it as record() would and answers true when
// those are exactly the fields `a` carries; false (nothing logged) when the
// script recorded none or others, and the caller must record `a` itself.
bool recorded_by_script(const access& a, const std::string& audit_id, const std::string& fields);

// Records every access in `reads` and logs each at info (ids and field names
// only). The 503 to answer instead of the sealed data when Redis did not
// take them all; nullopt when recorded (or nothing to record).
boost::asio::awaitable<std::optional<http::api_error>> record(api::context& ctx, std::vector<access> reads);

}  // namespace caseroute::audit
