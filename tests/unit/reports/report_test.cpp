// GET /v1/reports without Redis: the query's 400s, sums by period and
// dimension, percentiles from the histograms, and the CSV read back by an
// RFC 4180 parser (BOM, Chinese headers, commas, quotes and newlines).
#include <gtest/gtest.h>

#include "reports/report.hpp"

namespace caseroute::reports_test {
namespace {

using reports::day_map;

http::request request(std::map<std::string, std::string> query, std::string accept = "") {
  http::request r;
  r.method = "GET";
  r.query = std::move(query);
  if (!accept.empty()) r.headers.emplace_back("accept", accept);
  return r;
}

TEST(report_query, names_the_parameter_at_fault) {
  const std::vector<std::pair<std::map<std::string, std::string>, std::string>> bad = {
      {{{"to", "2026-12-01"}}, "from"},
      {{{"from", "2026-12-1"}, {"to", "2026-12-01"}}, "from"},
      {{{"from", "2026-02-29"}, {"to", "2026-03-01"}}, "from"},  // not a leap year
      {{{"from", "2026-12-01"}}, "to"},
      {{{"from", "2026-12-02"}, {"to", "2026-12-01"}}, "to"},
      {{{"from", "2025-11-01"}, {"to", "2026-12-06"}}, "to"},  // 401 days
      {{{"from", "2026-12-01"}, {"to", "2026-12-01"}, {"by", "site,name"}}, "by"},
      {{{"from", "2026-12-01"}, {"to", "2026-12-01"}, {"by", "risk,risk"}}, "by"},
      {{{"from", "2026-12-01"}, {"to", "2026-12-01"}, {"by", "counselor,risk"}}, "by"},
      {{{"from", "2026-12-01"}, {"to", "2026-12-01"}, {"by", "risk"}, {"report", "service"}}, "by"},
      {{{"from", "2026-12-01"}, {"to", "2026-12-01"}, {"period", "week"}}, "period"},
      {{{"from", "2026-12-01"}, {"to", "2026-12-01"}, {"report", "daily"}}, "report"},
      {{{"from", "2026-12-01"}, {"to", "2026-12-01"}, {"format", "xml"}}, "format"},
  };
  for (const auto& [q, field] : bad) {
    auto r = reports::parse_query(request(q));
    ASSERT_FALSE(r) << field;
    EXPECT_EQ(r.error().status, 400);
    EXPECT_EQ(r.error().field, field) << r.error().message;
  }
  auto ok = reports::parse_query(request({{"from", "2025-11-02"}, {"to", "2026-12-06"}, {"by", "site,risk"}}));
  ASSERT_TRUE(ok);  // 400 days
  EXPECT_EQ(ok->by, (std::vector<std::string>{"site", "risk"}));
  EXPECT_EQ(ok->period, "day");
  EXPECT_FALSE(ok->csv);
  EXPECT_TRUE(reports::parse_query(request({{"from", "2026-12-01"}, {"to", "2026-12-01"}}, "text/csv"))->csv);
  EXPECT_TRUE(reports::parse_query(request({{"from", "2026-12-01"}, {"to", "2026-12-01"}, {"format", "csv"}}))->csv);
  EXPECT_EQ(
      reports::parse_query(request({{"from", "2026-12-01"}, {"to", "2026-12-01"}, {"report", "service"}}))->period,
      "month");
}

day_map sample() {
  const std::string cube = "|site=hubin-01|county=411202|concern=depression|risk=4|mode=1|outcome=0|platform=p";
  day_map d;
  d["2026-11-30"]["referrals" + cube] = 2;
  d["2026-12-01"]["referrals" + cube] = 3;
  d["2026-12-01"]["resolutions|site=hubin-01|county=411202|concern=depression|risk=4|mode=1|outcome=2|platform=p"] = 1;
  d["2026-12-01"]["escalations_2" + cube] = 4;
  d["2026-12-01"]["t_accept_le60" + cube] = 5;
  d["2026-12-01"]["t_accept_le300" + cube] = 4;
  d["2026-12-01"]["t_accept_inf" + cube] = 1;
  d["2026-12-01"]["group_referrals|group=3|county=411202|concern=depression|risk=4|mode=1|platform=p"] = 2;
  d["2026-12-01"]["accepts|counselor=c1"] = 7;
  return d;
}

TEST(report_build, sums_by_period_and_dimension_with_percentiles) {
  reports::query q{"2026-11-30", "2026-12-01", {"risk"}, "month", "", false};
  auto r = reports::build(q, sample(), "Asia/Shanghai", {});
  ASSERT_EQ(r.sections(0).rows_size(), 2);
  const auto& nov = r.sections(0).rows(0);
  const auto& dec = r.sections(0).rows(1);
  EXPECT_EQ(nov.period(), "2026-11");
  EXPECT_EQ(nov.referrals(), 2);
  EXPECT_EQ(dec.period(), "2026-12");
  EXPECT_EQ(dec.risk(), v1::RISK_CRISIS);
  EXPECT_EQ(dec.referrals(), 3);
  EXPECT_EQ(dec.resolutions(), 1);
  EXPECT_EQ(dec.escalations().at(2), 4);
  EXPECT_EQ(dec.accept_p50_seconds(), 60);   // 5 of 10 within 60 s
  EXPECT_EQ(dec.accept_p90_seconds(), 300);  // 9 of 10 within 300 s
  EXPECT_FALSE(dec.has_offer_p50_seconds());
  EXPECT_EQ(dec.accepts(), 0);  // counselor fields only in the workload

  q.by = {"group"};
  q.period = "all";
  r = reports::build(q, sample(), "", {});
  ASSERT_EQ(r.sections(0).rows_size(), 1);
  EXPECT_EQ(r.sections(0).rows(0).group(), v1::GROUP_HARDSHIP);
  EXPECT_EQ(r.sections(0).rows(0).referrals(), 2);
  EXPECT_EQ(r.sections(0).rows(0).period(), "2026-11-30/2026-12-01");

  q.by.clear();
  q.report = "workload";
  r = reports::build(q, sample(), "", {{{"2026-12-01/2026-12-01", "c2"}, 3.5}});
  q.period = "month";
  r = reports::build(q, sample(), "", {{{"2026-12", "c2"}, 3.5}});
  ASSERT_EQ(r.sections(0).rows_size(), 2);
  EXPECT_EQ(r.sections(0).rows(0).counselor_id(), "c1");
  EXPECT_EQ(r.sections(0).rows(0).accepts(), 7);
  EXPECT_EQ(r.sections(0).rows(1).counselor_id(), "c2");
  EXPECT_EQ(r.sections(0).rows(1).hours_on_duty(), 3.5);
}

// RFC 4180 records of a CSV text (CRLF or LF line ends).
std::vector<std::vector<std::string>> parse_csv(std::string_view text) {
  std::vector<std::vector<std::string>> rows(1, std::vector<std::string>(1));
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    auto& cell = rows.back().back();
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().emplace_back();
    } else if (c == '\r') {
    } else if (c == '\n') {
      rows.push_back(std::vector<std::string>(1));
    } else {
      cell += c;
    }
  }
  if (rows.back().size() == 1 && rows.back()[0].empty()) rows.pop_back();
  return rows;
}

