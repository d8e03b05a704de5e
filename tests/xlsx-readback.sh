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

# the unit tests' synthetic batch: grouped findings, own time and its split
unit=$(dirname "$ASPROF")/tests/unit/test-xlsx
if [ -x "$unit" ]; then
	XLSX_KEEP="$TMP/fx.xlsx" XLSX_SUMMARY="$TMP/fx.json" "$unit" >"$TMP/unit" 2>&1 || true
	if "$py" "$checker" "$TMP/fx.xlsx" "$TMP/fx.json" >"$TMP/check" 2>&1 &&
		"$py" - "$TMP/fx.xlsx" >>"$TMP/check" 2>&1 <<'PY'
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
rows = lambda ws: sum(1 for r in ws.iter_rows(min_row=2, values_only=True) if any(v is not None for v in r))
# base: 1 group of 1; each new run: 2 groups (2 blocking polls of one future, a self-wake) of 3
assert rows(wb["Findings"]) == 5, rows(wb["Findings"])
assert rows(wb["Finding polls"]) == 7, rows(wb["Finding polls"])
hdr = [c.value for c in wb["Findings"][1]]
row = dict(zip(hdr, [c.value for c in wb["Findings"][3]]))
assert row["Count"] == 2 and row["Tasks"] == "2, 3", row
assert row["What it was doing"].startswith("blocked "), row
assert isinstance(row["Worst blocked (ms)"], float), row
PY
	then
		ok "synthetic batch: report.xlsx matches its summary.json, findings grouped"
	else
		not_ok "synthetic batch: report.xlsx matches its summary.json, findings grouped"
		diag "$TMP/check"
		diag "$TMP/unit"
	fi
else
	skip "synthetic batch: $unit not built"
fi
tap_done
