// Bad input through the real binary: unsigned, wrongly signed, replayed,
// malformed, oversized, wrongly typed and unknown-enum requests get the error
// body of docs/API.md ("Errors") and change nothing; idempotent referrals.
#include <ctime>

#include "e2e/e2e_support.hpp"
#include "http/auth.hpp"

namespace caseroute::e2e {
namespace {

class input : public e2e_test {
 protected:
  // Signs with an explicit timestamp and secret.
  http_reply signed_with(const std::string& secret, std::time_t ts, const std::string& body,
                         const std::string& content_type = "application/json") {
    const auto t = std::to_string(ts);
    const auto sig = config::hmac_sha256_hex(secret, http::signing_payload(t, "POST", "/v1/referrals", body));
    return testing::http_call(
        daemon_->port(), "POST", "/v1/referrals", body,
        {{"X-Platform-Id", "test-platform"}, {"X-Timestamp", t}, {"X-Signature", sig}, {"Content-Type", content_type}});
  }
  void expect_error(const http_reply& r, int status, const std::string& code, const std::string& field = "") {
    EXPECT_EQ(r.status, status) << r.body;
    auto e = parse<v1::ErrorBody>(r.body);
    EXPECT_EQ(e.error().code(), code) << r.body;
    EXPECT_FALSE(e.error().message().empty());
    if (!field.empty()) {
      EXPECT_EQ(e.error().field(), field) << r.body;
    }
  }
  int case_count() {
    auto list = parse<v1::CaseList>(api_->as("s1", "GET", "/v1/cases?limit=500").body);
    return list.cases_size();
  }
};

TEST_F(input, signature_is_required_correct_and_fresh) {
  const auto body = referral_json("ref-sig-1", "RISK_LOW", "anxiety");
  expect_error(testing::http_call(daemon_->port(), "POST", "/v1/referrals", body), 401, "UNAUTHENTICATED");
  expect_error(signed_with("wrong-secret", std::time(nullptr), body), 401, "UNAUTHENTICATED");
  expect_error(signed_with(platform_secret(), std::time(nullptr) - 301, body), 401, "UNAUTHENTICATED");
  expect_error(signed_with(platform_secret(), std::time(nullptr) + 301, body), 401, "UNAUTHENTICATED");
  // A body changed after signing.
  const auto t = std::to_string(std::time(nullptr));
  const auto sig = config::hmac_sha256_hex(platform_secret(), http::signing_payload(t, "POST", "/v1/referrals", body));
  auto tampered = body;
  tampered.replace(tampered.find("RISK_LOW"), 8, "RISK_MED");
  expect_error(testing::http_call(daemon_->port(), "POST", "/v1/referrals", tampered,
                                  {{"X-Platform-Id", "test-platform"}, {"X-Timestamp", t}, {"X-Signature", sig}}),
               401, "UNAUTHENTICATED");
  EXPECT_EQ(signed_with(platform_secret(), std::time(nullptr), body).status, 202);
  EXPECT_EQ(case_count(), 1);
}

TEST_F(input, malformed_and_invalid_referrals_name_the_field) {
  const auto now = std::time(nullptr);
  expect_error(signed_with(platform_secret(), now, "{not json"), 400, "INVALID_ARGUMENT");
  expect_error(signed_with(platform_secret(), now, referral_json("r1", "RISK_LOW", "foo")), 400, "INVALID_ARGUMENT",
               "concerns[0]");
  expect_error(signed_with(platform_secret(), now, referral_json("r1", "RISK_HUGE", "anxiety")), 400,
               "INVALID_ARGUMENT");
  expect_error(signed_with(platform_secret(), now, referral_json("bad id!", "RISK_LOW", "anxiety")), 400,
               "INVALID_ARGUMENT", "referralId");
  expect_error(signed_with(platform_secret(), now, referral_json("r1", "RISK_LOW", "anxiety", R"(,"bogus":1)")), 400,
               "INVALID_ARGUMENT");
  expect_error(signed_with(platform_secret(), now, referral_json("r1", "RISK_LOW", "anxiety", R"(,"county":12)")), 400,
               "INVALID_ARGUMENT");
  // A home visit needs a configured county.
  auto visit = referral_json("r2", "RISK_LOW", "anxiety");
  visit.replace(visit.find("MODE_PHONE"), 10, "MODE_HOME_VISIT");
  expect_error(signed_with(platform_secret(), now, visit), 400, "INVALID_ARGUMENT", "county");
  expect_error(
      signed_with(platform_secret(), now,
                  referral_json("r3", "RISK_LOW", "anxiety", R"(,"summary":")" + std::string(4001, 'x') + "\"")),
      400, "INVALID_ARGUMENT", "summary");
  expect_error(signed_with(platform_secret(), now, referral_json("r1", "RISK_LOW", "anxiety"), "text/plain"), 415,
               "UNSUPPORTED_MEDIA_TYPE");
  expect_error(signed_with(platform_secret(), now, std::string(70 * 1024, ' ')), 413, "PAYLOAD_TOO_LARGE");
  EXPECT_EQ(case_count(), 0);
  // Still serving.
  EXPECT_EQ(signed_with(platform_secret(), now, referral_json("r1", "RISK_LOW", "anxiety")).status, 202);
}

TEST_F(input, same_referral_is_a_duplicate_and_different_content_is_a_conflict) {
  const auto body = referral_json("ref-idem-1", "RISK_LOW", "anxiety");
  auto first = api_->platform("POST", "/v1/referrals", body);
  ASSERT_EQ(first.status, 202);
  const auto case_id = parse<v1::ReferralAccepted>(first.body).case_id();

  // Same content, different bytes (snake_case keys, other order): a duplicate.
  std::string reordered = body;
  reordered.replace(reordered.find("referralId"), 10, "referral_id");
  auto again = api_->platform("POST", "/v1/referrals", reordered);
  ASSERT_EQ(again.status, 200) << again.body;
  auto ack = parse<v1::ReferralAccepted>(again.body);
  EXPECT_TRUE(ack.duplicate());
  EXPECT_EQ(ack.case_id(), case_id);

  auto changed = api_->platform("POST", "/v1/referrals", referral_json("ref-idem-1", "RISK_HIGH", "anxiety"));
  expect_error(changed, 409, "CONFLICT");
  EXPECT_EQ(case_count(), 1);
}

TEST_F(input, protobuf_bodies_and_accept_negotiation) {
  v1::Referral r;
  r.set_referral_id("ref-pb-1");
  r.mutable_received_at()->set_seconds(std::time(nullptr) - 10);
  r.set_risk(v1::RISK_MEDIUM);
  r.add_concerns("anxiety");
  r.set_mode(v1::MODE_ONLINE);
  const auto body = r.SerializeAsString();
  const auto t = std::to_string(std::time(nullptr));
  const auto sig = config::hmac_sha256_hex(platform_secret(), http::signing_payload(t, "POST", "/v1/referrals", body));
  auto reply = testing::http_call(daemon_->port(), "POST", "/v1/referrals", body,
                                  {{"X-Platform-Id", "test-platform"},
                                   {"X-Timestamp", t},
                                   {"X-Signature", sig},
                                   {"Content-Type", "application/x-protobuf"},
                                   {"Accept", "application/x-protobuf"}});
  ASSERT_EQ(reply.status, 202);
  v1::ReferralAccepted ack;
  ASSERT_TRUE(ack.ParseFromString(reply.body));
  EXPECT_EQ(ack.state(), v1::CASE_QUEUED);
}

TEST_F(input, bearer_tokens_are_checked) {
  expect_error(testing::http_call(daemon_->port(), "GET", "/v1/me/offers"), 401, "UNAUTHENTICATED");
  expect_error(testing::http_call(daemon_->port(), "GET", "/v1/me/offers", "", {{"Authorization", "Bearer nope"}}), 401,
               "UNAUTHENTICATED");
  expect_error(api_->as("c1", "GET", "/v1/me/offers?wait=61"), 400, "INVALID_ARGUMENT", "wait");
  expect_error(api_->as("c1", "PUT", "/v1/me/availability", "{}"), 400, "INVALID_ARGUMENT", "available");
  expect_error(api_->as("s1", "GET", "/v1/cases/does-not-exist"), 404, "NOT_FOUND");
  expect_error(testing::http_call(daemon_->port(), "GET", "/v1/nothing-here"), 404, "NOT_FOUND");
}

}  // namespace
}  // namespace caseroute::e2e
