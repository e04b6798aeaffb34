// Role checks over http/auth's signature and token verification.
#include "api/access.hpp"

#include <chrono>
#include <variant>

#include "http/auth.hpp"

namespace caseroute::api {
namespace {

std::int64_t unix_seconds(time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

const char* to_string(role r) {
  switch (r) {
    case role::anyone:
      return "anyone";
    case role::platform:
      return "platform";
    case role::counselor:
      return "counselor";
    case role::supervisor:
      return "supervisor";
    case role::staff:
      return "staff";
    case role::viewer:
      return "viewer";
  }
  return "?";
}

boost::system::result<caller, http::api_error> authorize(const config::config& cfg, const http::request& req, role who,
                                                         time_point now) {
  if (who == role::anyone) return caller{};
  if (who == role::platform) {
    // server.tls.client_ca_file: platforms also prove themselves with a certificate.
    if (cfg.server.tls && !cfg.server.tls->client_ca_file.empty() && !req.client_certified)
      return http::unauthenticated("a client certificate signed by server.tls.client_ca_file is required");
    auto platform = http::verify_platform(req, cfg.platforms, unix_seconds(now));
    if (auto* e = std::get_if<http::api_error>(&platform)) return *e;
    return caller{role::platform, std::get<const config::platform*>(platform)->id};
  }
  auto bearer = http::verify_bearer(req, cfg);
  if (auto* e = std::get_if<http::api_error>(&bearer)) return *e;
  return admit_person(std::get<http::principal>(bearer), who, req.method);
}

bool is_safe_method(std::string_view method) { return method == "GET" || method == "HEAD"; }

boost::system::result<caller, http::api_error> admit_person(const http::principal& p, role who,
                                                            std::string_view method) {
  using kind = http::principal::kind;
  if (p.role == kind::viewer) {
    if (who != role::supervisor && who != role::staff && who != role::viewer)
      return http::permission_denied("this endpoint is for counselors");
    if (!is_safe_method(method)) return http::permission_denied("a viewer may read but not change anything");
    return caller{role::viewer, p.id};
  }
  const role as = p.role == kind::supervisor ? role::supervisor : role::counselor;
  if (who != role::staff && who != as)
    return http::permission_denied(who == role::counselor ? "this endpoint is for counselors"
                                                          : "this endpoint is for supervisors");
  return caller{as, p.id};
}

}  // namespace caseroute::api
