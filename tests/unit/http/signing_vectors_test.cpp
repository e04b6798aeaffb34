// The signing test vectors of docs/API.md ("Platform signatures"), read from
// the document itself so it cannot drift from the code: each one computes to
// its signature, is what sign_request sends, and verifies at its timestamp.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "http/auth.hpp"

namespace caseroute::http {
namespace {

struct signing_vector {
  std::string secret, timestamp, method, target, body, signature;
};

std::string api_doc() {
  std::ifstream in(CASEROUTE_API_DOC);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The "name: value" lines between the markers; a blank line ends a vector.
// A value starts after the colon and the spaces that align it.
std::vector<signing_vector> doc_vectors() {
  const std::string doc = api_doc();
  const std::string begin = "<!-- signing-vectors:begin -->", end = "<!-- signing-vectors:end -->";
  const auto from = doc.find(begin), to = doc.find(end);
  if (from == std::string::npos || to == std::string::npos || to < from) return {};
  std::istringstream lines(doc.substr(from + begin.size(), to - from - begin.size()));
  std::vector<signing_vector> out;
  std::map<std::string, std::string> fields;
  auto flush = [&] {
    if (fields.empty()) return;
    out.push_back({fields["secret"], fields["timestamp"], fields["method"], fields["target"], fields["body"],
                   fields["signature"]});
    fields.clear();
  };
  std::string line;
  while (std::getline(lines, line)) {
    if (line.starts_with("```")) continue;
    if (line.empty()) {
      flush();
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const auto value = line.find_first_not_of(' ', colon + 1);
    fields[line.substr(0, colon)] = value == std::string::npos ? "" : line.substr(value);
  }
  flush();
  return out;
}

request as_request(const signing_vector& v, const std::vector<std::pair<std::string, std::string>>& headers) {
  request r;
  r.method = v.method;
  r.target = v.target;
  r.body = v.body;
  for (const auto& [name, value] : headers) {
    std::string lower;
    for (char c : name) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    r.headers.emplace_back(lower, value);
  }
  return r;
}

TEST(signing_vectors, the_document_lists_at_least_three) {
  const auto vectors = doc_vectors();
  ASSERT_GE(vectors.size(), 3u) << "docs/API.md lost its signing-vectors block";
  for (const auto& v : vectors) {
    EXPECT_FALSE(v.secret.empty());
    EXPECT_EQ(v.signature.size(), 64u) << v.target;
  }
}

TEST(signing_vectors, each_computes_to_its_signature) {
  for (const auto& v : doc_vectors()) {
    EXPECT_EQ(config::hmac_sha256_hex(v.secret, signing_payload(v.timestamp, v.method, v.target, v.body)), v.signature)
        << v.method << " " << v.target;
  }
}

TEST(signing_vectors, the_first_payload_is_as_the_document_spells_it) {
  const auto vectors = doc_vectors();
  ASSERT_FALSE(vectors.empty());
  const auto& v = vectors.front();
  EXPECT_EQ(signing_payload(v.timestamp, v.method, v.target, v.body), "1764403200\nGET\n/v1/referrals/demo-0001\n");
}

TEST(signing_vectors, sign_request_sends_them_and_verify_platform_accepts_them_within_300_seconds) {
  for (const auto& v : doc_vectors()) {
    const std::int64_t ts = std::stoll(v.timestamp);
    const auto headers = sign_request("henan-12355", v.secret, ts, v.method, v.target, v.body);
    ASSERT_EQ(headers.size(), 3u);
    EXPECT_EQ(headers[1].second, v.timestamp);
    EXPECT_EQ(headers[2].second, v.signature);

    config::platform p;
    p.id = "henan-12355";
    p.secret = v.secret;
    const std::vector<config::platform> platforms{p};
    const request r = as_request(v, headers);
    for (std::int64_t now : {ts - 300, ts, ts + 300})
      EXPECT_TRUE(std::holds_alternative<const config::platform*>(verify_platform(r, platforms, now)))
          << v.target << " at " << now - ts;
    for (std::int64_t now : {ts - 301, ts + 301}) {
      const auto late = verify_platform(r, platforms, now);
      ASSERT_TRUE(std::holds_alternative<api_error>(late));
      EXPECT_EQ(std::get<api_error>(late).message, "X-Timestamp is more than 300 s from the server clock");
    }
    request changed = r;
    changed.body += " ";
    const auto tampered = verify_platform(changed, platforms, ts);
    ASSERT_TRUE(std::holds_alternative<api_error>(tampered));
    EXPECT_EQ(std::get<api_error>(tampered).message, "signature does not match");
  }
}

}  // namespace
}  // namespace caseroute::http
