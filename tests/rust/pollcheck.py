#!/usr/bin/env python3
"""pollcheck.py DIR [DIR2] - call counts of poll-related functions in uftrace data.

Used by record.sh (VERIFY=1) to check that the -N filters dropped no poll:
DIR is an unfiltered recording, DIR2 the filtered fixture of the same program.
Prints "count1 count2 name" for every user-crate function and every poll-like
runtime function (Future::poll impls, tokio Harness/Core poll chain,
async-task run, async-std SupportTaskLocals, block_on), flagging differences.
Names are demangled with c++filt (binutils >= 2.36 demangles v0), with the
crate hashes ([...] for v0, ::h... for legacy) stripped.

Differences in the main future, JoinHandle, sleep and executor idle-loop polls
are expected between two runs (timing); user async fn bodies, CountDown::poll
and the task polls of spawned tasks must be equal.
"""
import re
import subprocess
import sys


def counts(d):
    out = subprocess.run(["uftrace", "report", "-d", d, "--no-pager", "--demangle=no"],
                         capture_output=True, text=True, check=True).stdout
    rows = {}
    for line in out.splitlines():
        m = re.match(r'^\s*[\d.]+ \w+\s+[\d.]+ \w+\s+(\d+)\s+(\S.*)$', line)
        if m:
            rows[m.group(2)] = rows.get(m.group(2), 0) + int(m.group(1))
    names = list(rows)
    dem = subprocess.run(["c++filt"], input="\n".join(names), capture_output=True,
                         text=True, check=True).stdout.splitlines()
    res = {}
    for n, d2 in zip(names, dem):
        d2 = re.sub(r'\[[0-9a-f]{1,16}\]', '', d2)
        d2 = re.sub(r'::h[0-9a-f]{16}$', '', d2)
        res[d2] = res.get(d2, 0) + rows[n]
    return res


POLL = re.compile(r'(as core::future::future::Future>::poll$|Harness<.*>::poll(_inner)?$|'
                  r'harness::poll_future::<|task::core::Core<.*>::poll$|raw::poll::<|'
                  r'RawTask>::poll$|Runnable.*>::run$|RawTask<.*>::run$|SupportTaskLocals<.*>::poll|'
                  r'>::block_on::<[^>]*>$|block_on::<.*>$)')
# drop glue is filtered on purpose (-N drop_in_place): ignore what runs inside it,
# e.g. async-std's TaskLocalsWrapper::set_current Guard restoring the TLS.
EXCL = re.compile(r'^(core::ptr::drop_in_place|<alloc::sync|alloc::sync|core::mem::|'
                  r'<core::ptr::drop_in_place|<core::option::Option<)|::Guard<|'
                  r'set_current(::)?<.*>::\{closure#0\}::\{closure#0\}( as core::ops::function::FnOnce<\(\)>>::call_once)?$')
USER = ("tokio_mt::", "tokio_ct::", "async_std_demo::", "smol_demo::", "regress::")


def main():
    a = counts(sys.argv[1])
    b = counts(sys.argv[2]) if len(sys.argv) > 2 else None
    keys = sorted(k for k in set(a) | set(b or {})
                  if (POLL.search(k) or k.startswith(USER)) and not EXCL.search(k))
    bad = 0
    for k in keys:
        ca = a.get(k, 0)
        cb = b.get(k, 0) if b is not None else ''
        flag = '' if b is None or ca == cb else '  <-- DIFF'
        bad += bool(flag)
        print(f"{ca:6} {cb:>6} {k}{flag}")
    print("diffs:", bad)


if __name__ == "__main__":
    main()
