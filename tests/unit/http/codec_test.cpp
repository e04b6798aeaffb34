// Body codec: strict proto3 JSON in both name styles, binary protobuf,
// content negotiation, the error body shape, and hostile input that must be
// answered with 400 rather than a crash. Data here is invented.
#include "http/codec.hpp"

#include "caseroute/v1/caseroute.pb.h"

#include <gtest/gtest.h>

namespace caseroute::http {
namespace {

using caseroute::v1::Referral;

request json_request(std::string body, std::string content_type = "application/json") {
  request r;
  r.method = "POST";
  r.target = r.path = "/v1/referrals";
  if (!content_type.empty()) r.headers.emplace_back("content-type", std::move(content_type));
  r.body = std::move(body);
  return r;
}

api_error decode_error(const std::string& body) {
  Referral ref;
  auto e = decode(json_request(body), ref);
  EXPECT_TRUE(e.has_value()) << body;
  return e.value_or(api_error{});
}

TEST(codec, camel_case_json_decodes_a_referral) {
  Referral ref;
  auto e = decode(json_request(R"({"referralId":"r-1","receivedAt":"2026-03-01T08:00:00Z","risk":"RISK_HIGH",
      "concerns":["depression","exam_stress"],"groups":["GROUP_HARDSHIP"],"mode":"MODE_HOME_VISIT",
      "county":"411202","youth":{"ref":"y-1","age":15}})"),
                  ref);
  ASSERT_FALSE(e) << e->message;
  EXPECT_EQ(ref.referral_id(), "r-1");
  EXPECT_EQ(ref.risk(), caseroute::v1::RISK_HIGH);
  EXPECT_EQ(ref.concerns_size(), 2);
  EXPECT_EQ(ref.mode(), caseroute::v1::MODE_HOME_VISIT);
  EXPECT_EQ(ref.youth().age(), 15u);
  EXPECT_EQ(ref.received_at().seconds(), 1772352000);
}

TEST(codec, snake_case_json_decodes_the_same_referral) {
  Referral a, b;
  ASSERT_FALSE(
      decode(json_request(R"({"referralId":"r-1","receivedAt":"2026-03-01T08:00:00Z","risk":"RISK_LOW"})"), a));
  ASSERT_FALSE(
      decode(json_request(R"({"referral_id":"r-1","received_at":"2026-03-01T08:00:00Z","risk":"RISK_LOW"})"), b));
  EXPECT_EQ(a.SerializeAsString(), b.SerializeAsString());
}

TEST(codec, charset_utf8_is_accepted) {
  Referral ref;
  EXPECT_FALSE(decode(json_request(R"({"referralId":"r-1"})", "application/json; charset=UTF-8"), ref));
}

TEST(codec, unknown_field_is_rejected_and_named) {
  auto e = decode_error(R"({"referralId":"r-1","bogusField":1})");
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.code, "INVALID_ARGUMENT");
  EXPECT_EQ(e.field, "bogusField");
  EXPECT_NE(e.message.find("bogusField"), std::string::npos) << e.message;
}

TEST(codec, unknown_nested_field_is_named_with_its_path) {
  auto e = decode_error(R"({"youth":{"ref":"y","shoeSize":40}})");
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.field, "youth.shoeSize") << e.message;
  EXPECT_EQ(e.message, "youth.shoeSize: unknown field");
}

TEST(codec, unknown_enum_name_is_rejected) {
  auto e = decode_error(R"({"risk":"RISK_EXTREME"})");
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.field, "risk") << e.message;
  EXPECT_EQ(e.message, "risk: invalid value \"RISK_EXTREME\" for type caseroute.v1.Risk");
  auto g = decode_error(R"({"groups":["GROUP_HARDSHIP","GROUP_NONE"]})");
  EXPECT_EQ(g.field, "groups[1]");
}

