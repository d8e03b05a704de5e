#!/usr/bin/env python3
"""trace_format.py - check files against the Chrome Trace Event Format.

usage: trace_format.py [--summary SUMMARY.json [--recording DIR]] FILE...

Checks: well-formed JSON in object form ({"traceEvents": [...]}) or array
form; every event an object with "ph"; ts, pid and tid where the format needs
them (all but process metadata and global instants); ts/dur numeric, dur >= 0
for "X"; B/E balanced per (pid, tid); duration slices (X and B/E) properly
nested per (pid, tid), as Perfetto requires; flow events s/t/f paired by
(cat, id) with the "s" first; instant scopes; known metadata names.

With --summary (asprof's trace.json against its run's summary.json), also
what viewers need (docs/trace-viewers.md): an event at the recording's
start (ts > 0, as DevTools leaves out ts 0, and at most 1 ns), no "i"
instants and no cname (DevTools shows neither), every blocking-poll finding
a slice named "BLOCKING ..." at its start on its thread whose args carry
the finding, every flow phase bound to a slice of the same ts, pid, tid and
cat (how DevTools binds flows), every wait slice (cat "scheduling") ending
where a task poll starts on its track. With --recording (the uftrace.data the run
was made from), no made-up ids where viewers print them: every event in
the program's process (task.txt's pid), every track a thread of the
recording (its tid), a task of summary.json (its id, named "task ID...") or
named "... track id".

Prints one line per problem and exits 1 when there are any; otherwise
prints "FILE: ok, N events". Standard library only.
"""
import decimal
import json
import math
import os
import re
import sys

PHASES = set("BEXiIbneSTpsftPOCNDMRcvV()")
METADATA = {
    "process_name": ("name", str),
    "thread_name": ("name", str),
    "process_sort_index": ("sort_index", int),
    "thread_sort_index": ("sort_index", int),
    "process_labels": ("labels", str),
}
MAX_REPORTED = 50


def reject_constant(name):
    raise ValueError("%s is not JSON" % name)


def is_number(v):
    return (isinstance(v, (int, float, decimal.Decimal)) and not isinstance(v, bool)
            and math.isfinite(v))


def is_id(v):
    return isinstance(v, (int, str)) and not isinstance(v, bool)


def describe(i, ev):
    name = ev.get("name")
    return "event %d (ph %r%s)" % (i, ev.get("ph"), ", %r" % name if isinstance(name, str) else "")


