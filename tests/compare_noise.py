#!/usr/bin/env python3
"""compare_noise.py ASPROF FIXTURES OUTDIR - the nightly comparison on real
recordings, in every shape a nightly job uses (tests/compare-noise.sh).

The recordings (tests/rust/nightly, docs/nightly-recordings.md):
  nightly_a1..a8       the same binary, recorded at different times, some
                       under load: any regressed/improved verdict between
                       them is a false alarm (A/A);
  nightly_b130_1..3    kv_get's CPU work x1.3 (A/B, 3 runs against 3);
  nightly_b200_1..2    kv_get's CPU work x2 (A/B, 1 run against 1).

Every comparison is one `ASPROF -q -o DIR --outputs summary --baseline
BASE... -- NEW...` (the README's nightly recipe, default rules), read back
from DIR/summary.json (comparison.rows[]).  Prints one line per shape,
    SHAPE<TAB>FAILED<TAB>TOTAL<TAB>text
for the shell test, and the details of each failed comparison on stderr.
A/A fails a comparison when any row is "regressed" or "improved".  A/B
fails it unless kv_get's row is "regressed", its callers (handle_request,
handle_conn, as a future and as a task) are not "regressed" (when a row
says "via", its `via`, if present, names kv_get) and no other row is
"regressed" or "improved".  An exit status of 2 (an error) fails it too.
"""
import itertools
import json
import os
import subprocess
import sys

A = ["nightly_a%d" % i for i in range(1, 9)]
B130 = ["nightly_b130_%d" % i for i in range(1, 4)]
B200 = ["nightly_b200_%d" % i for i in range(1, 3)]
SLOWED = "nightly::kv_get::{closure#0}"
CALLERS = {"nightly::handle_request::{closure#0}", "nightly::handle_conn::{closure#0}"}
FLAGS = ("regressed", "improved")


