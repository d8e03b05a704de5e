#!/bin/sh
# srcline.sh - source lines: tests/rust/srcline recorded with `asprof-batch
# record` (which adds --srcline: srcline.dbg) in both builds
# (srcline_mcount, srcline_plain). Each future, task root and the blocking
# finding carries the line of its `async fn` (of `fn poll` for the
# hand-written CountDown), as grepped from the Rust source here, in
# summary.json, stdout, trace.json, index.md and report.xlsx; the same
# recordings without their .dbg files show none and say nothing. `record`
# asks uftrace for them only when the program has line tables, and says
# once when it has none.
. "${TESTS_SRCDIR:-$(dirname "$0")}/setup.sh"
src="${TESTS_SRCDIR:-$(dirname "$0")}/rust/srcline/src/main.rs"
file=srcline/src/main.rs # as uftrace writes it: relative to the workspace

# the line of a pattern in the source (the first match)
line_of() { grep -n -- "$1" "$src" | head -n 1 | cut -d: -f1; }
ticker=$(line_of '^async fn ticker(')
stalls=$(line_of '^async fn stalls(')
warm_up=$(line_of '^async fn warm_up(')
main_fn=$(line_of '^async fn main(')
impl=$(line_of '^impl Future for CountDown')
poll=$(awk -v from="$impl" 'NR > from && /fn poll\(/ { print NR; exit }' "$src")
last=$(wc -l <"$src")
check "the source has the functions (ticker $ticker, stalls $stalls, warm_up $warm_up, main $main_fn, CountDown::poll $poll)" \
	[ -n "$ticker" -a -n "$stalls" -a -n "$warm_up" -a -n "$main_fn" -a -n "$poll" ]

# a python3 with openpyxl for the workbook, else its checks are skipped
xlpy=
for p in "$PY" /usr/bin/python3; do
	if "$p" -c 'import openpyxl' 2>/dev/null; then
		xlpy=$p
		break
	fi
done

# check_run DIR RUN: summary.json, trace.json, index.md and the workbook of
# the batch in DIR, run RUN, hold the lines of the source
check_run() {
	"$PY" - "$1" "$2" "$file" "$ticker" "$stalls" "$warm_up" "$poll" "$main_fn" "$last" <<'PY'
import json, sys
out, run, f, ticker, stalls, warm_up, poll, main_fn, last = sys.argv[1:]
want = {"srcline::ticker::": f"{f}:{ticker}", "srcline::stalls::": f"{f}:{stalls}",
        "srcline::warm_up::": f"{f}:{warm_up}", "srcline::CountDown": f"{f}:{poll}"}
bad = []
def expect(what, got, exp):
    if got != exp:
        bad.append(f"{what}: {got!r}, expected {exp!r}")
def want_of(name):
    return next((v for k, v in want.items() if name.startswith(k)), None)
s = json.load(open(f"{out}/runs/{run}/summary.json"))
seen = set()
for fu in s["futures"]:
    w = want_of(fu["name"])
    if w:
        seen.add(w)
        expect(f"future {fu['name']} src", fu.get("src"), w)
    elif fu["name"].startswith("srcline::main::"):
        src = fu.get("src") or ""
        ok = src.startswith(f + ":") and int(main_fn) <= int(src.rsplit(":", 1)[1]) <= int(last)
        if not ok:
            bad.append(f"main's body {fu['name']}: src {src!r} not in main ({main_fn}..{last})")
if len(seen) != len(want):
    bad.append(f"futures with a line: {sorted(seen)}, expected {sorted(want.values())}")
roots = 0
for t in s["tasks"]:
    w = want_of(t["root"])
    if w:
        roots += 1
        expect(f"task {t['id']} ({t['root']}) root_src", t.get("root_src"), w)
    elif t["main"] and not (t.get("root_src") or "").startswith(f + ":"):
        bad.append(f"main task root_src {t.get('root_src')!r}")
expect("spawned tasks with a root line", roots, 3)
blocking = [x for x in s["findings"] if x["rule"] == "blocking-poll"]
expect("blocking findings", [x["future"].split("::{")[0] for x in blocking], ["srcline::stalls"])
for x in blocking:
    expect("the blocking finding's src", x.get("src"), want["srcline::stalls::"])
for g in s["finding_groups"]:
    expect(f"group {g['future']} src", g.get("src"), want_of(g["future"]))
# trace.json: every span of a future of the program has its args.src
events = json.load(open(f"{out}/runs/{run}/trace.json"))
events = events["traceEvents"] if isinstance(events, dict) else events
n = 0
for e in events:
    w = want_of(e.get("name") or "")
    if e.get("ph") == "X" and w:
        n += 1
        expect(f"trace.json span {e['name']} args.src", e.get("args", {}).get("src"), w)
if n < 20:
    bad.append(f"only {n} spans of the program's futures in trace.json")
md = open(f"{out}/index.md").read()
if f"` at `{want['srcline::stalls::']}`" not in md:
    bad.append("index.md: the blocking finding without its source line")
import os
if os.path.exists(f"{out}/report.html"):
    html = open(f"{out}/report.html").read()
    for key in ("srcline::stalls::", "srcline::ticker::"):
        if f"at <code>{want[key]}</code>" not in html:
            bad.append(f"report.html: {key} without its source line")
for b in bad:
    print("#", b)
sys.exit(1 if bad else 0)
PY
}