class Checker:
    def __init__(self, path):
        self.path = path
        self.problems = []
        self.summary = self.recording = None

    def problem(self, where, msg):
        self.problems.append("%s: %s: %s" % (self.path, where, msg))

    def load(self):
        try:
            with open(self.path, "rb") as f:
                # exact decimals: a child ending where its parent ends must compare
                # equal, whatever the binary rounding of ts + dur would be
                doc = json.loads(f.read().decode("utf-8"), parse_float=decimal.Decimal,
                                 parse_constant=reject_constant)
        except (OSError, UnicodeDecodeError, ValueError, decimal.DecimalException) as e:
            self.problems.append("%s: not a JSON trace: %s" % (self.path, e))
            return None
        if isinstance(doc, list):
            return doc
        if not isinstance(doc, dict):
            self.problem("top level", "expected an object or an array, got %s" % type(doc).__name__)
            return None
        events = doc.get("traceEvents")
        if not isinstance(events, list):
            self.problem("top level", "traceEvents is missing or not a list")
            return None
        unit = doc.get("displayTimeUnit")
        if unit is not None and unit not in ("ms", "ns"):
            self.problem("top level", "displayTimeUnit %r is not \"ms\" or \"ns\"" % (unit,))
        return events

    def fields(self, i, ev):
        """the per-event checks; False when the event cannot be used further"""
        where = describe(i, ev)
        ph = ev.get("ph")
        if not isinstance(ph, str):
            self.problem(where, "no \"ph\"")
            return False
        if ph not in PHASES:
            self.problem(where, "unknown phase %r" % ph)
            return False
        scope = ev.get("s", "t")
        if ph in "iI" and scope not in ("g", "p", "t"):
            self.problem(where, "instant scope %r is not g, p or t" % (scope,))
        process_meta = ph == "M" and str(ev.get("name", "")).startswith("process_")
        global_instant = ph in "iI" and scope == "g"
        needs_pid = not global_instant
        needs_tid = not (process_meta or global_instant or (ph in "iI" and scope == "p"))
        ok = True
        if ph != "M":
            if "ts" not in ev:
                self.problem(where, "no \"ts\"")
                ok = False
            elif not is_number(ev["ts"]):
                self.problem(where, "ts %r is not a number" % (ev["ts"],))
                ok = False
        elif "ts" in ev and not is_number(ev["ts"]):
            self.problem(where, "ts %r is not a number" % (ev["ts"],))
        for key, needed in (("pid", needs_pid), ("tid", needs_tid)):
            if key not in ev:
                if needed:
                    self.problem(where, "no \"%s\"" % key)
                    ok = False
            elif not is_id(ev[key]):
                self.problem(where, "%s %r is not an integer or a string" % (key, ev[key]))
                ok = False
        for key in ("dur", "tdur", "tts"):
            if key in ev and not is_number(ev[key]):
                self.problem(where, "%s %r is not a number" % (key, ev[key]))
                ok = False
        if ph == "X":
            if "dur" not in ev:
                self.problem(where, "complete event without \"dur\"")
                ok = False
            elif is_number(ev["dur"]) and ev["dur"] < 0:
                self.problem(where, "dur %s < 0" % (ev["dur"],))
                ok = False
        if "args" in ev and not isinstance(ev["args"], dict):
            self.problem(where, "args is not an object")
        if ph == "M":
            self.metadata(where, ev)
        if ph in "stf":
            if not is_id(ev.get("id")) and not isinstance(ev.get("id2"), dict):
                self.problem(where, "flow event without an id")
                ok = False
            if ph == "f" and ev.get("bp", "e") != "e":
                self.problem(where, "bp %r is not \"e\"" % (ev.get("bp"),))
        if ph == "C":
            args = ev.get("args")
            if not isinstance(args, dict) or not all(is_number(v) for v in args.values()):
                self.problem(where, "counter args must be numbers")
        return ok

    def metadata(self, where, ev):
        name = ev.get("name")
        if name not in METADATA:
            self.problem(where, "unknown metadata name %r" % (name,))
            return
        key, kind = METADATA[name]
        args = ev.get("args")
        value = args.get(key) if isinstance(args, dict) else None
        good = isinstance(value, str) if kind is str else (
            isinstance(value, int) and not isinstance(value, bool))
        if not good:
            self.problem(where, "%s needs args.%s (%s)" % (name, key, kind.__name__))

    def slices(self, events):
        """B/E balance, then nesting of every duration slice per thread"""
        tracks = {}
        for i, ev in events:
            if ev["ph"] in "BEX":
                tracks.setdefault((ev.get("pid"), ev.get("tid")), []).append((i, ev))
        for (pid, tid), evs in tracks.items():
            evs.sort(key=lambda x: x[1]["ts"])  # stable: file order breaks ties
            spans, stack = [], []
            for i, ev in evs:
                if ev["ph"] == "X":
                    spans.append((ev["ts"], ev["ts"] + ev["dur"], i, ev))
                elif ev["ph"] == "B":
                    stack.append((i, ev))
                elif not stack:
                    self.problem(describe(i, ev), "\"E\" without a \"B\" on pid %r tid %r" % (pid, tid))
                else:
                    j, b = stack.pop()
                    if "name" in ev and "name" in b and ev["name"] != b["name"]:
                        self.problem(describe(i, ev), "\"E\" closes %s" % describe(j, b))
                    spans.append((b["ts"], ev["ts"], j, b))
            for j, b in stack:
                self.problem(describe(j, b), "\"B\" never ended on pid %r tid %r" % (pid, tid))
            spans.sort(key=lambda s: (s[0], -s[1]))
            open_ = []
            for start, end, i, ev in spans:
                while open_ and open_[-1][1] <= start:
                    open_.pop()
                if open_ and end > open_[-1][1]:
                    self.problem(describe(i, ev),
                                 "overlaps event %d on pid %r tid %r without nesting in it"
                                 % (open_[-1][2], pid, tid))
                    continue
                open_.append((start, end, i))

    def flows(self, events):
        def key(ev):
            fid = ev.get("id")
            if fid is None:
                fid = json.dumps(ev.get("id2"), sort_keys=True)
            return (ev.get("cat"), fid)

        flows = [(i, ev) for i, ev in events if ev["ph"] in "stf"]
        flows.sort(key=lambda x: x[1]["ts"])
        starts_left = {}
        for i, ev in flows:
            if ev["ph"] == "s":
                starts_left[key(ev)] = starts_left.get(key(ev), 0) + 1
        open_ = {}
        for i, ev in flows:
            k, ph = key(ev), ev["ph"]
            if ph == "s":
                starts_left[k] -= 1
                if k in open_:
                    self.problem(describe(i, ev), "flow %r started again before its \"f\"" % (k,))
                open_[k] = i
            elif k not in open_:
                later = starts_left.get(k, 0) > 0
                self.problem(describe(i, ev), "flow %r: \"%s\" %s" % (
                    k, ph, "before its \"s\"" if later else "without an \"s\""))
            elif ph == "f":
                del open_[k]
        for k, i in open_.items():
            self.problem("event %d (ph 's')" % i, "flow %r never finished (no \"f\")" % (k,))

    def run(self):
        events = self.load()
        if events is None:
            return None
        usable = []
        for i, ev in enumerate(events):
            if not isinstance(ev, dict):
                self.problem("event %d" % i, "not an object")
                continue
            if self.fields(i, ev):
                usable.append((i, ev))
        self.slices(usable)
        self.flows(usable)
        if self.summary:
            viewers(self, usable, self.summary, self.recording)
        return len(events)


