#!/bin/sh
# trace-devtools.sh - a fixture's trace.json in the Performance panel of
# Chromium's own DevTools (tests/trace_devtools.py): the timeline starts at
# the recording's start, so the blocking poll sits where summary.json puts
# its finding; its entry's name says BLOCKING; the task-migration flows are
# bound; OS threads are named by their real tid; on sched_delay_mcount the
# arrows from the blocking poll to its victims are bound; on it and on
# sched_delay_mt_mcount each wait (a wake to the poll it caused) is a slice
# on the task's track as long as summary.json's scheduled time, with an
# arrow bound from the wake to the poll. Skipped with a message where
# chromium is missing.
. "${TESTS_SRCDIR:-$(dirname "$0")}/setup.sh"

CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if ! command -v python3 >/dev/null 2>&1; then
	echo "1..0 # SKIP python3 not found"
	exit 0
fi
if [ -z "$CHROMIUM" ]; then
	echo "1..0 # SKIP chromium is not installed (apt-get install chromium)"
	exit 0
fi
f=tokio_mt
[ -d "$FIXTURES/$f" ] || { echo "1..0 # SKIP no fixture $f"; exit 0; }

set +e
"$ASPROF" -q -o "$TMP/out" "$FIXTURES/$f" >/dev/null 2>"$TMP/stderr"
st=$?
set -e
if [ "$st" -gt 1 ]; then
	not_ok "$f: asprof-batch exited with status $st"
	diag "$TMP/stderr"
	tap_done
	exit 0
fi
run="$TMP/out/runs/$f"
if ! python3 "${TESTS_SRCDIR:-$(dirname "$0")}/trace_devtools.py" "$CHROMIUM" \
	"$run/trace.json" "$TMP/devtools.png" >"$TMP/seen.json" 2>"$TMP/err"; then
	not_ok "DevTools loads $f's trace.json"
	diag "$TMP/seen.json"
	diag "$TMP/err"
	tap_done
	exit 0
fi
ok "DevTools loads $f's trace.json ($(wc -c <"$TMP/devtools.png") byte screenshot)"

# check NAME PYTHON-EXPRESSION: seen (the panel), summary (summary.json)
check() {
	if python3 - "$TMP/seen.json" "$run/summary.json" "$2" >"$TMP/c.out" 2>&1 <<'PY'
import json, os, sys
seen = json.load(open(sys.argv[1]))
summary = json.load(open(sys.argv[2]))
blocking = [f for f in summary["findings"] if f["rule"] == "blocking-poll"]
ok = eval("(" + sys.argv[3] + ")")
print(ok)
sys.exit(0 if ok is True else 1)
PY
	then ok "$1"; else not_ok "$1"; diag "$TMP/c.out"; fi
}
# tokio_mt: blocking_io sleeps 150 ms in one poll (tests/rust/tokio_mt)
check "the timeline starts at the recording's start" 'seen["start_ms"] < 0.001'
check "a BLOCKING entry where summary.json's finding starts" \
	'len(blocking) == 1 and any(e["title"].startswith("BLOCKING ") and e["title"].endswith(blocking[0]["future"]) and abs(e["start_ms"] - seen["start_ms"] - blocking[0]["start_ns"] / 1e6) < 0.001 for e in seen["entries"])'
check "its details show the finding (rule, threshold, culprit)" \
	'all(x in seen["details"] for x in ("\"rule\" \"blocking-poll\"", "\"threshold_ms\" %g" % (blocking[0]["threshold_ns"] / 1e6), "\"culprit\" \"%s\"" % blocking[0]["culprit"]))'
check "task-migration flows bound to polls" 'seen["flows"] >= 1'
# the process named by the executable with its real pid (task.txt), the
# main thread (tid = pid) and the two workers by their tids, the tasks by
# their ids (tests/rust/tokio_mt: main, worker, blocking_io, selector)
pid=$(sed -n 's/^SESS .* pid=\([0-9][0-9]*\) .*/\1/p' "$FIXTURES/$f/task.txt" | head -n 1)
tids=$(ls "$FIXTURES/$f" | sed -n 's/^\([0-9][0-9]*\)\.dat$/\1/p' | grep -v "^$pid\$" | tr '\n' ' ')
export pid tids
check "the process, its threads and tasks named with their real ids" '
seen["groups"][0] == "tokio_mt (%s)" % os.environ["pid"] and
sorted(g for g in seen["groups"][1:] if not g.startswith("task ")) ==
  sorted(["main thread (%s)" % os.environ["pid"]] +
         ["OS thread (%s)" % t for t in os.environ["tids"].split()]) and
