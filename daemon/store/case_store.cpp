// case_store writes: each state change builds its event in C++ and runs one
// Lua script that checks the state, applies the change and appends the event.
// Scripts whose keys depend on the case (the previous counselor, the youth)
// get them from a read first and re-check them, returning "retry" if changed.
#include "store/case_store.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "config/digest.hpp"
#include "log/log.hpp"
#include "store/codec.hpp"
#include "store/outbox.hpp"
#include "store/scripts.hpp"

namespace caseroute::store {

namespace {

using codec::ms_string;
using codec::serialize;

constexpr int max_attempts = 5;

result<codec::script_status> status_of(const result<reply>& r) {
  if (!r) return r.error();
  return codec::read_status(*r);
}

// The outcome of a script that answers only a status.
result<void> to_void(const result<reply>& r) {
  auto st = status_of(r);
  if (!st) return st.error();
  if (!st->ok) return st->error();
  return {};
}

// The case hash a script answers with its "ok" ({'ok', HGETALL of the case,
// ...}): accept.lua and resolve.lua, so their caller needs no second read.
result<reply> answered_case(result<reply> r) {
  auto st = status_of(r);
  if (!st) return st.error();
  if (!st->ok) return st->error();
  if (!is_array(*r, 2) || r->elements[1].type != reply::kind::array) return make_error_code(error::bad_record);
  return std::move(r->elements[1]);
}

// Reads one field of a case hash ("" when absent).
asio::awaitable<result<std::string>> case_field(redis_connection& redis, std::string key, std::string field) {
  auto r = co_await redis.exec(command("HGET", std::move(key), std::move(field)));
  if (!r) co_return r.error();
  if (r->is_error()) co_return make_error_code(error::redis_error);
  co_return r->str;
}

// The feed id an offer or a broadcast answers with at `at` ("" when absent).
std::string feed_id_at(const reply& r, std::size_t at) {
  return r.elements.size() > at && r.elements[at].type == reply::kind::string ? r.elements[at].str : std::string();
}

}  // namespace

case_store::case_store(redis_connection& redis, keys k, sealer seal)
    : redis_(redis), keys_(std::move(k)), seal_(std::move(seal)) {}

asio::awaitable<result<void>> case_store::prepare() {
  auto loaded = co_await load_scripts(redis_);
  if (!loaded) co_return loaded;
  pseudonym_.reset();
  auto k = co_await pseudonym_key();
  if (!k) co_return k.error();
  co_return result<void>{};
}

asio::awaitable<result<youth_backfill>> case_store::index_youth_cases() {
  auto r = co_await run_script(redis_, script_id::youth_index, command(keys_.open()), command(keys_.base()));
  if (!r) co_return r.error();
  if (r->type != reply::kind::array || r->elements.size() != 2) co_return make_error_code(error::redis_error);
  co_return youth_backfill{r->elements[0].integer, r->elements[1].integer};
}

asio::awaitable<result<data_key>> case_store::pseudonym_key() {
  if (pseudonym_) co_return *pseudonym_;
  // The first replica to get here makes the city's key; the others read it.
  auto made = co_await redis_.exec(
      command("HSETNX", keys_.keyring(), "pseudonym", seal_.wrap(data_key::random(), "pseudonym")));
  if (!made) co_return made.error();
  auto wrapped = co_await redis_.exec(command("HGET", keys_.keyring(), "pseudonym"));
  if (!wrapped) co_return wrapped.error();
  if (wrapped->is_error() || wrapped->is_nil()) co_return make_error_code(error::redis_error);
  auto k = seal_.unwrap(wrapped->str, "pseudonym");
  if (!k) {
    log::error("store.keyring_closed", {{"key_id", sealer::wrapped_key_id(wrapped->str).value_or("?")},
                                        {"configured", seal_.key_id()},
                                        {"problem", "the keyring was wrapped by a master key that is not configured"}});
    co_return make_error_code(error::bad_config);
  }
  pseudonym_ = *k;
  co_return *k;
}

asio::awaitable<result<std::string>> case_store::youth_key(std::string youth_ref) {
  if (youth_ref.empty()) co_return std::string();
  auto pseudonym = co_await pseudonym_key();
  if (!pseudonym) co_return pseudonym.error();
  co_return config::hmac_sha256_hex(pseudonym->raw(), youth_ref);
}

asio::awaitable<result<case_keys>> case_store::keys_of_case(std::string case_id) {
  // A held key that no longer opens (its master key was retired from the
  // keyring since) is read again: a rotation rewrapped it in Redis.
  if (auto held = wrapped_keys_.find(case_id, std::chrono::steady_clock::now())) {
    if (auto keys = seal_.for_case(case_id, *held)) co_return keys;
    wrapped_keys_.erase(case_id);
  }
  auto wrapped = co_await case_field(redis_, keys_.case_hash(case_id), "key");
  if (!wrapped) co_return wrapped.error();
  auto keys = seal_.for_case(case_id, *wrapped);
  if (keys) wrapped_keys_.put(case_id, std::move(*wrapped), std::chrono::steady_clock::now());
  co_return keys;
}

asio::awaitable<result<created>> case_store::create(v1::Referral referral, std::string platform_id, time_point now,
                                                    std::optional<routing_lookback> routed) {
  auto youth_key_of = co_await youth_key(referral.youth().ref());
  if (!youth_key_of) co_return youth_key_of.error();
  const std::string youth_key = std::move(*youth_key_of);
  const std::string id = codec::new_case_id(now);
  const std::int64_t received =
      referral.has_received_at() ? codec::timestamp_ms(referral.received_at()) : codec::to_ms(now);
  // A new case gets its own data key; the record keeps only what routing
  // needs in clear, the rest (and the referral's digest) goes in the seal.
  const std::string wrapped = seal_.wrap(data_key::random(), id);
  auto keys = seal_.for_case(id, wrapped);
  if (!keys) co_return keys.error();

  v1::CaseRecord rec;
  rec.set_case_id(id);
  rec.set_referral_id(referral.referral_id());
  rec.set_platform_id(platform_id);
  rec.set_risk(referral.risk());
  *rec.mutable_concerns() = referral.concerns();
  rec.set_priority(std::any_of(referral.groups().begin(), referral.groups().end(),
                               [](int g) { return g != v1::GROUP_UNSPECIFIED; }));
  rec.set_mode(referral.mode());
  rec.set_county(referral.county());
  rec.set_age_band(codec::age_band(referral.youth()));
  rec.set_youth_key(youth_key);
  codec::set_time(rec.mutable_received_at(), received);
  codec::set_time(rec.mutable_created_at(), codec::to_ms(now));
  v1::PersonalData personal;
  *personal.mutable_contact() = referral.contact();
  personal.set_summary(referral.summary());
  if (referral.has_youth()) *personal.mutable_youth() = referral.youth();
  *personal.mutable_groups() = referral.groups();
  personal.set_referral_digest(codec::referral_digest(referral));
  rec.set_sealed_personal(keys->seal(serialize(personal), "personal"));

  const std::string primary = referral.concerns().empty() ? std::string() : referral.concerns(0);
  std::string concerns;  // validated codes: no commas
  for (const auto& c : referral.concerns()) concerns += (concerns.empty() ? "" : ",") + c;
  std::string groups;  // for the day's report only
  for (int g : referral.groups()) groups += (groups.empty() ? "" : ",") + std::to_string(g);
  auto event = codec::make_event("case.created", "platform:" + platform_id, id, now, v1::CASE_QUEUED);
  // A new case: no read for its callback, the referral says the platform.
  std::string callback;
  if (callbacks_ && callbacks_(platform_id))
    callback = serialize(make_callback("case.created", id, referral.referral_id(), platform_id, v1::CASE_QUEUED, 0,
                                       v1::OUTCOME_UNSPECIFIED, now));
  auto call = transition_call(keys_, id, now, event, std::move(callback));
  call.add_keys(keys_.referral(platform_id, referral.referral_id()), keys_.queue(), keys_.cases(), keys_.open(),
                keys_.stats(), keys_.youth_open(youth_key));
  // The sealed parts an answer with its personal data carries, named as the
  // audit stream names them (audit::sealed_fields_in): an opened case always
  // has a contact (maybe empty), and a summary when the referral gave one.
  const std::string sealed = referral.summary().empty() ? "contact" : "contact,summary";
  call.add_args(std::to_string(referral.risk()), std::to_string(received), serialize(rec), platform_id,
                referral.referral_id(), youth_key, primary, wrapped, concerns, groups, referral.county(),
                std::to_string(referral.mode()), sealed, keys_.base(),
                routed ? codec::ms_string(routed->continuity_since(now)) : std::string());
  auto r = co_await run_script(redis_, script_id::create, std::move(call));
  auto st = status_of(r);
  if (!st) co_return st.error();
  if (st->ok) {
    wrapped_keys_.put(id, wrapped, std::chrono::steady_clock::now());
    created out{.case_id = id};
    if (!routed) co_return out;
    // {'ok', id, feed id, continuity}: the case's row is the record written
    // (a new case: level 0, nobody excluded). The case committed whatever
    // the rest says: without rows, the feed names it and routing reads it.
    routing_state rows;
    if (is_array(*r, 4) && r->elements[2].type == reply::kind::string &&
        codec::read_continuity_rows(r->elements[3], rows.continuity)) {
      rows.queued.push_back(codec::queued_case_of(rec, id, youth_key, 0, {}));
      out.routing = std::move(rows);
      out.feed_id = std::move(r->elements[2].str);
    }
    co_return out;
  }
  if (st->head != "dup") co_return st->error();

  // The referral id was used before: same content is a duplicate delivery.
  const std::string existing = st->reason;
  auto f = co_await redis_.exec(command("HMGET", keys_.case_hash(existing), "record", "key", "state"));
  if (!f) co_return f.error();
  if (f->type != reply::kind::array || f->elements.size() != 3 || f->elements[0].is_nil())
    co_return make_error_code(error::bad_record);
  v1::CaseRecord found;
  if (!found.ParseFromString(f->elements[0].str)) co_return make_error_code(error::bad_record);
  std::string digest = found.legacy_referral_digest();  // a case stored before the seal held it
  if (digest.empty()) {
    auto existing_keys = seal_.for_case(existing, f->elements[1].str);
    if (!existing_keys) co_return existing_keys.error();
    auto pd = codec::open_personal(found, *existing_keys);
    if (!pd) co_return pd.error();
    digest = pd->referral_digest();
  }
  if (digest != codec::referral_digest(referral)) co_return make_error_code(error::referral_conflict);
  const int state = std::atoi(f->elements[2].str.c_str());
  co_return created{.case_id = existing,
                    .state = v1::CaseState_IsValid(state) ? static_cast<v1::CaseState>(state) : v1::CASE_QUEUED,
                    .duplicate = true};
}

asio::awaitable<result<offers_made>> case_store::offer(offer_request r) {
  const bool supervisor = r.actor.starts_with("supervisor:");
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    // A supervisor may replace an open offer: its holder's key must be named.
    std::string previous;
    if (supervisor) {
      auto p = co_await case_field(redis_, keys_.case_hash(r.case_id), "counselor");
      if (!p) co_return p.error();
      previous = *p;
    }
    auto offered = codec::make_event("case.offered", r.actor, r.case_id, r.now, v1::CASE_OFFERED);
    offered.set_counselor_id(r.counselor_id);
    offered.set_site_id(r.site_id);
    offered.set_rule(r.rule);
    offered.set_note(r.note);
    codec::set_time(offered.mutable_expires_at(), codec::to_ms(r.expires_at));
    auto withdrawn = codec::make_event("case.offer_withdrawn", r.actor, r.case_id, r.now, v1::CASE_OFFERED);
    withdrawn.set_counselor_id(previous);
    withdrawn.set_reason("reassigned to " + r.counselor_id);
    withdrawn.set_reason_code("reassigned");

    auto cb = co_await callback_for(redis_, keys_, callbacks_, r.case_id, "case.offered", v1::CASE_OFFERED, r.now);
    if (!cb) co_return cb.error();
    auto withdrawn_cb = callback_variant(*cb, "case.offer_withdrawn", v1::CASE_OFFERED);
    auto call = transition_call(keys_, r.case_id, r.now, offered, std::move(*cb));
    call.add_keys(keys_.queue(), keys_.offers(), keys_.counselor(r.counselor_id), keys_.counselor_cases(r.counselor_id),
                  keys_.counselors(), keys_.excluded(r.case_id),
                  keys_.counselor_cases(previous.empty() ? r.counselor_id : previous));
    call.add_args(r.counselor_id, r.site_id, ms_string(r.expires_at), std::to_string(r.capacity),
                  r.ignore_exclusion ? "1" : "0", supervisor ? "1" : "0", previous, serialize(withdrawn),
                  std::move(withdrawn_cb), keys_.base());
    auto res = co_await run_script(redis_, script_id::offer, std::move(call));
    auto st = status_of(res);
    if (!st) co_return st.error();
    if (st->retry) continue;
    if (!st->ok) co_return st->error();
    co_return offers_made{{r.counselor_id}, feed_id_at(*res, 1)};
  }
  co_return make_error_code(error::wrong_state);
}

