// Platform HMAC signatures and bearer tokens: known vectors (computed outside
// this code base with Python's hmac/hashlib), the clock window and every
// rejection. Secrets and tokens here are invented test values.
#include "http/auth.hpp"

#include <gtest/gtest.h>

#include "config/loader.hpp"
#include "config/token.hpp"

namespace caseroute::http {
namespace {

using config::hmac_sha256_hex;
using config::sha256_hex;

constexpr std::int64_t now = 1700000000;
constexpr std::string_view secret = "test-secret-henan";
constexpr std::string_view body = R"({"referralId":"r-1"})";
// python3: hmac.new(b"test-secret-henan",
//   b'1700000000\nPOST\n/v1/referrals?x=1\n{"referralId":"r-1"}', sha256).hexdigest()
constexpr std::string_view known_signature = "f1aae134f3ec2651dd729de873ed05b3dce0b484a9984d36cb3a17dcd2d743a2";

std::vector<config::platform> platforms() {
  config::platform p;
  p.id = "henan-12355";
  p.secret = std::string(secret);
  config::platform other;
  other.id = "other";
  other.secret = "other-secret";
  return {other, p};
}

request signed_request(std::int64_t ts, std::string_view key = secret) {
  request r;
  r.method = "POST";
  r.target = "/v1/referrals?x=1";
  r.path = "/v1/referrals";
  r.body = std::string(body);
  for (auto& [k, v] : sign_request("henan-12355", key, ts, r.method, r.target, r.body)) {
    std::string lower;
    for (char c : k) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    r.headers.emplace_back(lower, v);
  }
  return r;
}

std::string error_message(const std::variant<const config::platform*, api_error>& v) {
  auto* e = std::get_if<api_error>(&v);
  if (!e) return "(accepted)";
  EXPECT_EQ(e->status, 401);
  EXPECT_EQ(e->code, "UNAUTHENTICATED");
  return e->message;
}

void set_header(request& r, const std::string& name, const std::string& value) {
  for (auto& [n, v] : r.headers)
    if (n == name) v = value;
}

void drop_header(request& r, const std::string& name) {
  std::erase_if(r.headers, [&](const auto& h) { return h.first == name; });
}

TEST(hmac, matches_rfc4231_test_case_2) {
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(hmac, signing_payload_joins_with_newlines) {
  EXPECT_EQ(signing_payload("1700000000", "post", "/v1/referrals?x=1", "{}"),
            "1700000000\nPOST\n/v1/referrals?x=1\n{}");
}

TEST(platform_signature, known_vector_is_accepted) {
  auto r = signed_request(now);
  EXPECT_EQ(r.header("x-signature"), known_signature);
  auto ps = platforms();
  auto v = verify_platform(r, ps, now);
  ASSERT_TRUE(std::holds_alternative<const config::platform*>(v)) << error_message(v);
  EXPECT_EQ(std::get<const config::platform*>(v), &ps[1]);
}

TEST(platform_signature, wrong_secret_is_rejected) {
  EXPECT_EQ(error_message(verify_platform(signed_request(now, "not-the-secret"), platforms(), now)),
            "signature does not match");
}

TEST(platform_signature, timestamp_within_300_seconds_is_accepted) {
  auto ps = platforms();
  EXPECT_TRUE(std::holds_alternative<const config::platform*>(verify_platform(signed_request(now - 300), ps, now)));
  EXPECT_TRUE(std::holds_alternative<const config::platform*>(verify_platform(signed_request(now + 300), ps, now)));
}

TEST(platform_signature, stale_or_future_timestamp_is_rejected) {
  EXPECT_NE(error_message(verify_platform(signed_request(now - 301), platforms(), now)).find("300 s"),
            std::string::npos);
  EXPECT_NE(error_message(verify_platform(signed_request(now + 301), platforms(), now)).find("300 s"),
            std::string::npos);
}

TEST(platform_signature, missing_headers_are_named) {
  for (std::string h : {"x-platform-id", "x-timestamp", "x-signature"}) {
    auto r = signed_request(now);
    drop_header(r, h);
    auto msg = error_message(verify_platform(r, platforms(), now));
    EXPECT_NE(msg.find("missing"), std::string::npos) << h;
  }
}

TEST(platform_signature, unknown_platform_is_rejected) {
  auto r = signed_request(now);
  set_header(r, "x-platform-id", "nobody");
  // The same message as a wrong signature: ids cannot be probed.
  EXPECT_EQ(error_message(verify_platform(r, platforms(), now)), "signature does not match");
}

TEST(platform_signature, platform_without_secret_never_verifies) {
  auto ps = platforms();
  ps[1].secret.clear();
  auto r = signed_request(now, "");
  EXPECT_EQ(error_message(verify_platform(r, ps, now)), "signature does not match");
}

TEST(platform_signature, tampered_body_is_rejected) {
  auto r = signed_request(now);
  r.body = R"({"referralId":"r-2"})";
  EXPECT_EQ(error_message(verify_platform(r, platforms(), now)), "signature does not match");
}

TEST(platform_signature, tampered_query_is_rejected) {
  auto r = signed_request(now);
  r.target = "/v1/referrals?x=2";
  EXPECT_EQ(error_message(verify_platform(r, platforms(), now)), "signature does not match");
}

TEST(platform_signature, tampered_method_is_rejected) {
  auto r = signed_request(now);
  r.method = "PUT";
  EXPECT_EQ(error_message(verify_platform(r, platforms(), now)), "signature does not match");
}

TEST(platform_signature, timestamp_parse_is_strict) {
  for (std::string ts : {"+1700000000", " 1700000000", "1700000000.0", "17e8", "-1", "abc", "1700000000000000"}) {
    auto r = signed_request(now);
    set_header(r, "x-timestamp", ts);
    auto msg = error_message(verify_platform(r, platforms(), now));
    EXPECT_NE(msg.find("Unix seconds"), std::string::npos) << ts << ": " << msg;
  }
}

TEST(platform_signature, uppercase_hex_signature_is_rejected) {
  auto r = signed_request(now);
  std::string upper(known_signature);
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  set_header(r, "x-signature", upper);
  EXPECT_NE(error_message(verify_platform(r, platforms(), now)).find("lowercase hex"), std::string::npos);
}

TEST(platform_signature, messages_never_echo_the_secret) {
  auto r = signed_request(now, "wrong");
  EXPECT_EQ(error_message(verify_platform(r, platforms(), now)).find(secret), std::string::npos);
}

config::config bearer_config() {
  config::config c;
  config::counselor co;
  co.id = "c001";
  co.token_sha256 = "5393ff1c830f3069f029e91b78d498212189e3dd426c539250b0731f6ff824a7";  // "counselor-token-c001"
  c.counselors.push_back(co);
  config::counselor no_token;
  no_token.id = "c002";
  c.counselors.push_back(no_token);
  config::supervisor s;
  s.id = "s001";
  s.token_sha256 = "7470036ea3f8892f2c295e8c6f3f284d925072292e9b4363c57560585e901ccc";  // "supervisor-token-s001"
  c.supervisors.push_back(s);
  return c;
}

request with_authorization(std::string value) {
  request r;
  r.headers.emplace_back("authorization", std::move(value));
  return r;
}

TEST(bearer, sha256_matches_python) {
  EXPECT_EQ(sha256_hex("counselor-token-c001"), "5393ff1c830f3069f029e91b78d498212189e3dd426c539250b0731f6ff824a7");
}

TEST(bearer, counselor_token_names_the_counselor) {
  auto v = verify_bearer(with_authorization("Bearer counselor-token-c001"), bearer_config());
  ASSERT_TRUE(std::holds_alternative<principal>(v));
  EXPECT_EQ(std::get<principal>(v).role, principal::kind::counselor);
  EXPECT_EQ(std::get<principal>(v).id, "c001");
}

TEST(bearer, supervisor_token_names_the_supervisor) {
  auto v = verify_bearer(with_authorization("bearer supervisor-token-s001"), bearer_config());
  ASSERT_TRUE(std::holds_alternative<principal>(v));
  EXPECT_EQ(std::get<principal>(v).role, principal::kind::supervisor);
  EXPECT_EQ(std::get<principal>(v).id, "s001");
}

TEST(bearer, unknown_token_is_rejected) {
  auto v = verify_bearer(with_authorization("Bearer someone-else"), bearer_config());
  ASSERT_TRUE(std::holds_alternative<api_error>(v));
  EXPECT_EQ(std::get<api_error>(v).status, 401);
  EXPECT_EQ(std::get<api_error>(v).message, "unknown bearer token");
}

// The index answers as the scan does, and never names the wrong person when
// the lists were edited after it was built.
TEST(bearer, the_token_index_finds_each_holder_and_a_stale_one_names_nobody_wrong) {
  auto cfg = bearer_config();
  cfg.build_indexes();
  EXPECT_EQ(cfg.token_index.size(), 2u);  // c002 has no token
  const auto who = [&cfg](const std::string& token) {
    auto v = verify_token(token, cfg);
    return std::holds_alternative<principal>(v) ? std::get<principal>(v).id : "unknown";
  };
  EXPECT_EQ(who("counselor-token-c001"), "c001");
  EXPECT_EQ(who("supervisor-token-s001"), "s001");
  EXPECT_EQ(who("someone-else"), "unknown");
  // Edited after indexing: c001 and c002 swap places in the list.
  std::swap(cfg.counselors[0], cfg.counselors[1]);
  EXPECT_EQ(who("counselor-token-c001"), "c001");
  cfg.counselors[1].token_sha256.clear();  // c001's token revoked
  EXPECT_EQ(who("counselor-token-c001"), "unknown");
}

TEST(bearer, a_loaded_config_is_indexed) {
  auto loaded = config::parse_config(
      "timezone: Asia/Shanghai\n"
      "shifts: {all: \"00:00-24:00\"}\n"
      "specialties: [{code: depression, name: 抑郁}]\n"
      "counselors:\n"
      "  - {id: c1, name: 甲, token_sha256: " +
      config::sha256_hex("token-c1") +
      ", specialties: {depression: 3}}\n"
      "supervisors: [{id: s1, name: 乙, token_sha256: " +
      config::sha256_hex("token-s1") +
      "}]\n"
      "sites: [{id: s1, name: 一号点, county: \"411202\", roster: {mon: {all: [c1]}}}]\n"
      "privacy: {encryption_key_file: data.key}\n"
      "platforms: [{id: p1, secret_file: p1.key}]\n");
  ASSERT_TRUE(loaded.cfg) << (loaded.errors.empty() ? "" : loaded.errors.front().message);
  EXPECT_EQ(loaded.cfg->token_index.size(), 2u);
  EXPECT_EQ(std::get<principal>(verify_token("token-s1", *loaded.cfg)).id, "s1");
}

TEST(bearer, missing_or_malformed_header_is_rejected) {
  auto cfg = bearer_config();
  EXPECT_TRUE(std::holds_alternative<api_error>(verify_bearer(request{}, cfg)));
  for (std::string h : {"Basic Y291bnNlbG9y", "Bearer", "Bearer ", "Bearer a b", "counselor-token-c001",
                        "Bearercounselor-token-c001"}) {
    auto v = verify_bearer(with_authorization(h), cfg);
    ASSERT_TRUE(std::holds_alternative<api_error>(v)) << h;
    EXPECT_EQ(std::get<api_error>(v).code, "UNAUTHENTICATED");
  }
}

}  // namespace
}  // namespace caseroute::http

namespace caseroute::http {
namespace {

// Every check on the request's own headers comes before the platform look-up,
// so an unknown id and a known one answer alike whatever else is wrong.
TEST(platform_signature, unknown_and_known_ids_get_the_same_answers) {
  for (const std::string& ts : {std::to_string(now), std::to_string(now - 1000), std::string("x")}) {
    for (const std::string& sig : {std::string(64, 'a'), std::string("ABC")}) {
      auto known = signed_request(now);
      set_header(known, "x-timestamp", ts);
      set_header(known, "x-signature", sig);
      auto unknown = known;
      set_header(unknown, "x-platform-id", "nobody");
      EXPECT_EQ(error_message(verify_platform(known, platforms(), now)),
                error_message(verify_platform(unknown, platforms(), now)))
          << ts << " " << sig;
    }
  }
}

}  // namespace
}  // namespace caseroute::http
