// Referral field rules (docs/API.md, "POST /v1/referrals"). Messages name the field and never echo
// personal data (contact, summary) back.
#include "intake/validate.hpp"

#include <set>
#include <string>

namespace caseroute::intake {
namespace {

using http::api_error;

bool id_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == ':' || c == '-';
}

bool valid_id(const std::string& s, std::size_t max) {
  if (s.empty() || s.size() > max) return false;
  for (char c : s)
    if (!id_char(c)) return false;
  return true;
}

bool six_digits(const std::string& s) {
  if (s.size() != 6) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// Counts UTF-8 code points; nullopt for invalid UTF-8.
std::optional<std::size_t> utf8_length(const std::string& s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return std::nullopt;
    for (std::size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return std::nullopt;
    i += len;
    ++n;
  }
  return n;
}

std::optional<api_error> text_field(const std::string& value, const char* field, std::size_t max) {
  auto len = utf8_length(value);
  if (!len) return http::invalid_argument(std::string(field) + ": not valid UTF-8", field);
  if (*len > max)
    return http::invalid_argument(std::string(field) + ": longer than " + std::to_string(max) + " characters", field);
  return std::nullopt;
}

}  // namespace

std::optional<api_error> validate(const v1::Referral& r, const config::config& cfg,
                                  std::chrono::sys_time<std::chrono::milliseconds> now) {
  if (r.referral_id().empty()) return http::invalid_argument("referralId: required", "referralId");
  if (!valid_id(r.referral_id(), 64))
    return http::invalid_argument("referralId: 1-64 characters of [A-Za-z0-9._:-]", "referralId");

  if (!r.has_received_at()) return http::invalid_argument("receivedAt: required", "receivedAt");
  {
    const auto secs = r.received_at().seconds();
    const auto nanos = r.received_at().nanos();
    // 0001-01-01 .. 9999-12-31, as the proto3 JSON mapping allows.
    if (secs < -62135596800LL || secs > 253402300799LL || nanos < 0 || nanos > 999999999)
      return http::invalid_argument("receivedAt: out of range", "receivedAt");
    const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    if (secs > now_s + 300) return http::invalid_argument("receivedAt: in the future", "receivedAt");
  }

  if (r.risk() == v1::RISK_UNSPECIFIED) return http::invalid_argument("risk: required", "risk");
  if (!v1::Risk_IsValid(r.risk()))
    return http::invalid_argument("risk: unknown value " + std::to_string(r.risk()), "risk");

  if (r.concerns_size() < 1) return http::invalid_argument("concerns: at least one is required", "concerns");
  if (r.concerns_size() > 8) return http::invalid_argument("concerns: at most 8", "concerns");
  std::set<std::string> seen;
  for (int i = 0; i < r.concerns_size(); ++i) {
    const auto field = "concerns[" + std::to_string(i) + "]";
    const auto& code = r.concerns(i);
    if (!cfg.has_specialty(code)) {
      // Echo the code only when it is a plausible code (no personal free text).
      const bool plain = valid_id(code, 64);
      return http::invalid_argument(field + ": unknown specialty" + (plain ? " \"" + code + "\"" : ""), field);
    }
    if (!seen.insert(code).second) return http::invalid_argument(field + ": listed twice", field);
  }

  for (int i = 0; i < r.groups_size(); ++i) {
    const auto g = r.groups(i);
    if (g == v1::GROUP_UNSPECIFIED || !v1::Group_IsValid(g)) {
      const auto field = "groups[" + std::to_string(i) + "]";
      return http::invalid_argument(field + ": unknown group", field);
    }
  }

  if (r.mode() == v1::MODE_UNSPECIFIED) return http::invalid_argument("mode: required", "mode");
  if (!v1::Mode_IsValid(r.mode()))
    return http::invalid_argument("mode: unknown value " + std::to_string(r.mode()), "mode");

  const bool visit = r.mode() == v1::MODE_SITE_VISIT || r.mode() == v1::MODE_HOME_VISIT;
  if (r.county().empty()) {
    if (visit) return http::invalid_argument("county: required for visits", "county");
  } else if (!six_digits(r.county())) {
    return http::invalid_argument("county: must be a 6-digit code", "county");
  } else if (visit && !cfg.has_county(r.county())) {
    return http::invalid_argument("county: \"" + r.county() + "\" is not served here", "county");
  }

  if (r.has_youth()) {
    const auto& y = r.youth();
    if (!y.ref().empty() && !valid_id(y.ref(), 128))
      return http::invalid_argument("youth.ref: 1-128 characters of [A-Za-z0-9._:-]", "youth.ref");
    if (y.has_age() && y.age() > 35) return http::invalid_argument("youth.age: must be 0-35", "youth.age");
    if (auto e = text_field(y.gender(), "youth.gender", 32)) return e;
  }
  if (r.has_contact()) {
    if (auto e = text_field(r.contact().name(), "contact.name", 100)) return e;
    if (auto e = text_field(r.contact().phone(), "contact.phone", 32)) return e;
    if (auto e = text_field(r.contact().address(), "contact.address", 300)) return e;
  }
  if (auto e = text_field(r.summary(), "summary", 4000)) return e;
  return std::nullopt;
}

}  // namespace caseroute::intake
