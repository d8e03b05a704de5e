#!/bin/sh
# summaries.sh - comparing from summary.json files (docs/summary-json.md).
# Each run is analysed alone into an output folder of its own; then every
# comparison is made twice, once from the recordings and once from those
# summaries (each given one of the four ways a RUN may name a summary: the
# run's summary.json, its runs/NAME/ folder, the output folder, the batch's
# summary.json), and must come out the same: the batch's summary.json
# (the comparison and the runs in it), junit.xml, stdout and the exit
# status, byte for byte. Shapes: regress_base_1..3 against regress_new_1..3
# (parse_batch made slower: Welch's t over the runs), nightly_a1 against
# nightly_b200_1 (kv_get x2: one run a side, the bootstrap of its polls),
# nightly_a1..a3 against nightly_a4 (the same binary: nothing flagged) and
# against nightly_b130_1..3 (kv_get x1.3); the same through `diff`, and an
# output folder holding three runs. A run read from its summary has no
# trace.json: one note says so. Broken summaries: tests/bad-input.sh.
. "${TESTS_SRCDIR:-$(dirname "$0")}/setup.sh"

runs="regress_base_1 regress_base_2 regress_base_3 regress_new_1 regress_new_2 regress_new_3
nightly_a1 nightly_a2 nightly_a3 nightly_a4 nightly_b130_1 nightly_b130_2 nightly_b130_3
nightly_b200_1"
alone_ok=0
for r in $runs; do
	"$ASPROF" -q -j 2 -o "$TMP/one/$r" --outputs run-summary,summary "$FIXTURES/$r" \
		>/dev/null 2>"$TMP/alone.err" || [ $? -eq 1 ] || alone_ok=1
	[ -s "$TMP/one/$r/runs/$r/summary.json" ] || alone_ok=1
done
check "each run analysed alone into its own folder" [ "$alone_ok" -eq 0 ]

# summary_of RUN K: RUN's summary in the form K (0..3)
summary_of() {
	case $(($2 % 4)) in
	0) echo "$TMP/one/$1/runs/$1/summary.json" ;;
	1) echo "$TMP/one/$1/runs/$1/" ;;
	2) echo "$TMP/one/$1" ;;
	3) echo "$TMP/one/$1/summary.json" ;;
	esac
}

# run DIR ARGS...: asprof-batch into DIR (stdout, stderr, status kept there)
run() {
	d=$1
	shift
	mkdir -p "$d"
	set +e
	"$ASPROF" "$@" >"$d.out" 2>"$d.err"
	echo $? >"$d.status"
	set -e
}

# same NAME: the outputs of $TMP/rec-NAME and $TMP/sum-NAME agree
same() {
	for f in summary.json junit.xml; do
		if ! cmp -s "$TMP/rec-$1/$f" "$TMP/sum-$1/$f"; then
			not_ok "$1: $f the same from the summaries"
			diff "$TMP/rec-$1/$f" "$TMP/sum-$1/$f" | head -n 20 | diag
			return
		fi
	done
	if cmp -s "$TMP/rec-$1.out" "$TMP/sum-$1.out" && cmp -s "$TMP/rec-$1.status" "$TMP/sum-$1.status"; then
		ok "$1: summary.json, junit.xml, stdout and exit status $(cat "$TMP/sum-$1.status") the same from the summaries"
	else
		not_ok "$1: stdout and exit status the same from the summaries"
		diff "$TMP/rec-$1.out" "$TMP/sum-$1.out" | head -n 20 | diag
	fi
}

# compare NAME "BASE..." "NEW...": the main job's --baseline, both ways
compare() {
	name=$1 rb= rn= sb= sn= k=0
	for r in $2; do rb="$rb $FIXTURES/$r"; sb="$sb $(summary_of "$r" $k)"; k=$((k + 1)); done
	for r in $3; do rn="$rn $FIXTURES/$r"; sn="$sn $(summary_of "$r" $k)"; k=$((k + 1)); done
	# shellcheck disable=SC2086 # lists of paths without spaces
	run "$TMP/rec-$name" -q -j 2 -o "$TMP/rec-$name" --outputs summary,junit --baseline $rb -- $rn
	# shellcheck disable=SC2086
	run "$TMP/sum-$name" -q -j 2 -o "$TMP/sum-$name" --outputs summary,junit --baseline $sb -- $sn
	same "$name"
}

