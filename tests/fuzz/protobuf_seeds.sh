#!/usr/bin/env bash
# Regenerates the binary Referral seeds of fuzz_referral_protobuf from the
# text-format messages below (protoc --encode), plus a few near-valid edits.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=tests/fuzz/corpus/fuzz_referral_protobuf
encode() { protoc -I proto --encode=caseroute.v1.Referral caseroute/v1/caseroute.proto > "$out/$1"; }
encode referral_1.bin <<'PB'
referral_id: "ref-1"
received_at { seconds: 1735689540 }
risk: RISK_LOW
concerns: "anxiety"
mode: MODE_PHONE
youth { ref: "y-1" age: 15 }
contact { name: "Test Youth" phone: "13900000000" }
summary: "invented test summary"
PB
encode referral_2.bin <<'PB'
referral_id: "ref-2"
received_at { seconds: 1735689540 nanos: 123000000 }
risk: RISK_CRISIS
concerns: "self_harm"
concerns: "depression"
groups: GROUP_HARDSHIP
mode: MODE_HOME_VISIT
county: "411202"
youth { ref: "y-2" age: 12 gender: "f" }
contact { name: "Test" phone: "13900000001" address: "Test Road 1" }
summary: "invented"
PB
encode referral_3.bin <<'PB'
referral_id: "bad id!"
received_at { seconds: 253402300800 nanos: -1 }
risk: RISK_UNSPECIFIED
concerns: "foo"
concerns: "foo"
groups: GROUP_UNSPECIFIED
mode: MODE_SITE_VISIT
county: "999999"
youth { age: 99 }
PB
head -c 20 "$out/referral_1.bin" > "$out/truncated.bin"
{ cat "$out/referral_1.bin"; printf '\x98\x06\x01'; } > "$out/unknown_field.bin"  # field 99, varint
{ cat "$out/referral_1.bin"; printf '\x18\x4d'; } > "$out/unknown_enum.bin"       # risk = 77
: > "$out/empty.bin"
