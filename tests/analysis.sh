#!/bin/sh
# analysis.sh - the analysis of every fixture against its ground truth
# (tests/fixtures/expect.txt): blocking polls found in the right task with
# their culprit, none where nothing blocks, exact poll counts, tasks with and
# without recorded arguments. The checks themselves are in check_analysis.py.
. "${TESTS_SRCDIR:-$(dirname "$0")}/setup.sh"
set +e
"$ASPROF" -q -o "$TMP/out" $(for f in $(fixtures); do echo "$FIXTURES/$f"; done) >"$TMP/stdout" 2>"$TMP/stderr"
st=$?
set -e
# blocking fixtures have error findings: exit status 1 by the default fail_on
if [ "$st" -eq 1 ]; then ok "exit status 1: error-severity findings"; else not_ok "exit status $st (expected 1)"; diag "$TMP/stderr"; fi
python3 "$TESTS_SRCDIR/check_analysis.py" "$TMP/out" "$FIXTURES/expect.txt" $(fixtures) >"$TMP/tap" || true
# renumber the checker's lines into this script's plan
while IFS= read -r line; do
	case $line in
	"ok "*) ok "${line#ok * - }" ;;
	"not ok "*) not_ok "${line#not ok * - }" ;;
	esac
done <"$TMP/tap"
tap_done
