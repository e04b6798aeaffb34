// The direct proto3 JSON writer (json_writer.hpp). Every choice below copies
// what protobuf 3.21's printer does, so the two agree byte for byte; the
// differential test (tests/unit/http/json_writer_test.cpp) holds it to that.
#include "http/json_writer.hpp"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

namespace caseroute::http {
namespace {

namespace pb = google::protobuf;
using field = pb::FieldDescriptor;

// Code points protobuf writes as \u escapes besides the ASCII ones: C1
// controls and Unicode format characters (read off the library itself).
constexpr std::array<std::pair<std::uint32_t, std::uint32_t>, 15> escaped_ranges{{
    {0x80, 0x9F},
    {0xAD, 0xAD},
    {0x600, 0x603},
    {0x6DD, 0x6DD},
    {0x70F, 0x70F},
    {0x17B4, 0x17B5},
    {0x200B, 0x200F},
    {0x2028, 0x202E},
    {0x2060, 0x2064},
    {0x206A, 0x206F},
    {0xFEFF, 0xFEFF},
    {0xFFF9, 0xFFFB},
    {0x1D173, 0x1D17A},
    {0xE0001, 0xE0001},
    {0xE0020, 0xE007F},
}};

bool escaped(std::uint32_t cp) {
  return std::any_of(escaped_ranges.begin(), escaped_ranges.end(),
                     [cp](const auto& r) { return cp >= r.first && cp <= r.second; });
}

void hex4(std::string& out, std::uint32_t unit) {
  constexpr char digits[] = "0123456789abcdef";
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out.push_back(digits[(unit >> shift) & 0xF]);
}

// Appends `s` quoted; false when it is not valid UTF-8 (protobuf refuses it).
bool append_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '<':
        case '>':
        case 0x7F:
          hex4(out, c);
          break;
        default:
          if (c < 0x20)
            hex4(out, c);
          else
            out.push_back(static_cast<char>(c));
      }
      ++i;
      continue;
    }
    std::size_t n;
    std::uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      n = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    if (!escaped(cp)) {
      out.append(s.substr(i, n));
    } else if (cp < 0x10000) {
      hex4(out, cp);
    } else {
      hex4(out, 0xD800 + ((cp - 0x10000) >> 10));
      hex4(out, 0xDC00 + ((cp - 0x10000) & 0x3FF));
    }
    i += n;
  }
  out.push_back('"');
  return true;
}

template <class Int>
void append_int(std::string& out, Int v, bool quoted) {
  char buf[24];
  auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  if (quoted) out.push_back('"');
  out.append(buf, end);
  if (quoted) out.push_back('"');
}

