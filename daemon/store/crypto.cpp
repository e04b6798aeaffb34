// AES-256-GCM through OpenSSL EVP for minors' data at rest: data keys, their
// wrapping by the master keys, and the sealed formats of crypto.hpp. Only ids
// may be logged by callers; this file handles plaintext and must never log it.
#include "store/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

#include "config/digest.hpp"
#include "store/errors.hpp"

namespace caseroute::store {

namespace {

constexpr unsigned char legacy_version = 0x01;
constexpr unsigned char wrapped_version = 0x02;
constexpr unsigned char case_version = 0x03;
constexpr std::size_t nonce_size = 12;
constexpr std::size_t tag_size = 16;

struct ctx_free {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using cipher_ctx = std::unique_ptr<EVP_CIPHER_CTX, ctx_free>;

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

using config::random_bytes;

// AES-256-GCM fetched once (see config/digest.cpp: naming it per call costs
// a provider lookup each time).
const EVP_CIPHER* aes_gcm() {
  static EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  if (cipher == nullptr) throw std::runtime_error("OpenSSL has no AES-256-GCM");
  return cipher;
}

// nonce || ciphertext || tag, appended to `out`.
void gcm_seal(const unsigned char* key, std::string_view plaintext, std::string_view aad, std::string& out) {
  const std::size_t start = out.size();
  out.resize(start + nonce_size + plaintext.size() + tag_size);
  auto* nonce = reinterpret_cast<unsigned char*>(out.data()) + start;
  unsigned char* body = nonce + nonce_size;
  random_bytes(nonce, nonce_size);
  cipher_ctx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  // Failures here mean OpenSSL itself is broken: not an expected outcome.
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), aes_gcm(), nullptr, key, nonce) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes(aad), static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), body, &len, bytes(plaintext), static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), body + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, tag_size, body + plaintext.size()) != 1) {
    throw std::runtime_error("AES-256-GCM encryption failed");
  }
}

// Opens nonce || ciphertext || tag.
boost::system::result<std::string> gcm_open(const unsigned char* key, std::string_view sealed, std::string_view aad) {
  if (sealed.size() < nonce_size + tag_size) return make_error_code(error::bad_record);
  const unsigned char* nonce = bytes(sealed);
  const unsigned char* body = nonce + nonce_size;
  const std::size_t body_size = sealed.size() - nonce_size - tag_size;
  // GCM wants a writable tag buffer.
  unsigned char tag[tag_size];
  std::copy(body + body_size, body + body_size + tag_size, tag);

  std::string plain(body_size, '\0');
  auto* p = reinterpret_cast<unsigned char*>(plain.data());
  cipher_ctx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), aes_gcm(), nullptr, key, nonce) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes(aad), static_cast<int>(aad.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), p, &len, body, static_cast<int>(body_size)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, tag_size, tag) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), p + len, &len) != 1) {
    OPENSSL_cleanse(plain.data(), plain.size());
    return make_error_code(error::bad_record);
  }
  return plain;
}

std::string wrap_aad(std::string_view owner) { return "key:" + std::string(owner); }

std::string case_aad(std::string_view purpose, std::string_view case_id) {
  std::string aad(purpose);
  aad.append(":").append(case_id);
  return aad;
}

}  // namespace

data_key data_key::random() {
  data_key k;
  random_bytes(k.key_.data(), k.key_.size());
  return k;
}

boost::system::result<data_key> data_key::from_raw(std::string_view raw32) {
  if (raw32.size() != size) return make_error_code(error::bad_config);
  data_key k;
  std::copy(raw32.begin(), raw32.end(), k.key_.begin());
  return k;
}

data_key::~data_key() { OPENSSL_cleanse(key_.data(), key_.size()); }

std::string data_key::seal(unsigned char version, std::string_view plaintext, std::string_view aad) const {
  std::string out(1, static_cast<char>(version));
  gcm_seal(key_.data(), plaintext, aad, out);
  return out;
}

boost::system::result<std::string> data_key::open(unsigned char version, std::string_view sealed,
                                                  std::string_view aad) const {
  if (sealed.empty() || static_cast<unsigned char>(sealed[0]) != version) return make_error_code(error::bad_record);
  return gcm_open(key_.data(), sealed.substr(1), aad);
}

