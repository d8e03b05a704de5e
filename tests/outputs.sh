#!/bin/sh
# outputs.sh - the outputs written are chosen by the rules file's
# `outputs:` and by --outputs (which wins): only those are written and
# listed in manifest.json, index.md links only those, an unknown name is
# one line (FILE:LINE:COLUMN for the rules file) and exit 2, and the copies
# an earlier batch wrote of an output not written now are removed.
. "${TESTS_SRCDIR:-$(dirname "$0")}/setup.sh"
ct="$FIXTURES/tokio_ct"
pool="$FIXTURES/tokio_pool"

# batch OUT ARGS...: a batch into OUT; sets $st
batch() {
	o=$1
	shift
	set +e
	"$ASPROF" -q -o "$o" "$@" >"$TMP/stdout" 2>"$TMP/stderr"
	st=$?
	set -e
}

# files DIR: the files of DIR (but its lock), sorted, one line
files() { (cd "$1" && find . -type f ! -name .asprof.lock | sed 's|^\./||' | sort | tr '\n' ' '); }
# listed DIR: the files its manifest.json lists (and itself), sorted, one line
listed() {
	{ grep -o '"path":"[^"]*"' "$1/manifest.json" | cut -d'"' -f4; echo manifest.json; } |
		sort | tr '\n' ' '
}

# chosen NAME WANT OUT ARGS...: a batch writes exactly the files WANT, and
# its manifest lists them
chosen() {
	name=$1 want=$2 o=$3
	shift 3
	batch "$o" "$@"
	got=$(files "$o")
	if [ "$st" -eq 0 ] && [ "$got" = "$want" ] && [ "$(listed "$o")" = "$want" ]; then
		ok "$name: $got"
	else
		not_ok "$name: exit $st, wrote '$got', listed '$(listed "$o" 2>/dev/null)', expected '$want'"
		diag "$TMP/stderr"
	fi
}

chosen "--outputs summary,junit" "junit.xml manifest.json summary.json " \
	"$TMP/cli" --outputs summary,junit "$ct"

printf 'outputs: [trace, index]\n' >"$TMP/trace-index.yaml"
chosen "rules file outputs: [trace, index]" \
	"index.md manifest.json runs/tokio_ct/trace.json runs/tokio_pool/trace.json " \
	"$TMP/rules" -c "$TMP/trace-index.yaml" "$ct" "$pool"
check "... index.md links the traces, not the reports left out" \
	sh -c "grep -q '](runs/tokio_ct/trace.json) |' '$TMP/rules/index.md' &&
		! grep -q 'summary.json\|report.xlsx\|junit.xml\|report.html' '$TMP/rules/index.md'"

printf 'outputs: xlsx\n' >"$TMP/xlsx.yaml"
chosen "--outputs wins over the rules file's outputs:" "junit.xml manifest.json " \
	"$TMP/both" -c "$TMP/xlsx.yaml" --outputs junit "$ct"

set +e
"$ASPROF" diff -q -o "$TMP/diff" --outputs index "$ct" "$pool" >"$TMP/stdout" 2>"$TMP/stderr"
st=$?
set -e
check "diff takes --outputs" test "$st" -eq 0 -a "$(files "$TMP/diff")" = "index.md manifest.json "

# every output: without the key or option, with outputs: all, --outputs all
batch "$TMP/default" "$ct"
want_all=$(files "$TMP/default")
printf 'outputs: all\n' >"$TMP/all.yaml"
chosen "outputs: all writes what no choice writes" "$want_all" "$TMP/all" -c "$TMP/all.yaml" "$ct"
chosen "--outputs all over the rules file's choice too" "$want_all" "$TMP/all2" \
	-c "$TMP/xlsx.yaml" --outputs all "$ct"
every=y
for f in index.md report.html junit.xml report.xlsx summary.json runs/tokio_ct/trace.json \
	runs/tokio_ct/summary.json charts/hist-tokio_ct.gp; do
	case " $want_all" in *" $f "*) ;; *) every=n ;; esac
done
check "... which is every output" test "$every" = y

# summary.json is the same whether the runs' own summary.json are written
batch "$TMP/only-summary" --outputs summary "$ct"
check "summary.json without runs/NAME/summary.json: the same bytes" \
	cmp -s "$TMP/only-summary/summary.json" "$TMP/default/summary.json"

# bad NAME WANT ARGS...: exit 2, one line with WANT, nothing written
bad() {
	name=$1 want=$2
	shift 2
	batch "$TMP/bad" "$@"
	if [ "$st" -eq 2 ] && [ "$(wc -l <"$TMP/stderr")" -eq 1 ] && grep -qF -- "$want" "$TMP/stderr" &&
		[ ! -e "$TMP/bad" ]; then
		ok "$name: $(sed "s|$TMP/||" "$TMP/stderr")"
	else
		not_ok "$name: exit $st, expected one line with '$want'"
		diag "$TMP/stderr"
	fi
}
printf 'blocking:\n  warning: 5ms\noutputs:\n  - summary\n  - junitxml\n' >"$TMP/bad.yaml"
bad "unknown output in the rules file" \
	"$TMP/bad.yaml:5:5: outputs: unknown output 'junitxml' (expected all, trace, run-summary, summary, xlsx, charts, index, html, junit)" \
	-c "$TMP/bad.yaml" "$ct"
printf 'outputs: [summary, {junit: 1}]\n' >"$TMP/bad2.yaml"
bad "an output that is not a name" "$TMP/bad2.yaml:1:20: outputs: expected a single value" \
	-c "$TMP/bad2.yaml" "$ct"
printf 'outputs:\n' >"$TMP/bad3.yaml"
bad "outputs: with no name" "$TMP/bad3.yaml:1:9: outputs: missing value" -c "$TMP/bad3.yaml" "$ct"
bad "unknown output on the command line" "--outputs: unknown output 'trace.json'" \
	--outputs summary,trace.json "$ct"
bad "an empty name on the command line" "--outputs: unknown output ''" --outputs summary, "$ct"

# an earlier batch's copies of the outputs not written now go; the new
# manifest lists them under "removed"
out="$TMP/reused"
batch "$out" "$ct" "$pool"
before=$(files "$out")
batch "$out" --outputs summary,junit "$ct"
got=$(files "$out")
if [ "$st" -eq 0 ] && [ "$got" = "junit.xml manifest.json summary.json " ] &&
	grep -q '"removed":' "$out/manifest.json" && grep -q '"runs/tokio_pool/trace.json"' "$out/manifest.json" &&
	[ ! -e "$out/runs" ] && [ ! -e "$out/charts" ]; then
	ok "a reused folder: the previous batch's reports not written now are removed, runs/ and charts/ too"
else
	not_ok "a reused folder: exit $st, before '$before', after '$got'"
	diag "$out/manifest.json"
fi
# ...but the runs of older batches stay where traces are written (as before)
batch "$out" "$pool"
batch "$out" --outputs trace,summary "$ct"
if [ "$st" -eq 0 ] && [ -s "$out/runs/tokio_pool/trace.json" ] && [ -s "$out/runs/tokio_ct/trace.json" ] &&
	[ ! -e "$out/runs/tokio_pool/summary.json" ] && [ ! -e "$out/report.xlsx" ] &&
	! grep -q '"removed":.*trace' "$out/manifest.json"; then
	ok "... an older run's trace.json stays when traces are written; its summary.json goes"
else
	not_ok "... exit $st, left '$(files "$out")'"
fi
tap_done
