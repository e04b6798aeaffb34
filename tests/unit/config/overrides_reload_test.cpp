// Command-line and environment overrides (the command line wins), and which
// fields a reload takes from the new file and which keep their running value.
#include <gtest/gtest.h>

#include <map>

#include "config/overrides.hpp"
#include "config/reload.hpp"

namespace caseroute::config {
namespace {

using namespace std::chrono_literals;

struct fake_env {
  std::map<std::string, std::string> vars;
  const char* operator()(const char* name) const {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  }
};

TEST(overrides, environment_fills_what_the_command_line_left_unset) {
  overrides o;
  o.listen = "127.0.0.1:9000";  // --listen
  const fake_env env{{{"CASEROUTE_LISTEN", "0.0.0.0:8355"},
                      {"CASEROUTE_REDIS_URL", "redis://10.0.0.5:6379/0"},
                      {"CASEROUTE_LOG_LEVEL", "debug"}}};
  add_environment(o, env);
  EXPECT_EQ(*o.listen, "127.0.0.1:9000");
  EXPECT_EQ(*o.redis_url, "redis://10.0.0.5:6379/0");
  EXPECT_EQ(*o.log_level, "debug");
  EXPECT_FALSE(o.data_dir);
  EXPECT_EQ(check(o), "");

  config c;
  apply(c, o);
  EXPECT_EQ(c.server.listen, "127.0.0.1:9000");
  EXPECT_EQ(c.redis.url, "redis://10.0.0.5:6379/0");
  EXPECT_EQ(c.log.level, "debug");
  EXPECT_EQ(c.redis.data_dir, "var/redis");
}

TEST(overrides, empty_variables_are_unset_and_bad_values_are_refused) {
  overrides o;
  add_environment(o, fake_env{{{"CASEROUTE_LISTEN", ""}}});
  EXPECT_TRUE(o.empty());
  o.log_level = "verbose";
  EXPECT_NE(check(o).find("expected trace, debug, info, warn or error"), std::string::npos) << check(o);
  o.log_level.reset();
  o.redis_url = "http://x";
  EXPECT_NE(check(o).find("redis url"), std::string::npos);
  o.redis_url.reset();
  o.listen = "nowhere";
  EXPECT_NE(check(o).find("listen"), std::string::npos);
}

TEST(reload, live_fields_are_taken_from_the_new_file) {
  config running;
  running.privacy.encryption_key = std::string(32, 'k');
  config next = running;
  next.privacy.retention_days = 7;
  next.privacy.retention = 10min;
  next.server.shutdown_grace = 3s;
  next.redis.durability = "replicated";
  next.log.level = "debug";
  next.live.recheck = 5s;
  next.routing.offer_timeout = 90s;
  next.timezone = "Asia/Urumqi";
  EXPECT_TRUE(keep_restart_only(next, running).empty());
  EXPECT_EQ(next.privacy.retention_days, 7);
  EXPECT_EQ(next.privacy.retention, std::chrono::milliseconds(10min));
  EXPECT_EQ(next.server.shutdown_grace, 3s);
  EXPECT_EQ(next.redis.durability, "replicated");
  EXPECT_EQ(next.log.level, "debug");
}

TEST(reload, restart_only_fields_keep_their_running_values_and_are_named) {
  config running;
  running.privacy.encryption_key = std::string(32, 'k');
  running.privacy.encryption_key_file = "secrets/data.key";
  config next = running;
  next.server.listen = "127.0.0.1:1";
  next.server.max_body_bytes = 1000;
  next.redis.url = "redis://10.0.0.9:6379/0";
  next.redis.key_prefix = "cr:other";
  next.privacy.encryption_key = std::string(32, 'o');
  next.privacy.encryption_key_file = "secrets/other.key";
  next.privacy.retention_days = 30;  // live, applied alongside
  const auto kept = keep_restart_only(next, running);
  EXPECT_EQ(join(kept),
            "server.listen, server.max_body_bytes, redis.url, redis.key_prefix, privacy.encryption_key_file");
  EXPECT_EQ(next.server.listen, running.server.listen);
  EXPECT_EQ(next.server.max_body_bytes, running.server.max_body_bytes);
  EXPECT_EQ(next.redis.url, running.redis.url);
  EXPECT_EQ(next.redis.key_prefix, running.redis.key_prefix);
  EXPECT_EQ(next.privacy.encryption_key, running.privacy.encryption_key);
  EXPECT_EQ(next.privacy.retention_days, 30);
}

TEST(reload, the_same_key_from_another_file_is_no_change) {
  config running;
  running.privacy.encryption_key = std::string(32, 'k');
  running.privacy.encryption_key_file = "a.key";
  config next = running;
  next.privacy.encryption_key_file = "b.key";
  EXPECT_TRUE(keep_restart_only(next, running).empty());
  EXPECT_EQ(next.privacy.encryption_key_file, "b.key");
}

}  // namespace
}  // namespace caseroute::config
