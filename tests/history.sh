#!/bin/sh
# history.sh - `asprof-batch trend`, a history over nights from summaries
# (docs/history.md). Each nightly fixture is analysed alone into a folder
# of its own with a label (--label commit-NAME); from then on only those
# summaries are read. Over nightly_a1..a8 then nightly_b200_1, b200_2
# (kv_get made 2x slower from b200_1 on), exactly one future changed of its
# own: the slowed one of expect.txt, one regression at the first b200 night,
# shown with its label in history.json, history.md, history.xlsx, the chart
# and stdout; its callers only via it; exit 1 (fail_on: regression), 0 with
# fail_on: [error]. Over a1..a8 alone (one binary, some nights under load):
# no change, exit 0. The same nights from the recordings (--label RUN=LABEL)
# give the same history.json, byte for byte, twice. Bad input: a bad rules
# key or value, an unknown option, a night that cannot be read, a bare
# --label with several runs: one line, exit 2, nothing written.
. "${TESTS_SRCDIR:-$(dirname "$0")}/setup.sh"

base="nightly_a1 nightly_a2 nightly_a3 nightly_a4 nightly_a5 nightly_a6 nightly_a7 nightly_a8"
slow="nightly_b200_1 nightly_b200_2"
alone_ok=0
for r in $base $slow; do
	"$ASPROF" -q -j 2 -o "$TMP/one/$r" --outputs run-summary,summary --label "commit-$r" \
		"$FIXTURES/$r" >/dev/null 2>"$TMP/alone.err" || alone_ok=1
	grep -q "\"label\":\"commit-$r\"" "$TMP/one/$r/runs/$r/summary.json" || alone_ok=1
done
check "each night analysed alone, its label in its summary.json (run.label)" [ "$alone_ok" -eq 0 ]

# the nights' summaries, each named one of the ways a RUN names a summary
summaries() {
	k=0
	for r in "$@"; do
		case $((k % 3)) in
		0) echo "$TMP/one/$r" ;;
		1) echo "$TMP/one/$r/runs/$r/summary.json" ;;
		2) echo "$TMP/one/$r/summary.json" ;;
		esac
		k=$((k + 1))
	done
}

# trend NAME ARGS...: asprof-batch trend -o $TMP/NAME, stdout, stderr and
# the status beside it
trend() {
	d=$1
	shift
	set +e
	"$ASPROF" trend -q -o "$TMP/$d" "$@" >"$TMP/$d.out" 2>"$TMP/$d.err"
	echo $? >"$TMP/$d.status"
	set -e
}

history_check() { # OUT NIGHT...
	out=$1
	shift
	python3 "$TESTS_SRCDIR/history_check.py" "$TMP/$out" "$FIXTURES/expect.txt" commit- "$@" \
		>"$TMP/$out.check" 2>&1
}

# --- (a) a1..a8, then b200_1, b200_2: one change, at b200_1, on kv_get
# shellcheck disable=SC2046
trend slow $(summaries $base $slow)
check "trend over 10 nights from summaries: exit 1 (a regression, fail_on: regression)" \
	[ "$(cat "$TMP/slow.status")" -eq 1 ]
if history_check slow $base $slow; then
	ok "history.json and history.xlsx: the slowed future alone changed, at nightly_b200_1, labelled"
else
	not_ok "history.json and history.xlsx: the slowed future alone changed, at nightly_b200_1, labelled"
	diag "$TMP/slow.check"
fi
target=$(awk '$1 == "nightly_b200_1" && $2 == "slowed_future" { print $3 }' "$FIXTURES/expect.txt")
check "history.md: the change at its night, with its label" \
	grep -q "^- \`$target\`: +[0-9]* % at night 9, \`nightly_b200_1\` (label \`commit-nightly_b200_1\`)" \
	"$TMP/slow/history.md"
stdout_ok() {
	[ "$(grep -c '^  regressed ' "$TMP/slow.out")" -eq 1 ] &&
		grep -q "^  regressed $target: +[0-9]* % at night 9, nightly_b200_1 (label commit-nightly_b200_1)" \
			"$TMP/slow.out"
}
check "stdout: one regression, the slowed future, at night 9 (label commit-nightly_b200_1)" stdout_ok
slug=$(echo "$target" | sed 's/.*::\([a-z_]*\)::.*/\1/')
gp="$TMP/slow/charts/history-$slug.gp"
chart_ok() {
	grep -q "'commit-nightly_b200_1' 9" "$gp" && grep -q "set arrow 1 from 8.5, graph 0" "$gp" &&
		! grep -q "set arrow 2 " "$gp" && grep -q "'commit-nightly_a1' 1" "$TMP/slow/charts/history-top.gp"
}
check "chart history-$slug: nights labelled, the one change point marked before night 9" chart_ok
if command -v gnuplot >/dev/null 2>&1 || [ -n "${ASPROF_GNUPLOT:-}" ]; then
	drawn() { [ -s "$TMP/slow/charts/history-$slug.png" ] && [ -s "$TMP/slow/charts/history-top.svg" ]; }
	check "charts drawn: history-$slug.png, history-top.svg" drawn
