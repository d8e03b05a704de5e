#!/usr/bin/env python3
"""perfedit.py - damage a recording's context switches (perf-cpu*.dat) the
way a busy machine or a full perf buffer would, for tests/sched.sh.

    perfedit.py DIR preempt MIN_MS   every voluntary switch-out of at least
                                     MIN_MS becomes a preempted one (the
                                     thread was runnable: the machine's time)
    perfedit.py DIR lose-in MIN_MS   the switch-in that ends each switch-out
                                     of at least MIN_MS is lost (its type
                                     made unknown, as a reader skips it)

Prints how many switch-outs it changed. The files keep their size: only a
header field of existing events changes."""
import glob
import os
import struct
import sys

SWITCH, OUT, PREEMPT = 14, 0x2000, 0x4000


def events(path):
    with open(path, "rb") as f:
        data = bytearray(f.read())
    off = 0
    while off + 8 <= len(data):
        typ, misc, size = struct.unpack_from("<IHH", data, off)
        if size < 8 or off + size > len(data):
            break
        if typ == SWITCH and size >= 24:
            _pid, tid, time = struct.unpack_from("<IIQ", data, off + 8)
            yield data, off, misc, tid, time
        off += size


def main():
    d, op, min_ms = sys.argv[1], sys.argv[2], float(sys.argv[3])
    files, evs = {}, []
    for path in sorted(glob.glob(os.path.join(d, "perf-cpu*.dat"))):
        for data, off, misc, tid, time in events(path):
            files[path] = data
            evs.append((tid, time, path, off, misc))
    evs.sort()
    changed = 0
    for a, b in zip(evs, evs[1:]):
        if a[0] != b[0] or not a[4] & OUT or b[4] & OUT:
            continue
        if (b[1] - a[1]) / 1e6 < min_ms or a[4] & PREEMPT:
            continue
        if op == "preempt":
            struct.pack_into("<H", files[a[2]], a[3] + 4, a[4] | PREEMPT)
        elif op == "lose-in":
            struct.pack_into("<I", files[b[2]], b[3], 0xFFFF)
        else:
            sys.exit(f"perfedit.py: unknown operation {op}")
        changed += 1
    for path, data in files.items():
        with open(path, "wb") as f:
            f.write(data)
    print(changed)


main()
