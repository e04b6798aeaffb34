// AES-256-GCM through OpenSSL EVP for personal data at rest. Only ids may be
// logged by callers; this file handles plaintext and must never log it.
#include "store/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>
#include <stdexcept>

#include "store/errors.hpp"

namespace caseroute::store {

namespace {

constexpr unsigned char version = 0x01;
constexpr std::size_t nonce_size = 12;
constexpr std::size_t tag_size = 16;

struct ctx_free {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using cipher_ctx = std::unique_ptr<EVP_CIPHER_CTX, ctx_free>;

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

sealer::sealer(std::string_view raw32) { std::copy(raw32.begin(), raw32.end(), key_.begin()); }

sealer::~sealer() { OPENSSL_cleanse(key_.data(), key_.size()); }

boost::system::result<sealer> sealer::from_key(std::string_view raw32) {
  if (raw32.size() != key_size) return make_error_code(error::bad_config);
  return sealer(raw32);
}

std::string sealer::seal(std::string_view plaintext, std::string_view aad) const {
  std::string out(1 + nonce_size + plaintext.size() + tag_size, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  o[0] = version;
  unsigned char* nonce = o + 1;
  unsigned char* body = nonce + nonce_size;
  if (RAND_bytes(nonce, nonce_size) != 1) throw std::runtime_error("RAND_bytes failed");

  cipher_ctx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  // Failures here mean OpenSSL itself is broken: not an expected outcome.
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), nonce) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes(aad), static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), body, &len, bytes(plaintext), static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), body + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, tag_size, body + plaintext.size()) != 1) {
    throw std::runtime_error("AES-256-GCM encryption failed");
  }
  return out;
}

boost::system::result<std::string> sealer::open(std::string_view sealed, std::string_view aad) const {
  if (sealed.size() < 1 + nonce_size + tag_size || static_cast<unsigned char>(sealed[0]) != version)
    return make_error_code(error::bad_record);
  const unsigned char* nonce = bytes(sealed) + 1;
  const unsigned char* body = nonce + nonce_size;
  const std::size_t body_size = sealed.size() - 1 - nonce_size - tag_size;
  // GCM wants a writable tag buffer.
  unsigned char tag[tag_size];
  std::copy(body + body_size, body + body_size + tag_size, tag);

  std::string plain(body_size, '\0');
  auto* p = reinterpret_cast<unsigned char*>(plain.data());
  cipher_ctx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), nonce) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes(aad), static_cast<int>(aad.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), p, &len, body, static_cast<int>(body_size)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, tag_size, tag) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), p + len, &len) != 1) {
    OPENSSL_cleanse(plain.data(), plain.size());
    return make_error_code(error::bad_record);
  }
  return plain;
}

}  // namespace caseroute::store
