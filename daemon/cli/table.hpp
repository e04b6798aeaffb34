// Aligned text tables for the terminal: columns padded to the widest cell as
// a terminal shows it (a Chinese character takes two columns). Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace caseroute::cli {

// Terminal columns `text` (UTF-8) takes: 2 for East Asian wide and full-width
// characters, 0 for combining marks, 1 otherwise. Invalid bytes count 1.
std::size_t display_width(std::string_view text);

class table {
 public:
  explicit table(std::vector<std::string> headings) : headings_(std::move(headings)) {}
  // A row with fewer cells than headings is padded with "-".
  void add(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }
  // Headings and rows, columns two spaces apart, no trailing spaces, one
  // line each ending in '\n'. Control characters in cells (line breaks, escape
  // sequences) become spaces; an empty cell shows "-".
  std::string render() const;

 private:
  std::vector<std::string> headings_;
  std::vector<std::vector<std::string>> rows_;
};

// "label: value" lines with the values aligned, for one record.
class fields {
 public:
  void add(std::string label, std::string value);
  std::string render() const;

 private:
  std::vector<std::pair<std::string, std::string>> lines_;
};

}  // namespace caseroute::cli
