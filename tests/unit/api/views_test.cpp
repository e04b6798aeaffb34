// Who sees what of a case: every field of v1::Case against every view, on a
// case with every field set. A field added to Case fails here until it has a
// row, that is until someone decides who may see it. Data is invented.
#include "api/views.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace caseroute::api {
namespace {

constexpr bool X = true;   // shown
constexpr bool _ = false;  // cleared

struct row {
  const char* field;
  bool platform, offer, offer_summary, held, closed, list_row, whole;
};

// clang-format off
// offer: counselor_offer, offer_summary: counselor_offer_summary (the
// configuration shows the summary in offers), held: counselor_case, closed:
// counselor_closed, list_row: supervisor_row, whole: supervisor_case.
// The platform sees state, times, level and outcome, never who or where; an
// offer shows routing facts only (no contact, youth or groups).
const row table[] = {
    // field            platform offer +summary held closed list_row whole
    {"case_id",             X,     X,     X,     X,    X,     X,      X},
    {"referral_id",         X,     X,     X,     X,    X,     X,      X},
    {"platform_id",         X,     X,     X,     X,    X,     X,      X},
    {"state",               X,     X,     X,     X,    X,     X,      X},
    {"risk",                _,     X,     X,     X,    X,     X,      X},
    {"concerns",            _,     X,     X,     X,    X,     X,      X},
    {"groups",              _,     _,     _,     X,    _,     _,      X},
    {"mode",                _,     X,     X,     X,    X,     X,      X},
    {"county",              _,     X,     X,     X,    X,     X,      X},
    {"age_band",            _,     X,     X,     X,    X,     X,      X},
    {"youth",               _,     _,     _,     X,    _,     _,      X},
    {"escalation_level",    X,     X,     X,     X,    X,     X,      X},
    {"counselor_id",        _,     X,     X,     X,    X,     X,      X},
    {"site_id",             _,     X,     X,     X,    X,     X,      X},
    {"offered_to",          _,     X,     X,     X,    X,     X,      X},
    {"received_at",         X,     X,     X,     X,    X,     X,      X},
    {"created_at",          X,     X,     X,     X,    X,     X,      X},
    {"offered_at",          X,     X,     X,     X,    X,     X,      X},
    {"offer_expires_at",    X,     X,     X,     X,    X,     X,      X},
    {"accepted_at",         X,     X,     X,     X,    X,     X,      X},
    {"resolved_at",         X,     X,     X,     X,    X,     X,      X},
    {"cancelled_at",        X,     X,     X,     X,    X,     X,      X},
    {"outcome",             X,     X,     X,     X,    X,     X,      X},
    {"contact",             _,     _,     _,     X,    _,     _,      X},
    {"summary",             _,     _,     X,     X,    _,     _,      X},
    {"history",             _,     _,     _,     _,    _,     _,      X},
    {"wait_reason",         _,     _,     _,     _,    _,     _,      X},
    {"next_eligible_at",    _,     _,     _,     _,    _,     _,      X},
};
// clang-format on

struct column {
  case_view view;
  const char* name;
  bool row::*shown;
};

const column columns[] = {
    {case_view::platform, "platform", &row::platform},
    {case_view::counselor_offer, "counselor_offer", &row::offer},
    {case_view::counselor_offer_summary, "counselor_offer_summary", &row::offer_summary},
    {case_view::counselor_case, "counselor_case", &row::held},
    {case_view::counselor_closed, "counselor_closed", &row::closed},
    {case_view::supervisor_row, "supervisor_row", &row::list_row},
    {case_view::supervisor_case, "supervisor_case", &row::whole},
};

google::protobuf::Timestamp at(std::int64_t seconds) {
  google::protobuf::Timestamp t;
  t.set_seconds(seconds);
  return t;
}

// Every field set to a value that is not its default.
v1::Case full_case() {
  v1::Case c;
  c.set_case_id("k-1");
  c.set_referral_id("r-1");
  c.set_platform_id("test-platform");
  c.set_state(v1::CASE_ACTIVE);
  c.set_risk(v1::RISK_HIGH);
  c.add_concerns("anxiety");
  c.add_groups(v1::GROUP_HARDSHIP);
  c.set_mode(v1::MODE_PHONE);
  c.set_county("410102");
  c.mutable_youth()->set_ref("y-1");
  c.mutable_youth()->set_age(15);
  c.set_age_band("15-17");
  c.set_escalation_level(1);
  c.set_counselor_id("c1");
  c.set_site_id("s1");
  c.add_offered_to("c2");
  *c.mutable_received_at() = at(1000);
  *c.mutable_created_at() = at(1001);
  *c.mutable_offered_at() = at(1002);
  *c.mutable_offer_expires_at() = at(1062);
  *c.mutable_accepted_at() = at(1010);
  *c.mutable_resolved_at() = at(2000);
  *c.mutable_cancelled_at() = at(2001);
  c.set_outcome(v1::OUTCOME_COUNSELED);
  c.mutable_contact()->set_name("Invented Name");
  c.mutable_contact()->set_phone("00000000000");
  c.set_summary("invented summary");
  auto* e = c.add_history();
  e->set_type("case.resolved");
  e->set_note("invented note");
  c.set_wait_reason("nobody on duty speaks the concern");
  *c.mutable_next_eligible_at() = at(3000);
  return c;
}

bool present(const v1::Case& c, const google::protobuf::FieldDescriptor* f) {
  const auto* r = c.GetReflection();
  return f->is_repeated() ? r->FieldSize(c, f) > 0 : r->HasField(c, f);
}

TEST(case_views, the_full_case_sets_every_field) {
  const auto c = full_case();
  const auto* d = c.GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) EXPECT_TRUE(present(c, d->field(i))) << d->field(i)->name();
}