sorted(g for g in seen["groups"] if g.startswith("task ")) ==
  sorted("task %d%s: %s (%d)" % (t["id"], " (main)" if t["main"] else "", t["root"], t["id"])
         for t in summary["tasks"])'

# check_waits FIXTURE: its trace.json in the panel (seen.json), then the
# waits: one "scheduled" slice on a task's track per wait summary.json
# counts (each of these fixtures' waits is over the 50 us drawn), as long
# as the task's scheduled time (one wait per task: its max) within 1 % for
# the long ones (over 10 ms), else up to 50 us longer (the slice ends at
# the future's poll, a few instrumented calls after the executor's poll
# call where the scheduled time ends), its waker's thread in its args; one
# bound arrow per wait from a "wakes task N" mark on that thread's track to
# the task's poll on the task's track
check_waits() {
	f=$1
	"$ASPROF" -q -o "$TMP/out-$f" "$FIXTURES/$f" >/dev/null 2>"$TMP/stderr" || true
	run="$TMP/out-$f/runs/$f"
	if ! python3 "${TESTS_SRCDIR:-$(dirname "$0")}/trace_devtools.py" "$CHROMIUM" \
		"$run/trace.json" "$TMP/devtools-$f.png" >"$TMP/seen.json" 2>"$TMP/err"; then
		not_ok "DevTools loads $f's trace.json"
		diag "$TMP/err"
		return 0
	fi
	check "$f: a wait slice per wait on its task's track, as long as summary.json's" '
[e for e in seen["entries"] if e["title"].startswith("scheduled ")] and
sorted(e["tid"] for e in seen["entries"] if e["title"].startswith("scheduled ")) ==
  sorted(t["id"] for t in summary["tasks"] for _ in range(t["sched_waits"])) and
all(t["sched_waits"] == 1 and
    (abs(e["dur_ms"] * 1e6 - t["sched_ns"]["max"]) <= 0.01 * t["sched_ns"]["max"]
     if t["sched_ns"]["max"] > 10e6 else 0 <= e["dur_ms"] * 1e6 - t["sched_ns"]["max"] <= 50e3)
    for t in summary["tasks"] for e in seen["entries"]
    if e["title"].startswith("scheduled ") and e["tid"] == t["id"])'
	check "$f: an arrow bound from each wake to the poll it caused" '
sorted((w["args"]["waker_tid"], w["tid"], round((w["start_ms"] + w["dur_ms"]) * 1e3))
       for w in seen["entries"] if w["title"].startswith("scheduled ")) ==
sorted((m["tid"], p["tid"], round(p["ts_ms"] * 1e3))
       for fl in seen["flow_events"] if len(fl) == 2
       for m in fl for p in fl
       if p is not m and m["name"] == "wakes task %d" % p["tid"])'
}

# sched_delay_mcount (a current-thread runtime: no task moves): the arrows
# from blocker's blocking poll to its two victims' delayed polls are bound;
# waiter_b and waiter_c, woken by a std::thread (not the runtime's) 5 ms
# into it, waited about 22 ms (tests/fixtures/sched_delay_mcount.truth)
check_waits sched_delay_mcount
check "sched_delay_mcount: the arrows to the blocking poll's victims bound, one per victim" '
sum(1 for fl in seen["flow_events"] if any(e["name"].startswith("BLOCKING ") for e in fl)) ==
  sum(len(f["victims"]["tasks"]) for f in blocking) == 2'
pid=$(sed -n 's/^SESS .* pid=\([0-9][0-9]*\) .*/\1/p' "$FIXTURES/sched_delay_mcount/task.txt" | head -n 1)
export pid
check "sched_delay_mcount: waiter_b and waiter_c wait 20-25 ms, woken from a std::thread" '
sorted(t["root"] for t in summary["tasks"] for e in seen["entries"]
       if e["title"].startswith("scheduled ") and e["tid"] == t["id"] and 20 < e["dur_ms"] < 25
       and e["args"]["waker_tid"] != int(os.environ["pid"])) ==
  ["sched_delay::waiter_b::{closure#0}", "sched_delay::waiter_c::{closure#0}"]'
# the multi-thread runtime: stuck, woken by blocker from its poll, waits
# 30 ms behind it; the other worker polls stolen and far at once
check_waits sched_delay_mt_mcount
check "sched_delay_mt_mcount: stuck alone waits over 25 ms" '
[t["root"] for t in summary["tasks"] for e in seen["entries"]
 if e["title"].startswith("scheduled ") and e["tid"] == t["id"] and e["dur_ms"] > 25] ==
  ["sched_delay_mt::stuck::{closure#0}"]'
tap_done
