// Hex, SHA-1, SHA-256, HMAC-SHA256, random bytes and base64url through OpenSSL, in one
// place: bearer-token hashes, request signatures, Lua script ids and
// tokens all use these. Pure functions; they throw std::runtime_error only
// when OpenSSL itself fails.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace caseroute::config {

// Lowercase hex of arbitrary bytes.
std::string hex(std::string_view bytes);

// True when `text` is exactly 64 lowercase hex characters.
bool is_sha256_hex(std::string_view text);

// Raw 32-byte digests.
std::string sha256(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);

// The same as 64 lowercase hex characters.
std::string sha256_hex(std::string_view data);
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

// SHA-1 as 40 lowercase hex characters (what Redis SCRIPT LOAD answers).
std::string sha1_hex(std::string_view data);

// `n` bytes from OpenSSL's CSPRNG (keys, nonces, ids); throws when it fails.
void random_bytes(unsigned char* out, std::size_t n);

// Unpadded URL-safe base64 (RFC 4648 section 5).
std::string base64url(std::string_view bytes);

}  // namespace caseroute::config
