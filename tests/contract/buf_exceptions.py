#!/usr/bin/env python3
# The exceptions of buf.yaml (lint.ignore_only) are exactly what buf reports
# without them: none is stale, and buf does find what they excuse, so the
# `buf lint` test is not passing on a rule that never runs. Each must carry
# its reason as a comment in buf.yaml.
# Usage: buf_exceptions.py <buf binary> <repository root>
import json
import os
import subprocess
import sys

import yaml


def main():
    buf, root = sys.argv[1], sys.argv[2]
    with open(os.path.join(root, "buf.yaml"), encoding="utf-8") as f:
        text = f.read()
    config = yaml.safe_load(text)
    excused = {(rule, path) for rule, paths in config["lint"].get("ignore_only", {}).items() for path in paths}
    bare = dict(config)
    bare["lint"] = {k: v for k, v in config["lint"].items() if k not in ("ignore_only", "ignore")}
    r = subprocess.run([buf, "lint", "--error-format=json", "--config", json.dumps(bare)], cwd=root,
                       capture_output=True, text=True)
    found = set()
    for line in r.stdout.splitlines():
        if line.strip():
            problem = json.loads(line)
            found.add((problem["type"], problem["path"]))
    if r.returncode not in (0, 100) or (r.returncode == 100) != bool(found):
        sys.exit(f"buf lint failed to run (exit {r.returncode}):\n{r.stdout}{r.stderr}")
    problems = []
    for rule, path in sorted(found - excused):
        problems.append(f"{rule} in {path} is reported and not excused (buf lint fails on it)")
    for rule, path in sorted(excused - found):
        problems.append(f"the exception {rule} for {path} excuses nothing: remove it from buf.yaml")
    for rule, _ in sorted(excused):
        # The reason: a comment in the lines right above the rule's key.
        lines = text.splitlines()
        at = next(i for i, l in enumerate(lines) if l.strip().startswith(rule + ":"))
        if not lines[at - 1].strip().startswith("#"):
            problems.append(f"the exception {rule} in buf.yaml has no comment saying why")
    if problems:
        sys.exit("\n".join(problems))
    print(f"buf.yaml: {len(excused)} exception(s), each needed and explained: "
          + ", ".join(f"{rule} ({path})" for rule, path in sorted(excused)))


if __name__ == "__main__":
    main()
