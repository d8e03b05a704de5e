#!/bin/sh
# sched.sh - polls judged on own time (on CPU + blocked), from the
# recording's context switches (perf-cpu*.dat), on copies of a real
# recording (tokio_mt: one blocking_io poll sleeps 150 ms in
# std::thread::sleep, a voluntary switch-out):
# - as recorded: the blocking poll is found, blocked, its culprit where it
#   slept;
# - its long switch-outs marked preempted (the machine's time, as on a busy
#   CI runner): no finding, a note saying how much preemption took and that
#   a poll over the threshold on wall time was let go; with
#   `blocking: {measure: wall}` it is found again;
# - the switch-in after them lost (a full perf buffer): still found, the
#   time off the CPU ended by the thread's next record;
# - no perf-cpu*.dat (uftrace record --no-sched): judged on wall time, with
#   a note;
# each the same with and without the folding readers; and the recordings
# made under load on purpose: precision and recall of the blocking findings.
. "${TESTS_SRCDIR:-$(dirname "$0")}/setup.sh"
EDIT="${TESTS_SRCDIR:-$(dirname "$0")}/perfedit.py"

# copy NAME: a writable copy of tokio_mt in $TMP/NAME
copy() { cp -r "$FIXTURES/tokio_mt" "$TMP/$1"; }

# run NAME [ARGS]: analyse $TMP/NAME, folded and not, into $TMP/NAME.{1,0}
run() {
	n=$1
	shift
	for m in 1 0; do
		set +e
		ASPROF_FOLD=$m ASPROF_GNUPLOT=/nonexistent "$ASPROF" -q -o "$TMP/$n.$m" "$@" \
			"$TMP/$n" >"$TMP/$n.$m.out" 2>"$TMP/$n.$m.err"
		echo $? >"$TMP/$n.$m.st"
		set -e
	done
	check "$n: same summary.json with and without folding" \
		cmp -s "$TMP/$n.1/runs/$n/summary.json" "$TMP/$n.0/runs/$n/summary.json"
	check "$n: same trace.json with and without folding" \
		cmp -s "$TMP/$n.1/runs/$n/trace.json" "$TMP/$n.0/runs/$n/trace.json"
}

# findings NAME: the blocking-poll findings of the run, one per line
# (future, doing, culprit, culprit_self, measured ms, own ms, wall ms)
findings() {
	"$PY" - "$TMP/$1.1/runs/$1/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
for f in s["findings"]:
    if f["rule"] == "blocking-poll":
        own = f["oncpu_ns"] + f["blocked_ns"]
        print(f["future"], f["doing"], f["culprit"], f["culprit_self"],
              round(f["measured_ns"] / 1e6), round(own / 1e6), round(f["duration_ns"] / 1e6))
PY
}

copy as_recorded
run as_recorded
findings as_recorded >"$TMP/f"
diag "$TMP/f"
check "as recorded: one blocking poll" test "$(wc -l <"$TMP/f")" -eq 1
check "as recorded: blocking_io, blocked 150 ms in blocking_sleep" \
	grep -q '^tokio_mt::blocking_io::{closure#0} blocked tokio_mt::blocking_sleep False 150 150 150$' "$TMP/f"
check "as recorded: no busy-machine note" sh -c "! grep -q 'machine was busy' '$TMP/as_recorded.1.out'"

copy preempted
check "preempted: long switch-outs marked" test "$("$PY" "$EDIT" "$TMP/preempted" preempt 5)" -gt 0
run preempted
check "preempted: exit 0" grep -qx 0 "$TMP/preempted.1.st"
check "preempted: no finding" test "$(findings preempted | wc -l)" -eq 0
check "preempted: the note says how much preemption took" \
	grep -q 'note: the machine was busy: task polls were preempted .* for 150\.[0-9]* ms of their' \
	"$TMP/preempted.1.out"
check "preempted: the note says a poll was let go" \
	grep -q '1 poll over the blocking threshold on wall time was not reported: under it on own time' \
	"$TMP/preempted.1.out"