TEST(case_views, every_field_of_a_case_has_a_row) {
  const auto* d = v1::Case::descriptor();
  std::set<std::string> rows;
  for (const auto& r : table) {
    EXPECT_NE(d->FindFieldByName(r.field), nullptr) << r.field << " is not a field of Case";
    rows.insert(r.field);
  }
  for (int i = 0; i < d->field_count(); ++i)
    EXPECT_TRUE(rows.count(d->field(i)->name())) << d->field(i)->name() << ": decide who may see it";
}

TEST(case_views, each_view_shows_exactly_its_fields) {
  const auto* d = v1::Case::descriptor();
  for (const auto& col : columns) {
    auto c = full_case();
    show(col.view, c);
    for (const auto& r : table) {
      const auto* f = d->FindFieldByName(r.field);
      ASSERT_NE(f, nullptr);
      EXPECT_EQ(present(c, f), r.*col.shown) << col.name << " view, field " << r.field;
    }
  }
}

TEST(case_views, the_store_opens_personal_data_and_history_only_for_whom_a_view_shows_them) {
  struct expect_reads {
    role who;
    bool personal, history;
  };
  for (const auto& e : {expect_reads{role::platform, false, false}, expect_reads{role::counselor, true, false},
                        expect_reads{role::supervisor, true, true}, expect_reads{role::anyone, false, false}}) {
    const auto r = reads(e.who);
    EXPECT_EQ(r.personal, e.personal) << to_string(e.who);
    EXPECT_EQ(r.history, e.history) << to_string(e.who);
  }
}

TEST(case_views, a_counselor_sees_an_offer_until_the_case_is_theirs) {
  auto c = full_case();
  c.set_state(v1::CASE_OFFERED);
  EXPECT_EQ(counselor_view_of(c), case_view::counselor_offer);
  EXPECT_EQ(counselor_view_of(c, true), case_view::counselor_offer_summary);
  c.set_state(v1::CASE_ACTIVE);
  EXPECT_EQ(counselor_view_of(c), case_view::counselor_case);
}

}  // namespace
}  // namespace caseroute::api
