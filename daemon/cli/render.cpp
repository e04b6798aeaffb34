// Tables and fields for the daemon's answers (render.hpp).
#include "cli/render.hpp"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <map>
#include <stdexcept>

#include "caseroute/v1/audit.pb.h"
#include "caseroute/v1/caseroute.pb.h"
#include "cli/table.hpp"

namespace caseroute::cli {

namespace {

template <class M>
M parse(std::string_view json) {
  M m;
  google::protobuf::util::JsonParseOptions options;
  // A newer daemon may add fields: show what this version knows.
  options.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(std::string(json), &m, options).ok())
    throw std::runtime_error("the daemon's answer is not a " + m.GetDescriptor()->name());
  return m;
}

std::string when(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return "-";
  const std::time_t s = t.seconds();
  std::tm tm{};
  gmtime_r(&s, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%d %H:%M:%SZ", &tm);
  return out;
}

std::string span(long seconds) {
  if (seconds < 60) return std::to_string(seconds) + "s";
  if (seconds < 3600) return std::to_string(seconds / 60) + "m" + std::to_string(seconds % 60) + "s";
  return std::to_string(seconds / 3600) + "h" + std::to_string(seconds / 60 % 60) + "m";
}

template <class List>
std::string joined(const List& items, const char* sep = ",") {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += sep;
    out += i;
  }
  return out;
}

std::string state_of(language l, v1::CaseState s) {
  return s == v1::CASE_STATE_UNSPECIFIED ? "-" : state_word(l, v1::CaseState_Name(s));
}
std::string risk_of(language l, v1::Risk r) { return r == v1::RISK_UNSPECIFIED ? "-" : risk_word(l, v1::Risk_Name(r)); }
std::string outcome_of(language l, v1::Outcome o) {
  return o == v1::OUTCOME_UNSPECIFIED ? "-" : outcome_word(l, v1::Outcome_Name(o));
}
std::string mode_of(language l, v1::Mode m) { return m == v1::MODE_UNSPECIFIED ? "-" : mode_word(l, v1::Mode_Name(m)); }

// A count map in a fixed order: the enum's order for states and risks, by
// name for sites and concerns.
std::string counts(language l, const google::protobuf::Map<std::string, std::int32_t>& m,
                   const std::vector<std::string>& order, std::string (*translate)(language, std::string_view),
                   const char* heading) {
  table t({word(l, heading), word(l, "COUNT")});
  for (const auto& key : order) {
    auto it = m.find(key);
    if (it != m.end()) t.add({translate(l, key), std::to_string(it->second)});
  }
  std::map<std::string, std::int32_t> rest;
  for (const auto& [k, v] : m)
    if (std::find(order.begin(), order.end(), k) == order.end()) rest[k] = v;
  for (const auto& [k, v] : rest) t.add({translate(l, k), std::to_string(v)});
  return t.render();
}

std::string as_is(language, std::string_view s) { return std::string(s); }

std::string next_page(language l, const std::string& cursor, const char* command) {
  if (cursor.empty()) return "";
  return word(l, "next page") + ": caseroute " + command + " --cursor " + cursor + "\n";
}

std::string level(const v1::Case& c) { return c.escalation_level() > 0 ? std::to_string(c.escalation_level()) : "0"; }

// What an event says besides its type, state and counselor.
std::string event_detail(language l, const v1::Event& e) {
  std::vector<std::string> parts;
  if (!e.rule().empty()) parts.push_back("rule=" + e.rule());
  if (!e.reason_code().empty()) parts.push_back("reason=" + e.reason_code());
  if (e.outcome() != v1::OUTCOME_UNSPECIFIED) parts.push_back(outcome_of(l, e.outcome()));
  if (e.escalation_level() > 0) parts.push_back("level=" + std::to_string(e.escalation_level()));
  if (e.type() == "counselor.availability") parts.push_back(e.available() ? "in" : "out");
  if (e.has_expires_at()) parts.push_back("until " + when(e.expires_at()));
  return joined(parts, " ");
}

}  // namespace

