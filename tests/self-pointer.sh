#!/bin/sh
# self-pointer.sh - which argument of a future's poll is its self
# (docs/self-pointer.md), on tests/rust/selfptr recorded in both builds
# (selfptr_mcount, selfptr_plain): a poll returning a large Poll<T> gets
# the return slot in arg1 (System V sret), self in arg2. 8 tasks of `client`
# (large output) awaiting `fetch` (large output), 12 `Digest`s (large
# Output) and 4 `Countdown`s (u32) polled by the main future. Then what
# `record` asks uftrace for: the first three arguments of the program's
# futures, arg1 alone when the command line would be too long for uftrace
# to read back.
. "${TESTS_SRCDIR:-$(dirname "$0")}/setup.sh"
# fut NAME EXPR: EXPR over the summary's future NAME (`f`), in run $sum
fut() { "$PY" -c "import json,sys
d=json.load(open(sys.argv[1])); f=[f for f in d['futures'] if f['name']==sys.argv[2]]
sys.exit(0 if f and ($2) else 1)" "$sum" "$1"; }
json() { "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($1) else 1)" "$sum"; }

for fx in selfptr_mcount selfptr_plain; do
	case $fx in *plain) c='{{closure}}' ;; *) c='{closure#0}' ;; esac
	status "$ASPROF" -q -o "$TMP/out-$fx" "$FIXTURES/$fx"
	sum=$TMP/out-$fx/runs/$fx/summary.json
	check "$fx: analysed, exit 0 (nothing blocks)" [ "$st" -eq 0 ]
	check "$fx: 8 spawned tasks, all of client, and the main task" json \
		"sorted((t['root'], t['main']) for t in d['tasks']) ==
		 [('selfptr::client::$c', False)] * 8 + [('selfptr::main::$c', True)]"
	# client's poll returns Poll<Result<(String, Vec<u8>, u64), io::Error>>:
	# arg1 is a slot on a worker's stack (two values for 8 tasks), arg2 the
	# body in its task cell
	check "$fx: client: 8 instances, one per task, self from arg2" \
		fut "selfptr::client::$c" "f[0]['instances'] == 8 and f[0]['self_arg'] == 2"
	# the evidence: client's self lies in its task cell, just above the
	# task pointer (Harness::poll's arg1), on every poll; none for arg1
	check "$fx: client: arg2 by the task cell at every poll, no vote for arg1" \
		fut "selfptr::client::$c" "f[0]['self_votes'] == [0, f[0]['polls']]"
	# fetch is laid at the start of client's state (same self) and gets the
	# same cx: it follows client. arg1 would give more distinct values
	# (instances) than arg2: the choice is the evidence's, not the count's
	check "$fx: fetch: self from arg2, by the cx it shares with client" \
		fut "selfptr::fetch::$c" "f[0]['self_arg'] == 2 and f[0]['self_votes'][0] == 0 and f[0]['self_votes'][1] > 0"
	check "$fx: fetch: 24 instances (3 calls in each of 8 tasks)" \
		fut "selfptr::fetch::$c" "f[0]['instances'] == 24 and f[0]['polls'] == 48"
	# Digest::poll returns Poll<[u64; 4]> (sret) under join_all in main,
	# with main's cx (main's arg2) as its arg3
	check "$fx: Digest (large Output): 12 instances, 60 polls, self from arg2" \
		fut "selfptr::Digest" "f[0]['instances'] == 12 and f[0]['polls'] == 60 and f[0]['self_arg'] == 2"
	check "$fx: Digest: every poll's arg3 is main's cx" \
		fut "selfptr::Digest" "f[0]['self_votes'] == [0, 60]"
	# Countdown::poll returns Poll<u32> in a register: self is arg1
	check "$fx: Countdown (small Output): 4 instances, 14 polls, self from arg1" \
		fut "selfptr::Countdown" "f[0]['instances'] == 4 and f[0]['polls'] == 14 and f[0]['self_arg'] == 1"
	check "$fx: Countdown: every poll's arg2 is main's cx" \
		fut "selfptr::Countdown" "f[0]['self_votes'] == [14, 0]"
	check "$fx: main: one instance, self from arg1 (its children's cx is its arg2)" \
		fut "selfptr::main::$c" "f[0]['instances'] == 1 and f[0]['self_arg'] == 1 and f[0]['self_votes'][1] == 0"
