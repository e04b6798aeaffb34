// The console's sessions against the real binary: sign-in with a token or a
// one-time link, the cookie's flags, CSRF (Origin and X-CSRF-Token) on every
// state-changing request signed in by cookie while bearer calls are
// unchanged, idle and absolute ends, revocation (sign-out, a supervisor, a
// token changed by a reload), the read-only viewer, and a session that works
// on a second replica after the first is killed.
#include <csignal>
#include <thread>

#include "caseroute/v1/audit.pb.h"
#include "caseroute/v1/console.pb.h"
#include "config/digest.hpp"
#include "e2e/e2e_support.hpp"

namespace caseroute::e2e {
namespace {

using namespace std::chrono_literals;
using headers = std::vector<std::pair<std::string, std::string>>;

const std::string origin = "http://127.0.0.1";  // the test client's Host is 127.0.0.1

struct signed_in {
  http_reply reply;
  std::string cookie;  // "caseroute_session=<value>"
  v1::Session session;
};

std::string cookie_of(const http_reply& r) {
  const auto set = r.header("set-cookie");
  const auto semi = set.find(';');
  return set.substr(0, semi);
}

signed_in sign_in(int port, const std::string& body, const headers& extra = {}) {
  signed_in s;
  s.reply = testing::http_call(port, "POST", "/v1/session", body, extra);
  if (s.reply.status == 200) {
    s.cookie = cookie_of(s.reply);
    s.session = parse<v1::Session>(s.reply.body);
  }
  return s;
}

signed_in sign_in_as(int port, const std::string& who) {
  return sign_in(port, R"({"id":")" + who + R"(","token":")" + test_tokens().at(who) + R"("})");
}

// A request signed in by cookie only, with the console's Origin and the
// session's CSRF token unless told otherwise.
http_reply with_cookie(int port, const signed_in& s, const std::string& method, const std::string& target,
                       const std::string& body = "", bool send_origin = true, bool send_csrf = true) {
  headers h{{"Cookie", s.cookie}};
  if (send_origin) h.emplace_back("Origin", origin);
  if (send_csrf) h.emplace_back("X-CSRF-Token", s.session.csrf());
  return testing::http_call(port, method, target, body, h);
}

std::string post_case(client& api, const std::string& id, const std::string& risk, const std::string& concern) {
  auto r = api.platform("POST", "/v1/referrals", referral_json(id, risk, concern));
  EXPECT_EQ(r.status, 202) << r.body;
  return parse<v1::ReferralAccepted>(r.body).case_id();
}

class console_sessions : public e2e_test {};

TEST_F(console_sessions, a_token_signs_in_with_an_http_only_strict_cookie_and_a_wrong_one_gets_401) {
  const int port = daemon_->port();
  auto s = sign_in_as(port, "c1");
  ASSERT_EQ(s.reply.status, 200) << s.reply.body;
  const auto set = s.reply.header("set-cookie");
  EXPECT_TRUE(set.starts_with("caseroute_session=")) << set;
  EXPECT_NE(set.find("; Path=/"), std::string::npos) << set;
  EXPECT_NE(set.find("; HttpOnly"), std::string::npos) << set;
  EXPECT_NE(set.find("; SameSite=Strict"), std::string::npos) << set;
  EXPECT_EQ(set.find("Secure"), std::string::npos) << "plain HTTP: " << set;
  EXPECT_EQ(s.session.id(), "c1");
  EXPECT_EQ(s.session.role(), "counselor");
  EXPECT_EQ(s.session.csrf().size(), 43u);
  EXPECT_GT(to_ms(s.session.expires_at()), to_ms(s.session.idle_expires_at()));
  EXPECT_EQ(s.reply.header("cache-control"), "no-store");
  // The cookie is not the token, and the body never carries either.
  EXPECT_EQ(s.reply.body.find(test_tokens().at("c1")), std::string::npos);
  EXPECT_EQ(s.reply.body.find(s.cookie.substr(18)), std::string::npos);

  auto again = with_cookie(port, s, "GET", "/v1/session");
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(parse<v1::Session>(again.body).csrf(), s.session.csrf());

  // A wrong token, a right token under another id, a malformed body: one 401.
  const auto c2 = test_tokens().at("c2");
  for (const auto& body : {std::string(R"({"id":"c1","token":"crt_wrong"})"), R"({"id":"c1","token":")" + c2 + R"("})",
                           std::string(R"({"id":"c9","token":""})")}) {
    auto bad = sign_in(port, body);
    EXPECT_EQ(bad.reply.status, 401) << body;
    EXPECT_NE(bad.reply.body.find("unknown id, token or sign-in code"), std::string::npos) << bad.reply.body;
    EXPECT_TRUE(bad.reply.header("set-cookie").empty());
  }
  const auto metrics = testing::http_call(port, "GET", "/metrics").body;
  EXPECT_NE(metrics.find("caseroute_auth_failures_total{kind=\"bearer\"} 3"), std::string::npos) << metrics;
  // No cookie, a made-up cookie: 401.
  EXPECT_EQ(testing::http_call(port, "GET", "/v1/session").status, 401);
  EXPECT_EQ(testing::http_call(port, "GET", "/v1/me/cases", "",
                               {{"Cookie", "caseroute_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}})
                .status,
            401);
  // A sign-in from another site's page is refused.
  auto foreign =
      sign_in(port, R"({"id":"c1","token":")" + test_tokens().at("c1") + R"("})", {{"Origin", "https://evil.example"}});
  EXPECT_EQ(foreign.reply.status, 403);
}

TEST_F(console_sessions, the_cookie_proves_the_same_roles_as_the_token) {
  const int port = daemon_->port();
  auto c1 = sign_in_as(port, "c1");
  auto s1 = sign_in_as(port, "s1");
  EXPECT_EQ(with_cookie(port, c1, "GET", "/v1/me/cases").status, 200);
  EXPECT_EQ(with_cookie(port, c1, "GET", "/v1/queue").status, 403);
  EXPECT_EQ(with_cookie(port, s1, "GET", "/v1/queue").status, 200);
  EXPECT_EQ(with_cookie(port, s1, "GET", "/v1/me/cases").status, 403);
  // Bearer still wins when both are sent.
  EXPECT_EQ(testing::http_call(port, "GET", "/v1/queue", "",
                               {{"Cookie", c1.cookie}, {"Authorization", "Bearer " + test_tokens().at("s1")}})
                .status,
            200);
  // A platform route takes no cookie.
  EXPECT_EQ(with_cookie(port, s1, "POST", "/v1/referrals", referral_json("r-cookie", "RISK_LOW", "grief")).status, 401);
}

TEST_F(console_sessions, a_counselor_with_a_cookie_cannot_open_another_counselors_case) {
  const int port = daemon_->port();
  const auto case_id = post_case(*api_, "ref-console-1", "RISK_MEDIUM", "depression");
  ASSERT_TRUE(wait_for_offer(*api_, "c1", case_id));
  auto c1 = sign_in_as(port, "c1");
  auto c2 = sign_in_as(port, "c2");
  EXPECT_EQ(with_cookie(port, c2, "GET", "/v1/cases/" + case_id).status, 403);
  EXPECT_EQ(with_cookie(port, c2, "POST", "/v1/cases/" + case_id + "/accept").status, 409);
  EXPECT_EQ(with_cookie(port, c1, "GET", "/v1/cases/" + case_id).status, 200);
  // Accepting by cookie, with Origin and CSRF token, works like the token.
  EXPECT_EQ(with_cookie(port, c1, "POST", "/v1/cases/" + case_id + "/accept").status, 200);
}

TEST_F(console_sessions, state_changes_by_cookie_need_origin_and_csrf_token_and_bearer_calls_do_not) {
  const int port = daemon_->port();
  const auto case_id = post_case(*api_, "ref-console-2", "RISK_LOW", "grief");
  auto s1 = sign_in_as(port, "s1");
  const std::string target = "/v1/cases/" + case_id + "/cancel";
  const std::string body = R"({"reason":"duplicate"})";
  // Missing Origin, missing token, wrong Origin, wrong token: 403 with a reason.
  auto no_origin = with_cookie(port, s1, "POST", target, body, false, true);
  EXPECT_EQ(no_origin.status, 403);
  EXPECT_NE(no_origin.body.find("Origin"), std::string::npos) << no_origin.body;
  auto no_token = with_cookie(port, s1, "POST", target, body, true, false);
  EXPECT_EQ(no_token.status, 403);
  EXPECT_NE(no_token.body.find("X-CSRF-Token"), std::string::npos) << no_token.body;
  EXPECT_EQ(testing::http_call(
                port, "POST", target, body,
                {{"Cookie", s1.cookie}, {"Origin", "http://evil.example"}, {"X-CSRF-Token", s1.session.csrf()}})
                .status,
            403);
  EXPECT_EQ(
      testing::http_call(port, "POST", target, body,
                         {{"Cookie", s1.cookie}, {"Origin", "http://127.0.0.1:1"}, {"X-CSRF-Token", s1.session.csrf()}})
          .status,
      403);
  EXPECT_EQ(testing::http_call(port, "POST", target, body,
                               {{"Cookie", s1.cookie}, {"Origin", origin}, {"X-CSRF-Token", "x" + s1.session.csrf()}})
                .status,
            403);
  // Another session's CSRF token is not this session's.
  auto other = sign_in_as(port, "s1");
  EXPECT_EQ(testing::http_call(port, "POST", target, body,
                               {{"Cookie", s1.cookie}, {"Origin", origin}, {"X-CSRF-Token", other.session.csrf()}})
                .status,
            403);
  EXPECT_NE(parse<v1::Case>(api_->as("s1", "GET", "/v1/cases/" + case_id).body).state(), v1::CASE_CANCELLED);
  // Reads need neither.
  EXPECT_EQ(with_cookie(port, s1, "GET", "/v1/queue", "", false, false).status, 200);
  // A bearer call needs neither, as before.
  EXPECT_EQ(api_->as("s1", "GET", "/v1/queue").status, 200);
  // With both the cancel goes through.
  auto ok = with_cookie(port, s1, "POST", target, body);
  EXPECT_EQ(ok.status, 200) << ok.body;
}

TEST_F(console_sessions, sign_out_and_a_supervisor_end_sessions) {
  const int port = daemon_->port();
  auto a = sign_in_as(port, "c1");
  auto b = sign_in_as(port, "c1");
  auto other = sign_in_as(port, "c2");
  // Sign-out changes state: it needs the CSRF token too.
  EXPECT_EQ(with_cookie(port, a, "DELETE", "/v1/session", "", true, false).status, 403);
  auto out = with_cookie(port, a, "DELETE", "/v1/session");
  EXPECT_EQ(out.status, 204);
  EXPECT_NE(out.header("set-cookie").find("caseroute_session=;"), std::string::npos) << out.header("set-cookie");
  EXPECT_NE(out.header("set-cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(with_cookie(port, a, "GET", "/v1/session").status, 401);
  EXPECT_EQ(with_cookie(port, b, "GET", "/v1/session").status, 200);

  auto a2 = sign_in_as(port, "c1");
  // A counselor may not revoke; a supervisor may, by cookie too.
  EXPECT_EQ(api_->as("c2", "DELETE", "/v1/sessions/c1").status, 403);
  auto s1 = sign_in_as(port, "s1");
  auto revoked = with_cookie(port, s1, "DELETE", "/v1/sessions/c1");
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_EQ(parse<v1::RevokedSessions>(revoked.body).revoked(), 2);
  EXPECT_EQ(with_cookie(port, b, "GET", "/v1/me/cases").status, 401);
  EXPECT_EQ(with_cookie(port, a2, "GET", "/v1/session").status, 401);
  EXPECT_EQ(with_cookie(port, other, "GET", "/v1/session").status, 200);
  // The token itself still works.
  EXPECT_EQ(api_->as("c1", "GET", "/v1/me/cases").status, 200);
}

TEST_F(console_sessions, a_one_time_link_signs_in_once) {
  const int port = daemon_->port();
  auto made = api_->as("s1", "POST", "/v1/session/links", R"({"id":"c3"})");
  ASSERT_EQ(made.status, 200) << made.body;
  auto link = parse<v1::SigninLink>(made.body);
  ASSERT_TRUE(link.url().starts_with("/signin#")) << link.url();
  const auto code = link.url().substr(8);
  EXPECT_NEAR(static_cast<double>((to_ms(link.expires_at()) - now_ms()).count()), 15 * 60 * 1000.0, 60000.0);

  auto first = sign_in(port, R"({"code":")" + code + R"("})");
  ASSERT_EQ(first.reply.status, 200) << first.reply.body;
  EXPECT_EQ(first.session.id(), "c3");
  EXPECT_EQ(first.session.role(), "counselor");
  EXPECT_EQ(with_cookie(port, first, "GET", "/v1/me/cases").status, 200);
  auto second = sign_in(port, R"({"code":")" + code + R"("})");
  EXPECT_EQ(second.reply.status, 401);
  EXPECT_EQ(sign_in(port, R"({"code":"not-a-code"})").reply.status, 401);

  // Only supervisors make links; for counselors, viewers and themselves.
  EXPECT_EQ(api_->as("c1", "POST", "/v1/session/links", R"({"id":"c1"})").status, 403);
  EXPECT_EQ(api_->as("s1", "POST", "/v1/session/links", R"({"id":"nobody"})").status, 400);
  EXPECT_EQ(api_->as("s1", "POST", "/v1/session/links", R"({"id":"v1"})").status, 200);
  EXPECT_EQ(api_->as("s1", "POST", "/v1/session/links", R"({"id":"s1"})").status, 200);
  const auto metrics = testing::http_call(port, "GET", "/metrics").body;
  EXPECT_NE(metrics.find("caseroute_auth_failures_total{kind=\"link\"} 2"), std::string::npos) << metrics;
}

TEST_F(console_sessions, a_viewer_reads_what_supervisors_read_and_changes_nothing) {
  const int port = daemon_->port();
  const auto case_id = post_case(*api_, "ref-console-3", "RISK_LOW", "grief");
  for (const auto* target :
       {"/v1/queue", "/v1/cases", "/v1/coverage", "/v1/counselors", "/v1/callbacks/parked", "/v1/audit"}) {
    EXPECT_EQ(api_->as("v1", "GET", target).status, 200) << target;
  }
  auto seen = api_->as("v1", "GET", "/v1/cases/" + case_id);
  ASSERT_EQ(seen.status, 200) << seen.body;
  auto c = parse<v1::Case>(seen.body);
  EXPECT_FALSE(c.has_contact());
  EXPECT_TRUE(c.summary().empty());
  EXPECT_GT(c.history_size(), 0);  // the events, without their typed reasons or notes
  for (const auto& e : c.history()) EXPECT_TRUE(e.reason().empty() && e.note().empty()) << e.type();

  auto v = sign_in_as(port, "v1");
  ASSERT_EQ(v.reply.status, 200);
  EXPECT_EQ(v.session.role(), "viewer");
  EXPECT_EQ(with_cookie(port, v, "GET", "/v1/queue").status, 200);
  struct call {
    const char* method;
    std::string target;
    const char* body;
  };
  const std::vector<call> changes = {
      {"POST", "/v1/cases/" + case_id + "/assign", R"({"counselorId":"c2"})"},
      {"POST", "/v1/cases/" + case_id + "/cancel", "{}"},
      {"POST", "/v1/cases/" + case_id + "/risk", R"({"risk":"RISK_HIGH"})"},
      {"POST", "/v1/callbacks/parked/x/retry", ""},
      {"POST", "/v1/session/links", R"({"id":"c1"})"},
      {"DELETE", "/v1/sessions/c1", ""},
      {"PUT", "/v1/me/availability", R"({"available":true})"},
      {"POST", "/v1/cases/" + case_id + "/accept", ""},
      {"POST", "/v1/cases/" + case_id + "/decline", ""},
      {"POST", "/v1/cases/" + case_id + "/resolve", ""},
      {"POST", "/v1/cases/" + case_id + "/release", ""},
  };
  for (const auto& x : changes) {
    EXPECT_EQ(api_->as("v1", x.method, x.target, x.body).status, 403) << x.method << " " << x.target;
    EXPECT_EQ(with_cookie(port, v, x.method, x.target, x.body).status, 403) << x.method << " " << x.target;
  }
  EXPECT_EQ(api_->as("v1", "GET", "/v1/me/offers").status, 403);
  EXPECT_NE(parse<v1::Case>(api_->as("s1", "GET", "/v1/cases/" + case_id).body).state(), v1::CASE_CANCELLED);
}

TEST_F(console_sessions, a_session_works_on_a_second_replica_after_the_first_is_killed) {
  daemon second(redis_->url(), "caseroute-console-second.log");
  auto s = sign_in_as(daemon_->port(), "s1");
  ASSERT_EQ(s.reply.status, 200);
  daemon_->kill9();
  auto there = with_cookie(second.port(), s, "GET", "/v1/session");
  ASSERT_EQ(there.status, 200) << there.body;
  EXPECT_EQ(parse<v1::Session>(there.body).id(), "s1");
  EXPECT_EQ(with_cookie(second.port(), s, "GET", "/v1/queue").status, 200);
  // A one-time link made on one replica is used on another.
  daemon_->start();
  auto made = api_->as("s1", "POST", "/v1/session/links", R"({"id":"c2"})");
  ASSERT_EQ(made.status, 200);
  auto code = parse<v1::SigninLink>(made.body).url().substr(8);
  EXPECT_EQ(sign_in(second.port(), R"({"code":")" + code + R"("})").reply.status, 200);
  EXPECT_EQ(sign_in(daemon_->port(), R"({"code":")" + code + R"("})").reply.status, 401);
}

const std::string csp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'";

void expect_console_headers(const http_reply& r, const std::string& what) {
  EXPECT_EQ(r.header("content-security-policy"), csp) << what;
  EXPECT_EQ(r.header("x-content-type-options"), "nosniff") << what;
  EXPECT_EQ(r.header("referrer-policy"), "no-referrer") << what;
  const auto etag = r.header("etag");
  EXPECT_EQ(etag.size(), 66u) << what << ": " << etag;  // a strong ETag: the quoted SHA-256
  EXPECT_FALSE(etag.starts_with("W/")) << what;
}

class console_files : public e2e_test {};

TEST_F(console_files, pages_carry_the_csp_revalidate_and_name_their_assets_by_hash) {
  const int port = daemon_->port();
  for (const auto* path : {"/", "/me", "/signin", "/reports", "/roster"}) {
    auto r = testing::http_call(port, "GET", path);
    ASSERT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.header("content-type"), "text/html; charset=utf-8") << path;
    EXPECT_EQ(r.header("cache-control"), "no-cache") << path;
    expect_console_headers(r, path);
    EXPECT_EQ(r.header("etag"), "\"" + config::sha256_hex(r.body) + "\"") << path;
    EXPECT_EQ(r.body.find("{{asset:"), std::string::npos) << path << ": every asset reference is filled in";
    auto again = testing::http_call(port, "GET", path, "", {{"If-None-Match", r.header("etag")}});
    EXPECT_EQ(again.status, 304) << path;
    EXPECT_TRUE(again.body.empty());
    expect_console_headers(again, std::string(path) + " (304)");
    EXPECT_EQ(testing::http_call(port, "GET", path, "", {{"If-None-Match", "\"stale\""}}).status, 200);
    auto head = testing::http_call(port, "HEAD", path);
    EXPECT_EQ(head.status, 200);
    EXPECT_TRUE(head.body.empty());
  }
  EXPECT_NE(testing::http_call(port, "GET", "/").body, testing::http_call(port, "GET", "/me").body);
}

TEST_F(console_files, a_versioned_asset_is_immutable_and_an_unversioned_one_revalidates) {
  const int port = daemon_->port();
  const auto page = testing::http_call(port, "GET", "/").body;
  const auto at = page.find("/assets/");
  ASSERT_NE(at, std::string::npos) << "the dashboard names no asset";
  const auto url = page.substr(at, page.find('"', at) - at);
  const auto q = url.find("?v=");
  ASSERT_NE(q, std::string::npos) << url;
  const auto path = url.substr(0, q);
  const auto version = url.substr(q + 3);
  EXPECT_EQ(version.size(), 16u) << url;

  auto r = testing::http_call(port, "GET", url);
  ASSERT_EQ(r.status, 200) << url;
  EXPECT_EQ(r.header("cache-control"), "public, max-age=31536000, immutable");
  expect_console_headers(r, url);
  const auto sha = config::sha256_hex(r.body);
  EXPECT_EQ(r.header("etag"), "\"" + sha + "\"");
  EXPECT_TRUE(sha.starts_with(version));
  EXPECT_EQ(testing::http_call(port, "GET", url, "", {{"If-None-Match", r.header("etag")}}).status, 304);
  EXPECT_EQ(testing::http_call(port, "GET", path).header("cache-control"), "no-cache");
  EXPECT_EQ(testing::http_call(port, "GET", path + "?v=0000000000000000").header("cache-control"), "no-cache");
  if (path.ends_with(".css")) {
    EXPECT_EQ(r.header("content-type"), "text/css; charset=utf-8");
  }
  if (path.ends_with(".js")) {
    EXPECT_EQ(r.header("content-type"), "text/javascript; charset=utf-8");
  }
}

TEST_F(console_files, unknown_assets_and_traversal_attempts_are_404) {
  const int port = daemon_->port();
  for (const auto* target :
       {"/assets/no-such-file.js", "/assets/../index.html", "/assets/..%2Findex.html", "/assets/..%2F..%2Fetc%2Fpasswd",
        "/assets/%2e%2e/%2e%2e/etc/passwd", "/assets/./app.css", "/assets/app.css%00", "/assets/app.css/", "/assets/",
        "/index.html", "/me.html", "/web/index.html", "/../etc/passwd", "/assets/x/../../README.md",
        "/assets/%2Fetc%2Fpasswd"}) {
    auto r = testing::http_call(port, "GET", target);
    EXPECT_TRUE(r.status == 404 || r.status == 400) << target << " -> " << r.status;
    EXPECT_EQ(r.body.find("root:"), std::string::npos) << target;
  }
}

class console_api : public e2e_test {};

int audit_entries(client& api) {
  return parse<v1::AccessEventList>(api.as("s1", "GET", "/v1/audit?limit=500").body).events_size();
}

TEST_F(console_api, a_supervisor_changes_the_risk_of_a_queued_or_offered_case) {
  const auto case_id = post_case(*api_, "ref-risk-1", "RISK_LOW", "depression");
  const std::string target = "/v1/cases/" + case_id + "/risk";
  auto raised = api_->as("s1", "POST", target, R"({"risk":"RISK_HIGH","reason":"new information from the hotline"})");
  ASSERT_EQ(raised.status, 200) << raised.body;
  EXPECT_EQ(parse<v1::Case>(raised.body).risk(), v1::RISK_HIGH);
  EXPECT_TRUE(parse<v1::Case>(raised.body).summary().empty());
  // The list (the record routing reads) has the new risk too.
  auto listed = parse<v1::CaseList>(api_->as("s1", "GET", "/v1/cases?risk=RISK_HIGH").body);
  ASSERT_EQ(listed.cases_size(), 1);
  EXPECT_EQ(listed.cases(0).case_id(), case_id);
  // The same risk again: 200, no second event.
  EXPECT_EQ(api_->as("s1", "POST", target, R"({"risk":"RISK_HIGH"})").status, 200);
  auto full = parse<v1::Case>(api_->as("s1", "GET", "/v1/cases/" + case_id).body);
  int events = 0;
  for (const auto& e : full.history()) {
    if (e.type() != "case.reprioritised") continue;
    ++events;
    EXPECT_EQ(e.actor(), "supervisor:s1");
    EXPECT_EQ(e.risk(), v1::RISK_HIGH);
    EXPECT_EQ(e.reason(), "new information from the hotline");
  }
  EXPECT_EQ(events, 1);
  // Refused: a counselor, a viewer, a bad risk, an unknown case.
  EXPECT_EQ(api_->as("c1", "POST", target, R"({"risk":"RISK_CRISIS"})").status, 403);
  EXPECT_EQ(api_->as("v1", "POST", target, R"({"risk":"RISK_CRISIS"})").status, 403);
  EXPECT_EQ(api_->as("s1", "POST", target, R"({"risk":"RISK_UNSPECIFIED"})").status, 400);
  EXPECT_EQ(api_->as("s1", "POST", target, "{}").status, 400);
  EXPECT_EQ(api_->as("s1", "POST", "/v1/cases/no-such-case/risk", R"({"risk":"RISK_LOW"})").status, 404);
  // By cookie it needs the CSRF token like any change.
  auto s1 = sign_in_as(daemon_->port(), "s1");
  EXPECT_EQ(with_cookie(daemon_->port(), s1, "POST", target, R"({"risk":"RISK_MEDIUM"})", true, false).status, 403);
  EXPECT_EQ(with_cookie(daemon_->port(), s1, "POST", target, R"({"risk":"RISK_MEDIUM"})").status, 200);
  // An active case keeps its risk.
  ASSERT_TRUE(wait_for_offer(*api_, "c1", case_id));
  ASSERT_EQ(api_->as("c1", "POST", "/v1/cases/" + case_id + "/accept").status, 200);
  EXPECT_EQ(api_->as("s1", "POST", target, R"({"risk":"RISK_CRISIS"})").status, 409);
}

TEST_F(console_api, reveal_false_shows_a_case_without_sealed_fields_and_audits_nothing) {
  const auto case_id = post_case(*api_, "ref-reveal-1", "RISK_MEDIUM", "depression");
  ASSERT_TRUE(wait_for_offer(*api_, "c1", case_id));
  ASSERT_EQ(api_->as("c1", "POST", "/v1/cases/" + case_id + "/decline", R"({"reason":"a typed reason"})").status, 200);
  const int before = audit_entries(*api_);
  auto sealed = api_->as("s1", "GET", "/v1/cases/" + case_id + "?reveal=false");
  ASSERT_EQ(sealed.status, 200) << sealed.body;
  auto c = parse<v1::Case>(sealed.body);
  EXPECT_FALSE(c.has_contact());
  EXPECT_TRUE(c.summary().empty());
  EXPECT_FALSE(c.has_youth());
  EXPECT_GT(c.history_size(), 0);
  for (const auto& e : c.history()) {
    EXPECT_TRUE(e.reason().empty()) << e.type();
    EXPECT_TRUE(e.note().empty()) << e.type();
  }
  EXPECT_EQ(sealed.body.find("a typed reason"), std::string::npos);
  EXPECT_EQ(audit_entries(*api_), before);
  // The viewer's read is the same; the default stays the audited reveal.
  auto viewed = api_->as("v1", "GET", "/v1/cases/" + case_id + "?reveal=true");
  ASSERT_EQ(viewed.status, 200);
  EXPECT_FALSE(parse<v1::Case>(viewed.body).has_contact());
  EXPECT_EQ(audit_entries(*api_), before);
  auto revealed = parse<v1::Case>(api_->as("s1", "GET", "/v1/cases/" + case_id).body);
  EXPECT_TRUE(revealed.has_contact());
  EXPECT_EQ(audit_entries(*api_), before + 1);
  EXPECT_EQ(api_->as("s1", "GET", "/v1/cases/" + case_id + "?reveal=maybe").status, 400);
}

TEST_F(console_api, get_me_says_who_is_signed_in_and_a_counselors_duty_now_and_next) {
  auto me = api_->as("c1", "GET", "/v1/me");
  ASSERT_EQ(me.status, 200) << me.body;
  auto m = parse<v1::Me>(me.body);
  EXPECT_EQ(m.id(), "c1");
  EXPECT_EQ(m.role(), "counselor");
  EXPECT_EQ(m.name(), "测试咨询师一");
  EXPECT_EQ(m.now().site_id(), "t-hubin-a");
  EXPECT_EQ(m.now().shift(), "all");
  EXPECT_FALSE(m.now().site_name().empty());
  EXPECT_LT(to_ms(m.now().starts_at()), now_ms());
  EXPECT_GT(to_ms(m.now().ends_at()), now_ms());
  EXPECT_GT(to_ms(m.next().starts_at()), now_ms());
  EXPECT_TRUE(m.available());
  EXPECT_EQ(m.capacity(), 2);
  EXPECT_TRUE(m.crisis_trained());
  // c6 is on no roster: neither now nor next.
  auto idle = parse<v1::Me>(api_->as("c6", "GET", "/v1/me").body);
  EXPECT_FALSE(idle.has_now());
  EXPECT_FALSE(idle.has_next());
  EXPECT_EQ(parse<v1::Me>(api_->as("s1", "GET", "/v1/me").body).role(), "supervisor");
  EXPECT_EQ(parse<v1::Me>(api_->as("v1", "GET", "/v1/me").body).role(), "viewer");
  auto c3 = sign_in_as(daemon_->port(), "c3");
  auto by_cookie = with_cookie(daemon_->port(), c3, "GET", "/v1/me", "", false, false);
  ASSERT_EQ(by_cookie.status, 200);
  EXPECT_EQ(parse<v1::Me>(by_cookie.body).id(), "c3");
}

// A counselor's page reads their own live state, not every counselor's: at
// a shift start thousands of pages open at once.
TEST_F(console_api, get_me_reads_only_the_counselors_own_state) {
  for (const char* id : {"c1", "c2", "c3"})
    ASSERT_EQ(api_->as(id, "PUT", "/v1/me/availability", R"({"available":true})").status, 200);
  std::this_thread::sleep_for(500ms);  // the dispatcher has read what the feed named
  redis_->cli({"CONFIG", "SET", "slowlog-max-len", "10000"});
  redis_->cli({"CONFIG", "SET", "slowlog-log-slower-than", "0"});
  redis_->cli({"SLOWLOG", "RESET"});
  ASSERT_EQ(api_->as("c1", "GET", "/v1/me").status, 200);
  const auto log = redis_->cli({"SLOWLOG", "GET", "10000"});
  redis_->cli({"CONFIG", "SET", "slowlog-log-slower-than", "10000"});
  // One row, c1's: neither the whole read nor another counselor's row.
  EXPECT_EQ(log.find("_routing_state"), std::string::npos) << log;
  const auto read = log.find("_routing_delta");
  ASSERT_NE(read, std::string::npos) << log;
  EXPECT_EQ(log.find("c2"), std::string::npos) << log;
  EXPECT_EQ(log.find("c3"), std::string::npos) << log;
}

// Short session ends and config reloads: a config of the test's own.
class console_config : public generated_config_test {
 protected:
  void start_with(const std::string& sessions_yaml) {
    write_config(test_yaml() + "\n" + sessions_yaml);
    start();
  }
};

TEST_F(console_config, a_session_ends_when_idle_and_at_its_lifetime) {
  start_with("sessions:\n  idle: 2s\n  lifetime: 5s\n");
  auto idle = sign_in_as(port_, "c1");
  ASSERT_EQ(idle.reply.status, 200);
  EXPECT_NEAR(static_cast<double>((to_ms(idle.session.idle_expires_at()) - now_ms()).count()), 2000.0, 500.0);
  std::this_thread::sleep_for(2500ms);
  EXPECT_EQ(with_cookie(port_, idle, "GET", "/v1/session").status, 401);

  // Used every half second it outlives its idle time, not its lifetime.
  auto busy = sign_in_as(port_, "c1");
  const auto signed_at = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - signed_at < 4500ms) {
    ASSERT_EQ(with_cookie(port_, busy, "GET", "/v1/me/cases").status, 200);
    std::this_thread::sleep_for(500ms);
  }
  std::this_thread::sleep_for(1000ms);
  EXPECT_EQ(with_cookie(port_, busy, "GET", "/v1/me/cases").status, 401);
}

TEST_F(console_config, a_token_changed_by_a_reload_ends_its_sessions_and_links) {
  start_with("");
  auto c1 = sign_in_as(port_, "c1");
  auto c2 = sign_in_as(port_, "c2");
  auto made = api_->as("s1", "POST", "/v1/session/links", R"({"id":"c1"})");
  ASSERT_EQ(made.status, 200);
  const auto code = parse<v1::SigninLink>(made.body).url().substr(8);
  const std::string old_sha = "c12b5f3e9bb972fd800d00c7707c153b9f9684b2439852bf087ab65b25149c9e";
  const std::string new_token = "crt_a-brand-new-token-for-c1-only-in-this-test-00";
  write_config(replace_once(test_yaml(), old_sha, config::sha256_hex(new_token)));
  proc_->signal(SIGHUP);
  ASSERT_TRUE(wait_until([&] { return api_->as("c1", "GET", "/v1/me/cases").status == 401; }, 10s));
  EXPECT_EQ(with_cookie(port_, c1, "GET", "/v1/me/cases").status, 401);
  EXPECT_EQ(with_cookie(port_, c2, "GET", "/v1/me/cases").status, 200);
  EXPECT_EQ(sign_in(port_, R"({"code":")" + code + R"("})").reply.status, 401);
  auto fresh = sign_in(port_, R"({"id":"c1","token":")" + new_token + R"("})");
  EXPECT_EQ(fresh.reply.status, 200);
}

}  // namespace
}  // namespace caseroute::e2e