std::string case_keys::seal(std::string_view plaintext, std::string_view purpose) const {
  return keys_.front().seal(case_version, plaintext, case_aad(purpose, case_id_));
}

boost::system::result<std::string> case_keys::open(std::string_view sealed, std::string_view purpose) const {
  if (sealed.empty()) return make_error_code(error::bad_record);
  const auto version = static_cast<unsigned char>(sealed[0]);
  // Format 0x01 bound only the case id: a blob sealed before per-case keys.
  const std::string aad = version == legacy_version ? case_id_ : case_aad(purpose, case_id_);
  for (const auto& k : keys_)
    if (auto plain = k.open(version, sealed, aad)) return plain;
  return make_error_code(error::bad_record);
}

boost::system::result<sealer> sealer::from_key(std::string_view raw32) {
  auto k = data_key::from_raw(raw32);
  if (!k) return k.error();
  std::string id = config::hmac_sha256(raw32, "caseroute master key id").substr(0, key_id_size);
  return sealer(master{std::move(*k), std::move(id)});
}

boost::system::result<void> sealer::add_previous(std::string_view raw32) {
  auto other = from_key(raw32);
  if (!other) return other.error();
  for (const auto& m : masters_)
    if (m.id == other->masters_.front().id) return {};  // configured twice
  masters_.push_back(std::move(other->masters_.front()));
  return {};
}

std::string sealer::key_id() const { return config::hex(masters_.front().id); }

std::optional<std::string> sealer::wrapped_key_id(std::string_view wrapped) {
  if (wrapped.size() != 1 + key_id_size + nonce_size + data_key::size + tag_size ||
      static_cast<unsigned char>(wrapped[0]) != wrapped_version)
    return std::nullopt;
  return config::hex(wrapped.substr(1, key_id_size));
}

std::string sealer::wrap(const data_key& k, std::string_view owner) const {
  const auto& current = masters_.front();
  std::string out(1, static_cast<char>(wrapped_version));
  out += current.id;
  gcm_seal(reinterpret_cast<const unsigned char*>(current.key.raw().data()), k.raw(), wrap_aad(owner), out);
  return out;
}

boost::system::result<data_key> sealer::unwrap(std::string_view wrapped, std::string_view owner) const {
  if (!wrapped_key_id(wrapped)) return make_error_code(error::bad_record);
  const std::string_view id = wrapped.substr(1, key_id_size);
  for (const auto& m : masters_) {
    if (m.id != id) continue;
    auto raw = gcm_open(reinterpret_cast<const unsigned char*>(m.key.raw().data()), wrapped.substr(1 + key_id_size),
                        wrap_aad(owner));
    if (!raw) return raw.error();
    auto k = data_key::from_raw(*raw);
    OPENSSL_cleanse(raw->data(), raw->size());
    if (!k) return make_error_code(error::bad_record);
    return *k;
  }
  return make_error_code(error::bad_record);
}

boost::system::result<case_keys> sealer::for_case(std::string_view case_id, std::string_view wrapped) const {
  case_keys out;
  out.case_id_ = case_id;
  if (wrapped.empty()) {
    for (const auto& m : masters_) out.keys_.push_back(m.key);
    return out;
  }
  auto k = unwrap(wrapped, case_id);
  if (!k) return k.error();
  out.keys_.push_back(std::move(*k));
  return out;
}

std::optional<data_key> sealer::legacy_key_for(std::string_view sealed, std::string_view aad) const {
  for (const auto& m : masters_)
    if (m.key.open(legacy_version, sealed, aad)) return m.key;
  return std::nullopt;
}

std::string sealer::seal(std::string_view plaintext, std::string_view aad) const {
  return masters_.front().key.seal(legacy_version, plaintext, aad);
}

boost::system::result<std::string> sealer::open(std::string_view sealed, std::string_view aad) const {
  for (const auto& m : masters_)
    if (auto plain = m.key.open(legacy_version, sealed, aad)) return plain;
  return make_error_code(error::bad_record);
}

}  // namespace caseroute::store
