// The command line's words (text.hpp). Each table row: the API's name, the
// English word, the Chinese word.
#include "cli/text.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace caseroute::cli {

namespace {

struct term {
  std::string_view api;
  std::string_view en;
  std::string_view zh;
};

constexpr std::array states{
    term{"CASE_QUEUED", "queued", "排队中"},       term{"CASE_OFFERED", "offered", "已派单"},
    term{"CASE_ACTIVE", "active", "处理中"},       term{"CASE_RESOLVED", "resolved", "已办结"},
    term{"CASE_CANCELLED", "cancelled", "已取消"},
};

constexpr std::array risks{
    term{"RISK_CRISIS", "crisis", "危机"},
    term{"RISK_HIGH", "high", "高"},
    term{"RISK_MEDIUM", "medium", "中"},
    term{"RISK_LOW", "low", "低"},
};

constexpr std::array outcomes{
    term{"OUTCOME_COUNSELED", "counseled", "咨询解答"},
    term{"OUTCOME_HOME_VISIT", "home visit", "上门化解"},
    term{"OUTCOME_REFERRED_MEDICAL", "referred (medical)", "转介医疗"},
    term{"OUTCOME_REFERRED_LEGAL", "referred (legal)", "转介司法"},
    term{"OUTCOME_UNREACHABLE", "unreachable", "无法联系"},
    term{"OUTCOME_OTHER", "other", "其他"},
};

constexpr std::array modes{
    term{"MODE_PHONE", "phone", "电话"},
    term{"MODE_ONLINE", "online", "网络"},
    term{"MODE_SITE_VISIT", "site visit", "来访"},
    term{"MODE_HOME_VISIT", "home visit", "上门"},
};

constexpr std::array events{
    term{"case.created", "case.created", "新建"},
    term{"case.offered", "case.offered", "派单"},
    term{"case.offer_withdrawn", "case.offer_withdrawn", "撤回派单"},
    term{"case.accepted", "case.accepted", "接单"},
    term{"case.declined", "case.declined", "拒单"},
    term{"case.offer_expired", "case.offer_expired", "派单超时"},
    term{"case.released", "case.released", "退回"},
    term{"case.resolved", "case.resolved", "办结"},
    term{"case.cancelled", "case.cancelled", "取消"},
    term{"case.escalated", "case.escalated", "升级"},
    term{"case.waiting", "case.waiting", "等待原咨询师"},
    term{"counselor.availability", "counselor.availability", "签到/签退"},
};

// Headings and labels: the English text is the key.
constexpr std::array labels{
    term{"CASE", "CASE", "工单"},
    term{"REFERRAL", "REFERRAL", "转介号"},
    term{"PLATFORM", "PLATFORM", "平台"},
    term{"STATE", "STATE", "状态"},
    term{"RISK", "RISK", "风险"},
    term{"CONCERNS", "CONCERNS", "问题类型"},
    term{"MODE", "MODE", "方式"},
    term{"COUNTY", "COUNTY", "区县"},
    term{"COUNSELOR", "COUNSELOR", "咨询师"},
    term{"SITE", "SITE", "站点"},
    term{"LEVEL", "LEVEL", "升级"},
    term{"CREATED", "CREATED", "创建时间"},
    term{"WAITING", "WAITING", "等待"},
    term{"TIME", "TIME", "时间"},
    term{"EVENT", "EVENT", "事件"},
    term{"ACTOR", "ACTOR", "操作人"},
    term{"DETAIL", "DETAIL", "说明"},
    term{"ID", "ID", "编号"},
    term{"NAME", "NAME", "姓名"},
    term{"ON DUTY", "ON DUTY", "在班"},
    term{"SHIFT", "SHIFT", "班次"},
    term{"SIGNED IN", "SIGNED IN", "已签到"},
    term{"LOAD", "LOAD", "负载"},
    term{"CRISIS", "CRISIS", "危机干预"},
    term{"SPECIALTIES", "SPECIALTIES", "专长"},
    term{"LAST OFFER", "LAST OFFER", "最近派单"},
    term{"DAY", "DAY", "日期"},
    term{"WEEKDAY", "WEEKDAY", "星期"},
    term{"COUNSELORS", "COUNSELORS", "咨询师"},
    term{"VISIT COUNTIES", "VISIT COUNTIES", "上门区县"},
    term{"GAP", "GAP", "缺口"},
    term{"CODE", "CODE", "代码"},
    term{"TYPE", "TYPE", "类型"},
    term{"ATTEMPTS", "ATTEMPTS", "尝试次数"},
    term{"LAST ERROR", "LAST ERROR", "最后错误"},
    term{"PARKED", "PARKED", "搁置时间"},
    term{"PRINCIPAL", "PRINCIPAL", "查阅人"},
    term{"FIELDS", "FIELDS", "字段"},
    term{"REMOTE", "REMOTE", "来源地址"},
    term{"REQUEST", "REQUEST", "请求号"},
    term{"COUNT", "COUNT", "数量"},
    term{"OUTCOME", "OUTCOME", "结果"},
    term{"by state", "by state", "按状态"},
    term{"by risk", "by risk", "按风险"},
    term{"by site", "by site", "按站点"},
    term{"by concern", "by concern", "按问题类型"},
    term{"oldest wait", "oldest wait", "最长等待"},
    term{"counselors", "counselors", "咨询师"},
    term{"on duty", "on duty", "在班"},
    term{"available", "available", "可派单"},
    term{"busy", "busy", "满负荷"},
    term{"escalated", "escalated", "已升级工单"},
    term{"at", "at", "统计时间"},
    term{"none", "none", "无"},
    term{"history", "history", "处理记录"},
    term{"referral", "referral", "转介号"},
    term{"state", "state", "状态"},
    term{"risk", "risk", "风险"},
    term{"concerns", "concerns", "问题类型"},
    term{"mode", "mode", "方式"},
    term{"counselor", "counselor", "咨询师"},
    term{"site", "site", "站点"},
    term{"contact", "contact", "联系方式"},
    term{"summary", "summary", "来电摘要"},
    term{"youth", "youth", "青少年"},
    term{"groups", "groups", "重点群体"},
    term{"offered to", "offered to", "已派给"},
    term{"offer expires", "offer expires", "派单截止"},
    term{"received", "received", "来电时间"},
    term{"created", "created", "创建时间"},
    term{"offered", "offered", "派单时间"},
    term{"accepted", "accepted", "接单时间"},
    term{"resolved", "resolved", "办结时间"},
    term{"cancelled", "cancelled", "取消时间"},
    term{"outcome", "outcome", "结果"},
    term{"escalation level", "escalation level", "升级级别"},
    term{"waiting because", "waiting because", "等待原因"},
    term{"next eligible", "next eligible", "最早可派时间"},
    term{"age band", "age band", "年龄段"},
    term{"shifts", "shifts", "班次覆盖"},
    term{"gaps", "gaps", "覆盖缺口"},
    term{"specialty", "specialty", "专长"},
    term{"county", "county", "区县"},
    term{"crisis", "crisis", "危机干预"},
    term{"next page", "next page", "下一页"},
    term{"no cases", "no cases", "没有工单"},
    term{"no parked callbacks", "no parked callbacks", "没有搁置的回调"},
    term{"no rows", "no rows", "没有数据"},
    term{"no audit entries", "no audit entries", "没有查阅记录"},
    term{"case", "case", "工单"},
    term{"offered to counselor", "offered to counselor", "已派给咨询师"},
    term{"case cancelled", "case cancelled", "工单已取消"},
    term{"callback queued again", "callback queued again", "回调已重新排队"},
    term{"stream has a gap, reload the views", "stream has a gap, reload the views", "事件流有缺口，请重新加载视图"},
    term{"reconnecting", "reconnecting", "正在重新连接"},
    term{"ready", "ready", "就绪"},
    term{"not ready", "not ready", "未就绪"},
    term{"alive", "alive", "运行中"},
    term{"not alive", "not alive", "无响应"},
};

template <class Table>
std::string lookup(const Table& table, language l, std::string_view key) {
  for (const auto& t : table)
    if (t.api == key) return std::string(l == language::zh ? t.zh : t.en);
  return key.empty() ? "-" : std::string(key);
}

bool starts_with_zh(const char* value) {
  return value != nullptr && (value[0] == 'z' || value[0] == 'Z') && (value[1] == 'h' || value[1] == 'H');
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

template <class Table>
std::string find_name(const Table& table, std::string_view prefix, std::string_view typed) {
  const auto u = upper(typed);
  for (const auto& t : table) {
    if (u == t.api || std::string(prefix) + u == t.api || typed == t.zh) return std::string(t.api);
  }
  return {};
}

}  // namespace

language pick_language(std::string_view flag, const std::function<const char*(const char*)>& getenv) {
  if (flag == "zh") return language::zh;
  if (flag == "en") return language::en;
  for (const char* name : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
    const char* value = getenv(name);
    if (value != nullptr && *value != '\0') return starts_with_zh(value) ? language::zh : language::en;
  }
  return language::en;
}

std::string state_word(language l, std::string_view name) { return lookup(states, l, name); }
std::string risk_word(language l, std::string_view name) { return lookup(risks, l, name); }
std::string outcome_word(language l, std::string_view name) { return lookup(outcomes, l, name); }
std::string mode_word(language l, std::string_view name) { return lookup(modes, l, name); }
std::string event_word(language l, std::string_view type) { return lookup(events, l, type); }
std::string yes_no(language l, bool v) {
  if (l == language::zh) return v ? "是" : "否";
  return v ? "yes" : "no";
}
std::string word(language l, std::string_view english) { return lookup(labels, l, english); }

std::string state_name(std::string_view typed) { return find_name(states, "CASE_", typed); }
std::string risk_name(std::string_view typed) { return find_name(risks, "RISK_", typed); }

}  // namespace caseroute::cli