asio::awaitable<result<offers_made>> case_store::broadcast(broadcast_request r) {
  auto offered = codec::make_event("case.offered", "system", r.case_id, r.now, v1::CASE_OFFERED);
  offered.set_rule("broadcast");
  offered.set_note(r.note);
  codec::set_time(offered.mutable_expires_at(), codec::to_ms(r.expires_at));
  auto cb = co_await callback_for(redis_, keys_, callbacks_, r.case_id, "case.offered", v1::CASE_OFFERED, r.now);
  if (!cb) co_return cb.error();
  auto call = transition_call(keys_, r.case_id, r.now, offered, std::move(*cb));
  call.add_keys(keys_.queue(), keys_.offers(), keys_.counselors(), keys_.excluded(r.case_id));
  call.add_args(ms_string(r.expires_at), keys_.base());
  for (const auto& t : r.targets)
    call.add_args(t.counselor_id, t.site_id, std::to_string(t.capacity), t.ignore_exclusion ? "1" : "0");
  auto res = co_await run_script(redis_, script_id::broadcast, std::move(call));
  auto st = status_of(res);
  if (!st) co_return st.error();
  if (!st->ok) co_return st->error();
  if (res->elements.size() < 2 || res->elements[1].type != reply::kind::array)
    co_return make_error_code(error::bad_record);
  offers_made out;
  for (const auto& e : res->elements[1].elements) out.counselors.push_back(e.str);
  out.feed_id = feed_id_at(*res, 2);
  co_return out;
}

