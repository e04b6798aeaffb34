#!/usr/bin/env python3
"""Validates YAML config files against config/caseroute.schema.json.

Usage: config_schema.py SCHEMA FILE...   Prints each problem; exits 1 on any.
"""
import json
import sys

import jsonschema
import yaml


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    bad = 0
    for path in sys.argv[2:]:
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
        for err in sorted(validator.iter_errors(doc), key=lambda e: list(e.path)):
            bad += 1
            print(f"{path}: {'.'.join(str(p) for p in err.path) or '(top)'}: {err.message}")
        print(f"{path}: checked")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
