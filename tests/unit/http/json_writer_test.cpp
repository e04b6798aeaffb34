// The direct JSON writer against protobuf's own printer: random messages of
// every API message type, printed both ways, must read the same (byte for
// byte where the text has one order; maps may list their entries in another
// order, so those are compared as JSON values), with and without defaults.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/message.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <boost/json/src.hpp>  // header-only Boost.JSON, this test only

#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "caseroute/v1/audit.pb.h"
#include "caseroute/v1/caseroute.pb.h"
#include "caseroute/v1/console.pb.h"
#include "caseroute/v1/duty.pb.h"
#include "caseroute/v1/reports.pb.h"
#include "http/codec.hpp"
#include "http/json_writer.hpp"

namespace pb = google::protobuf;
using caseroute::http::json_writer_covers;
using caseroute::http::write_json;

namespace {

std::string protobuf_json(const pb::Message& m, bool print_defaults) {
  pb::util::JsonPrintOptions opts;
  opts.always_print_primitive_fields = print_defaults;
  std::string out;
  EXPECT_TRUE(pb::util::MessageToJsonString(m, &out, opts).ok());
  return out;
}

std::string utf8(std::uint32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    s += static_cast<char>(0xE0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (cp >> 18));
    s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return s;
}

class random_messages {
 public:
  explicit random_messages(unsigned seed) : rng_(seed) {}

  void fill(pb::Message& m, int depth = 0) {
    const pb::Descriptor& d = *m.GetDescriptor();
    const pb::Reflection& r = *m.GetReflection();
    if (d.full_name() == "google.protobuf.Timestamp") {
      // 0001-01-01 .. 9999-12-31, nanos at every precision protobuf picks.
      r.SetInt64(&m, d.FindFieldByNumber(1), pick(-62135596800LL, 253402300799LL));
      const std::int32_t nanos[] = {0, 5000000, 123000, 7, 999999999, static_cast<std::int32_t>(pick(0, 999999999))};
      r.SetInt32(&m, d.FindFieldByNumber(2), nanos[pick(0, 5)]);
      return;
    }
    for (int i = 0; i < d.field_count(); ++i) {
      const pb::FieldDescriptor& f = *d.field(i);
      if (f.containing_oneof() != nullptr && pick(0, 2) != 0) continue;
      if (pick(0, 3) == 0) continue;  // leave some unset
      if (f.is_repeated()) {
        const int n = static_cast<int>(pick(0, 3));
        for (int k = 0; k < n; ++k) add(m, r, f, depth);
      } else {
        set(m, r, f, depth);
      }
    }
  }

  std::string text() {
    static const std::vector<std::uint32_t> alphabet = {
        'a',    'Z',    '0',    ' ',    '"',    '\\',   '/',     '<',     '>',     '&',     '\'',
        '\b',   '\f',   '\n',   '\r',   '\t',   0x01,   0x0B,    0x1F,    0x7F,    0x80,    0x9F,
        0xA0,   0xAD,   0xE9,   0x600,  0x6DD,  0x4E2D, 0x6587,  0x3002,  0xFF0C,  0x200B,  0x2028,
        0x2029, 0x202E, 0x2060, 0xFEFF, 0xFFFB, 0xFFFD, 0x1F600, 0x1D173, 0xE0001, 0xE007F, 0x10FFFF};
    std::string s;
    const auto n = pick(0, 12);
    for (std::int64_t i = 0; i < n; ++i) s += utf8(alphabet[static_cast<std::size_t>(pick(0, alphabet.size() - 1))]);
    return s;
  }

 private:
  std::int64_t pick(std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_);
  }

  template <class Int>
  Int integer() {
    const Int edges[] = {0, 1, static_cast<Int>(-1), std::numeric_limits<Int>::min(), std::numeric_limits<Int>::max()};
    if (pick(0, 2) == 0) return edges[pick(0, 4)];
    return static_cast<Int>(std::uniform_int_distribution<std::int64_t>(
        std::max<std::int64_t>(std::numeric_limits<Int>::min(), -1000000000000LL),
        static_cast<std::int64_t>(std::min<std::uint64_t>(std::numeric_limits<Int>::max(), 1000000000000ULL)))(rng_));
  }

