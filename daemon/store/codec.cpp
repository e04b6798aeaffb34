// Redis <-> protobuf conversions for the case store. Plaintext personal data
// passes through to_case() only; nothing here logs.
#include "store/codec.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <utility>

#include "config/digest.hpp"
#include "store/errors.hpp"
#include "store/reply.hpp"

namespace caseroute::store::codec {

namespace {

std::int64_t to_int(const hash_fields& h, const char* field) {
  auto it = h.find(field);
  if (it == h.end()) return 0;
  std::int64_t v = 0;
  std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
  return v;
}

const std::string& to_str(const hash_fields& h, const char* field) {
  static const std::string empty;
  auto it = h.find(field);
  return it == h.end() ? empty : it->second;
}

}  // namespace

std::int64_t to_ms(time_point t) { return t.time_since_epoch().count(); }
time_point from_ms(std::int64_t ms) { return time_point(std::chrono::milliseconds(ms)); }
std::string ms_string(time_point t) { return std::to_string(to_ms(t)); }

void set_time(google::protobuf::Timestamp* ts, std::int64_t ms) {
  std::int64_t s = ms / 1000, rem = ms % 1000;
  if (rem < 0) {
    rem += 1000;
    --s;
  }
  ts->set_seconds(s);
  ts->set_nanos(static_cast<std::int32_t>(rem * 1'000'000));
}

std::int64_t timestamp_ms(const google::protobuf::Timestamp& ts) {
  return ts.seconds() * 1000 + ts.nanos() / 1'000'000;
}

std::string serialize(const google::protobuf::MessageLite& m) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream raw(&out);
    google::protobuf::io::CodedOutputStream coded(&raw);
    coded.SetSerializationDeterministic(true);
    m.SerializeToCodedStream(&coded);
  }
  return out;
}

std::string referral_digest(const v1::Referral& r) { return config::sha256(serialize(r)); }

std::string age_band(const v1::Youth& y) {
  if (!y.has_age()) return {};
  if (y.age() < 12) return "<12";
  if (y.age() < 15) return "12-14";
  if (y.age() < 18) return "15-17";
  return "18+";
}

std::string new_case_id(time_point now) {
  static constexpr char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  unsigned char rnd[10];
  config::random_bytes(rnd, sizeof rnd);
  // 128 bits: 48 of time, 80 random, written 5 bits at a time (26 chars).
  unsigned __int128 v = static_cast<unsigned __int128>(static_cast<std::uint64_t>(to_ms(now)) & 0xFFFFFFFFFFFFull)
                        << 80;
  for (int i = 0; i < 10; ++i) v |= static_cast<unsigned __int128>(rnd[i]) << (72 - 8 * i);
  std::string id(26, '0');
  for (int i = 25; i >= 0; --i) {
    id[static_cast<std::size_t>(i)] = alphabet[static_cast<unsigned>(v & 31)];
    v >>= 5;
  }
  return id;
}

routing::queued_case queued_case_of(const v1::CaseRecord& rec, std::string id, std::string youth_ref, int escalation,
                                    std::set<std::string> excluded) {
  routing::queued_case q;
  q.id = std::move(id);
  q.level = rec.risk() == v1::RISK_UNSPECIFIED ? routing::risk::low : static_cast<routing::risk>(rec.risk());
  q.concerns.assign(rec.concerns().begin(), rec.concerns().end());
  q.priority_group = rec.priority() || std::any_of(rec.legacy_groups().begin(), rec.legacy_groups().end(),
                                                   [](int g) { return g != v1::GROUP_UNSPECIFIED; });
  q.contact_mode = rec.mode() == v1::MODE_UNSPECIFIED ? routing::mode::phone : static_cast<routing::mode>(rec.mode());
  q.county = rec.county();
  q.youth_ref = std::move(youth_ref);
  q.received_at = from_ms(timestamp_ms(rec.received_at()));
  q.created_at = from_ms(timestamp_ms(rec.created_at()));
  q.escalation_level = escalation;
  q.excluded = std::move(excluded);
  return q;
}

bool read_continuity_rows(const reply& rows, std::map<std::string, std::set<std::string>>& out) {
  for (const auto& row : rows.elements) {
    if (!is_array(row, 2)) return false;
    // A later slice of a delta read may name the youth again: its row is newer.
    auto& ids = out[row.elements[0].str];
    ids.clear();
    for (const auto& e : row.elements[1].elements) ids.insert(e.str);
  }
  return true;
}

v1::Event make_event(std::string_view type, std::string_view actor, std::string_view case_id, time_point at,
                     v1::CaseState state) {
  v1::Event e;
  set_time(e.mutable_at(), to_ms(at));
  e.set_type(std::string(type));
  e.set_actor(std::string(actor));
  e.set_case_id(std::string(case_id));
  e.set_state(state);
  return e;
}

