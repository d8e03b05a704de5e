#!/usr/bin/env python3
"""trace_format.py - check files against the Chrome Trace Event Format.

usage: trace_format.py FILE...

Checks: well-formed JSON in object form ({"traceEvents": [...]}) or array
form; every event an object with "ph"; ts, pid and tid where the format needs
them (all but process metadata and global instants); ts/dur numeric, dur >= 0
for "X"; B/E balanced per (pid, tid); duration slices (X and B/E) properly
nested per (pid, tid), as Perfetto requires; flow events s/t/f paired by
(cat, id) with the "s" first; instant scopes; known metadata names.

Prints one line per problem and exits 1 when there are any; otherwise
prints "FILE: ok, N events". Standard library only.
"""
import decimal
import json
import math
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
        return len(events)


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        sys.stderr.write("usage: trace_format.py FILE...\n")
        return 2
    failed = False
    for path in argv[1:]:
        c = Checker(path)
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