asio::awaitable<result<v1::Case>> case_store::accept(std::string case_id, std::string counselor_id, time_point now) {
  read_by nobody;  // (a named argument: g++ 12 miscompiles a braced temporary in a co_await operand)
  auto r = co_await accept(std::move(case_id), std::move(counselor_id), now, std::move(nobody));
  if (!r) co_return r.error();
  co_return std::move(r->c);
}

asio::awaitable<result<accepted_read>> case_store::accept(std::string case_id, std::string counselor_id, time_point now,
                                                          read_by reader) {
  const std::string actor = "counselor:" + counselor_id;
  auto accepted = codec::make_event("case.accepted", actor, case_id, now, v1::CASE_ACTIVE);
  accepted.set_counselor_id(counselor_id);
  auto expired = codec::make_event("case.offer_expired", "system", case_id, now, v1::CASE_QUEUED);
  expired.set_counselor_id(counselor_id);
  expired.set_reason("accepted after the offer expired");
  // The other offers of a broadcast: the script stamps each counselor on it.
  auto withdrawn = codec::make_event("case.offer_withdrawn", "system", case_id, now, v1::CASE_ACTIVE);
  withdrawn.set_reason("accepted by another counselor");
  withdrawn.set_reason_code("accepted_by_other");
  auto cb = co_await callback_for(redis_, keys_, callbacks_, case_id, "case.accepted", v1::CASE_ACTIVE, now);
  if (!cb) co_return cb.error();
  auto expired_cb = callback_variant(*cb, "case.offer_expired", v1::CASE_QUEUED);
  auto call = transition_call(keys_, case_id, now, accepted, std::move(*cb));
  call.add_keys(keys_.offers(), keys_.queue(), keys_.excluded(case_id), keys_.counselor_cases(counselor_id),
                keys_.counselor(counselor_id), keys_.counselor_crisis(counselor_id), keys_.audit());
  call.add_args(counselor_id, serialize(expired), std::move(expired_cb), keys_.base(), serialize(withdrawn),
                std::move(reader.principal), std::move(reader.remote), std::move(reader.request_id));
  auto r = co_await run_script(redis_, script_id::accept, std::move(call));
  accepted_read out;
  if (r && is_array(*r, 4) && r->elements[3].type == reply::kind::string) out.audit_id = r->elements[3].str;
  auto h = answered_case(std::move(r));
  if (!h) co_return h.error();
  for (std::size_t i = 0; i + 1 < h->elements.size(); i += 2) {
    const auto& field = h->elements[i].str;
    if (field == "sealed" && !out.audit_id.empty()) out.fields = h->elements[i + 1].str;
    // The resolve that usually follows seals its note with this key.
    if (field == "key") wrapped_keys_.put(case_id, h->elements[i + 1].str, std::chrono::steady_clock::now());
  }
  auto c = to_view(*h, reply{}, view_options{.personal = true});
  if (!c) co_return c.error();
  out.c = std::move(*c);
  co_return out;
}

