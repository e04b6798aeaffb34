// Views of cases and counselors per audience.
#include "api/views.hpp"

namespace caseroute::api {
namespace {

google::protobuf::Timestamp to_timestamp(time_point t) {
  google::protobuf::Timestamp ts;
  const auto ms = t.time_since_epoch().count();
  ts.set_seconds(ms / 1000);
  ts.set_nanos(static_cast<int>(ms % 1000) * 1000000);
  return ts;
}

const schedule::duty_slot* duty_of(const std::vector<schedule::duty_slot>& on_duty, const std::string& id) {
  for (const auto& d : on_duty)
    if (d.counselor_id == id) return &d;
  return nullptr;
}

}  // namespace

void strip_for_platform(v1::Case& c) {
  c.clear_counselor_id();
  c.clear_contact();
  c.clear_summary();
  c.clear_history();
}

v1::Counselor counselor_view(const config::counselor& c, const std::vector<schedule::duty_slot>& on_duty,
                             const routing::counselor_status& status, int max_missed_offers) {
  v1::Counselor v;
  v.set_counselor_id(c.id);
  v.set_name(c.name);
  bool available = status.available;
  if (const auto* d = duty_of(on_duty, c.id)) {
    v.set_on_duty(true);
    v.set_site_id(d->site_id);
    v.set_shift(d->shift);
    available = routing::signed_in(status, *d);
  }
  if (max_missed_offers > 0 && status.missed_offers >= max_missed_offers) {
    available = false;  // signed out after missed offers, until they sign in
  }
  v.set_available(available);
  v.set_load(status.load);
  v.set_capacity(c.capacity);
  v.set_crisis_trained(c.crisis_trained);
  for (const auto& [code, level] : c.specialties) v.add_specialties(code);
  if (status.last_offer_at.time_since_epoch().count() > 0)
    *v.mutable_last_offer_at() = to_timestamp(status.last_offer_at);
  return v;
}

}  // namespace caseroute::api
