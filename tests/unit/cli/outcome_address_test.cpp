// Exit codes scripts branch on, error messages from ErrorBody answers, and
// the daemon's URL from --url or server.listen.
#include <gtest/gtest.h>

#include "cli/address.hpp"
#include "cli/outcome.hpp"

namespace caseroute::cli {
namespace {

TEST(cli_outcome, statuses_map_to_the_documented_exit_codes) {
  const std::vector<std::pair<int, int>> rows{
      {200, 0}, {202, 0}, {204, 0}, {400, 1}, {404, 1}, {409, 1}, {429, 1}, {401, 4},
      {403, 4}, {500, 3}, {503, 3}, {504, 3}, {0, 3},   {302, 1}, {100, 1},
  };
  for (const auto& [status, code] : rows) EXPECT_EQ(exit_for_status(status), code) << status;
  EXPECT_EQ(exit_ok, 0);
  EXPECT_EQ(exit_refused, 1);
  EXPECT_EQ(exit_usage, 2);
  EXPECT_EQ(exit_unreachable, 3);
  EXPECT_EQ(exit_denied, 4);
}

TEST(cli_outcome, error_text_names_the_code_message_and_field_never_another_body) {
  EXPECT_EQ(error_text(404, R"({"error":{"code":"NOT_FOUND","message":"no such case","field":""}})"),
            "HTTP 404 NOT_FOUND: no such case");
  EXPECT_EQ(error_text(400, R"({"error":{"code":"INVALID_ARGUMENT","message":"days: 1-31","field":"days"}})"),
            "HTTP 400 INVALID_ARGUMENT: days: 1-31 (field days)");
  EXPECT_EQ(error_text(502, "<html>bad gateway</html>"), "HTTP 502");
  EXPECT_NE(exit_code_help().find("4 unauthenticated"), std::string::npos);
}

TEST(cli_address, urls_are_http_or_https_with_a_host_and_port) {
  auto e = parse_url("http://127.0.0.1:8355");
  ASSERT_TRUE(e);
  EXPECT_FALSE(e->tls);
  EXPECT_EQ(e->host, "127.0.0.1");
  EXPECT_EQ(e->port, "8355");
  e = parse_url("https://caseroute.example/");
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->tls);
  EXPECT_EQ(e->port, "443");
  EXPECT_EQ(e->url, "https://caseroute.example:443");
  e = parse_url("http://[::1]:18355");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "::1");
  EXPECT_EQ(e->url, "http://[::1]:18355");
  for (const char* bad : {"", "127.0.0.1:8355", "ftp://h:1", "http://", "http://h:", "http://h:99999", "http://h:8a",
                          "http://h/v1", "http://u@h:1", "http://[::1", "http://::1:80"})
    EXPECT_FALSE(parse_url(bad)) << bad;
}

TEST(cli_address, server_listen_becomes_a_url_on_this_host) {
  EXPECT_EQ(url_for_listen("127.0.0.1:8355", false), "http://127.0.0.1:8355");
  EXPECT_EQ(url_for_listen("0.0.0.0:8355", false), "http://127.0.0.1:8355");
  EXPECT_EQ(url_for_listen("[::]:8355", true), "https://[::1]:8355");
  EXPECT_EQ(url_for_listen("[::1]:9000", false), "http://[::1]:9000");
}

TEST(cli_address, arguments_are_percent_encoded) {
  EXPECT_EQ(percent_encode("01KB6Z3M8Q"), "01KB6Z3M8Q");
  EXPECT_EQ(percent_encode("a/b c"), "a%2Fb%20c");
  EXPECT_EQ(percent_encode("case.offered,case.accepted"), "case.offered%2Ccase.accepted");
  EXPECT_EQ(percent_encode("2026-12-04T08:00:00Z"), "2026-12-04T08%3A00%3A00Z");
}

}  // namespace
}  // namespace caseroute::cli
