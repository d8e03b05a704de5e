#!/bin/sh
# html.sh - report.html of a real batch (the regression fixtures, which slow
# down exactly one future, parse_batch, with tokio_mt and loaded_mcount on
# the new side for their blocking polls), read as a file and in a real
# browser. As a file: one page with its one style and one script, whose
# SHA-256 are the ones its Content-Security-Policy allows, nothing loaded
# from elsewhere, tags balanced, no HTML5 parse error (html5lib, when
# installed), listed in manifest.json and linked from index.md. In headless Chromium (tests/html_check.py, over the DevTools
# protocol): no console error, exception or refused script or style, no
# request but the page, no wider than a laptop's screen; the DOM shows the
# verdict, the regression with its interval and chart, the findings that
# summary.json lists (one row per rule, future and run), a section per run
# with its tasks and futures, links to each run's trace.json; clicking a
# header sorts its table. A screenshot is kept in $HTML_SHOT (default: the
# scratch directory). Without Chromium the browser's checks are skipped,
# saying how to install it.
. "${TESTS_SRCDIR:-$(dirname "$0")}/setup.sh"
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
shot=${HTML_SHOT:-$TMP/report.png}
out="$TMP/out"

set +e
"$ASPROF" -q -o "$out" --baseline "$FIXTURES"/regress_base_* -- "$FIXTURES"/regress_new_* \
	"$FIXTURES/tokio_mt" "$FIXTURES/loaded_mcount" >/dev/null 2>"$TMP/stderr"
st=$?
set -e
check "a batch with a regression and blocking polls: exit status $st (1 expected)" [ "$st" -eq 1 ]
diag "$TMP/stderr"
check "report.html is written and listed in manifest.json" \
	sh -c "[ -s '$out/report.html' ] && grep -q '\"path\":\"report.html\"' '$out/manifest.json'"
check "index.md links it" grep -qF '[report.html](report.html)' "$out/index.md"

# the page as a file
"$PY" - "$out/report.html" >"$TMP/checks" <<'EOF'
import base64, hashlib, html.parser, re, sys
page = open(sys.argv[1], 'rb').read().decode('utf-8')
def check(name, ok, why=''):
    print('%s\t%s%s' % ('ok' if ok else 'not_ok', name, '' if ok else ': ' + repr(why)[:1500]))
VOID = {'meta', 'br', 'link', 'img', 'input', 'hr', 'wbr', 'col', 'source'}
SVG_EMPTY = {'line', 'rect', 'path'}
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.bad, self.tags, self.attrs = [], [], {}, []
    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        self.attrs += [(tag, k, v) for k, v in attrs]
        if tag not in VOID:
            self.stack.append(tag)
    def handle_startendtag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        self.attrs += [(tag, k, v) for k, v in attrs]
    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.bad.append('</%s> in %s' % (tag, '/'.join(self.stack[-4:])))
        else:
            self.stack.pop()
p = P()
p.feed(page)
p.close()
check('starts <!DOCTYPE html>, tags balanced', page.startswith('<!DOCTYPE html>\n') and not p.bad and not p.stack,
      (p.bad[:5], p.stack))
check('one style, one script, no other resource (no src, no link, no img, no iframe)',
      p.tags.get('style') == 1 and p.tags.get('script') == 1 and
      not any(t in p.tags for t in ('link', 'img', 'iframe', 'object', 'embed')) and
      not any(k == 'src' for _, k, _ in p.attrs), p.tags)
check('no event handler attribute, no absolute link',
      not any(k.startswith('on') for _, k, _ in p.attrs) and
      not any(k == 'href' and re.match(r'[a-z]+:', v or '') for _, k, v in p.attrs),
      [a for a in p.attrs if a[1].startswith('on') or a[1] == 'href'][:10])
csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page)
sha = lambda s: "'sha256-%s'" % base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()
style = re.search(r'<style>(.*?)</style>', page, re.S).group(1)
script = re.search(r'<script>(.*?)</script>', page, re.S).group(1)
try:
    import html5lib
    try:
        html5lib.HTMLParser(strict=True).parse(page)
        check('valid HTML5: no parse error (html5lib, strict)', True)
    except Exception as e:
        check('valid HTML5: no parse error (html5lib, strict)', False, e)
except ImportError:
    print('skip\tvalid HTML5: python3-html5lib is not installed')
check("the Content-Security-Policy: default-src 'none', the style's and the script's SHA-256",
      csp and "default-src 'none'" in csp.group(1) and 'style-src ' + sha(style) in csp.group(1) and
      'script-src ' + sha(script) in csp.group(1), csp and csp.group(1))
EOF
while IFS='	' read -r verdict what; do
	"$verdict" "$what"
done <"$TMP/checks"

if [ -z "$CHROMIUM" ]; then
	skip "report.html in a browser: chromium is not installed (apt-get install chromium)"
	tap_done
	exit
fi
set +e
"$PY" "${TESTS_SRCDIR:-$(dirname "$0")}/html_check.py" "$CHROMIUM" "$out/report.html" "$shot" \
	>"$TMP/seen.json" 2>"$TMP/chromium.err"
st=$?
set -e
if [ "$st" -ne 0 ]; then
	not_ok "report.html loaded in $("$CHROMIUM" --version 2>/dev/null | head -n 1): exit $st"
	diag "$TMP/chromium.err"
	tap_done
	exit
fi
ok "report.html loaded in $("$CHROMIUM" --version 2>/dev/null | grep -o 'Chromium [0-9.]*' | head -n 1), screenshot $(basename "$shot")"