def recorded_ids(recording):
    """the program's pid (the first session's) and its threads' tids"""
    pid = None
    with open(os.path.join(recording, "task.txt"), encoding="utf-8", errors="replace") as f:
        for line in f:
            m = re.match(r"SESS .*\bpid=(\d+)", line)
            if m and pid is None:
                pid = int(m.group(1))
    tids = {int(n[:-4]) for n in os.listdir(recording) if re.fullmatch(r"\d+\.dat", n)}
    return pid, tids


def ids(c, events, summary, recording):
    pid, tids = recorded_ids(recording)
    tasks = {t["id"] for t in summary.get("tasks", [])} | {0}
    names = {}
    for i, ev in events:
        if ev["ph"] == "M" and ev.get("name") == "thread_name":
            names[ev.get("tid")] = ev["args"]["name"]
    for i, ev in events:
        if ev.get("pid") != pid:
            c.problem(describe(i, ev), "pid %r is not the program's (%s)" % (ev.get("pid"), pid))
            continue
        tid = ev.get("tid")
        if ev["ph"] == "M" and str(ev.get("name")).startswith("process_"):
            continue
        name = names.get(tid, "")
        if tid in tids:
            want = "main thread" if tid == pid else "OS thread"
            if name != want:
                c.problem(describe(i, ev), "thread %s named %r, not %r" % (tid, name, want))
        elif tid in tasks and name.startswith("task %d" % tid if tid else "no task"):
            pass
        elif not name.endswith("track id"):
            c.problem(describe(i, ev), "tid %r is no thread's or task's, and its track %r "
                      "does not say \"track id\"" % (tid, name))


def viewers(c, events, summary_path, recording=None):
    """what DevTools and Perfetto need to show asprof's trace as summary.json"""
    with open(summary_path, encoding="utf-8") as f:
        summary = json.load(f)
    if recording:
        ids(c, events, summary, recording)
    evs = [ev for _, ev in events]
    if not any(ev["ph"] in "XBiI" and 0 < ev["ts"] <= decimal.Decimal("0.001") for ev in evs):
        c.problem("top level", "no event at the recording's start (0 < ts <= 0.001)")
    for i, ev in events:
        if ev["ph"] == "i":
            c.problem(describe(i, ev), "an \"i\" instant: DevTools does not show it")
        if "cname" in ev:
            c.problem(describe(i, ev), "cname: no viewer shows it")
    starts = {(ev["ts"], ev["pid"], ev["tid"], ev.get("cat")) for ev in evs if ev["ph"] == "X"}
    for i, ev in events:
        if ev["ph"] in "stf" and (ev["ts"], ev["pid"], ev["tid"], ev.get("cat")) not in starts:
            c.problem(describe(i, ev), "flow phase bound to no slice (same ts, pid, tid, cat)")
    for i, ev in events:
        if ev["ph"] == "X" and ev.get("cat") == "scheduling" and \
                (ev["ts"] + ev["dur"], ev["pid"], ev["tid"], "task_poll") not in starts:
            c.problem(describe(i, ev), "a wait that ends at no task poll's start on its track")
    for f in summary.get("findings", []):
        if f["rule"] != "blocking-poll":
            continue
        ts = decimal.Decimal(f["start_ns"]) / 1000
        hit = [ev for ev in evs if ev["ph"] == "X" and ev["ts"] == ts and ev["tid"] == f["tid"]
               and str(ev.get("name", "")).startswith("BLOCKING ")
               and str(ev.get("name", "")).endswith(": " + f["future"])]
        if not hit:
            c.problem("finding at %s ns" % f["start_ns"],
                      "no slice \"BLOCKING ...: %s\" at ts %s on tid %s" % (f["future"], ts, f["tid"]))
            continue
        args = hit[0].get("args", {})
        want = {"rule": f["rule"], "severity": f["severity"], "culprit": f["culprit"],
                "doing": f["doing"], "threshold_ms": decimal.Decimal(f["threshold_ns"]) / 10**6}
        for key, value in want.items():
            got = args.get(key)
            if key == "threshold_ms" and got is not None:
                got = decimal.Decimal(got)
            if got != value:
                c.problem("finding at %s ns" % f["start_ns"],
                          "the BLOCKING slice's args.%s is %r, summary.json says %r" % (key, got, value))


def main(argv):
    summary = recording = None
    if len(argv) > 2 and argv[1] == "--summary":
        summary = argv[2]
        argv = argv[:1] + argv[3:]
        if len(argv) > 2 and argv[1] == "--recording":
            recording = argv[2]
            argv = argv[:1] + argv[3:]
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        sys.stderr.write("usage: trace_format.py [--summary SUMMARY.json [--recording DIR]] "
                         "FILE...\n")
        return 2
    failed = False
    for path in argv[1:]:
        c = Checker(path)
        c.summary = summary
        c.recording = recording
        n = c.run()
        if c.problems:
            failed = True
            for p in c.problems[:MAX_REPORTED]:
                print(p)
            if len(c.problems) > MAX_REPORTED:
                print("%s: ... and %d more problems" % (path, len(c.problems) - MAX_REPORTED))
        else:
            print("%s: ok, %d events" % (path, n))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
