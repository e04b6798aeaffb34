// The edge settings: server.tls, the header deadline and per-address cap,
// the limits block, and the warning for a Redis reached over the network.
#include <gtest/gtest.h>

#include "config_fixture.hpp"

namespace caseroute::config {
namespace {

using namespace std::chrono_literals;
using testing::all_problems;
using testing::base_yaml;
using testing::has_problem;

TEST(server_limits, defaults_are_sane) {
  const load_result r = parse_config(base_yaml());
  ASSERT_TRUE(r.cfg) << all_problems(r);
  const config& c = *r.cfg;
  EXPECT_EQ(c.server.header_timeout, 10s);
  EXPECT_LT(c.server.header_timeout, c.server.read_timeout);
  EXPECT_EQ(c.server.max_connections_per_address, 128u);
  EXPECT_FALSE(c.server.tls);
  EXPECT_EQ(c.limits.per_address.rate, 50);
  EXPECT_EQ(c.limits.per_address.burst, 200);
  EXPECT_FALSE(c.limits.limit_loopback);
  EXPECT_EQ(c.limits.per_token.rate, 500);
  EXPECT_EQ(c.limits.per_platform.rate, 5000);
  EXPECT_EQ(c.limits.metrics_refresh, 5s);
}

TEST(server_limits, tls_and_limits_are_read) {
  const load_result r = parse_config(base_yaml() +
                                     "server:\n"
                                     "  header_timeout: 4s\n"
                                     "  max_connections_per_address: 0\n"
                                     "  tls: {cert_file: /etc/c/cert.pem, key_file: key.pem, client_ca_file: ca.pem}\n"
                                     "limits:\n"
                                     "  per_address: {rate: 0}\n"
                                     "  per_token: {rate: 5, burst: 10}\n"
                                     "  per_platform: {rate: 7}\n"
                                     "  metrics_refresh: 2s\n");
  ASSERT_TRUE(r.cfg) << all_problems(r);
  const config& c = *r.cfg;
  EXPECT_EQ(c.server.header_timeout, 4s);
  EXPECT_EQ(c.server.max_connections_per_address, 0u);
  ASSERT_TRUE(c.server.tls);
  EXPECT_EQ(c.server.tls->cert_file, "/etc/c/cert.pem");
  EXPECT_EQ(c.server.tls->key_file, "key.pem");
  EXPECT_EQ(c.server.tls->client_ca_file, "ca.pem");
  EXPECT_EQ(c.limits.per_address.rate, 0);
  EXPECT_EQ(c.limits.per_token.rate, 5);
  EXPECT_EQ(c.limits.per_token.burst, 10);
  EXPECT_EQ(c.limits.per_platform.rate, 7);
  EXPECT_GE(c.limits.per_platform.burst, 7);
  EXPECT_EQ(c.limits.metrics_refresh, 2s);
}

TEST(server_limits, header_timeout_below_a_second_is_an_error) {
  const load_result r = parse_config(base_yaml() + "server: {header_timeout: 0s}\n");
  EXPECT_FALSE(r.cfg);
  EXPECT_TRUE(has_problem(r.errors, 22, "server.header_timeout")) << all_problems(r);
}

TEST(server_limits, a_network_redis_is_a_warning_loopback_and_unix_are_not) {
  struct row {
    std::string url;
    bool warned;
  };
  for (const row& x : std::vector<row>{{"redis://10.0.0.7:6379/0", true},
                                       {"redis://:pw@redis.internal:6379/0", true},
                                       {"sentinel://127.0.0.1:26379,10.1.1.1:26379/m", true},
                                       {"redis://127.0.0.1:6379/0", false},
                                       {"redis://localhost:6379/0", false},
                                       {"redis://[::1]:6379/0", false},
                                       {"unix:///run/redis/redis.sock", false},
                                       {"managed", false}}) {
    const load_result r = parse_config(base_yaml() + "redis: {url: \"" + x.url + "\"}\n");
    ASSERT_TRUE(r.cfg) << all_problems(r);
    EXPECT_EQ(has_problem(r.warnings, 22, "cannot speak TLS to Redis"), x.warned) << x.url;
  }
}

}  // namespace
}  // namespace caseroute::config
