// Master key rotation and the migration of cases stored before per-case keys
// (rotation.hpp). Reads each case, builds its new wrapped key (and record)
// here, and lets rewrap.lua apply it only if the case did not change.
#include "store/rotation.hpp"

#include <algorithm>

#include "caseroute/v1/caseroute.pb.h"
#include "config/digest.hpp"
#include "store/codec.hpp"
#include "store/errors.hpp"
#include "store/scripts.hpp"

namespace caseroute::store {

namespace {

namespace asio = boost::asio;
template <class T>
using result = boost::system::result<T>;

constexpr int page = 500;

// result<bool> cannot tell an error_code from a bool by conversion alone.
result<bool> failed(boost::system::error_code ec) { return result<bool>(boost::system::in_place_error, ec); }
result<bool> done() { return result<bool>(boost::system::in_place_value, true); }
constexpr int max_attempts = 5;

// One compare-and-set; true when applied (or the case is gone), false to retry.
asio::awaitable<result<bool>> rewrap(redis_connection& redis, std::string target, std::string field,
                                     std::string old_key, std::string new_key, std::string old_record,
                                     std::string new_record, std::string new_youth, std::string case_id,
                                     std::string key_base) {
  auto script_keys = command(std::move(target));
  auto script_args = command(std::move(field), std::move(old_key), std::move(new_key), std::move(old_record),
                             std::move(new_record), std::move(new_youth), std::move(case_id), std::move(key_base));
  auto r = co_await run_script(redis, script_id::rewrap, std::move(script_keys), std::move(script_args));
  if (!r) co_return result<bool>(boost::system::in_place_error, r.error());
  const auto st = codec::read_status(*r);
  co_return result<bool>(boost::system::in_place_value, st.ok);
}

asio::awaitable<result<data_key>> rotate_keyring(redis_connection& redis, const keys& k, const sealer& seal,
                                                 rotation_report& out) {
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    auto wrapped = co_await redis.exec(command("HGET", k.keyring(), "pseudonym"));
    if (!wrapped) co_return wrapped.error();
    if (wrapped->is_error()) co_return make_error_code(error::redis_error);
    if (wrapped->is_nil()) {
      // No daemon ran since the upgrade: make it now, so youth refs can be keyed.
      auto made =
          co_await redis.exec(command("HSETNX", k.keyring(), "pseudonym", seal.wrap(data_key::random(), "pseudonym")));
      if (!made) co_return made.error();
      continue;
    }
    auto key = seal.unwrap(wrapped->str, "pseudonym");
    if (!key) co_return make_error_code(error::bad_config);
    if (sealer::wrapped_key_id(wrapped->str) == seal.key_id()) co_return *key;
    auto applied = co_await rewrap(redis, k.keyring(), "pseudonym", wrapped->str, seal.wrap(*key, "pseudonym"), "", "",
                                   "", "", k.base());
    if (!applied) co_return applied.error();
    if (*applied) {
      out.keyring_rewrapped = true;
      co_return *key;
    }
  }
  co_return make_error_code(error::unavailable);
}

// A record stored before per-case keys, rebuilt: youth, groups and the digest
// move into the seal, sealed again with the case's (legacy) key.
result<std::string> migrate_record(const v1::CaseRecord& old, const case_keys& keys, const data_key& pseudonym) {
  auto pd = codec::open_personal(old, keys);
  if (!pd) return pd.error();
  v1::CaseRecord rec = old;
  if (old.has_legacy_youth()) *pd->mutable_youth() = old.legacy_youth();
  *pd->mutable_groups() = old.legacy_groups();
  if (!old.legacy_referral_digest().empty()) pd->set_referral_digest(old.legacy_referral_digest());
  rec.set_priority(std::any_of(old.legacy_groups().begin(), old.legacy_groups().end(),
                               [](int g) { return g != v1::GROUP_UNSPECIFIED; }));
  rec.set_age_band(codec::age_band(old.legacy_youth()));
  if (!old.legacy_youth().ref().empty())
    rec.set_youth_key(config::hmac_sha256_hex(pseudonym.raw(), old.legacy_youth().ref()));
  rec.clear_legacy_youth();
  rec.clear_legacy_groups();
  rec.clear_legacy_referral_digest();
  rec.set_sealed_personal(keys.seal(codec::serialize(*pd), "personal"));
  return codec::serialize(rec);
}

// One case; false when it changed meanwhile (try again).
asio::awaitable<result<bool>> rotate_case(redis_connection& redis, const keys& k, const sealer& seal,
                                          const data_key& pseudonym, std::string id, rotation_report& out) {
  auto f = co_await redis.exec(command("HMGET", k.case_hash(id), "key", "record"));
  if (!f) co_return failed(f.error());
  if (f->type != reply::kind::array || f->elements.size() != 2) co_return failed(make_error_code(error::redis_error));
  if (f->elements[1].is_nil()) co_return done();  // purged meanwhile
  const std::string wrapped = f->elements[0].str;
  const std::string record = f->elements[1].str;

  if (!wrapped.empty()) {
    if (sealer::wrapped_key_id(wrapped) == seal.key_id()) {
      ++out.already;
      co_return done();
    }
    auto key = seal.unwrap(wrapped, id);
    if (!key) {
      ++out.failed;
      co_return done();
    }
    auto applied =
        co_await rewrap(redis, k.case_hash(id), "key", wrapped, seal.wrap(*key, id), "", "", "", id, k.base());
    if (applied && *applied) ++out.rewrapped;
    co_return applied;
  }

  // Stored before per-case keys: its data key is the master key that sealed it.
  v1::CaseRecord rec;
  if (!rec.ParseFromString(record)) {
    ++out.failed;
    co_return done();
  }
  std::optional<data_key> key;
  if (rec.sealed_personal().empty())
    key = seal.current();
  else
    key = seal.legacy_key_for(rec.sealed_personal(), id);
  if (!key) {
    ++out.failed;
    co_return done();
  }
  const std::string new_wrapped = seal.wrap(*key, id);
  auto keys_of_case = seal.for_case(id, new_wrapped);
  if (!keys_of_case) co_return failed(keys_of_case.error());
  auto new_record = migrate_record(rec, *keys_of_case, pseudonym);
  if (!new_record) {
    ++out.failed;
    co_return done();
  }
  v1::CaseRecord migrated;
  migrated.ParseFromString(*new_record);
  auto applied = co_await rewrap(redis, k.case_hash(id), "key", "", new_wrapped, record, std::move(*new_record),
                                 migrated.youth_key(), id, k.base());
  if (applied && *applied) ++out.migrated;
  co_return applied;
}

// Continuity sets still named by a youth ref become youth:<key>, merged with
// any the daemon started under the key meanwhile.
asio::awaitable<result<void>> rename_youth_sets(redis_connection& redis, const keys& k, const data_key& pseudonym,
                                                rotation_report& out) {
  const std::string prefix = k.youth("");
  std::string cursor = "0";
  do {
    auto r = co_await redis.exec(command("SCAN", cursor, "MATCH", prefix + "*", "COUNT", "500"));
    if (!r) co_return r.error();
    if (r->type != reply::kind::array || r->elements.size() != 2) co_return make_error_code(error::redis_error);
    cursor = r->elements[0].str;
    for (const auto& e : r->elements[1].elements) {
      const std::string ref = e.str.substr(prefix.size());
      if (config::is_sha256_hex(ref)) continue;  // keyed already
      const std::string to = k.youth(config::hmac_sha256_hex(pseudonym.raw(), ref));
      auto merged = co_await redis.exec(command("ZUNIONSTORE", to, "2", to, e.str, "AGGREGATE", "MAX"));
      if (!merged) co_return merged.error();
      if (merged->is_error()) co_return make_error_code(error::redis_error);
      auto gone = co_await redis.exec(command("DEL", e.str));
      if (!gone) co_return gone.error();
      ++out.youth_keys_renamed;
    }
  } while (cursor != "0");
  co_return result<void>{};
}

// One pass over the cases by position; purges shift positions meanwhile, so
// rotate_keys repeats passes until one changes nothing.
asio::awaitable<result<void>> rotate_cases(redis_connection& redis, const keys& k, const sealer& seal,
                                           const data_key& pseudonym, rotation_report& out) {
  for (std::int64_t start = 0;; start += page) {
    auto ids =
        co_await redis.exec(command("ZRANGE", k.cases(), std::to_string(start), std::to_string(start + page - 1)));
    if (!ids) co_return ids.error();
    if (ids->type != reply::kind::array) co_return make_error_code(error::redis_error);
    for (const auto& e : ids->elements) {
      ++out.cases;
      bool done = false;
      for (int attempt = 0; attempt < max_attempts && !done; ++attempt) {
        auto r = co_await rotate_case(redis, k, seal, pseudonym, e.str, out);
        if (!r) co_return r.error();
        done = *r;
      }
      if (!done) ++out.failed;
    }
    if (ids->elements.size() < static_cast<std::size_t>(page)) break;
  }
  co_return result<void>{};
}

}  // namespace

asio::awaitable<result<rotation_report>> rotate_keys(redis_connection& redis, keys k, sealer seal) {
  rotation_report out;
  auto pseudonym = co_await rotate_keyring(redis, k, seal, out);
  if (!pseudonym) co_return pseudonym.error();
  for (int pass = 0; pass < 3; ++pass) {
    rotation_report p;
    auto done = co_await rotate_cases(redis, k, seal, *pseudonym, p);
    if (!done) co_return done.error();
    out.cases = p.cases;
    out.already = p.already;
    out.failed = p.failed;
    out.rewrapped += p.rewrapped;
    out.migrated += p.migrated;
    if (p.rewrapped + p.migrated == 0) break;
  }
  auto renamed = co_await rename_youth_sets(redis, k, *pseudonym, out);
  if (!renamed) co_return renamed.error();
  co_return out;
}

}  // namespace caseroute::store
