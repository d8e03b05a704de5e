#!/bin/sh
# rules-errors.sh - a bad rules file stops asprof-batch before any run is
# read, with one line "FILE:LINE:COLUMN: message" and exit status 2; a good
# one changes what is reported.
. "${TESTS_SRCDIR:-$(dirname "$0")}/setup.sh"
run="$FIXTURES/tokio_ct"

# bad NAME EXPECTED-PREFIX (file content on stdin)
bad() {
	name=$1 want=$2
	cat >"$TMP/rules.yaml"
	set +e
	"$ASPROF" -q -c "$TMP/rules.yaml" -o "$TMP/out" "$run" >"$TMP/stdout" 2>"$TMP/err"
	st=$?
	set -e
	lines=$(wc -l <"$TMP/err")
	if [ "$st" -eq 2 ] && [ "$lines" -eq 1 ] && grep -qF -- "$TMP/rules.yaml:$want" "$TMP/err" && [ ! -s "$TMP/stdout" ]; then
		ok "$name: $(sed "s|$TMP/||" "$TMP/err")"
	else
		not_ok "$name: exit $st, $lines lines, expected '$want'"
		diag "$TMP/err"
	fi
}

bad "unknown top-level key" "2:1:" <<'Y'
blocking: {warning: 5ms}
blockign: true
Y
bad "unknown nested key" "3:3:" <<'Y'
blocking:
  warning: 5ms
  eror: 10ms
Y
bad "wrong type (list for a mapping)" "1:11:" <<'Y'
blocking: [10ms, 100ms]
Y
bad "bad duration" "2:12:" <<'Y'
blocking:
  warning: 10 parsecs
Y
bad "duration without unit" "1:12:" <<'Y'
slow_poll: 50
Y
bad "negative duration" "1:12:" <<'Y'
slow_poll: -5ms
Y
bad "overflowing duration" "1:12:" <<'Y'
slow_poll: 99999999999999999999s
Y
bad "bad glob" "3:12:" <<'Y'
overrides:
  - warning: 1ms
    match: 'tokio_mt::[abc'
Y
bad "unknown severity" "3:15:" <<'Y'
overrides:
  - match: 'x::*'
    severity: fatal
Y
bad "alpha out of range" "2:10:" <<'Y'
compare:
  alpha: 1.5
