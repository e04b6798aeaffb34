// Duty changes in Redis: the hash of stored exceptions, the history stream
// and the two scripts that write them (lua/duty_exception.lua,
// lua/duty_availability.lua) with their feed events.
#include "store/duty_store.hpp"

#include "store/codec.hpp"
#include "store/errors.hpp"
#include "store/scripts.hpp"

namespace caseroute::store {

namespace {

namespace asio = boost::asio;

// "<site>|<date>": ids never hold '|' (config::is_id).
std::string field_of(const std::string& site_id, const std::string& date) { return site_id + "|" + date; }

void stamp(google::protobuf::Timestamp& ts, time_point at) {
  const auto ms = codec::to_ms(at);
  ts.set_seconds(ms / 1000);
  ts.set_nanos(static_cast<int>(ms % 1000) * 1000000);
}

// The first element of a script's answer, "" when it is not one.
const std::string& status_word(const reply& r) {
  static const std::string none;
  if (r.type != reply::kind::array || r.elements.empty()) return none;
  return r.elements[0].str;
}

}  // namespace

std::optional<config::duty> to_duty(const v1::DutyShifts& shifts) {
  config::duty out;
  for (const auto& [shift, list] : shifts.shifts()) {
    auto& ids = out[shift];
    for (const auto& v : list.values()) {
      if (v.kind_case() != google::protobuf::Value::kStringValue) return std::nullopt;
      ids.push_back(v.string_value());
    }
  }
  return out;
}

v1::DutyShifts to_shifts(const config::duty& duty) {
  v1::DutyShifts out;
  for (const auto& [shift, ids] : duty) {
    auto& list = (*out.mutable_shifts())[shift];
    for (const auto& id : ids) list.add_values()->set_string_value(id);
  }
  return out;
}

duty_store::duty_store(redis_connection& redis, keys k) : redis_(&redis), keys_(std::move(k)) {}

asio::awaitable<duty_store::result<schedule::stored_exceptions>> duty_store::exceptions() {
  auto r = co_await redis_->exec(command("HGETALL", keys_.duty_exceptions()));
  if (!r) co_return r.error();
  if (r->type != reply::kind::array) co_return make_error_code(error::redis_error);
  schedule::stored_exceptions out;
  for (std::size_t i = 0; i + 1 < r->elements.size(); i += 2) {
    const std::string& field = r->elements[i].str;
    const auto bar = field.find('|');
    v1::DutyShifts shifts;
    if (bar == std::string::npos || !shifts.ParseFromString(r->elements[i + 1].str))
      co_return make_error_code(error::bad_record);
    auto duty = to_duty(shifts);
    if (!duty) co_return make_error_code(error::bad_record);
    out[field.substr(0, bar)][field.substr(bar + 1)] = std::move(*duty);
  }
  co_return out;
}

asio::awaitable<duty_store::result<std::optional<config::duty>>> duty_store::set_exception(exception_change c) {
  v1::DutyChange change;
  stamp(*change.mutable_at(), c.now);
  change.set_actor(c.actor);
  change.set_kind(c.after ? "exception_set" : "exception_deleted");
  change.set_site_id(c.site_id);
  change.set_date(c.date);
  std::string after;
  if (c.after) {
    *change.mutable_after() = to_shifts(*c.after);
    after = change.after().SerializeAsString();
  }
  v1::Event event;
  stamp(*event.mutable_at(), c.now);
  event.set_type(duty_changed_event);
  event.set_actor(c.actor);
  event.set_site_id(c.site_id);
  event.set_note(c.date);
  event.set_reason_code(change.kind());

  auto script_keys = command(keys_.duty_exceptions(), keys_.duty_changes(), keys_.feed());
  auto script_args =
      command(field_of(c.site_id, c.date), std::move(after), change.SerializeAsString(), event.SerializeAsString());
  auto r = co_await run_script(*redis_, script_id::duty_exception, std::move(script_keys), std::move(script_args));
  if (!r) co_return r.error();
  const std::string& status = status_word(*r);
  if (status == "none") co_return make_error_code(error::not_found);
  if (status != "ok" || r->elements.size() != 2) co_return make_error_code(error::redis_error);
  if (r->elements[1].str.empty()) co_return std::optional<config::duty>{};
  v1::DutyShifts before;
  if (!before.ParseFromString(r->elements[1].str)) co_return make_error_code(error::bad_record);
  co_return to_duty(before);
}

asio::awaitable<duty_store::result<std::optional<bool>>> duty_store::set_availability(std::string counselor_id,
                                                                                      bool available, std::string actor,
                                                                                      std::string reason,
                                                                                      time_point now) {
  v1::DutyChange change;
  stamp(*change.mutable_at(), now);
  change.set_actor(actor);
  change.set_kind("availability");
  change.set_counselor_id(counselor_id);
  change.set_available_after(available);
  change.set_reason(std::move(reason));
  auto script_keys = command(keys_.counselor(counselor_id), keys_.counselors(), keys_.duty_changes(), keys_.feed());
  auto script_args = command(counselor_id, available ? "1" : "0", std::to_string(codec::to_ms(now)), std::move(actor),
                             change.SerializeAsString());
  auto r = co_await run_script(*redis_, script_id::duty_availability, std::move(script_keys), std::move(script_args));
  // optional<bool> converts from an error code: name the error explicitly.
  using answer = result<std::optional<bool>>;
  if (!r) co_return answer(boost::system::in_place_error, r.error());
  if (status_word(*r) != "ok" || r->elements.size() != 2)
    co_return answer(boost::system::in_place_error, make_error_code(error::redis_error));
  const std::string& before = r->elements[1].str;
  if (before.empty()) co_return std::optional<bool>{};
  co_return std::optional<bool>{before != "0"};
}

asio::awaitable<duty_store::result<v1::DutyChangeList>> duty_store::changes(std::string cursor, int limit) {
  // XREVRANGE from just before the cursor: "(" makes the bound exclusive.
  std::string end = cursor.empty() ? "+" : "(" + cursor;
  auto r = co_await redis_->exec(
      command("XREVRANGE", keys_.duty_changes(), std::move(end), "-", "COUNT", std::to_string(limit)));
  if (!r) co_return r.error();
  if (r->type != reply::kind::array) co_return make_error_code(error::redis_error);
  v1::DutyChangeList out;
  for (const auto& entry : r->elements) {
    if (entry.type != reply::kind::array || entry.elements.size() != 2) co_return make_error_code(error::bad_record);
    const auto& fields = entry.elements[1].elements;
    if (fields.size() != 2 || fields[0].str != "c") co_return make_error_code(error::bad_record);
    auto* change = out.add_changes();
    if (!change->ParseFromString(fields[1].str)) co_return make_error_code(error::bad_record);
    change->set_id(entry.elements[0].str);
  }
  if (static_cast<int>(r->elements.size()) == limit && limit > 0) out.set_next_cursor(out.changes().rbegin()->id());
  co_return out;
}

}  // namespace caseroute::store
