// Duration and shift-window parsing: tables of accepted and rejected text.
#include <gtest/gtest.h>

#include "config/duration.hpp"

namespace caseroute::config {
namespace {

using namespace std::chrono_literals;

struct duration_case {
  const char* text;
  std::chrono::milliseconds expected;
};

TEST(parse_duration, accepts_units_and_combinations) {
  const duration_case cases[] = {
      {"30s", 30s},     {"2m", 2min},        {"4h", 4h},
      {"1h30m", 90min}, {"500ms", 500ms},    {"7d", 168h},
      {"0s", 0ms},      {"1m30s", 90s},      {"1d2h3m4s5ms", 24h + 2h + 3min + 4s + 5ms},
      {"90s", 90s},     {"1s500ms", 1500ms}, {"24h", 24h},
  };
  for (const auto& c : cases) {
    const auto d = parse_duration(c.text);
    ASSERT_TRUE(d.has_value()) << c.text;
    EXPECT_EQ(*d, c.expected) << c.text;
  }
}

TEST(parse_duration, rejects_garbage_negatives_and_overflow) {
  const char* cases[] = {"",
                         "30",
                         "s",
                         "-5s",
                         "+5s",
                         "1.5h",
                         "5 s",
                         " 5s",
                         "5s ",
                         "5x",
                         "5sec",
                         "5S",
                         "1m1h",
                         "1h1h",
                         "30m2h",
                         "1ms1s",
                         "h30",
                         "1h-30m",
                         "abc",
                         "5mm",
                         "9223372036854775807s",
                         "99999999999999999999ms",
                         "106751991168d"};
  for (const char* text : cases) {
    EXPECT_FALSE(parse_duration(text).has_value()) << text;
  }
}

TEST(parse_duration, largest_values_fit) {
  EXPECT_EQ(parse_duration("9223372036854775807ms"), std::chrono::milliseconds(INT64_MAX));
  EXPECT_EQ(parse_duration("106751991167d"), std::chrono::hours(24) * 106751991167LL);
}

TEST(parse_window, accepts_daily_windows) {
  struct window_case {
    const char* text;
    int start, end;
  };
  const window_case cases[] = {
      {"08:30-12:00", 510, 720},   {"14:30-18:00", 870, 1080}, {"00:00-24:00", 0, 1440},
      {"18:00-24:00", 1080, 1440}, {"00:00-08:30", 0, 510},    {"23:59-24:00", 1439, 1440},
  };
  for (const auto& c : cases) {
    const auto w = parse_window(c.text);
    ASSERT_TRUE(w.has_value()) << c.text;
    EXPECT_EQ(w->start_minute, c.start) << c.text;
    EXPECT_EQ(w->end_minute, c.end) << c.text;
  }
}

TEST(parse_window, rejects_bad_times_and_wrapping) {
  struct bad_case {
    const char* text;
    const char* reason_part;
  };
  const bad_case cases[] = {
      {"25:00-12:00", "bad start"},
      {"12:00-08:30", "before end"},
      {"12:00-12:00", "before end"},
      {"22:00-02:00", "before end"},
      {"24:00-24:00", "bad start"},
      {"08:60-12:00", "bad start"},
      {"08:30-24:01", "bad end"},
      {"8:30-12:00", "expected"},
      {"08:30 - 12:00", "expected"},
      {"08:30", "expected"},
      {"", "expected"},
      {"ab:cd-ef:gh", "bad start"},
      {"08:30-25:00", "bad end"},
      {"08:30_12:00", "expected"},
  };
  for (const auto& c : cases) {
    std::string why;
    EXPECT_FALSE(parse_window(c.text, &why).has_value()) << c.text;
    EXPECT_NE(why.find(c.reason_part), std::string::npos) << c.text << ": " << why;
  }
}

TEST(format_minute, renders_hh_mm) {
  EXPECT_EQ(format_minute(510), "08:30");
  EXPECT_EQ(format_minute(0), "00:00");
  EXPECT_EQ(format_minute(1440), "24:00");
}

}  // namespace
}  // namespace caseroute::config