TEST(codec, error_paths_use_lower_camel_case) {
  EXPECT_EQ(decode_error(R"({"referral_id":5})").field, "referralId");
  EXPECT_EQ(decode_error(R"({"youth":{"age":"old"}})").field, "youth.age");
  EXPECT_EQ(decode_error(R"({"concerns":[1]})").field, "concerns[0]");
}

TEST(codec, wrong_types_are_rejected) {
  for (std::string body : {R"({"referralId":5})", R"({"youth":{"age":"old"}})", R"({"youth":"y-1"})",
                           R"({"receivedAt":"yesterday"})", R"({"youth":{"age":-3}})"}) {
    auto e = decode_error(body);
    EXPECT_EQ(e.status, 400) << body;
    EXPECT_EQ(e.code, "INVALID_ARGUMENT") << body;
  }
}

TEST(codec, hostile_json_is_an_error_not_a_crash) {
  std::string deep(5000, '[');
  std::string nested;
  for (int i = 0; i < 3000; ++i) nested += R"({"youth":)";
  for (std::string body :
       {std::string(R"({"youth":{"age":1e400}})"), std::string(R"({"youth":{"age":99999999999999999999}})"),
        std::string(R"({"referralId":"r-1")"), std::string("\xff\xfe{}"), std::string("{\"referralId\":\"\xc3\x28\"}"),
        std::string("{\"summary\":\"\xed\xa0\x80\"}"), std::string("null"), std::string("[]"), std::string("\"x\""),
        deep, nested, std::string("{\"referralId\":\"a\\ud800\"}")}) {
    Referral ref;
    auto e = decode(json_request(body), ref);
    ASSERT_TRUE(e.has_value()) << body.substr(0, 40);
    EXPECT_EQ(e->status, 400);
  }
}

TEST(codec, binary_protobuf_round_trips) {
  Referral in;
  in.set_referral_id("r-9");
  in.set_risk(caseroute::v1::RISK_CRISIS);
  in.add_concerns("self_harm");
  in.mutable_youth()->set_age(16);
  request req = json_request(in.SerializeAsString(), "application/x-protobuf");
  req.headers.emplace_back("accept", "application/x-protobuf");
  Referral out;
  ASSERT_FALSE(decode(req, out));
  EXPECT_EQ(out.SerializeAsString(), in.SerializeAsString());

  auto res = encode(req, out, 202);
  EXPECT_EQ(res.status, 202);
  EXPECT_EQ(res.content_type, "application/x-protobuf");
  Referral again;
  ASSERT_TRUE(again.ParseFromString(res.body));
  EXPECT_EQ(again.referral_id(), "r-9");
}

// Field 99 inside youth, then field 98 at the top: a binary body with fields
// the schema does not define is refused as JSON would be, naming the path.
TEST(codec, binary_protobuf_with_unknown_fields_is_rejected_like_json) {
  Referral in;
  in.set_referral_id("r-9");
  in.mutable_youth()->set_ref("y-1");
  const std::string extra_youth = std::string("\x9a\x06\x04", 3) + "IDXX";  // field 99, wire type 2
  std::string youth = in.youth().SerializeAsString() + extra_youth;
  in.clear_youth();
  const std::string body = in.SerializeAsString() + "\x42" + static_cast<char>(youth.size()) + youth;
  Referral out;
  auto e = decode(json_request(body, "application/x-protobuf"), out);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, 400);
  EXPECT_EQ(e->field, "youth.99");
  EXPECT_NE(e->message.find("unknown field"), std::string::npos) << e->message;
  EXPECT_FALSE(out.has_youth());

  auto top =
      decode(json_request(in.SerializeAsString() + std::string("\x90\x06\x01", 3), "application/x-protobuf"), out);
  ASSERT_TRUE(top);
  EXPECT_EQ(top->field, "98");
}

TEST(codec, malformed_binary_is_rejected) {
  Referral out;
  auto e = decode(json_request("\x0a\xff\xff\xff", "application/x-protobuf"), out);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, 400);
}

