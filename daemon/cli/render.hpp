// The daemon's JSON answers as text for people: tables and labelled fields
// in English or Chinese. Pure: JSON in, text out; an answer that does not
// parse as its message throws std::runtime_error. Contact and summary are
// printed only by case_details, the one view meant to show them.
#pragma once

#include <string>
#include <string_view>

#include "cli/text.hpp"

namespace caseroute::cli {

std::string queue_view(language l, std::string_view json);       // QueueView
std::string case_list(language l, std::string_view json);        // CaseList, with the next page's cursor
std::string case_details(language l, std::string_view json);     // Case with contact, summary and history
std::string counselor_list(language l, std::string_view json);   // CounselorList
std::string coverage_report(language l, std::string_view json);  // CoverageReport
std::string parked_list(language l, std::string_view json);      // ParkedCallbackList
std::string access_list(language l, std::string_view json);      // AccessEventList, with the next cursor
std::string assigned(language l, std::string_view json);         // the assign answer (Case): ids only
std::string cancelled(language l, std::string_view json);        // the cancel answer (Case)
std::string retried(language l, std::string_view json);          // StatusCallback
// An RFC 4180 CSV answer (GET /v1/reports?format=csv, BOM allowed) as an
// aligned table, its first record the headings; throws when it is no CSV.
std::string csv_table(language l, std::string_view csv);
// One line (no '\n') for an event of GET /v1/events (an Event as JSON).
std::string event_line(language l, std::string_view json);

// The assign answer for --json: the daemon's Case with contact, summary,
// youth, groups and the history's typed reasons and notes left out (the
// assign command shows no personal data; `caseroute case ID` does).
std::string without_personal_data(std::string_view case_json);

}  // namespace caseroute::cli
