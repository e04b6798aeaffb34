// Which sealed fields an answer carries, and recording them before it goes
// out. Nothing personal is logged or stored here: ids and field names only.
#include "audit/reads.hpp"

#include <algorithm>

#include "log/log.hpp"

namespace caseroute::audit {

std::vector<std::string> sealed_fields_in(const v1::Case& c) {
  std::vector<std::string> out;
  if (c.has_contact()) out.emplace_back("contact");
  if (!c.summary().empty()) out.emplace_back("summary");
  const auto& h = c.history();
  // Routing notes on case.offered are not personal; a resolve note may be.
  if (std::any_of(h.begin(), h.end(),
                  [](const v1::Event& e) { return e.type() == "case.resolved" && !e.note().empty(); }))
    out.emplace_back("notes");
  if (std::any_of(h.begin(), h.end(), [](const v1::Event& e) { return !e.reason().empty(); }))
    out.emplace_back("reasons");
  return out;
}

std::string principal_of(const api::caller& who) { return std::string(api::to_string(who.as)) + ":" + who.id; }

void add_read(std::vector<access>& reads, const api::caller& who, const http::request& req, const v1::Case& c) {
  auto fields = sealed_fields_in(c);
  if (fields.empty()) return;
  reads.push_back(access{principal_of(who), c.case_id(), std::move(fields), req.remote, req.request_id});
}

namespace {

std::string joined(const std::vector<std::string>& fields) {
  std::string out;
  for (const auto& f : fields) out += (out.empty() ? "" : ",") + f;
  return out;
}

void log_recorded(const access& a, const std::string& fields, const std::string& audit_id) {
  log::info("audit.read", {{"request_id", a.request_id},
                           {"principal", a.principal},
                           {"case_id", a.case_id},
                           {"fields", fields},
                           {"remote", a.remote},
                           {"audit_id", audit_id}});
}

}  // namespace

bool recorded_by_script(const access& a, const std::string& audit_id, const std::string& fields) {
  if (audit_id.empty() || joined(a.fields) != fields) return false;
  log_recorded(a, fields, audit_id);
  return true;
}

boost::asio::awaitable<std::optional<http::api_error>> record(api::context& ctx, std::vector<access> reads) {
  if (reads.empty()) co_return std::nullopt;
  const auto cfg = ctx.cfg;
  trail t(ctx.redis, store::keys(cfg->redis.key_prefix));
  for (auto& a : reads) {
    const std::string fields = joined(a.fields);
    auto id = co_await t.record(a);
    if (!id) {
      log::error("audit.record_failed", {{"request_id", a.request_id},
                                         {"principal", a.principal},
                                         {"case_id", a.case_id},
                                         {"error", id.error().message()}});
      co_return http::unavailable("the read could not be recorded in the audit log; nothing was sent, retry", 2);
    }
    log_recorded(a, fields, *id);
  }
  co_return std::nullopt;
}

}  // namespace caseroute::audit