asio::awaitable<result<void>> case_store::decline(std::string case_id, std::string counselor_id, std::string reason,
                                                  time_point now) {
  auto event = codec::make_event("case.declined", "counselor:" + counselor_id, case_id, now, v1::CASE_QUEUED);
  event.set_counselor_id(counselor_id);
  auto sealed = co_await seal_reason(case_id, std::move(reason));
  if (!sealed) co_return sealed.error();
  event.set_sealed_reason(std::move(*sealed));
  auto cb = co_await callback_for(redis_, keys_, callbacks_, case_id, "case.declined", v1::CASE_QUEUED, now);
  if (!cb) co_return cb.error();
  auto call = transition_call(keys_, case_id, now, event, std::move(*cb));
  call.add_keys(keys_.offers(), keys_.queue(), keys_.excluded(case_id), keys_.counselor_cases(counselor_id));
  call.add_args(counselor_id);
  auto r = co_await run_script(redis_, script_id::decline, std::move(call));
  co_return to_void(r);
}

asio::awaitable<result<v1::Case>> case_store::resolve(std::string case_id, std::string counselor_id,
                                                      v1::Outcome outcome, std::string note, time_point now) {
  auto event = codec::make_event("case.resolved", "counselor:" + counselor_id, case_id, now, v1::CASE_RESOLVED);
  event.set_counselor_id(counselor_id);
  event.set_outcome(outcome);
  if (!note.empty()) {
    // The case's own key seals the note: held here since the accept, or read.
    auto keys = co_await keys_of_case(case_id);
    if (!keys) co_return keys.error();
    event.set_sealed_note(keys->seal(note, "note"));
  }
  auto cb = co_await callback_for(redis_, keys_, callbacks_, case_id, "case.resolved", v1::CASE_RESOLVED, now, outcome);
  if (!cb) co_return cb.error();
  auto call = transition_call(keys_, case_id, now, event, std::move(*cb));
  call.add_keys(keys_.counselor_cases(counselor_id), keys_.open(), keys_.stats(), keys_.closed(),
                keys_.counselor(counselor_id));
  call.add_args(counselor_id, std::to_string(outcome), keys_.base());
  auto r = co_await run_script(redis_, script_id::resolve, std::move(call));
  auto h = answered_case(std::move(r));
  if (!h) co_return h.error();
  wrapped_keys_.erase(case_id);  // closed: nothing more is sealed for it
  co_return to_view(*h, reply{}, view_options{});
}

