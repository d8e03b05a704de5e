#!/usr/bin/env python3
"""xlsx_check.py REPORT.xlsx SUMMARY.json - read report.xlsx back with
openpyxl and check it against the batch summary.json (schema asprof-batch/1):
sheet order, frozen header rows and autofilters, runs, futures and tasks (own
time and its split too), findings (grouped, and every poll's) and the
comparison. Keys missing from summary.json are not checked; values that
are there must match. Prints one line per mismatch and exits 1, else "ok".
Exit 77 when openpyxl is missing."""
import json
import sys

try:
    import openpyxl
    from openpyxl.utils.cell import coordinate_from_string
except ImportError:
    print("openpyxl is not installed (apt-get install python3-openpyxl)")
    sys.exit(77)

SHEETS = ["Summary", "Runs", "Futures", "Tasks", "Findings", "Finding polls", "Comparison"]
NO_COMPARISON = "no comparison"

problems = []


def bad(msg):
    problems.append(msg)
    print(msg)


def close(cell, ns, scale, what):
    """cell holds ns / scale; equal to ns within the rounding of a double"""
    if ns is None:
        return
    if cell is None or cell == "":
        if ns != 0:
            bad(f"{what}: empty, expected {ns} ns")
        return
    if not isinstance(cell, (int, float)):
        bad(f"{what}: {cell!r} is not a number")
        return
    got = cell * scale
    if abs(got - ns) > max(0.5, abs(ns) * 1e-9):
        bad(f"{what}: {cell} ({got:.1f} ns), expected {ns} ns")


def same(got, want, what):
    if want is None:
        return
    if got is None and want in ("", 0):
        return
    if isinstance(want, bool):
        want = "yes" if want else "no"
    if isinstance(want, (int, float)) and isinstance(got, (int, float)):
        if abs(got - want) > 1e-9 * max(1, abs(want)):
            bad(f"{what}: {got!r}, expected {want!r}")
        return
    if got != want:
        bad(f"{what}: {got!r}, expected {want!r}")


def same_fields(row, obj, what, pairs):
    """row's column COL holds obj's KEY, for each (COL, KEY)"""
    for col, key in pairs:
        same(row.get(col), obj.get(key), f"{what}: {key}")


def table(ws, header_row):
    """the rows under header_row (1-based) up to the first empty row, as
    dicts by header text"""
    header = [c.value for c in ws[header_row]]
    rows = []
    for r in ws.iter_rows(min_row=header_row + 1, values_only=True):
        if all(v is None or v == "" for v in r):
            break
        rows.append({h: v for h, v in zip(header, r) if h})
    return header, rows


def check_table_sheet(ws, header_row, need):
    header = [c.value for c in ws[header_row]]
    for h in need:
        if h not in header:
            bad(f"{ws.title}: no column {h!r} in row {header_row} ({header})")
    fp = ws.freeze_panes
    if not fp:
        bad(f"{ws.title}: header row not frozen")
    else:
        col, row = coordinate_from_string(fp)
        if row != header_row + 1:
            bad(f"{ws.title}: frozen at {fp}, expected row {header_row + 1}")
    ref = ws.auto_filter.ref
    if not ref:
        bad(f"{ws.title}: no autofilter")
    else:
        col, row = coordinate_from_string(ref.split(":")[0])
        if row != header_row:
            bad(f"{ws.title}: autofilter {ref} does not start at the header row {header_row}")


def label_values(ws):
    """column A label -> column B value, for the Summary's key/value rows"""
    out = {}
    for r in ws.iter_rows(min_row=1, max_col=2, values_only=True):
        if isinstance(r[0], str) and r[0] not in out:
            out[r[0]] = r[1]
    return out


