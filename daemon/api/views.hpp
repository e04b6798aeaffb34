// What each audience may see of a case (minors' data), decided here and
// nowhere else: a handler reads the case with reads(its caller's role) and
// passes it through show(view, case) before it answers. views.cpp gives each
// view one line; tests/unit/api/views_test.cpp pins every field of v1::Case
// for every view. Also the roster entry of a counselor.
#pragma once

#include <vector>

#include "api/access.hpp"
#include "caseroute/v1/caseroute.pb.h"
#include "config/config.hpp"
#include "routing/routing.hpp"
#include "schedule/schedule.hpp"
#include "schedule/time.hpp"
#include "store/case_store.hpp"

namespace caseroute::api {

enum class case_view {
  platform,                 // the referring platform: GET /v1/referrals/{referralId}
  counselor_offer,          // a counselor, of a case offered to them: routing facts, no personal data
  counselor_offer_summary,  // the same with the summary (privacy.summary_in_offers)
  counselor_case,           // a counselor, of a case they hold
  counselor_closed,         // a counselor, of the case they just resolved
  supervisor_row,   // a supervisor, of a case among others (lists, the queue's escalated) and the answer to cancel
  supervisor_case,  // a supervisor, of the whole case: GET /v1/cases/{caseId}, the answer to assign
};

// Clears every field of `c` that `view` does not show.
void show(case_view view, v1::Case& c);

// What the store must open for `who`: personal data and history when any
// view of theirs shows them.
store::view_options reads(role who);

// A counselor's view of a case offered to them or held by them: contact and
// the sealed facts only once they hold it, the summary before that only when
// the configuration says so (privacy.summary_in_offers).
case_view counselor_view_of(const v1::Case& c, bool summary_in_offers = false);

// The roster entry of one counselor (GET /v1/counselors, PUT /v1/me/availability):
// `slot` is their first slot on duty now (duty_list::slot_of), null when off duty.
v1::Counselor roster_entry(const config::counselor& c, const schedule::duty_slot* slot,
                           const routing::counselor_status& status, int max_missed_offers);

google::protobuf::Timestamp to_timestamp(time_point t);

}  // namespace caseroute::api
