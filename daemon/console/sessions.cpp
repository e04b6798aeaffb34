// Sign-in, sign-out and sessions of the browser console (docs/API.md,
// "Sessions and the console"): POST/GET/DELETE /v1/session, one-time sign-in
// links, and a supervisor's revocation of a person's sessions. Tokens and
// codes are checked here and never logged; the session itself is api/session.
#include "console/console.hpp"

#include <boost/asio/awaitable.hpp>

#include "api/errors.hpp"
#include "api/input.hpp"
#include "api/session.hpp"
#include "api/views.hpp"
#include "caseroute/v1/console.pb.h"
#include "http/codec.hpp"
#include "log/log.hpp"

namespace caseroute::console {
namespace {

namespace asio = boost::asio;
using api::caller;
using api::context;
using api::fail;

constexpr std::string_view session_route = "/v1/session";

std::string name_of(const config::config& cfg, const http::principal& p) {
  switch (p.role) {
    case http::principal::kind::counselor:
      if (const auto* c = cfg.find_counselor(p.id)) return c->name;
      break;
    case http::principal::kind::supervisor:
      if (const auto* s = cfg.find_supervisor(p.id)) return s->name;
      break;
    case http::principal::kind::viewer:
      if (const auto* v = cfg.find_viewer(p.id)) return v->name;
      break;
  }
  return {};
}

v1::Session body_of(const config::config& cfg, const api::session& s) {
  v1::Session out;
  out.set_id(s.person.id);
  out.set_role(api::role_name(s.person.role));
  out.set_name(name_of(cfg, s.person));
  out.set_csrf(s.csrf);
  *out.mutable_idle_expires_at() = api::to_timestamp(s.idle_expires_at);
  *out.mutable_expires_at() = api::to_timestamp(s.expires_at);
  return out;
}

http::response no_store(http::response r) {
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

// A sign-in that fails for any reason answers alike: which ids exist and
// whether a code was ever issued stay unknown.
http::response refuse_signin(context& ctx, const http::request& req, std::string_view kind) {
  api::note_refusal(ctx, req, session_route, kind);
  return fail(req, http::unauthenticated("unknown id, token or sign-in code"));
}

asio::awaitable<http::response> sign_in(context& ctx, caller, http::request req) {
  const auto cfg = ctx.cfg;
  v1::SessionRequest body;
  if (auto e = http::decode(req, body)) co_return fail(req, *e);
  // A page of another site must not sign a browser in to someone else's session.
  if (const auto origin = req.header("origin"); !origin.empty() && origin != api::expected_origin(*cfg, req))
    co_return fail(req, http::permission_denied("the request's Origin is not this console's origin"));

  http::principal person;
  const char* via = "token";
  if (!body.code().empty()) {
    via = "link";
    auto redeemed = co_await api::redeem_signin_code(ctx, body.code());
    if (!redeemed) co_return fail(req, redeemed.error());
    if (!*redeemed) co_return refuse_signin(ctx, req, "link");
    person = std::move(**redeemed);
  } else {
    auto verified = http::verify_token(body.token(), *cfg);
    const auto* p = std::get_if<http::principal>(&verified);
    if (p == nullptr || p->id != body.id()) co_return refuse_signin(ctx, req, "bearer");
    person = *p;
  }
  api::caller who{person.role == http::principal::kind::counselor    ? api::role::counselor
                  : person.role == http::principal::kind::supervisor ? api::role::supervisor
                                                                     : api::role::viewer,
                  person.id};
  if (auto limited = api::over_rate(ctx, who)) co_return fail(req, *limited);

  auto opened = co_await api::open_session(ctx, person, caseroute::now());
  if (!opened) co_return fail(req, opened.error());
  log::info(
      "session.opened",
      {{"request_id", req.request_id}, {"person_id", person.id}, {"role", api::role_name(person.role)}, {"via", via}});
  auto out = no_store(http::encode(req, body_of(*cfg, opened->s)));
  out.headers.emplace_back("Set-Cookie", api::session_set_cookie(opened->cookie, *cfg));
  co_return out;
}

asio::awaitable<http::response> get_session(context& ctx, caller, http::request req) {
  const auto cfg = ctx.cfg;
  const auto cookie = api::session_cookie_of(req);
  if (cookie.empty()) co_return fail(req, http::unauthenticated("not signed in"));
  auto found = co_await api::find_session(ctx, cookie, caseroute::now());
  if (!found) co_return fail(req, found.error());
  if (!*found) co_return fail(req, http::unauthenticated("the session ended or is unknown: sign in again"));
  co_return no_store(http::encode(req, body_of(*cfg, **found)));
}

asio::awaitable<http::response> sign_out(context& ctx, caller, http::request req) {
  const auto cfg = ctx.cfg;
  const auto cookie = api::session_cookie_of(req);
  http::response out;
  out.status = 204;
  out.content_type.clear();
  out.headers.emplace_back("Set-Cookie", api::session_set_cookie("", *cfg));
  if (cookie.empty()) co_return no_store(std::move(out));
  auto found = co_await api::find_session(ctx, cookie, caseroute::now());
  if (!found) co_return fail(req, found.error());
  // An ended session has nothing to end: the cookie is cleared all the same.
  if (!*found) co_return no_store(std::move(out));
  if (auto refused = api::check_csrf(*cfg, req, **found)) co_return fail(req, *refused);
  auto ended = co_await api::end_session(ctx, cookie);
  if (!ended) co_return fail(req, ended.error());
  log::info("session.closed", {{"request_id", req.request_id}, {"person_id", (*found)->person.id}});
  co_return no_store(std::move(out));
}

// Whom a supervisor may hand a link: counselors, viewers, and themselves.
std::optional<http::principal> link_person(const config::config& cfg, const std::string& id, const caller& who) {
  if (cfg.find_counselor(id) != nullptr) return http::principal{http::principal::kind::counselor, id};
  if (cfg.find_viewer(id) != nullptr) return http::principal{http::principal::kind::viewer, id};
  if (id == who.id && cfg.find_supervisor(id) != nullptr) return http::principal{http::principal::kind::supervisor, id};
  return std::nullopt;
}

asio::awaitable<http::response> create_link(context& ctx, caller who, http::request req) {
  const auto cfg = ctx.cfg;
  v1::SigninLinkRequest body;
  if (auto e = http::decode(req, body)) co_return fail(req, *e);
  const auto person = link_person(*cfg, body.id(), who);
  if (!person) co_return fail(req, http::invalid_argument("id: not a counselor, a viewer or yourself", "id"));
  auto code = co_await api::create_signin_code(ctx, *person);
  if (!code) co_return fail(req, code.error());
  log::info("session.link_created",
            {{"request_id", req.request_id}, {"person_id", person->id}, {"supervisor_id", who.id}});
  v1::SigninLink out;
  out.set_url("/signin#" + *code);
  *out.mutable_expires_at() = api::to_timestamp(caseroute::now() + api::signin_code_lifetime);
  co_return no_store(http::encode(req, out));
}

asio::awaitable<http::response> revoke(context& ctx, caller who, http::request req) {
  const auto person_id = req.params["personId"];
  auto revoked = co_await api::revoke_sessions(ctx, person_id);
  if (!revoked) co_return fail(req, revoked.error());
  log::info(
      "session.revoked",
      {{"request_id", req.request_id}, {"person_id", person_id}, {"supervisor_id", who.id}, {"sessions", *revoked}});
  v1::RevokedSessions out;
  out.set_id(person_id);
  out.set_revoked(*revoked);
  co_return http::encode(req, out);
}

}  // namespace

const std::vector<api::route>& session_routes() {
  static const std::vector<api::route> table = {
      {"POST", "/v1/session", api::role::anyone, sign_in},
      {"GET", "/v1/session", api::role::anyone, get_session},
      {"DELETE", "/v1/session", api::role::anyone, sign_out},
      {"POST", "/v1/session/links", api::role::supervisor, create_link},
      {"DELETE", "/v1/sessions/{personId}", api::role::supervisor, revoke},
  };
  return table;
}

}  // namespace caseroute::console