asio::awaitable<result<void>> case_store::release(std::string case_id, std::string counselor_id, std::string reason,
                                                  time_point now) {
  auto event = codec::make_event("case.released", "counselor:" + counselor_id, case_id, now, v1::CASE_QUEUED);
  event.set_counselor_id(counselor_id);
  auto sealed = co_await seal_reason(case_id, std::move(reason));
  if (!sealed) co_return sealed.error();
  event.set_sealed_reason(std::move(*sealed));
  auto cb = co_await callback_for(redis_, keys_, callbacks_, case_id, "case.released", v1::CASE_QUEUED, now);
  if (!cb) co_return cb.error();
  auto call = transition_call(keys_, case_id, now, event, std::move(*cb));
  call.add_keys(keys_.counselor_cases(counselor_id), keys_.queue(), keys_.excluded(case_id));
  call.add_args(counselor_id);
  auto r = co_await run_script(redis_, script_id::release, std::move(call));
  co_return to_void(r);
}

asio::awaitable<result<v1::Case>> case_store::cancel(std::string case_id, std::string actor, std::string reason,
                                                     time_point now) {
  auto sealed_reason = co_await seal_reason(case_id, std::move(reason));
  if (!sealed_reason) co_return sealed_reason.error();
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    auto holder = co_await case_field(redis_, keys_.case_hash(case_id), "counselor");
    if (!holder) co_return holder.error();
    auto event = codec::make_event("case.cancelled", actor, case_id, now, v1::CASE_CANCELLED);
    event.set_counselor_id(*holder);
    event.set_sealed_reason(*sealed_reason);
    auto cb = co_await callback_for(redis_, keys_, callbacks_, case_id, "case.cancelled", v1::CASE_CANCELLED, now);
    if (!cb) co_return cb.error();
    auto call = transition_call(keys_, case_id, now, event, std::move(*cb));
    call.add_keys(keys_.queue(), keys_.offers(), keys_.open(), keys_.counselor_cases(*holder), keys_.stats(),
                  keys_.closed());
    call.add_args(*holder, keys_.base());
    auto r = co_await run_script(redis_, script_id::cancel, std::move(call));
    auto st = status_of(r);
    if (!st) co_return st.error();
    if (st->retry) continue;
    if (!st->ok) co_return st->error();
    wrapped_keys_.erase(case_id);  // closed: nothing more is sealed for it
    co_return co_await get(case_id, view_options{});
  }
  co_return make_error_code(error::wrong_state);
}

