// Aligned tables (table.hpp).
#include "cli/table.hpp"

#include <algorithm>
#include <cstdint>

namespace caseroute::cli {

namespace {

bool wide(std::uint32_t c) {
  return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) || (c >= 0x3041 && c <= 0x33FF) ||
         (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
         (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) ||
         (c >= 0xFF00 && c <= 0xFF60) || (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
         (c >= 0x20000 && c <= 0x3FFFD);
}

bool combining(std::uint32_t c) {
  return (c >= 0x0300 && c <= 0x036F) || (c >= 0x200B && c <= 0x200F) || (c >= 0xFE00 && c <= 0xFE0F);
}

// Control characters (line breaks, tabs, a terminal's escape sequences in
// text that came from outside) become spaces.
std::string one_line(std::string s) {
  for (auto& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  return s;
}

void pad(std::string& out, std::size_t n) { out.append(n, ' '); }

std::string trim_right(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    std::size_t len = 1;
    std::uint32_t c = b;
    if (b >= 0xF0 && b < 0xF8) {
      len = 4;
      c = b & 0x07;
    } else if (b >= 0xE0) {
      len = 3;
      c = b & 0x0F;
    } else if (b >= 0xC0) {
      len = 2;
      c = b & 0x1F;
    }
    if (len > 1 && i + len <= text.size()) {
      for (std::size_t k = 1; k < len; ++k) c = (c << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    } else {
      len = 1;
      c = b;
    }
    i += len;
    width += wide(c) ? 2 : combining(c) ? 0 : 1;
  }
  return width;
}

void table::add(std::vector<std::string> cells) {
  cells.resize(std::max(cells.size(), headings_.size()), "-");
  static const std::string dash = "-";
  for (auto& c : cells) {
    if (c.empty()) {
      c = dash;
    } else {
      c = one_line(std::move(c));
    }
  }
  rows_.push_back(std::move(cells));
}

std::string table::render() const {
  std::vector<std::size_t> widths(headings_.size(), 0);
  for (std::size_t i = 0; i < headings_.size(); ++i) widths[i] = display_width(headings_[i]);
  for (const auto& row : rows_) {
    if (row.size() > widths.size()) widths.resize(row.size(), 0);
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], display_width(row[i]));
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) pad(out, 2);
      out += cells[i];
      pad(out, widths[i] - display_width(cells[i]));
    }
    out = trim_right(std::move(out));
    out += '\n';
    return out;
  };
  std::string out = line(headings_);
  for (const auto& row : rows_) out += line(row);
  return out;
}

void fields::add(std::string label, std::string value) {
  lines_.emplace_back(std::move(label), value.empty() ? "-" : one_line(std::move(value)));
}

std::string fields::render() const {
  std::size_t width = 0;
  for (const auto& [label, value] : lines_) width = std::max(width, display_width(label));
  std::string out;
  for (const auto& [label, value] : lines_) {
    out += label;
    out += ':';
    pad(out, width - display_width(label) + 1);
    out += value;
    out += '\n';
  }
  return out;
}

}  // namespace caseroute::cli