TEST(report_csv, reads_back_with_bom_chinese_headers_and_quoting) {
  day_map d;
  const std::string awkward = "site, \"north\"\nannex";
  d["2026-12-01"]
   ["resolutions|site=" + awkward + "|county=411202|concern=depression|risk=3|mode=4|outcome=2|platform=p"] = 2;
  reports::query q{"2026-12-01", "2026-12-01", {"site", "risk", "mode", "outcome"}, "day", "", true};
  const auto csv = reports::to_csv(reports::build(q, d, "Asia/Shanghai", {}));
  ASSERT_TRUE(csv.starts_with("\xEF\xBB\xBF"));
  const auto rows = parse_csv(std::string_view(csv).substr(3));
  ASSERT_EQ(rows.size(), 2u) << csv;
  EXPECT_EQ(rows[0][0], "日期");
  EXPECT_EQ(rows[0][1], "站点");
  EXPECT_EQ(rows[0][2], "风险等级");
  EXPECT_EQ(rows[0][3], "服务方式");
  EXPECT_EQ(rows[0][4], "办结结果");
  EXPECT_EQ(rows[0][5], "转介数");
  ASSERT_EQ(rows[1].size(), rows[0].size());
  EXPECT_EQ(rows[1][0], "2026-12-01");
  EXPECT_EQ(rows[1][1], awkward);
  EXPECT_EQ(rows[1][2], "高");
  EXPECT_EQ(rows[1][3], "上门");
  EXPECT_EQ(rows[1][4], "上门化解");
  const auto col = std::find(rows[0].begin(), rows[0].end(), "办结数") - rows[0].begin();
  EXPECT_EQ(rows[1][col], "2");

  q.by.clear();
  q.report = "service";
  q.period = "month";
  const auto service = parse_csv(std::string_view(reports::to_csv(reports::build(q, d, "", {}))).substr(3));
  EXPECT_EQ(service[0][0], "分项");
  EXPECT_EQ(service[0][1], "日期");
  EXPECT_EQ(service[1][0], "合计");
}

}  // namespace
}  // namespace caseroute::reports_test
