// The command line's words and tables: the language from --lang and the
// locale, translated states and risks, columns aligned by display width.
#include <gtest/gtest.h>

#include <map>

#include "cli/table.hpp"
#include "cli/text.hpp"

namespace caseroute::cli {
namespace {

language pick(std::string_view flag, std::map<std::string, std::string> env) {
  return pick_language(flag, [&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

TEST(cli_text, the_language_comes_from_the_flag_then_lc_all_lc_messages_lang) {
  struct row {
    std::string flag;
    std::map<std::string, std::string> env;
    language expected;
  };
  const std::vector<row> rows{
      {"", {}, language::en},
      {"", {{"LANG", "zh_CN.UTF-8"}}, language::zh},
      {"", {{"LANG", "en_US.UTF-8"}}, language::en},
      {"", {{"LANG", "zh_TW.UTF-8"}, {"LC_MESSAGES", "C"}}, language::en},
      {"", {{"LANG", "C"}, {"LC_MESSAGES", "zh_CN.UTF-8"}}, language::zh},
      {"", {{"LC_ALL", "zh_CN.UTF-8"}, {"LC_MESSAGES", "en_US"}}, language::zh},
      {"", {{"LC_ALL", ""}, {"LANG", "zh_CN"}}, language::zh},  // an empty variable counts as unset
      {"zh", {{"LANG", "C"}}, language::zh},
      {"en", {{"LC_ALL", "zh_CN.UTF-8"}}, language::en},
  };
  for (const auto& r : rows) EXPECT_EQ(pick(r.flag, r.env), r.expected) << r.flag;
}

TEST(cli_text, states_risks_and_outcomes_are_translated) {
  EXPECT_EQ(state_word(language::zh, "CASE_QUEUED"), "排队中");
  EXPECT_EQ(state_word(language::zh, "CASE_OFFERED"), "已派单");
  EXPECT_EQ(state_word(language::zh, "CASE_ACTIVE"), "处理中");
  EXPECT_EQ(state_word(language::zh, "CASE_RESOLVED"), "已办结");
  EXPECT_EQ(state_word(language::zh, "CASE_CANCELLED"), "已取消");
  EXPECT_EQ(state_word(language::en, "CASE_QUEUED"), "queued");
  EXPECT_EQ(risk_word(language::zh, "RISK_CRISIS"), "危机");
  EXPECT_EQ(risk_word(language::zh, "RISK_HIGH"), "高");
  EXPECT_EQ(risk_word(language::zh, "RISK_MEDIUM"), "中");
  EXPECT_EQ(risk_word(language::zh, "RISK_LOW"), "低");
  EXPECT_EQ(risk_word(language::en, "RISK_CRISIS"), "crisis");
  EXPECT_EQ(outcome_word(language::zh, "OUTCOME_COUNSELED"), "咨询解答");
  EXPECT_EQ(outcome_word(language::en, "OUTCOME_HOME_VISIT"), "home visit");
  // A name this version does not know shows as the daemon wrote it.
  EXPECT_EQ(state_word(language::zh, "CASE_ON_HOLD"), "CASE_ON_HOLD");
  EXPECT_EQ(word(language::zh, "CASE"), "工单");
  EXPECT_EQ(word(language::zh, "an unknown label"), "an unknown label");
}

TEST(cli_text, typed_states_and_risks_become_api_names) {
  EXPECT_EQ(state_name("queued"), "CASE_QUEUED");
  EXPECT_EQ(state_name("QUEUED"), "CASE_QUEUED");
  EXPECT_EQ(state_name("CASE_ACTIVE"), "CASE_ACTIVE");
  EXPECT_EQ(state_name("已办结"), "CASE_RESOLVED");
  EXPECT_EQ(state_name("closed"), "");
  EXPECT_EQ(risk_name("crisis"), "RISK_CRISIS");
  EXPECT_EQ(risk_name("RISK_LOW"), "RISK_LOW");
  EXPECT_EQ(risk_name("危机"), "RISK_CRISIS");
  EXPECT_EQ(risk_name("severe"), "");
}

TEST(cli_table, display_width_counts_chinese_characters_as_two_columns) {
  EXPECT_EQ(display_width(""), 0u);
  EXPECT_EQ(display_width("c1"), 2u);
  EXPECT_EQ(display_width("排队中"), 6u);
  EXPECT_EQ(display_width("测试咨询师六（不值班）"), 22u);  // full-width brackets too
  EXPECT_EQ(display_width("a危b"), 4u);
  EXPECT_EQ(display_width("\xff"), 1u);  // an invalid byte
}

TEST(cli_table, columns_line_up_in_english_and_chinese) {
  table t({"ID", "NAME", "STATE"});
  t.add({"c1", "测试咨询师一", "queued"});
  t.add({"c10", "Ann", ""});
  EXPECT_EQ(t.render(),
            "ID   NAME          STATE\n"
            "c1   测试咨询师一  queued\n"
            "c10  Ann           -\n");
  table zh({"工单", "状态"});
  zh.add({"01KB", "排队中"});
  zh.add({"01KB6Z", "已取消"});
  EXPECT_EQ(zh.render(),
            "工单    状态\n"
            "01KB    排队中\n"
            "01KB6Z  已取消\n");
}

TEST(cli_table, control_characters_in_cells_become_spaces) {
  table t({"A", "B"});
  t.add({"x\ny", "\x1b[31mred"});
  EXPECT_EQ(t.render(), "A    B\nx y   [31mred\n");
  fields f;
  f.add("case", "01KB");
  f.add("状态", "排队中");
  f.add("summary", "");
  EXPECT_EQ(f.render(), "case:    01KB\n状态:    排队中\nsummary: -\n");
}

}  // namespace
}  // namespace caseroute::cli
