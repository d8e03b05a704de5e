#!/usr/bin/env python3
"""precision.py [options] OUT... - precision and recall of the blocking-poll
findings of asprof-batch runs against a ground-truth file.

OUT is an asprof-batch output folder (its summary.json lists every run), a
run's folder (OUT/runs/NAME, a summary.json of one run) or a summary.json.
The truth file (default tests/fixtures/loaded.truth; its header explains the
columns) lists, per run name, the futures that really block, how many of
their polls, their kind and a culprit pattern.  Runs the truth file says
nothing about are left out.

A blocking-poll finding is a true positive when its future matches a truth
entry of its run, up to the entry's number of polls; a false positive
otherwise (another future, or more findings of the future than it has
blocking polls: a poll of it made long by preemption).  Recall counts, per
entry, the expected polls found (at most the expected number).  A finding stands for
`count` polls when it has that field (1 otherwise): summary.json's
`findings` hold one finding per poll.  Of the true positives it also counts
the culprits that match the entry's pattern (`-`: the finding says the
future blocked in its own code: culprit_self, or a culprit that is the
future or says "own code") and, when the findings say what the poll was
doing (`doing`, or an on-CPU/blocked split), the kinds that match; `n/a`
when they do not.

Prints one line per run and a total:
  loaded_mcount: precision 0.80 (12/15), recall 1.00 (12/12), culprits 12/12, kinds n/a
With -v, the false positives and missed entries too.  --min-precision P /
--min-recall R: exit 1 when the total is below.  Exit 2 on bad input.
"""
import argparse
import fnmatch
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def load_truth(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            cols = line.split()
            if len(cols) != 5 or cols[2] not in ("blocked", "cpu") or not cols[3].isdigit():
                raise ValueError(f"{path}:{n}: want `run future blocked|cpu polls culprit`")
            rows.append({"run": cols[0], "future": cols[1], "kind": cols[2],
                         "polls": int(cols[3]), "culprit": cols[4]})
    return rows


def runs_of(path):
    """[(name, summary of one run)] of an output folder, run folder or file"""
    f = os.path.join(path, "summary.json") if os.path.isdir(path) else path
    with open(f, encoding="utf-8") as fh:
        s = json.load(fh)
    runs = s.get("runs") if isinstance(s.get("runs"), list) else [s]
    out = []
    for r in runs:
        run = r.get("run") or {}
        name = run.get("name") or os.path.basename(run.get("path", "") or os.path.dirname(os.path.abspath(f)))
        out.append((name, r))
    return out


def match(pat, s):
    return s is not None and fnmatch.fnmatchcase(s.lower(), pat.lower())


def culprit_ok(pat, finding):
    c = finding.get("culprit")
    if pat == "-":   # blocked in the future's own code, and the finding says so
        return (finding.get("culprit_self") is True or c == finding.get("future")
                or "own code" in (c or "").lower())
    return match(pat, c)


def kind_of(finding):
    """blocked / cpu from what the finding says the poll was doing (`doing`:
    "blocked", "on CPU") or from its time split (oncpu_ns / on_cpu_ns and
    blocked_ns, in the finding or its `split`); None when it says neither"""
    d = finding.get("doing")
    if isinstance(d, str) and d.lower() in ("blocked", "on cpu", "cpu"):
        return "blocked" if d.lower() == "blocked" else "cpu"
    sp = finding.get("split") if isinstance(finding.get("split"), dict) else finding
    cpu = sp.get("oncpu_ns", sp.get("on_cpu_ns"))
    blk = sp.get("blocked_ns")
    if not isinstance(cpu, (int, float)) or not isinstance(blk, (int, float)):
        return None
    return "blocked" if blk > cpu else "cpu"


def score(name, summary, truth, verbose):
    rows = [t for t in truth if fnmatch.fnmatchcase(name, t["run"])]
    if not rows:
        return None
    found = [0] * len(rows)
    good = [0] * len(rows)     # of them, with the right culprit
    kinds = [0] * len(rows)    # with the right kind
    known = [0] * len(rows)    # saying their kind
    fp = 0
    for f in summary.get("findings") or []:
        if f.get("rule") != "blocking-poll":
            continue
        w = f.get("count") if isinstance(f.get("count"), int) and f.get("count") > 0 else 1
        i = next((i for i, t in enumerate(rows) if match(t["future"], f.get("future"))), None)
        if i is None:
            fp += w
            if verbose:
                print(f"  {name}: false positive {f.get('future')} {f.get('duration_ns', 0) / 1e6:.1f} ms"
                      f" culprit {f.get('culprit')}")
            continue
        found[i] += w
        good[i] += w if culprit_ok(rows[i]["culprit"], f) else 0
        k = kind_of(f)
        if k is not None:
            known[i] += w
            kinds[i] += w if k == rows[i]["kind"] else 0
    # a future's findings beyond its blocking polls are false positives too
    # (a poll of it that did not block, made long by preemption)
    tp = 0
    for i, t in enumerate(rows):
        n = min(found[i], t["polls"])
        tp += n
        fp += found[i] - n
        good[i], kinds[i], known[i] = min(good[i], n), min(kinds[i], n), min(known[i], n)
        if verbose and found[i] > t["polls"]:
            print(f"  {name}: {found[i] - n} findings of {t['future']} beyond its {t['polls']} blocking polls")
    want = sum(t["polls"] for t in rows)
    got = tp
    culprits, kinds_ok, kinds_known = sum(good), sum(kinds), sum(known)
    if verbose:
        for n, t in zip(found, rows):
            if n < t["polls"]:
                print(f"  {name}: missed {t['polls'] - n} of {t['polls']} polls of {t['future']}")
    return {"tp": tp, "fp": fp, "want": want, "got": got, "culprits": culprits,
            "kinds": kinds_ok, "kinds_known": kinds_known}


def line(name, s):
    p = s["tp"] / (s["tp"] + s["fp"]) if s["tp"] + s["fp"] else 1.0
    r = s["got"] / s["want"] if s["want"] else 1.0
    k = f"{s['kinds']}/{s['kinds_known']}" if s["kinds_known"] else "n/a"
    print(f"{name}: precision {p:.2f} ({s['tp']}/{s['tp'] + s['fp']}), recall {r:.2f} ({s['got']}/{s['want']}),"
          f" culprits {s['culprits']}/{s['tp']}, kinds {k}")
    return p, r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", nargs="+", help="asprof-batch output folder, run folder or summary.json")
    ap.add_argument("-t", "--truth", default=os.path.join(HERE, "fixtures", "loaded.truth"))
    ap.add_argument("--min-precision", type=float)
    ap.add_argument("--min-recall", type=float)
    ap.add_argument("--strict", action="store_true",
                    help="also fail unless every true positive has the right culprit and kind")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    try:
        truth = load_truth(a.truth)
        runs = [r for o in a.out for r in runs_of(o)]
    except (OSError, ValueError) as e:
        print(f"precision.py: {e}", file=sys.stderr)
        return 2
    total = None
    for name, summary in runs:
        s = score(name, summary, truth, a.verbose)
        if s is None:
            continue
        line(name, s)
        total = s if total is None else {k: total[k] + s[k] for k in total}
    if total is None:
        print("precision.py: no run the truth file knows", file=sys.stderr)
        return 2
    p, r = line("total", total)
    if (a.min_precision is not None and p < a.min_precision) or (a.min_recall is not None and r < a.min_recall):
        return 1
    if a.strict and not (total["culprits"] == total["tp"] == total["kinds"]):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