# the workbook DIR/report.xlsx: Source of futures, Root source of tasks, Source of findings
check_xlsx() {
	"$xlpy" - "$1/report.xlsx" "$file" "$ticker" "$stalls" "$warm_up" "$poll" <<'PY'
import sys, openpyxl
path, f, ticker, stalls, warm_up, poll = sys.argv[1:]
want = {"srcline::ticker::": f"{f}:{ticker}", "srcline::stalls::": f"{f}:{stalls}",
        "srcline::warm_up::": f"{f}:{warm_up}", "srcline::CountDown": f"{f}:{poll}"}
wb = openpyxl.load_workbook(path, read_only=True)
bad, rows = [], 0
def sheet(name, key_col, src_col):
    global rows
    ws = wb[name]
    it = ws.iter_rows(values_only=True)
    head = list(next(it))
    k, s = head.index(key_col), head.index(src_col)
    for r in it:
        w = next((v for p, v in want.items() if (r[k] or "").startswith(p)), None)
        if w:
            rows += 1
            if r[s] != w:
                bad.append(f"{name}: {r[k]}: {src_col} {r[s]!r}, expected {w!r}")
sheet("Futures", "Future", "Source")
sheet("Tasks", "Root future", "Root source")
sheet("Findings", "Future", "Source")
sheet("Finding polls", "Future", "Source")
if rows < 9:
    bad.append(f"only {rows} rows of the program's futures")
for b in bad:
    print("#", b)
sys.exit(1 if bad else 0)
PY
}

