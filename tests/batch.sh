#!/bin/sh
# batch.sh - many runs in one call, the regression comparison and its exit
# status, index.md and junit.xml, skipped runs, -j determinism, and `diff`.
# The regress fixtures slow exactly one future (regress::parse_batch) in the
# new runs; nothing else changes.
. "${TESTS_SRCDIR:-$(dirname "$0")}/setup.sh"
base=$(ls -d "$FIXTURES"/regress_base_*)
new=$(ls -d "$FIXTURES"/regress_new_*)


# json FILE EXPR: evaluate a Python expression over the JSON document `d`
json() { "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$1"; }

status "$ASPROF" -q -j 2 -o "$TMP/a" --baseline $base -- $new
check "baseline vs new: exit status 1 (a regression)" [ "$st" -eq 1 ]
cp "$TMP/stdout" "$TMP/a.stdout"
check "only parse_batch regressed, one row (a task's root is its future's row)" json "$TMP/a/summary.json" \
	"[r['name'] for r in d['comparison']['rows'] if r['verdict'] != 'unchanged'] == ['regress::parse_batch::{closure#0}'] and all(r['verdict'] == 'regressed' for r in d['comparison']['rows'] if r['verdict'] != 'unchanged') and not any(r['is_task'] for r in d['comparison']['rows'])"
check "the regression is large, its interval well above no change" json "$TMP/a/summary.json" \
	"[r for r in d['comparison']['rows'] if r['verdict'] == 'regressed'][0]['rel_change'] > 1 and [r for r in d['comparison']['rows'] if r['verdict'] == 'regressed'][0]['ratio_lo'] > 2"
check "six runs, three per side" json "$TMP/a/summary.json" \
	"len(d['runs']) == 6 and len(d['comparison']['base_runs']) == 3 and len(d['comparison']['new_runs']) == 3 and d['status'] == 1"
check "summary.json holds each run's own summary.json, as pretty-printed" "$PY" -c "
import json, sys
out = sys.argv[1]
text = open(out + '/summary.json').read()
d = json.loads(text)
for r in d['runs']:
    own = open(out + '/runs/' + r['run']['name'] + '/summary.json').read().rstrip('\\n')
    assert json.loads(own) == r, r['run']['name']
    assert own.replace('\\n', '\\n    ') in text, r['run']['name']
" "$TMP/a"
check "per-run reports for each run" sh -c "for r in regress_base_1 regress_base_2 regress_base_3 regress_new_1 regress_new_2 regress_new_3; do test -s '$TMP/a/runs/'\$r/trace.json && test -s '$TMP/a/runs/'\$r/summary.json || exit 1; done"
check "index.md: verdict first, then the regression first to look at" sh -c "sed -n 1p '$TMP/a/index.md' | grep -q '^# asprof: FAIL\$' && grep -A4 '^## What to look at first' '$TMP/a/index.md' | grep -q '^| \*\*regressed\*\* | \`regress::parse_batch'"
check "index.md links the traces and charts" sh -c "grep -q 'runs/regress_new_1/trace.json' '$TMP/a/index.md' && grep -q '](charts/' '$TMP/a/index.md'"
check "junit.xml: well-formed, the regression is a failure" "$PY" -c "
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
fails = [tc.get('name') for tc in root.iter('testcase') if tc.find('failure') is not None]
cmp = [s for s in root.iter('testsuite') if s.get('name') == 'comparison'][0]
sys.exit(0 if fails == ['regress::parse_batch::{closure#0}'] and int(cmp.get('failures')) == 1 and len(list(cmp)) > 3 else 1)
" "$TMP/a/junit.xml"
check "stdout, index.md, junit.xml, summary.json count the same regressions, as sizes, no p-values" "$PY" -c "
import json, re, sys, xml.etree.ElementTree as ET
out, stdout = sys.argv[1], open(sys.argv[2]).read()
n = json.load(open(out + '/summary.json'))['comparison']['counts']['regressed']
md, junit = open(out + '/index.md').read(), open(out + '/junit.xml').read()
cmp = [s for s in ET.fromstring(junit).iter('testsuite') if s.get('name') == 'comparison'][0]
line = re.search(r'^Comparison: .*: (\d+) regressed, ', stdout, re.M)
head = re.search(r'^\*\*(\d+) regressions? fails? the build', md, re.M)
shown = re.findall(r'^  regressed .*: p50 \S+ \S+ -> \S+ \S+, [+-][0-9.]+ %', stdout, re.M)
table = md.split('\n## What to look at first\n')[1].split('\n## ')[0]
assert n >= 1 and int(line.group(1)) == n and int(head.group(1)) == n, (n, line, head)
assert int(cmp.get('failures')) == n and len(shown) == n and table.count('\n| **regressed** |') == n, (n, shown, table)
assert 'p=' not in stdout and 'p-value' not in md and 'p=' not in junit
" "$TMP/a" "$TMP/a.stdout"