TEST(codec, empty_body_without_content_type_is_the_empty_message) {
  Referral out;
  out.set_referral_id("stale");
  EXPECT_FALSE(decode(json_request("", ""), out));
  EXPECT_EQ(out.referral_id(), "");
}

TEST(codec, text_plain_is_415) {
  Referral out;
  auto e = decode(json_request("{}", "text/plain"), out);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, 415);
  EXPECT_EQ(e->code, "UNSUPPORTED_MEDIA_TYPE");
  auto missing = decode(json_request("{}", ""), out);
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 415);
  auto latin1 = decode(json_request("{}", "application/json; charset=latin1"), out);
  ASSERT_TRUE(latin1);
  EXPECT_EQ(latin1->status, 415);
}

TEST(codec, accept_negotiation) {
  EXPECT_EQ(accept_format(""), format::json);
  EXPECT_EQ(accept_format("*/*"), format::json);
  EXPECT_EQ(accept_format("application/json"), format::json);
  EXPECT_EQ(accept_format("application/x-protobuf"), format::protobuf);
  EXPECT_EQ(accept_format("text/html, Application/X-Protobuf; q=0.9"), format::protobuf);
  EXPECT_EQ(accept_format("application/x-protobuf;q=0"), format::json);
  EXPECT_EQ(accept_format("application/json, application/x-protobuf;q=0.5"), format::json);
}

TEST(codec, json_response_uses_camel_case_and_enum_names_and_omits_defaults) {
  caseroute::v1::ReferralAccepted a;
  a.set_case_id("k-1");
  a.set_state(caseroute::v1::CASE_QUEUED);
  auto res = encode(json_request(""), a, 202);
  EXPECT_EQ(res.status, 202);
  EXPECT_EQ(res.content_type, "application/json");
  EXPECT_EQ(res.body, R"({"caseId":"k-1","state":"CASE_QUEUED"})");
}

TEST(error_body, json_shape_is_exact) {
  auto res = to_response(invalid_argument("concerns[0]: unknown specialty \"foo\"", "concerns[0]"));
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.content_type, "application/json");
  EXPECT_EQ(
      res.body,
      R"({"error":{"code":"INVALID_ARGUMENT","message":"concerns[0]: unknown specialty \"foo\"","field":"concerns[0]"}})");
}

TEST(error_body, field_is_always_present) {
  auto res = to_response(not_found("no such case"));
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.body, R"({"error":{"code":"NOT_FOUND","message":"no such case","field":""}})");
}

TEST(error_body, unavailable_carries_retry_after) {
  auto res = to_response(unavailable("redis unreachable", 5));
  EXPECT_EQ(res.status, 503);
  ASSERT_EQ(res.headers.size(), 1u);
  EXPECT_EQ(res.headers[0].first, "Retry-After");
  EXPECT_EQ(res.headers[0].second, "5");
}

TEST(error_body, binary_when_accept_asks_for_it) {
  auto res = to_response(conflict("different content"), "application/x-protobuf");
  EXPECT_EQ(res.status, 409);
  EXPECT_EQ(res.content_type, "application/x-protobuf");
  caseroute::v1::ErrorBody body;
  ASSERT_TRUE(body.ParseFromString(res.body));
  EXPECT_EQ(body.error().code(), "CONFLICT");
}

TEST(error_body, statuses_and_codes) {
  struct row {
    api_error e;
    int status;
    const char* code;
  };
  for (const auto& r :
       {row{unauthenticated("x"), 401, "UNAUTHENTICATED"}, row{permission_denied("x"), 403, "PERMISSION_DENIED"},
        row{payload_too_large("x"), 413, "PAYLOAD_TOO_LARGE"}, row{resource_exhausted("x"), 429, "RESOURCE_EXHAUSTED"},
        row{internal(), 500, "INTERNAL"}, row{unavailable("x"), 503, "UNAVAILABLE"}}) {
    EXPECT_EQ(r.e.status, r.status);
    EXPECT_EQ(r.e.code, r.code);
  }
}

}  // namespace
}  // namespace caseroute::http