  int enum_number(const pb::FieldDescriptor& f) {
    if (pick(0, 9) == 0) return static_cast<int>(pick(50, 60));  // unknown to the schema
    return f.enum_type()->value(static_cast<int>(pick(0, f.enum_type()->value_count() - 1)))->number();
  }

  void set(pb::Message& m, const pb::Reflection& r, const pb::FieldDescriptor& f, int depth) {
    switch (f.cpp_type()) {
      case pb::FieldDescriptor::CPPTYPE_INT32:
        r.SetInt32(&m, &f, integer<std::int32_t>());
        break;
      case pb::FieldDescriptor::CPPTYPE_UINT32:
        r.SetUInt32(&m, &f, integer<std::uint32_t>());
        break;
      case pb::FieldDescriptor::CPPTYPE_INT64:
        r.SetInt64(&m, &f, integer<std::int64_t>());
        break;
      case pb::FieldDescriptor::CPPTYPE_UINT64:
        r.SetUInt64(&m, &f, integer<std::uint64_t>());
        break;
      case pb::FieldDescriptor::CPPTYPE_BOOL:
        r.SetBool(&m, &f, pick(0, 1) == 1);
        break;
      case pb::FieldDescriptor::CPPTYPE_ENUM:
        r.SetEnumValue(&m, &f, enum_number(f));
        break;
      case pb::FieldDescriptor::CPPTYPE_STRING:
        r.SetString(&m, &f, bytes_or_text(f));
        break;
      case pb::FieldDescriptor::CPPTYPE_MESSAGE:
        if (depth < 4) fill(*r.MutableMessage(&m, &f), depth + 1);
        break;
      case pb::FieldDescriptor::CPPTYPE_DOUBLE:
        r.SetDouble(&m, &f, static_cast<double>(pick(0, 1000)) / 4);
        break;
      case pb::FieldDescriptor::CPPTYPE_FLOAT:
        r.SetFloat(&m, &f, static_cast<float>(pick(0, 1000)) / 4);
        break;
    }
  }

  void add(pb::Message& m, const pb::Reflection& r, const pb::FieldDescriptor& f, int depth) {
    switch (f.cpp_type()) {
      case pb::FieldDescriptor::CPPTYPE_INT32:
        r.AddInt32(&m, &f, integer<std::int32_t>());
        break;
      case pb::FieldDescriptor::CPPTYPE_UINT32:
        r.AddUInt32(&m, &f, integer<std::uint32_t>());
        break;
      case pb::FieldDescriptor::CPPTYPE_INT64:
        r.AddInt64(&m, &f, integer<std::int64_t>());
        break;
      case pb::FieldDescriptor::CPPTYPE_UINT64:
        r.AddUInt64(&m, &f, integer<std::uint64_t>());
        break;
      case pb::FieldDescriptor::CPPTYPE_BOOL:
        r.AddBool(&m, &f, pick(0, 1) == 1);
        break;
      case pb::FieldDescriptor::CPPTYPE_ENUM:
        r.AddEnumValue(&m, &f, enum_number(f));
        break;
      case pb::FieldDescriptor::CPPTYPE_STRING:
        r.AddString(&m, &f, bytes_or_text(f));
        break;
      case pb::FieldDescriptor::CPPTYPE_MESSAGE:
        if (depth < 4) fill(*r.AddMessage(&m, &f), depth + 1);
        break;
      case pb::FieldDescriptor::CPPTYPE_DOUBLE:
        r.AddDouble(&m, &f, static_cast<double>(pick(0, 1000)) / 4);
        break;
      case pb::FieldDescriptor::CPPTYPE_FLOAT:
        r.AddFloat(&m, &f, static_cast<float>(pick(0, 1000)) / 4);
        break;
    }
  }

  std::string bytes_or_text(const pb::FieldDescriptor& f) {
    if (f.type() != pb::FieldDescriptor::TYPE_BYTES) return text();
    std::string b;
    const auto n = pick(0, 7);
    for (std::int64_t i = 0; i < n; ++i) b.push_back(static_cast<char>(pick(0, 255)));
    return b;
  }

  std::mt19937_64 rng_;
};

