// The catalogue of config problems and coverage gaps, and the matcher that
// finds a message's kind from its English text. The loader keeps writing
// English; only the rendering for an operator changes with the language.
#include "config/messages.hpp"

#include <algorithm>
#include <map>
#include <vector>

namespace caseroute::config {
namespace {

// Sorted by area as the loader reads the file. The English texts are the
// loader's own, placeholders in braces; tests check that every string the
// loader composes a problem from appears here (tests/unit/config/messages_test.cpp).
constexpr message_kind kinds[] = {
    // The file as a whole.
    {"file.unreadable", "cannot read the config file: {why}", "无法读取配置文件：{why}"},
    {"file.yaml_syntax", "YAML syntax error: {detail}", "YAML 语法错误：{detail}"},
    {"file.internal", "internal error while reading the config: {detail}",
     "读取配置时发生内部错误（程序缺陷，请报告）：{detail}"},
    {"file.too_large", "the document is too large (over {n} nodes, counting aliases); nothing past that was checked",
     "文档过大（超过 {n} 个节点，别名展开计入）；此后的内容未作检查"},
    {"file.too_many_errors", "too many errors; only the first {n} are shown", "错误过多；只显示前 {n} 条"},
    {"file.too_many_warnings", "too many warnings; only the first {n} are shown", "警告过多；只显示前 {n} 条"},
    // Shapes and types, for any key.
    {"yaml.expected_mapping", "{path}: expected a mapping (key: value), got {kind}",
     "{path}：应为映射（键: 值），实际为 {kind}"},
    {"yaml.key_not_string", "{path}: a key must be a plain string, got {kind}",
     "{path}：键必须是普通字符串，实际为 {kind}"},
    {"yaml.duplicate_key", "{path}: duplicate key", "{path}：键重复"},
    {"yaml.unknown_top_key_suggest", "unknown key {key} at the top level; did you mean {best}?",
     "顶层有未知的键 {key}；是否想写 {best}？"},
    {"yaml.unknown_top_key", "unknown key {key} at the top level", "顶层有未知的键 {key}"},
    {"yaml.unknown_key_suggest", "unknown key {key} in {path}; did you mean {best}?",
     "{path} 中有未知的键 {key}；是否想写 {best}？"},
    {"yaml.unknown_key", "unknown key {key} in {path}", "{path} 中有未知的键 {key}"},
    {"yaml.missing_top_key", "missing required key {key}", "缺少必需的顶层键 {key}"},
    {"yaml.missing_key", "{path}: missing required key {key}", "{path}：缺少必需的键 {key}"},
    {"yaml.expected_list", "{path}: expected a list, got {kind}", "{path}：应为列表，实际为 {kind}"},
    {"yaml.expected_string", "{path}: expected a string, got {kind}", "{path}：应为字符串，实际为 {kind}"},
    {"yaml.expected_integer", "{path}: expected an integer, got {kind}", "{path}：应为整数，实际为 {kind}"},
    {"yaml.out_of_range", "{path}: {value} is out of range {min}..{max}", "{path}：{value} 超出范围 {min}..{max}"},
    {"yaml.expected_boolean", "{path}: expected true or false, got {kind}",
     "{path}：应为 true 或 false，实际为 {kind}"},
    {"yaml.expected_duration", "{path}: expected a duration such as 30s, 2m, 4h, 1h30m, 500ms or 7d, got {kind}",
     "{path}：应为时长，例如 30s、2m、4h、1h30m、500ms 或 7d，实际为 {kind}"},
    {"yaml.duration_too_short", "{path}: must be at least {n}ms", "{path}：不能短于 {n}ms"},
    {"yaml.not_whole_seconds", "{path}: must be a whole number of seconds", "{path}：必须是整秒数"},
    {"yaml.empty", "{path}: must not be empty", "{path}：不能为空"},
    // server, limits, redis.
    {"server.listen", "server.listen: expected host:port such as 127.0.0.1:8355, got {value}",
     "server.listen：应为 host:port 形式，例如 127.0.0.1:8355，实际为 {value}"},
    {"server.public_origin",
     "server.public_origin: expected scheme://host[:port] such as https://caseroute.example.cn, got {value}",
     "server.public_origin：应为 scheme://host[:port] 形式，例如 https://caseroute.example.cn，实际为 {value}"},
    {"sessions.idle_over_lifetime", "sessions.idle: must not be longer than sessions.lifetime",
     "sessions.idle：不得长于 sessions.lifetime"},
    {"limits.burst_below_rate", "{path}: must be at least the rate", "{path}：不能小于 rate"},
    {"redis.url",
     "redis.url: expected \"managed\", \"redis://host:port/db\", \"unix:///path/to/socket\" or "
     "\"sentinel://h1:26379,h2:26379/name\", got {value}",
     "redis.url：应为 \"managed\"、\"redis://host:port/db\"、\"unix:///path/to/socket\" 或 "
     "\"sentinel://h1:26379,h2:26379/name\"，实际为 {value}"},
    {"redis.url_cleartext",
     "redis.url: {host} is not loopback and caseroute cannot speak TLS to Redis: case data, tokens' effects and "
     "the Redis password cross the network in clear; use a local TLS tunnel (README, \"Security\")",
     "redis.url：{host} 不是本机回环地址，而 caseroute 与 Redis 之间无法使用 TLS：个案数据、令牌的操作结果和 Redis "
     "密码都会以明文经过网络；请使用本机 TLS 隧道（见 README 的 \"Security\" 一节）"},
    {"redis.data_dir_empty", "redis.data_dir: must not be empty", "redis.data_dir：不能为空"},
    {"redis.key_prefix",
     "redis.key_prefix: must be non-empty, without spaces or braces (the store adds the hash tag), got {value}",
     "redis.key_prefix：不能为空，也不能含空格或花括号（hash tag 由程序自行添加），实际为 {value}"},
    {"redis.durability", "redis.durability: expected local or replicated, got {value}",
     "redis.durability：应为 local 或 replicated，实际为 {value}"},
    {"timezone.empty", "timezone: must not be empty (e.g. Asia/Shanghai)", "timezone：不能为空（例如 Asia/Shanghai）"},
    // Shifts, specialties, counties.
    {"shifts.none", "shifts: define at least one shift, e.g. am: \"08:30-12:00\"",
     "shifts：至少要定义一个班次，例如 am: \"08:30-12:00\""},
    {"shifts.bad_name", "shifts: bad shift name {name} (lowercase letters, digits and _)",
     "shifts：班次名 {name} 不合法（只能用小写字母、数字和 _）"},
    {"shifts.bad_window", "{path}: bad time window {value}: {why}", "{path}：时间段 {value} 不合法：{why}"},
    {"specialties.none", "specialties: list at least one specialty", "specialties：至少要列出一项专长"},
    {"specialties.bad_code", "{path}: bad code {value} (lowercase letters, digits and _, e.g. exam_stress)",
     "{path}：代码 {value} 不合法（只能用小写字母、数字和 _，例如 exam_stress）"},
    {"specialties.duplicate", "{path}: duplicate specialty {value}", "{path}：专长 {value} 重复"},
    {"specialties.unheld", "specialty {code} is held by no counselor", "没有任何咨询员具备专长 {code}"},
    {"counties.bad_code", "{path}: a county code has 6 digits, got {value}",
     "{path}：区县代码应为 6 位数字，实际为 {value}"},
    {"counties.duplicate", "{path}: duplicate county {value}", "{path}：区县 {value} 重复"},
    {"counties.unlisted", "{path}: county {code} is not in the top-level counties list",
     "{path}：区县 {code} 不在顶层 counties 列表中"},
    {"counties.no_site", "{path}: county {code} has no site (and no counties list is given)",
     "{path}：区县 {code} 没有对应的站点（且未给出 counties 列表）"},
    // Ids and tokens of platforms, counselors, supervisors and sites.
    {"ids.bad", "{path}: bad id {value} (1-64 of letters, digits, '-', '_' and '.')",
     "{path}：id {value} 不合法（1 到 64 个字母、数字、'-'、'_' 或 '.'）"},
    {"ids.duplicate", "{path}: duplicate {what} id {value}", "{path}：{what} id {value} 重复"},
    {"tokens.bad", "{path}: expected 64 lowercase hex characters (from `caseroute token new`)",
     "{path}：应为 64 个小写十六进制字符（用 `caseroute token new` 生成）"},
    {"tokens.shared", "{path}: same token as {owner}; every person needs their own token",
     "{path}：与 {owner} 的令牌相同；每个人都必须有自己的令牌"},
    {"platforms.callback_url", "{path}: expected an http:// or https:// URL, got {value}",
     "{path}：应为 http:// 或 https:// 开头的 URL，实际为 {value}"},
    {"platforms.none", "no platforms are configured: no referral can arrive",
     "未配置任何平台（platforms）：不会收到任何转介"},
    // Counselors and rosters.
    {"counselors.unknown_specialty", "{path}: unknown specialty {value} (not in the top-level specialties list)",
     "{path}：未知的专长 {value}（不在顶层 specialties 列表中）"},
    {"counselors.no_specialty", "counselor {id} holds no specialty; only escalated cases can reach them",
     "咨询员 {id} 没有任何专长；只有已上报（escalated）的个案才会派给该咨询员"},
    {"counselors.unrostered", "counselor {id} is on no site's roster; they are never on duty",
     "咨询员 {id} 不在任何站点的排班表中；永远不会在岗"},
    {"rosters.unknown_shift", "{path}: unknown shift {value} (defined: {names})",
     "{path}：未知的班次 {value}（已定义：{names}）"},
    {"rosters.unknown_counselor", "{path}: unknown counselor {value}", "{path}：未知的咨询员 {value}"},
    {"rosters.listed_twice", "{path}: counselor {id} is listed twice", "{path}：咨询员 {id} 被列了两次"},
    {"rosters.unknown_weekday", "{path}: unknown weekday {value} (valid: mon tue wed thu fri sat sun)",
     "{path}：未知的星期 {value}（可用：mon tue wed thu fri sat sun）"},
    {"rosters.bad_date", "{path}: bad exception date {value} (expected a real date YYYY-MM-DD)",
     "{path}：例外日期 {value} 不合法（应为真实存在的日期 YYYY-MM-DD）"},
    {"sites.none", "sites: list at least one site", "sites：至少要列出一个站点"},
    {"sites.understaffed", "site {id} is staffed {n} half-days (shift slots) a week; the standard is at least 4",
     "站点 {id} 每周只有 {n} 个半天（班次）有人值班；标准是至少 4 个"},
    // privacy, callbacks, log, live.
    {"privacy.audit_retention",
     "{path}: must be longer than the case retention (retention_days or retention): the access log outlives the "
     "cases it tells about",
     "{path}：必须长于个案的保留期（retention_days 或 retention）：访问日志要比它所记录的个案保存得更久"},
    {"callbacks.backoff", "{path}.max_backoff: must not be shorter than initial_backoff",
     "{path}.max_backoff：不能短于 initial_backoff"},
    {"log.level", "log.level: expected trace, debug, info, warn or error, got {value}",
     "log.level：应为 trace、debug、info、warn 或 error，实际为 {value}"},
    {"log.format", "log.format: expected json or text, got {value}", "log.format：应为 json 或 text，实际为 {value}"},
    {"live.max_waiting",
     "live.max_waiting: must be below server.max_connections ({n}), so platform intake always has room",
     "live.max_waiting：必须小于 server.max_connections（{n}），以便平台推送转介时始终有连接可用"},
    // Secret files, read after parsing.
    {"secrets.unreadable", "{key}: cannot read {file}: {why}", "{key}：无法读取 {file}：{why}"},
    {"secrets.too_open",
     "{key}: {file} is accessible by group or others (mode {mode}); a secret must be readable by the daemon's user "
     "only: chmod 600 {file}",
     "{key}：{file} 可被同组或其他用户访问（权限 {mode}）；密钥文件只能由守护进程的用户读取：chmod 600 {file}"},
    {"secrets.password_too_open",
     "redis.password_file: {file} is accessible by group or others (mode {mode}); run chmod 600 on it",
     "redis.password_file：{file} 可被同组或其他用户访问（权限 {mode}）；请对它执行 chmod 600"},
    {"secrets.password_unreadable", "redis.password_file: cannot read {file}: {why}",
     "redis.password_file：无法读取 {file}：{why}"},
    {"secrets.password_empty", "redis.password_file: {file} is empty", "redis.password_file：{file} 是空文件"},
    {"secrets.empty", "{key}: {file} is empty", "{key}：{file} 是空文件"},
    {"secrets.hmac_short",
     "{key}: {file} holds {n} bytes; an HMAC secret needs at least {min} (e.g. openssl rand -hex 32)",
     "{key}：{file} 只有 {n} 字节；HMAC 密钥至少需要 {min} 字节（例如用 openssl rand -hex 32 生成）"},
    {"secrets.bad_data_key",
     "{key}: {file} must hold 64 hex characters or exactly 32 raw bytes (e.g. openssl rand -hex 32)",
     "{key}：{file} 必须是 64 个十六进制字符或恰好 32 个原始字节（例如用 openssl rand -hex 32 生成）"},
    // Coverage gaps of the rosters (schedule::describe_gaps).
    {"coverage.crisis", "no crisis-trained counselor rostered: {when}", "排班中没有受过危机干预培训的咨询员：{when}"},
    {"coverage.specialty", "nobody rostered holds {code}: {when}", "排班中无人具备专长 {code}：{when}"},
    {"coverage.county", "nobody rostered can visit {county}: {when}", "排班中无人能上门走访{county}：{when}"},
};

constexpr message_kind phrases[] = {
    // What a node was instead ({kind}).
    {"kind.null", "nothing (null)", "空值（null）"},
    {"kind.list", "a list", "列表"},
    {"kind.mapping", "a mapping", "映射"},
    {"kind.nothing", "nothing", "空"},
    // Paths that are no key.
    {"path.document", "the document", "整个文档"},
    {"path.proficiency", "{path} (proficiency)", "{path}（熟练度）"},
    // Whose id or token ({what}, {owner}).
    {"who.platform", "platform", "平台"},
    {"who.counselor", "counselor", "咨询员"},
    {"who.supervisor", "supervisor", "督导"},
    {"who.site", "site", "站点"},
    {"who.counselor_id", "counselor {id}", "咨询员 {id}"},
    {"who.supervisor_id", "supervisor {id}", "督导 {id}"},
    {"who.viewer_id", "viewer {id}", "观察员 {id}"},
    // Why a file could not be read ({why}); the last two are the system's words.
    {"why.not_regular", "not a regular file", "不是普通文件"},
    {"why.no_file", "no such file", "文件不存在"},
    {"why.too_big", "larger than {n} bytes", "超过 {n} 字节"},
    {"why.read_error", "read error", "读取出错"},
    {"why.enoent", "No such file or directory", "文件或目录不存在"},
    {"why.eacces", "Permission denied", "权限不足"},
    // Why a shift window is bad ({why}, from parse_window).
    {"window.form", "expected \"HH:MM-HH:MM\", e.g. \"08:30-12:00\"",
     "应为 \"HH:MM-HH:MM\" 形式，例如 \"08:30-12:00\""},
    {"window.start", "bad start time \"{time}\": hours 00..23, minutes 00..59",
     "开始时间 \"{time}\" 不合法：小时 00..23，分钟 00..59"},
    {"window.end", "bad end time \"{time}\": hours 00..23, minutes 00..59, or 24:00",
     "结束时间 \"{time}\" 不合法：小时 00..23，分钟 00..59，或 24:00"},
    {"window.order", "start must be before end; a shift cannot wrap past midnight (split it in two)",
     "开始时间必须早于结束时间；班次不能跨过午夜（请拆成两个班次）"},
    // When a gap falls ({when}) and where ({county}).
    {"when.always", "every shift", "所有班次"},
    {"county.named", "county {code} ({name})", "区县 {code}（{name}）"},
    {"county.code", "county {code}", "区县 {code}"},
};

// Placeholders whose text is itself translated through the phrases.
bool translatable(std::string_view name) {
  static constexpr std::string_view names[] = {"kind", "path", "what", "owner", "why", "when", "county"};
  return std::find(std::begin(names), std::end(names), name) != std::end(names);
}

struct segment {
  bool placeholder = false;
  std::string_view text;  // the literal, or the placeholder's name
};

std::vector<segment> split(std::string_view pattern) {
  std::vector<segment> out;
  while (!pattern.empty()) {
    const auto open = pattern.find('{');
    const auto close = open == std::string_view::npos ? open : pattern.find('}', open);
    if (close == std::string_view::npos) {
      out.push_back({false, pattern});
      break;
    }
    if (open > 0) out.push_back({false, pattern.substr(0, open)});
    out.push_back({true, pattern.substr(open + 1, close - open - 1)});
    pattern.remove_prefix(close + 1);
  }
  return out;
}

using captures = std::map<std::string_view, std::string>;

// Whole-text match; each placeholder takes the shortest text that lets the
// rest match.
bool match(const std::vector<segment>& segs, std::size_t i, std::string_view text, captures& out) {
  if (i == segs.size()) return text.empty();
  const segment& s = segs[i];
  if (!s.placeholder) {
    return text.substr(0, s.text.size()) == s.text && match(segs, i + 1, text.substr(s.text.size()), out);
  }
  if (i + 1 == segs.size()) {
    if (text.empty()) return false;
    out[s.text] = std::string(text);
    return true;
  }
  const std::string_view next = segs[i + 1].text;
  for (auto at = text.find(next, 1); at != std::string_view::npos; at = text.find(next, at + 1)) {
    captures tried = out;
    tried[s.text] = std::string(text.substr(0, at));
    if (match(segs, i + 1, text.substr(at), tried)) {
      out = std::move(tried);
      return true;
    }
  }
  return false;
}

std::size_t literal_size(std::string_view pattern) {
  std::size_t n = 0;
  for (const segment& s : split(pattern)) n += s.placeholder ? 0 : s.text.size();
  return n;
}

// The most specific kind first: the one with the most literal text.
const message_kind* find(std::span<const message_kind> table, std::string_view text, captures& out) {
  std::vector<const message_kind*> order;
  for (const message_kind& k : table) order.push_back(&k);
  std::stable_sort(order.begin(), order.end(),
                   [](const auto* a, const auto* b) { return literal_size(a->en) > literal_size(b->en); });
  for (const message_kind* k : order) {
    captures c;
    if (match(split(k->en), 0, text, c)) {
      out = std::move(c);
      return k;
    }
  }
  return nullptr;
}

std::string fill(std::string_view pattern, const captures& values) {
  std::string out;
  for (const segment& s : split(pattern)) {
    if (!s.placeholder) {
      out += s.text;
      continue;
    }
    const auto it = values.find(s.text);
    if (it != values.end()) out += it->second;
  }
  return out;
}

std::string phrase_zh(const std::string& english) {
  captures c;
  const message_kind* k = find(phrases, english, c);
  if (k == nullptr) return english;
  for (auto& [name, value] : c) {
    if (translatable(name)) value = phrase_zh(value);
  }
  return fill(k->zh, c);
}

}  // namespace

std::optional<language> language_named(std::string_view name) {
  if (name == "en") return language::en;
  if (name == "zh") return language::zh;
  return std::nullopt;
}

language language_from_environment(const std::function<const char*(const char*)>& getenv) {
  for (const char* name : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
    const char* value = getenv(name);
    if (value == nullptr || *value == '\0') continue;
    return std::string_view(value).substr(0, 2) == "zh" ? language::zh : language::en;
  }
  return language::en;
}

std::span<const message_kind> message_kinds() { return kinds; }
std::span<const message_kind> message_phrases() { return phrases; }

std::string_view message_code(std::string_view english) {
  captures c;
  const message_kind* k = find(kinds, english, c);
  return k == nullptr ? std::string_view() : k->code;
}

std::string translate(std::string_view english, language lang) {
  if (lang == language::en) return std::string(english);
  captures c;
  const message_kind* k = find(kinds, english, c);
  if (k == nullptr) return std::string(english);
  for (auto& [name, value] : c) {
    if (translatable(name)) value = phrase_zh(value);
  }
  return fill(k->zh, c);
}

std::string format_problems(const std::filesystem::path& file, const load_result& r, language lang) {
  std::string out;
  const auto add = [&](const problem& pr, std::string_view severity) {
    out += file.string();
    if (pr.line > 0) {
      out += ':' + std::to_string(pr.line);
      if (pr.column > 0) out += ':' + std::to_string(pr.column);
    }
    out += ": ";
    out += severity;
    out += ": ";
    out += translate(pr.message, lang);
    out += '\n';
  };
  const bool zh = lang == language::zh;
  for (const problem& pr : r.errors) add(pr, zh ? "错误" : "error");
  for (const problem& pr : r.warnings) add(pr, zh ? "警告" : "warning");
  return out;
}

std::string format_coverage_gap(const std::filesystem::path& file, std::string_view gap, language lang) {
  if (lang == language::zh) return file.string() + ": 警告: 排班覆盖（未来 7 天）: " + translate(gap, lang);
  return file.string() + ": warning: coverage (next 7 days): " + std::string(gap);
}

}  // namespace caseroute::config
