#!/usr/bin/env python3
"""ground_truth.py [FIXTURES_DIR [FIXTURE...]] - measure the fixtures' ground truth.

Prints "fixture key value..." lines (the format of tests/fixtures/expect.txt)
computed from the recordings with uftrace replay + c++filt, names with the
crate hashes stripped (= libiberty's demangler without DMGL_VERBOSE).  Used to
write and re-check expect.txt after record.sh; the values must also agree
with the programs' source (see tests/fixtures/README.md) -- this script only
measures, it does not know what is right.
"""
import collections
import os
import re
import subprocess
import sys

FIXTURES = {
    # name: (crate, runtime, symbols, args, ASPROF_SLOWDOWN)
    "tokio_mt": ("tokio_mt", "tokio", "v0", "no", None),
    "tokio_mt_args": ("tokio_mt", "tokio", "v0", "yes", None),
    "tokio_mt_argorder": ("tokio_mt", "tokio", "v0", "yes", None),
    "tokio_mt_legacy": ("tokio_mt", "tokio", "legacy", "no", None),
    "tokio_ct": ("tokio_ct", "tokio", "v0", "no", None),
    "async_std": ("async_std_demo", "async-std", "v0", "no", None),
    "async_std_args": ("async_std_demo", "async-std", "v0", "yes", None),
    "smol": ("smol_demo", "smol", "v0", "no", None),
    # one executor run by two threads (block_on(ex.run(..)) on each)
    "smol_mt": ("smol_mt", "smol", "v0", "yes", None),
    **{f"regress_base_{i}": ("regress", "tokio", "v0", "no", 1) for i in (1, 2, 3)},
    **{f"regress_new_{i}": ("regress", "tokio", "v0", "no", 4) for i in (1, 2, 3)},
    "tokio_lints": ("lints", "tokio", "v0", "no", None),
    "tokio_lints_args": ("lints", "tokio", "v0", "yes", None),
    "tokio_pool": ("pool", "tokio", "v0", "no", None),
    "tokio_killed": ("hang", "tokio", "v0", "no", None),
    # how a program ended (tests/rust/crash, tests/program-end.sh)
    "crash_mcount": ("crash", "tokio", "v0", "yes", None),
    "crash_mcount_e": ("crash", "tokio", "v0", "no", None),
    "crash_null": ("crash", "tokio", "v0", "yes", None),
    "loaded_mcount": ("loaded", "tokio", "v0", "yes", None),
    "loaded_plain": ("loaded", "tokio", "legacy", "yes", None),
    # a correct spawn_blocking (async-std): no blocking poll in either build;
    # in expect.txt by hand where this script cannot tell: the blocking
    # pool's RawTask::run is no task and its closure no future, and the
    # legacy build's tasks (every SupportTaskLocals<F>::poll prints alike)
    "unblock_mcount": ("unblock", "async-std", "v0", "yes", None),
    "unblock_plain": ("unblock", "async-std", "legacy", "yes", None),
    # source lines (uftrace record --srcline: srcline.dbg), both builds
    "srcline_mcount": ("srcline", "tokio", "v0", "yes", None),
    "srcline_plain": ("srcline", "tokio", "legacy", "yes", None),
    # same binary at different times (A/A) and kv_get slowed (A/B): the
    # last field is ASPROF_SLOWDOWN_PCT (tests/compare-noise.sh)
    # wakes from another thread while a poll blocks (tests/sched-delay.sh)
    "sched_delay_mcount": ("sched_delay", "tokio", "v0", "yes", None),
    "sched_delay_plain": ("sched_delay", "tokio", "legacy", "yes", None),
    # the same on a two-worker multi-thread runtime (tests/rust/sched_delay/src/mt.rs)
    "sched_delay_mt_mcount": ("sched_delay_mt", "tokio", "v0", "yes", None),
    # the same on smol's executor (tests/rust/sched_delay/src/smol.rs)
    "sched_delay_smol_mcount": ("sched_delay_smol", "smol", "v0", "yes", None),
    # tasks spawned before a poll blocks: first-poll delays (tests/first-poll.sh)
    "sched_delay_spawn_mcount": ("sched_delay_spawn", "tokio", "v0", "yes", None),
    "sched_delay_spawn_plain": ("sched_delay_spawn", "tokio", "legacy", "yes", None),
    # spawned from outside a multi-thread runtime (src/spawn_mt.rs)
    "sched_delay_spawn_mt_mcount": ("sched_delay_spawn_mt", "tokio", "v0", "yes", None),
    # tasks that wake themselves in their poll behind a block (src/coop.rs)
    "sched_delay_coop_mcount": ("sched_delay_coop", "tokio", "v0", "yes", None),
    # a LocalSet task at the address of an aborted one (src/spawn_local.rs)
    "sched_delay_spawn_local_mcount": ("sched_delay_spawn_local", "tokio", "v0", "yes", None),
    # the same on async-std's executor, one executor thread, and a task
    # spawned as the blocking poll starts (tests/rust/sched_delay/src/async_std.rs)
    "sched_delay_async_std_mcount": ("sched_delay_async_std", "async-std", "v0", "yes", None),
    **{f"nightly_a{i}": ("nightly", "tokio", "v0", "yes", 100) for i in range(1, 9)},
    **{f"nightly_b130_{i}": ("nightly", "tokio", "v0", "yes", 130) for i in (1, 2, 3)},
    **{f"nightly_b200_{i}": ("nightly", "tokio", "v0", "yes", 200) for i in (1, 2)},
}
# fixtures whose ground truth is written by hand (from the source and
# uftrace replay; see README.md): this script does not follow their poll
# chains (the plain smol build, a recording patched by hand with -P; in
# the plain srcline build it takes warm_up's first poll, the one right after
# its constructor, for a plain call, and misses the blocking poll) or
# their self arguments (selfptr: arg2 for polls returning a large value;
# sched_delay: task cells and bodies at reused addresses; sched_delay_mt:
# its main future is run's, its thread closure a plain one; sched_delay_smol:
# its main future is run's, its task polls (RawTask::run) by hand;
# sched_delay_spawn: its task cells reused, 3 tasks at 2 addresses;
# sched_delay_coop: its never_yielded line added by hand;
# sched_delay_spawn_local: the aborted task's cancelling task poll polls
# no future, and run_until's block is LocalSet machinery's;
# sched_delay_async_std: its main future is run's, and woken's three
# instances, one per task, two of them at one reused address),
# so it copies their lines from the expect.txt beside the fixtures
# crash_plain: the plain build's replay with arguments loses the frames
# between check_port and poll_future (its open body is not counted)
HAND = ["smol_mt_plain", "async_std_narrow", "selfptr_mcount", "selfptr_plain", "crash_plain",
        "srcline_plain", "sched_delay_mcount", "sched_delay_plain", "sched_delay_mt_mcount",
        "sched_delay_smol_mcount", "sched_delay_spawn_mcount", "sched_delay_spawn_plain",
        "sched_delay_async_std_mcount", "sched_delay_spawn_local_mcount",
        "sched_delay_coop_mcount"]