done

# a recording with arg1 only: no evidence, arg1 as before
sum=$TMP/out-smol_mt/runs/smol_mt/summary.json
"$ASPROF" -q -o "$TMP/out-smol_mt" "$FIXTURES/smol_mt" >/dev/null 2>&1 || true
check "smol_mt (arg1 only): every future with a recorded argument takes arg1, no votes" json \
	"[f['self_arg'] for f in d['futures'] if f['self_arg']] and
	 all(f['self_arg'] in (0, 1) and f['self_votes'] == [0, 0] for f in d['futures'])"

# record: arg1..arg3 of the program's own futures, task polls arg1 only
if command -v gcc >/dev/null 2>&1; then
	cat >"$TMP/sp.c" <<'EOF'
void m(void) __asm__("_RNvCs1_7selfptr4main");
void m(void) {}
int main(void) { m(); return 0; }
EOF
	gcc -pg -O0 -o "$TMP/sp" "$TMP/sp.c"
	status "$ASPROF" record -n --runtime tokio -o "$TMP/rec" -- "$TMP/sp"
	check "record: the program's futures with @arg1,arg2,arg3, the task poll and the wakes with @arg1" \
		sh -c '[ "$1" -eq 0 ] && [ "$(grep -o "@arg[0-9a-z,]*" "$2" | sort | uniq -c | tr -s " ")" = " 2 @arg1
 3 @arg1,arg2,arg3" ]' - "$st" "$TMP/stdout"
	# uftrace 0.13 reads its cmdline back through 4096 bytes (fgets): a
	# long argument that leaves room for arg1 alone gets arg1 alone, and
	# record says so. Its length: what uftrace writes for this command
	# line ("cmdline:", the arguments and a space each, '"' and '\\'
	# escaped) with arg1,arg2,arg3, 15 bytes over; arg1 alone saves 30
	base=$("$PY" -c 'import shlex,sys
a=shlex.split(open(sys.argv[1]).read())
print(8 + sum(len(x) + 1 + x.count("\\") + x.count("\"") for x in a))' "$TMP/stdout")
	long=$(head -c $((4095 - base - 1 + 15)) /dev/zero | tr '\0' x)
	status "$ASPROF" record -n --runtime tokio -o "$TMP/rec" -- "$TMP/sp" "$long"
	check "record: a long command line: arg1 only, and a line on stderr says why" \
		sh -c '[ "$1" -eq 0 ] && ! grep -q "arg2" "$2" && [ "$(grep -o "@arg1" "$2" | wc -l)" -eq 5 ] &&
			grep -q "command line is long: recording only the first argument" "$3"' - "$st" "$TMP/stdout" "$TMP/stderr"
	if command -v uftrace >/dev/null 2>&1; then
		status "$ASPROF" record --runtime tokio -o "$TMP/rec" -- "$TMP/sp" "$long"
		check "record: uftrace reads that recording back (uftrace info)" \
			sh -c '[ "$1" -eq 0 ] && uftrace info -d "$2" >/dev/null 2>&1' - "$st" "$TMP/rec"
	else
		skip "record: no uftrace"
	fi
	# too long for uftrace with arg1 alone: the arguments are kept (asprof
	# reads the recording), and record says uftrace will not
	status "$ASPROF" record -n --runtime tokio -o "$TMP/rec2" -- "$TMP/sp" "$long$long"
	check "record: far too long: arg1,arg2,arg3 kept, a line says uftrace will not read it" \
		sh -c '[ "$1" -eq 0 ] && [ "$(grep -o "@arg1,arg2,arg3" "$2" | wc -l)" -eq 3 ] &&
			grep -q "more than uftrace 0.13 reads back" "$3"' - "$st" "$TMP/stdout" "$TMP/stderr"
else
	for i in 1 2 3 4; do skip "record: no gcc"; done
fi
tap_done
