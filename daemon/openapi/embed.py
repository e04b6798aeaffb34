#!/usr/bin/env python3
# Build step: docs/openapi.yaml -> a C++ source holding the document as
# compact JSON and its SHA-256 (the strong ETag of GET /v1/openapi.json).
# Needs only python3 and PyYAML (Debian: python3-yaml); no network.
import hashlib
import json
import sys

try:
    import yaml
except ImportError:
    sys.exit("embed.py: PyYAML is missing (Debian: apt-get install python3-yaml; deploy/install-deps.sh)")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: embed.py docs/openapi.yaml out.cpp")
    source, target = sys.argv[1], sys.argv[2]
    with open(source, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    if not isinstance(doc, dict) or not str(doc.get("openapi", "")).startswith("3.1"):
        sys.exit(f"embed.py: {source} is not an OpenAPI 3.1 document")
    text = json.dumps(doc, separators=(",", ":"), ensure_ascii=True)
    digest = hashlib.sha256(text.encode()).hexdigest()
    # Chunks of plain string literals: no raw-string delimiter to collide
    # with, and well below any compiler's literal limit.
    chunks = [json.dumps(text[i:i + 2000]) for i in range(0, len(text), 2000)]
    body = "\n    ".join(chunks)
    out = f"""// Generated from docs/openapi.yaml by daemon/openapi/embed.py; do not edit.
#include "openapi/openapi.hpp"

namespace caseroute::openapi {{

namespace {{
constexpr char text[] =
    {body};
}}  // namespace

std::string_view json() {{ return {{text, sizeof text - 1}}; }}
std::string_view sha256() {{ return "{digest}"; }}

}}  // namespace caseroute::openapi
"""
    with open(target, "w", encoding="utf-8") as f:
        f.write(out)


if __name__ == "__main__":
    main()
