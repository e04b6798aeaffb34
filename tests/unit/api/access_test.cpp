// Who may call: every kind of credentials against every role a route may
// require. Tokens and secrets are invented test values.
#include "api/access.hpp"

#include <gtest/gtest.h>

#include <cctype>

#include "http/auth.hpp"

namespace caseroute::api {
namespace {

const time_point now{std::chrono::seconds(1700000000)};

config::config sample_config() {
  config::config cfg;
  config::platform p;
  p.id = "test-platform";
  p.secret = "test-platform-secret";
  cfg.platforms.push_back(p);
  config::counselor c;
  c.id = "c1";
  c.token_sha256 = config::sha256_hex("counselor-token");
  cfg.counselors.push_back(c);
  config::supervisor s;
  s.id = "s1";
  s.token_sha256 = config::sha256_hex("supervisor-token");
  cfg.supervisors.push_back(s);
  return cfg;
}

http::request bearer(const char* token) {
  http::request r;
  r.method = "GET";
  r.target = r.path = "/v1/queue";
  r.headers.emplace_back("authorization", std::string("Bearer ") + token);
  return r;
}

http::request signed_by_platform() {
  http::request r;
  r.method = "GET";
  r.target = r.path = "/v1/referrals/r-1";
  for (auto& [k, v] : http::sign_request("test-platform", "test-platform-secret", 1700000000, r.method, r.target, "")) {
    std::string lower;
    for (char ch : k) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
    r.headers.emplace_back(lower, v);
  }
  return r;
}

// An outcome: 0 and the caller's role when accepted, else the status.
struct outcome {
  int status;
  role as = role::anyone;
};
constexpr outcome as_platform{0, role::platform}, as_counselor{0, role::counselor}, as_supervisor{0, role::supervisor},
    open{0, role::anyone}, unauthenticated{401}, forbidden{403};

struct credentials {
  const char* name;
  http::request (*request)();
  outcome anyone, platform, counselor, supervisor, staff;
};

// clang-format off
const credentials table[] = {
    // credentials                                        anyone platform     counselor        supervisor       staff
    {"none",       [] { return http::request{}; },          open, unauthenticated, unauthenticated, unauthenticated, unauthenticated},
    {"signature",  signed_by_platform,                      open, as_platform,     unauthenticated, unauthenticated, unauthenticated},
    {"counselor",  [] { return bearer("counselor-token"); },  open, unauthenticated, as_counselor,    forbidden,       as_counselor},
    {"supervisor", [] { return bearer("supervisor-token"); }, open, unauthenticated, forbidden,       as_supervisor,   as_supervisor},
    {"bad token",  [] { return bearer("guessed-token"); },    open, unauthenticated, unauthenticated, unauthenticated, unauthenticated},
};
// clang-format on

TEST(authorize, each_role_admits_only_its_credentials) {
  const auto cfg = sample_config();
  for (const auto& row : table) {
    const std::pair<role, outcome> cells[] = {{role::anyone, row.anyone},
                                              {role::platform, row.platform},
                                              {role::counselor, row.counselor},
                                              {role::supervisor, row.supervisor},
                                              {role::staff, row.staff}};
    for (const auto& [who, want] : cells) {
      auto got = authorize(cfg, row.request(), who, now);
      const auto where = std::string(row.name) + " calling a route for " + to_string(who);
      if (want.status == 0) {
        ASSERT_TRUE(got) << where << ": " << got.error().message;
        EXPECT_EQ(got->as, want.as) << where;
      } else {
        ASSERT_FALSE(got) << where;
        EXPECT_EQ(got.error().status, want.status) << where;
      }
    }
  }
}

TEST(authorize, the_caller_carries_the_configured_id) {
  const auto cfg = sample_config();
  EXPECT_EQ(authorize(cfg, signed_by_platform(), role::platform, now)->id, "test-platform");
  EXPECT_EQ(authorize(cfg, bearer("counselor-token"), role::staff, now)->id, "c1");
  EXPECT_EQ(authorize(cfg, bearer("supervisor-token"), role::staff, now)->id, "s1");
}

TEST(authorize, the_wrong_role_is_told_whose_endpoint_it_is) {
  const auto cfg = sample_config();
  EXPECT_EQ(authorize(cfg, bearer("supervisor-token"), role::counselor, now).error().message,
            "this endpoint is for counselors");
  EXPECT_EQ(authorize(cfg, bearer("counselor-token"), role::supervisor, now).error().message,
            "this endpoint is for supervisors");
}

}  // namespace
}  // namespace caseroute::api
