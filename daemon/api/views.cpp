// The views of a case, one line each over the parts of a case, and the
// roster entry of a counselor. A field no view lists is shown to nobody.
#include "api/views.hpp"

#include <cstdint>
#include <initializer_list>

namespace caseroute::api {
namespace {

// Bit n: the v1::Case field numbered n (a number of 64 or more would not compile in of()).
using fields = std::uint64_t;
using C = v1::Case;

constexpr fields of(std::initializer_list<int> numbers) {
  fields f = 0;
  for (int n : numbers) f |= fields{1} << n;
  return f;
}

// The parts of a case, by what they tell.
constexpr fields identity = of({C::kCaseIdFieldNumber, C::kReferralIdFieldNumber, C::kPlatformIdFieldNumber});
// What routing needs, kept in clear in Redis.
constexpr fields routing_facts = of(
    {C::kRiskFieldNumber, C::kConcernsFieldNumber, C::kModeFieldNumber, C::kCountyFieldNumber, C::kAgeBandFieldNumber});
constexpr fields progress =
    of({C::kStateFieldNumber, C::kEscalationLevelFieldNumber, C::kReceivedAtFieldNumber, C::kCreatedAtFieldNumber,
        C::kOfferedAtFieldNumber, C::kOfferExpiresAtFieldNumber, C::kAcceptedAtFieldNumber, C::kResolvedAtFieldNumber,
        C::kCancelledAtFieldNumber, C::kOutcomeFieldNumber});
// Who holds the case or is offered it, and at which site.
constexpr fields holder = of({C::kCounselorIdFieldNumber, C::kSiteIdFieldNumber, C::kOfferedToFieldNumber});
// What an offer tells before anyone accepts.
constexpr fields offer = identity | routing_facts | progress | holder;
// Minors' sensitive data, sealed in Redis: contact, summary and the
// quasi-identifiers (youth ref, age, gender, priority groups).
constexpr fields contact = of({C::kContactFieldNumber});
constexpr fields summary = of({C::kSummaryFieldNumber});
constexpr fields quasi_identifiers = of({C::kYouthFieldNumber, C::kGroupsFieldNumber});
constexpr fields personal = contact | summary | quasi_identifiers;
// Every event, resolve notes included.
constexpr fields history = of({C::kHistoryFieldNumber});
// Why a queued case waits, and until when.
constexpr fields wait = of({C::kWaitReasonFieldNumber, C::kNextEligibleAtFieldNumber});

struct view_rule {
  case_view view;
  role audience;
  fields shown;
};

constexpr view_rule views[] = {
    // The platform sees state, times, level and outcome: never who or where.
    {case_view::platform, role::platform, identity | progress},
    {case_view::counselor_offer, role::counselor, offer},
    {case_view::counselor_offer_summary, role::counselor, offer | summary},
    {case_view::counselor_case, role::counselor, identity | routing_facts | progress | holder | personal},
    {case_view::counselor_closed, role::counselor, identity | routing_facts | progress | holder},
    {case_view::supervisor_row, role::supervisor, identity | routing_facts | progress | holder},
    {case_view::supervisor_case, role::supervisor,
     identity | routing_facts | progress | holder | personal | history | wait},
};

fields shown_by(case_view view) {
  for (const auto& v : views)
    if (v.view == view) return v.shown;
  return 0;
}

bool shows(fields shown, int field_number) {
  return field_number >= 0 && field_number < 64 && ((shown >> field_number) & 1) != 0;
}

}  // namespace

void show(case_view view, v1::Case& c) {
  const fields shown = shown_by(view);
  const auto* descriptor = c.GetDescriptor();
  const auto* reflection = c.GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const auto* field = descriptor->field(i);
    if (!shows(shown, field->number())) reflection->ClearField(&c, field);
  }
}

store::view_options reads(role who) {
  fields shown = 0;
  for (const auto& v : views)
    if (v.audience == who) shown |= v.shown;
  return store::view_options{.personal = (shown & personal) != 0, .history = (shown & history) != 0};
}

case_view counselor_view_of(const v1::Case& c, bool summary_in_offers) {
  if (c.state() != v1::CASE_OFFERED) return case_view::counselor_case;
  return summary_in_offers ? case_view::counselor_offer_summary : case_view::counselor_offer;
}

google::protobuf::Timestamp to_timestamp(time_point t) {
  google::protobuf::Timestamp ts;
  const auto ms = t.time_since_epoch().count();
  ts.set_seconds(ms / 1000);
  ts.set_nanos(static_cast<int>(ms % 1000) * 1000000);
  return ts;
}

v1::Counselor roster_entry(const config::counselor& c, const schedule::duty_slot* slot,
                           const routing::counselor_status& status, int max_missed_offers) {
  v1::Counselor v;
  v.set_counselor_id(c.id);
  v.set_name(c.name);
  bool available = status.available;
  if (slot != nullptr) {
    v.set_on_duty(true);
    v.set_site_id(slot->site_id);
    v.set_shift(slot->shift);
    available = routing::signed_in(status, *slot);
  }
  if (max_missed_offers > 0 && status.missed_offers >= max_missed_offers) {
    available = false;  // signed out after missed offers, until they sign in
  }
  v.set_available(available);
  v.set_load(status.load);
  v.set_capacity(c.capacity);
  v.set_crisis_trained(c.crisis_trained);
  for (const auto& [code, level] : c.specialties) v.add_specialties(code);
  if (status.last_offer_at.time_since_epoch().count() > 0)
    *v.mutable_last_offer_at() = to_timestamp(status.last_offer_at);
  return v;
}

}  // namespace caseroute::api
