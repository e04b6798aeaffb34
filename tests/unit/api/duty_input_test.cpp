// The check of a stored exception before it reaches Redis
// (supervisor::check_exception): the config's rules (known site, shift and
// counselor, no duplicate), a real date not before today, and a message that
// names the first problem and where it is.
#include <gtest/gtest.h>

#include "supervisor/duty.hpp"

namespace caseroute::supervisor {
namespace {

config::config city() {
  config::config cfg;
  cfg.timezone = "Asia/Shanghai";
  cfg.counselors.resize(2);
  cfg.counselors[0].id = "c001";
  cfg.counselors[1].id = "c002";
  cfg.sites.resize(1);
  cfg.sites[0].id = "hubin-01";
  return cfg;  // shifts: am, pm (the defaults)
}

v1::DutyShifts shifts(const std::map<std::string, std::vector<std::string>>& lists) {
  v1::DutyShifts out;
  for (const auto& [name, ids] : lists) {
    auto& list = (*out.mutable_shifts())[name];
    for (const auto& id : ids) list.add_values()->set_string_value(id);
  }
  return out;
}

std::string problem(const std::string& site, const std::string& date, const v1::DutyShifts& s) {
  auto e = check_exception(city(), site, date, "2026-12-04", s);
  return e ? e->message : "";
}

TEST(check_exception, accepts_what_the_config_would_and_today) {
  EXPECT_EQ(problem("hubin-01", "2026-12-04", shifts({{"am", {"c002"}}, {"pm", {}}})), "");
  EXPECT_EQ(problem("hubin-01", "2027-01-31", shifts({{"pm", {"c001", "c002"}}})), "");
}

TEST(check_exception, names_the_first_problem) {
  struct row {
    std::string site, date;
    v1::DutyShifts body;
    std::string message;
  } rows[] = {
      {"hubin-9", "2026-12-05", shifts({{"am", {}}}), "siteId: unknown site \"hubin-9\" (sites: hubin-01)"},
      {"hubin-01", "2026-12-5", shifts({{"am", {}}}), "date: expected a real date YYYY-MM-DD, got \"2026-12-5\""},
      {"hubin-01", "2026-11-31", shifts({{"am", {}}}), "date: expected a real date YYYY-MM-DD, got \"2026-11-31\""},
      {"hubin-01", "2026-12-03", shifts({{"am", {}}}),
       "date: 2026-12-03 is in the past (today is 2026-12-04 in Asia/Shanghai)"},
      {"hubin-01", "2026-12-05", shifts({}), "shifts: name at least one shift (DELETE removes a stored exception)"},
      {"hubin-01", "2026-12-05", shifts({{"night", {}}}), "shifts.night: unknown shift \"night\" (defined: am, pm)"},
      {"hubin-01", "2026-12-05", shifts({{"am", {"c001", "c999"}}}), "shifts.am[1]: unknown counselor \"c999\""},
      {"hubin-01", "2026-12-05", shifts({{"am", {}}, {"pm", {"c002", "c002"}}}),
       "shifts.pm[1]: counselor c002 is listed twice"},
  };
  for (const auto& r : rows) EXPECT_EQ(problem(r.site, r.date, r.body), r.message);

  v1::DutyShifts number;
  (*number.mutable_shifts())["am"].add_values()->set_number_value(1);
  EXPECT_EQ(problem("hubin-01", "2026-12-05", number), "shifts.am[0]: expected a counselor id (a string)");
  const auto e = check_exception(city(), "hubin-01", "2026-12-05", "2026-12-04", number);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, 400);
}

}  // namespace
}  // namespace caseroute::supervisor
