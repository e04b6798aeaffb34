// proto3 JSON and binary protobuf bodies. Protobuf's JSON parser reports
// errors as "<path>: <reason>"; we pass the reason on and name the path as
// the field. Input is checked for UTF-8 first so no invalid string reaches a
// message (protobuf would only log it, then fail later when printing).
#include "http/codec.hpp"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/type.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/type_resolver.h>
#include <google/protobuf/util/type_resolver_util.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

#include "http/json_writer.hpp"

namespace caseroute::http {
namespace {

constexpr std::string_view type_url_prefix = "type.googleapis.com";

// Protobuf's JSON functions describe the message to their converter as a
// google.protobuf.Type, rebuilt from the descriptor on every call: most of
// the cost of a small body. This resolver builds each Type once and hands
// out copies; the converter itself, and so the JSON mapping, is unchanged.
class cached_types final : public google::protobuf::util::TypeResolver {
 public:
  using status = google::protobuf::util::Status;

  status ResolveMessageType(const std::string& url, google::protobuf::Type* type) override {
    return resolve(types_, url, type, [&](google::protobuf::Type* t) { return pool_->ResolveMessageType(url, t); });
  }
  status ResolveEnumType(const std::string& url, google::protobuf::Enum* e) override {
    return resolve(enums_, url, e, [&](google::protobuf::Enum* t) { return pool_->ResolveEnumType(url, t); });
  }

 private:
  template <class T, class Build>
  status resolve(std::map<std::string, T, std::less<>>& cache, const std::string& url, T* out, Build build) {
    const std::lock_guard lock(mutex_);
    auto it = cache.find(url);
    if (it == cache.end()) {
      T built;
      if (auto s = build(&built); !s.ok()) return s;
      it = cache.emplace(url, std::move(built)).first;
    }
    out->CopyFrom(it->second);
    return status();
  }

  std::unique_ptr<google::protobuf::util::TypeResolver> pool_{google::protobuf::util::NewTypeResolverForDescriptorPool(
      std::string(type_url_prefix), google::protobuf::DescriptorPool::generated_pool())};
  std::mutex mutex_;
  std::map<std::string, google::protobuf::Type, std::less<>> types_;
  std::map<std::string, google::protobuf::Enum, std::less<>> enums_;
};

cached_types& json_types() {
  static cached_types types;
  return types;
}

std::string type_url(const google::protobuf::Message& m) {
  return std::string(type_url_prefix) + "/" + m.GetDescriptor()->full_name();
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits "type/sub; a=b; c=d" into the lowercased media type and its params.
struct media_range {
  std::string type;
  std::vector<std::pair<std::string, std::string>> params;
};

media_range parse_media(std::string_view s) {
  media_range m;
  auto semi = s.find(';');
  m.type = lower(trim(s.substr(0, semi)));
  while (semi != std::string_view::npos) {
    s.remove_prefix(semi + 1);
    semi = s.find(';');
    auto p = trim(s.substr(0, semi));
    auto eq = p.find('=');
    if (eq == std::string_view::npos) continue;
    auto v = trim(p.substr(eq + 1));
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    m.params.emplace_back(lower(trim(p.substr(0, eq))), lower(v));
  }
  return m;
}

// q value in thousandths; a malformed q counts as 1 (be lenient on Accept).
int quality(const media_range& m) {
  for (const auto& [k, v] : m.params) {
    if (k != "q") continue;
    double q = 1;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), q);
    if (ec != std::errc{} || p != v.data() + v.size() || q < 0 || q > 1) return 1000;
    return static_cast<int>(q * 1000 + 0.5);
  }
  return 1000;
}

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n;
    std::uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else
      return false;
    if (i + n >= s.size()) return false;  // truncated sequence
    for (std::size_t k = 1; k <= n; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n + 1;
  }
  return true;
}

// "referral_id" -> "referralId", "cases[1].youth" unchanged: error paths in
// the names our JSON responses use.
std::string camel(std::string_view path) {
  std::string out;
  bool up = false;
  for (char c : path) {
    if (c == '_') {
      up = true;
      continue;
    }
    out.push_back(up ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c);
    up = false;
  }
  return out;
}

bool plain_path(std::string_view p) {
  return !p.empty() && std::all_of(p.begin(), p.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '[' || c == ']';
  });
}

std::string tidy(std::string_view reason) {
  std::string out(reason.substr(0, reason.find('\n')));
  for (std::string_view noise : {"type.googleapis.com/"})
    for (auto at = out.find(noise); at != std::string::npos; at = out.find(noise)) out.erase(at, noise.size());
  if (out == "Cannot find field.") out = "unknown field";
  return out;
}

// Protobuf 3.21 reports "(path) name: reason" for an unknown field inside a
// message, "(path): reason" for a bad value and "name: reason" for an unknown
// top-level field; syntax errors carry no path.
api_error json_error(std::string_view text) {
  std::string field;
  std::string_view reason = text;
  if (text.starts_with('(')) {
    auto close = text.find(')');
    auto colon = text.find(": ", close == std::string_view::npos ? 0 : close);
    if (close != std::string_view::npos && colon != std::string_view::npos && plain_path(text.substr(1, close - 1))) {
      field = camel(text.substr(1, close - 1));
      auto name = text.substr(close + 1, colon - close - 1);
      while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
      if (!name.empty()) field += "." + std::string(name);
      reason = text.substr(colon + 2);
    }
  } else if (auto colon = text.find(": "); colon != std::string_view::npos && plain_path(text.substr(0, colon))) {
    field = std::string(text.substr(0, colon));
    reason = text.substr(colon + 2);
  } else if (text.starts_with(": ")) {
    return invalid_argument("body must be a JSON object");
  }
  if (field.empty()) return invalid_argument("malformed JSON body: " + tidy(reason));
  return invalid_argument(field + ": " + tidy(reason), field);
}

