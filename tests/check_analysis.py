#!/usr/bin/env python3
"""check_analysis.py OUT_DIR EXPECT_TXT FIXTURE... - compare the analysis of
the fixtures (OUT_DIR/runs/<fixture>/summary.json) with their ground truth
(tests/fixtures/expect.txt, written from the programs' sources and checked
against the recordings). Prints TAP lines, one per fact."""
import json
import os
import sys

import precision

expect_path = None

n = 0
failed = 0


def tap(ok, what):
    global n, failed
    n += 1
    if not ok:
        failed += 1
    print(("ok" if ok else "not ok") + f" {n} - {what}")


def load_expect(path):
    exp = {}
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        fixture, key, rest = (line.split(" ", 2) + [""])[:3]
        exp.setdefault(fixture, {}).setdefault(key, []).append(rest)
    return exp


def name_num(v):
    name, num = v.rsplit(" ", 1)
    return name, float(num)


def one(e, key):
    v = e.get(key)
    return v[0] if v else None


def all_of(e, key):
    return list(e.get(key, []))


def check(fixture, s, e):
    futures = {f["name"]: f for f in s["futures"]}
    tasks = s["tasks"]
    by_id = {t["id"]: t for t in tasks}
    args = one(e, "args") == "yes"
    tap(s["run"]["runtime"] == one(e, "runtime"),
        f"{fixture}: runtime {s['run']['runtime']} (expected {one(e, 'runtime')})")
    tap(s["run"]["args_recorded"] == args, f"{fixture}: args_recorded is {s['run']['args_recorded']}")

    # the blocking poll: found, innermost future, right task, thread, duration, culprit
    blocking = [f for f in s["findings"] if f["rule"] == "blocking-poll"]
    bf = one(e, "blocking_future")
    truth = one(e, "blocking_truth")
    if truth:
        # several blocking polls, listed in a truth file: every one found
        # (precision: tests/precision.py, which this reuses)
        sc = precision.score(fixture, s, precision.load_truth(os.path.join(os.path.dirname(expect_path), truth)), False)
        tap(sc is not None and sc["got"] == sc["want"],
            f"{fixture}: every blocking poll of {truth} found ({sc and sc['got']}/{sc and sc['want']})")
    elif bf == "-" or bf is None:
        tap(not blocking, f"{fixture}: no blocking finding (found {[f['future'] for f in blocking]})")
    else:
        tap(len(blocking) == 1 and blocking[0]["future"] == bf,
            f"{fixture}: one blocking finding, on {bf} (found {[f['future'] for f in blocking]})")
        if blocking:
            f = blocking[0]
            ms = float(one(e, "blocking_ms"))
            tap(0.9 * ms <= f["duration_ns"] / 1e6 <= 1.5 * ms,
                f"{fixture}: blocking poll lasts {f['duration_ns'] / 1e6:.1f} ms (slept {ms:g} ms)")
            root = by_id.get(f["task"], {}).get("root")
            # the task's root: the blocking future itself, unless it is
            # awaited inside another task's body (blocking_task)
            want_root = one(e, "blocking_task") or bf
            tap(root == want_root, f"{fixture}: blocking poll is in the task of {want_root} (task {f['task']}: {root})")
            tid = one(e, "blocking_tid")
            tap(str(f["tid"]) == tid, f"{fixture}: blocking poll on thread {f['tid']} (expected {tid})")
            # the culprit: a path "outer → inner", the wrapper the future
            # calls and, where it is visible, the innermost call it was in
            culprit = one(e, "blocking_culprit")
            path = f["culprit"].split(" \u2192 ") if f["culprit"] else [None]
            want_outer = None if culprit == "-" else culprit
            want_inner = [want_outer] + all_of(e, "blocking_culprit_callee")
            tap(path[0] == want_outer and len(path) <= 2 and path[-1] in want_inner,
                f"{fixture}: culprit {f['culprit']} (expected {want_outer}, then one of {want_inner[1:]})")
            want_sev = "error" if ms >= 100 else "warning"
            tap(f["severity"] == want_sev,
                f"{fixture}: severity {f['severity']} (expected {want_sev}: thresholds 10 ms / 100 ms)")

    # a program killed inside a poll: said, and the poll measured to the kill
    sig = one(e, "killed_by_signal")
    run = s["run"]
    if sig:
        want = f"killed by signal {sig} "
        tap((run.get("program_exit") or "").startswith(want),
            f"{fixture}: program_exit {run.get('program_exit')!r} (expected {want}...)")
        n = int(one(e, "unfinished_bodies"))
        tap(run.get("unfinished_polls") == n,
            f"{fixture}: {run.get('unfinished_polls')} unfinished polls (expected {n})")
        if n:
            tap(any(note.startswith("the program ") and "lower bound" in note for note in run["notes"]),
                f"{fixture}: a note says how the program ended inside a poll")
    elif one(e, "exit_code"):
        code = one(e, "exit_code")
        tap(run.get("program_exit") == f"exit status {code}",
            f"{fixture}: program_exit {run.get('program_exit')!r} (expected exit status {code})")
    else:
        tap(run.get("program_exit") in ("exit status 0", None) and run.get("unfinished_polls") == 0,
            f"{fixture}: ended normally ({run.get('program_exit')}, {run.get('unfinished_polls')} unfinished polls)")

    # lints: a task that never yielded; busy self-waking
    ny = [f["future"] for f in s["findings"] if f["rule"] == "never-yielded"]
    want_ny = [name_num(v + " 0")[0] for v in e.get("never_yielded", [])]
    tap(ny == want_ny, f"{fixture}: never-yielded findings {ny} (expected {want_ny})")
    sw = {f["future"]: f["count"] for f in s["findings"] if f["rule"] == "self-wake"}
    want_sw = {name_num(v)[0]: name_num(v)[1] for v in e.get("self_wake", [])}
    tap(set(sw) == set(want_sw), f"{fixture}: self-wake findings {sorted(sw)} (expected {sorted(want_sw)})")
    for name, run in want_sw.items():
        got = sw.get(name, 0)
        tap(0.9 * run <= got <= run, f"{fixture}: {name} self-woke {got} polls in a row (expected {run:g})")

    # the hand-written future's polls are exact
    for v in e.get("handwritten_polls_total", []):
        name, polls = name_num(v)
        got = futures.get(name, {}).get("polls")
        tap(got == polls, f"{fixture}: {name} polled {got} times (expected {polls:g})")
        tap(futures.get(name, {}).get("kind") == "user_future", f"{fixture}: {name} is a user_future")
    # instances need the self pointer or the generic into_future of v0 names;
    # a legacy recording without arguments erases both
    for v in e.get("handwritten_instances", []) if args or one(e, "symbols") != "legacy" else []:
        name, inst = name_num(v)
        got = futures.get(name, {}).get("instances")
        tap(got == inst, f"{fixture}: {name} has {got} instances (expected {inst:g})")

    # instances of every future (v0 names or recorded arguments tell them apart)
    if args or one(e, "symbols") != "legacy":
        key = "instances_with_args" if args else "future"
        for v in e.get(key, []):
            name, inst = name_num(v)
            got = futures.get(name, {}).get("instances")
            tap(got == inst, f"{fixture}: {name} has {got} instances (expected {inst:g})")

    # which argument of a poll is self: arg2 where the source's poll returns
    # a large Poll<T> through a hidden first argument
    for v in e.get("self_arg", []):
        name, k = name_num(v)
        got = futures.get(name, {}).get("self_arg")
        tap(got == k, f"{fixture}: {name} takes self from arg{got} (expected arg{k:g})")

    # every async body's poll count
    for v in e.get("polls", []):
        name, polls = name_num(v)
        got = futures.get(name, {}).get("polls")
        tap(got == polls, f"{fixture}: {name} polled {got} times (expected {polls:g})")
    for v in e.get("combinator_closure", []):
        name, polls = name_num(v)
        f = futures.get(name, {})
        tap(f.get("kind") == "combinator" and f.get("polls") == polls,
            f"{fixture}: {name} is a combinator polled {f.get('polls')} times (expected {polls:g}, kind {f.get('kind')})")
    for v in e.get("plain_closure", []):
        name, _ = name_num(v)
        tap(name not in futures, f"{fixture}: plain closure {name} is not a future")

    # tasks: instances when arguments were recorded, one per type otherwise
    main = [t for t in tasks if t["main"]]
    mf = one(e, "main_future")
    tap(len(main) == 1 and main[0]["root"] == mf,
        f"{fixture}: main task {[t['root'] for t in main]} (expected {mf})")
    spawned = [t for t in tasks if not t["main"]]
    if args:
        for v in e.get("task_instances_with_args", []):
            name, count = name_num(v)
            if name.startswith("tokio::") or name == mf:
                continue  # the runtime's worker loop is not an async task; main is checked above
            got = sum(1 for t in spawned if t["root"] == name)
            tap(got == count, f"{fixture}: {got} task instances of {name} (expected {count:g})")
        want = int(one(e, "spawned_tasks"))
        tap(len(spawned) == want, f"{fixture}: {len(spawned)} spawned tasks (expected {want})")
    else:
        for v in e.get("task", []):
            name, _ = name_num(v)
            if name == mf:
                continue
            got = sum(1 for t in spawned if t["root"] == name)
            tap(got == 1, f"{fixture}: one task for type {name} without arguments (found {got})")
        roots = {name_num(v)[0] for v in e.get("task", [])} - {mf}
        tap(len(spawned) == len(roots), f"{fixture}: {len(spawned)} spawned task types (expected {len(roots)})")
        tap(any("not recorded" in note for note in s["run"]["notes"]),
            f"{fixture}: the summary says tasks are counted per type")


def main():
    global expect_path
    out, expect_path, *fixtures = sys.argv[1:]
    exp = load_expect(expect_path)
    for fixture in fixtures:
        try:
            s = json.load(open(f"{out}/runs/{fixture}/summary.json", encoding="utf-8"))
        except (OSError, ValueError) as e:
            tap(False, f"{fixture}: summary.json: {e}")
            continue
        if s.get("schema") != "asprof-summary/3":
            tap(False, f"{fixture}: schema {s.get('schema')}")
            continue
        check(fixture, s, exp.get(fixture, {}))
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
