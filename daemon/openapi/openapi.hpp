// docs/openapi.yaml as JSON, compiled into the binary at build time
// (embed.py): what GET /v1/openapi.json serves.
#pragma once

#include <string_view>

namespace caseroute::openapi {

// The OpenAPI 3.1 document, compact JSON.
std::string_view json();
// SHA-256 of json() in lowercase hex: its strong ETag.
std::string_view sha256();

}  // namespace caseroute::openapi