# run names: RUN/sub/.. is RUN, and a second run of the same name gets a
# folder of its own that the reports link and name
r1="$FIXTURES/regress_base_1"
mkdir -p "$TMP/nest"
cp -r "$r1" "$TMP/nest/regress_base_1"
mkdir -p "$TMP/nest/regress_base_1/sub"
status env ASPROF_GNUPLOT=/nonexistent "$ASPROF" -q -o "$TMP/n" "$TMP/nest/regress_base_1/sub/.." "$r1/"
check "RUN/sub/.. is named RUN: nothing written beside runs/ but the batch's" sh -c \
	"[ $st -eq 0 ] && [ ! -e '$TMP/n/trace.json' ] && test -s '$TMP/n/runs/regress_base_1/trace.json'"
check "a second run of that name: runs/regress_base_1-2/, linked and named so" sh -c \
	"test -s '$TMP/n/runs/regress_base_1-2/summary.json' && grep -q '](runs/regress_base_1-2/trace.json)' '$TMP/n/index.md' &&
	 grep -q '\"name\":\"regress_base_1-2\"' '$TMP/n/runs/regress_base_1-2/summary.json'"
# options after the runs
status env ASPROF_GNUPLOT=/nonexistent "$ASPROF" "$r1" -q -o "$TMP/late"
check "options after a run: taken as options (exit $st)" sh -c "[ $st -eq 0 ] && test -s '$TMP/late/index.md'"
# what killed batches left: strays go when the next batch locks the folder,
# whatever their age (no other batch writes there meanwhile); other files stay
L="$TMP/late"
mkdir -p "$L/charts/.draw-Old123" "$L/charts/.draw-New123"
touch "$L/charts/.draw-Old123/hist-x.png"
touch "$L/runs/regress_base_1/trace.json.tmp.Ab12Cd" "$L/summary.json.tmp.Zz99Yy" \
	"$L/summary.json.tmp.Fresh1" "$L/notes.tmp.Ab12Cd" "$L/summary.json.tmp.toolong1"
touch -d '2 hours ago' "$L/charts/.draw-Old123/hist-x.png" "$L/charts/.draw-Old123" \
	"$L/runs/regress_base_1/trace.json.tmp.Ab12Cd" "$L/summary.json.tmp.Zz99Yy" \
	"$L/notes.tmp.Ab12Cd" "$L/summary.json.tmp.toolong1"
status env ASPROF_GNUPLOT=/nonexistent "$ASPROF" -q -o "$L" "$r1"
check "strays of killed runs an hour old are removed (exit $st)" sh -c "[ $st -eq 0 ] &&
	[ ! -e '$L/runs/regress_base_1/trace.json.tmp.Ab12Cd' ] && [ ! -e '$L/summary.json.tmp.Zz99Yy' ] &&
	[ ! -e '$L/charts/.draw-Old123' ]"
check "younger strays go too, files of other names stay" sh -c "[ ! -e '$L/summary.json.tmp.Fresh1' ] &&
	[ ! -e '$L/charts/.draw-New123' ] && [ -e '$L/notes.tmp.Ab12Cd' ] && [ -e '$L/summary.json.tmp.toolong1' ]"

# the same inputs give the same bytes, whatever -j
status "$ASPROF" -q -j 1 -o "$TMP/b" --baseline $base -- $new
for f in summary.json index.md junit.xml runs/regress_new_2/summary.json runs/regress_new_2/trace.json; do
	check "-j 1 and -j 2 give the same $f" cmp -s "$TMP/a/$f" "$TMP/b/$f"
done

# base against base: a change inside the noise is not a regression
status "$ASPROF" -q -o "$TMP/c" --baseline "$FIXTURES/regress_base_1" -- "$FIXTURES/regress_base_2" "$FIXTURES/regress_base_3"
check "base vs base: exit 0, nothing regressed or improved" sh -c "[ $st -eq 0 ] && $PY -c \"import json,sys; d=json.load(open('$TMP/c/summary.json')); sys.exit(0 if d['comparison']['counts']['regressed'] == 0 and d['comparison']['counts']['improved'] == 0 else 1)\""

