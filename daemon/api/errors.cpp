// The store-error mapping; every handler answers store failures through it.
#include "api/errors.hpp"

#include "http/codec.hpp"
#include "store/errors.hpp"

namespace caseroute::api {

http::api_error to_api_error(boost::system::error_code ec, store_call call) {
  using store::error;
  if (ec.category() == store::category()) {
    switch (static_cast<error>(ec.value())) {
      case error::unavailable:
        return http::unavailable("storage is unavailable; retry shortly", 2);
      case error::not_found:
        if (call == store_call::find_referral) return http::not_found("no referral with this referralId");
        // The store lists from a cursor it can parse; any other reads as not found.
        if (call == store_call::list) return http::invalid_argument("cursor: not a cursor from this API", "cursor");
        return http::not_found("no such case");
      case error::wrong_state:
        return http::conflict("the case is not in a state that allows this");
      case error::not_yours:
        // Accepting an offer that is not (or no longer) yours is a conflict
        // like an expired one; elsewhere it is a permission problem.
        if (call == store_call::accept) return http::conflict("this case is not offered to you");
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

http::response fail(const http::request& req, boost::system::error_code ec, store_call call) {
  return fail(req, to_api_error(ec, call));
}

}  // namespace caseroute::api