def check_summary(ws, s):
    kv = label_values(ws)
    runs, skipped = s.get("runs"), s.get("skipped")
    if runs is not None:
        same(kv.get("Runs analysed"), len(runs), "Summary: runs analysed")
    if skipped is not None:
        same(kv.get("Runs skipped"), len(skipped), "Summary: runs skipped")
    if "status" in s:
        same(kv.get("Exit status"), s["status"], "Summary: exit status")
    if s.get("status_reason"):
        same(kv.get("Reason"), s["status_reason"], "Summary: reason")
    cmp = s.get("comparison")
    if cmp and "counts" in cmp:
        # the verdict table: "Verdict" | "Futures", one row per verdict
        seen = {}
        in_table = False
        for r in ws.iter_rows(min_row=1, max_col=2, values_only=True):
            if r[0] == "Verdict" and r[1] == "Futures":
                in_table = True
                continue
            if in_table:
                if r[0] is None or not isinstance(r[1], (int, float)) or r[0] not in cmp["counts"]:
                    break
                seen[r[0]] = r[1]
        for v, n in cmp["counts"].items():
            same(seen.get(v), n, f"Summary: verdict count {v}")
        check_summary_changes(ws, cmp)
    elif "comparison" in s and cmp is None:
        if not any(isinstance(v, str) and v.startswith(NO_COMPARISON)
                   for r in ws.iter_rows(values_only=True) for v in r):
            bad("Summary: does not say there is no comparison")


def check_summary_changes(ws, cmp):
    """The Summary leads with what changed: every regressed and improved
    future of the comparison, regressions first, above the findings and
    the batch's settings, its change a number"""
    rows = list(ws.iter_rows(values_only=True))
    at = next((i for i, r in enumerate(rows) if r[0] == "What changed"), None)
    settings = next((i for i, r in enumerate(rows) if r[0] == "The batch"), None)
    if at is None or settings is None or at > settings:
        bad("Summary: 'What changed' does not come before the batch's settings")
        return
    want = [r for r in cmp.get("rows", []) if r.get("verdict") in ("regressed", "improved")]
    got = []
    for r in rows[at + 2:]:
        if r[0] not in ("regressed", "improved"):
            break
        got.append(r)
    if not want:
        if got or not any(isinstance(v, str) and v.startswith("nothing regressed")
                          for v in rows[at + 1]):
            bad("Summary: what changed lists rows, or does not say nothing changed")
        return
    same(sorted(r[1] for r in got), sorted(r["name"] for r in want), "Summary: what changed")
    verdicts = [r[0] for r in got]
    if verdicts != sorted(verdicts, key=lambda v: v != "regressed"):
        bad(f"Summary: regressions do not come first: {verdicts}")
    by_name = {r["name"]: r for r in want}
    for r in got:
        w = by_name.get(r[1])
        if w is None:
            continue
        if not isinstance(r[2], (int, float)):
            bad(f"Summary: the change of {r[1]!r} is not a number: {r[2]!r}")
        else:
            close(r[2], w["rel_change"], 1, f"Summary: change of {r[1]}")


def run_of(r):
    return r.get("run", {}) if isinstance(r.get("run"), dict) else {}


def check_runs(ws, s):
    check_table_sheet(ws, 1, ["Run", "Status", "Path", "Duration (ms)", "Records"])
    _, rows = table(ws, 1)
    analysed = [r for r in rows if r.get("Status") == "analysed"]
    skipped = [r for r in rows if r.get("Status") == "skipped"]
    runs = s.get("runs")
    if runs is not None:
        if len(analysed) != len(runs):
            bad(f"Runs: {len(analysed)} analysed rows, expected {len(runs)}")
        for row, r in zip(analysed, runs):
            info = run_of(r)
            name = info.get("name")
            same(row.get("Run"), name, f"Runs: name")
            same(row.get("Path"), info.get("path"), f"Runs {name}: path")
            same(row.get("Records"), info.get("records"), f"Runs {name}: records")
            same(row.get("Threads"), info.get("threads"), f"Runs {name}: threads")
            same(row.get("Runtime"), info.get("runtime"), f"Runs {name}: runtime")
            close(row.get("Duration (ms)"), info.get("duration_ns"), 1e6, f"Runs {name}: duration")
            if "tasks" in r:
                same(row.get("Tasks"), len(r["tasks"]), f"Runs {name}: tasks")
            if "futures" in r:
                same(row.get("Futures"), len(r["futures"]), f"Runs {name}: futures")
            if "findings" in r:
                sev = [f.get("severity") for f in r["findings"]]
                same(row.get("Errors"), sev.count("error"), f"Runs {name}: errors")
                same(row.get("Warnings"), sev.count("warning"), f"Runs {name}: warnings")
            if "args_recorded" in info:
                same(row.get("Args recorded"), info["args_recorded"], f"Runs {name}: args recorded")
    sk = s.get("skipped")
    if sk is not None:
        if len(skipped) != len(sk):
            bad(f"Runs: {len(skipped)} skipped rows, expected {len(sk)}")
        for row, k in zip(skipped, sk):
            same(row.get("Path"), k.get("path"), "Runs: skipped path")
            same(row.get("Reason / notes"), k.get("reason"), "Runs: skipped reason")


