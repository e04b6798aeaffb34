// The retention pass and the access log against a real Redis: a pass trims
// the log by age, keeping entries older than the case retention (who read a
// purged case stays answerable), and, wired to rewrite the AOF, leaves no
// trace of a purged case in the AOF files. Invented data only.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "audit/trail.hpp"
#include "integration/store/store_fixture.hpp"
#include "metrics/metrics.hpp"
#include "retention/retention.hpp"

namespace caseroute::store_test {
namespace {

const std::string stream = std::string("{") + prefix + "}:v1:audit";

void add_at(time_point t, const std::string& case_id) {
  server().cli({"XADD", stream, std::to_string(t.time_since_epoch().count()) + "-0", "principal", "supervisor:s001",
                "case", case_id, "fields", "contact,summary", "remote", "10.0.0.7", "request", "r-" + case_id});
}

std::vector<std::string> audited_cases() {
  std::vector<std::string> out;
  std::istringstream in(server().cli({"XRANGE", stream, "-", "+"}));
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("case-")) out.push_back(line);
  return out;
}

asio::awaitable<std::string> resolved_case(store::case_store& s, const std::string& rid, time_point closed) {
  auto id = (co_await s.create(referral(rid), "henan-12355", closed - 10min)).value().case_id;
  (co_await s.offer(offer_to(id, "c001", closed - 9min))).value();
  (co_await s.accept(id, "c001", closed - 9min + 5s)).value();
  (co_await s.resolve(id, "c001", v1::OUTCOME_COUNSELED, "invented note", closed)).value();
  co_return id;
}

std::shared_ptr<const config::config> retention_config(std::chrono::milliseconds cases,
                                                       std::optional<std::chrono::milliseconds> audit) {
  auto cfg = std::make_shared<config::config>();
  cfg->privacy.retention = cases;
  cfg->privacy.audit_retention = audit;
  return cfg;
}

// Every file of the AOF directory, concatenated.
std::string aof_bytes() {
  std::string all;
  for (const auto& f : std::filesystem::recursive_directory_iterator(server().dir())) {
    if (!f.is_regular_file() || f.path().string().find("appendonly") == std::string::npos) continue;
    std::ifstream in(f.path(), std::ios::binary);
    all += std::string(std::istreambuf_iterator<char>(in), {});
  }
  return all;
}

std::string info_field(const std::string& name) {
  std::istringstream in(server().cli({"INFO", "persistence"}));
  for (std::string line; std::getline(in, line);)
    if (line.starts_with(name + ":")) return line.substr(name.size() + 1, line.find_first_of("\r\n") - name.size() - 1);
  return "";
}

using audit_retention = store_test;

TEST_F(audit_retention, a_pass_trims_the_access_log_by_age_and_keeps_it_longer_than_cases) {
  const auto now = caseroute::now();
  // Cases live 1 h after closing; the access log 3 h.
  const auto cfg = retention_config(1h, 3h);
  add_at(now - 4h, "case-too-old");
  add_at(now - 2h, "case-purged-now");  // older than a case lives, younger than the log keeps
  add_at(now - 1min, "case-recent");
  run([&](env& e) -> asio::awaitable<void> {
    const auto purged_id = co_await resolved_case(e.store, "R-aud-1", now - 2h);
    metrics::registry metrics;
    retention::purger p(e.io, e.store, metrics, cfg);
    p.keep_audit(audit::trail(e.redis, test_keys()));
    EXPECT_EQ((co_await p.pass()).value(), 1);
    EXPECT_EQ((co_await e.store.get(purged_id, {})).error(), store::error::not_found);
  });
  EXPECT_EQ(audited_cases(), (std::vector<std::string>{"case-purged-now", "case-recent"}));
}

TEST_F(audit_retention, by_default_the_log_outlives_cases_by_a_year) {
  const auto now = caseroute::now();
  const auto cfg = retention_config(1h, std::nullopt);
  add_at(now - 24h * 300, "case-300-days");
  add_at(now - 24h * 400, "case-400-days");
  run([&](env& e) -> asio::awaitable<void> {
    metrics::registry metrics;
    retention::purger p(e.io, e.store, metrics, cfg);
    p.keep_audit(audit::trail(e.redis, test_keys()));
    EXPECT_EQ((co_await p.pass()).value(), 0);
  });
  EXPECT_EQ(audited_cases(), (std::vector<std::string>{"case-300-days"}));
}

TEST_F(audit_retention, a_pass_that_purged_rewrites_the_aof_so_the_purged_case_leaves_the_files) {
  const auto now = caseroute::now();
  const auto cfg = retention_config(1h, 3h);
  const std::string marker = "R-aof-shred-7f3a";  // the referral id: in the case's keys only
  const auto rewrites_before = info_field("aof_rewrites");
  run([&](env& e) -> asio::awaitable<void> {
    co_await resolved_case(e.store, marker, now - 2h);
    metrics::registry metrics;
    retention::purger p(e.io, e.store, metrics, cfg);
    p.rewrite_aof_after_purge(e.redis);
    EXPECT_NE(aof_bytes().find(marker), std::string::npos) << "the AOF should hold the case before the purge";
    EXPECT_EQ((co_await p.pass()).value(), 1);
  });
  for (int i = 0;
       i < 200 && (info_field("aof_rewrites") == rewrites_before || info_field("aof_rewrite_in_progress") != "0"); ++i)
    std::this_thread::sleep_for(50ms);
  EXPECT_NE(info_field("aof_rewrites"), rewrites_before);
  EXPECT_EQ(aof_bytes().find(marker), std::string::npos) << "the purged case is still in the AOF files";
}

TEST_F(audit_retention, a_pass_that_purged_nothing_does_not_rewrite_the_aof) {
  const auto cfg = retention_config(1h, 3h);
  const auto rewrites_before = info_field("aof_rewrites");
  run([&](env& e) -> asio::awaitable<void> {
    metrics::registry metrics;
    retention::purger p(e.io, e.store, metrics, cfg);
    p.rewrite_aof_after_purge(e.redis);
    EXPECT_EQ((co_await p.pass()).value(), 0);
  });
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(info_field("aof_rewrites"), rewrites_before);
}

}  // namespace
}  // namespace caseroute::store_test
