// GET /v1/reports as CSV for spreadsheet users: UTF-8 with a BOM (so Excel
// reads the Chinese headers), one header row, RFC 4180 quoting, CRLF lines.
// Enum values become their Chinese labels; codes and ids stay as they are.
#include <algorithm>
#include <set>

#include "reports/report.hpp"

namespace caseroute::reports {

namespace {

std::string quoted(const std::string& v) {
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string_view header_of(std::string_view dim) {
  if (dim == "site") return "站点";
  if (dim == "county") return "区县";
  if (dim == "concern") return "问题类别";
  if (dim == "risk") return "风险等级";
  if (dim == "group") return "重点群体";
  if (dim == "mode") return "服务方式";
  if (dim == "outcome") return "办结结果";
  if (dim == "platform") return "来源平台";
  return "咨询师";
}

std::string_view section_label(std::string_view name) {
  if (name == "total") return "合计";
  if (name.empty()) return "";
  return header_of(name);
}

std::string risk_label(v1::Risk r) {
  switch (r) {
    case v1::RISK_LOW:
      return "低";
    case v1::RISK_MEDIUM:
      return "中";
    case v1::RISK_HIGH:
      return "高";
    case v1::RISK_CRISIS:
      return "危机";
    default:
      return "未标明";
  }
}

std::string group_label(v1::Group g) {
  switch (g) {
    case v1::GROUP_JUVENILE_OFFENDER:
      return "罪错青少年";
    case v1::GROUP_SERIOUS_MISBEHAVIOR:
      return "严重不良行为青少年";
    case v1::GROUP_HARDSHIP:
      return "困境青少年";
    default:
      return "未标明";
  }
}

std::string mode_label(v1::Mode m) {
  switch (m) {
    case v1::MODE_PHONE:
      return "电话";
    case v1::MODE_ONLINE:
      return "网络";
    case v1::MODE_SITE_VISIT:
      return "来访";
    case v1::MODE_HOME_VISIT:
      return "上门";
    default:
      return "未标明";
  }
}

std::string outcome_label(v1::Outcome o) {
  switch (o) {
    case v1::OUTCOME_COUNSELED:
      return "咨询解答";
    case v1::OUTCOME_HOME_VISIT:
      return "上门化解";
    case v1::OUTCOME_REFERRED_MEDICAL:
      return "转介医疗";
    case v1::OUTCOME_REFERRED_LEGAL:
      return "转介法律";
    case v1::OUTCOME_UNREACHABLE:
      return "无法联系";
    case v1::OUTCOME_OTHER:
      return "其他";
    default:
      return "未标明";
  }
}

std::string value_of(const v1::ReportRow& row, std::string_view dim) {
  if (dim == "site") return row.site_id();
  if (dim == "county") return row.county();
  if (dim == "concern") return row.concern();
  if (dim == "risk") return risk_label(row.risk());
  if (dim == "group") return group_label(row.group());
  if (dim == "mode") return mode_label(row.mode());
  if (dim == "outcome") return outcome_label(row.outcome());
  if (dim == "platform") return row.platform_id();
  return row.counselor_id();
}

std::string optional_seconds(bool has, std::int64_t v) { return has ? std::to_string(v) : std::string(); }

std::string hours_text(double h) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", h);
  return text;
}

}  // namespace

std::string to_csv(const v1::Report& r) {
  const bool sectioned = !r.report().empty();
  std::vector<std::string_view> dims;  // the union of the sections' dimensions, in column order
  std::set<int> levels;
  bool hours = false;
  for (const auto& s : r.sections()) {
    for (auto d : dimensions)
      if (std::find(s.by().begin(), s.by().end(), d) != s.by().end() &&
          std::find(dims.begin(), dims.end(), d) == dims.end())
        dims.push_back(d);
    for (const auto& row : s.rows())
      for (const auto& [level, _] : row.escalations()) levels.insert(level);
    if (std::find(s.by().begin(), s.by().end(), "counselor") != s.by().end()) hours = true;
  }
  std::sort(dims.begin(), dims.end(), [](std::string_view a, std::string_view b) {
    return std::find(dimensions.begin(), dimensions.end(), a) < std::find(dimensions.begin(), dimensions.end(), b);
  });

  std::vector<std::string> header;
  if (sectioned) header.push_back("分项");
  header.push_back("日期");
  for (auto d : dims) header.emplace_back(header_of(d));
  for (const char* h : {"转介数", "派单数", "接单数", "拒单数", "超时未接数"}) header.emplace_back(h);
  for (int level : levels) header.push_back("升级数(第" + std::to_string(level) + "级)");
  for (const char* h :
       {"退回数", "办结数", "撤销数", "危机接单数", "危机升级后接单数", "危机未升级接单数", "派单用时P50(秒)",
        "派单用时P90(秒)", "接单用时P50(秒)", "接单用时P90(秒)", "办结用时P50(秒)", "办结用时P90(秒)"})
    header.emplace_back(h);
  if (hours) header.emplace_back("值班时长(小时)");

  std::string out = "\xEF\xBB\xBF";
  auto line = [&](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) out += ',';
      out += quoted(cells[i]);
    }
    out += "\r\n";
  };
  line(header);
  for (const auto& s : r.sections()) {
    for (const auto& row : s.rows()) {
      std::vector<std::string> cells;
      if (sectioned) cells.emplace_back(section_label(s.name()));
      cells.push_back(row.period());
      for (auto d : dims) {
        const bool grouped = std::find(s.by().begin(), s.by().end(), d) != s.by().end();
        cells.push_back(grouped ? value_of(row, d) : std::string());
      }
      for (auto n : {row.referrals(), row.offers(), row.accepts(), row.declines(), row.expiries()})
        cells.push_back(std::to_string(n));
      for (int level : levels) {
        auto it = row.escalations().find(level);
        cells.push_back(std::to_string(it == row.escalations().end() ? 0 : it->second));
      }
      for (auto n : {row.releases(), row.resolutions(), row.cancellations(), row.crisis_accepts(),
                     row.crisis_accepts_escalated(), row.crisis_accepts_direct()})
        cells.push_back(std::to_string(n));
      cells.push_back(optional_seconds(row.has_offer_p50_seconds(), row.offer_p50_seconds()));
      cells.push_back(optional_seconds(row.has_offer_p90_seconds(), row.offer_p90_seconds()));
      cells.push_back(optional_seconds(row.has_accept_p50_seconds(), row.accept_p50_seconds()));
      cells.push_back(optional_seconds(row.has_accept_p90_seconds(), row.accept_p90_seconds()));
      cells.push_back(optional_seconds(row.has_resolve_p50_seconds(), row.resolve_p50_seconds()));
      cells.push_back(optional_seconds(row.has_resolve_p90_seconds(), row.resolve_p90_seconds()));
      if (hours) cells.push_back(hours_text(row.hours_on_duty()));
      line(cells);
    }
  }
  return out;
}

}  // namespace caseroute::reports
