// Redis key names (layout documented in keys.hpp). Must stay in step with
// keys_from() in lua/common.lua, which builds case, counselor and youth keys
// from base() inside scripts (tests/integration/store/scripts_test.cpp).
#include "store/keys.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <cstdio>
#include <stdexcept>

namespace caseroute::store {

namespace {

std::string join(const std::string& base, std::string_view a, std::string_view b = {}, std::string_view c = {}) {
  std::string k;
  k.reserve(base.size() + a.size() + b.size() + c.size());
  k.append(base).append(a).append(b).append(c);
  return k;
}

const date::time_zone* find_zone(const std::string& name) {
  try {
    return date::locate_zone(name);
  } catch (const std::runtime_error& e) {
    throw std::invalid_argument("unknown time zone \"" + name + "\": " + e.what());
  }
}

}  // namespace

keys::keys(std::string prefix, const std::string& time_zone)
    : base_("{" + std::move(prefix) + "}:v1:"), zone_(find_zone(time_zone)) {}

std::string keys::case_hash(std::string_view id) const { return join(base_, "case:", id); }
std::string keys::history(std::string_view id) const { return join(base_, "case:", id, ":history"); }
std::string keys::excluded(std::string_view id) const { return join(base_, "case:", id, ":excluded"); }

std::string keys::referral(std::string_view platform_id, std::string_view referral_id) const {
  std::string k = join(base_, "referral:", platform_id, ":");
  k.append(referral_id);
  return k;
}

std::string keys::queue() const { return join(base_, "queue"); }
std::string keys::offers() const { return join(base_, "offers"); }
std::string keys::cases() const { return join(base_, "cases"); }
std::string keys::open() const { return join(base_, "open"); }
std::string keys::stats() const { return join(base_, "stats"); }
std::string keys::counselor(std::string_view id) const { return join(base_, "counselor:", id); }
std::string keys::counselor_cases(std::string_view id) const { return join(base_, "counselor:", id, ":cases"); }
std::string keys::counselor_crisis(std::string_view id) const { return join(base_, "counselor:", id, ":crisis"); }
std::string keys::counselors() const { return join(base_, "counselors"); }
std::string keys::youth(std::string_view ref) const { return join(base_, "youth:", ref); }
std::string keys::youth_open(std::string_view ref) const { return join(base_, "youth_open:", ref); }
std::string keys::keyring() const { return join(base_, "keyring"); }
std::string keys::outbox(std::string_view id) const { return join(base_, "outbox:", id); }
std::string keys::outbox_due() const { return join(base_, "outbox_due"); }
std::string keys::outbox_lease(std::string_view id) const { return join(base_, "outbox_lease:", id); }
std::string keys::outbox_attempts() const { return join(base_, "outbox_attempts"); }
std::string keys::callbacks_parked() const { return join(base_, "callbacks_parked"); }
std::string keys::feed() const { return join(base_, "feed"); }
std::string keys::audit() const { return join(base_, "audit"); }
std::string keys::duty_exceptions() const { return join(base_, "duty:exceptions"); }
std::string keys::duty_changes() const { return join(base_, "duty:changes"); }
std::string keys::closed() const { return join(base_, "closed"); }
std::string keys::session(std::string_view digest) const { return join(base_, "session:", digest); }
std::string keys::person_sessions(std::string_view person_id) const { return join(base_, "sessions:", person_id); }
std::string keys::signin_code(std::string_view digest) const { return join(base_, "signin:", digest); }
std::string keys::stats_month(std::string_view yyyy_mm) const { return join(base_, "stats:", yyyy_mm); }
std::string keys::report(std::string_view day) const { return join(base_, "report:", day); }

std::string keys::report_day(time_point at) const {
  const date::year_month_day ymd{date::floor<date::days>(zone_->to_local(at))};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return text;
}

}  // namespace caseroute::store
