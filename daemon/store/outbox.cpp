// Outbox records and the scripts that move them (lua/outbox_*.lua). The
// callback for a transition is built here, before its script runs, so the
// script can append it in the same atomic step as the state change.
#include "store/outbox.hpp"

#include <cstdlib>

#include "store/codec.hpp"
#include "store/errors.hpp"
#include "store/scripts.hpp"

namespace caseroute::store {

namespace asio = boost::asio;
using boost::system::result;
using codec::ms_string;

v1::StatusCallback make_callback(std::string_view type, std::string_view case_id, std::string_view referral_id,
                                 std::string_view platform_id, v1::CaseState state, int escalation_level,
                                 v1::Outcome outcome, std::chrono::sys_time<std::chrono::milliseconds> at) {
  v1::StatusCallback cb;
  // Same shape as case ids: time-ordered, 80 random bits.
  cb.set_event_id(codec::new_case_id(at));
  cb.set_case_id(std::string(case_id));
  cb.set_referral_id(std::string(referral_id));
  cb.set_platform_id(std::string(platform_id));
  cb.set_type(std::string(type));
  cb.set_state(state);
  cb.set_escalation_level(escalation_level);
  cb.set_outcome(outcome);
  codec::set_time(cb.mutable_at(), codec::to_ms(at));
  return cb;
}

asio::awaitable<result<std::string>> callback_for(redis_connection& redis, keys k, callback_filter wanted,
                                                  std::string case_id, std::string type, v1::CaseState state,
                                                  std::chrono::sys_time<std::chrono::milliseconds> now,
                                                  v1::Outcome outcome, std::optional<int> level) {
  if (!wanted || !wanted("")) co_return std::string();
  auto f = co_await redis.exec(command("HMGET", k.case_hash(case_id), "platform", "referral", "escalation"));
  if (!f) co_return f.error();
  if (f->type != reply::kind::array || f->elements.size() != 3) co_return make_error_code(error::redis_error);
  const std::string& platform = f->elements[0].str;
  // An unknown case: the script answers not_found and appends nothing.
  if (platform.empty() || !wanted(platform)) co_return std::string();
  const int read_level = std::atoi(f->elements[2].str.c_str());
  auto cb = make_callback(type, case_id, f->elements[1].str, platform, state, level.value_or(read_level), outcome, now);
  co_return codec::serialize(cb);
}

std::string callback_variant(const std::string& bytes, std::string_view type, v1::CaseState state) {
  v1::StatusCallback cb;
  if (bytes.empty() || !cb.ParseFromString(bytes)) return {};
  cb.set_event_id(codec::new_case_id(codec::from_ms(codec::timestamp_ms(cb.at()))));
  cb.set_type(std::string(type));
  cb.set_state(state);
  return codec::serialize(cb);
}

outbox::outbox(redis_connection& redis, keys k) : redis_(redis), keys_(std::move(k)) {}

asio::awaitable<result<std::vector<std::string>>> outbox::due(time_point now, int limit) {
  auto r = co_await redis_.exec(
      command("ZRANGEBYSCORE", keys_.outbox_due(), "-inf", ms_string(now), "LIMIT", "0", std::to_string(limit)));
  if (!r) co_return r.error();
  if (r->type != reply::kind::array) co_return make_error_code(error::redis_error);
  std::vector<std::string> ids;
  for (const auto& e : r->elements) ids.push_back(e.str);
  co_return ids;
}

asio::awaitable<result<std::optional<outbox_head>>> outbox::claim(std::string case_id, std::string owner,
                                                                  std::chrono::milliseconds lease) {
  auto script_keys =
      command(keys_.outbox_lease(case_id), keys_.outbox(case_id), keys_.outbox_due(), keys_.outbox_attempts());
  auto script_args = command(case_id, std::move(owner), std::to_string(lease.count()));
  auto r = co_await run_script(redis_, script_id::outbox_claim, std::move(script_keys), std::move(script_args));
  if (!r) co_return r.error();
  auto st = codec::read_status(*r);
  if (st.head == "busy" || st.head == "empty") co_return std::optional<outbox_head>();
  if (!st.ok || r->elements.size() < 3) co_return make_error_code(error::redis_error);
  outbox_head h;
  h.bytes = r->elements[1].str;
  h.attempts = static_cast<int>(r->elements[2].integer);
  if (!h.callback.ParseFromString(h.bytes)) co_return make_error_code(error::bad_record);
  co_return std::optional<outbox_head>(std::move(h));
}

asio::awaitable<result<void>> outbox::delivered(std::string case_id, std::string owner, std::string head,
                                                time_point now) {
  auto script_keys =
      command(keys_.outbox(case_id), keys_.outbox_due(), keys_.outbox_attempts(), keys_.outbox_lease(case_id));
  auto script_args = command(case_id, std::move(head), ms_string(now), std::move(owner));
  auto r = co_await run_script(redis_, script_id::outbox_ack, std::move(script_keys), std::move(script_args));
  if (!r) co_return r.error();
  co_return result<void>();
}

asio::awaitable<result<bool>> outbox::failed(std::string case_id, std::string owner, outbox_head head,
                                             std::string error_text, time_point now, time_point retry_at,
                                             int max_attempts) {
  v1::ParkedCallback parked;
  *parked.mutable_callback() = head.callback;
  parked.set_attempts(head.attempts + 1);
  parked.set_last_error(error_text);
  codec::set_time(parked.mutable_parked_at(), codec::to_ms(now));
  auto script_keys = command(keys_.outbox(case_id), keys_.outbox_due(), keys_.outbox_attempts(),
                             keys_.outbox_lease(case_id), keys_.callbacks_parked());
  auto script_args = command(case_id, std::move(head.bytes), ms_string(now), std::move(owner), ms_string(retry_at),
                             std::to_string(max_attempts), std::move(error_text), codec::serialize(parked));
  auto r = co_await run_script(redis_, script_id::outbox_fail, std::move(script_keys), std::move(script_args));
  if (!r) co_return result<bool>(boost::system::in_place_error, r.error());
  auto st = codec::read_status(*r);
  if (!st.ok) co_return result<bool>(boost::system::in_place_error, make_error_code(error::redis_error));
  co_return result<bool>(boost::system::in_place_value, st.reason == "parked");
}

asio::awaitable<result<v1::ParkedCallbackList>> outbox::parked(int limit) {
  auto r = co_await redis_.exec(command("LRANGE", keys_.callbacks_parked(), "0", std::to_string(limit - 1)));
  if (!r) co_return r.error();
  if (r->type != reply::kind::array) co_return make_error_code(error::redis_error);
  v1::ParkedCallbackList list;
  for (const auto& e : r->elements) {
    if (!list.add_callbacks()->ParseFromString(e.str)) co_return make_error_code(error::bad_record);
  }
  co_return list;
}

asio::awaitable<result<std::int64_t>> outbox::parked_count() {
  auto r = co_await redis_.exec(command("LLEN", keys_.callbacks_parked()));
  if (!r) co_return r.error();
  if (r->type != reply::kind::integer) co_return make_error_code(error::redis_error);
  co_return r->integer;
}

asio::awaitable<result<std::optional<v1::StatusCallback>>> outbox::retry_parked(std::string event_id, time_point now) {
  using answer = std::optional<v1::StatusCallback>;
  auto r = co_await redis_.exec(command("LRANGE", keys_.callbacks_parked(), "0", "-1"));
  if (!r) co_return r.error();
  if (r->type != reply::kind::array) co_return make_error_code(error::redis_error);
  for (const auto& e : r->elements) {
    v1::ParkedCallback p;
    if (!p.ParseFromString(e.str) || p.callback().event_id() != event_id) continue;
    const std::string case_id = p.callback().case_id();
    auto script_keys = command(keys_.callbacks_parked(), keys_.outbox(case_id), keys_.outbox_due());
    auto script_args = command(e.str, codec::serialize(p.callback()), case_id, ms_string(now));
    auto s = co_await run_script(redis_, script_id::outbox_retry, std::move(script_keys), std::move(script_args));
    if (!s) co_return s.error();
    // not_found: another request requeued it between the read and the script.
    if (!codec::read_status(*s).ok) co_return answer();
    co_return answer(p.callback());
  }
  co_return answer();
}

}  // namespace caseroute::store
