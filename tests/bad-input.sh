#!/bin/sh
# bad-input.sh - broken recordings made from a real fixture: each gives a
# one-line message naming the file and exit status 2, or, where uftrace
# itself carries on, a one-line warning and a clean result. Never a crash.
. "${TESTS_SRCDIR:-$(dirname "$0")}/setup.sh"

src="$FIXTURES/$(fixtures | head -n 1)"
fresh() { rm -rf "$TMP/run"; cp -r "$src" "$TMP/run"; }
biggest_dat() { ls -S "$TMP/run"/[0-9]*.dat | head -n 1; }

# expect NAME STATUS PATTERN ARGS...: exit status, one stderr line matching PATTERN
expect() {
	name=$1 want=$2 pat=$3
	shift 3
	set +e
	"$ASPROF" "$@" >"$TMP/out" 2>"$TMP/err"
	st=$?
	set -e
	lines=$(wc -l <"$TMP/err")
	if [ "$st" -eq "$want" ] && [ "$lines" -eq 1 ] && grep -q -- "$pat" "$TMP/err"; then
		ok "$name: exit $st, $(cat "$TMP/err")"
	else
		not_ok "$name: exit $st (want $want), $lines stderr lines (want 1) matching '$pat'"
		diag "$TMP/err"
	fi
}

fresh
f=$(biggest_dat)
size=$(stat -c %s "$f")
truncate -s $((size - 8)) "$f"
expect "truncated .dat (half a record)" 0 "$(basename "$f"): truncated record" dump "$TMP/run"

fresh
rm "$TMP/run/info"
expect "missing info" 2 "run/info: missing" dump "$TMP/run"

fresh
printf 'Xtrace!' | dd of="$TMP/run/info" bs=1 conv=notrunc 2>/dev/null
expect "wrong magic" 2 "run/info: bad magic" dump "$TMP/run"

fresh
head -c 20 "$src/info" >"$TMP/run/info"
expect "truncated info header" 2 "run/info: truncated header" dump "$TMP/run"

fresh
exe=$(sed -n 's/^SESS .*exename="\([^"]*\)".*/\1/p' "$TMP/run/task.txt" | head -n 1)
rm "$TMP/run/$(basename "$exe").sym"
expect "missing .sym of the executable" 0 "$(basename "$exe").sym: missing" dump "$TMP/run"
if grep -q ' <[0-9a-f]*>$' "$TMP/out"; then ok "missing .sym: functions shown as addresses"; else not_ok "missing .sym: functions shown as addresses"; fi

fresh
rm "$TMP/run/task.txt"
expect "missing task.txt" 2 "run/task.txt" dump "$TMP/run"

fresh
f=$(biggest_dat)
# deterministic garbage: "garbage!" decodes to a record whose magic is 4, not 5
i=0; while [ $i -lt 512 ]; do printf 'garbage!'; i=$((i + 1)); done >"$f"
expect "garbage .dat" 0 "$(basename "$f"): bad record magic" dump "$TMP/run"

mkdir -p "$TMP/empty"
expect "empty directory" 2 "empty/info: missing" dump "$TMP/empty"

echo hello >"$TMP/afile"
expect "a path that is a file" 2 "afile: not a directory" dump "$TMP/afile"

expect "a path that does not exist" 2 "nowhere: No such file" dump "$TMP/nowhere"

expect "dump without a run" 2 "exactly one recording" dump
expect "unknown command" 2 "unknown command" frobnicate

tap_done