else
	skip "charts drawn (no gnuplot)"
fi
check "manifest.json lists the reports" \
	grep -q '"history.xlsx"' "$TMP/slow/manifest.json"
printf 'fail_on: [error]\n' >"$TMP/error-only.yaml"
# shellcheck disable=SC2046
trend slow-error -c "$TMP/error-only.yaml" $(summaries $base $slow)
error_only_ok() {
	[ "$(cat "$TMP/slow-error.status")" -eq 0 ] && grep -q "^  regressed $target" "$TMP/slow-error.out"
}
check "fail_on: [error]: the same change, exit 0" error_only_ok

# --- (b) a1..a8: the same binary, some nights under load: no change
# shellcheck disable=SC2046
trend same $(summaries $base)
check "trend over a1..a8: exit 0" [ "$(cat "$TMP/same.status")" -eq 0 ]
if history_check same $base; then
	ok "a1..a8: no future changed (no false positive)"
else
	not_ok "a1..a8: no future changed (no false positive)"
	diag "$TMP/same.check"
fi
check "history.md says no future changed" grep -q "^No future changed" "$TMP/same/history.md"

# --- (c) from the recordings: the same history.json, and the same twice
set --
for r in $base $slow; do
	set -- "$@" --label "$r=commit-$r" "$FIXTURES/$r"
done
trend rec "$@"
trend rec2 "$@"
rec_ok() {
	[ "$(cat "$TMP/rec.status")" -eq 1 ] && cmp -s "$TMP/rec/history.json" "$TMP/slow/history.json"
}
twice_ok() {
	cmp -s "$TMP/rec/history.json" "$TMP/rec2/history.json" &&
		cmp -s "$TMP/rec/history.md" "$TMP/rec2/history.md"
}
check "from the recordings: exit 1, history.json the same as from the summaries" rec_ok
check "the same input twice: the same history.json and history.md (permutations seeded)" twice_ok

# --- (d) errors: one line, exit 2, nothing written
one_line_2() { # NAME PATTERN: status 2, one line on stderr matching PATTERN, no history.json
	[ "$(cat "$TMP/$1.status")" -eq 2 ] && [ "$(wc -l <"$TMP/$1.err")" -eq 1 ] &&
		grep -q "$2" "$TMP/$1.err" && [ ! -e "$TMP/$1/history.json" ]
}
printf 'history:\n  permutation: 99\n' >"$TMP/bad-key.yaml"
trend bad-key -c "$TMP/bad-key.yaml" "$TMP/one/nightly_a1" "$TMP/one/nightly_a2"
check "a bad rules key: one line with FILE:LINE:COLUMN, exit 2" \
	one_line_2 bad-key "bad-key.yaml:2:3: .*permutation"
printf 'history:\n  p_value: 2\n' >"$TMP/bad-value.yaml"
trend bad-value -c "$TMP/bad-value.yaml" "$TMP/one/nightly_a1" "$TMP/one/nightly_a2"
check "a p_value out of range: one line with FILE:LINE:COLUMN, exit 2" \
	one_line_2 bad-value "bad-value.yaml:2:12: history.p_value"
trend bad-opt --no-such-option "$TMP/one/nightly_a1"
check "an unknown option: one line, exit 2" one_line_2 bad-opt "unknown option '--no-such-option'"
trend bad-night "$TMP/one/nightly_a1" "$TMP/no-such-night"
check "a night that cannot be read: one line naming it, exit 2, nothing written" \
	one_line_2 bad-night "no-such-night"
trend bad-label --label abc "$TMP/one/nightly_a1" "$TMP/one/nightly_a2"
check "--label LABEL with several runs: one line, exit 2" one_line_2 bad-label "RUN=LABEL"
trend no-night
check "no night: one line, exit 2" one_line_2 no-night "no night given"

# --label RUN=LABEL naming one run of a batch's summary.json (which holds
# several): that run only is labelled; one naming none of them: a warning
"$ASPROF" -q -o "$TMP/two" --outputs summary "$FIXTURES/nightly_a1" "$FIXTURES/nightly_a2" \
	>/dev/null 2>&1 || true
set +e
"$ASPROF" -q -o "$TMP/two-l" --outputs summary --label nightly_a1=abc --label nosuch=x \
	"$TMP/two/summary.json" >/dev/null 2>"$TMP/two-l.err"
echo $? >"$TMP/two-l.status"
set -e
check "--label RUN=LABEL on a summary of two runs: only that run labelled; a label naming no run warned, exit 0" \
	"$PY" -c "import json,sys
d=json.load(open(sys.argv[1]))
labels=[(r['run']['name'], r['run'].get('label')) for r in d['runs']]
err=open(sys.argv[2]).read()
sys.exit(0 if labels == [('nightly_a1', 'abc'), ('nightly_a2', None)] and
         \"--label 'nosuch=x': no run of that name\" in err and open(sys.argv[3]).read().strip() == '0' else 1)" \
	"$TMP/two-l/summary.json" "$TMP/two-l.err" "$TMP/two-l.status"

tap_done
