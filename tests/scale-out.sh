#!/bin/sh
# scale-out.sh - runs analysed apart, then merged (docs/scale-out.md): each
# run analysed alone into its own folder by GNU parallel across local
# processes (as machines of a CI matrix or a Slurm array would), then one
# asprof-batch over their summary.json files writes the batch reports.
# They must be those of one batch analysing every recording on one
# machine: byte for byte summary.json, junit.xml, report.xlsx, charts/
# (.dat, .gp and the drawings), each run's summary.json, stdout and the
# exit status; index.md, report.html and manifest.json differ by design
# only by the traces (a run read from its summary has no trace.json: the
# merge step has no recording), and manifest.json by its batch id (each
# batch's own): they are byte for byte those of the one-machine batch
# without traces, and every file they link is there. Shapes:
# regress_base_1..3 against regress_new_1..3 (parse_batch slower: exit
# 1), nightly_a1..a3 against nightly_a4 (one binary: exit 0) and against
# nightly_b130_1..3 (kv_get x1.3: exit 1). The runs analysed again with
# -j1, and with -j4 in shuffled order: the same run folders and the same
# merged reports, whatever order they end in (and at another second: the
# workbook holds no time). A rules file on every machine: the same reports;
# a run analysed with other thresholds than the merge's: a warning naming
# its summary, its findings and its summary's rules kept as read; broken
# rules in a summary: skipped in one line.
. "${TESTS_SRCDIR:-$(dirname "$0")}/setup.sh"

if ! command -v parallel >/dev/null 2>&1; then
	skip "GNU parallel is not installed (tests/deps.sh installs it)"
	tap_done
	exit 0
fi
PARALLEL_HOME=$TMP/parallel-home
export PARALLEL_HOME

regress_base="regress_base_1 regress_base_2 regress_base_3"
regress_new="regress_new_1 regress_new_2 regress_new_3"
aa_base="nightly_a1 nightly_a2 nightly_a3"
aa_new="nightly_a4"
b130_new="nightly_b130_1 nightly_b130_2 nightly_b130_3"
all="$regress_base $regress_new $aa_base $aa_new $b130_new"

# every recording by the same relative path, as each machine of a CI job
# names it in its checkout: a run's path is in its reports
mkdir -p "$TMP/w/runs"
for r in $all; do ln -s "$FIXTURES/$r" "$TMP/w/runs/$r"; done
cd "$TMP/w"

# analyse DIR PARALLEL-OPTIONS...: every run alone into DIR/NAME/, by GNU
# parallel (asprof-batch's default outputs, as a machine writes them)
analyse() {
	pd=$1
	shift
	set +e
	# shellcheck disable=SC2046,SC2086 # lists of runs, names without spaces
	parallel --will-cite "$@" "$ASPROF" -q -o "$pd/{/}" "{}" ">$pd/{/}.out" "2>$pd/{/}.err" \
		::: $(for r in $all; do echo "runs/$r"; done)
	st=$?
	set -e
	echo "$st" >"$pd.status"
}

# batch DIR ARGS...: one asprof-batch into DIR; stdout, stderr and the
# exit status beside it
batch() {
	bd=$1
	shift
	set +e
	"$ASPROF" -q -j 2 -o "$bd" "$@" >"$bd.out" 2>"$bd.err"
	echo $? >"$bd.status"
	set -e
}

# paths PREFIX SUFFIX RUNS...: PREFIXrunSUFFIX for each
paths() {
	p=$1 s=$2
	shift 2
	for r in "$@"; do printf '%s%s%s ' "$p" "$r" "$s"; done
}

mkdir -p par2
analyse par2 -j2
# a run analysed alone exits 0 (it has no findings the default rules fail)
check "parallel -j2: every run analysed into its own folder (exit 0)" sh -c \
	"[ \"\$(cat par2.status)\" -eq 0 ] && for r in $all; do test -s par2/\$r/runs/\$r/summary.json || exit 1; done"

# same_dir A B EXCEPT: every file of A and of B the same, byte for byte,
# but those named in EXCEPT (a grep -E pattern of relative paths)
same_dir() {
	(cd "$1" && find . -type f | sort) | grep -Ev "$3" >"$TMP/files.a" || true
	(cd "$2" && find . -type f | sort) | grep -Ev "$3" >"$TMP/files.b" || true
	if ! cmp -s "$TMP/files.a" "$TMP/files.b"; then
		echo "different files:"
		diff "$TMP/files.a" "$TMP/files.b" | head -n 20
		return 1
	fi
	while read -r f; do
		if ! cmp -s "$1/$f" "$2/$f"; then
			echo "$f differs"
			diff "$1/$f" "$2/$f" | head -n 10
			return 1
		fi
	done <"$TMP/files.a"
}

