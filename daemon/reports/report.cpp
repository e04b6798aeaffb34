// Builds GET /v1/reports answers from the days' counter hashes: parses the
// query, sums fields by period and dimensions, turns histograms into
// percentiles. Never sees a case: the hashes hold anonymous counts only.
#include "reports/report.hpp"

#include <date/date.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

namespace caseroute::reports {

namespace {

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const auto end = s.find(sep, start);
    out.emplace_back(s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

std::optional<date::year_month_day> ymd_of(std::string_view day) {
  if (day.size() != 10 || day[4] != '-' || day[7] != '-') return std::nullopt;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (day[i] < '0' || day[i] > '9') return std::nullopt;
  const int y = std::stoi(std::string(day.substr(0, 4)));
  const unsigned m = std::stoul(std::string(day.substr(5, 2)));
  const unsigned d = std::stoul(std::string(day.substr(8, 2)));
  const date::year_month_day ymd{date::year(y), date::month(m), date::day(d)};
  if (!ymd.ok()) return std::nullopt;
  return ymd;
}

std::string format_day(date::sys_days d) {
  const date::year_month_day ymd{d};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return text;
}

bool is_dimension(std::string_view d) { return std::find(dimensions.begin(), dimensions.end(), d) != dimensions.end(); }

// A ready-made report's sections: name, dimensions, and whether rows whose
// (only) dimension is unset are dropped (the outcome of a non-resolution).
struct section_spec {
  std::string_view name;
  std::vector<std::string> by;
  bool drop_unset = false;
};

std::vector<section_spec> sections_of(const query& q) {
  if (q.report == "service")
    return {{"total", {}},      {"concern", {"concern"}}, {"outcome", {"outcome"}, true},
            {"risk", {"risk"}}, {"group", {"group"}},     {"site", {"site"}, true},
            {"mode", {"mode"}}};
  if (q.report == "response") return {{"risk", {"risk"}}};
  if (q.report == "workload") return {{"counselor", {"counselor"}, true}};
  return {{"", q.by}};
}

int to_int(const std::string& s) {
  if (s.empty()) return 0;
  try {
    return std::stoi(s);
  } catch (...) {
    return 0;
  }
}

// The percentile p (0..1) of a histogram (bucket name "le<s>"/"inf" -> count).
std::optional<std::int64_t> percentile(const std::map<std::string, std::int64_t>& h, double p) {
  std::int64_t total = 0;
  for (const auto& [_, n] : h) total += n;
  if (total <= 0) return std::nullopt;
  const auto rank = static_cast<std::int64_t>(std::ceil(p * static_cast<double>(total)));
  std::int64_t seen = 0;
  for (auto bound : bucket_bounds) {
    if (auto it = h.find("le" + std::to_string(bound)); it != h.end()) seen += it->second;
    if (seen >= rank) return bound;
  }
  return -1;
}

struct totals {
  std::map<std::string, std::int64_t> counts;                             // metric -> count
  std::map<std::string, std::map<std::string, std::int64_t>> histograms;  // t_offer/t_accept/t_resolve -> bucket -> n
  double hours = 0;
};

void fill(v1::ReportRow& row, const totals& t, bool workload) {
  auto get = [&](const std::string& m) -> std::int64_t {
    auto it = t.counts.find(m);
    return it == t.counts.end() ? 0 : it->second;
  };
  row.set_referrals(get("referrals"));
  row.set_offers(get("offers"));
  row.set_accepts(get("accepts"));
  row.set_declines(get("declines"));
  row.set_expiries(get("expiries"));
  for (const auto& [m, n] : t.counts)
    if (m.starts_with("escalations_")) (*row.mutable_escalations())[to_int(m.substr(12))] += n;
  row.set_releases(get("releases"));
  row.set_resolutions(get("resolutions"));
  row.set_cancellations(get("cancellations"));
  row.set_crisis_accepts_escalated(get("crisis_accepts_escalated"));
  row.set_crisis_accepts_direct(get("crisis_accepts_direct"));
  row.set_crisis_accepts(workload ? get("crisis_accepts")
                                  : row.crisis_accepts_escalated() + row.crisis_accepts_direct());
  auto hist = [&](const std::string& name) {
    auto it = t.histograms.find(name);
    static const std::map<std::string, std::int64_t> none;
    return it == t.histograms.end() ? none : it->second;
  };
  if (auto v = percentile(hist("t_offer"), 0.5)) row.set_offer_p50_seconds(*v);
  if (auto v = percentile(hist("t_offer"), 0.9)) row.set_offer_p90_seconds(*v);
  if (auto v = percentile(hist("t_accept"), 0.5)) row.set_accept_p50_seconds(*v);
  if (auto v = percentile(hist("t_accept"), 0.9)) row.set_accept_p90_seconds(*v);
  if (auto v = percentile(hist("t_resolve"), 0.5)) row.set_resolve_p50_seconds(*v);
  if (auto v = percentile(hist("t_resolve"), 0.9)) row.set_resolve_p90_seconds(*v);
  row.set_hours_on_duty(t.hours);
}

void set_dimension(v1::ReportRow& row, std::string_view dim, const std::string& value) {
  if (dim == "site") row.set_site_id(value);
  if (dim == "county") row.set_county(value);
  if (dim == "concern") row.set_concern(value);
  if (dim == "risk" && v1::Risk_IsValid(to_int(value))) row.set_risk(static_cast<v1::Risk>(to_int(value)));
  if (dim == "group" && v1::Group_IsValid(to_int(value))) row.set_group(static_cast<v1::Group>(to_int(value)));
  if (dim == "mode" && v1::Mode_IsValid(to_int(value))) row.set_mode(static_cast<v1::Mode>(to_int(value)));
  if (dim == "outcome" && v1::Outcome_IsValid(to_int(value))) row.set_outcome(static_cast<v1::Outcome>(to_int(value)));
  if (dim == "platform") row.set_platform_id(value);
  if (dim == "counselor") row.set_counselor_id(value);
}

bool unset(const std::string& value) { return value.empty() || value == "0"; }

v1::ReportSection build_section(const query& q, const section_spec& spec, const day_map& days,
                                const duty_hours& hours) {
  const auto has = [&](std::string_view d) { return std::find(spec.by.begin(), spec.by.end(), d) != spec.by.end(); };
  const bool workload = has("counselor"), groups = has("group");
  // (period, the `by` values in order) -> totals
  std::map<std::pair<std::string, std::vector<std::string>>, totals> acc;
  for (const auto& [day, fields] : days) {
    if (day < q.from || day > q.to) continue;
    const auto period = period_of(day, q);
    for (const auto& [name, count] : fields) {
      auto f = parse_field(name);
      if (!f) continue;
      const bool by_counselor = f->dims.contains("counselor");
      const bool by_group = f->metric == "group_referrals";
      if (by_counselor != workload || (!workload && by_group != groups)) continue;
      std::vector<std::string> values;
      for (const auto& d : spec.by) {
        auto it = f->dims.find(d);
        values.push_back(it == f->dims.end() ? std::string() : it->second);
      }
      if (spec.drop_unset && !values.empty() && unset(values[0])) continue;
      auto& t = acc[{period, values}];
      std::string metric = by_group ? "referrals" : f->metric;
      bool histogram = false;
      for (std::string_view h : {"t_offer_", "t_accept_", "t_resolve_"})
        if (metric.starts_with(h)) {
          t.histograms[std::string(h.substr(0, h.size() - 1))][metric.substr(h.size())] += count;
          histogram = true;
        }
      if (!histogram) t.counts[metric] += count;
    }
  }
  if (workload)
    for (const auto& [key, h] : hours) {
      std::vector<std::string> values(spec.by.size());
      for (std::size_t i = 0; i < spec.by.size(); ++i)
        if (spec.by[i] == "counselor") values[i] = key.second;
      acc[{key.first, values}].hours += h;
    }
  v1::ReportSection out;
  out.set_name(std::string(spec.name));
  for (const auto& d : spec.by) out.add_by(d);
  for (const auto& [key, t] : acc) {
    auto* row = out.add_rows();
    row->set_period(key.first);
    for (std::size_t i = 0; i < spec.by.size(); ++i) set_dimension(*row, spec.by[i], key.second[i]);
    fill(*row, t, workload);
  }
  return out;
}

}  // namespace

std::optional<field> parse_field(std::string_view name) {
  auto parts = split(name, '|');
  if (parts.empty() || parts[0].empty()) return std::nullopt;
  field f;
  f.metric = parts[0];
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const auto eq = parts[i].find('=');
    if (eq == std::string::npos) return std::nullopt;
    f.dims[parts[i].substr(0, eq)] = parts[i].substr(eq + 1);
  }
  return f;
}

bool valid_day(std::string_view day) { return ymd_of(day).has_value(); }

std::vector<std::string> days_between(const std::string& from, const std::string& to) {
  std::vector<std::string> out;
  auto a = ymd_of(from), b = ymd_of(to);
  if (!a || !b) return out;
  for (date::sys_days d{*a}; d <= date::sys_days{*b}; d += date::days(1)) out.push_back(format_day(d));
  return out;
}

std::string period_of(const std::string& day, const query& q) {
  if (q.period == "month") return day.substr(0, 7);
  if (q.period == "quarter") return day.substr(0, 4) + "-Q" + std::to_string((to_int(day.substr(5, 2)) - 1) / 3 + 1);
  if (q.period == "year") return day.substr(0, 4);
  if (q.period == "all") return q.from + "/" + q.to;
  return day;
}

boost::system::result<query, http::api_error> parse_query(const http::request& req) {
  query q;
  auto param = [&](const char* name) {
    auto it = req.query.find(name);
    return it == req.query.end() ? std::string() : it->second;
  };
  q.from = param("from");
  q.to = param("to");
  if (q.from.empty()) return http::invalid_argument("from: the first day, YYYY-MM-DD", "from");
  if (!valid_day(q.from)) return http::invalid_argument("from: not a date (YYYY-MM-DD)", "from");
  if (q.to.empty()) return http::invalid_argument("to: the last day, YYYY-MM-DD", "to");
  if (!valid_day(q.to)) return http::invalid_argument("to: not a date (YYYY-MM-DD)", "to");
  if (q.from > q.to) return http::invalid_argument("to: before from", "to");
  if (days_between(q.from, q.to).size() > static_cast<std::size_t>(max_days))
    return http::invalid_argument("to: at most " + std::to_string(max_days) + " days from from", "to");
  q.report = param("report");
  if (!q.report.empty() && q.report != "service" && q.report != "response" && q.report != "workload")
    return http::invalid_argument("report: service, response or workload", "report");
  q.period = param("period");
  if (q.period.empty()) q.period = q.report.empty() ? "day" : "month";
  if (q.period != "day" && q.period != "month" && q.period != "quarter" && q.period != "year" && q.period != "all")
    return http::invalid_argument("period: day, month, quarter, year or all", "period");
  const auto by = param("by");
  if (!by.empty()) {
    if (!q.report.empty()) return http::invalid_argument("by: not with report (its sections have their own)", "by");
    for (auto& d : split(by, ',')) {
      if (!is_dimension(d))
        return http::invalid_argument("by: unknown dimension \"" + d.substr(0, 32) +
                                          "\" (site, county, concern, risk, group, mode, outcome, platform, counselor)",
                                      "by");
      if (std::find(q.by.begin(), q.by.end(), d) != q.by.end())
        return http::invalid_argument("by: \"" + d + "\" twice", "by");
      q.by.push_back(d);
    }
    if (q.by.size() > 1 && std::find(q.by.begin(), q.by.end(), "counselor") != q.by.end())
      return http::invalid_argument("by: counselor goes alone (the workload counts)", "by");
  }
  const auto format = param("format");
  if (format == "csv") {
    q.csv = true;
  } else if (format.empty() || format == "json") {
    q.csv = format.empty() && req.header("accept").find("text/csv") != std::string_view::npos;
  } else {
    return http::invalid_argument("format: json or csv", "format");
  }
  return q;
}

duty_hours rostered_hours(const schedule::roster& roster, const query& q) {
  duty_hours out;
  const auto a = ymd_of(q.from), b = ymd_of(q.to);
  if (!a || !b) return out;
  // Local days lie within a day of their UTC dates either way.
  const time_point from{date::sys_days{*a} - date::days(1)}, to{date::sys_days{*b} + date::days(2)};
  roster.visit_windows(from, to, [&](const schedule::shift_window& w) {
    if (w.date < q.from || w.date > q.to) return true;
    std::set<std::string> seen;
    for (const auto& slot : w.slots)
      if (seen.insert(slot.counselor_id).second)
        out[{period_of(w.date, q), slot.counselor_id}] +=
            std::chrono::duration<double, std::ratio<3600>>(slot.shift_end - slot.shift_start).count();
    return true;
  });
  return out;
}

v1::Report build(const query& q, const day_map& days, const std::string& time_zone, const duty_hours& hours) {
  v1::Report r;
  r.set_report(q.report);
  r.set_from(q.from);
  r.set_to(q.to);
  r.set_period(q.period);
  r.set_time_zone(time_zone);
  for (const auto& spec : sections_of(q)) *r.add_sections() = build_section(q, spec, days, hours);
  for (auto b : bucket_bounds) r.add_bucket_bounds_seconds(b);
  return r;
}

}  // namespace caseroute::reports
