#!/usr/bin/env python3
# docs/openapi.yaml is valid OpenAPI 3.1, by @seriousme/openapi-schema-validator
# (npm, installed into the build tree by tests/contract/npm-install.sh); and
# the validator is live: a copy with a response missing its required
# description must be refused.
# Usage: openapi_valid.py <node_modules dir> <docs/openapi.yaml>
import json
import os
import subprocess
import sys
import tempfile

import yaml


def validate(validator, path):
    r = subprocess.run(["node", validator, path], capture_output=True, text=True)
    try:
        verdict = json.loads(r.stdout)
    except json.JSONDecodeError:
        sys.exit(f"the validator printed no verdict (exit {r.returncode}):\n{r.stdout}{r.stderr}")
    return r.returncode, verdict


def main():
    modules, document = sys.argv[1], sys.argv[2]
    validator = os.path.join(modules, "@seriousme", "openapi-schema-validator", "bin", "validate-api-cli.js")
    if not os.path.exists(validator):
        sys.exit(f"{validator} is missing: run tests/contract/npm-install.sh <build dir> (deploy/dev-test.sh does)")

    code, verdict = validate(validator, document)
    if code != 0 or verdict.get("valid") is not True:
        print(json.dumps(verdict, indent=2))
        sys.exit(f"{document} is not valid OpenAPI 3.1")
    print(f"{document}: valid OpenAPI 3.1")

    with open(document, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    del doc["paths"]["/healthz"]["get"]["responses"]["200"]  # a $ref: replace it by one without description
    doc["paths"]["/healthz"]["get"]["responses"]["200"] = {"content": {"application/json": {"schema": {}}}}
    with tempfile.TemporaryDirectory() as tmp:
        broken = os.path.join(tmp, "broken.json")
        with open(broken, "w", encoding="utf-8") as f:
            json.dump(doc, f)
        code, verdict = validate(validator, broken)
    if code == 0 or verdict.get("valid") is not False:
        sys.exit("the validator accepted a response without description: it checks nothing")
    print("a broken copy is refused, as it must be")


if __name__ == "__main__":
    main()