# manifest_sans FILE: manifest.json less the batch id (its own, each time)
manifest_sans() {
	"${PYTHON:-python3}" -c 'import json, sys
m = json.load(open(sys.argv[1]))
del m["batch"]
print(json.dumps(m, indent=1, sort_keys=True))' "$1"
}

# links_there DIR: the relative links of DIR's index.md and report.html
# lead to files
links_there() {
	{
		grep -o '](\([^)]*\))' "$1/index.md" | sed 's/^](\(.*\))$/\1/'
		grep -o 'href="[^"]*"' "$1/report.html" | sed 's/^href="\(.*\)"$/\1/'
	} | grep -Ev '^(https?:|#|data:)' >"$TMP/links"
	[ -s "$TMP/links" ] || return 1
	while read -r l; do [ -e "$1/$l" ] || { echo "# $1: $l is not there"; return 1; }; done <"$TMP/links"
}

# shape NAME "BASE..." "NEW..." STATUS: the one-machine batch (with and
# without traces) against the merge of par2's summaries
shape() {
	sh_name=$1 base=$2 new=$3 want=$4
	# shellcheck disable=SC2046,SC2086 # lists of runs, names without spaces
	batch "one-$sh_name" --baseline $(paths runs/ "" $base) -- $(paths runs/ "" $new)
	# shellcheck disable=SC2046,SC2086 # lists of runs, names without spaces
	batch "one-$sh_name-nt" --outputs summary,xlsx,charts,index,html,junit,run-summary \
		--baseline $(paths runs/ "" $base) -- $(paths runs/ "" $new)
	# the forms a merge step gets: a run's folder, its runs/NAME/summary.json
	# shellcheck disable=SC2046,SC2086 # lists of runs, names without spaces
	batch "merged-$sh_name" --baseline $(paths par2/ /summary.json $base) -- $(paths par2/ "" $new)
	check "$sh_name: one machine exits $want" [ "$(cat "one-$sh_name.status")" -eq "$want" ]
	if same_dir "one-$sh_name" "merged-$sh_name" '^\./(index\.md|report\.html|manifest\.json|runs/[^/]*/trace\.json)$' >"$TMP/why" 2>&1; then
		ok "$sh_name: merged from summaries, every report the same byte for byte (summary.json, junit.xml, report.xlsx, charts, runs' summary.json)"
	else
		not_ok "$sh_name: merged from summaries, every report the same byte for byte"
		diag "$TMP/why"
	fi
	check "$sh_name: stdout and exit status the same" sh -c \
		"cmp -s one-$sh_name.out merged-$sh_name.out && cmp -s one-$sh_name.status merged-$sh_name.status"
	check "$sh_name: index.md and report.html the same as the one machine's without traces" sh -c \
		"cmp -s one-$sh_name-nt/index.md merged-$sh_name/index.md && cmp -s one-$sh_name-nt/report.html merged-$sh_name/report.html"
	check "$sh_name: every file index.md and report.html link is there" links_there "merged-$sh_name"
	m_one=$(manifest_sans "one-$sh_name-nt/manifest.json")
	m_merged=$(manifest_sans "merged-$sh_name/manifest.json")
	check "$sh_name: manifest.json the same as the one machine's without traces, but for the batch id" [ "$m_one" = "$m_merged" ]
	n_one=$(find "one-$sh_name/runs" -name trace.json | wc -l)
	n_merged=$(find "merged-$sh_name/runs" -name trace.json | wc -l)
	# shellcheck disable=SC2046,SC2086 # lists of runs, names without spaces
	n_runs=$(echo $base $new | wc -w)
	check "$sh_name: traces only where the recordings were read ($n_one of $n_runs, $n_merged)" \
		[ "$n_one.$n_merged" = "$n_runs.0" ]
}

shape regress "$regress_base" "$regress_new" 1
shape aa "$aa_base" "$aa_new" 0
shape b130 "$aa_base" "$b130_new" 1

