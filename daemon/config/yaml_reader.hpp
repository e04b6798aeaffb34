// Private to config/: typed, position-aware reading of yaml-cpp nodes for the
// loader. Each read either yields a value or records a problem; none throws.
// Only loader.cpp and yaml_reader.cpp include this (yaml-cpp stays in config/).
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/loader.hpp"
#include "config/parsed.hpp"

namespace caseroute::config::detail {

// The node's position, 1-based; {0, 0} for an undefined node.
position where(const YAML::Node& node);

// One key of a mapping, with both nodes for positions.
struct entry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};

// The checked keys of one mapping, and its path for messages ("server.tls").
struct fields {
  std::string path;
  position at;
  std::vector<entry> entries;
  bool is_map = false;

  const entry* get(std::string_view key) const;
  std::string child(std::string_view key) const;
};

class reader {
 public:
  explicit reader(load_result& out) : out_(out) {}

  void error(position at, std::string message);
  void warning(position at, std::string message);

  // False once too many nodes were visited (aliases can multiply a small
  // file); then an error is recorded once and callers stop descending.
  bool visit();

  // A mapping with a fixed set of keys: reports a non-mapping, non-scalar or
  // duplicate keys and unknown keys (suggesting the closest allowed one).
  fields map(const YAML::Node& node, std::string path, std::initializer_list<std::string_view> allowed);
  // A mapping with free keys (shift names, weekdays, dates, codes):
  // reports a non-mapping, non-scalar and duplicate keys only.
  fields free_map(const YAML::Node& node, std::string path);
  // A sequence's items; null reads as empty; anything else is reported.
  std::vector<YAML::Node> sequence(const YAML::Node& node, const std::string& path);

  // Scalars. Each reports a wrong type or range at the node and returns nullopt.
  std::optional<std::string> string(const YAML::Node& node, const std::string& path);
  std::optional<std::int64_t> integer(const YAML::Node& node, const std::string& path, std::int64_t min,
                                      std::int64_t max);
  std::optional<bool> boolean(const YAML::Node& node, const std::string& path);
  std::optional<std::chrono::milliseconds> duration(const YAML::Node& node, const std::string& path,
                                                    std::chrono::milliseconds min);

  // Field helpers: set `target` when `key` is present and valid. Return the
  // entry when present (valid or not), nullptr when absent; `required`
  // reports absence at the mapping.
  const entry* set(const fields& f, std::string_view key, std::string& target, bool required = false);
  template <class Int>
  const entry* set(const fields& f, std::string_view key, Int& target, std::int64_t min, std::int64_t max) {
    const entry* e = f.get(key);
    if (e == nullptr) return nullptr;
    if (auto v = integer(e->value, f.child(key), min, max)) target = static_cast<Int>(*v);
    return e;
  }
  const entry* set(const fields& f, std::string_view key, bool& target);
  // Durations in whole seconds (sub-second values are reported) or milliseconds.
  const entry* set(const fields& f, std::string_view key, std::chrono::seconds& target, std::chrono::milliseconds min);
  const entry* set(const fields& f, std::string_view key, std::chrono::milliseconds& target,
                   std::chrono::milliseconds min);
  void missing(const fields& f, std::string_view key);

 private:
  fields read_map(const YAML::Node& node, std::string path, const std::initializer_list<std::string_view>* allowed);

  load_result& out_;
  std::int64_t visits_ = 0;
  bool over_budget_ = false;
};

// "\"text\"" with control characters escaped, for messages.
std::string quote(std::string_view text);

}  // namespace caseroute::config::detail