std::string queue_view(language l, std::string_view json) {
  const auto q = parse<v1::QueueView>(json);
  std::string out;
  out += word(l, "by state") + "\n" +
         counts(l, q.by_state(), {"CASE_QUEUED", "CASE_OFFERED", "CASE_ACTIVE", "CASE_RESOLVED", "CASE_CANCELLED"},
                state_word, "STATE");
  out += "\n" + word(l, "by risk") + "\n" +
         counts(l, q.by_risk(), {"RISK_CRISIS", "RISK_HIGH", "RISK_MEDIUM", "RISK_LOW"}, risk_word, "RISK");
  if (!q.by_site().empty()) out += "\n" + word(l, "by site") + "\n" + counts(l, q.by_site(), {}, as_is, "SITE");
  if (!q.by_concern().empty())
    out += "\n" + word(l, "by concern") + "\n" + counts(l, q.by_concern(), {}, as_is, "CONCERNS");
  fields f;
  f.add(word(l, "oldest wait"), q.oldest_case_id().empty() ? word(l, "none")
                                                           : span(q.oldest_wait_seconds()) + " (" + word(l, "case") +
                                                                 " " + q.oldest_case_id() + ")");
  f.add(word(l, "counselors"), word(l, "on duty") + " " + std::to_string(q.counselors_on_duty()) + ", " +
                                   word(l, "available") + " " + std::to_string(q.counselors_available()) + ", " +
                                   word(l, "busy") + " " + std::to_string(q.counselors_busy()));
  f.add(word(l, "at"), when(q.at()));
  out += "\n" + f.render();
  out += "\n" + word(l, "escalated") + "\n";
  if (q.escalated().empty()) return out + word(l, "none") + "\n";
  table t(
      {word(l, "CASE"), word(l, "LEVEL"), word(l, "RISK"), word(l, "STATE"), word(l, "COUNSELOR"), word(l, "CREATED")});
  for (const auto& c : q.escalated())
    t.add(
        {c.case_id(), level(c), risk_of(l, c.risk()), state_of(l, c.state()), c.counselor_id(), when(c.created_at())});
  return out + t.render();
}

std::string case_list(language l, std::string_view json) {
  const auto list = parse<v1::CaseList>(json);
  if (list.cases().empty()) return word(l, "no cases") + "\n" + next_page(l, list.next_cursor(), "cases");
  table t({word(l, "CASE"), word(l, "STATE"), word(l, "RISK"), word(l, "CONCERNS"), word(l, "MODE"),
           word(l, "COUNSELOR"), word(l, "SITE"), word(l, "LEVEL"), word(l, "CREATED")});
  for (const auto& c : list.cases()) {
    auto counselor = c.counselor_id();
    if (counselor.empty() && !c.offered_to().empty()) counselor = joined(c.offered_to());
    t.add({c.case_id(), state_of(l, c.state()), risk_of(l, c.risk()), joined(c.concerns()), mode_of(l, c.mode()),
           counselor, c.site_id(), level(c), when(c.created_at())});
  }
  return t.render() + next_page(l, list.next_cursor(), "cases");
}

std::string case_details(language l, std::string_view json) {
  const auto c = parse<v1::Case>(json);
  fields f;
  f.add(word(l, "case"), c.case_id());
  f.add(word(l, "referral"), c.platform_id() + " " + c.referral_id());
  f.add(word(l, "state"), state_of(l, c.state()));
  f.add(word(l, "risk"), risk_of(l, c.risk()));
  f.add(word(l, "concerns"), joined(c.concerns()));
  f.add(word(l, "mode"), mode_of(l, c.mode()));
  f.add(word(l, "county"), c.county());
  f.add(word(l, "age band"), c.age_band());
  f.add(word(l, "escalation level"), level(c));
  f.add(word(l, "counselor"), c.counselor_id());
  f.add(word(l, "site"), c.site_id());
  if (!c.offered_to().empty()) f.add(word(l, "offered to"), joined(c.offered_to()));
  f.add(word(l, "received"), when(c.received_at()));
  f.add(word(l, "created"), when(c.created_at()));
  if (c.has_offered_at()) f.add(word(l, "offered"), when(c.offered_at()));
  if (c.has_offer_expires_at()) f.add(word(l, "offer expires"), when(c.offer_expires_at()));
  if (c.has_accepted_at()) f.add(word(l, "accepted"), when(c.accepted_at()));
  if (c.has_resolved_at()) f.add(word(l, "resolved"), when(c.resolved_at()));
  if (c.has_cancelled_at()) f.add(word(l, "cancelled"), when(c.cancelled_at()));
  if (c.outcome() != v1::OUTCOME_UNSPECIFIED) f.add(word(l, "outcome"), outcome_of(l, c.outcome()));
  if (!c.wait_reason().empty()) f.add(word(l, "waiting because"), c.wait_reason());
  if (c.has_next_eligible_at()) f.add(word(l, "next eligible"), when(c.next_eligible_at()));
  // The supervisor's view as the API gives it (an audited read).
  if (c.has_youth()) {
    std::vector<std::string> y;
    if (!c.youth().ref().empty()) y.push_back("ref " + c.youth().ref());
    if (c.youth().age() > 0) y.push_back("age " + std::to_string(c.youth().age()));
    if (!c.youth().gender().empty()) y.push_back(c.youth().gender());
    f.add(word(l, "youth"), joined(y, ", "));
  }
  if (!c.groups().empty()) {
    std::vector<std::string> g;
    for (int i = 0; i < c.groups_size(); ++i) g.push_back(v1::Group_Name(c.groups(i)));
    f.add(word(l, "groups"), joined(g));
  }
  if (c.has_contact()) {
    std::vector<std::string> parts;
    for (const auto* p : {&c.contact().name(), &c.contact().phone(), &c.contact().address()})
      if (!p->empty()) parts.push_back(*p);
    f.add(word(l, "contact"), joined(parts, ", "));
  }
  if (!c.summary().empty()) f.add(word(l, "summary"), c.summary());
  std::string out = f.render();
  out += "\n" + word(l, "history") + "\n";
  table t(
      {word(l, "TIME"), word(l, "EVENT"), word(l, "ACTOR"), word(l, "COUNSELOR"), word(l, "STATE"), word(l, "DETAIL")});
  for (const auto& e : c.history()) {
    auto detail = event_detail(l, e);
    for (const auto* text : {&e.reason(), &e.note()})
      if (!text->empty()) detail += (detail.empty() ? "" : " ") + std::string("\"") + *text + "\"";
    t.add({when(e.at()), event_word(l, e.type()), e.actor(), e.counselor_id(), state_of(l, e.state()), detail});
  }
  return out + t.render();
}