"$PY" - "$TMP/seen.json" "$out/summary.json" "$shot" >"$TMP/checks" <<'EOF'
import json, re, sys
seen = json.load(open(sys.argv[1]))
summary = json.load(open(sys.argv[2]))
f, s = seen['facts'], seen['sort']
def check(name, ok, why=''):
    print('%s\t%s%s' % ('ok' if ok else 'not_ok', name, '' if ok else ': ' + repr(why)[:1500]))
check('no console error, exception, refused style or script, failed load', not seen['errors'], seen['errors'])
check('no request but the page itself', not seen['requests'], seen['requests'])
check('fits a laptop screen: %d px wide at 1366' % seen['width'], seen['width'] <= 1366, seen['width'])
check('the screenshot is a PNG', open(sys.argv[3], 'rb').read(8) == b'\x89PNG\r\n\x1a\n')
check('one script ran: the page\'s own', f['scripts'] == 1, f['scripts'])
check('the verdict first: Failed, exit status 1, what fails the build in words',
      f['status'] == 'Failed' and 'Exit status 1' in f['verdict'] and
      '1 regression and 1 error finding fail the build' in f['verdict'] and
      bool(f['changes']) and f['text'].index('Failed') < f['text'].index(f['changes'][0][1]),
      f['verdict'])
# the regression: the one future the fixtures slow down, as summary.json says
regressed = [r['name'] for r in summary['comparison']['rows'] if r['verdict'] == 'regressed']
check('the regression: regress::parse_batch::{closure#0}, as in summary.json',
      f['regressions'] == regressed == ['regress::parse_batch::{closure#0}'], (f['regressions'], regressed))
row = f['changes'][0] if f['changes'] else []
check('... its change with its interval, noise, base and new p50 in µs',
      len(row) == 7 and re.fullmatch(r'\+\d+ % \[\+\d+ %, \+\d+ %\]', row[1]) and
      re.fullmatch(r'±\d+ %', row[2]) and row[3].endswith(' µs') and row[4].endswith(' µs'), row)
check('... and its chart: a dot per run (3 base, 3 new)', f['charts'] == 1 and f['chart_dots'] == 6,
      (f['charts'], f['chart_dots']))
# findings: one row per rule, future and run, as summary.json groups them
want = sorted((g['severity'], g['rule'], g['future'], r['run']['name'], str(g['count']))
              for r in summary['runs'] for g in r['finding_groups'])
name = lambda c: c[3][:-len(' new')] if c[3].endswith(' new') else c[3]
got = sorted((c[0], c[2], name(c), c[5], c[6]) for c in f['findings'])
check('findings: %d rows, the groups of summary.json' % len(got), got == want, (got, want))
marked = sorted(set(name(c) for c in f['findings'] if c[3].endswith(' new')))
new = sorted(set(n['future'] for n in summary['comparison']['new_findings']))
check('... those not in the base runs marked new, as summary.json\'s new_findings', marked == new, (marked, new))
check('... tokio_mt\'s blocking_io error with its culprit; loaded_mcount\'s four blocking futures',
      any(name(c) == 'tokio_mt::blocking_io::{closure#0}' and c[0] == 'error' and c[1] == 'yes' and
          'tokio_mt::blocking_sleep' in c[12] for c in f['findings']) and
      sorted(name(c) for c in f['findings'] if c[5] == 'loaded_mcount') ==
      ['loaded::%s_in_poll::{closure#0}' % k for k in ('cpu', 'lock', 'read', 'sleep')], f['findings'])
check('... columns: severity, fails, rule, future, kind, run, count, longest, threshold, total',
      f['findings_head'][:10] == ['severity', 'fails', 'rule', 'future', 'kind', 'run', 'count',
                                  'longest', 'threshold', 'total'], f['findings_head'])
runs = [r['run']['name'] for r in summary['runs']]
check('a section per run, in the batch\'s order', f['runs'] == runs, (f['runs'], runs))
tasks = [len(t) for t in f['tasks']]
futures = [len(t) for t in f['futures']]
check('... each with its tasks and futures tables (as many rows as summary.json)',
      tasks == [len(r['tasks']) for r in summary['runs']] and
      futures == [len(r['futures']) for r in summary['runs']], (tasks, futures))
check('... and links to its trace.json and summary.json',
      all('runs/%s/trace.json' % n in f['links'] and 'runs/%s/summary.json' % n in f['links'] for n in runs),
      f['links'])
check('links to the workbook, index.md, summary.json and junit.xml',
      all(x in f['links'] for x in ('report.xlsx', 'index.md', 'summary.json', 'junit.xml')), f['links'])
check('the runs\' notes', any('the machine was busy' in n for n in f['notes']), f['notes'])
check('durations in µs, no "us"', ' µs' in f['text'] and not re.search(r'\d us\b', f['text']),
      re.findall(r'.{20}\d us\b', f['text'])[:3])
asc, desc = s.get('findings_asc', []), s.get('findings_desc', [])
check('clicking "longest" sorts the findings up, again down',
      len(asc) == len(f['findings']) and asc == sorted(asc) and desc == sorted(asc, reverse=True) and
      asc != desc and s['findings_asc_aria'] == 'ascending' and s['findings_desc_aria'] == 'descending', s)
names = s.get('futures_names', [])
check('clicking "future" sorts a futures table by name; Enter on "polls" by number',
      len(names) > 1 and names == sorted(names, key=str.lower) and
      s.get('futures_polls') == sorted(s.get('futures_polls')) and len(set(s['futures_polls'])) > 1, s)
EOF
while IFS='	' read -r verdict what; do
	"$verdict" "$what"
done <"$TMP/checks"
tap_done