# fixtures with several blocking polls, recorded under load: their blocking
# polls are listed in a truth file (tests/fixtures/*.truth, read by
# tests/precision.py) instead of the blocking_* keys; preemption makes
# polls of any future long, so max_other_poll_ms is left out too
TRUTH = {"loaded_mcount": "loaded.truth", "loaded_plain": "loaded.truth"}
# the keys kept for them: the per-future counts and closures are left out
# (the three calls of one async fn share the address of the future awaiting
# them, and the plain build loses some body frames to unpatched functions)
TRUTH_KEYS = {"program", "runtime", "symbols", "args", "threads", "main_future",
              "blocking_truth", "task", "spawned_tasks"}
# "blocking" poll threshold per fixture (ms), default 50; the lints fixtures
# srcline and sched_delay fixtures block for 30 ms (asprof's default warning
# threshold is 10 ms).
BLOCKING_MS = {"tokio_lints": 10, "tokio_lints_args": 10,
               "srcline_mcount": 10, "srcline_plain": 10,
               "sched_delay_mcount": 10, "sched_delay_plain": 10,
               "sched_delay_mt_mcount": 10, "sched_delay_smol_mcount": 10,
               "sched_delay_spawn_mcount": 10, "sched_delay_spawn_plain": 10,
               "sched_delay_async_std_mcount": 10, "sched_delay_coop_mcount": 10}
