#!/usr/bin/env python3
# Every answer the end-to-end tests saw fits docs/openapi.yaml: its status is
# one the route documents, its media type one that status documents, and a
# JSON body validates against that schema (JSON Schema 2020-12, Debian's
# python3-jsonschema). The records are JSON lines written by the recorder of
# tests/e2e/e2e_support.cpp under CASEROUTE_E2E_RECORD (one file per test).
# Usage: check_responses.py docs/openapi.yaml <record dir>
import glob
import json
import os
import re
import sys

import jsonschema
import yaml

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def follow(doc, node):
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"only local references are supported: {ref}")
        target = doc
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


# RFC 3339 checks of our own: jsonschema checks date-time only when the
# optional rfc3339-validator is installed, which Debian's package is not.
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
FORMATS = jsonschema.FormatChecker()
FORMATS.checks("date-time")(lambda v: not isinstance(v, str) or bool(RFC3339.match(v)))
FORMATS.checks("date")(lambda v: not isinstance(v, str) or bool(re.match(r"^\d{4}-\d{2}-\d{2}$", v)))


def media_key(content, media):
    """The key of `content` that names `media`: itself, else a range
    (`text/*`, `*/*`, as a static asset documents its many types); None."""
    if media in content:
        return media
    if media and f"{media.split('/', 1)[0]}/*" in content:
        return f"{media.split('/', 1)[0]}/*"
    if media and "*/*" in content:
        return "*/*"
    return None


class contract:
    def __init__(self, doc):
        self.doc = doc
        self.routes = []  # (regex, template, path item)
        for template, item in doc["paths"].items():
            pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
            self.routes.append((re.compile(pattern), template, item))
        self.error_schema = {"$ref": "#/components/schemas/ErrorBody"}

    def validator(self, schema):
        # The schema sees the whole document as its root, so its
        # "#/components/schemas/..." references resolve as in OpenAPI.
        root = dict(schema)
        root["components"] = self.doc["components"]
        root.setdefault("$schema", "https://json-schema.org/draft/2020-12/schema")
        return jsonschema.Draft202012Validator(root, format_checker=FORMATS)

    def operation(self, method, path):
        for regex, template, item in self.routes:
            if regex.match(path):
                op = item.get(method.lower())
                if op is None and method == "HEAD":
                    op = item.get("get")
                return template, op
        return None, None

    def check(self, record):
        """The problems with one recorded answer ([] when it fits)."""
        method, target, status = record["method"], record["target"], record["status"]
        path = target.split("?", 1)[0]
        media = record.get("contentType", "").split(";", 1)[0].strip().lower()
        body = record.get("body")
        where = f"{method} {target} -> {status}"
        template, op = self.operation(method, path)
        if op is None:
            # No route: 404 (no path) or 405 (another method), with an ErrorBody.
            want = 405 if template else 404
            if status != want:
                return [f"{where}: no route answers {want}, not {status}"]
            return self.check_body(where, self.error_schema, media, body)
        where = f"{method} {template} -> {status} ({target})"
        responses = op.get("responses", {})
        response = responses.get(str(status))
        if response is None:
            return [f"{where}: status {status} is not documented for this route"]
        response = follow(self.doc, response)
        content = response.get("content", {})
        if not content or method == "HEAD":
            if record.get("bodyBytes", 0) or body:
                return [f"{where}: a body where the document has none"]
            return []
        key = media_key(content, media)
        if key is None:
            return [f"{where}: media type {media or '(none)'} is not one of {sorted(content)}"]
        schema = content[key].get("schema")
        if schema is None or media != "application/json":
            return []
        return self.check_body(where, schema, media, body)

    def check_body(self, where, schema, media, body):
        if media != "application/json":
            return [] if media == "application/x-protobuf" else [f"{where}: media type {media or '(none)'}"]
        try:
            value = json.loads(body if body is not None else "")
        except json.JSONDecodeError as e:
            return [f"{where}: body is not JSON ({e})"]
        errors = sorted(self.validator(schema).iter_errors(value), key=lambda e: list(e.absolute_path))
        return [f"{where}: {'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message}" for e in errors[:5]]


def load_records(directory):
    records = []
    for name in sorted(glob.glob(os.path.join(directory, "*.jsonl"))):
        with open(name, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if line.strip():
                    record = json.loads(line)
                    record["_from"] = f"{os.path.basename(name)}:{n}"
                    records.append(record)
    return records


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: check_responses.py docs/openapi.yaml <record dir>")
    with open(sys.argv[1], encoding="utf-8") as f:
        c = contract(yaml.safe_load(f))
    records = load_records(sys.argv[2])
    if not records:
        sys.exit(f"no recorded answers in {sys.argv[2]}: did the e2e tests run with CASEROUTE_E2E_RECORD?")
    problems, seen = [], set()
    for record in records:
        template, op = c.operation(record["method"], record["target"].split("?", 1)[0])
        if op is not None:
            seen.add((record["method"], template, record["status"]))
        for p in c.check(record):
            problems.append(f"{record['_from']}: {p}")
    operations = {(m.upper(), t) for t, item in c.doc["paths"].items() for m in METHODS if m in item}
    covered = {(m, t) for m, t, _ in seen}
    print(f"{len(records)} answers checked; {len(covered)} of {len(operations)} operations seen, "
          f"{len(seen)} distinct route+status pairs")
    for m, t in sorted(operations - covered):
        print(f"  not exercised by the e2e tests: {m} {t}")
    if problems:
        unique = sorted(set(p.split(": ", 1)[1] for p in problems))
        print(f"{len(problems)} answers do not fit docs/openapi.yaml ({len(unique)} distinct):")
        for p in unique[:60]:
            print("  " + p)
        sys.exit(1)
    print("every answer fits docs/openapi.yaml")


if __name__ == "__main__":
    main()
