// What the console's pages need beyond the other route tables: GET /v1/me
// (who is signed in; a counselor's duty now and next) and a supervisor's
// change of a case's risk (POST /v1/cases/{caseId}/risk).
#include <boost/asio/awaitable.hpp>

#include "api/errors.hpp"
#include "api/input.hpp"
#include "api/views.hpp"
#include "caseroute/v1/console.pb.h"
#include "console/console.hpp"
#include "http/codec.hpp"
#include "log/log.hpp"

namespace caseroute::console {
namespace {

namespace asio = boost::asio;
using api::caller;
using api::context;
using api::fail;
using api::role;

void fill_slot(const config::config& cfg, const schedule::duty_slot& d, v1::DutySlot& out) {
  out.set_site_id(d.site_id);
  if (const auto* site = cfg.find_site(d.site_id)) out.set_site_name(site->name);
  out.set_shift(d.shift);
  *out.mutable_starts_at() = api::to_timestamp(d.shift_start);
  *out.mutable_ends_at() = api::to_timestamp(d.shift_end);
}

asio::awaitable<http::response> get_me(context& ctx, caller who, http::request req) {
  const auto cfg = ctx.cfg;
  const auto roster = ctx.roster;
  v1::Me me;
  me.set_id(who.id);
  me.set_role(api::to_string(who.as));
  if (who.as == role::supervisor) {
    if (const auto* s = cfg->find_supervisor(who.id)) me.set_name(s->name);
    co_return http::encode(req, me);
  }
  if (who.as == role::viewer) {
    if (const auto* v = cfg->find_viewer(who.id)) me.set_name(v->name);
    co_return http::encode(req, me);
  }
  const auto* c = cfg->find_counselor(who.id);
  if (c == nullptr) co_return fail(req, http::not_found("counselor is no longer configured"));
  const auto now = caseroute::now();
  std::vector<std::string> ids = {c->id};
  auto state = co_await ctx.store.load_counselor_states(now, store::routing_lookback::of(cfg->routing), std::move(ids));
  if (!state) co_return fail(req, state.error());
  routing::counselor_status status;
  if (auto it = state->counselors.find(c->id); it != state->counselors.end()) status = it->second;
  const auto duty = co_await ctx.on_duty.at(cfg, roster, now);
  const auto* slot = duty->slot_of(c->id);
  const auto entry = api::roster_entry(*c, slot, status, cfg->routing.max_missed_offers);
  me.set_name(c->name);
  me.set_available(entry.available());
  me.set_load(entry.load());
  me.set_capacity(entry.capacity());
  me.set_crisis_trained(entry.crisis_trained());
  *me.mutable_specialties() = entry.specialties();
  if (slot != nullptr) fill_slot(*cfg, *slot, *me.mutable_now());
  const auto next = roster->next_duty(c->id, now);
  if (!next.empty()) fill_slot(*cfg, next.front(), *me.mutable_next());
  co_return http::encode(req, me);
}

asio::awaitable<http::response> change_risk(context& ctx, caller who, http::request req) {
  v1::RiskChange body;
  if (auto e = http::decode(req, body)) co_return fail(req, *e);
  if (body.risk() == v1::RISK_UNSPECIFIED || !v1::Risk_IsValid(body.risk()))
    co_return fail(req, http::invalid_argument("risk: one of RISK_LOW, RISK_MEDIUM, RISK_HIGH, RISK_CRISIS", "risk"));
  if (auto e = api::max_length(body.reason(), "reason", 1000)) co_return fail(req, *e);
  const auto case_id = req.params["caseId"];
  auto changed =
      co_await ctx.store.reprioritise(case_id, body.risk(), "supervisor:" + who.id, body.reason(), caseroute::now());
  if (!changed) co_return fail(req, changed.error());
  if (*changed) {
    log::info("case.reprioritised", {{"request_id", req.request_id},
                                     {"case_id", case_id},
                                     {"risk", v1::Risk_Name(body.risk())},
                                     {"supervisor_id", who.id}});
    ctx.kick_routing();
  }
  auto c = co_await ctx.store.get(case_id, store::view_options{});
  if (!c) co_return fail(req, c.error());
  api::show(api::case_view::supervisor_row, *c);
  co_return http::encode(req, *c);
}

}  // namespace

const std::vector<api::route>& case_routes() {
  static const std::vector<api::route> table = {
      {"GET", "/v1/me", role::staff, get_me},
      {"POST", "/v1/cases/{caseId}/risk", role::supervisor, change_risk},
  };
  return table;
}

}  // namespace caseroute::console