def check_futures(ws, s):
    check_table_sheet(ws, 1, ["Run", "Future", "Polls", "p50 poll (µs)", "p99 poll (µs)"])
    _, rows = table(ws, 1)
    want = [(run_of(r).get("name"), f) for r in s.get("runs", []) for f in r.get("futures", [])]
    if "runs" not in s:
        return
    if len(rows) != len(want):
        bad(f"Futures: {len(rows)} rows, expected {len(want)}")
    for row, (run, f) in zip(rows, want):
        what = f"Futures {run} {f.get('name')}"
        same(row.get("Run"), run, f"{what}: run")
        same(row.get("Future"), f.get("name"), f"{what}: name")
        same(row.get("Kind"), f.get("kind"), f"{what}: kind")
        same(row.get("Polls"), f.get("polls"), f"{what}: polls")
        same(row.get("Instances"), f.get("instances"), f"{what}: instances")
        same(row.get("Slow polls"), f.get("slow_polls"), f"{what}: slow polls")
        close(row.get("Busy (ms)"), f.get("busy_ns"), 1e6, f"{what}: busy")
        close(row.get("Idle (ms)"), f.get("idle_ns"), 1e6, f"{what}: idle")
        q = f.get("poll_ns") or {}
        for k, col in (("min", "Min"), ("p50", "p50"), ("p90", "p90"), ("p99", "p99"), ("max", "Max")):
            close(row.get(f"{col} poll (µs)"), q.get(k), 1e3, f"{what}: {k}")
        check_own(row, f, what)
        close(row.get("Self (ms)"), f.get("self_ns", 0), 1e6, f"{what}: self")
        same(row.get("Task root"), "yes" if f.get("task_root") else "no", f"{what}: task root")
        same_ids(row.get("Tasks"), f.get("task_ids"), f"{what}: tasks")
        # a root's waits: its tasks' scheduled times and first-poll delays
        check_waits(row, "Scheduled wait", f.get("sched_waits"), f.get("sched_ns"), what)
        same(row.get("Long delays"), f.get("long_delays"), f"{what}: long delays")
        if "first_polls" in f:
            check_waits(row, "First poll", f.get("first_polls"), f.get("first_poll_ns"), what)
            same(row.get("Long first polls"), f.get("long_first_polls"), f"{what}: long first polls")


def check_waits(row, col, n, q, what):
    """a count of waits and their quantiles, empty without any"""
    same(row.get(f"{col}s"), n, f"{what}: {col}s")
    for k in ("p50", "p99", "max"):
        if n:
            close(row.get(f"{col} {k} (µs)"), (q or {}).get(k), 1e3, f"{what}: {col} {k}")
        elif row.get(f"{col} {k} (µs)") is not None:
            bad(f"{what}: {col} {k}: {row.get(f'{col} {k} (µs)')!r} without any wait")


def same_ids(cell, ids, what):
    """one id is a number (it sorts and filters as one), several a list"""
    if ids is None:
        return
    if len(ids) == 1:
        if not isinstance(cell, (int, float)) or cell != ids[0]:
            bad(f"{what}: {cell!r}, expected the number {ids[0]}")
    elif ids and cell != ", ".join(str(i) for i in ids):
        bad(f"{what}: {cell!r}, expected {ids}")


def check_own(row, o, what):
    """the own-time quantiles and the split of a future or task"""
    q = o.get("own_ns") or {}
    for k in ("p50", "p90", "p99", "max"):
        close(row.get(f"Own {k} (µs)"), q.get(k), 1e3, f"{what}: own {k}")
    for k, col in (("oncpu_ns", "On CPU"), ("blocked_ns", "Blocked"), ("preempted_ns", "Preempted")):
        close(row.get(f"{col} (ms)"), o.get(k), 1e6, f"{what}: {k}")


