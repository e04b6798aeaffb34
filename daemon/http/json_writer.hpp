// A direct proto3 JSON writer for the API's messages: the same text
// protobuf's own printer (util::BinaryToJsonString) produces, written by
// walking the message's reflection instead of serializing it and converting
// the bytes through a google.protobuf.Type, which costs several times more.
// It covers what the API's messages use (scalars, enums, strings, bytes,
// nested messages, repeated, maps, oneofs, proto3 optional and
// google.protobuf.Timestamp); a message holding anything else (doubles,
// Struct, Duration, Any, ...) is left to protobuf's printer. A test prints
// random messages of every API type both ways and requires equal text.
#pragma once

#include <google/protobuf/message.h>

#include <string>

namespace caseroute::http {

// Whether write_json can render messages of this type (cached per type).
bool json_writer_covers(const google::protobuf::Descriptor& type);

// Appends `m` as proto3 JSON to `out` (camelCase names, enums by name,
// 64-bit integers as strings); `print_defaults` also prints primitive
// fields at their default value, empty repeated fields and maps, as
// protobuf's always_print_primitive_fields does. False, with `out` as it
// was, when the type is not covered or a string is not valid UTF-8.
bool write_json(const google::protobuf::Message& m, std::string* out, bool print_defaults);

}  // namespace caseroute::http