# diff: one run against one run, and groups
status "$ASPROF" diff -q -o "$TMP/d" "$FIXTURES/regress_base_1" "$FIXTURES/regress_new_1"
check "diff BASE NEW: parse_batch regressed, exit 1" sh -c "[ $st -eq 1 ] && grep -A4 '^## What to look at first' '$TMP/d/index.md' | grep -q '^| \*\*regressed\*\* | \`regress::parse_batch'"
status "$ASPROF" diff -q -o "$TMP/e" --base $base --new $new
check "diff --base --new: the same comparison as --baseline" "$PY" -c "
import json, sys
a = json.load(open(sys.argv[1]))['comparison']; b = json.load(open(sys.argv[2]))['comparison']
sys.exit(0 if a['rows'] == b['rows'] else 1)" "$TMP/a/summary.json" "$TMP/e/summary.json"
status "$ASPROF" diff -q -o "$TMP/f" "$FIXTURES/tokio_ct" "$FIXTURES/tokio_mt"
check "diff: a new blocking finding is reported as new" json "$TMP/f/summary.json" \
	"[f['future'] for f in d['comparison']['new_findings']] == ['tokio_mt::blocking_io::{closure#0}']"
check "index.md shows the new blocking finding" grep -q '^| \*\*error\*\*, new | `tokio_mt::blocking_io::{closure#0}` | tokio_mt |' "$TMP/f/index.md"

# a run that cannot be read is reported; the others go through; exit 2
echo hello >"$TMP/afile"
status "$ASPROF" -q -o "$TMP/g" "$FIXTURES/tokio_ct" "$TMP/nowhere" "$TMP/afile" "$FIXTURES/smol"
check "unreadable runs: exit 2" [ "$st" -eq 2 ]
check "unreadable runs: one line each, naming it" sh -c "[ \$(wc -l <'$TMP/stderr') -eq 2 ] && grep -q 'nowhere: skipped' '$TMP/stderr' && grep -q 'afile: skipped' '$TMP/stderr'"
check "the readable runs are still analysed" json "$TMP/g/summary.json" \
	"[r['run']['name'] for r in d['runs']] == ['tokio_ct', 'smol'] and len(d['skipped']) == 2"
check "stdout has only results" sh -c "grep -q '^tokio_ct: runtime tokio' '$TMP/stdout' && ! grep -q 'skipped' '$TMP/stdout'"

# output problems
status "$ASPROF" -q -o "$TMP/afile/out" "$FIXTURES/tokio_ct"
check "output folder under a file: exit 2, one line" sh -c "[ $st -eq 2 ] && [ \$(wc -l <'$TMP/stderr') -eq 1 ] && grep -q afile '$TMP/stderr'"
status "$ASPROF" -q -o "$TMP/afile" "$FIXTURES/tokio_ct"
check "output folder is a file: exit 2, one line" sh -c "[ $st -eq 2 ] && [ \$(wc -l <'$TMP/stderr') -eq 1 ]"
status "$ASPROF" -q -j 0 -o "$TMP/h" "$FIXTURES/tokio_ct"
check "-j 0 is a usage error" [ "$st" -eq 2 ]

# a run directory whose name is Markdown: index.md escapes it in the table
# and percent-encodes it in the links
odd="$TMP/odd run|x*[y]"
cp -r "$FIXTURES/tokio_ct" "$odd"
status "$ASPROF" -q -o "$TMP/o" "$odd"
check "a run named 'odd run|x*[y]': index.md row has 8 cells, links resolve" "$PY" -c "
import re, os, sys, urllib.parse
out = sys.argv[1]
rows = [l for l in open(out + '/index.md') if l.startswith('| odd')]
cells = re.split(r'(?<!\\\\)\\|', rows[0].strip())[1:-1] if len(rows) == 1 else []
links = re.findall(r'\\]\\((runs/[^)]*)\\)', rows[0]) if rows else []
sys.exit(0 if len(cells) == 8 and len(links) == 2 and
         all(os.path.isfile(os.path.join(out, urllib.parse.unquote(l))) for l in links) else 1)
" "$TMP/o"

# more recorded threads (43 .dat files) than descriptors: the readers must
# not hold a file per thread at once (a service may run thousands of threads)
pool="$FIXTURES/tokio_pool"
status "$ASPROF" -q -o "$TMP/p1" "$pool"
check "tokio_pool: 43 threads analysed" json "$TMP/p1/runs/tokio_pool/summary.json" "d['run']['threads'] == 43"
status sh -c 'ulimit -n 24 && exec "$@"' sh "$ASPROF" -q -o "$TMP/p2" "$pool"
check "ulimit -n 24, 43 threads: exit 0, nothing on stderr" sh -c "[ $st -eq 0 ] && [ ! -s '$TMP/stderr' ]"
for f in summary.json runs/tokio_pool/summary.json runs/tokio_pool/trace.json; do
	check "ulimit -n 24: the same $f as without a limit" cmp -s "$TMP/p1/$f" "$TMP/p2/$f"
done
"$ASPROF" dump "$pool" >"$TMP/p1.dump"
status sh -c 'ulimit -n 24 && exec "$@"' sh "$ASPROF" dump "$pool"
check "ulimit -n 24: dump gives the same records" sh -c "[ $st -eq 0 ] && cmp -s '$TMP/p1.dump' '$TMP/stdout'"
tap_done
