// Request inputs: whole-number query parameters, optional bodies and text
// length limits, with the 400 each answers.
#include "api/input.hpp"

#include <gtest/gtest.h>

#include <optional>

#include "caseroute/v1/caseroute.pb.h"

namespace caseroute::api {
namespace {

http::request with_query(const char* name, std::optional<std::string> value) {
  http::request r;
  if (value) r.query[name] = *value;
  return r;
}

TEST(query_int, reads_a_whole_number_in_range_or_names_the_field) {
  struct row {
    std::optional<std::string> value;
    int want;             // when accepted
    const char* message;  // when refused, else nullptr
  };
  const row rows[] = {
      {std::nullopt, 7, nullptr}, {"", 7, nullptr},
      {"1", 1, nullptr},          {"31", 31, nullptr},
      {"0", 0, "days: 1-31"},     {"32", 0, "days: 1-31"},
      {"-1", 0, "days: 1-31"},    {"5x", 0, "days: 1-31"},
      {" 5", 0, "days: 1-31"},    {"99999999999", 0, "days: 1-31"},
  };
  for (const auto& r : rows) {
    auto got = query_int(with_query("days", r.value), "days", 1, 31, 7);
    const auto where = r.value ? "days=" + *r.value : std::string("no days");
    if (r.message == nullptr) {
      ASSERT_TRUE(got) << where;
      EXPECT_EQ(*got, r.want) << where;
    } else {
      ASSERT_FALSE(got) << where;
      EXPECT_EQ(got.error().status, 400) << where;
      EXPECT_EQ(got.error().message, r.message) << where;
      EXPECT_EQ(got.error().field, "days") << where;
    }
  }
}

TEST(query_int, the_unit_goes_before_the_range) {
  auto got = query_int(with_query("wait", "61"), "wait", 0, 60, 0, "whole seconds");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message, "wait: whole seconds 0-60");
}

TEST(max_length, allows_the_limit_and_refuses_one_byte_more) {
  EXPECT_FALSE(max_length(std::string(1000, 'a'), "reason", 1000));
  auto e = max_length(std::string(1001, 'a'), "reason", 1000);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, 400);
  EXPECT_EQ(e->message, "reason: longer than 1000 bytes");
  EXPECT_EQ(e->field, "reason");
}

TEST(decode_optional, an_empty_body_is_an_empty_message) {
  http::request r;
  v1::CancelRequest body;
  body.set_reason("left over");
  EXPECT_FALSE(decode_optional(r, body));
  EXPECT_EQ(body.reason(), "left over");  // untouched
  r.headers.emplace_back("content-type", "application/json");
  r.body = R"({"reason":"duplicate"})";
  EXPECT_FALSE(decode_optional(r, body));
  EXPECT_EQ(body.reason(), "duplicate");
  r.body = R"({"nope":1})";
  EXPECT_TRUE(decode_optional(r, body));
}

}  // namespace
}  // namespace caseroute::api
