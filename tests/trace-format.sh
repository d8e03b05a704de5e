#!/bin/sh
# trace-format.sh - trace.json is valid Trace Event Format and shows what
# summary.json says the way viewers need it (docs/trace-viewers.md): first
# the validator (tests/trace_format.py) must reject small broken traces and
# accept a good one, then every fixture's trace.json must pass it, checked
# against its summary.json.
. "${TESTS_SRCDIR:-$(dirname "$0")}/setup.sh"

validator="${TESTS_SRCDIR:-$(dirname "$0")}/trace_format.py"
if ! command -v python3 >/dev/null 2>&1; then
	echo "1..0 # SKIP python3 not found"
	exit 0
fi

# trace NAME JSON: a small trace file in $TMP
trace() { printf '%s\n' "$2" >"$TMP/$1.json"; }

# rejects NAME PATTERN [OPTION...]: the validator (with the options) fails
# on $TMP/NAME.json saying PATTERN
rejects() {
	name=$1 pattern=$2
	shift 2
	if python3 "$validator" "$@" "$TMP/$name.json" >"$TMP/v.out" 2>&1; then
		not_ok "rejects $name: accepted"
		diag "$TMP/v.out"
	elif grep -q -- "$pattern" "$TMP/v.out"; then
		ok "rejects $name: $(head -n 1 "$TMP/v.out" | sed "s|^$TMP/||")"
	else
		not_ok "rejects $name: no line matching '$pattern'"
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
 "displayTimeUnit":"ns","otherData":{"version":"asprof-trace/2"}}'
if python3 "$validator" "$TMP/good.json" >"$TMP/v.out" 2>&1 &&
	grep -q 'ok, 9 events' "$TMP/v.out"; then
	ok "accepts a good trace"
else
	not_ok "accepts a good trace"
	diag "$TMP/v.out"
fi

# what viewers need, against a summary.json (docs/trace-viewers.md)
cat >"$TMP/summary.json" <<'EOF'
{"findings":[{"rule":"blocking-poll","severity":"error","future":"m::io","tid":7,
 "start_ns":1500,"threshold_ns":100000000,"culprit":"m::sleep","doing":"blocked"}]}
EOF
viewer() { rejects "$1" "$2" --summary "$TMP/summary.json"; }
args='"args":{"rule":"blocking-poll","severity":"error","culprit":"m::sleep","doing":"blocked","threshold_ms":100.000}'
slice='{"ph":"X","name":"BLOCKING 150.0 ms: m::io","ts":1.5,"dur":9,"pid":2,"tid":7,"cat":"c",'$args'}'
start='{"ph":"I","name":"recording start","s":"g","ts":0.001,"pid":2,"tid":7}'
trace v-good "[$start, $slice]"
if python3 "$validator" --summary "$TMP/summary.json" "$TMP/v-good.json" >"$TMP/v.out" 2>&1; then
	ok "viewers: accepts a trace that lines up with summary.json"
else
	not_ok "viewers: accepts a trace that lines up with summary.json"
	diag "$TMP/v.out"
fi
trace v-no-start "[$slice]"
viewer v-no-start "recording's start"
trace v-zero "[{\"ph\":\"I\",\"name\":\"r\",\"s\":\"g\",\"ts\":0,\"pid\":2,\"tid\":7}, $slice]"
viewer v-zero "recording's start"
trace v-plain "[$start, {\"ph\":\"X\",\"name\":\"m::io\",\"ts\":1.5,\"dur\":9,\"pid\":2,\"tid\":7,$args}]"
viewer v-plain 'no slice "BLOCKING'
trace v-args "[$start, $(printf '%s' "$slice" | sed 's/"m::sleep"/null/')]"
viewer v-args "args.culprit"
trace v-instant "[$start, $slice, {\"ph\":\"i\",\"name\":\"b\",\"s\":\"t\",\"ts\":1.5,\"pid\":2,\"tid\":7}]"
viewer v-instant 'DevTools does not show'
trace v-cname "[$start, $(printf '%s' "$slice" | sed 's/"cat":"c"/"cat":"c","cname":"terrible"/')]"
viewer v-cname 'no viewer shows'
trace v-flow "[$start, $slice,
 {\"ph\":\"s\",\"name\":\"m\",\"cat\":\"c\",\"id\":1,\"ts\":2,\"pid\":2,\"tid\":7},
 {\"ph\":\"f\",\"bp\":\"e\",\"name\":\"m\",\"cat\":\"c\",\"id\":1,\"ts\":1.5,\"pid\":2,\"tid\":7}]"
viewer v-flow "bound to no slice"
trace v-wait "[$start, $slice,
 {\"ph\":\"X\",\"name\":\"scheduled 1 ms\",\"ts\":0.5,\"dur\":1,\"pid\":2,\"tid\":8,\"cat\":\"scheduling\"},
 {\"ph\":\"X\",\"name\":\"m::poll\",\"ts\":1.5,\"dur\":1,\"pid\":2,\"tid\":8,\"cat\":\"async_fn\"}]"
viewer v-wait "ends at no task poll"

# every fixture's trace.json, and against its summary.json
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
	elif python3 "$validator" --summary "$TMP/out/runs/$f/summary.json" \
		--recording "$FIXTURES/$f" "$out" >"$TMP/v.out" 2>&1; then
		ok "$f: $(sed "s|^$TMP/out/||" "$TMP/v.out")"
	else
		not_ok "$f: trace.json is not valid or not as summary.json and the recording say"
		diag "$TMP/v.out"
	fi
done
[ "$n" -gt 0 ] || skip "no fixtures in $FIXTURES"

tap_done