asio::awaitable<result<std::string>> case_store::seal_reason(std::string case_id, std::string reason) {
  if (reason.empty()) co_return std::string();
  auto keys = co_await keys_of_case(case_id);
  if (!keys) co_return keys.error();
  co_return keys->seal(reason, "reason");
}

asio::awaitable<result<bool>> case_store::escalate(std::string case_id, int level, time_point now) {
  auto event = codec::make_event("case.escalated", "system", case_id, now, v1::CASE_STATE_UNSPECIFIED);
  event.set_escalation_level(level);
  auto cb = co_await callback_for(redis_, keys_, callbacks_, case_id, "case.escalated", v1::CASE_STATE_UNSPECIFIED, now,
                                  v1::OUTCOME_UNSPECIFIED, level);
  if (!cb) co_return result<bool>(boost::system::in_place_error, cb.error());
  auto call = transition_call(keys_, case_id, now, event, std::move(*cb));
  call.add_args(std::to_string(level));
  auto r = co_await run_script(redis_, script_id::escalate, std::move(call));
  auto st = status_of(r);
  // result<bool> cannot tell an error_code from a bool by conversion alone.
  if (!st) co_return result<bool>(boost::system::in_place_error, st.error());
  if (!st->ok) co_return result<bool>(boost::system::in_place_error, st->error());
  co_return result<bool>(boost::system::in_place_value, r->elements.size() > 1 && r->elements[1].integer == 1);
}

asio::awaitable<result<bool>> case_store::reprioritise(std::string case_id, v1::Risk risk, std::string actor,
                                                       std::string reason, time_point now) {
  auto sealed_reason = co_await seal_reason(case_id, std::move(reason));
  if (!sealed_reason) co_return result<bool>(boost::system::in_place_error, sealed_reason.error());
  auto event = codec::make_event("case.reprioritised", actor, case_id, now, v1::CASE_STATE_UNSPECIFIED);
  event.set_risk(risk);
  event.set_sealed_reason(std::move(*sealed_reason));
  auto call = transition_call(keys_, case_id, now, event, "");
  call.add_args(std::to_string(static_cast<int>(risk)));
  auto r = co_await run_script(redis_, script_id::reprioritise, std::move(call));
  auto st = status_of(r);
  if (!st) co_return result<bool>(boost::system::in_place_error, st.error());
  if (!st->ok) co_return result<bool>(boost::system::in_place_error, st->error());
  co_return result<bool>(boost::system::in_place_value, r->elements.size() > 1 && r->elements[1].integer == 1);
}

