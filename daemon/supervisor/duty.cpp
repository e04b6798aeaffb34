// Duty changes by supervisors: dated exceptions stored in Redis (checked as
// the config checks its own), the effective roster per date and shift,
// signing a counselor in or out, and the history. A change applies on this
// replica when the answer goes out and on the others through the feed.
#include "supervisor/duty.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "api/errors.hpp"
#include "api/input.hpp"
#include "api/views.hpp"
#include "audit/trail.hpp"
#include "config/formats.hpp"
#include "http/codec.hpp"
#include "log/log.hpp"
#include "schedule/coverage.hpp"
#include "store/duty_store.hpp"

namespace caseroute::supervisor {
namespace {

namespace asio = boost::asio;
using api::caller;
using api::context;
using api::fail;

constexpr int max_roster_days = 62;

store::duty_store duty_of(const context& ctx) {
  return store::duty_store(ctx.redis, store::keys(ctx.cfg->redis.key_prefix));
}

std::string quote(const std::string& s) { return "\"" + s + "\""; }

std::optional<http::api_error> check_site(const config::config& cfg, const std::string& site_id) {
  if (cfg.find_site(site_id) != nullptr) return std::nullopt;
  std::string known;
  for (const auto& s : cfg.sites) known += (known.empty() ? "" : ", ") + s.id;
  return http::invalid_argument("siteId: unknown site " + quote(site_id) + " (sites: " + known + ")", "siteId");
}

std::optional<http::api_error> check_date(const std::string& date, const std::string& today, const std::string& zone) {
  if (!config::is_date(date))
    return http::invalid_argument("date: expected a real date YYYY-MM-DD, got " + quote(date), "date");
  if (date < today)
    return http::invalid_argument("date: " + date + " is in the past (today is " + today + " in " + zone + ")", "date");
  return std::nullopt;
}

// Reads the stored exceptions and, when they differ from the roster's,
// swaps in a roster that applies them: this replica answers with the change
// in effect; the others read it when the feed brings the duty.changed event.
asio::awaitable<void> refresh_roster(context& ctx) {
  auto duty = duty_of(ctx);
  auto stored = co_await duty.exceptions();
  if (!stored || *stored == ctx.roster->stored()) co_return;
  ctx.roster = std::make_shared<schedule::roster>(*ctx.cfg, std::move(*stored));
}

std::string clock_text(int minute) {
  const auto two = [](int v) { return std::string(v < 10 ? "0" : "") + std::to_string(v); };
  return two(minute / 60) + ":" + two(minute % 60);
}

v1::DutyException exception_view(const std::string& site_id, const std::string& date, const config::duty& duty) {
  v1::DutyException out;
  out.set_site_id(site_id);
  out.set_date(date);
  *out.mutable_shifts() = store::to_shifts(duty).shifts();
  return out;
}

}  // namespace

std::optional<http::api_error> check_exception(const config::config& cfg, const std::string& site_id,
                                               const std::string& date, const std::string& today,
                                               const v1::DutyShifts& shifts) {
  if (auto e = check_site(cfg, site_id)) return e;
  if (auto e = check_date(date, today, cfg.timezone)) return e;
  if (shifts.shifts().empty())
    return http::invalid_argument("shifts: name at least one shift (DELETE removes a stored exception)", "shifts");
  std::string defined;
  for (const auto& s : cfg.shifts) defined += (defined.empty() ? "" : ", ") + s.name;
  // In name order, so the first problem named is the same on every call.
  const std::map<std::string, google::protobuf::ListValue> ordered(shifts.shifts().begin(), shifts.shifts().end());
  for (const auto& [name, list] : ordered) {
    const std::string path = "shifts." + name;
    const bool known = std::any_of(cfg.shifts.begin(), cfg.shifts.end(), [&](const auto& s) { return s.name == name; });
    if (!known)
      return http::invalid_argument(path + ": unknown shift " + quote(name) + " (defined: " + defined + ")", "shifts");
    std::set<std::string> seen;
    for (int i = 0; i < list.values_size(); ++i) {
      const std::string item = path + "[" + std::to_string(i) + "]";
      const auto& v = list.values(i);
      if (v.kind_case() != google::protobuf::Value::kStringValue)
        return http::invalid_argument(item + ": expected a counselor id (a string)", "shifts");
      const std::string& id = v.string_value();
      if (cfg.find_counselor(id) == nullptr)
        return http::invalid_argument(item + ": unknown counselor " + quote(id), "shifts");
      if (!seen.insert(id).second)
        return http::invalid_argument(item + ": counselor " + id + " is listed twice", "shifts");
    }
  }
  return std::nullopt;
}

asio::awaitable<http::response> put_exception(context& ctx, caller who, http::request req) {
  v1::DutyShifts body;
  if (auto e = http::decode(req, body)) co_return fail(req, *e);
  const auto cfg = ctx.cfg;
  const auto now = caseroute::now();
  const std::string site_id = req.params["siteId"];
  const std::string date = req.params["date"];
  if (auto e = check_exception(*cfg, site_id, date, ctx.roster->local_date(now), body)) co_return fail(req, *e);

  store::exception_change change{site_id, date, store::to_duty(body), "supervisor:" + who.id, now};
  const config::duty after = *change.after;
  auto duty = duty_of(ctx);
  auto before = co_await duty.set_exception(std::move(change));
  if (!before) co_return fail(req, before.error());
  log::info("duty.exception_changed", {{"request_id", req.request_id},
                                       {"site_id", site_id},
                                       {"date", date},
                                       {"change", "set"},
                                       {"supervisor_id", who.id}});
  co_await refresh_roster(ctx);
  ctx.kick_routing();
  co_return http::encode(req, exception_view(site_id, date, after));
}

asio::awaitable<http::response> delete_exception(context& ctx, caller who, http::request req) {
  const auto cfg = ctx.cfg;
  const auto now = caseroute::now();
  const std::string site_id = req.params["siteId"];
  const std::string date = req.params["date"];
  if (auto e = check_site(*cfg, site_id)) co_return fail(req, *e);
  if (auto e = check_date(date, ctx.roster->local_date(now), cfg->timezone)) co_return fail(req, *e);

  store::exception_change change{site_id, date, std::nullopt, "supervisor:" + who.id, now};
  auto duty = duty_of(ctx);
  auto before = co_await duty.set_exception(std::move(change));
  if (!before && before.error() == store::error::not_found)
    co_return fail(req, http::not_found("no stored exception for site " + site_id + " on " + date));
  if (!before) co_return fail(req, before.error());
  log::info("duty.exception_changed", {{"request_id", req.request_id},
                                       {"site_id", site_id},
                                       {"date", date},
                                       {"change", "deleted"},
                                       {"supervisor_id", who.id}});
  co_await refresh_roster(ctx);
  ctx.kick_routing();
  co_return http::encode(req, exception_view(site_id, date, before->value_or(config::duty{})));
}

asio::awaitable<http::response> get_site_roster(context& ctx, caller, http::request req) {
  const auto cfg = ctx.cfg;
  const std::string site_id = req.params["siteId"];
  if (auto e = check_site(*cfg, site_id)) co_return fail(req, *e);
  const std::string today = ctx.roster->local_date(caseroute::now());
  std::string from = today, to;
  if (auto it = req.query.find("from"); it != req.query.end() && !it->second.empty()) from = it->second;
  to = from;
  if (auto it = req.query.find("to"); it != req.query.end() && !it->second.empty()) to = it->second;
  if (!config::is_date(from))
    co_return fail(req, http::invalid_argument("from: expected a real date YYYY-MM-DD, got " + quote(from), "from"));
  if (!config::is_date(to))
    co_return fail(req, http::invalid_argument("to: expected a real date YYYY-MM-DD, got " + quote(to), "to"));
  const auto days = schedule::days_between(from, to);
  if (!days || *days < 0 || *days >= max_roster_days)
    co_return fail(
        req, http::invalid_argument(
                 "to: from " + from + " to " + to + " is not 1-" + std::to_string(max_roster_days) + " days", "to"));
  // Read from Redis, not the roster in memory: the answer holds every change
  // committed before it, also one the feed has not brought here yet.
  auto duty = duty_of(ctx);
  auto stored = co_await duty.exceptions();
  if (!stored) co_return fail(req, stored.error());
  const schedule::roster roster(*cfg, std::move(*stored));
  v1::SiteRoster out;
  out.set_site_id(site_id);
  out.set_from(from);
  out.set_to(to);
  for (const auto& s : roster.site_roster(site_id, from, to)) {
    auto* e = out.add_entries();
    e->set_date(s.date);
    e->set_weekday(schedule::weekday_name(s.weekday));
    e->set_shift(s.shift);
    for (const auto& id : s.counselor_ids) e->add_counselor_ids(id);
    e->set_source(schedule::to_string(s.source));
  }
  co_return http::encode(req, out);
}

asio::awaitable<http::response> list_sites(context& ctx, caller, http::request req) {
  const auto cfg = ctx.cfg;
  v1::SiteList out;
  for (const auto& s : cfg->sites) {
    auto* site = out.add_sites();
    site->set_site_id(s.id);
    site->set_name(s.name);
    site->set_county(s.county);
  }
  auto shifts = cfg->shifts;
  std::stable_sort(shifts.begin(), shifts.end(),
                   [](const auto& a, const auto& b) { return a.start_minute < b.start_minute; });
  for (const auto& s : shifts) {
    auto* shift = out.add_shifts();
    shift->set_name(s.name);
    shift->set_start(clock_text(s.start_minute));
    shift->set_end(clock_text(s.end_minute));
  }
  out.set_timezone(cfg->timezone);
  out.set_today(ctx.roster->local_date(caseroute::now()));
  co_return http::encode(req, out);
}

asio::awaitable<http::response> put_counselor_availability(context& ctx, caller who, http::request req) {
  v1::CounselorAvailabilityRequest body;
  if (auto e = http::decode(req, body)) co_return fail(req, *e);
  const auto cfg = ctx.cfg;
  const std::string counselor_id = req.params["counselorId"];
  const auto* c = cfg->find_counselor(counselor_id);
  if (c == nullptr)
    co_return fail(req, http::invalid_argument("counselorId: unknown counselor " + quote(counselor_id), "counselorId"));
  if (!body.has_available()) co_return fail(req, http::invalid_argument("available: required", "available"));
  if (body.reason().empty())
    co_return fail(req, http::invalid_argument("reason: required (why the supervisor signs them in or out)", "reason"));
  if (auto e = api::max_length(body.reason(), "reason", 500)) co_return fail(req, *e);

  const auto now = caseroute::now();
  auto duty = duty_of(ctx);
  auto before =
      co_await duty.set_availability(counselor_id, body.available(), "supervisor:" + who.id, body.reason(), now);
  if (!before) co_return fail(req, before.error());
  // Ids only: the reason is free text and stays in the duty history.
  log::info("counselor.availability",
            {{"counselor_id", counselor_id}, {"available", body.available()}, {"supervisor_id", who.id}});
  if (body.available()) ctx.kick_routing();

  auto cases = co_await ctx.store.counselor_cases(counselor_id, store::view_options{});  // how many
  routing::counselor_status status;
  status.available = body.available();
  status.availability_changed_at = now;
  status.load = cases ? static_cast<int>(cases->size()) : 0;
  const auto listed = co_await ctx.on_duty.at(cfg, ctx.roster, now);
  co_return http::encode(req,
                         api::roster_entry(*c, listed->slot_of(counselor_id), status, cfg->routing.max_missed_offers));
}

asio::awaitable<http::response> list_duty_changes(context& ctx, caller, http::request req) {
  auto limit = api::query_int(req, "limit", 1, 500, 100);
  if (!limit) co_return fail(req, limit.error());
  std::string cursor;
  if (auto it = req.query.find("cursor"); it != req.query.end()) cursor = it->second;
  if (!cursor.empty() && !audit::is_entry_id(cursor))
    co_return fail(req, http::invalid_argument("cursor: not a cursor of this list", "cursor"));
  auto duty = duty_of(ctx);
  auto list = co_await duty.changes(cursor, *limit);
  if (!list) co_return fail(req, list.error());
  co_return http::encode(req, *list);
}

}  // namespace caseroute::supervisor