def check_tasks(ws, s):
    check_table_sheet(ws, 1, ["Run", "Task", "Root future", "Polls"])
    _, rows = table(ws, 1)
    if "runs" not in s:
        return
    want = [(run_of(r).get("name"), t) for r in s["runs"] for t in r.get("tasks", [])]
    if len(rows) != len(want):
        bad(f"Tasks: {len(rows)} rows, expected {len(want)}")
    for row, (run, t) in zip(rows, want):
        what = f"Tasks {run} {t.get('id')}"
        same(row.get("Task"), t.get("id"), f"{what}: id")
        same(row.get("Root future"), t.get("root"), f"{what}: root")
        same(row.get("Polls"), t.get("polls"), f"{what}: polls")
        same_ids(row.get("Threads"), t.get("tids"), f"{what}: threads")
        close(row.get("Busy (ms)"), t.get("busy_ns"), 1e6, f"{what}: busy")
        close(row.get("First poll (ms)"), t.get("first_poll_ns"), 1e6, f"{what}: first poll")
        check_own(row, t, what)
        # scheduled time (wake to poll): quantiles only for a task with waits
        check_waits(row, "Scheduled wait", t.get("sched_waits"), t.get("sched_ns"), what)
        same(row.get("Long delays"), t.get("long_delays"), f"{what}: long delays")
        close(row.get("Waiting for a CPU (ms)"), t.get("sched_cpu_ns"), 1e6, f"{what}: CPU wait")
        # first-poll delay, when the task's creation was recorded
        if t.get("spawned"):
            close(row.get("First-poll delay (µs)"), t.get("first_poll_delay_ns"), 1e3, f"{what}: first-poll delay")
            same(row.get("Long first poll"), "yes" if t.get("long_first_poll") else "no", f"{what}: long first poll")
        elif row.get("First-poll delay (µs)") is not None:
            bad(f"{what}: a first-poll delay without a recorded spawn")


def check_findings(ws, s):
    """one row per group of findings (rule and future) of each run"""
    check_table_sheet(ws, 1, ["Run", "Rule", "Severity", "Future", "Count", "Longest (ms)"])
    _, rows = table(ws, 1)
    if "runs" not in s:
        return
    want = [(run_of(r).get("name"), g, r.get("findings") or [])
            for r in s["runs"] for g in r.get("finding_groups", [])]
    if len(rows) != len(want):
        bad(f"Findings: {len(rows)} rows, expected {len(want)}")
    for i, (row, (run, g, findings)) in enumerate(zip(rows, want)):
        what = f"Findings row {i + 2} ({run} {g.get('rule')})"
        same(row.get("Run"), run, f"{what}: run")
        same_fields(row, g, what, (("Rule", "rule"), ("Severity", "severity"),
                                   ("Future", "future"), ("Count", "count")))
        close(row.get("Longest (ms)"), g.get("longest_ns"), 1e6, f"{what}: longest")
        close(row.get("Total (ms)"), g.get("total_ns"), 1e6, f"{what}: total")
        worst = g.get("worst")
        if isinstance(worst, int) and 0 <= worst < len(findings):
            f = findings[worst]
            close(row.get("Threshold (ms)"), f.get("threshold_ns"), 1e6, f"{what}: threshold")
            close(row.get("Worst duration (ms)"), f.get("duration_ns"), 1e6, f"{what}: worst duration")
            close(row.get("Worst blocked (ms)"), f.get("blocked_ns"), 1e6, f"{what}: worst blocked")


def check_finding_polls(ws, s):
    """every poll's finding, as summary.json lists them"""
    check_table_sheet(ws, 1, ["Run", "Rule", "Severity", "Future", "Duration (ms)", "Measured (ms)"])
    _, rows = table(ws, 1)
    if "runs" not in s:
        return
    want = [(run_of(r).get("name"), f) for r in s["runs"] for f in r.get("findings", [])]
    if len(rows) != len(want):
        bad(f"Finding polls: {len(rows)} rows, expected {len(want)}")
    for i, (row, (run, f)) in enumerate(zip(rows, want)):
        what = f"Finding polls row {i + 2} ({run} {f.get('rule')})"
        same(row.get("Run"), run, f"{what}: run")
        same_fields(row, f, what, (("Rule", "rule"), ("Severity", "severity"),
                                   ("Future", "future")))
        for k, col in (("duration_ns", "Duration"), ("threshold_ns", "Threshold"),
                       ("measured_ns", "Measured"), ("oncpu_ns", "On CPU"),
                       ("blocked_ns", "Blocked"), ("preempted_ns", "Preempted")):
            close(row.get(f"{col} (ms)"), f.get(k), 1e6, f"{what}: {k}")


