#!/bin/sh
# trace-devtools.sh - a fixture's trace.json in the Performance panel of
# Chromium's own DevTools (tests/trace_devtools.py): the timeline starts at
# the recording's start, so the blocking poll sits where summary.json puts
# its finding; its entry's name says BLOCKING; the task-migration flows are
# bound; OS threads are named by their real tid; on sched_delay_mcount the
# arrows from the blocking poll to its victims are bound. Skipped with a
# message where chromium is missing.
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

# sched_delay_mcount (a current-thread runtime: no task moves): the arrows
# from blocker's blocking poll to its two victims' delayed polls are bound
f=sched_delay_mcount
"$ASPROF" -q -o "$TMP/out-sd" "$FIXTURES/$f" >/dev/null 2>"$TMP/stderr" || true
run="$TMP/out-sd/runs/$f"
if python3 "${TESTS_SRCDIR:-$(dirname "$0")}/trace_devtools.py" "$CHROMIUM" \
	"$run/trace.json" "$TMP/devtools-sd.png" >"$TMP/seen.json" 2>"$TMP/err"; then
	check "$f: the arrows to the blocking poll's victims bound, one per victim" \
		'seen["flows"] == sum(len(f["victims"]["tasks"]) for f in blocking) == 2'
else
	not_ok "DevTools loads $f's trace.json"
	diag "$TMP/err"
fi
tap_done
