// Store outcomes as API errors, in one place: what each store::error means
// to a client, and the few store calls where an outcome means something more
// precise. Handlers pass the call; none maps a store error on its own.
#pragma once

#include <boost/system/error_code.hpp>

#include "http/errors.hpp"
#include "http/message.hpp"

namespace caseroute::api {

// The store calls whose errors read differently from the default.
enum class store_call {
  other,
  accept,         // not_yours: 409, an offer one cannot take is a conflict
  find_referral,  // not_found: 404 naming the referralId, not a case
  list,           // not_found: the cursor is not one of ours, 400 on "cursor"
};

http::api_error to_api_error(boost::system::error_code ec, store_call call = store_call::other);

// Renders an error in the format the client accepts.
http::response fail(const http::request& req, const http::api_error& e);
http::response fail(const http::request& req, boost::system::error_code ec, store_call call = store_call::other);

}  // namespace caseroute::api