for fx in srcline_mcount srcline_plain; do
	if [ ! -f "$FIXTURES/$fx/srcline.dbg" ]; then
		not_ok "$fx: the fixture has its srcline.dbg"
		continue
	fi
	out=$TMP/$fx
	set +e
	"$ASPROF" -q -o "$out" "$FIXTURES/$fx" >"$TMP/stdout" 2>"$TMP/stderr"
	st=$?
	set -e
	check "$fx: analysed (exit $st), nothing on stderr" [ "$st" -lt 2 -a ! -s "$TMP/stderr" ]
	diag "$TMP/stderr"
	if check_run "$out" "$fx" >"$TMP/check"; then
		ok "$fx: futures, task roots, the finding: summary.json, trace.json and index.md hold the lines of the source"
	else
		not_ok "$fx: futures, task roots, the finding: summary.json, trace.json and index.md hold the lines of the source"
		cat "$TMP/check"
	fi
	# stdout: the blocking finding's future, then where it is
	check "$fx: stdout shows the blocking future's line ($file:$stalls)" \
		sh -c 'grep -A1 "blocking-poll .*srcline::stalls::" "$1" | grep -qE "^ +at $2\$"' - "$TMP/stdout" "$file:$stalls"
	if [ -n "$xlpy" ]; then
		if check_xlsx "$out" >"$TMP/check"; then
			ok "$fx: report.xlsx has the same lines"
		else
			not_ok "$fx: report.xlsx has the same lines"
			cat "$TMP/check"
		fi
	else
		skip "$fx: report.xlsx (python3-openpyxl is not installed)"
	fi

	# the same recording without source lines: none shown, nothing said
	rm -rf "$TMP/nodbg" "$TMP/out-nodbg"
	cp -r "$FIXTURES/$fx" "$TMP/nodbg"
	rm "$TMP/nodbg"/*.dbg
	set +e
	"$ASPROF" -q -o "$TMP/out-nodbg" "$TMP/nodbg" >"$TMP/stdout2" 2>"$TMP/stderr2"
	st2=$?
	set -e
	check "$fx without .dbg: the same exit status ($st2), nothing on stderr" [ "$st2" -eq "$st" -a ! -s "$TMP/stderr2" ]
	diag "$TMP/stderr2"
	check "$fx without .dbg: no source line in summary.json" \
		"$PY" -c 'import json, sys
s = json.load(open(sys.argv[1]))
v = [f["src"] for f in s["futures"] + s["findings"] + s["finding_groups"] if f.get("src") is not None]
v += [t["root_src"] for t in s["tasks"] if t.get("root_src") is not None]
sys.exit(1 if v or "src" not in s["futures"][0] else 0)' "$TMP/out-nodbg/runs/nodbg/summary.json"
	check "$fx without .dbg: none in trace.json, stdout or index.md" \
		sh -c '! grep -q "\"src\":" "$1/runs/nodbg/trace.json" && ! grep -q "^ *at " "$2" && ! grep -q "\` at \`" "$1/index.md"' - "$TMP/out-nodbg" "$TMP/stdout2"
	# ... and otherwise the same report: stdout differs only by the "at" lines
	grep -v '^ *at ' "$TMP/stdout" | sed "s/$fx/RUN/g" >"$TMP/a"
	sed 's/nodbg/RUN/g' "$TMP/stdout2" >"$TMP/b"
	check "$fx without .dbg: stdout is the same but for the source lines" cmp -s "$TMP/a" "$TMP/b"
done

# record asks uftrace for source lines only when the program has line
# tables, and says once when it has none
if command -v gcc >/dev/null 2>&1; then
	printf 'int main(void) { return 0; }\n' >"$TMP/p.c"
	gcc -O0 -g -o "$TMP/with_g" "$TMP/p.c"
	gcc -O0 -g0 -o "$TMP/without_g" "$TMP/p.c"
	set +e
	"$ASPROF" record -n -o "$TMP/r1" -- "$TMP/with_g" >"$TMP/stdout" 2>"$TMP/stderr"
	st=$?
	set -e
	check "record -n, a program with line tables: --srcline, nothing said of it (exit $st)" \
		sh -c '[ "$0" -eq 0 ] && grep -q -- " --srcline " "$1" && ! grep -q "line tables" "$2"' "$st" "$TMP/stdout" "$TMP/stderr"
	set +e
	"$ASPROF" record -n -o "$TMP/r2" -- "$TMP/without_g" >"$TMP/stdout" 2>"$TMP/stderr"
	st=$?
	set -e
	check "record -n, a program without: no --srcline, one line says how to get them (exit $st)" \
		sh -c '[ "$0" -eq 0 ] && ! grep -q -- "--srcline" "$1" && [ "$(grep -c "has no line tables (DWARF): no source lines; .*debug = 1, \"limited\"" "$2")" -eq 1 ]' \
		"$st" "$TMP/stdout" "$TMP/stderr"
else
	skip "record -n with line tables: no gcc"
	skip "record -n without line tables: no gcc"
fi

tap_done
