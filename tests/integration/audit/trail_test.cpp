// The audit stream against a real Redis: entries are written as plain
// fields, read back filtered by case, principal and time, in pages, and
// trimmed by age only. Invented ids only.
#include "audit/trail.hpp"
#include "integration/store/store_fixture.hpp"

namespace caseroute::store_test {
namespace {

using audit_trail = store_test;

const std::string stream = std::string("{") + prefix + "}:v1:audit";

audit::access read_of(const std::string& principal, const std::string& case_id, const std::string& request_id) {
  return audit::access{principal, case_id, {"contact", "summary"}, "10.0.0.7", request_id};
}

// An entry written directly with a chosen time (XADD <ms>-0), as if recorded then.
void add_at(std::int64_t ms, const std::string& principal, const std::string& case_id) {
  server().cli({"XADD", stream, std::to_string(ms) + "-0", "principal", principal, "case", case_id, "fields", "contact",
                "remote", "10.0.0.7", "request", "r-" + std::to_string(ms)});
}

std::vector<std::string> request_ids(const v1::AccessEventList& page) {
  std::vector<std::string> out;
  for (const auto& e : page.events()) out.push_back(e.request_id());
  return out;
}

TEST_F(audit_trail, records_an_entry_with_who_which_case_which_fields_from_where) {
  run([](env& e) -> asio::awaitable<void> {
    audit::trail t(e.redis, test_keys());
    const audit::query everything;  // named: g++ 12 mishandles a braced temporary in co_await
    auto id = co_await t.record(read_of("supervisor:s001", "CASE1", "req-1"));
    CO_ASSERT_TRUE(id.has_value());
    EXPECT_TRUE(audit::is_entry_id(*id));
    auto page = (co_await t.read(everything)).value();
    CO_ASSERT_TRUE(page.events_size() == 1);
    const auto& a = page.events(0);
    EXPECT_EQ(a.id(), *id);
    EXPECT_EQ(a.principal(), "supervisor:s001");
    EXPECT_EQ(a.case_id(), "CASE1");
    EXPECT_EQ(std::vector<std::string>(a.fields().begin(), a.fields().end()),
              (std::vector<std::string>{"contact", "summary"}));
    EXPECT_EQ(a.remote(), "10.0.0.7");
    EXPECT_EQ(a.request_id(), "req-1");
    EXPECT_NEAR(static_cast<double>(a.at().seconds()), static_cast<double>(seconds_of(caseroute::now())), 5.0);
    EXPECT_TRUE(page.next_cursor().empty());
  });
  // Plain fields: an operator reads them with redis-cli.
  const auto raw = server().cli({"XRANGE", stream, "-", "+"});
  EXPECT_NE(raw.find("supervisor:s001"), std::string::npos) << raw;
  EXPECT_NE(raw.find("contact,summary"), std::string::npos) << raw;
}

TEST_F(audit_trail, reads_filter_by_case_principal_and_time_and_page_with_a_cursor) {
  add_at(1'000'000, "supervisor:s001", "A");
  add_at(2'000'000, "counselor:c001", "A");
  add_at(3'000'000, "supervisor:s001", "B");
  add_at(4'000'000, "counselor:s001", "A");
  run([](env& e) -> asio::awaitable<void> {
    audit::trail t(e.redis, test_keys());
    const audit::query everything;  // named: g++ 12 mishandles a braced temporary in co_await
    audit::query q;
    EXPECT_EQ(request_ids((co_await t.read(q)).value()).size(), 4u);
    q.case_id = "A";
    {
      const std::vector<std::string> want{"r-1000000", "r-2000000", "r-4000000"};
      const auto got = request_ids((co_await t.read(q)).value());
      EXPECT_EQ(got, want);
    }
    q = {};
    q.principal = "supervisor:s001";
    {
      const std::vector<std::string> want{"r-1000000", "r-3000000"};
      const auto got = request_ids((co_await t.read(q)).value());
      EXPECT_EQ(got, want);
    }
    // A bare id matches it in either role.
    q.principal = "s001";
    {
      const std::vector<std::string> want{"r-1000000", "r-3000000", "r-4000000"};
      const auto got = request_ids((co_await t.read(q)).value());
      EXPECT_EQ(got, want);
    }
    q = {};
    q.from_ms = 2'000'000;
    q.to_ms = 3'000'000;
    {
      const std::vector<std::string> want{"r-2000000", "r-3000000"};
      const auto got = request_ids((co_await t.read(q)).value());
      EXPECT_EQ(got, want);
    }
    // Pages of one, oldest first, until the cursor is absent.
    q = {};
    q.limit = 1;
    std::vector<std::string> seen;
    for (int i = 0; i < 10; ++i) {
      auto page = (co_await t.read(q)).value();
      for (const auto& id : request_ids(page)) seen.push_back(id);
      if (page.next_cursor().empty()) break;
      q.cursor = page.next_cursor();
    }
    EXPECT_EQ(seen, (std::vector<std::string>{"r-1000000", "r-2000000", "r-3000000", "r-4000000"}));
    // A filter that matches late: the scan stops at max_scan with a cursor to go on.
    q = {};
    q.case_id = "B";
    q.max_scan = 2;
    auto first = (co_await t.read(q)).value();
    EXPECT_EQ(first.events_size(), 0);
    CO_ASSERT_TRUE(!first.next_cursor().empty());
    q.cursor = first.next_cursor();
    {
      const std::vector<std::string> want{"r-3000000"};
      const auto got = request_ids((co_await t.read(q)).value());
      EXPECT_EQ(got, want);
    }
  });
}

TEST_F(audit_trail, trims_by_age_only) {
  add_at(1'000'000, "supervisor:s001", "A");
  add_at(2'000'000, "supervisor:s001", "B");
  add_at(3'000'000, "supervisor:s001", "C");
  run([](env& e) -> asio::awaitable<void> {
    audit::trail t(e.redis, test_keys());
    const audit::query everything;  // named: g++ 12 mishandles a braced temporary in co_await
    EXPECT_EQ((co_await t.trim(time_point(std::chrono::milliseconds(2'000'000)))).value(), 1);
    auto page = (co_await t.read(everything)).value();
    EXPECT_EQ(request_ids(page), (std::vector<std::string>{"r-2000000", "r-3000000"}));
  });
}

TEST_F(audit_trail, a_write_that_redis_refuses_fails) {
  // The key holds something else: XADD answers WRONGTYPE; the caller must not send the data.
  server().cli({"SET", stream, "not a stream"});
  run([](env& e) -> asio::awaitable<void> {
    audit::trail t(e.redis, test_keys());
    const audit::query everything;  // named: g++ 12 mishandles a braced temporary in co_await
    auto id = co_await t.record(read_of("supervisor:s001", "CASE1", "req-1"));
    EXPECT_FALSE(id.has_value());
  });
}

}  // namespace
}  // namespace caseroute::store_test