def check_comparison(ws, s):
    if "comparison" not in s:
        return
    cmp = s["comparison"]
    if cmp is None:
        a1 = ws["A1"].value
        if not (isinstance(a1, str) and a1.startswith(NO_COMPARISON)):
            bad(f"Comparison: A1 is {a1!r}, expected the 'no comparison' note")
        return
    check_table_sheet(ws, 2, ["Name", "Task / future", "Verdict", "Reason"])
    metric = cmp.get("metric")
    if metric and metric not in str(ws["A1"].value):
        bad(f"Comparison: the title does not name the metric {metric!r}")
    _, rows = table(ws, 2)
    want = cmp.get("rows", [])
    if len(rows) != len(want):
        bad(f"Comparison: {len(rows)} rows, expected {len(want)}")
    for row, w in zip(rows, want):
        what = f"Comparison {w.get('name')}"
        same(row.get("Name"), w.get("name"), f"{what}: name")
        if "is_task" in w:
            same(row.get("Task / future"), "task" if w["is_task"] else "future", f"{what}: task/future")
        same(row.get("Verdict"), w.get("verdict"), f"{what}: verdict")
        same(row.get("Reason"), w.get("reason"), f"{what}: reason")
        for side, col in (("base", "Base"), ("new", "New")):
            sd = w.get(side) or {}
            same(row.get(f"{col} polls"), sd.get("polls"), f"{what}: {side} polls")
            if not sd.get("polls"):
                continue
            q = sd.get("poll_ns") or {}
            for k in ("p50", "p90", "p99", "max"):
                close(row.get(f"{col} {k} (µs)"), q.get(k), 1e3, f"{what}: {side} {k}")
            close(row.get(f"{col} busy/poll (µs)"), sd.get("busy_per_poll"), 1e3,
                  f"{what}: {side} busy/poll")
        # the run-replicated comparison: the interval, noise, self time, via
        same(row.get("Via"), w.get("via"), f"{what}: via")
        if "is_root" in w:
            same(row.get("Task root"), w["is_root"], f"{what}: task root")
        for side, col in (("base", "Base"), ("new", "New")):
            sd = w.get(side) or {}
            if sd.get("polls") and sd.get("self_per_poll") is not None:
                close(row.get(f"{col} self/poll (µs)"), sd["self_per_poll"], 1e3,
                      f"{what}: {side} self per poll")
        both = (w.get("base") or {}).get("polls") and (w.get("new") or {}).get("polls")
        lo, hi = w.get("ratio_lo"), w.get("ratio_hi")
        if both and lo is not None and hi is not None and 0 < lo < hi:
            same(row.get("Change low %"), lo - 1, f"{what}: interval low")
            same(row.get("Change high %"), hi - 1, f"{what}: interval high")
        if both and w.get("noise"):
            same(row.get("Noise %"), w["noise"], f"{what}: noise")
        if both and metric:
            close(row.get(f"{metric} change (µs)"), w.get("abs_change"), 1e3, f"{what}: change")
            rel = row.get(f"{metric} change %")
            if w.get("rel_change") is not None and (
                    not isinstance(rel, (int, float)) or abs(rel - w["rel_change"]) > 1e-9):
                bad(f"{what}: relative change {rel!r}, expected {w['rel_change']}")
    charted = [w for w in want if (w.get("base") or {}).get("polls")
               and (w.get("new") or {}).get("polls") and w.get("verdict") != "ignored"]
    charts = getattr(ws, "_charts", [])
    if charted and not charts:
        bad("Comparison: no chart")


def main():
    if len(sys.argv) != 3:
        print("usage: xlsx_check.py REPORT.xlsx SUMMARY.json", file=sys.stderr)
        return 2
    with open(sys.argv[2], encoding="utf-8") as fp:
        s = json.load(fp)
    wb = openpyxl.load_workbook(sys.argv[1])
    if wb.sheetnames != SHEETS:
        bad(f"sheets {wb.sheetnames}, expected {SHEETS}")
    checks = {"Summary": check_summary, "Runs": check_runs, "Futures": check_futures,
              "Tasks": check_tasks, "Findings": check_findings,
              "Finding polls": check_finding_polls, "Comparison": check_comparison}
    for name, fn in checks.items():
        if name in wb.sheetnames:
            fn(wb[name], s)
    if problems:
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
