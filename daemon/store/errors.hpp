// Domain outcomes of store operations, as an error_code category.
#pragma once

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace caseroute::store {

enum class error {
  unavailable = 1,    // Redis unreachable or timed out: 503
  not_found,          // no such case / referral: 404
  wrong_state,        // the case is not in the state the change needs: 409
  not_yours,          // the case is not offered/assigned to this counselor: 403
  offer_expired,      // the offer's time passed: 409
  at_capacity,        // the counselor has no free capacity: 409
  referral_conflict,  // same referral id, different content: 409
  bad_record,         // a record in Redis does not parse: 500
  redis_error,        // Redis answered an unexpected error: 500
  bad_config,         // e.g. maxmemory-policy is not noeviction
  offer_withdrawn,    // the counselor's offer was withdrawn (taken by another, reassigned, shift ended): 409
};

const boost::system::error_category& category();
boost::system::error_code make_error_code(error e);

}  // namespace caseroute::store

template <>
struct boost::system::is_error_code_enum<caseroute::store::error> : std::true_type {};
