// The store's error category: names for the domain outcomes in errors.hpp.
// Messages carry no case data; callers add ids where they log.
#include "store/errors.hpp"

#include <string>

namespace caseroute::store {

namespace {

class store_category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "caseroute.store"; }

  std::string message(int ev) const override {
    switch (static_cast<error>(ev)) {
      case error::unavailable:
        return "Redis is unavailable";
      case error::not_found:
        return "not found";
      case error::wrong_state:
        return "the case is not in a state that allows this";
      case error::not_yours:
        return "the case is not offered or assigned to this counselor";
      case error::offer_expired:
        return "the offer has expired";
      case error::at_capacity:
        return "the counselor has no free capacity";
      case error::referral_conflict:
        return "the referral id was already used with different content";
      case error::bad_record:
        return "a record in Redis does not parse";
      case error::redis_error:
        return "Redis answered an unexpected error";
      case error::bad_config:
        return "Redis is misconfigured (maxmemory-policy must be noeviction)";
      case error::offer_withdrawn:
        return "the offer was withdrawn";
    }
    return "unknown store error";
  }
};

}  // namespace

const boost::system::error_category& category() {
  static const store_category c;
  return c;
}

boost::system::error_code make_error_code(error e) { return {static_cast<int>(e), category()}; }

}  // namespace caseroute::store
