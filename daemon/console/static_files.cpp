// The console's pages and assets (docs/API.md, "Operations"): GET /, /me,
// /signin, /reports, /roster and /assets/<path>, from the table embed_web.cmake compiled in.
// Only names in that table are served, so no request reaches the file system.
#include <boost/asio/awaitable.hpp>

#include <string>

#include "api/errors.hpp"
#include "console/console.hpp"
#include "console/web_files.hpp"

namespace caseroute::console {
namespace {

namespace asio = boost::asio;
using api::caller;
using api::context;

constexpr const char* content_security_policy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'";

const web_file* find_file(std::string_view path) {
  for (const auto& f : web_files())
    if (f.path == path) return &f;
  return nullptr;
}

// An If-None-Match list ("a", W/"b", *) that names `etag`.
bool matches(std::string_view if_none_match, std::string_view etag) {
  while (!if_none_match.empty()) {
    const auto comma = if_none_match.find(',');
    auto item = if_none_match.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.starts_with("W/")) item.remove_prefix(2);
    if (item == "*" || item == etag) return true;
    if (comma == std::string_view::npos) break;
    if_none_match.remove_prefix(comma + 1);
  }
  return false;
}

// `f` as the answer: the security headers, a strong ETag (its SHA-256), 304
// when the client holds it, and `cache_control`.
http::response serve(const http::request& req, const web_file& f, std::string cache_control) {
  http::response out;
  const std::string etag = "\"" + std::string(f.sha256) + "\"";
  out.headers = {{"Content-Security-Policy", content_security_policy},
                 {"X-Content-Type-Options", "nosniff"},
                 {"Referrer-Policy", "no-referrer"},
                 {"ETag", etag},
                 {"Cache-Control", std::move(cache_control)}};
  if (matches(req.header("if-none-match"), etag)) {
    out.status = 304;
    out.content_type.clear();
    return out;
  }
  out.content_type = std::string(f.content_type);
  out.body = std::string(f.body);
  return out;
}

http::response page(const http::request& req, std::string_view name) {
  const auto* f = find_file(name);
  if (f == nullptr) return api::fail(req, http::not_found("this console page is not built in"));
  // Pages always revalidate (a cheap 304): they name the assets' versions.
  return serve(req, *f, "no-cache");
}

asio::awaitable<http::response> dashboard(context&, caller, http::request req) { co_return page(req, "/index"); }
asio::awaitable<http::response> counselor_page(context&, caller, http::request req) { co_return page(req, "/me"); }
asio::awaitable<http::response> signin_page(context&, caller, http::request req) { co_return page(req, "/signin"); }
asio::awaitable<http::response> reports_page(context&, caller, http::request req) { co_return page(req, "/reports"); }
asio::awaitable<http::response> roster_page(context&, caller, http::request req) { co_return page(req, "/roster"); }

asio::awaitable<http::response> asset(context&, caller, http::request req) {
  std::string path = "/assets/";
  if (auto dir = req.params.find("dir"); dir != req.params.end()) path += dir->second + "/";
  path += req.params["file"];
  const auto* f = path.find("..") == std::string::npos ? find_file(path) : nullptr;
  if (f == nullptr) co_return api::fail(req, http::not_found("no such asset"));
  // ?v=<the first 16 hex of its SHA-256>: this URL's bytes never change.
  const auto v = req.query.find("v");
  const bool versioned = v != req.query.end() && v->second.size() == 16 && f->sha256.starts_with(v->second);
  co_return serve(req, *f, versioned ? "public, max-age=31536000, immutable" : "no-cache");
}

}  // namespace

const std::vector<api::route>& static_routes() {
  static const std::vector<api::route> table = {
      // clang-format off
      {"GET", "/", api::role::anyone, dashboard},
      {"GET", "/me", api::role::anyone, counselor_page},
      {"GET", "/signin", api::role::anyone, signin_page},
      {"GET", "/reports", api::role::anyone, reports_page},
      {"GET", "/roster", api::role::anyone, roster_page},
      {"GET", "/assets/{file}", api::role::anyone, asset},
      {"GET", "/assets/{dir}/{file}", api::role::anyone, asset},
      // clang-format on
  };
  return table;
}

}  // namespace caseroute::console