asio::awaitable<result<expiry>> case_store::expire_offers(time_point now, int max_missed_offers) {
  expiry out;
  int& expired = out.expired;
  // Bounded: 100 offers per batch, and stop when a batch makes no progress.
  for (int batch = 0; batch < 100; ++batch) {
    auto due =
        co_await redis_.exec(command("ZRANGEBYSCORE", keys_.offers(), "-inf", ms_string(now), "LIMIT", "0", "100"));
    if (!due) co_return due.error();
    if (due->type != reply::kind::array) co_return make_error_code(error::redis_error);
    int progressed = 0;
    for (const auto& e : due->elements) {
      const std::string& id = e.str;
      // "" for a broadcast: the script expires each of its offers.
      auto holder = co_await case_field(redis_, keys_.case_hash(id), "counselor");
      if (!holder) co_return holder.error();
      auto event = codec::make_event("case.offer_expired", "system", id, now, v1::CASE_QUEUED);
      event.set_counselor_id(*holder);
      event.set_reason("offer timed out");
      auto cb = co_await callback_for(redis_, keys_, callbacks_, id, "case.offer_expired", v1::CASE_QUEUED, now);
      if (!cb) co_return cb.error();
      auto call = transition_call(keys_, id, now, event, std::move(*cb));
      call.add_keys(keys_.offers(), keys_.queue(), keys_.excluded(id), keys_.counselor_cases(*holder),
                    keys_.counselor(*holder));
      call.add_args(*holder, std::to_string(max_missed_offers), keys_.base());
      auto r = co_await run_script(redis_, script_id::expire, std::move(call));
      auto st = status_of(r);
      if (!st) co_return st.error();
      if (st->ok) ++expired;
      if (st->ok && r->elements.size() > 1)
        for (const auto& who : r->elements[1].elements) out.signed_out.push_back(who.str);
      if (st->ok || st->reason == "wrong_state") ++progressed;  // wrong_state: a stale entry, now gone
    }
    if (due->elements.size() < 100 || progressed == 0) break;
  }
  co_return out;
}

asio::awaitable<result<void>> case_store::withdraw(std::string case_id, std::string counselor_id, std::string reason,
                                                   time_point now) {
  auto event = codec::make_event("case.offer_withdrawn", "system", case_id, now, v1::CASE_QUEUED);
  event.set_counselor_id(counselor_id);
  event.set_reason(reason);
  event.set_reason_code("off_duty");
  auto cb = co_await callback_for(redis_, keys_, callbacks_, case_id, "case.offer_withdrawn", v1::CASE_QUEUED, now);
  if (!cb) co_return cb.error();
  auto call = transition_call(keys_, case_id, now, event, std::move(*cb));
  call.add_keys(keys_.offers(), keys_.queue(), keys_.counselor_cases(counselor_id));
  call.add_args(counselor_id);
  auto r = co_await run_script(redis_, script_id::withdraw, std::move(call));
  co_return to_void(r);
}

asio::awaitable<result<void>> case_store::set_availability(std::string counselor_id, bool available, time_point now) {
  auto script_keys = command(keys_.counselor(counselor_id), keys_.counselors(), keys_.feed());
  auto script_args = command(counselor_id, available ? "1" : "0", std::to_string(codec::to_ms(now)));
  auto r = co_await run_script(redis_, script_id::availability, std::move(script_keys), std::move(script_args));
  co_return to_void(r);
}

asio::awaitable<result<void>> case_store::trim_feed(std::uint64_t max_length) {
  // "~": Redis trims whole nodes only, cheaply; the feed keeps at least max_length.
  auto r = co_await redis_.exec(command("XTRIM", keys_.feed(), "MAXLEN", "~", std::to_string(max_length)));
  if (!r) co_return r.error();
  if (r->is_error()) co_return make_error_code(error::redis_error);
  co_return result<void>{};
}