printf 'blocking:\n  measure: wall\n' >"$TMP/wall.yaml"
run preempted -c "$TMP/wall.yaml"
check "preempted, measure wall: found again (exit 1)" grep -qx 1 "$TMP/preempted.1.st"
findings preempted >"$TMP/f"
diag "$TMP/f"
check "preempted, measure wall: 150 ms measured, 0 ms own" \
	grep -q '^tokio_mt::blocking_io::{closure#0} .* 150 0 150$' "$TMP/f"
check "preempted, measure wall: says so" grep -q 'judged on wall time (rules: blocking.measure: wall)' \
	"$TMP/preempted.1.out"

copy lost_in
check "lost_in: switch-ins dropped" test "$("$PY" "$EDIT" "$TMP/lost_in" lose-in 5)" -gt 0
run lost_in
findings lost_in >"$TMP/f"
diag "$TMP/f"
check "lost_in: still blocked 150 ms in blocking_sleep" \
	grep -q '^tokio_mt::blocking_io::{closure#0} blocked tokio_mt::blocking_sleep False 150 150 150$' "$TMP/f"

copy no_sched
rm "$TMP/no_sched"/perf-cpu*.dat
run no_sched
check "no_sched: says it is judged on wall time" \
	grep -q 'note: the recording has no context switches .* polls are judged on wall time' \
	"$TMP/no_sched.1.out"
findings no_sched >"$TMP/f"
diag "$TMP/f"
check "no_sched: found on wall time, what it did unknown" \
	grep -q '^tokio_mt::blocking_io::{closure#0} unknown tokio_mt::blocking_sleep False 150 150 150$' "$TMP/f"

# recordings made under load (tests/rust/loaded, pinned beside CPU hogs):
# every blocking poll of each kind found with its kind and a culprit that
# names it, no finding made of preemption (tests/fixtures/loaded.truth)
ASPROF_GNUPLOT=/nonexistent "$ASPROF" -q -o "$TMP/loaded" "$FIXTURES/loaded_mcount" \
	"$FIXTURES/loaded_plain" >"$TMP/loaded.out" 2>&1 || true
"$PY" "${TESTS_SRCDIR:-$(dirname "$0")}/precision.py" -v "$TMP/loaded" >"$TMP/p" 2>&1 || true
diag "$TMP/p"
check "loaded: precision >= 0.95, recall 1, every culprit and kind right" \
	"$PY" "${TESTS_SRCDIR:-$(dirname "$0")}/precision.py" --min-precision 0.95 --min-recall 1 \
	--strict "$TMP/loaded"
check "loaded: the busy machine is noted" \
	test "$(grep -c 'note: the machine was busy' "$TMP/loaded.out")" -eq 2

# a busy poll: cpu_in_poll spends 35 ms on the CPU and about 180 ms of
# wall time under that load; against a 60 ms warning its own time is
# under, but it was on the CPU for more than half of the threshold while
# it held its thread: a warning on wall time (and never an error); against
# 80 ms it was not
busy() {
	printf 'blocking:\n  warning: %s\n  error: 150ms\n' "$1" >"$TMP/busy.yaml"
	ASPROF_GNUPLOT=/nonexistent "$ASPROF" -q -c "$TMP/busy.yaml" -o "$TMP/busy" \
		"$FIXTURES/loaded_mcount" >"$TMP/busy.out" 2>&1 || true
	"$PY" - "$TMP/busy/runs/loaded_mcount/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
for f in s["findings"]:
    if "cpu_in_poll" in f["future"]:
        own = f["oncpu_ns"] + f["blocked_ns"]
        print(f["severity"], "wall" if f["measured_ns"] == f["duration_ns"] > own else "own")
PY
}
busy 60ms >"$TMP/f"
diag "$TMP/f"
check "busy poll: 3 warnings on wall time" test "$(grep -cx 'warning wall' "$TMP/f")" -eq 3
check "busy poll: said in the note" grep -q '3 polls were reported on wall time' "$TMP/busy.out"
busy 80ms >"$TMP/f"
check "busy poll: on the CPU for less than half of 80 ms: none" test ! -s "$TMP/f"

tap_done
