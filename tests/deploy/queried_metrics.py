#!/usr/bin/env python3
"""Checks deploy/monitoring against a scrape: the dashboard is valid JSON
with a PromQL expression in every target, and every metric the dashboard
and the alert rules query is a series the scrape holds.

Usage: queried_metrics.py SCRAPE_FILE DASHBOARD_JSON RULES_YAML
Prints each missing name and exits 1; prints the names checked and exits 0.
"""
import json
import re
import sys

# PromQL words that are not metric names.
KEYWORDS = {
    "sum", "max", "min", "avg", "count", "rate", "increase", "irate", "by", "without", "and", "or",
    "unless", "on", "ignoring", "group_left", "group_right", "histogram_quantile", "bool", "offset",
    "label_values", "humanizeDuration", "abs", "absent", "delta", "deriv", "topk", "bottomk",
}
NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


def metric_names(expr):
    # Drop label matchers ({...}), ranges ([...]) and quoted strings first.
    expr = re.sub(r'"[^"]*"', "", expr)
    expr = re.sub(r"\{[^}]*\}", " ", expr)
    expr = re.sub(r"\[[^\]]*\]", " ", expr)
    names = set()
    for m in NAME.finditer(expr):
        word = m.group(0)
        if word in KEYWORDS or word.startswith("$"):
            continue
        # A name is followed by a matcher, a space, an operator or a bracket,
        # never by "(" (that is a function).
        rest = expr[m.end():].lstrip()
        if rest.startswith("("):
            continue
        # Grouping labels inside by (...) / without (...).
        before = expr[: m.start()].rstrip()
        if re.search(r"(by|without|on|ignoring)\s*\([^)]*$", before):
            continue
        if re.fullmatch(r"[0-9.e+-]+", word):
            continue
        names.add(word)
    return names


def dashboard_exprs(path):
    with open(path, encoding="utf-8") as f:
        dash = json.load(f)
    exprs = []
    for panel in dash["panels"]:
        targets = panel.get("targets", [])
        if not targets:
            raise SystemExit(f"panel {panel.get('title')!r} has no targets")
        for t in targets:
            if not t.get("expr"):
                raise SystemExit(f"panel {panel.get('title')!r} has a target without expr")
            exprs.append(t["expr"])
    for var in dash.get("templating", {}).get("list", []):
        q = var.get("query")
        if var.get("type") == "query" and q:
            exprs.append(re.sub(r"label_values\(([^,)]*).*", r"\1", q))
    return exprs


def rule_exprs(path):
    # The rule file is YAML; its expressions are the "expr:" keys (single
    # line or a "|" block), read without a YAML library.
    exprs, block, indent = [], None, None
    for line in open(path, encoding="utf-8"):
        if block is not None:
            stripped = line.strip()
            cur = len(line) - len(line.lstrip())
            if stripped and (indent is None or cur >= indent):
                indent = cur if indent is None else indent
                block.append(stripped)
                continue
            exprs.append(" ".join(block))
            block, indent = None, None
        m = re.match(r"\s*expr:\s*(.*)$", line)
        if m:
            if m.group(1).strip() in ("|", ">"):
                block = []
            else:
                exprs.append(m.group(1).strip())
    if block:
        exprs.append(" ".join(block))
    return exprs


def main():
    scrape_path, dashboard_path, rules_path = sys.argv[1:4]
    present = set()
    for line in open(scrape_path, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        present.add(NAME.match(line).group(0))
    wanted = set()
    for e in dashboard_exprs(dashboard_path) + rule_exprs(rules_path):
        wanted |= metric_names(e)
    # up is Prometheus's own series for every target, not the daemon's.
    wanted.discard("up")
    missing = sorted(wanted - present)
    for name in missing:
        print(f"missing in the scrape: {name}")
    print(f"checked {len(wanted)} metric names: {' '.join(sorted(wanted))}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
