// OpenSSL's one-shot digest and HMAC functions behind string interfaces.
#include "config/digest.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace caseroute::config {
namespace {

const unsigned char* bytes_of(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

// Algorithms fetched once: OpenSSL 3 looks an algorithm up by name on every
// call that names it implicitly (EVP_sha256(), HMAC()), a measurable share of
// a request that seals and signs.
const EVP_MD* fetched_md(const char* name) {
  const EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  if (md == nullptr) throw std::runtime_error(std::string("OpenSSL has no ") + name);
  return md;
}

EVP_MAC* fetched_hmac() {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr) throw std::runtime_error("OpenSSL has no HMAC");
  return mac;
}

struct mac_ctx_free {
  void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};

std::string digest(std::string_view data, const EVP_MD* md, const char* name) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1)
    throw std::runtime_error(std::string(name) + " failed");
  return std::string(reinterpret_cast<const char*>(out), len);
}

}  // namespace

std::string hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

bool is_sha256_hex(std::string_view text) {
  return text.size() == 64 &&
         std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string sha256(std::string_view data) {
  static const EVP_MD* const md = fetched_md("SHA2-256");
  return digest(data, md, "SHA-256");
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  static EVP_MAC* const mac = fetched_hmac();
  std::unique_ptr<EVP_MAC_CTX, mac_ctx_free> ctx(EVP_MAC_CTX_new(mac));
  char digest_name[] = "SHA2-256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                               OSSL_PARAM_construct_end()};
  unsigned char out[EVP_MAX_MD_SIZE];
  std::size_t len = 0;
  if (!ctx || EVP_MAC_init(ctx.get(), bytes_of(key), key.size(), params) != 1 ||
      EVP_MAC_update(ctx.get(), bytes_of(data), data.size()) != 1 ||
      EVP_MAC_final(ctx.get(), out, &len, sizeof out) != 1)
    throw std::runtime_error("HMAC-SHA256 failed");
  return std::string(reinterpret_cast<const char*>(out), len);
}

void random_bytes(unsigned char* out, std::size_t n) {
  // Drawn from OpenSSL's generator a block at a time: each RAND_bytes call
  // takes locks and checks for a fork, and a case needs several small draws
  // (its id, its key, nonces). Bytes handed out are wiped from the block.
  struct block {
    std::array<unsigned char, 512> bytes;
    std::size_t used = 512;
    ~block() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
  };
  thread_local block b;
  while (n > 0) {
    if (b.used == b.bytes.size()) {
      if (RAND_bytes(b.bytes.data(), static_cast<int>(b.bytes.size())) != 1)
        throw std::runtime_error("RAND_bytes failed");
      b.used = 0;
    }
    const std::size_t take = std::min(n, b.bytes.size() - b.used);
    std::memcpy(out, b.bytes.data() + b.used, take);
    OPENSSL_cleanse(b.bytes.data() + b.used, take);
    b.used += take;
    out += take;
    n -= take;
  }
}

std::string sha256_hex(std::string_view data) { return hex(sha256(data)); }

std::string hmac_sha256_hex(std::string_view key, std::string_view data) { return hex(hmac_sha256(key, data)); }

std::string sha1_hex(std::string_view data) {
  static const EVP_MD* const md = fetched_md("SHA1");
  return hex(digest(data, md, "SHA-1"));
}

std::string base64url(std::string_view bytes) {
  static constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const auto* p = bytes_of(bytes);
  const std::size_t n = bytes.size();
  std::string out;
  out.reserve((n * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const unsigned v = (p[i] << 16) | (p[i + 1] << 8) | p[i + 2];
    for (int shift : {18, 12, 6, 0}) out += alphabet[(v >> shift) & 63];
  }
  if (n - i == 1) {
    const unsigned v = p[i] << 16;
    for (int shift : {18, 12}) out += alphabet[(v >> shift) & 63];
  } else if (n - i == 2) {
    const unsigned v = (p[i] << 16) | (p[i + 1] << 8);
    for (int shift : {18, 12, 6}) out += alphabet[(v >> shift) & 63];
  }
  return out;
}

}  // namespace caseroute::config
