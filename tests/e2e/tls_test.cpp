// HTTPS on the listener (server.tls) with real TLS clients, curl and
// openssl s_client; certificates are made with openssl at run time: a good
// one, an expired one, a rotated one (SIGHUP), and client certificates for
// the platform. A plain-HTTP client on the TLS port gets an error and the
// daemon stays up.
#include <array>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <fstream>

#include <sys/wait.h>

#include "config/digest.hpp"
#include "e2e/e2e_support.hpp"
#include "http/auth.hpp"

namespace caseroute::e2e {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct ran {
  int exit = -1;
  std::string out;  // stdout and stderr
};

ran run(const std::string& command) {
  ran r;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf;
  while (auto n = std::fread(buf.data(), 1, buf.size(), p)) r.out.append(buf.data(), n);
  const int status = ::pclose(p);
  r.exit = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class tls : public generated_config_test {
 protected:
  void SetUp() override {
    generated_config_test::SetUp();
    pki_ = dir_ / "pki";
    fs::create_directories(pki_);
    ASSERT_EQ(sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem "
                 "-days 2 -subj /CN=caseroute-test-ca")
                  .exit,
              0);
    std::ofstream(pki_ / "server.ext") << "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
    std::ofstream(pki_ / "client.ext") << "extendedKeyUsage=clientAuth\n";
  }

  ran sh(const std::string& command) { return run("cd '" + pki_.string() + "' && " + command); }

  // A key and a certificate signed by the test CA, valid `days` (negative: expired).
  void issue(const std::string& name, int days, const std::string& ext) {
    ASSERT_EQ(sh("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + name + ".key -out " +
                 name + ".csr -subj /CN=" + name)
                  .exit,
              0);
    ASSERT_EQ(sh("openssl x509 -req -in " + name + ".csr -CA ca.pem -CAkey ca.key -CAcreateserial -out " + name +
                 ".pem -days " + std::to_string(days) + " -extfile " + ext)
                  .exit,
              0);
  }

  std::string path(const std::string& file) const { return (pki_ / file).string(); }

  // config/test.yaml serving HTTPS with server.pem; waits until it answers.
  void start_tls(const std::string& extra_tls = "") {
    auto yaml = replace_once(test_yaml(), "server:\n",
                             "server:\n  tls:\n    cert_file: \"" + path("server.pem") + "\"\n    key_file: \"" +
                                 path("server.key") + "\"\n" + extra_tls);
    write_config(yaml);
    proc_ = std::make_unique<testing::process>(
        std::vector<std::string>{CASEROUTE_BIN, "--config", config_path().string()}, (dir_ / "caseroute.log").string());
    bool up = false;
    for (int i = 0; i < 200 && !up; ++i) {
      up = curl("-k", "/readyz").exit == 0;
      if (!up) std::this_thread::sleep_for(100ms);
    }
    ASSERT_TRUE(up) << proc_->output();
  }

  std::string url(const std::string& target) const { return "https://127.0.0.1:" + std::to_string(port_) + target; }

  // curl with `options`; -f makes an HTTP error status a failure too.
  ran curl(const std::string& options, const std::string& target) {
    return run("curl -sS -f --max-time 5 " + options + " '" + url(target) + "'");
  }

  ran s_client(const std::string& options) {
    return run("openssl s_client -connect 127.0.0.1:" + std::to_string(port_) + " " + options + " </dev/null");
  }

  // A signed platform GET through curl, with `options` (e.g. a client certificate).
  ran platform_get(const std::string& options, const std::string& target) {
    const auto ts = std::to_string(std::time(nullptr));
    const auto sig = config::hmac_sha256_hex(platform_secret(), http::signing_payload(ts, "GET", target, ""));
    return run("curl -sS --max-time 5 -o /dev/null -w '%{http_code}' --cacert '" + path("ca.pem") + "' " + options +
               " -H 'X-Platform-Id: test-platform' -H 'X-Timestamp: " + ts + "' -H 'X-Signature: " + sig + "' '" +
               url(target) + "'");
  }

  fs::path pki_;
};

TEST_F(tls, curl_and_s_client_speak_tls_1_2_and_1_3_and_nothing_older) {
  issue("server", 2, "server.ext");
  start_tls();
  const auto ok = curl("--cacert '" + path("ca.pem") + "'", "/healthz");
  EXPECT_EQ(ok.exit, 0) << ok.out;
  EXPECT_NE(ok.out.find("\"status\":\"ok\""), std::string::npos) << ok.out;
  const auto token = test_tokens().at("c3");
  const auto staff = curl("--cacert '" + path("ca.pem") + "' -H 'Authorization: Bearer " + token + "'", "/v1/me/cases");
  EXPECT_EQ(staff.exit, 0) << staff.out;

  const auto v12 = s_client("-tls1_2 -CAfile '" + path("ca.pem") + "'");
  EXPECT_NE(v12.out.find("Protocol  : TLSv1.2"), std::string::npos) << v12.out;
  EXPECT_NE(v12.out.find("Verify return code: 0 (ok)"), std::string::npos) << v12.out;
  const auto v13 = s_client("-tls1_3 -CAfile '" + path("ca.pem") + "'");
  EXPECT_NE(v13.out.find("TLSv1.3"), std::string::npos) << v13.out;
  // TLS 1.1 and a CBC-only suite are refused.
  EXPECT_NE(curl("--cacert '" + path("ca.pem") + "' --tlsv1.1 --tls-max 1.1", "/healthz").exit, 0);
  const auto cbc = s_client("-tls1_2 -cipher ECDHE-ECDSA-AES128-SHA -CAfile '" + path("ca.pem") + "'");
  EXPECT_NE(cbc.out.find("handshake failure"), std::string::npos) << cbc.out;
}

TEST_F(tls, a_console_session_cookie_is_secure_over_tls) {
  issue("server", 2, "server.ext");
  start_tls();
  const auto body = R"({"id":"s1","token":")" + test_tokens().at("s1") + R"("})";
  const auto out =
      curl("--cacert '" + path("ca.pem") + "' -i -H 'Content-Type: application/json' -d '" + body + "'", "/v1/session");
  ASSERT_EQ(out.exit, 0) << out.out;
  const auto at = out.out.find("caseroute_session=");
  ASSERT_NE(at, std::string::npos) << out.out;
  const auto line = out.out.substr(at, out.out.find('\n', at) - at);
  EXPECT_NE(line.find("; HttpOnly"), std::string::npos) << line;
  EXPECT_NE(line.find("; SameSite=Strict"), std::string::npos) << line;
  EXPECT_NE(line.find("; Secure"), std::string::npos) << line;
}

TEST_F(tls, plain_http_on_the_tls_port_gets_an_error_and_the_daemon_stays_up) {
  issue("server", 2, "server.ext");
  start_tls();
  for (int i = 0; i < 20; ++i) {
    auto r = testing::http_call(port_, "GET", "/healthz", "", {}, 3s);
    EXPECT_NE(r.status, 200);
  }
  const auto plain = run("curl -sS --max-time 5 'http://127.0.0.1:" + std::to_string(port_) + "/healthz'");
  EXPECT_NE(plain.exit, 0) << plain.out;
  EXPECT_TRUE(proc_->running());
  EXPECT_EQ(curl("--cacert '" + path("ca.pem") + "'", "/healthz").exit, 0);
}

TEST_F(tls, an_expired_certificate_is_refused_by_clients_and_logged) {
  issue("server", -1, "server.ext");
  start_tls();
  const auto r = curl("--cacert '" + path("ca.pem") + "'", "/healthz");
  EXPECT_EQ(r.exit, 60) << r.out;  // peer certificate cannot be authenticated
  EXPECT_NE(r.out.find("expired"), std::string::npos) << r.out;
  const auto s = s_client("-CAfile '" + path("ca.pem") + "'");
  EXPECT_NE(s.out.find("certificate has expired"), std::string::npos) << s.out;
  EXPECT_NE(proc_->output().find("http.tls_certificate_expired"), std::string::npos);
  EXPECT_TRUE(proc_->running());
}

TEST_F(tls, sighup_loads_a_rotated_certificate) {
  issue("server", -1, "server.ext");
  start_tls();
  EXPECT_EQ(curl("--cacert '" + path("ca.pem") + "'", "/healthz").exit, 60);
  // Rotated on disk, then SIGHUP: new connections get the new one.
  issue("server", 2, "server.ext");
  proc_->signal(SIGHUP);
  ran r;
  for (int i = 0; i < 50 && (r = curl("--cacert '" + path("ca.pem") + "'", "/healthz")).exit != 0; ++i)
    std::this_thread::sleep_for(100ms);
  EXPECT_EQ(r.exit, 0) << r.out << proc_->output();
  EXPECT_NE(proc_->output().find("http.tls_reloaded"), std::string::npos);
  // A broken file on reload keeps the working certificate.
  std::ofstream(pki_ / "server.pem") << "not a certificate\n";
  proc_->signal(SIGHUP);
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(curl("--cacert '" + path("ca.pem") + "'", "/healthz").exit, 0);
  EXPECT_NE(proc_->output().find("http.tls_reload_failed"), std::string::npos);
}

TEST_F(tls, platforms_need_a_client_certificate_when_client_ca_file_is_set) {
  issue("server", 2, "server.ext");
  issue("platform", 2, "client.ext");
  issue("stale", -1, "client.ext");
  start_tls("    client_ca_file: \"" + path("ca.pem") + "\"\n");
  const std::string target = "/v1/referrals/no-such-referral";
  EXPECT_EQ(platform_get("", target).out, "401");
  EXPECT_EQ(platform_get("--cert '" + path("platform.pem") + "' --key '" + path("platform.key") + "'", target).out,
            "404");
  // An expired client certificate fails the handshake.
  const auto stale = platform_get("--cert '" + path("stale.pem") + "' --key '" + path("stale.key") + "'", target);
  EXPECT_NE(stale.exit, 0) << stale.out;
  // Staff need none.
  const auto token = test_tokens().at("c3");
  EXPECT_EQ(curl("--cacert '" + path("ca.pem") + "' -H 'Authorization: Bearer " + token + "'", "/v1/me/cases").exit, 0);
  EXPECT_TRUE(proc_->running());
}

}  // namespace
}  // namespace caseroute::e2e
