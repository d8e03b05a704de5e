#!/bin/sh
# xlsx-readback.sh - report.xlsx of a batch over the regression fixtures,
# read back with openpyxl (tests/xlsx_check.py) and checked against the
# batch's summary.json: sheets, frozen headers, filters, runs, futures,
# findings, verdicts, the chart. The checker must also reject a summary
# that was tampered with, so a pass means something.
. "${TESTS_SRCDIR:-$(dirname "$0")}/setup.sh"

checker="${TESTS_SRCDIR:-$(dirname "$0")}/xlsx_check.py"

# a python3 with openpyxl: the one on PATH, else Debian's
py=
for p in "${PYTHON:-python3}" /usr/bin/python3; do
	if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import openpyxl' 2>/dev/null; then
		py=$p
		break
	fi
done
if [ -z "$py" ]; then
	echo "1..0 # SKIP python3-openpyxl is not installed"
	exit 0
fi

out=$TMP/out
set +e
"$ASPROF" -q -o "$out" --baseline "$FIXTURES"/regress_base_* -- "$FIXTURES"/regress_new_* \
	>"$TMP/stdout" 2>"$TMP/stderr"
st=$?
set -e
if [ "$st" -ge 2 ]; then
	skip "report.xlsx written: the batch mode failed (exit $st)"
	skip "report.xlsx matches summary.json"
	skip "checker rejects a tampered summary"
	diag "$TMP/stderr"
	tap_done
	exit
fi

if [ -s "$out/report.xlsx" ] && [ "$(head -c 2 "$out/report.xlsx")" = PK ]; then
	ok "report.xlsx written (exit $st)"
else
	not_ok "report.xlsx written (exit $st)"
	diag "$TMP/stderr"
fi
leftover=$(cd "$out" && ls -a | grep '\.tmp\.' || true)
check "no temporary files left${leftover:+: $leftover}" [ -z "$leftover" ]

if "$py" "$checker" "$out/report.xlsx" "$out/summary.json" >"$TMP/check" 2>&1; then
	ok "report.xlsx matches summary.json"
else
	not_ok "report.xlsx matches summary.json"
	diag "$TMP/check"
fi

# the same workbook against a summary with one p50 and one verdict changed
"$py" - "$out/summary.json" "$TMP/tampered.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
runs = [r for r in s.get("runs", []) if r.get("futures")]
if runs:
    runs[0]["futures"][0]["poll_ns"]["p50"] += 1000
if s.get("comparison") and s["comparison"].get("rows"):
    row = s["comparison"]["rows"][0]
    row["verdict"] = "gone" if row["verdict"] != "gone" else "new"
json.dump(s, open(sys.argv[2], "w"))
PY
if "$py" "$checker" "$out/report.xlsx" "$TMP/tampered.json" >"$TMP/check" 2>&1; then
	not_ok "checker rejects a tampered summary: accepted"
elif grep -q 'p50' "$TMP/check" && grep -q 'verdict' "$TMP/check"; then
	ok "checker rejects a tampered summary ($(wc -l <"$TMP/check") mismatches)"
else
	not_ok "checker rejects a tampered summary: not for the changed values"
	diag "$TMP/check"
fi
tap_done