std::string counselor_list(language l, std::string_view json) {
  const auto list = parse<v1::CounselorList>(json);
  table t({word(l, "ID"), word(l, "NAME"), word(l, "ON DUTY"), word(l, "SITE"), word(l, "SHIFT"), word(l, "SIGNED IN"),
           word(l, "LOAD"), word(l, "CRISIS"), word(l, "SPECIALTIES"), word(l, "LAST OFFER")});
  for (const auto& c : list.counselors())
    t.add({c.counselor_id(), c.name(), yes_no(l, c.on_duty()), c.site_id(), c.shift(), yes_no(l, c.available()),
           std::to_string(c.load()) + "/" + std::to_string(c.capacity()), yes_no(l, c.crisis_trained()),
           joined(c.specialties()), when(c.last_offer_at())});
  return t.render();
}

std::string coverage_report(language l, std::string_view json) {
  const auto r = parse<v1::CoverageReport>(json);
  table shifts({word(l, "DAY"), word(l, "WEEKDAY"), word(l, "SHIFT"), word(l, "COUNSELORS"), word(l, "CRISIS"),
                word(l, "SPECIALTIES"), word(l, "VISIT COUNTIES")});
  for (const auto& s : r.shifts())
    shifts.add({s.day(), s.weekday(), s.shift(), joined(s.counselors()), yes_no(l, s.crisis()), joined(s.specialties()),
                joined(s.visit_counties())});
  std::string out = word(l, "shifts") + "\n" + shifts.render() + "\n" + word(l, "gaps") + "\n";
  if (r.gaps().empty()) return out + word(l, "none") + "\n";
  table gaps({word(l, "DAY"), word(l, "SHIFT"), word(l, "GAP"), word(l, "CODE")});
  for (const auto& g : r.gaps()) gaps.add({g.day(), g.shift(), word(l, g.kind()), g.code()});
  return out + gaps.render();
}

std::string parked_list(language l, std::string_view json) {
  const auto list = parse<v1::ParkedCallbackList>(json);
  if (list.callbacks().empty()) return word(l, "no parked callbacks") + "\n";
  table t({word(l, "EVENT"), word(l, "CASE"), word(l, "PLATFORM"), word(l, "TYPE"), word(l, "STATE"),
           word(l, "ATTEMPTS"), word(l, "LAST ERROR"), word(l, "PARKED")});
  for (const auto& p : list.callbacks())
    t.add({p.callback().event_id(), p.callback().case_id(), p.callback().platform_id(), p.callback().type(),
           state_of(l, p.callback().state()), std::to_string(p.attempts()), p.last_error(), when(p.parked_at())});
  return t.render();
}