void append_base64(std::string& out, std::string_view bytes) {
  constexpr char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  out.push_back('"');
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = (static_cast<unsigned char>(bytes[i]) << 16) |
                            (static_cast<unsigned char>(bytes[i + 1]) << 8) | static_cast<unsigned char>(bytes[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(table[(v >> shift) & 0x3F]);
  }
  if (const std::size_t left = bytes.size() - i; left > 0) {
    std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
    if (left == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out.push_back(table[(v >> 18) & 0x3F]);
    out.push_back(table[(v >> 12) & 0x3F]);
    out.push_back(left == 2 ? table[(v >> 6) & 0x3F] : '=');
    out.push_back('=');
  }
  out.push_back('"');
}

// RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits, as protobuf prints a
// google.protobuf.Timestamp; false outside 0001-01-01..9999-12-31.
bool append_timestamp(std::string& out, std::int64_t seconds, std::int32_t nanos) {
  constexpr std::int64_t min_seconds = -62135596800;  // 0001-01-01T00:00:00Z
  constexpr std::int64_t max_seconds = 253402300799;  // 9999-12-31T23:59:59Z
  if (seconds < min_seconds || seconds > max_seconds || nanos < 0 || nanos > 999999999) return false;
  std::int64_t days = seconds / 86400;
  std::int64_t rem = seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  char buf[40];
  auto put = [&](char* at, std::int64_t v, int width) {
    for (int k = width - 1; k >= 0; --k) {
      at[k] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
  };
  buf[0] = '"';
  put(buf + 1, year, 4);
  buf[5] = '-';
  put(buf + 6, month, 2);
  buf[8] = '-';
  put(buf + 9, day, 2);
  buf[11] = 'T';
  put(buf + 12, rem / 3600, 2);
  buf[14] = ':';
  put(buf + 15, rem / 60 % 60, 2);
  buf[17] = ':';
  put(buf + 18, rem % 60, 2);
  std::size_t len = 20;
  if (nanos != 0) {
    buf[len++] = '.';
    int digits = 9;
    std::int64_t frac = nanos;
    if (nanos % 1000000 == 0) {
      digits = 3;
      frac = nanos / 1000000;
    } else if (nanos % 1000 == 0) {
      digits = 6;
      frac = nanos / 1000;
    }
    put(buf + len, frac, digits);
    len += static_cast<std::size_t>(digits);
  }
  buf[len++] = 'Z';
  buf[len++] = '"';
  out.append(buf, len);
  return true;
}

bool is_timestamp(const pb::Descriptor& d) { return d.full_name() == "google.protobuf.Timestamp"; }

bool covers(const pb::Descriptor& d, std::vector<const pb::Descriptor*>& seen) {
  if (is_timestamp(d)) return true;
  if (d.well_known_type() != pb::Descriptor::WELLKNOWNTYPE_UNSPECIFIED) return false;
  if (d.file()->syntax() != pb::FileDescriptor::SYNTAX_PROTO3) return false;
  if (std::find(seen.begin(), seen.end(), &d) != seen.end()) return true;
  seen.push_back(&d);
  for (int i = 0; i < d.field_count(); ++i) {
    const field& f = *d.field(i);
    switch (f.cpp_type()) {
      case field::CPPTYPE_FLOAT:
      case field::CPPTYPE_DOUBLE:
        return false;
      case field::CPPTYPE_MESSAGE:
        if (!covers(*f.message_type(), seen)) return false;
        break;
      default:
        break;
    }
  }
  return true;
}

class writer {
 public:
  writer(std::string& out, bool print_defaults) : out_(out), print_defaults_(print_defaults) {}

  bool message(const pb::Message& m) {
    const pb::Descriptor& d = *m.GetDescriptor();
    const pb::Reflection& r = *m.GetReflection();
    if (is_timestamp(d)) {
      const auto* seconds = d.FindFieldByNumber(1);
      const auto* nanos = d.FindFieldByNumber(2);
      return append_timestamp(out_, r.GetInt64(m, seconds), r.GetInt32(m, nanos));
    }
    std::vector<const field*> fields;
    r.ListFields(m, &fields);  // the set ones, by field number
    if (print_defaults_) {
      // As protobuf's printer: first the fields outside oneofs in
      // declaration order (set, or printing their default), then the set
      // timestamps and members of oneofs (proto3 optional ones too) by
      // number: the printer only places those when it meets them.
      std::vector<const field*> set = std::move(fields);
      fields.clear();
      for (int i = 0; i < d.field_count(); ++i) {
        const field* f = d.field(i);
        if (!placed_first(*f)) continue;
        // An unset message is not printed; everything else is.
        if (f->is_repeated() || f->cpp_type() != field::CPPTYPE_MESSAGE ||
            std::find(set.begin(), set.end(), f) != set.end())
          fields.push_back(f);
      }
      for (const field* f : set)
        if (!placed_first(*f)) fields.push_back(f);
    }
    out_.push_back('{');
    bool first = true;
    for (const field* f : fields) {
      if (!first) out_.push_back(',');
      first = false;
      out_.push_back('"');
      out_ += f->json_name();
      out_ += "\":";
      if (!value(m, r, *f)) return false;
    }
    out_.push_back('}');
    return true;
  }

 private:
  // Printed under always_print_primitive_fields whether set or not.
  static bool placed_first(const field& f) {
    return f.containing_oneof() == nullptr &&
           (f.is_repeated() || f.cpp_type() != field::CPPTYPE_MESSAGE || !is_timestamp(*f.message_type()));
  }

  bool value(const pb::Message& m, const pb::Reflection& r, const field& f) {
    if (f.is_map()) return map(m, r, f);
    if (!f.is_repeated()) return scalar(m, r, f, -1);
    out_.push_back('[');
    const int n = r.FieldSize(m, &f);
    for (int i = 0; i < n; ++i) {
      if (i > 0) out_.push_back(',');
      if (!scalar(m, r, f, i)) return false;
    }
    out_.push_back(']');
    return true;
  }

  // Field `f` of `m`, or its element `index` when repeated (index >= 0).
  bool scalar(const pb::Message& m, const pb::Reflection& r, const field& f, int index) {
    const bool rep = index >= 0;
    switch (f.cpp_type()) {
      case field::CPPTYPE_INT32:
        append_int(out_, rep ? r.GetRepeatedInt32(m, &f, index) : r.GetInt32(m, &f), false);
        return true;
      case field::CPPTYPE_UINT32:
        append_int(out_, rep ? r.GetRepeatedUInt32(m, &f, index) : r.GetUInt32(m, &f), false);
        return true;
      case field::CPPTYPE_INT64:
        append_int(out_, rep ? r.GetRepeatedInt64(m, &f, index) : r.GetInt64(m, &f), true);
        return true;
      case field::CPPTYPE_UINT64:
        append_int(out_, rep ? r.GetRepeatedUInt64(m, &f, index) : r.GetUInt64(m, &f), true);
        return true;
      case field::CPPTYPE_BOOL:
        out_ += (rep ? r.GetRepeatedBool(m, &f, index) : r.GetBool(m, &f)) ? "true" : "false";
        return true;
      case field::CPPTYPE_ENUM: {
        const int number = rep ? r.GetRepeatedEnumValue(m, &f, index) : r.GetEnumValue(m, &f);
        if (const auto* v = f.enum_type()->FindValueByNumber(number)) {
          out_.push_back('"');
          out_ += v->name();
          out_.push_back('"');
        } else {
          append_int(out_, number, false);  // an unknown value: its number
        }
        return true;
      }
      case field::CPPTYPE_STRING: {
        std::string scratch;
        const std::string& s =
            rep ? r.GetRepeatedStringReference(m, &f, index, &scratch) : r.GetStringReference(m, &f, &scratch);
        if (f.type() == field::TYPE_BYTES) {
          append_base64(out_, s);
          return true;
        }
        return append_string(out_, s);
      }
      case field::CPPTYPE_MESSAGE:
        return message(rep ? r.GetRepeatedMessage(m, &f, index) : r.GetMessage(m, &f));
      default:
        return false;
    }
  }

  // A map prints as an object keyed by the key's text, in the order the
  // entries are held (protobuf's printer walks the same storage).
  bool map(const pb::Message& m, const pb::Reflection& r, const field& f) {
    const field& key = *f.message_type()->map_key();
    const field& val = *f.message_type()->map_value();
    out_.push_back('{');
    const int n = r.FieldSize(m, &f);
    for (int i = 0; i < n; ++i) {
      if (i > 0) out_.push_back(',');
      const pb::Message& entry = r.GetRepeatedMessage(m, &f, i);
      const pb::Reflection& er = *entry.GetReflection();
      switch (key.cpp_type()) {
        case field::CPPTYPE_STRING: {
          std::string scratch;
          if (!append_string(out_, er.GetStringReference(entry, &key, &scratch))) return false;
          break;
        }
        case field::CPPTYPE_BOOL:
          out_ += er.GetBool(entry, &key) ? "\"true\"" : "\"false\"";
          break;
        case field::CPPTYPE_INT32:
          append_int(out_, er.GetInt32(entry, &key), true);
          break;
        case field::CPPTYPE_UINT32:
          append_int(out_, er.GetUInt32(entry, &key), true);
          break;
        case field::CPPTYPE_INT64:
          append_int(out_, er.GetInt64(entry, &key), true);
          break;
        case field::CPPTYPE_UINT64:
          append_int(out_, er.GetUInt64(entry, &key), true);
          break;
        default:
          return false;
      }
      out_.push_back(':');
      if (!scalar(entry, er, val, -1)) return false;
    }
    out_.push_back('}');
    return true;
  }

  std::string& out_;
  bool print_defaults_;
};

}  // namespace

bool json_writer_covers(const google::protobuf::Descriptor& type) {
  // Every answer asks: a cache per thread needs no lock (a few entries each).
  thread_local std::map<const google::protobuf::Descriptor*, bool> known;
  auto it = known.find(&type);
  if (it == known.end()) {
    std::vector<const google::protobuf::Descriptor*> seen;
    it = known.emplace(&type, covers(type, seen)).first;
  }
  return it->second;
}

bool write_json(const google::protobuf::Message& m, std::string* out, bool print_defaults) {
  if (!json_writer_covers(*m.GetDescriptor())) return false;
  const std::size_t size = out->size();
  if (writer(*out, print_defaults).message(m)) return true;
  out->resize(size);
  return false;
}

}  // namespace caseroute::http
