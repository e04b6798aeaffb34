// Typed reading of yaml-cpp nodes with positions, for the loader. yaml-cpp
// throws on bad conversions, so scalars are converted here by hand and every
// failure becomes a recorded problem instead.
#include "config/yaml_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "config/duration.hpp"

namespace caseroute::config::detail {
namespace {

// Enough for a province-sized config; a small file full of aliases may not
// make the loader walk millions of nodes (the loader is fuzzed).
constexpr std::int64_t max_visits = 1'000'000;
// Past this many errors (or warnings) the rest would only bury the first ones.
constexpr std::size_t max_problems = 200;

std::string kind(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return "nothing (null)";
    case YAML::NodeType::Scalar:
      return quote(node.Scalar());
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    default:
      return "nothing";
  }
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

position where(const YAML::Node& node) {
  if (!node.IsDefined()) return {};
  const YAML::Mark m = node.Mark();
  if (m.line < 0 || m.column < 0) return {};
  return {m.line + 1, m.column + 1};
}

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text.substr(0, 80)) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  if (text.size() > 80) out += "...";
  return out + "\"";
}

const entry* fields::get(std::string_view key) const {
  for (const entry& e : entries) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

std::string fields::child(std::string_view key) const {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

void reader::error(position at, std::string message) {
  if (out_.errors.size() < max_problems) {
    out_.errors.push_back({at.line, at.column, std::move(message)});
  } else if (out_.errors.size() == max_problems) {
    out_.errors.push_back({0, 0, "too many errors; only the first " + std::to_string(max_problems) + " are shown"});
  }
}

void reader::warning(position at, std::string message) {
  if (out_.warnings.size() < max_problems) {
    out_.warnings.push_back({at.line, at.column, std::move(message)});
  } else if (out_.warnings.size() == max_problems) {
    out_.warnings.push_back({0, 0, "too many warnings; only the first " + std::to_string(max_problems) + " are shown"});
  }
}

bool reader::visit() {
  if (over_budget_) return false;
  if (++visits_ <= max_visits) return true;
  over_budget_ = true;
  // Pushed directly: this must show even when the error list is full.
  out_.errors.push_back({0, 0,
                         "the document is too large (over " + std::to_string(max_visits) +
                             " nodes, counting aliases); nothing past that was checked"});
  return false;
}

fields reader::map(const YAML::Node& node, std::string path, std::initializer_list<std::string_view> allowed) {
  return read_map(node, std::move(path), &allowed);
}

fields reader::free_map(const YAML::Node& node, std::string path) { return read_map(node, std::move(path), nullptr); }

fields reader::read_map(const YAML::Node& node, std::string path,
                        const std::initializer_list<std::string_view>* allowed) {
  fields f;
  f.path = std::move(path);
  f.at = where(node);
  if (!visit()) return f;
  if (node.IsNull()) {  // "server:" with nothing below: an empty mapping
    f.is_map = true;
    return f;
  }
  if (!node.IsMap()) {
    error(f.at, (f.path.empty() ? std::string("the document") : f.path) + ": expected a mapping (key: value), got " +
                    kind(node));
    return f;
  }
  f.is_map = true;
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!visit()) break;
    const YAML::Node key_node = it->first;
    if (!key_node.IsScalar()) {
      error(where(key_node), f.child("?") + ": a key must be a plain string, got " + kind(key_node));
      continue;
    }
    entry e{key_node.Scalar(), key_node, it->second};
    if (f.get(e.key) != nullptr) {
      error(where(key_node), f.child(e.key) + ": duplicate key");
      continue;
    }
    if (allowed != nullptr && std::find(allowed->begin(), allowed->end(), e.key) == allowed->end()) {
      std::string message =
          "unknown key " + quote(e.key) + (f.path.empty() ? std::string(" at the top level") : " in " + f.path);
      std::string_view best;
      std::size_t best_distance = 3;
      for (std::string_view candidate : *allowed) {
        const std::size_t d = edit_distance(lowercase(e.key), candidate);
        if (d < best_distance) {
          best = candidate;
          best_distance = d;
        }
      }
      if (!best.empty()) message += "; did you mean " + quote(best) + "?";
      error(where(key_node), std::move(message));
      continue;
    }
    f.entries.push_back(std::move(e));
  }
  return f;
}

