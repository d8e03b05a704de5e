#!/usr/bin/env python3
"""spawn_records.py - the first-poll delays of a tokio recording, from its
records alone (`asprof-batch dump RUN` on stdin), to check the analysis'
against (tests/first-poll.sh): each task's creation (an entry of
tokio::runtime::scheduler::Handle::spawn and its exit with the retval, the
task header pointer) and the first Harness::poll entry after it with that
pointer in arg1. Prints JSON: "created" (spawns with a retval), "delays"
(first poll's entry - spawn's entry, ns, sorted) and "raced" (how many
tasks were first polled before their spawn returned)."""
import json, re, sys
spawn = re.compile(r'<tokio::runtime::scheduler::Handle>::spawn::<|^tokio::runtime::scheduler::Handle::spawn$')
harness = re.compile(r'Harness<.*>>?::poll$')
open_sp = {}   # (tid, depth) -> entry time
created = []   # (ptr, entry, exit)
first = {}     # ptr -> [times]
polls = []
for line in sys.stdin:
    f = line.rstrip('\n').split('\t')
    head = f[0].split(' ', 4)
    if len(head) < 5:
        continue
    t, tid, kind, depth, name = int(head[0]), head[1], head[2], head[3], head[4]
    extra = f[1] if len(f) > 1 else ''
    if spawn.search(name):
        if kind == 'entry':
            open_sp[(tid, depth)] = t
        elif kind == 'exit' and extra.startswith('retval: '):
            created.append((int(extra.split()[1], 16), open_sp.pop((tid, depth), None), t))
    elif kind == 'entry' and harness.search(name) and extra.startswith('args: '):
        polls.append((t, int(extra.split()[1].rstrip(','), 16)))
delays, raced = [], 0
polls.sort()
for ptr, s, e in created:
    if s is None:
        continue
    f = next((t for t, p in polls if p == ptr and t >= s), None)
    if f is None:
        continue
    delays.append(f - s)
    raced += f < e
print(json.dumps({"delays": sorted(delays), "raced": raced, "created": len(created)}))
