// Referral validation (SPEC 4.2): each rule, the field it names.
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

TEST_P(validate_table, FieldRule) {
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
    {"Valid", [](v1::Referral&) {}, nullptr},
    {"MissingReferralId", [](v1::Referral& r) { r.clear_referral_id(); }, "referralId"},
    {"ReferralIdBadChar", [](v1::Referral& r) { r.set_referral_id("a b"); }, "referralId"},
    {"ReferralIdTooLong", [](v1::Referral& r) { r.set_referral_id(std::string(65, 'a')); }, "referralId"},
    {"ReferralId64Ok", [](v1::Referral& r) { r.set_referral_id(std::string(64, 'a')); }, nullptr},
    {"MissingReceivedAt", [](v1::Referral& r) { r.clear_received_at(); }, "receivedAt"},
    {"ReceivedAtInFuture",
     [](v1::Referral& r) { r.mutable_received_at()->set_seconds(r.received_at().seconds() + 3600); }, "receivedAt"},
    {"MissingRisk", [](v1::Referral& r) { r.set_risk(v1::RISK_UNSPECIFIED); }, "risk"},
    {"UnknownRiskNumber", [](v1::Referral& r) { r.set_risk(static_cast<v1::Risk>(9)); }, "risk"},
    {"NoConcerns", [](v1::Referral& r) { r.clear_concerns(); }, "concerns"},
    {"NineConcerns",
     [](v1::Referral& r) {
       for (int i = 0; i < 7; ++i) r.add_concerns("grief");
     },
     "concerns"},
    {"UnknownPrimaryConcern", [](v1::Referral& r) { r.set_concerns(0, "foo"); }, "concerns[0]"},
    {"UnknownSecondConcern", [](v1::Referral& r) { r.set_concerns(1, "foo"); }, "concerns[1]"},
    {"DuplicateConcern", [](v1::Referral& r) { r.set_concerns(1, "depression"); }, "concerns[1]"},
    {"UnknownGroup", [](v1::Referral& r) { r.add_groups(static_cast<v1::Group>(7)); }, "groups[1]"},
    {"UnspecifiedGroup", [](v1::Referral& r) { r.set_groups(0, v1::GROUP_UNSPECIFIED); }, "groups[0]"},
    {"MissingMode", [](v1::Referral& r) { r.set_mode(v1::MODE_UNSPECIFIED); }, "mode"},
    {"VisitNeedsCounty", [](v1::Referral& r) { r.set_mode(v1::MODE_HOME_VISIT); }, "county"},
    {"VisitNeedsConfiguredCounty",
     [](v1::Referral& r) {
       r.set_mode(v1::MODE_SITE_VISIT);
       r.set_county("411224");
     },
     "county"},
    {"VisitInConfiguredCounty",
     [](v1::Referral& r) {
       r.set_mode(v1::MODE_SITE_VISIT);
       r.set_county("411203");
     },
     nullptr},
    {"PhoneWithUnconfiguredCountyOk", [](v1::Referral& r) { r.set_county("411224"); }, nullptr},
    {"CountyNotSixDigits", [](v1::Referral& r) { r.set_county("41120"); }, "county"},
    {"AgeTooHigh", [](v1::Referral& r) { r.mutable_youth()->set_age(36); }, "youth.age"},
    {"AgeZeroOk", [](v1::Referral& r) { r.mutable_youth()->set_age(0); }, nullptr},
    {"YouthRefBad", [](v1::Referral& r) { r.mutable_youth()->set_ref("名字"); }, "youth.ref"},
    {"SummaryTooLong", [](v1::Referral& r) { r.set_summary(std::string(4001, 'x')); }, "summary"},
    {"Summary4000ChineseCharactersOk",
     [](v1::Referral& r) {
       std::string s;
       for (int i = 0; i < 4000; ++i) s += "心";
       r.set_summary(s);
     },
     nullptr},
    {"SummaryBadUtf8", [](v1::Referral& r) { r.set_summary("\xff\xfe"); }, "summary"},
    {"PhoneTooLong", [](v1::Referral& r) { r.mutable_contact()->set_phone(std::string(40, '1')); }, "contact.phone"},
};

INSTANTIATE_TEST_SUITE_P(referral, validate_table, ::testing::ValuesIn(rows),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(validate, ErrorMessagesNeverEchoPersonalData) {
  const auto cfg = test_config();
  auto r = good();
  r.set_summary(std::string(4001, 'S'));
  const auto e = validate(r, cfg, now);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message.find("SSSS"), std::string::npos);
}

}  // namespace
}  // namespace caseroute::intake