# the order runs end in: -j 1 (argument order), -j 4 shuffled
mkdir -p par1 par4
analyse par1 -j1
analyse par4 -j4 --shuf
for d in par1 par4; do
	ok_all=0
	for r in $all; do
		same_dir "par2/$r" "$d/$r" '^\./manifest\.json$' >"$TMP/why" 2>&1 ||
			{ ok_all=1; sed "s|^|$r: |" "$TMP/why" | head -n 4 >>"$TMP/why.$d"; }
		cmp -s "par2/$r.out" "$d/$r.out" || ok_all=1
	done
	check "$d: each run's folder and stdout the same as with -j2" [ "$ok_all" -eq 0 ]
	[ "$ok_all" -eq 0 ] || diag "$TMP/why.$d"
done
# shellcheck disable=SC2046,SC2086 # lists of runs, names without spaces
batch merged-par1 --baseline $(paths par1/ "" $regress_base) -- $(paths par1/ "" $regress_new)
# shellcheck disable=SC2046,SC2086 # lists of runs, names without spaces
batch merged-par4 --baseline $(paths par4/ "" $regress_base) -- $(paths par4/ "" $regress_new)
for d in par1 par4; do
	if same_dir merged-regress "merged-$d" '^\./manifest\.json$' >"$TMP/why" 2>&1 &&
		cmp -s merged-regress.out "merged-$d.out"; then
		ok "$d: the merged reports and stdout the same as from par2"
	else
		not_ok "$d: the merged reports and stdout the same as from par2"
		diag "$TMP/why"
	fi
done

# the rules: a run analysed with other thresholds keeps its findings and
# says so; with the same rules file everywhere, the same reports again
cat >rules.yaml <<'EOF'
blocking:
  warning: 250us
  error: 300us
slow_poll: 100us
fail_on: [error, regression]
EOF
mkdir -p parc
set +e
parallel --will-cite -j2 "$ASPROF" -q -c rules.yaml -o "parc/{/}" "{}" ">/dev/null" "2>&1" ::: runs/regress_new_1 runs/regress_base_1
set -e
batch onec -c rules.yaml --baseline runs/regress_base_1 -- runs/regress_new_1
batch mergedc -c rules.yaml --baseline parc/regress_base_1 -- parc/regress_new_1
check "a rules file on every machine: the merged reports the same" sh -c \
	"cmp -s onec/summary.json mergedc/summary.json && cmp -s onec/junit.xml mergedc/junit.xml && cmp -s onec.out mergedc.out && cmp -s onec.status mergedc.status"
# regress_new_1's parse_batch does four times the work of a poll of the
# other futures (ASPROF_SLOWDOWN=4, tests/rust/regress), about 550 us
# against 145: past this file's 300 us, error findings; none with the
# built-in 10 ms
errors() {
	"${PYTHON:-python3}" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(sum(1 for r in d["runs"] for f in r["findings"]
          if f["severity"] == "error" and f["future"] == "regress::parse_batch::{closure#0}"))' "$1"
}
n_c=$(errors mergedc/summary.json)
n_d=$(errors merged-regress/summary.json)
check "the rules file made findings ($n_c parse_batch errors; $n_d with the built-in rules)" \
	[ "$n_c" -gt 0 -a "$n_d" -eq 0 ]
batch mergedd --baseline parc/regress_base_1 -- parc/regress_new_1
check "other rules at the merge: one warning per summary, naming it" sh -c \
	"[ \$(grep -c 'warning: parc/regress_.*/summary.json: analysed with other thresholds' mergedd.err) -eq 2 ]"
n_dd=$(errors mergedd/summary.json)
check "other rules at the merge: the findings kept as found ($n_dd)" [ "$n_dd" -eq "$n_c" ]
check "its summary.json written again keeps the rules it was analysed with" \
	cmp parc/regress_new_1/runs/regress_new_1/summary.json mergedd/runs/regress_new_1/summary.json
# its rules broken: the summary is refused in one line naming it
mkdir -p broken
"${PYTHON:-python3}" -c 'import json, sys
d = json.load(open(sys.argv[1]))
d["rules"]["warning_ns"] = -1
json.dump(d, open(sys.argv[2], "w"))' parc/regress_new_1/runs/regress_new_1/summary.json broken/summary.json
batch mergedb --baseline parc/regress_base_1 -- broken/summary.json
check "a summary with broken rules: skipped in one line naming it, exit 2" sh -c \
	"[ \$(cat mergedb.status) -eq 2 ] && grep -q '^asprof-batch: broken/summary.json: skipped: rules.warning_ns: expected a non-negative integer, not -1' mergedb.err"
tap_done
