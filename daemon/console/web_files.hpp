// The console's files, compiled in from web/ by embed_web.cmake: served path,
// content type, SHA-256 of the bytes served (pages after their
// {{asset:NAME}} references were filled in) and the bytes.
#pragma once

#include <span>
#include <string_view>

namespace caseroute::console {

struct web_file {
  std::string_view path;  // "/assets/app.js", or a page: "/index", "/me", "/signin", "/reports", "/roster"
  std::string_view content_type;
  std::string_view sha256;  // lowercase hex
  std::string_view body;
};

// Every file, in a fixed order; the storage is static.
std::span<const web_file> web_files();

}  // namespace caseroute::console