# fixtures that get the lint keys (never_yielded, self_wake...)
LINTS = {"tokio_lints", "tokio_lints_args", "tokio_killed"}
# fixtures whose recorded arguments are more than the task's arg1: the
# position of arg1 among the values uftrace replay prints (in the order
# recorded, which is the order of the -A specs)
ARG1_AT = {"tokio_mt_argorder": -1}
SELF_WAKE_MIN_RUN = 50
UNIT = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}


def demangle(names):
    names = sorted(set(names))
    out = subprocess.run(["c++filt"], input="\n".join(names), capture_output=True,
                         text=True, check=True).stdout.splitlines()
    res = {}
    for a, b in zip(names, out):
        b = re.sub(r"\[[0-9a-f]{1,16}\]", "", b)      # v0 crate disambiguators
        b = re.sub(r"::h[0-9a-f]{16}$", "", b)         # legacy hash
        res[a] = b
    return res


def calls_of(d, arg1_at=None):
    """[(tid, name, arg, dur_us, children[(name, dur)], parent, start_us)] from uftrace replay
    (start_us: entry timestamp, CLOCK_MONOTONIC in us; arg: the values printed, or
    the one at arg1_at)."""
    cmd = ["uftrace", "replay", "-d", d, "--no-pager", "-f", "duration,tid,time"]
    r = subprocess.run(cmd + ["--demangle=no"], capture_output=True, text=True)
    plain_names = r.returncode != 0 and "missing argument info" in r.stderr
    if plain_names:
        # legacy names with recorded arguments: uftrace 0.13 matches the
        # argspec's (demangled) patterns against the names it prints, so it
        # reads the arguments only with its own demangling on
        r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise subprocess.CalledProcessError(r.returncode, r.args, r.stdout, r.stderr)
    out = r.stdout
    recs, names = [], []
    for line in out.splitlines():
        m = re.match(r"^\s*(?:([\d.]+) (\w+))?\s*\[\s*(\d+)\]\s*([\d.]+)?\s*\|\s*(.*)$", line)
        if not m:
            continue
        v, u, tid, ts, s = m.groups()
        dur = float(v) * UNIT[u] if v else None
        ts = float(ts) * 1e6 if ts else None
        if s.startswith("} /* "):
            recs.append(("exit", tid, dur, s[5:-3], None, ts))
        elif s.startswith("} = ") and "; /* " in s:   # the exit of a -R ...@retval function
            recs.append(("exit", tid, dur, s[s.index("; /* ") + 5:-3], None, ts))
        elif s.startswith("/* "):
            recs.append(("event", tid, dur, s[3:-3], None, ts))
        else:
            m2 = re.match(r"^(\S+?)(?:\((.*)\))? \{$", s) or re.match(r"^(\S+?)(?:\((.*)\))?;$", s)
            if m2:
                kind = "enter" if s.endswith("{") else "leaf"
                arg = m2.group(2)
                if arg and arg1_at is not None:
                    arg = arg.split(", ")[arg1_at]
                recs.append((kind, tid, dur, m2.group(1), arg, ts))
                names.append(m2.group(1))
    dm = demangle(names)
    if plain_names:   # uftrace's legacy demangling, as c++filt prints it
        for n in names:
            if not n.startswith(("_R", "_Z")):
                dm[n] = re.sub(r"(^|::)_(?=[<{])", r"\1", n).replace("..", "::")
    stacks = collections.defaultdict(list)
    last_ts = {}
    calls = []
    for kind, tid, dur, name, arg, ts in recs:
        st = stacks[tid]
        if ts:
            last_ts[tid] = ts + (dur if kind == "event" and dur else 0)
        if kind == "enter":
            st.append([dm.get(name, name), arg, [], st[-1][0] if st else None, ts])
        elif kind == "leaf":
            n = dm.get(name, name)
            calls.append((tid, n, arg, dur, [], st[-1][0] if st else None, ts))
            if st:
                st[-1][2].append((n, dur))
        elif kind == "exit" and st:
            n, a, ch, par, t0 = st.pop()
            calls.append((tid, n, a, dur, ch, par, t0))
            if st:
                st[-1][2].append((n, dur))
        elif kind == "event" and dur and st:
            st[-1][2].append((name, dur))
    # calls still open at the end (a killed program): they ran until their
    # thread's last timestamp, its scheduler events included
    for tid, st in stacks.items():
        while st:
            n, a, ch, par, t0 = st.pop()
            dur = last_ts[tid] - t0 if t0 is not None else None
            calls.append((tid, n, a, dur, ch, par, t0, True))
            if st:
                st[-1][2].append((n, dur))
    return calls


