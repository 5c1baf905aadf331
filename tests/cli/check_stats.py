#!/usr/bin/env python3
"""Cross-checks a STATS.json written by `fhesynth decrypt --no-dp` against counts computed here
from the plaintext CSV and SCHEMA.json (DESIGN.md section 9), with the standard library only.

usage: check_stats.py INPUT.csv SCHEMA.json STATS.json WAYS

Checks: format, "exact": true, rows, every 1-way and (WAYS >= 2) every 2-way marginal present,
and for every marginal present: shape = domain sizes and every count equal to the true count
(row-major, first column varies slowest). Prints one line; exit 0 when all agree, 1 otherwise,
and 3 when only the 3-way marginals are missing (the caller decides what that means).
"""
import csv
import itertools
import json
import sys


def fail(msg):
    print(msg)
    sys.exit(1)


def index_of(col, raw, line):
    """The domain index of one CSV field under a schema column."""
    if raw == "":
        if not col.get("missing"):
            fail(f"line {line}: empty {col['name']!r} but the schema says missing is false")
        return domain_size(col) - 1
    if col["type"] == "categorical":
        cats = col["categories"]
        if raw not in cats:
            fail(f"line {line}: {raw!r} is not a category of {col['name']!r}")
        return cats.index(raw)
    v = float(raw)
    bins = col["bins"]
    nb = len(bins) - 1
    for i in range(nb):
        if bins[i] <= v < bins[i + 1]:
            return i
    if v == bins[-1]:  # the last bin also takes its upper edge
        return nb - 1
    fail(f"line {line}: {v} is outside the bins of {col['name']!r}")


def domain_size(col):
    base = len(col["categories"]) if col["type"] == "categorical" else len(col["bins"]) - 1
    return base + (1 if col.get("missing") else 0)


def main():
    if len(sys.argv) < 5:
        fail("usage: check_stats.py INPUT.csv SCHEMA.json STATS.json WAYS")
    csv_path, schema_path, stats_path, ways = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    schema = json.load(open(schema_path))
    stats = json.load(open(stats_path))
    cols = schema["columns"]
    names = [c["name"] for c in cols]
    dom = [domain_size(c) for c in cols]

    with open(csv_path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        pos = [header.index(n) for n in names]
        rows = []
        for line, rec in enumerate(reader, start=2):
            if not rec:  # a blank line is no record (the tool skips them too)
                continue
            rows.append(tuple(index_of(cols[j], rec[pos[j]], line) for j in range(len(cols))))

    if stats.get("format") != "fhesynth-stats":
        fail(f"format is {stats.get('format')!r}")
    if stats.get("exact") is not True:
        fail(f"exact is {stats.get('exact')!r}, expected true")
    # an exact (--no-dp) release is the owner's own: its row count is exact
    if stats.get("rows_noisy") != len(rows):
        fail(f"rows_noisy is {stats.get('rows_noisy')}, the CSV has {len(rows)}")

    seen = set()
    checked = 0
    for m in stats["marginals"]:
        mc = m["columns"]
        idx = [names.index(c) for c in mc]
        key = tuple(idx)
        seen.add(key)
        shape = [dom[i] for i in idx]
        if m["shape"] != shape:
            fail(f"{mc}: shape {m['shape']}, expected {shape}")
        if m.get("sigma") != 0:
            fail(f"{mc}: sigma {m.get('sigma')}, expected 0")
        size = 1
        for s in shape:
            size *= s
        want = [0] * size
        for r in rows:
            k = 0
            for i in idx:  # row-major: the first column varies slowest
                k = k * dom[i] + r[i]
            want[k] += 1
        got = m["counts"]
        if got != want:
            bad = next(i for i in range(size) if i >= len(got) or got[i] != want[i])
            fail(f"{mc}: cell {bad} is {got[bad] if bad < len(got) else 'missing'}, the CSV gives {want[bad]}")
        checked += 1

    n = len(cols)
    for w in range(1, min(ways, 2) + 1):
        for combo in itertools.combinations(range(n), w):
            if combo not in seen:
                fail(f"marginal {[names[i] for i in combo]} is missing")
    missing3 = []
    if ways >= 3:
        missing3 = [c for c in itertools.combinations(range(n), 3) if c not in seen]
    cells = sum(len(m["counts"]) for m in stats["marginals"])
    if missing3:
        print(f"{checked} marginals ({cells} cells) match the CSV, but no 3-way marginal is in STATS.json")
        sys.exit(3)
    print(f"{checked} marginals ({cells} cells) match the CSV")


if __name__ == "__main__":
    main()