// Binary protobuf keeps fields the schema does not define; JSON refuses
// them, and so do we: the path of the first one ("youth.7"), "" if none.
std::string unknown_field_path(const google::protobuf::Message& m, const std::string& at) {
  const auto* reflection = m.GetReflection();
  const auto& unknown = reflection->GetUnknownFields(m);
  if (!unknown.empty()) return (at.empty() ? "" : at + ".") + std::to_string(unknown.field(0).number());
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(m, &fields);
  for (const auto* f : fields) {
    if (f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    const std::string path = at.empty() ? f->json_name() : at + "." + f->json_name();
    if (!f->is_repeated()) {
      if (auto found = unknown_field_path(reflection->GetMessage(m, f), path); !found.empty()) return found;
      continue;
    }
    for (int i = 0; i < reflection->FieldSize(m, f); ++i) {
      const auto item = path + "[" + std::to_string(i) + "]";
      if (auto found = unknown_field_path(reflection->GetRepeatedMessage(m, f, i), item); !found.empty()) return found;
    }
  }
  return {};
}

}  // namespace

std::variant<format, api_error> request_format(const request& req) {
  auto ct = req.header("content-type");
  if (trim(ct).empty()) {
    if (req.body.empty()) return format::json;
    return unsupported_media_type("Content-Type is required: application/json or application/x-protobuf");
  }
  auto m = parse_media(ct);
  if (m.type == content_type_protobuf) return format::protobuf;
  if (m.type == content_type_json) {
    for (const auto& [k, v] : m.params)
      if (k == "charset" && v != "utf-8" && v != "utf8")
        return unsupported_media_type("application/json must be UTF-8");
    return format::json;
  }
  return unsupported_media_type("unsupported Content-Type; use application/json or application/x-protobuf");
}

format accept_format(std::string_view accept) {
  int json_q = -1, proto_q = -1;
  while (!accept.empty()) {
    auto comma = accept.find(',');
    auto m = parse_media(accept.substr(0, comma));
    if (m.type == content_type_protobuf)
      proto_q = std::max(proto_q, quality(m));
    else if (m.type == content_type_json)
      json_q = std::max(json_q, quality(m));
    if (comma == std::string_view::npos) break;
    accept.remove_prefix(comma + 1);
  }
  return proto_q > 0 && proto_q >= json_q ? format::protobuf : format::json;
}

format response_format(const request& req) { return accept_format(req.header("accept")); }

std::optional<api_error> decode(const request& req, google::protobuf::Message& out) {
  out.Clear();
  auto f = request_format(req);
  if (auto* e = std::get_if<api_error>(&f)) return *e;
  if (req.body.empty()) return std::nullopt;

  if (std::get<format>(f) == format::protobuf) {
    if (!out.ParseFromString(req.body)) {
      out.Clear();
      return invalid_argument("malformed protobuf body for " + out.GetDescriptor()->name());
    }
    if (auto path = unknown_field_path(out, ""); !path.empty()) {
      out.Clear();
      return invalid_argument(path + ": unknown field (field number not in " + out.GetDescriptor()->name() + ")", path);
    }
    return std::nullopt;
  }
  if (!valid_utf8(req.body)) return invalid_argument("body is not valid UTF-8");
  google::protobuf::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = false;
  std::string binary;
  auto status = google::protobuf::util::JsonToBinaryString(&json_types(), type_url(out), req.body, &binary, opts);
  if (!status.ok()) {
    out.Clear();
    return json_error(status.message().as_string());
  }
  if (!out.ParseFromString(binary)) {
    out.Clear();
    return invalid_argument("malformed JSON body for " + out.GetDescriptor()->name());
  }
  return std::nullopt;
}

bool print_json(const google::protobuf::Message& m, std::string* out, bool print_defaults) {
  // The direct writer prints the same text several times faster; what it
  // does not cover (or a string it refuses) goes through protobuf's printer.
  if (write_json(m, out, print_defaults)) return true;
  google::protobuf::util::JsonPrintOptions opts;
  opts.always_print_primitive_fields = print_defaults;
  opts.preserve_proto_field_names = false;
  opts.always_print_enums_as_ints = false;
  return google::protobuf::util::BinaryToJsonString(&json_types(), type_url(m), m.SerializeAsString(), out, opts).ok();
}

std::string to_json(const google::protobuf::Message& m) {
  std::string out;
  if (!print_json(m, &out, false))
    // Only a string holding invalid UTF-8 fails here: a bug upstream of us.
    throw std::runtime_error("cannot render " + m.GetDescriptor()->name() + " as JSON");
  return out;
}

response encode(format f, const google::protobuf::Message& m, int status) {
  response r;
  r.status = status;
  if (f == format::protobuf) {
    r.content_type = std::string(content_type_protobuf);
    if (!m.SerializeToString(&r.body)) throw std::runtime_error("cannot serialize " + m.GetDescriptor()->name());
  } else {
    r.content_type = std::string(content_type_json);
    r.body = to_json(m);
  }
  return r;
}

response encode(const request& req, const google::protobuf::Message& m, int status) {
  return encode(response_format(req), m, status);
}

}  // namespace caseroute::http