def fmt(x):
    return f"{x:.3f}".rstrip("0").rstrip(".")


def measure(fix, d):
    crate, runtime, symbols, args, slow = FIXTURES[fix]   # slow: ASPROF_SLOWDOWN(_PCT)
    out = []
    emit = lambda *a: out.append(" ".join([fix] + [str(x) for x in a]))
    ndat = len([f for f in os.listdir(d) if re.fullmatch(r"\d+\.dat", f)])
    emit("program", crate)
    emit("runtime", runtime)
    emit("symbols", symbols)
    emit("args", args)
    if slow is not None:
        emit("slowdown_pct" if crate == "nightly" else "slowdown", slow)
    emit("threads", ndat)
    calls = calls_of(d, ARG1_AT.get(fix))
    clo = r"(\{closure#0\}|\{\{closure\}\})"
    body_re = re.compile(rf"^{crate}::([a-z_]+(?:::main)?)::{clo}$")   # main::main: #[async_std::main]
    # a future body is called by a poll: a Future::poll impl, a runtime's poll
    # closure, or another body / join-select closure of the crate; a plain
    # closure (e.g. Option::filter(|v| ..)) is called by something else.
    polled_by = re.compile(rf"(::poll$|::poll::{clo}$|^{crate}::[a-z_]+(::main)?::{clo}(::{clo})?$|"
                           rf"block_on.*::{clo}$|spawn.*::{clo}$)")
    task_parent = re.compile(r"(core::Core<.*>::poll::\{closure#0\}|Core<T,S>::poll::\{\{closure\}\}|"
                             r"SupportTaskLocals<.*> as core::future::future::Future>::poll::\{closure#0\}|"
                             r"Executor>::spawn::<.*>::\{closure#0\})$")
    bodies = collections.defaultdict(list)
    closures = collections.Counter()
    for c in calls:
        if body_re.match(c[1]):
            if c[5] and polled_by.search(c[5]):
                bodies[c[1]].append(c)
            else:
                closures[(c[1], c[5])] += 1
    ctor = collections.Counter(c[1] for c in calls if re.fullmatch(rf"{crate}::[a-z_]+(::main)?", c[1]))
    main_body = f"{crate}::main::" + ("{{closure}}" if symbols == "legacy" else "{closure#0}")
    emit("main_future", main_body)
    if any(c[1] == f"{crate}::main::main::{{closure#0}}" for c in calls):
        emit("main_user_body", f"{crate}::main::main::{{closure#0}}")   # #[async_std::main] wrapper
    for b, cs in sorted(bodies.items()):
        fn = body_re.match(b).group(1)
        inst = ctor.get(f"{crate}::{fn}", 0) if fn != "main" else 1
        emit("future", b, inst)
    for b, cs in sorted(bodies.items()):
        emit("polls", b, len(cs))
    # (nightly: each call of an async fn is a new instance, but the calls
    # of one connection share the address of the future awaiting them, so
    # the distinct arg1 values are not instances; `future` gives those)
    if args == "yes" and crate != "nightly" and any(c[2] for cs in bodies.values() for c in cs):   # -A on the bodies
        for b, cs in sorted(bodies.items()):
            emit("instances_with_args", b, len({c[2] for c in cs}))
    # blocking polls
    blk = BLOCKING_MS.get(fix, 50) * 1e3
    long = [c for b, cs in bodies.items() for c in cs if (c[3] or 0) > blk]
    if fix in TRUTH:
        emit("blocking_truth", TRUTH[fix])
        long = []
    elif not long:
        emit("blocking_future", "-")
    for c in long:
        emit("blocking_future", c[1])
        emit("blocking_poll", 1 + [x[3] for x in bodies[c[1]]].index(c[3]))
        emit("blocking_ms", round(c[3] / 1e3))
        emit("blocking_tid", c[0])
        funcs = [(n, x) for n, x in c[4] if x and not n.startswith("linux:")]
        top = max(funcs, key=lambda t: t[1]) if funcs else None
        culprit = top[0] if top and top[1] > 0.5 * c[3] else "-"
        emit("blocking_culprit", culprit)
        while culprit != "-":   # the chain below the culprit, as far as it is traced
            cc = max((x for x in calls if x[1] == culprit and x[0] == c[0]), key=lambda x: x[3] or 0)
            sub = [(n, x) for n, x in cc[4] if x and not n.startswith("linux:") and x > 0.5 * c[3]]
            culprit = sub[0][0] if sub else "-"
            if sub:
                emit("blocking_culprit_callee", culprit)
        ev = [(n, x) for n, x in c[4] if x and n.startswith("linux:") and x > 0.5 * c[3]]
        if ev:
            emit("blocking_event", ev[0][0], round(ev[0][1] / 1e3))
    longest = [max((x[3] or 0) for x in cs) for b, cs in bodies.items()
               if not any((x[3] or 0) > blk for x in cs)]
    if fix not in TRUTH:
        emit("max_other_poll_ms", fmt(max(longest) / 1e3))
    # a program killed inside a poll: the signal (info's exit_status is a
    # wait status) and the async bodies still running then
    with open(os.path.join(d, "info"), "rb") as f:
        m = re.search(rb"\nexit_status:(-?\d+)\n", f.read())
    status = int(m.group(1)) if m else 0
    if status > 0 and os.WIFSIGNALED(status):
        emit("killed_by_signal", os.WTERMSIG(status))
        emit("unfinished_bodies", sum(1 for cs in bodies.values() for c in cs if len(c) > 7))
    elif status > 0 and os.WIFEXITED(status):
        emit("exit_code", os.WEXITSTATUS(status))
    # hand-written future
    hw = [c for c in calls if c[1] == f"<{crate}::CountDown as core::future::future::Future>::poll"]
    if hw:
        inst = (sum(1 for c in calls if c[1] == f"<{crate}::CountDown as core::future::into_future::IntoFuture>::into_future")
                or sum(1 for c in calls if c[1] in (f"<{crate}::CountDown>::new", f"{crate}::CountDown::new")))
        emit("handwritten_instances", f"{crate}::CountDown", inst)
        emit("handwritten_polls_total", f"{crate}::CountDown", len(hw))
        emit("handwritten_polls", f"{crate}::CountDown", len(hw) // inst)
        if args == "yes":
            per = collections.Counter(c[2] for c in hw)
            emit("handwritten_instances_with_args", f"{crate}::CountDown", len(per))
            assert set(per.values()) == {len(hw) // inst}, per
    # task polls
    tp = collections.defaultdict(collections.Counter)
    tpolls = collections.defaultdict(list)   # task type -> its task polls
    for c in calls:
        m = (re.match(r"^<tokio::runtime::task::harness::Harness<(.*), [^,]*>>::poll$", c[1])
             or re.match(r"^<async_std::task::builder::SupportTaskLocals<(.*)> as core::future::future::Future>::poll$", c[1])
             or re.match(r"^<async_task::raw::RawTask<<async_executor::Executor>::spawn<u64, (?!async_std::)(.*)>::\{closure#0\}, u64, .*>>::run$", c[1])
             or re.match(r"^tokio::runtime::task::harness::(Harness<T,S>)::poll$", c[1]))
        if m:
            tp[m.group(1)][c[2]] += 1
            tpolls[m.group(1)].append(c)
    spawned = 0
    for b, cs in sorted(bodies.items()):
        if any(task_parent.search(c[5] or "") for c in cs):
            fn = body_re.match(b).group(1)
            n = ctor.get(f"{crate}::{fn}", 0) if fn != "main" else 1
            spawned += n if fn != "main" else 0
            emit("task", b, n)
    emit("spawned_tasks", spawned)
    for f, cnt in sorted(tp.items()):
        if not body_re.match(f) and f != "Harness<T,S>":
            tids = {c[0] for c in calls if c[1].endswith(f"<{f}, tokio::runtime::blocking::schedule::BlockingSchedule>>::poll")}
            emit("runtime_task", f, len(cnt) if args == "yes" else len(tids))
    for f, cnt in sorted(tp.items()):
        emit("task_polls", f, sum(cnt.values()))
    if args == "yes":
        # A task instance = an arg1 value (the task cell); tokio: a cell freed by a
        # completed task can be reused by the next one, so a Harness::poll that
        # calls Harness::complete ends the instance (async-std: distinct arg1).
        inst = {}
        for f, cs in tpolls.items():
            n, done = 0, {}
            for c in sorted(cs, key=lambda c: (c[6], c[0])):
                if c[2] not in done or done[c[2]]:
                    n += 1
                done[c[2]] = any(re.search(r"harness::Harness<.*>>::complete$|Harness<T,S>::complete$", x)
                                 for x, _ in c[4])
            inst[f] = n
        emit("tasks_with_args", sum(inst.values()))
        for f in sorted(inst):
            emit("task_instances_with_args", f, inst[f])
        if fix in LINTS:
            for f, cnt in sorted(tp.items()):
                emit("task_addresses_with_args", f, len(cnt))
    if fix in LINTS:
        lint_keys(emit, calls, bodies, task_parent, ctor, body_re, crate, blk)
    # a closure given to spawn_blocking is called by BlockingTask's poll, but
    # runs on the blocking pool as a plain FnOnce: not a future
    nested = re.compile(rf"^{crate}::[a-z_]+(::main)?::{clo}::{clo}$")
    for c in calls:
        if nested.match(c[1]) and "BlockingTask<" in (c[5] or ""):
            closures[(c[1], c[5])] += 1
    for (n, par), k in sorted(closures.items(), key=lambda t: (t[0][0], t[0][1] or "")):
        emit("plain_closure", n, k)
    comb = collections.Counter(c[1] for c in calls if nested.match(c[1]) and "BlockingTask<" not in (c[5] or ""))
    for n, k in sorted(comb.items()):
        emit("combinator_closure", n, k)
    if crate == "regress":
        # from the source: only parse_batch reads ASPROF_SLOWDOWN (4*N parse_record per poll)
        emit("slowed_future", "regress::parse_batch::{closure#0}")
        emit("unaffected_future", "regress::fetch_rows::{closure#0}")
        emit("unaffected_future", "regress::render_page::{closure#0}")
        for b, cs in sorted(bodies.items()):
            if not b.startswith("regress::main"):
                emit("total_poll_ms", b, fmt(sum(x[3] or 0 for x in cs) / 1e3))
    if crate == "nightly":
        # from the source: only kv_get reads ASPROF_SLOWDOWN_PCT; its
        # callers contain it (inclusive time), nothing else depends on it
        emit("slowed_future", "nightly::kv_get::{closure#0}")
        emit("slowed_callers", "nightly::handle_request::{closure#0}", "nightly::handle_conn::{closure#0}")
    if fix in TRUTH:
        out = [o for o in out if o.split(" ")[1] in TRUTH_KEYS]
    return out


def lint_keys(emit, calls, bodies, task_parent, ctor, body_re, crate, blk):
    """never_yielded / self_wake keys (tokio_lints*)."""
    roots = {b for b, cs in bodies.items() if any(task_parent.search(c[5] or "") for c in cs)}
    for b in sorted(roots):
        n = ctor.get(f"{crate}::{body_re.match(b).group(1)}", 0)
        cs = bodies[b]
        # never yielded: one poll per instance, and that poll is over the threshold
        if n and len(cs) == n and all((c[3] or 0) > blk for c in cs):
            emit("never_yielded", b)
    # self-wake: the longest run of consecutive polls of the same task root on
    # a thread, no other task root (nor the main future) polled in between
    tops = sorted((c for b, cs in bodies.items() for c in cs
                   if b in roots or b.startswith(f"{crate}::main::")),
                  key=lambda c: (c[0], c[6]))
    best = {}
    run = []
    for c in tops + [None]:
        if run and (c is None or c[0] != run[-1][0] or c[1] != run[-1][1]):
            if len(run) > len(best.get(run[0][1], [])):
                best[run[0][1]] = run
            run = []
        if c is not None:
            run.append(c)
    for b, r in sorted(best.items()):
        if b in roots and len(r) >= SELF_WAKE_MIN_RUN:
            gaps = sorted(y[6] - (x[6] + x[3]) for x, y in zip(r, r[1:]))
            emit("self_wake", b, len(r))
            emit("self_wake_gap_us_min", b, fmt(gaps[0]))
            emit("self_wake_gap_us_median", b, fmt(gaps[len(gaps) // 2]))
            emit("self_wake_gap_us_max", b, fmt(gaps[-1]))


HEADER = """\
# Ground truth of the fixtures in this directory, one fact per line:
#   <fixture> <key> <value...>
# Names are demangled as libiberty prints them WITHOUT DMGL_VERBOSE (v0:
# "krate::f::{closure#0}", legacy: "krate::f::{{closure}}"; c++filt adds the
# crate hashes "[0123abcd]" / "::h<16 hex>", which are not part of the name).
# When a value is "<name> <number>", the number is the LAST field and the name
# is everything between the key and it (names may contain spaces, e.g.
# "Harness<F, S>").  See README.md for the meaning of each key, and which
# values follow from the source and which only from the committed recording.
# Measured by tests/rust/ground_truth.py, checked by hand against the source.
"""


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "fixtures")
    only = sys.argv[2:]   # some fixtures only (their lines, to add to expect.txt)
    print(HEADER)
    for fix in FIXTURES:
        if only and fix not in only:
            continue
        d = os.path.join(root, fix)
        if os.path.isdir(d):
            print("\n".join(measure(fix, d)))
            print()
    expect = os.path.join(root, "expect.txt")
    for fix in HAND:
        if only and fix not in only:
            continue
        lines = [l.rstrip("\n") for l in open(expect, encoding="utf-8") if l.startswith(fix + " ")]
        if lines:
            print("\n".join(lines))
            print()


if __name__ == "__main__":
    main()