def plan():
    """[(shape, base runs, new runs)], deterministic"""
    out = []
    # A/A 1 v 1: every ordered pair (56)
    for b, n in itertools.permutations(A, 2):
        out.append(("aa_1v1", [b], [n]))
    # A/A 3 v 1: for each new run, the three recorded before it (the
    # README's recipe, cyclic) and three triples spread over the others (32)
    for i, n in enumerate(A):
        others = [r for r in A if r != n]
        triples = [tuple(sorted(A[(i - k) % len(A)] for k in (3, 2, 1)))]
        combos = list(itertools.combinations(others, 3))
        k = i
        while len(triples) < 4:
            t = combos[(k * 11) % len(combos)]
            if t not in triples:
                triples.append(t)
            k += 1
        for t in triples:
            out.append(("aa_3v1", list(t), [n]))
    # A/A 3 v 3, disjoint sides: every other triple as the baseline, a
    # triple of the five remaining runs as the new side (28)
    for j, base in enumerate(itertools.combinations(A, 3)):
        if j % 2:
            continue
        rest = [r for r in A if r not in base]
        news = list(itertools.combinations(rest, 3))
        out.append(("aa_3v3", list(base), list(news[(j // 2) % len(news)])))
    # A/B x1.3, 3 v 3: each run of three consecutive A runs (cyclic) (8)
    for i in range(len(A)):
        out.append(("ab_3v3_130", [A[(i + k) % len(A)] for k in range(3)], B130))
    # A/B x2, 1 v 1: every A run against each x2 run (16)
    for b in A:
        for n in B200:
            out.append(("ab_1v1_200", [b], [n]))
    return out


def compare(asprof, fixtures, outdir, idx, base, new):
    d = os.path.join(outdir, "c%03d" % idx)
    cmd = [asprof, "-q", "-j", "2", "-o", d, "--outputs", "summary", "--baseline"]
    cmd += [os.path.join(fixtures, r) for r in base] + ["--"]
    cmd += [os.path.join(fixtures, r) for r in new]
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if p.returncode not in (0, 1):
        return None, "exit %d: %s" % (p.returncode, p.stderr.strip()[:300])
    with open(os.path.join(d, "summary.json")) as f:
        rows = json.load(f)["comparison"]["rows"]
    return rows, None


def row_text(r):
    return "%s%s %s (%s)" % ("task " if r.get("is_task") else "", r["name"], r["verdict"],
                              r.get("reason", ""))


def judge_aa(rows):
    bad = [r for r in rows if r["verdict"] in FLAGS]
    return [row_text(r) for r in bad]


def judge_ab(rows):
    problems = []
    slowed = [r for r in rows if r["name"] == SLOWED and not r.get("is_task")]
    if not slowed or slowed[0]["verdict"] != "regressed":
        problems.append("kv_get not found: " + (row_text(slowed[0]) if slowed else "no row"))
    for r in rows:
        if r["name"] == SLOWED:
            continue
        if r["name"] in CALLERS:
            if r["verdict"] == "regressed":
                problems.append("caller regressed: " + row_text(r))
            elif r["verdict"] == "via" and "via" in r and SLOWED not in json.dumps(r["via"]) \
                    and "kv_get" not in json.dumps(r["via"]):
                problems.append("caller via something else: " + row_text(r) + " via " + json.dumps(r["via"]))
            elif r["verdict"] == "improved":
                problems.append("caller improved: " + row_text(r))
        elif r["verdict"] in FLAGS:
            problems.append("also flagged: " + row_text(r))
    return problems


LABEL = {
    "aa_1v1": "A/A 1v1", "aa_3v1": "A/A 3v1", "aa_3v3": "A/A 3v3",
    "ab_3v3_130": "A/B x1.3 3v3", "ab_1v1_200": "A/B x2 1v1",
}


def main():
    asprof, fixtures, outdir = sys.argv[1:4]
    missing = [r for r in A + B130 + B200 if not os.path.isfile(os.path.join(fixtures, r, "info"))]
    if missing:
        print("missing fixtures: " + " ".join(missing), file=sys.stderr)
        sys.exit(2)
    results = {}
    for idx, (shape, base, new) in enumerate(plan()):
        rows, err = compare(asprof, fixtures, outdir, idx, base, new)
        if err is None:
            problems = judge_aa(rows) if shape.startswith("aa_") else judge_ab(rows)
        else:
            problems = [err]
        results.setdefault(shape, []).append((base, new, problems, rows))
    for shape in LABEL:
        res = results[shape]
        failed = [x for x in res if x[2]]
        if shape.startswith("aa_"):
            reg = sum(1 for x in failed if any(" regressed (" in p for p in x[2]))
            imp = sum(1 for x in failed if any(" improved (" in p for p in x[2]))
            err = sum(1 for x in failed if x[3] is None)
            text = ("%s: %d of %d comparisons with a false regression (%d with a false improvement, "
                    "%d with either)" % (LABEL[shape], reg, len(res), imp, len(failed)))
            if err:
                text += ", %d errors" % err
            rows = {}
            for _, _, problems, _ in failed:
                for p in problems:
                    k = p.split(" (")[0]
                    rows[k] = rows.get(k, 0) + 1
            if rows:
                print("%s: rows flagged (comparisons): %s" % (
                    LABEL[shape], ", ".join("%s %d" % (k, v) for k, v in sorted(rows.items()))), file=sys.stderr)
        else:
            found = sum(1 for x in res if x[3] is not None
                        and not any(p.startswith("kv_get not found") for p in x[2]))
            callers = sum(1 for x in res if any(p.startswith("caller") for p in x[2]))
            others = sum(1 for x in res if any(p.startswith("also flagged") for p in x[2]))
            text = ("%s: kv_get found in %d of %d, a caller reported on its own in %d, "
                    "another row flagged in %d" % (LABEL[shape], found, len(res), callers, others))
        print("%s\t%d\t%d\t%s" % (shape, len(failed), len(res), text))
        for base, new, problems, _ in failed:
            print("%s: %s vs %s:" % (LABEL[shape], " ".join(base), " ".join(new)), file=sys.stderr)
            for p in problems:
                print("    " + p, file=sys.stderr)


if __name__ == "__main__":
    main()
