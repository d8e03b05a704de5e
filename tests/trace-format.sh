#!/bin/sh
# trace-format.sh - trace.json is valid Trace Event Format: first the
# validator (tests/trace_format.py) must reject small broken traces and
# accept a good one, then every fixture's trace.json must pass it.
. "${TESTS_SRCDIR:-$(dirname "$0")}/setup.sh"

validator="${TESTS_SRCDIR:-$(dirname "$0")}/trace_format.py"
if ! command -v python3 >/dev/null 2>&1; then
	echo "1..0 # SKIP python3 not found"
	exit 0
fi

# trace NAME JSON: a small trace file in $TMP
trace() { printf '%s\n' "$2" >"$TMP/$1.json"; }

# rejects NAME PATTERN: the validator fails on $TMP/NAME.json saying PATTERN
rejects() {
	if python3 "$validator" "$TMP/$1.json" >"$TMP/v.out" 2>&1; then
		not_ok "rejects $1: accepted"
		diag "$TMP/v.out"
	elif grep -q -- "$2" "$TMP/v.out"; then
		ok "rejects $1: $(head -n 1 "$TMP/v.out" | sed "s|^$TMP/||")"
	else
		not_ok "rejects $1: no line matching '$2'"
		diag "$TMP/v.out"
	fi
}

trace unbalanced '{"traceEvents":[
 {"ph":"B","name":"a","ts":1,"pid":1,"tid":1},
 {"ph":"B","name":"b","ts":2,"pid":1,"tid":1},
 {"ph":"E","ts":3,"pid":1,"tid":1}]}'
rejects unbalanced 'never ended'
trace end-without-begin '[{"ph":"E","ts":3,"pid":1,"tid":1}]'
rejects end-without-begin 'without a "B"'
trace flow-without-start '{"traceEvents":[
 {"ph":"X","name":"a","ts":1,"dur":2,"pid":2,"tid":7},
 {"ph":"f","bp":"e","name":"task 1 moved","cat":"task_migration","id":1,"ts":1,"pid":2,"tid":7}]}'
rejects flow-without-start 'without an "s"'
trace flow-backwards '[
 {"ph":"f","bp":"e","name":"m","cat":"c","id":1,"ts":1,"pid":2,"tid":7},
 {"ph":"s","name":"m","cat":"c","id":1,"ts":5,"pid":2,"tid":8}]'
rejects flow-backwards 'before its "s"'
trace missing-ts '{"traceEvents":[{"ph":"X","name":"a","dur":2,"pid":1,"tid":1}]}'
rejects missing-ts 'no "ts"'
trace negative-dur '{"traceEvents":[{"ph":"X","name":"a","ts":5,"dur":-1,"pid":1,"tid":1}]}'
rejects negative-dur 'dur -1 < 0'
trace overlap '{"traceEvents":[
 {"ph":"X","name":"a","ts":0,"dur":10,"pid":1,"tid":1},
 {"ph":"X","name":"b","ts":5,"dur":10,"pid":1,"tid":1}]}'
rejects overlap 'without nesting'
trace bad-metadata '[{"ph":"M","name":"thread_title","pid":1,"tid":1,"args":{"name":"x"}}]'
rejects bad-metadata 'unknown metadata name'
trace bad-scope '[{"ph":"i","name":"x","s":"q","ts":1,"pid":1,"tid":1}]'
rejects bad-scope 'instant scope'
trace not-json '{"traceEvents":[{"ph":"X","ts":1,'
rejects not-json 'not a JSON trace'

trace good '{"traceEvents":[
 {"ph":"M","name":"process_name","pid":2,"args":{"name":"Threads"}},
 {"ph":"M","name":"thread_name","pid":2,"tid":7,"ts":0,"args":{"name":"thread 7"}},
 {"ph":"X","name":"child","ts":1.5,"dur":2.5,"pid":2,"tid":7},
 {"ph":"X","name":"parent","ts":1,"dur":3,"pid":2,"tid":7},
 {"ph":"i","name":"blocking: child","s":"t","ts":1.5,"pid":2,"tid":7},
 {"ph":"B","name":"b","ts":10,"pid":2,"tid":8},
 {"ph":"E","ts":12,"pid":2,"tid":8},
 {"ph":"s","name":"m","cat":"task_migration","id":1,"ts":3.999,"pid":2,"tid":7},
 {"ph":"f","bp":"e","name":"m","cat":"task_migration","id":1,"ts":10,"pid":2,"tid":8}],
 "displayTimeUnit":"ns","otherData":{"version":"asprof-trace/1"}}'
if python3 "$validator" "$TMP/good.json" >"$TMP/v.out" 2>&1 &&
	grep -q 'ok, 9 events' "$TMP/v.out"; then
	ok "accepts a good trace"
else
	not_ok "accepts a good trace"
	diag "$TMP/v.out"
fi

# every fixture's trace.json
n=0
for f in $(fixtures); do
	n=$((n + 1))
	set +e
	"$ASPROF" -q -o "$TMP/out" "$FIXTURES/$f" >"$TMP/stdout" 2>"$TMP/stderr"
	st=$?
	set -e
	out="$TMP/out/runs/$f/trace.json"
	if [ "$st" -eq 2 ]; then
		skip "$f: analysis not available: $(head -n 1 "$TMP/stderr")"
	elif [ "$st" -gt 2 ]; then
		not_ok "$f: asprof-batch exited with status $st"
		diag "$TMP/stderr"
	elif [ ! -f "$out" ]; then
		not_ok "$f: no $out"
	elif python3 "$validator" "$out" >"$TMP/v.out" 2>&1; then
		ok "$f: $(sed "s|^$TMP/out/||" "$TMP/v.out")"
	else
		not_ok "$f: trace.json is not valid Trace Event Format"
		diag "$TMP/v.out"
	fi
done
[ "$n" -gt 0 ] || skip "no fixtures in $FIXTURES"

tap_done
