// Shared handler plumbing: store-error mapping, role checks.
#include "api/context.hpp"

#include "http/codec.hpp"
#include "store/errors.hpp"

namespace caseroute::api {

http::api_error to_api_error(boost::system::error_code ec) {
  using store::error;
  if (ec.category() == store::category()) {
    switch (static_cast<error>(ec.value())) {
      case error::unavailable:
        return http::unavailable("storage is unavailable; retry shortly", 2);
      case error::not_found:
        return http::not_found("no such case");
      case error::wrong_state:
        return http::conflict("the case is not in a state that allows this");
      case error::not_yours:
        return http::permission_denied("the case is not offered or assigned to you");
      case error::offer_expired:
        return http::conflict("the offer has expired");
      case error::offer_withdrawn:
        return http::conflict(
            "the offer was withdrawn: another counselor accepted it, or it was reassigned, or your "
            "shift ended");
      case error::at_capacity:
        return http::conflict("the counselor has no free capacity");
      case error::referral_conflict:
        return http::conflict("referralId was already used with different content");
      case error::bad_config:
        return http::unavailable("storage is misconfigured", 30);
      case error::bad_record:
      case error::redis_error:
        break;
    }
  }
  return http::internal("internal error");
}

http::response fail(const http::request& req, const http::api_error& e) {
  return http::to_response(e, req.header("accept"));
}

http::response fail(const http::request& req, boost::system::error_code ec) { return fail(req, to_api_error(ec)); }

namespace {

std::variant<http::principal, http::response> require(const context& ctx, const http::request& req, bool counselor,
                                                      bool supervisor) {
  auto who = http::verify_bearer(req, *ctx.cfg);
  if (auto* e = std::get_if<http::api_error>(&who)) return fail(req, *e);
  auto p = std::get<http::principal>(who);
  const bool ok = (p.role == http::principal::kind::counselor && counselor) ||
                  (p.role == http::principal::kind::supervisor && supervisor);
  if (!ok) {
    return fail(req, http::permission_denied(counselor ? "this endpoint is for counselors"
                                                       : "this endpoint is for supervisors"));
  }
  return p;
}

}  // namespace

std::variant<http::principal, http::response> require_counselor(const context& ctx, const http::request& req) {
  return require(ctx, req, true, false);
}
std::variant<http::principal, http::response> require_supervisor(const context& ctx, const http::request& req) {
  return require(ctx, req, false, true);
}
std::variant<http::principal, http::response> require_staff(const context& ctx, const http::request& req) {
  return require(ctx, req, true, true);
}

}  // namespace caseroute::api
