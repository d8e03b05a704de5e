#!/bin/sh
# cmdline.sh - the command line as people write it: the main job's options
# before a command name (`-q -o OUT diff A B`), --baseline given once per
# run (`--baseline A --baseline B N1 N2`) as well as once for all
# (`--baseline A B -- N1 N2`), and long names on stdout shortened so that
# what tells them apart stays: generic arguments nested in others go first.
. "${TESTS_SRCDIR:-$(dirname "$0")}/setup.sh"
export ASPROF_GNUPLOT=/nonexistent
b1=$FIXTURES/regress_base_1 b2=$FIXTURES/regress_base_2 b3=$FIXTURES/regress_base_3
n1=$FIXTURES/regress_new_1 n2=$FIXTURES/regress_new_2

# sides OUT BASES NEWS: the comparison's runs in OUT/summary.json
sides() {
	"$PY" -c "import json,sys; c=json.load(open(sys.argv[1]))['comparison']; sys.exit(0 if (','.join(c['base_runs']), ','.join(c['new_runs'])) == (sys.argv[2], sys.argv[3]) else 1)" "$1/summary.json" "$2" "$3"
}

# ------------------------------------------- options before the command
status "$ASPROF" -q -o "$TMP/d1" diff "$b1" "$n1"
check "-q -o OUT diff A B: a comparison of A and B (exit $st)" sh -c \
	'[ "$1" -eq 1 ] && grep -q "^Comparison: 1 base run vs 1 new run" "$2" && ! grep -q "diff: skipped" "$3"' - "$st" "$TMP/stdout" "$TMP/stderr"
check "... in OUT" sides "$TMP/d1" regress_base_1 regress_new_1
status "$ASPROF" -q --output="$TMP/d2" -j2 --top 3 diff "$b1" "$n1"
check "--output=OUT -j2 --top 3 diff A B: the same" sh -c '[ "$1" -eq 1 ] && [ -f "$2/summary.json" ]' - "$st" "$TMP/d2"
mkdir -p "$TMP/w"
(cd "$TMP/w" && "$ASPROF" -q -o diff "$b1" >/dev/null 2>&1) && st=0 || st=$?
check "-o diff RUN: diff is the option's value, the output folder" sh -c '[ "$1" -eq 0 ] && [ -f "$2/diff/summary.json" ]' - "$st" "$TMP/w"
status "$ASPROF" -q -o "$TMP/d3" dump "$b1"
check "-q dump RUN: one clear line for an option dump does not take" sh -c \
	'[ "$1" -eq 2 ] && [ "$(wc -l <"$2")" -eq 1 ] && grep -q "dump: unknown option" "$2"' - "$st" "$TMP/stderr"

# ------------------------------------------- --baseline, once or per run
status "$ASPROF" -q -o "$TMP/b1" --baseline "$b1" --baseline "$b2" --baseline "$b3" "$n1" "$n2"
check "--baseline A --baseline B --baseline C N1 N2: N1 N2 are the new runs" sides "$TMP/b1" \
	regress_base_1,regress_base_2,regress_base_3 regress_new_1,regress_new_2
status "$ASPROF" -q -o "$TMP/b2" --baseline "$b1" "$b2" "$b3" -- "$n1" "$n2"
check "--baseline A B C -- N1 N2: the same" sides "$TMP/b2" \
	regress_base_1,regress_base_2,regress_base_3 regress_new_1,regress_new_2
status "$ASPROF" -q -o "$TMP/b3" --baseline "$b1" --baseline "$b2" "$b3" -- "$n1"
check "--baseline A --baseline B C -- N1: the last one's runs up to --" sides "$TMP/b3" \
	regress_base_1,regress_base_2,regress_base_3 regress_new_1
status "$ASPROF" -q -o "$TMP/b4" "$n1" --baseline "$b1" --baseline "$b2"
check "N1 --baseline A --baseline B: N1 is new" sides "$TMP/b4" regress_base_1,regress_base_2 regress_new_1
status "$ASPROF" -q -o "$TMP/b5" --baseline "$b1" "$b2"
check "--baseline A B and nothing else: no run to compare (exit 2)" sh -c \
	'[ "$1" -eq 2 ] && grep -q "no run to compare" "$2"' - "$st" "$TMP/stderr"

# ------------------------------------------- long names on stdout
cp -r "$b1" "$TMP/long"
long='regress::Lines<regress::io::BufReader<regress::net::tcp::split::ReadHalf>>::parse_batch_distinct_tail::{closure#0}'
sed -i "s/ _RNCNvCsia0jGzeAwKN_7regress11parse_batch0B3_\$/ $long/" "$TMP/long/regress.sym"
status "$ASPROF" -q -o "$TMP/l" "$TMP/long"
check "a long name: its nested generic arguments dropped, the rest whole" \
	grep -qF 'regress::Lines<...>::parse_batch_distinct_tail::{closure#0}' "$TMP/stdout"
check "... and in summary.json in full" grep -qF "$long" "$TMP/l/runs/long/summary.json"
check "no line of the stdout tables is cut through a name's end" sh -c '! grep -q "parse_batch_distinct_tail::{closure#0}[^ ]" "$1"' - "$TMP/stdout"

tap_done
