// Bearer tokens for counselors and supervisors: `caseroute token new` makes
// one, the config keeps only its SHA-256. Never log a token, only its owner's id.
#pragma once

#include <string>
#include <string_view>

#include "config/digest.hpp"

namespace caseroute::config {

// "crt_" followed by 32 bytes from OpenSSL RAND_bytes in unpadded URL-safe
// base64 (47 characters in all). Throws std::runtime_error if the RNG fails.
std::string new_token();

// What `caseroute token new` prints for `token`: two lines,
//   token: crt_...
//   token_sha256: <hex>
// the first for the token's holder, the second to paste into the config.
std::string render_new_token(std::string_view token);

// The same for a fresh new_token(): what `caseroute token new` prints.
std::string render_new_token();

}  // namespace caseroute::config
