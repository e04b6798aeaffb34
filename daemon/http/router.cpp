// Route table matching. Linear over a few dozen routes: simpler than a trie
// and fast enough; a literal segment outranks a parameter at the same place.
#include "http/router.hpp"

#include <algorithm>
#include <stdexcept>

namespace caseroute::http {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path.front() != '/') return out;
  path.remove_prefix(1);
  for (;;) {
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool percent_decode(std::string_view in, std::string& out, bool plus_is_space) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return true;
}

void router::add(std::string method, std::string pattern, std::string route_name, handler h) {
  if (pattern.empty() || pattern.front() != '/')
    throw std::invalid_argument("route pattern must start with '/': " + pattern);
  route r;
  for (auto s : split_path(pattern)) {
    segment seg;
    if (s.size() >= 2 && s.front() == '{' && s.back() == '}') {
      seg.param = true;
      seg.text = std::string(s.substr(1, s.size() - 2));
      if (seg.text.find_first_of("{}/") != std::string::npos)
        throw std::invalid_argument("bad parameter in " + pattern);
    } else {
      if (s.find_first_of("{}") != std::string_view::npos) throw std::invalid_argument("bad segment in " + pattern);
      seg.text = std::string(s);
    }
    r.segments.push_back(std::move(seg));
  }
  for (const auto& other : routes_)
    if (other.method == method && other.pattern == pattern)
      throw std::invalid_argument("duplicate route " + method + " " + pattern);
  r.method = std::move(method);
  r.pattern = std::move(pattern);
  r.name = route_name.empty() ? r.pattern : std::move(route_name);
  r.h = std::move(h);
  routes_.push_back(std::move(r));
}

void router::add_stream(std::string method, std::string pattern, std::string route_name, stream_handler h) {
  add(std::move(method), std::move(pattern), std::move(route_name), handler{});
  routes_.back().stream = std::move(h);
  routes_.back().waits = true;
}

void router::add_waiting(std::string method, std::string pattern, std::string route_name, handler h) {
  add(std::move(method), std::move(pattern), std::move(route_name), std::move(h));
  routes_.back().waits = true;
}

match router::find(const std::string& method, const std::string& path) const {
  auto raw = split_path(path);
  std::vector<std::string> decoded(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i)
    if (!percent_decode(raw[i], decoded[i])) return {};

  // Rank: at the first segment where two matching patterns differ, the literal wins.
  auto better = [](const route& a, const route& b) {
    for (std::size_t i = 0; i < a.segments.size(); ++i)
      if (a.segments[i].param != b.segments[i].param) return !a.segments[i].param;
    return false;
  };
  const route* best = nullptr;      // best route with this method
  const route* best_get = nullptr;  // for HEAD
  match m;
  for (const auto& r : routes_) {
    if (r.segments.size() != decoded.size()) continue;
    bool ok = true;
    for (std::size_t i = 0; ok && i < decoded.size(); ++i)
      ok = r.segments[i].param ? !decoded[i].empty() : r.segments[i].text == decoded[i];
    if (!ok) continue;
    if (r.method == method) {
      if (!best || better(r, *best)) best = &r;
    } else if (method == "HEAD" && r.method == "GET" && !r.stream) {
      if (!best_get || better(r, *best_get)) best_get = &r;
    }
    if (std::find(m.allowed.begin(), m.allowed.end(), r.method) == m.allowed.end()) m.allowed.push_back(r.method);
  }
  if (!best) best = best_get;
  if (!best) {
    m.status = m.allowed.empty() ? match_status::not_found : match_status::method_not_allowed;
    return m;
  }
  m.status = match_status::found;
  if (best->stream)
    m.stream = &best->stream;
  else
    m.h = &best->h;
  m.route_name = best->name;
  m.waits = best->waits;
  m.allowed.clear();
  for (std::size_t i = 0; i < decoded.size(); ++i)
    if (best->segments[i].param) m.params[best->segments[i].text] = std::move(decoded[i]);
  return m;
}

std::vector<std::pair<std::string, std::string>> router::listing() const {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(routes_.size());
  for (const auto& r : routes_) out.emplace_back(r.method, r.pattern);
  return out;
}

}  // namespace caseroute::http