# verdict NAME FUTURE: FUTURE's verdict in NAME's comparison from summaries
verdict() {
	"${PYTHON:-python3}" -c 'import json, sys
c = json.load(open(sys.argv[1]))["comparison"]
print(" ".join(r["verdict"] for r in c["rows"] if r["name"] == sys.argv[2]) or "none")
flagged = [r["name"] for r in c["rows"] if r["verdict"] in ("regressed", "improved")]
print(len(flagged))' "$TMP/sum-$1/summary.json" "$2"
}

# shape NAME "BASE..." "NEW..." FUTURE WANT TEXT: compare both ways; from
# the summaries, FUTURE's verdict is WANT and FLAGGED rows are regressed or
# improved (WANT "regressed 1": FUTURE alone)
shape() {
	compare "$1" "$2" "$3"
	check "$1: $6" [ "$(verdict "$1" "$4" | tr '\n' ' ')" = "$5 " ]
}
shape regress "regress_base_1 regress_base_2 regress_base_3" "regress_new_1 regress_new_2 regress_new_3" \
	'regress::parse_batch::{closure#0}' "regressed 1" "parse_batch regressed, the only future flagged"
shape b200 "nightly_a1" "nightly_b200_1" \
	'nightly::kv_get::{closure#0}' "regressed 1" "1 v 1: kv_get regressed, the only future flagged"
shape aa "nightly_a1 nightly_a2 nightly_a3" "nightly_a4" \
	'nightly::kv_get::{closure#0}' "unchanged 0" "3 v 1 of one binary: nothing flagged"
shape b130 "nightly_a1 nightly_a2 nightly_a3" "nightly_b130_1 nightly_b130_2 nightly_b130_3" \
	'nightly::kv_get::{closure#0}' "regressed 1" "3 v 3: kv_get regressed, the only future flagged"

# diff: --base/--new, and BASE NEW
run "$TMP/rec-diff" diff -q -o "$TMP/rec-diff" --outputs summary,junit \
	--base "$FIXTURES/nightly_a2" --new "$FIXTURES/nightly_b200_1"
run "$TMP/sum-diff" diff -q -o "$TMP/sum-diff" --outputs summary,junit \
	--base "$TMP/one/nightly_a2/runs/nightly_a2/summary.json" --new "$TMP/one/nightly_b200_1/"
same diff
run "$TMP/rec-diff2" diff -q -o "$TMP/rec-diff2" --outputs summary,junit \
	"$FIXTURES/regress_base_1" "$FIXTURES/regress_new_1"
run "$TMP/sum-diff2" diff -q -o "$TMP/sum-diff2" --outputs summary,junit \
	"$TMP/one/regress_base_1/summary.json" "$TMP/one/regress_new_1/runs/regress_new_1"
same diff2

# an output folder of three runs is three runs
"$ASPROF" -q -j 2 -o "$TMP/three" --outputs run-summary,summary \
	"$FIXTURES/regress_base_1" "$FIXTURES/regress_base_2" "$FIXTURES/regress_base_3" >/dev/null
run "$TMP/sum-three" -q -j 2 -o "$TMP/sum-three" --outputs summary,junit --baseline "$TMP/three" -- \
	"$TMP/one/regress_new_1" "$TMP/one/regress_new_2" "$TMP/one/regress_new_3"
for f in "" .out .status; do cp -r "$TMP/rec-regress$f" "$TMP/rec-three$f"; done
same three

# from summaries, every output: a note, no trace.json, no link to one
run "$TMP/all" -j 2 -o "$TMP/all" --baseline "$TMP/one/regress_base_1" -- "$FIXTURES/regress_new_1"
check "one note: the run read from its summary has no trace.json" \
	[ "$(grep -c 'note: 1 run read from its summary.json: no trace.json' "$TMP/all.err")" -eq 1 ]
check "its folder has its summary.json and no trace.json" sh -c \
	"test -s '$TMP/all/runs/regress_base_1/summary.json' && ! test -e '$TMP/all/runs/regress_base_1/trace.json' && test -s '$TMP/all/runs/regress_new_1/trace.json'"
check "index.md links the recording's trace only" sh -c \
	"grep -q 'runs/regress_new_1/trace.json' '$TMP/all/index.md' && ! grep -q 'runs/regress_base_1/trace.json' '$TMP/all/index.md'"
check "its summary.json written again is the one read" \
	cmp "$TMP/one/regress_base_1/runs/regress_base_1/summary.json" "$TMP/all/runs/regress_base_1/summary.json"
tap_done
