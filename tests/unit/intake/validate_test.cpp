// Referral validation (docs/API.md, "POST /v1/referrals"): each rule, the
// field it names.
#include <gtest/gtest.h>

#include <functional>

#include "intake/validate.hpp"

namespace caseroute::intake {
namespace {

using namespace std::chrono_literals;
const auto now =
    std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::sys_days{std::chrono::year{2026} / 11 / 29}) + 9h;

config::config test_config() {
  config::config c;
  c.specialties = {{"depression", "抑郁"}, {"anxiety", "焦虑"}, {"grief", "哀伤"}};
  c.counties = {{"411202", "湖滨区"}, {"411203", "陕州区"}};
  return c;
}

v1::Referral good() {
  v1::Referral r;
  r.set_referral_id("hn-2026.11:0001_a");
  r.mutable_received_at()->set_seconds(
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count() - 60);
  r.set_risk(v1::RISK_HIGH);
  r.add_concerns("depression");
  r.add_concerns("anxiety");
  r.add_groups(v1::GROUP_HARDSHIP);
  r.set_mode(v1::MODE_PHONE);
  r.mutable_youth()->set_ref("y-1");
  r.mutable_youth()->set_age(15);
  r.mutable_contact()->set_phone("13900000000");
  r.set_summary("invented");
  return r;
}

struct row {
  const char* name;
  std::function<void(v1::Referral&)> change;
  const char* field;  // nullptr: valid
};

class validate_table : public ::testing::TestWithParam<row> {};

TEST_P(validate_table, field_rule) {
  const auto cfg = test_config();
  auto r = good();
  GetParam().change(r);
  const auto e = validate(r, cfg, now);
  if (GetParam().field == nullptr) {
    EXPECT_FALSE(e.has_value()) << e->message;
  } else {
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->status, 400);
    EXPECT_EQ(e->code, "INVALID_ARGUMENT");
    EXPECT_EQ(e->field, GetParam().field) << e->message;
  }
}

const row rows[] = {
    {"valid", [](v1::Referral&) {}, nullptr},
    {"missing_referral_id", [](v1::Referral& r) { r.clear_referral_id(); }, "referralId"},
    {"referral_id_bad_char", [](v1::Referral& r) { r.set_referral_id("a b"); }, "referralId"},
    {"referral_id_too_long", [](v1::Referral& r) { r.set_referral_id(std::string(65, 'a')); }, "referralId"},
    {"referral_id_64_ok", [](v1::Referral& r) { r.set_referral_id(std::string(64, 'a')); }, nullptr},
    {"missing_received_at", [](v1::Referral& r) { r.clear_received_at(); }, "receivedAt"},
    {"received_at_in_future",
     [](v1::Referral& r) { r.mutable_received_at()->set_seconds(r.received_at().seconds() + 3600); }, "receivedAt"},
    {"missing_risk", [](v1::Referral& r) { r.set_risk(v1::RISK_UNSPECIFIED); }, "risk"},
    {"unknown_risk_number", [](v1::Referral& r) { r.set_risk(static_cast<v1::Risk>(9)); }, "risk"},
    {"no_concerns", [](v1::Referral& r) { r.clear_concerns(); }, "concerns"},
    {"nine_concerns",
     [](v1::Referral& r) {
       for (int i = 0; i < 7; ++i) r.add_concerns("grief");
     },
     "concerns"},
    {"unknown_primary_concern", [](v1::Referral& r) { r.set_concerns(0, "foo"); }, "concerns[0]"},
    {"unknown_second_concern", [](v1::Referral& r) { r.set_concerns(1, "foo"); }, "concerns[1]"},
    {"duplicate_concern", [](v1::Referral& r) { r.set_concerns(1, "depression"); }, "concerns[1]"},
    {"unknown_group", [](v1::Referral& r) { r.add_groups(static_cast<v1::Group>(7)); }, "groups[1]"},
    {"unspecified_group", [](v1::Referral& r) { r.set_groups(0, v1::GROUP_UNSPECIFIED); }, "groups[0]"},
    {"missing_mode", [](v1::Referral& r) { r.set_mode(v1::MODE_UNSPECIFIED); }, "mode"},
    {"visit_needs_county", [](v1::Referral& r) { r.set_mode(v1::MODE_HOME_VISIT); }, "county"},
    {"visit_needs_configured_county",
     [](v1::Referral& r) {
       r.set_mode(v1::MODE_SITE_VISIT);
       r.set_county("411224");
     },
     "county"},
    {"visit_in_configured_county",
     [](v1::Referral& r) {
       r.set_mode(v1::MODE_SITE_VISIT);
       r.set_county("411203");
     },
     nullptr},
    {"phone_with_unconfigured_county_ok", [](v1::Referral& r) { r.set_county("411224"); }, nullptr},
    {"county_not_six_digits", [](v1::Referral& r) { r.set_county("41120"); }, "county"},
    {"age_too_high", [](v1::Referral& r) { r.mutable_youth()->set_age(36); }, "youth.age"},
    {"age_zero_ok", [](v1::Referral& r) { r.mutable_youth()->set_age(0); }, nullptr},
    {"youth_ref_bad", [](v1::Referral& r) { r.mutable_youth()->set_ref("名字"); }, "youth.ref"},
    {"summary_too_long", [](v1::Referral& r) { r.set_summary(std::string(4001, 'x')); }, "summary"},
    {"summary_4000_chinese_characters_ok",
     [](v1::Referral& r) {
       std::string s;
       for (int i = 0; i < 4000; ++i) s += "心";
       r.set_summary(s);
     },
     nullptr},
    {"summary_bad_utf8", [](v1::Referral& r) { r.set_summary("\xff\xfe"); }, "summary"},
    {"phone_too_long", [](v1::Referral& r) { r.mutable_contact()->set_phone(std::string(40, '1')); }, "contact.phone"},
};

INSTANTIATE_TEST_SUITE_P(referral, validate_table, ::testing::ValuesIn(rows),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(validate, error_messages_never_echo_personal_data) {
  const auto cfg = test_config();
  auto r = good();
  r.set_summary(std::string(4001, 'S'));
  const auto e = validate(r, cfg, now);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message.find("SSSS"), std::string::npos);
}

}  // namespace
}  // namespace caseroute::intake
