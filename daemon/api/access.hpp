// Who may call a route and who did: signatures for platforms, bearer tokens
// for counselors and supervisors, nothing for operations. The route tables
// (api/routes.hpp) authorize every request before its handler runs.
#pragma once

#include <boost/system/result.hpp>

#include <string>
#include <string_view>

#include "config/config.hpp"
#include "http/auth.hpp"
#include "http/errors.hpp"
#include "http/message.hpp"
#include "schedule/time.hpp"

namespace caseroute::api {

// Who may call a route: the "who may call" column of docs/API.md. Tokens
// and session cookies prove the same roles.
enum class role {
  anyone,      // no credentials: operations
  platform,    // a request signed by a configured platform
  counselor,   // a counselor's bearer token
  supervisor,  // a supervisor's bearer token; a viewer's too on GET (read-only)
  staff,       // either token; the handler decides what a counselor may see
  viewer,      // only as a caller: a read-only viewer on a supervisor or staff GET route
};
const char* to_string(role r);

// Who called: a platform, counselor or supervisor and their configured id
// (role::anyone and no id on open routes).
struct caller {
  role as = role::anyone;
  std::string id;
};

// The caller when the request's credentials prove `who`, else the 401
// (missing, wrong or stale credentials) or 403 (the other role) to answer.
// Pure: the config and the clock come in.
boost::system::result<caller, http::api_error> authorize(const config::config& cfg, const http::request& req, role who,
                                                         time_point now);

// The caller when `person` (proven by a token or a session) may call a
// route for `who` with `method`, else the 403. A viewer may call supervisor
// and staff routes with GET or HEAD only.
boost::system::result<caller, http::api_error> admit_person(const http::principal& person, role who,
                                                            std::string_view method);

// GET and HEAD: the methods that change nothing.
bool is_safe_method(std::string_view method);

}  // namespace caseroute::api