Y
bad "unknown fail_on" "1:18:" <<'Y'
fail_on: [error, sometimes]
Y
bad "YAML syntax error (libyaml sees it where the list should have ended)" "3:1:" <<'Y'
blocking:
  warning: [10ms
Y
bad "unknown runtime" "1:10:" <<'Y'
runtime: tokyo
Y

# unreadable files: the message names the file
set +e
"$ASPROF" -q -c "$TMP/missing.yaml" -o "$TMP/out" "$run" >/dev/null 2>"$TMP/err"
st=$?
set -e
check "missing rules file: exit 2, names it" sh -c "[ $st -eq 2 ] && grep -q 'missing.yaml: No such file' '$TMP/err'"
set +e
"$ASPROF" -q -c '' -o "$TMP/out" "$run" >/dev/null 2>"$TMP/err"
st=$?
set -e
check "-c '': exit 2, one line saying the name is empty" sh -c "[ $st -eq 2 ] && [ \$(wc -l <'$TMP/err') -eq 1 ] && grep -q 'empty file name' '$TMP/err'"
set +e
"$ASPROF" -q -c "$TMP" -o "$TMP/out" "$run" >/dev/null 2>"$TMP/err"
st=$?
set -e
check "rules file is a directory: exit 2" sh -c "[ $st -eq 2 ] && [ \$(wc -l <'$TMP/err') -eq 1 ]"

# a good file changes the thresholds: tokio_mt blocks ~150 ms; at error 1s it is a warning
cat >"$TMP/rules.yaml" <<'Y'
overrides:
  - match: 'tokio_mt::blocking_io::*'
    error: 1s
Y
set +e
"$ASPROF" -q -c "$TMP/rules.yaml" -o "$TMP/out" "$FIXTURES/tokio_mt" >/dev/null 2>"$TMP/err"
st=$?
set -e
check "override: the blocking poll becomes a warning, exit 0" sh -c "[ $st -eq 0 ] && grep -Eq '\"severity\": ?\"warning\"' '$TMP/out/runs/tokio_mt/summary.json'"
printf 'overrides:\n  - match: "tokio_mt::blocking_io::*"\n    ignore: true\n' >"$TMP/rules.yaml"
"$ASPROF" -q -c "$TMP/rules.yaml" -o "$TMP/out2" "$FIXTURES/tokio_mt" >/dev/null 2>&1 || true
check "ignore: no blocking finding" sh -c "! grep -q 'blocking-poll' '$TMP/out2/runs/tokio_mt/summary.json'"
printf 'fail_on: [warning]\nblocking: {warning: 1ms, error: 1s}\n' >"$TMP/rules.yaml"
set +e
"$ASPROF" -q -c "$TMP/rules.yaml" -o "$TMP/out3" "$FIXTURES/tokio_mt" >/dev/null 2>&1
st=$?
set -e
check "fail_on warning: exit 1 on a warning" [ "$st" -eq 1 ]

# which rules run: the rules file's `rules:` and --rules choose, from the
# registry's names; an unknown name is an error
bad "unknown rule" "2:3:" <<'Y'
rules:
  blocking_poll: false
Y
printf 'rules:\n  blocking-poll: false\n' >"$TMP/rules.yaml"
set +e
"$ASPROF" -q -c "$TMP/rules.yaml" -o "$TMP/out4" "$FIXTURES/tokio_mt" >/dev/null 2>&1
st=$?
set -e
check "rules: blocking-poll off: no finding, no junit case, exit 0" sh -c "[ $st -eq 0 ] && ! grep -q 'blocking-poll' '$TMP/out4/runs/tokio_mt/summary.json' '$TMP/out4/junit.xml'"
"$ASPROF" -q -o "$TMP/out5" "$FIXTURES/tokio_lints" >/dev/null 2>&1 || true
check "all rules: tokio_lints has a self-wake finding" grep -q '"self-wake"' "$TMP/out5/runs/tokio_lints/summary.json"
"$ASPROF" -q --rules never-yielded -o "$TMP/out6" "$FIXTURES/tokio_lints" >/dev/null 2>&1 || true
check "--rules never-yielded: its findings only" sh -c "grep -q '\"never-yielded\"' '$TMP/out6/runs/tokio_lints/summary.json' && ! grep -Eq '\"(self-wake|blocking-poll)\"' '$TMP/out6/runs/tokio_lints/summary.json'"
check "--rules never-yielded: junit.xml has its case only" sh -c "[ \$(grep -c '<testcase' '$TMP/out6/junit.xml') -eq 1 ] && grep -q 'name=\"never-yielded\"' '$TMP/out6/junit.xml'"
printf 'rules: {self-wake: false}\n' >"$TMP/rules.yaml"
"$ASPROF" -q -c "$TMP/rules.yaml" --rules all -o "$TMP/out7" "$FIXTURES/tokio_lints" >/dev/null 2>&1 || true
check "--rules all over the rules file's choice" grep -q '"self-wake"' "$TMP/out7/runs/tokio_lints/summary.json"
set +e
"$ASPROF" -q --rules 'never-yielded,selfwake' -o "$TMP/out8" "$FIXTURES/tokio_lints" >"$TMP/stdout" 2>"$TMP/err"
st=$?
set -e
check "--rules: an unknown rule is one line, exit 2" sh -c "[ $st -eq 2 ] && [ \$(wc -l <'$TMP/err') -eq 1 ] && grep -q \"unknown rule 'selfwake'\" '$TMP/err' && [ ! -s '$TMP/stdout' ]"
tap_done