hash_fields to_fields(const reply& r) {
  hash_fields h;
  for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) h[r.elements[i].str] = r.elements[i + 1].str;
  return h;
}

boost::system::result<case_keys> keys_of(const hash_fields& h, const sealer& seal) {
  auto id = h.find("record");
  v1::CaseRecord rec;
  if (id == h.end() || !rec.ParseFromString(id->second)) return make_error_code(error::bad_record);
  return seal.for_case(rec.case_id(), to_str(h, "key"));
}

boost::system::result<v1::PersonalData> open_personal(const v1::CaseRecord& rec, const case_keys& keys) {
  v1::PersonalData pd;
  if (rec.sealed_personal().empty()) return pd;
  auto plain = keys.open(rec.sealed_personal(), "personal");
  if (!plain) return plain.error();
  const bool parsed = pd.ParseFromString(*plain);
  OPENSSL_cleanse(plain->data(), plain->size());
  if (!parsed) return make_error_code(error::bad_record);
  return pd;
}

boost::system::result<v1::Case> to_case(const hash_fields& h, const case_keys* personal) {
  v1::CaseRecord rec;
  auto rit = h.find("record");
  if (rit == h.end() || !rec.ParseFromString(rit->second)) return make_error_code(error::bad_record);

  v1::Case c;
  c.set_case_id(rec.case_id());
  c.set_referral_id(rec.referral_id());
  c.set_platform_id(rec.platform_id());
  const auto state = to_int(h, "state");
  if (!v1::CaseState_IsValid(static_cast<int>(state))) return make_error_code(error::bad_record);
  c.set_state(static_cast<v1::CaseState>(state));
  c.set_risk(rec.risk());
  *c.mutable_concerns() = rec.concerns();
  c.set_mode(rec.mode());
  c.set_county(rec.county());
  // A record written before the seal held them keeps youth and groups in clear.
  c.set_age_band(rec.has_legacy_youth() ? age_band(rec.legacy_youth()) : rec.age_band());
  c.set_escalation_level(static_cast<std::int32_t>(to_int(h, "escalation")));
  c.set_counselor_id(to_str(h, "counselor"));
  c.set_site_id(to_str(h, "site"));
  // The open offers of a crisis broadcast: fields "offer:<counselor>".
  if (c.state() == v1::CASE_OFFERED)
    for (auto it = h.lower_bound("offer:"); it != h.end() && it->first.starts_with("offer:"); ++it)
      c.add_offered_to(it->first.substr(6));
  *c.mutable_received_at() = rec.received_at();
  *c.mutable_created_at() = rec.created_at();
  if (auto ms = to_int(h, "offered")) set_time(c.mutable_offered_at(), ms);
  if (auto ms = to_int(h, "offer_expires"); ms && c.state() == v1::CASE_OFFERED)
    set_time(c.mutable_offer_expires_at(), ms);
  if (auto ms = to_int(h, "accepted")) set_time(c.mutable_accepted_at(), ms);
  if (auto ms = to_int(h, "resolved")) set_time(c.mutable_resolved_at(), ms);
  if (auto ms = to_int(h, "cancelled")) set_time(c.mutable_cancelled_at(), ms);
  const auto outcome = to_int(h, "outcome");
  if (v1::Outcome_IsValid(static_cast<int>(outcome))) c.set_outcome(static_cast<v1::Outcome>(outcome));

  if (personal) {
    auto pd = open_personal(rec, *personal);
    if (!pd) return pd.error();
    *c.mutable_contact() = std::move(*pd->mutable_contact());
    c.set_summary(std::move(*pd->mutable_summary()));
    if (rec.has_legacy_youth()) *c.mutable_youth() = rec.legacy_youth();
    if (pd->has_youth()) *c.mutable_youth() = std::move(*pd->mutable_youth());
    *c.mutable_groups() = rec.legacy_groups_size() > 0 ? rec.legacy_groups() : pd->groups();
  }
  return c;
}

boost::system::error_code script_status::error() const {
  if (ok) return {};
  if (retry) return make_error_code(error::wrong_state);
  if (reason == "not_found") return make_error_code(error::not_found);
  if (reason == "wrong_state" || reason == "excluded") return make_error_code(error::wrong_state);
  if (reason == "not_yours") return make_error_code(error::not_yours);
  if (reason == "offer_expired") return make_error_code(error::offer_expired);
  if (reason == "offer_withdrawn") return make_error_code(error::offer_withdrawn);
  if (reason == "at_capacity") return make_error_code(error::at_capacity);
  return make_error_code(error::redis_error);
}

script_status read_status(const reply& r) {
  script_status s;
  if (r.type != reply::kind::array || r.elements.empty()) {
    s.reason = "malformed";
    return s;
  }
  s.head = r.elements[0].str;
  s.ok = s.head == "ok";
  s.retry = s.head == "retry";
  if (r.elements.size() > 1) s.reason = r.elements[1].str;
  return s;
}

}  // namespace caseroute::store::codec
