// Store outcomes as API errors: the default for each store error and the
// few store calls where an outcome means something more precise.
#include "api/errors.hpp"

#include <gtest/gtest.h>

#include "store/errors.hpp"

namespace caseroute::api {
namespace {

TEST(to_api_error, maps_store_errors_and_names_every_exception) {
  using store::error;
  struct row {
    error e;
    store_call call;
    int status;
    const char* message;
    const char* field;
  };
  const row rows[] = {
      {error::not_found, store_call::other, 404, "no such case", ""},
      {error::not_found, store_call::accept, 404, "no such case", ""},
      {error::not_found, store_call::find_referral, 404, "no referral with this referralId", ""},
      {error::not_found, store_call::list, 400, "cursor: not a cursor from this API", "cursor"},
      {error::not_yours, store_call::other, 403, "the case is not offered or assigned to you", ""},
      {error::not_yours, store_call::accept, 409, "this case is not offered to you", ""},
      {error::wrong_state, store_call::accept, 409, "the case is not in a state that allows this", ""},
      {error::offer_expired, store_call::accept, 409, "the offer has expired", ""},
      {error::referral_conflict, store_call::other, 409, "referralId was already used with different content", ""},
      {error::unavailable, store_call::list, 503, "storage is unavailable; retry shortly", ""},
      {error::redis_error, store_call::other, 500, "internal error", ""},
  };
  for (const auto& r : rows) {
    const auto got = to_api_error(store::make_error_code(r.e), r.call);
    const auto where = store::make_error_code(r.e).message() + " in call " + std::to_string(static_cast<int>(r.call));
    EXPECT_EQ(got.status, r.status) << where;
    EXPECT_EQ(got.message, r.message) << where;
    EXPECT_EQ(got.field, r.field) << where;
  }
}

TEST(to_api_error, anything_but_a_store_error_is_internal) {
  EXPECT_EQ(to_api_error(make_error_code(boost::system::errc::timed_out)).status, 500);
}

}  // namespace
}  // namespace caseroute::api
