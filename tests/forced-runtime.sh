#!/bin/sh
# forced-runtime.sh - a runtime forced with --runtime that does not fit the
# recording (no task poll of its profile): a note says the runtime looks
# wrong and names the profile whose task polls the recording has, no finding
# is made outside a task (the other runtime's worker loop is not a future),
# and the exit status is 0.  A runtime that fits still finds its tasks.
. "${TESTS_SRCDIR:-$(dirname "$0")}/setup.sh"

# wrong FIXTURE FORCED FITS: --runtime FORCED on a FITS recording
wrong() {
	fx=$1 forced=$2 fits=$3
	o="$TMP/$fx-$forced"
	set +e
	"$ASPROF" -q -o "$o" --runtime "$forced" "$FIXTURES/$fx" >"$TMP/stdout" 2>"$TMP/stderr"
	st=$?
	set -e
	check "$fx --runtime $forced: exit status 0 (got $st)" [ "$st" -eq 0 ]
	python3 - "$o/runs/$fx/summary.json" "$forced" "$fits" >"$TMP/tap" <<'PY' || true
import json, sys
s = json.load(open(sys.argv[1], encoding="utf-8"))
forced, fits = sys.argv[2], sys.argv[3]
notes = s["run"]["notes"]
want = [n for n in notes if n.startswith("the runtime looks wrong")]
print(("ok" if want and f"--runtime {fits}" in want[0] and f" {forced} (forced)" in want[0] else "not ok")
      + f" - note names the {fits} profile ({notes})")
out = [(f["rule"], f["future"]) for f in s["findings"] if not f["task"]]
print(("ok" if not out else "not ok") + f" - no finding outside a task ({out})")
print(("ok" if s["run"]["runtime"] == forced and s["run"]["runtime_forced"] else "not ok")
      + f" - runtime {s['run']['runtime']} forced")
PY
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok "$fx --runtime $forced: ${line#ok - }" ;;
		*) not_ok "$fx --runtime $forced: ${line#not ok - }" ;;
		esac
	done <"$TMP/tap"
	check "$fx --runtime $forced: stdout shows the note" grep -q "note: the runtime looks wrong" "$TMP/stdout"
}

# a tokio program analysed as smol: before, an error blocking-poll on
# tokio's worker loop (Launch::launch) in "task 0", exit 1
wrong tokio_mt smol tokio
wrong tokio_mt_legacy async-std tokio
wrong smol_mt tokio smol

# the runtime that fits: tasks, no such note
set +e
"$ASPROF" -q -o "$TMP/fits" --runtime smol "$FIXTURES/smol_mt" >"$TMP/stdout" 2>"$TMP/stderr"
set -e
check "smol_mt --runtime smol: tasks found, no 'looks wrong' note" \
	sh -c "grep -q '^Tasks (5)' '$TMP/stdout' && ! grep -q 'looks wrong' '$TMP/stdout'"
tap_done