std::vector<YAML::Node> reader::sequence(const YAML::Node& node, const std::string& path) {
  std::vector<YAML::Node> items;
  if (!visit() || node.IsNull()) return items;
  if (!node.IsSequence()) {
    error(where(node), path + ": expected a list, got " + kind(node));
    return items;
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!visit()) break;
    items.push_back(*it);
  }
  return items;
}

std::optional<std::string> reader::string(const YAML::Node& node, const std::string& path) {
  if (!node.IsScalar()) {
    error(where(node), path + ": expected a string, got " + kind(node));
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<std::int64_t> reader::integer(const YAML::Node& node, const std::string& path, std::int64_t min,
                                            std::int64_t max) {
  if (!node.IsScalar()) {
    error(where(node), path + ": expected an integer, got " + kind(node));
    return std::nullopt;
  }
  const std::string& text = node.Scalar();
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec == std::errc::invalid_argument || ptr != end) {
    error(where(node), path + ": expected an integer, got " + quote(text));
    return std::nullopt;
  }
  if (ec == std::errc::result_out_of_range || value < min || value > max) {
    error(where(node), path + ": " + text + " is out of range " + std::to_string(min) + ".." + std::to_string(max));
    return std::nullopt;
  }
  return value;
}

std::optional<bool> reader::boolean(const YAML::Node& node, const std::string& path) {
  if (node.IsScalar()) {
    const std::string text = lowercase(node.Scalar());
    if (text == "true" || text == "yes" || text == "on") return true;
    if (text == "false" || text == "no" || text == "off") return false;
  }
  error(where(node), path + ": expected true or false, got " + kind(node));
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> reader::duration(const YAML::Node& node, const std::string& path,
                                                          std::chrono::milliseconds min) {
  const std::optional<std::chrono::milliseconds> value = node.IsScalar() ? parse_duration(node.Scalar()) : std::nullopt;
  if (!value) {
    error(where(node), path + ": expected a duration such as 30s, 2m, 4h, 1h30m, 500ms or 7d, got " + kind(node));
    return std::nullopt;
  }
  if (*value < min) {
    error(where(node), path + ": must be at least " + std::to_string(min.count()) + "ms");
    return std::nullopt;
  }
  return value;
}

const entry* reader::set(const fields& f, std::string_view key, std::string& target, bool required) {
  const entry* e = f.get(key);
  if (e == nullptr) {
    if (required) missing(f, key);
    return nullptr;
  }
  if (auto v = string(e->value, f.child(key))) {
    if (required && v->empty()) {
      error(where(e->value), f.child(key) + ": must not be empty");
    } else {
      target = std::move(*v);
    }
  }
  return e;
}

const entry* reader::set(const fields& f, std::string_view key, bool& target) {
  const entry* e = f.get(key);
  if (e == nullptr) return nullptr;
  if (auto v = boolean(e->value, f.child(key))) target = *v;
  return e;
}

const entry* reader::set(const fields& f, std::string_view key, std::chrono::seconds& target,
                         std::chrono::milliseconds min) {
  const entry* e = f.get(key);
  if (e == nullptr) return nullptr;
  if (auto v = duration(e->value, f.child(key), min)) {
    if (v->count() % 1000 != 0) {
      error(where(e->value), f.child(key) + ": must be a whole number of seconds");
    } else {
      target = std::chrono::duration_cast<std::chrono::seconds>(*v);
    }
  }
  return e;
}

const entry* reader::set(const fields& f, std::string_view key, std::chrono::milliseconds& target,
                         std::chrono::milliseconds min) {
  const entry* e = f.get(key);
  if (e == nullptr) return nullptr;
  if (auto v = duration(e->value, f.child(key), min)) target = *v;
  return e;
}

void reader::missing(const fields& f, std::string_view key) {
  if (!f.is_map) return;  // already reported as the wrong type
  // The top-level mapping's problems concern the whole file.
  error(f.path.empty() ? position{} : f.at,
        (f.path.empty() ? std::string() : f.path + ": ") + "missing required key " + quote(key));
}

}  // namespace caseroute::config::detail
