// Token generation and hashing with OpenSSL. Holds no token beyond a call and
// writes nothing anywhere: printing is main's job.
#include "config/token.hpp"

#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace caseroute::config {

std::string new_token() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed: no token generated");
  }
  return "crt_" + base64url(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

std::string render_new_token(std::string_view token) {
  std::string out = "token: ";
  out += token;
  out += "\ntoken_sha256: ";
  out += sha256_hex(token);
  out += '\n';
  return out;
}

std::string render_new_token() { return render_new_token(new_token()); }

}  // namespace caseroute::config