// Every message type of the API's files, nested ones included.
std::vector<const pb::Descriptor*> api_types() {
  std::vector<const pb::Descriptor*> out;
  auto walk = [&](auto& self, const pb::Descriptor* d) -> void {
    if (d->options().map_entry()) return;
    out.push_back(d);
    for (int i = 0; i < d->nested_type_count(); ++i) self(self, d->nested_type(i));
  };
  for (const pb::FileDescriptor* file :
       {caseroute::v1::Case::descriptor()->file(), caseroute::v1::AccessEvent::descriptor()->file(),
        caseroute::v1::SessionRequest::descriptor()->file(), caseroute::v1::DutyException::descriptor()->file(),
        caseroute::v1::ReportRow::descriptor()->file()}) {
    for (int i = 0; i < file->message_type_count(); ++i) walk(walk, file->message_type(i));
  }
  return out;
}

bool has_map_with_several_entries(const pb::Message& m) {
  const pb::Reflection& r = *m.GetReflection();
  std::vector<const pb::FieldDescriptor*> fields;
  r.ListFields(m, &fields);
  for (const auto* f : fields) {
    if (f->is_map() && r.FieldSize(m, f) > 1) return true;
    if (f->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (!f->is_repeated()) {
      if (has_map_with_several_entries(r.GetMessage(m, f))) return true;
      continue;
    }
    for (int i = 0; i < r.FieldSize(m, f); ++i)
      if (has_map_with_several_entries(r.GetRepeatedMessage(m, f, i))) return true;
  }
  return false;
}

TEST(json_writer, prints_what_protobuf_prints_for_every_api_message) {
  random_messages gen(20261205);
  int compared = 0;
  for (const pb::Descriptor* type : api_types()) {
    if (!json_writer_covers(*type)) continue;
    std::unique_ptr<pb::Message> m(pb::MessageFactory::generated_factory()->GetPrototype(type)->New());
    for (int round = 0; round < 60; ++round) {
      m->Clear();
      if (round > 0) gen.fill(*m);
      for (bool defaults : {false, true}) {
        const std::string expected = protobuf_json(*m, defaults);
        std::string got;
        ASSERT_TRUE(write_json(*m, &got, defaults)) << type->full_name();
        if (has_map_with_several_entries(*m)) {
          EXPECT_EQ(boost::json::parse(got), boost::json::parse(expected)) << type->full_name();
        } else {
          EXPECT_EQ(got, expected) << type->full_name() << " defaults=" << defaults;
        }
        ++compared;
      }
    }
  }
  EXPECT_GT(compared, 1000);
}

TEST(json_writer, covers_the_messages_of_the_hot_paths) {
  for (const pb::Descriptor* type :
       {caseroute::v1::Case::descriptor(), caseroute::v1::OfferList::descriptor(), caseroute::v1::Event::descriptor(),
        caseroute::v1::ErrorBody::descriptor(), caseroute::v1::ReferralAccepted::descriptor()}) {
    EXPECT_TRUE(json_writer_covers(*type)) << type->full_name();
  }
}

TEST(json_writer, leaves_what_it_does_not_cover_to_protobuf) {
  // Doubles and most well-known types: protobuf's printer, through print_json.
  EXPECT_FALSE(json_writer_covers(*pb::Value::descriptor()));
  std::string out;
  EXPECT_FALSE(write_json(pb::Value(), &out, false));
  EXPECT_TRUE(out.empty());
}

TEST(json_writer, refuses_invalid_utf8_and_leaves_the_output_as_it_was) {
  caseroute::v1::ErrorBody body;
  body.mutable_error()->set_message(std::string("bad \xC3\x28 byte"));
  std::string out = "kept";
  EXPECT_FALSE(write_json(body, &out, false));
  EXPECT_EQ(out, "kept");
}

TEST(json_writer, escapes_every_code_point_as_protobuf_does) {
  // All of Unicode, a few thousand code points per string.
  caseroute::v1::ErrorBody body;
  std::string text;
  for (std::uint32_t cp = 1; cp <= 0x10FFFF; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    text += utf8(cp);
    if (cp % 4096 != 0 && cp != 0x10FFFF) continue;
    body.mutable_error()->set_message(text);
    std::string got;
    ASSERT_TRUE(write_json(body, &got, false));
    ASSERT_EQ(got, protobuf_json(body, false)) << "code points up to U+" << std::hex << cp;
    text.clear();
  }
}

}  // namespace
