// GET /v1/reports: parses the query (a 400 names the parameter), reads each
// day's counter hash, sums them (reports/report.hpp) and answers JSON, or CSV
// for `Accept: text/csv` and `?format=csv`.
#include "supervisor/reports.hpp"

#include "api/errors.hpp"
#include "http/codec.hpp"
#include "reports/recount.hpp"
#include "reports/report.hpp"

namespace caseroute::supervisor {

boost::asio::awaitable<http::response> get_reports(api::context& ctx, api::caller, http::request req) {
  auto q = reports::parse_query(req);
  if (!q) co_return api::fail(req, q.error());
  const auto cfg = ctx.cfg;
  const auto roster = ctx.roster;
  auto days =
      co_await reports::read_days(ctx.redis, store::keys(cfg->redis.key_prefix), reports::days_between(q->from, q->to));
  if (!days) co_return api::fail(req, days.error());
  reports::duty_hours hours;
  if (q->report == "workload") hours = reports::rostered_hours(*roster, *q);
  const auto report = reports::build(*q, *days, cfg->timezone, hours);
  if (!q->csv) co_return http::encode(req, report);
  http::response out;
  out.content_type = "text/csv; charset=utf-8";
  out.body = reports::to_csv(report);
  co_return out;
}

}  // namespace caseroute::supervisor
