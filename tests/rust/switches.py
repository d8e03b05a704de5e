#!/usr/bin/env python3
"""switches.py DIR [ASPROF] - the context switches of a recording, and where
they landed.

Reads DIR/perf-cpu*.dat (PERF_RECORD_SWITCH records, as uftrace writes them:
a perf_event_header {u32 type; u16 misc; u16 size}, then pid, tid, time;
misc 0x2000 = switched out, 0x4000 = switched out while runnable, i.e.
preempted) and prints the preempted and voluntary switch-outs per thread.
With the asprof-batch binary (ASPROF, default ./asprof-batch), it also
splits every poll of the program's async bodies (`krate::f::{closure#0}`,
legacy `{{closure}}`) into the time its thread was switched out preempted or
voluntarily, and prints per body: polls, polls with a preemption inside, the
longest preempted and blocked (voluntary) time in one poll.  Used to check
that a recording made under load has preemption inside fast polls.
"""
import bisect
import collections
import glob
import os
import re
import struct
import subprocess
import sys


def switches(d):
    """{tid: [(time, 'out-pre' | 'out-vol' | 'in')]} in time order"""
    ev = collections.defaultdict(list)
    for f in glob.glob(os.path.join(d, "perf-cpu*.dat")):
        b = open(f, "rb").read()
        o = 0
        while o + 8 <= len(b):
            typ, misc, size = struct.unpack_from("<IHH", b, o)
            if size < 8:
                break
            if typ == 14 and o + 24 <= len(b):   # PERF_RECORD_SWITCH
                _pid, tid, t = struct.unpack_from("<IIQ", b, o + 8)
                kind = ("out-pre" if misc & 0x4000 else "out-vol") if misc & 0x2000 else "in"
                ev[tid].append((t, kind))
            o += size
    for v in ev.values():
        v.sort()
    return ev


def off_cpu(ev):
    """{tid: [(start, end, preempted?)]}: the intervals a thread was switched out"""
    res = {}
    for tid, v in ev.items():
        iv, out = [], None
        for t, kind in v:
            if kind.startswith("out"):
                out = (t, kind == "out-pre")
            elif out:
                iv.append((out[0], t, out[1]))
                out = None
        res[tid] = iv
    return res


def polls(d, asprof, seen):
    """[(tid, name, start, end)] of the async bodies, from asprof-batch dump;
    seen[tid]: the times of all the thread's records, in order"""
    body = re.compile(r"^[a-z_][a-z0-9_]*::[a-z_][a-z0-9_]*::(\{closure#0\}|\{\{closure\}\})$")
    out = subprocess.run([asprof, "dump", d], capture_output=True, text=True, check=True).stdout
    open_, res = {}, []
    for line in out.splitlines():
        f = line.split("\t")[0].split(" ", 4)
        if len(f) < 5:
            continue
        seen[int(f[1])].append(int(f[0]))
        if f[2] not in ("entry", "exit") or not body.match(f[4]):
            continue
        key = (f[1], f[3], f[4])
        if f[2] == "entry":
            open_[key] = int(f[0])
        elif key in open_:
            res.append((int(f[1]), f[4], open_.pop(key), int(f[0])))
    return res


def main():
    d = sys.argv[1]
    asprof = sys.argv[2] if len(sys.argv) > 2 else "./asprof-batch"
    ev = switches(d)
    pre = sum(1 for v in ev.values() for _, k in v if k == "out-pre")
    vol = sum(1 for v in ev.values() for _, k in v if k == "out-vol")
    print(f"switch-outs: {pre} preempted, {vol} voluntary")
    for tid in sorted(ev):
        p = sum(1 for _, k in ev[tid] if k == "out-pre")
        v = sum(1 for _, k in ev[tid] if k == "out-vol")
        print(f"  tid {tid}: {p} preempted, {v} voluntary")
    if not os.access(asprof, os.X_OK):
        return
    iv = off_cpu(ev)
    seen = collections.defaultdict(list)
    ps = polls(d, asprof, seen)
    # a switch-in can be lost: the thread ran again by its next record
    for tid, v in iv.items():
        t = seen.get(tid, [])
        iv[tid] = [(a, min(b, t[i]) if (i := bisect.bisect_right(t, a)) < len(t) else b, p)
                   for a, b, p in v]
    st = collections.defaultdict(lambda: [0, 0, 0.0, 0.0])
    for tid, name, s, e in ps:
        pre_ns = sum(min(e, b) - max(s, a) for a, b, p in iv.get(tid, ()) if p and a < e and b > s)
        vol_ns = sum(min(e, b) - max(s, a) for a, b, p in iv.get(tid, ()) if not p and a < e and b > s)
        x = st[name]
        x[0] += 1
        x[1] += pre_ns > 0
        x[2] = max(x[2], pre_ns / 1e6)
        x[3] = max(x[3], vol_ns / 1e6)
    print("polls (body: polls, polls preempted, longest preempted ms, longest blocked ms):")
    for name in sorted(st):
        n, np_, mp, mv = st[name]
        print(f"  {name}: {n} polls, {np_} preempted, max preempted {mp:.1f} ms, max blocked {mv:.1f} ms")


if __name__ == "__main__":
    main()
