// The daemon's answers as tables: the rows a supervisor expects, Chinese
// words with --lang zh, and no contact or summary outside `caseroute case`.
#include <gtest/gtest.h>

#include "cli/render.hpp"

#include <algorithm>

namespace caseroute::cli {
namespace {

const char* case_json =
    R"({"caseId":"01KB6Z3M8Q7Y2C4N5P6R7S8T9V","referralId":"demo-0001","platformId":"henan-12355",)"
    R"("state":"CASE_OFFERED","risk":"RISK_HIGH","concerns":["exam_stress","anxiety"],"mode":"MODE_PHONE",)"
    R"("escalationLevel":1,"counselorId":"c003","siteId":"hubin-01","createdAt":"2026-11-29T08:00:00.125Z",)"
    R"("offerExpiresAt":"2026-11-29T08:01:00Z","contact":{"name":"Invented Name","phone":"13800000000"},)"
    R"("summary":"invented summary","youth":{"ref":"y-demo-17","age":16},"groups":["GROUP_HARDSHIP"],)"
    R"("history":[{"at":"2026-11-29T08:00:00Z","type":"case.created","actor":"platform:henan-12355","state":"CASE_QUEUED"},)"
    R"({"at":"2026-11-29T08:00:01Z","type":"case.offered","actor":"supervisor:s1","counselorId":"c003",)"
    R"("rule":"assigned","state":"CASE_OFFERED","reason":"typed reason"}],"someFutureField":1})";

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(cli_render, a_case_list_has_one_row_per_case_and_the_next_cursor) {
  const auto out = case_list(language::en, std::string(R"({"cases":[)") + case_json + R"(],"nextCursor":"abc"})");
  EXPECT_TRUE(has(out, "CASE")) << out;
  EXPECT_TRUE(has(out, "01KB6Z3M8Q7Y2C4N5P6R7S8T9V  offered  high")) << out;
  EXPECT_TRUE(has(out, "exam_stress,anxiety")) << out;
  EXPECT_TRUE(has(out, "caseroute cases --cursor abc")) << out;
  EXPECT_FALSE(has(out, "Invented Name")) << out;
  EXPECT_FALSE(has(out, "invented summary")) << out;
  const auto zh = case_list(language::zh, std::string(R"({"cases":[)") + case_json + "]}");
  EXPECT_TRUE(has(zh, "工单")) << zh;
  EXPECT_TRUE(has(zh, "已派单")) << zh;
  EXPECT_TRUE(has(zh, "高")) << zh;
  EXPECT_EQ(case_list(language::en, "{}"), "no cases\n");
}

TEST(cli_render, case_details_show_contact_summary_and_history) {
  const auto out = case_details(language::en, case_json);
  EXPECT_TRUE(has(out, "Invented Name, 13800000000")) << out;
  EXPECT_TRUE(has(out, "invented summary")) << out;
  EXPECT_TRUE(has(out, "history")) << out;
  EXPECT_TRUE(has(out, "case.created")) << out;
  EXPECT_TRUE(has(out, "supervisor:s1")) << out;
  EXPECT_TRUE(has(out, "rule=assigned \"typed reason\"")) << out;
  const auto zh = case_details(language::zh, case_json);
  EXPECT_TRUE(has(zh, "处理记录")) << zh;
  EXPECT_TRUE(has(zh, "派单")) << zh;
}

TEST(cli_render, the_assign_answer_shows_ids_only) {
  const auto out = assigned(language::en, case_json);
  EXPECT_TRUE(has(out, "c003")) << out;
  EXPECT_FALSE(has(out, "Invented Name")) << out;
  EXPECT_FALSE(has(out, "invented summary")) << out;
  const auto json = without_personal_data(case_json);
  EXPECT_TRUE(has(json, "\"counselorId\":\"c003\"")) << json;
  EXPECT_TRUE(has(json, "\"escalationLevel\":1")) << json;
  for (const char* sealed :
       {"Invented Name", "13800000000", "invented summary", "y-demo-17", "GROUP_HARDSHIP", "typed reason"})
    EXPECT_FALSE(has(json, sealed)) << sealed << " in " << json;
}

TEST(cli_render, the_queue_lists_counts_in_state_order_and_escalated_cases) {
  const auto out = queue_view(
      language::zh,
      R"({"byState":{"CASE_RESOLVED":4,"CASE_QUEUED":2,"CASE_OFFERED":1,"CASE_ACTIVE":0,"CASE_CANCELLED":0},)"
      R"("byRisk":{"RISK_LOW":1,"RISK_CRISIS":1},"oldestWaitSeconds":312,"oldestCaseId":"01KBQ",)"
      R"("counselorsOnDuty":2,"counselorsAvailable":1,"escalated":[)" +
          std::string(case_json) + R"(],"at":"2026-11-29T08:05:00Z"})");
  EXPECT_LT(out.find("排队中"), out.find("已派单")) << out;
  EXPECT_LT(out.find("已派单"), out.find("已办结")) << out;
  EXPECT_LT(out.find("危机"), out.find("低")) << out;
  EXPECT_TRUE(has(out, "5m12s")) << out;
  EXPECT_TRUE(has(out, "01KB6Z3M8Q7Y2C4N5P6R7S8T9V")) << out;
  EXPECT_FALSE(has(out, "Invented Name")) << out;
}

TEST(cli_render, counselors_coverage_parked_and_audit_tables) {
  auto out = counselor_list(
      language::en,
      R"({"counselors":[{"counselorId":"c1","name":"测试咨询师一","onDuty":true,"siteId":"t-hubin-a","available":true,)"
      R"("load":1,"capacity":2,"crisisTrained":true,"specialties":["depression","anxiety"]},{"counselorId":"c6","name":"B","capacity":3}]})");
  EXPECT_TRUE(has(out, "c1  测试咨询师一  yes      t-hubin-a")) << out;
  EXPECT_TRUE(has(out, "1/2")) << out;
  EXPECT_TRUE(has(out, "0/3")) << out;
  out = coverage_report(
      language::en,
      R"({"shifts":[{"day":"2026-12-05","weekday":"sat","shift":"all","counselors":["c1"],"crisis":true}],)"
      R"("gaps":[{"day":"2026-12-05","shift":"all","kind":"specialty","code":"grief"}]})");
  EXPECT_TRUE(has(out, "2026-12-05  sat")) << out;
  EXPECT_TRUE(has(out, "specialty  grief")) << out;
  out = parked_list(
      language::en,
      R"({"callbacks":[{"callback":{"eventId":"01EV","caseId":"01CA","platformId":"p","type":"case.created",)"
      R"("state":"CASE_QUEUED"},"attempts":12,"lastError":"HTTP 500","parkedAt":"2026-11-29T08:00:00Z"}]})");
  EXPECT_TRUE(has(out, "01EV   01CA  p         case.created  queued  12")) << out;
  EXPECT_EQ(parked_list(language::zh, "{}"), "没有搁置的回调\n");
  out = access_list(language::en,
                    R"({"events":[{"id":"1-0","at":"2026-11-29T08:00:00Z","principal":"supervisor:s1","caseId":"01CA",)"
                    R"("fields":["contact","summary"],"remote":"127.0.0.1:5","requestId":"r1"}],"nextCursor":"c2"})");
  EXPECT_TRUE(has(out, "supervisor:s1  01CA  contact,summary")) << out;
  EXPECT_TRUE(has(out, "caseroute audit --cursor c2")) << out;
}

TEST(cli_render, an_event_is_one_line_and_a_bad_answer_throws) {
  const auto line = event_line(
      language::en,
      R"({"at":"2026-11-29T08:00:00.125Z","type":"case.offered","actor":"system","caseId":"01KB",)"
      R"("counselorId":"c003","siteId":"hubin-01","rule":"skill","state":"CASE_OFFERED","risk":"RISK_MEDIUM"})");
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_TRUE(has(line, "2026-11-29 08:00:00Z  case.offered")) << line;
  EXPECT_TRUE(has(line, "c003@hubin-01")) << line;
  EXPECT_TRUE(has(line, "rule=skill")) << line;
  EXPECT_TRUE(has(event_line(language::zh, R"({"type":"case.accepted","state":"CASE_ACTIVE"})"), "接单"));
  EXPECT_THROW(case_list(language::en, "not json"), std::runtime_error);
  EXPECT_TRUE(has(cancelled(language::zh, R"({"caseId":"01KB","state":"CASE_CANCELLED"})"), "已取消"));
  EXPECT_TRUE(has(retried(language::en, R"({"eventId":"01EV","caseId":"01CA","type":"case.created"})"), "01EV"));
}

TEST(cli_render, a_report_csv_becomes_an_aligned_table) {
  const std::string csv =
      "\xEF\xBB\xBF分项,日期,问题类别,转介数\r\n"
      "合计,2026-12,,300\r\n"
      "问题类别,2026-12,\"a, \"\"b\"\"\nc\",70\r\n";
  const auto out = csv_table(language::zh, csv);
  EXPECT_TRUE(out.starts_with("分项")) << out;  // the BOM is gone
  EXPECT_TRUE(has(out, "转介数")) << out;
  EXPECT_TRUE(has(out, "2026-12  -")) << out;  // an empty cell shows "-"
  EXPECT_TRUE(has(out, "a, \"b\" c")) << out;  // quotes undone, the line break shown as a space
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 3) << out;
  EXPECT_EQ(csv_table(language::en, "a,b\r\n"), "no rows\n");
  EXPECT_THROW(csv_table(language::en, "a,\"b\r\n"), std::runtime_error);
}

}  // namespace
}  // namespace caseroute::cli