std::string access_list(language l, std::string_view json) {
  const auto list = parse<v1::AccessEventList>(json);
  if (list.events().empty()) return word(l, "no audit entries") + "\n" + next_page(l, list.next_cursor(), "audit");
  table t({word(l, "TIME"), word(l, "PRINCIPAL"), word(l, "CASE"), word(l, "FIELDS"), word(l, "REMOTE"),
           word(l, "REQUEST")});
  for (const auto& e : list.events())
    t.add({when(e.at()), e.principal(), e.case_id(), joined(e.fields()), e.remote(), e.request_id()});
  return t.render() + next_page(l, list.next_cursor(), "audit");
}

std::string assigned(language l, std::string_view json) {
  const auto c = parse<v1::Case>(json);
  fields f;
  f.add(word(l, "case"), c.case_id());
  f.add(word(l, "state"), state_of(l, c.state()));
  f.add(word(l, "offered to counselor"), c.counselor_id().empty() ? joined(c.offered_to()) : c.counselor_id());
  f.add(word(l, "offer expires"), when(c.offer_expires_at()));
  return f.render();
}

std::string cancelled(language l, std::string_view json) {
  const auto c = parse<v1::Case>(json);
  return word(l, "case cancelled") + ": " + c.case_id() + " (" + state_of(l, c.state()) + ")\n";
}

std::string retried(language l, std::string_view json) {
  const auto cb = parse<v1::StatusCallback>(json);
  return word(l, "callback queued again") + ": " + cb.event_id() + " (" + word(l, "case") + " " + cb.case_id() + ", " +
         cb.type() + ")\n";
}

std::string event_line(language l, std::string_view json) {
  const auto e = parse<v1::Event>(json);
  std::string type = event_word(l, e.type());
  std::string who = e.counselor_id();
  if (!e.site_id().empty()) who += "@" + e.site_id();
  std::vector<std::string> cells{when(e.at()),
                                 type,
                                 e.case_id().empty() ? "-" : e.case_id(),
                                 state_of(l, e.state()),
                                 risk_of(l, e.risk()),
                                 who.empty() ? "-" : who,
                                 event_detail(l, e)};
  // Fixed widths so lines of a stream line up without knowing what comes.
  constexpr std::array<std::size_t, 6> widths{20, 22, 26, 9, 6, 16};
  std::string out;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) out += "  ";
    auto cell = cells[i];
    for (auto& ch : cell)
      if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7F) ch = ' ';
    out += cell;
    if (i < widths.size()) {
      const auto w = display_width(cell);
      if (w < widths[i]) out.append(widths[i] - w, ' ');
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string without_personal_data(std::string_view case_json) {
  auto c = parse<v1::Case>(case_json);
  c.clear_contact();
  c.clear_summary();
  c.clear_youth();
  c.clear_groups();
  for (auto& e : *c.mutable_history()) {
    e.clear_reason();
    e.clear_note();
  }
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(c, &out);
  return out;
}

std::string csv_table(language l, std::string_view csv) {
  if (csv.starts_with("\xEF\xBB\xBF")) csv.remove_prefix(3);
  std::vector<std::vector<std::string>> records(1);
  std::string cell;
  bool quoted = false, cell_started = false;
  for (std::size_t i = 0; i < csv.size(); ++i) {
    const char c = csv[i];
    if (quoted) {
      if (c != '"') {
        cell += c;
      } else if (i + 1 < csv.size() && csv[i + 1] == '"') {
        cell += '"';
        ++i;
      } else {
        quoted = false;
      }
    } else if (c == '"' && !cell_started) {
      quoted = cell_started = true;
    } else if (c == ',') {
      records.back().push_back(std::move(cell));
      cell.clear();
      cell_started = false;
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < csv.size() && csv[i + 1] == '\n') ++i;
      records.back().push_back(std::move(cell));
      cell.clear();
      cell_started = false;
      records.emplace_back();
    } else {
      cell += c;
      cell_started = true;
    }
  }
  if (quoted) throw std::runtime_error("the daemon's answer is not CSV (an unclosed quote)");
  if (cell_started || !records.back().empty()) records.back().push_back(std::move(cell));
  if (records.back().empty()) records.pop_back();
  if (records.empty()) return word(l, "no rows") + "\n";
  table t(records.front());
  for (std::size_t r = 1; r < records.size(); ++r) t.add(records[r]);
  if (t.empty()) return word(l, "no rows") + "\n";
  return t.render();
}

}  // namespace caseroute::cli