asio::awaitable<result<int>> case_store::purge_closed(time_point cutoff, int batch, time_point continuity_cutoff) {
  auto due = co_await redis_.exec(command("ZRANGEBYSCORE", keys_.closed(), "-inf", ms_string(cutoff), "WITHSCORES",
                                          "LIMIT", "0", std::to_string(batch)));
  if (!due) co_return due.error();
  if (due->type != reply::kind::array) co_return make_error_code(error::redis_error);
  int purged = 0;
  for (std::size_t i = 0; i + 1 < due->elements.size(); i += 2) {
    const std::string& id = due->elements[i].str;
    const std::int64_t closed_ms = std::atoll(due->elements[i + 1].str.c_str());
    // The counters and the referral key need fields the script cannot decode
    // (county and mode live in the record): read them first; the script
    // re-checks the case is closed and old enough.
    auto f = co_await redis_.exec(command("HMGET", keys_.case_hash(id), "state", "risk", "outcome", "concern",
                                          "platform", "referral", "youth", "record"));
    if (!f) co_return f.error();
    if (f->type != reply::kind::array || f->elements.size() != 8) co_return make_error_code(error::redis_error);
    const auto field = [&](std::size_t k) -> const std::string& { return f->elements[k].str; };
    std::vector<std::string> counters;
    if (!f->elements[0].is_nil()) {
      const int state = std::atoi(field(0).c_str());
      const int risk = std::atoi(field(1).c_str());
      const int outcome = std::atoi(field(2).c_str());
      v1::CaseRecord rec;
      rec.ParseFromString(field(7));  // a bad record still gets purged; its county and mode count as ""
      counters.push_back("state:" + (v1::CaseState_IsValid(state) ? v1::CaseState_Name(state) : std::string("?")));
      counters.push_back("risk:" + (v1::Risk_IsValid(risk) ? v1::Risk_Name(risk) : std::string("?")));
      if (state == v1::CASE_RESOLVED)
        counters.push_back("outcome:" + (v1::Outcome_IsValid(outcome) ? v1::Outcome_Name(outcome) : std::string("?")));
      counters.push_back("concern:" + field(3));
      counters.push_back("platform:" + field(4));
      counters.push_back("county:" + rec.county());
      counters.push_back("mode:" + v1::Mode_Name(rec.mode()));
    }
    const auto day = std::chrono::floor<std::chrono::days>(codec::from_ms(closed_ms));
    const std::chrono::year_month_day ymd{day};
    char month[16];
    std::snprintf(month, sizeof month, "%04d-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()));

    auto script_keys =
        command(keys_.case_hash(id), keys_.history(id), keys_.excluded(id), keys_.referral(field(4), field(5)),
                keys_.cases(), keys_.closed(), keys_.open(), keys_.stats_month(month), keys_.youth(field(6)),
                keys_.outbox(id), keys_.youth_open(field(6)));
    auto script_args = command(id, ms_string(cutoff), ms_string(continuity_cutoff));
    for (auto& c : counters) script_args.push_back(std::move(c));
    auto r = co_await run_script(redis_, script_id::purge, std::move(script_keys), std::move(script_args));
    auto st = status_of(r);
    if (!st) co_return st.error();
    if (!st->ok) co_return st->error();
    if (r->elements.size() > 1 && r->elements[1].str == "purged") ++purged;
  }
  co_return purged;
}

asio::awaitable<result<bool>> case_store::record_wait(std::string case_id, std::string counselor_id, time_point until,
                                                      std::string reason, time_point now) {
  auto event = codec::make_event("case.waiting", "system", case_id, now, v1::CASE_QUEUED);
  event.set_counselor_id(counselor_id);
  event.set_reason(reason);
  codec::set_time(event.mutable_expires_at(), codec::to_ms(until));
  // No status callback: a wait does not change the case's state.
  auto call = transition_call(keys_, case_id, now, event, std::string());
  call.add_args(counselor_id + "@" + ms_string(until));
  auto r = co_await run_script(redis_, script_id::wait, std::move(call));
  auto st = status_of(r);
  // result<bool> cannot tell an error_code from a bool by conversion alone.
  if (!st) co_return result<bool>(boost::system::in_place_error, st.error());
  if (!st->ok) co_return result<bool>(boost::system::in_place_error, st->error());
  co_return result<bool>(boost::system::in_place_value, r->elements.size() > 1 && r->elements[1].integer == 1);
}

}  // namespace caseroute::store
