#!/bin/sh
# hostile-names.sh - names that are code, markup or terminal controls in some
# output language go through every writer inert and shown as they are.
# Run folders, two functions of the recordings' .sym files (one a plain
# name, one a legacy mangled name that demangles to backquotes), rule patterns, a
# runtime profile's name and the output folder carry backquotes, $(...),
# quotes, backslashes, newlines, ESC sequences, %, @, |, Markdown and HTML,
# non-UTF-8 bytes and a 255-byte name. The payloads that would run a command
# touch a canary file in $HOME (a folder name cannot hold a '/'), and one
# prints INJ and ECTED: the text INJECTED in a chart is a command's output.
# Then: no canary, summary.json / trace.json parse (strict UTF-8),
# junit.xml and every SVG parse as XML, report.xlsx opens with openpyxl,
# every row of index.md's tables has its header's cell count, report.html
# holds its own script only and shows the names as text (in Chromium too,
# when it is installed: no console error, no script of a name run, nothing
# loaded), every chart was drawn, and stdout / stderr hold no control
# character.
. "${TESTS_SRCDIR:-$(dirname "$0")}/setup.sh"
if ! command -v gnuplot >/dev/null 2>&1; then
	echo "1..0 # SKIP gnuplot is not installed (apt-get install gnuplot-nox)"
	exit 0
fi
home=$TMP/home
mkdir -p "$home" "$TMP/in"

# the runs, the rules file and the output folder's name, made in Python (bytes)
"$PY" - "$FIXTURES" "$TMP/in" "${TESTS_SRCDIR:-$(dirname "$0")}/../configs/runtimes.yaml" <<'EOF'
import json, os, shutil, sys
fixtures, into, runtimes = sys.argv[1], sys.argv[2].encode(), sys.argv[3]
touch = lambda tag: b'`cd;touch${IFS}C_' + tag + b'`$(cd;touch${IFS}C_' + tag + b'2)'
# the slowed future of the regress fixtures, renamed: a plain (not mangled)
# name is shown as it is
future = (b'regress::parse' + touch(b'SYM') + b'\'"\\|@x{a}^b_c&<b>%s%n\x1b[31m\xff\xfe|' +
          b'</code></td><script>alert(1)</script><!--' +
          b'`printf${IFS}INJ;printf${IFS}ECTED`::{closure#0}')
# another one mangled (legacy): it demangles to backquotes, $ and quotes
def legacy(*path):
    ident = lambda s: ''.join(c if c.isalnum() or c == '_' else '$u%x$' % ord(c) for c in s)
    return ('_ZN' + ''.join('%d%s' % (len(ident(p)), ident(p)) for p in path) + '17h0123456789abcdefE').encode()
mangled = legacy('regress', 'fetch`cd;touch${IFS}C_MANGLED`"\'', '{{closure}}')
names = {
    'base': [b'b' + touch(b'RUN1'),
             b'b\'"\\|@%s%n{a}_b^c&<i>x<\\i>' + touch(b'RUN2'),
             b'b\x1b[31mred\nline\xff\x07' + touch(b'RUN3')],
    'new': [b'n|`printf${IFS}INJ;printf${IFS}ECTED`*[y](z)#~$x$ &amp; :x:',
            b'n' + touch(b'RUN4') + b'x' * 206 + b'\xe2\x82',
            b'n@macro\r\t<script>alert(2)<img src=x onerror=alert(3)>' + touch(b'RUN5')],
}
for side, runs in names.items():
    for i, name in enumerate(runs):
        run = os.path.join(into, side.encode(), name)
        shutil.copytree(os.path.join(fixtures, 'regress_%s_%d' % (side, i + 1)).encode(), run)
        sym = os.path.join(run, b'regress.sym')
        data = open(sym, 'rb').read()
        old = b' _RNCNvCsia0jGzeAwKN_7regress11parse_batch0B3_\n'
        assert old in data
        data = data.replace(old, b' ' + future + b'\n')
        old = b' _RNCNvCsia0jGzeAwKN_7regress10fetch_rows0B3_\n'
        assert old in data
        open(sym, 'wb').write(data.replace(old, b' ' + mangled + b'\n'))
# the rules: a runtime profile (tokio's lists, cut from runtimes.yaml) and
# override patterns with hostile names; the first pattern matches the future.
# JSON strings are YAML double-quoted scalars.
lines = open(runtimes).read().split('\n')
start = lines.index('  - name: tokio')
end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith('  - name: '))
rt = 'tok`cd;touch${IFS}C_RT`$(cd;touch${IFS}C_RT2)|\x1b]0;x\x07\'"\\@%s<b>\n'
q = json.dumps
rules = ['runtime: ' + q(rt),
         'blocking: {warning: 100us, error: 10s}',
         'overrides:',
         '  - {match: %s, severity: warning, warning: 200us}' % q('regress::parse`cd;touch${IFS}C_SYM`$(cd;touch${IFS}C_SYM2)\'"*'),
         '  - {match: %s, error: 1s}' % q('`cd;touch${IFS}C_RULE`$(cd;touch${IFS}C_RULE2)|\'"\\\x1b]0;pwn\x07\n%s@{x}<b>*'),
         'runtimes:',
         '  - name: ' + q(rt)] + lines[start + 1:end]
with open(os.path.join(into, b'rules.yaml'), 'w') as f:
    f.write('\n'.join(rules) + '\n')
EOF

out="$TMP/out \`cd;touch\${IFS}C_OUT\`\$(cd;touch\${IFS}C_OUT2)'\"x"
set +e
HOME=$home "$ASPROF" -c "$TMP/in/rules.yaml" -o "$out" --baseline "$TMP"/in/base/* -- "$TMP"/in/new/* \
	>"$TMP/stdout" 2>"$TMP/stderr"
st=$?
set -e
check "a batch over hostile names: exit status $st (1 expected: the regression)" [ "$st" -eq 1 ]
diag "$TMP/stderr" | cat -v
check "no payload ran: no canary file $(ls "$home" | tr '\n' ' ')" [ -z "$(ls -A "$home")" ]

mkdir "$TMP/in2"
"$PY" -c 'import os, sys; os.mkdir(os.path.join(sys.argv[1].encode(), b"bad\x1b]0;pwn\x07\x1b[31m\xff`cd;touch${IFS}C_BAD`"))' "$TMP/in2"
set +e
mkdir "$TMP/home2"
HOME=$TMP/home2 "$ASPROF" -o "$TMP/out2" "$TMP"/in2/* "$FIXTURES/tokio_ct" >/dev/null 2>"$TMP/stderr2"
st=$?
set -e
check "a batch with a hostile run that cannot be read: exit status $st (2 expected)" [ "$st" -eq 2 ]
check "... no payload ran" [ -z "$(ls -A "$TMP/home2")" ]

# dump prints the records' names: shown inert too (the plain and the
# demangled names, and the mangled ones of --mangled)
for flag in "" --mangled; do
	"$ASPROF" dump $flag "$(ls -d "$TMP"/in/new/* | head -n 1)" >"$TMP/dump" 2>/dev/null || true
	check "dump $flag: names shown, no control character but newline and tab" \
		sh -c '[ -s "$1" ] && ! LC_ALL=C grep -q "$(printf "[\001-\010\013-\037\177]")" "$1"' - "$TMP/dump"
done

"$PY" - "$out" "$TMP/stdout" "$TMP/stderr" >"$TMP/checks" <<'EOF'
import glob, json, os, re, sys, xml.etree.ElementTree as ET
out, stdout, stderr = sys.argv[1:4]
def check(name, ok, why=''):
    print('%s\t%s%s' % ('ok' if ok else 'not_ok', name, '' if ok else ': ' + repr(why)))
def parse(what, fn):
    try:
        fn()
        return ''
    except Exception as e:
        return '%s: %s' % (what, e)

def strict_json(p):
    return json.loads(open(p, 'rb').read().decode('utf-8'))
jsons = [os.path.join(out, 'summary.json')] + sorted(glob.glob(os.path.join(glob.escape(out), 'runs', '*', '*.json')))
errs = [e for e in (parse(p, lambda p=p: strict_json(p)) for p in jsons) if e]
check('%d JSON files (summary.json, trace.json) parse as strict UTF-8 JSON' % len(jsons),
      len(jsons) == 13 and not errs, '; '.join(errs)[:2000] or 'count %d' % len(jsons))
d = strict_json(os.path.join(out, 'summary.json')) if not errs else None
if d:
    names = [r['run']['name'] for r in d['runs']]
    check('summary.json: the run names as they are (backquotes, quotes, pipes, %s)',
          'b`cd;touch${IFS}C_RUN1`$(cd;touch${IFS}C_RUN12)' in names and
          any(n.startswith('n|`printf${IFS}INJ;printf${IFS}ECTED`*[y](z)#~$x$ &amp; :x:') for n in names) and
          'b\'"\\|@%s%n{a}_b^c&<i>x<\\i>`cd;touch${IFS}C_RUN2`$(cd;touch${IFS}C_RUN22)' in names, repr(names))
    fut = [r['name'] for r in d['comparison']['rows'] if r['verdict'] == 'regressed']
    check('summary.json: the hostile future regressed, its name as it is',
          fut and fut[0].startswith('regress::parse`cd;touch${IFS}C_SYM`$(cd;touch${IFS}C_SYM2)\'"\\|@x{a}^b_c&<b>%s%n'),
          repr(fut))
    futs = set(f['name'] for r in d['runs'] for f in r['futures'])
    check('summary.json: a mangled name demangled to backquotes and quotes, as it is',
          'regress::fetch`cd;touch${IFS}C_MANGLED`"\'::{{closure}}' in futs, repr(sorted(futs)))
    rts = set(r['run']['runtime'] for r in d['runs'])
    check('summary.json: the runtime profile\'s name as it is', rts == {'tok`cd;touch${IFS}C_RT`$(cd;touch${IFS}C_RT2)|\x1b]0;x\x07\'"\\@%s<b>\n'}, repr(rts))

err = parse('junit.xml', lambda: ET.parse(os.path.join(out, 'junit.xml')))
check('junit.xml parses as XML', not err, err)
if not err:
    cases = [c.get('name') for c in ET.parse(os.path.join(out, 'junit.xml')).iter('testcase')]
    check('junit.xml: a testcase per override pattern, the patterns shown',
          any('`cd;touch${IFS}C_RULE`$(cd;touch${IFS}C_RULE2)|\'"\\' in (c or '') for c in cases), repr(cases)[:1000])

try:
    import openpyxl
    err = parse('report.xlsx', lambda: openpyxl.load_workbook(os.path.join(out, 'report.xlsx')))
    check('report.xlsx opens with openpyxl', not err, err)
except ImportError:
    print('skip\treport.xlsx: python3-openpyxl is not installed')

# index.md: a pipe is escaped when an odd number of backslashes precede it
md = open(os.path.join(out, 'index.md'), 'rb').read()
err = parse('index.md', lambda: md.decode('utf-8'))
check('index.md is UTF-8 without control characters',
      not err and not re.search(rb'[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]', md), err)
def cells(line):
    return len(re.findall(r'(?<!\\)(?:\\\\)*\|', line)) - 1
bad, cols = [], None
for line in md.decode('utf-8', 'replace').split('\n'):
    if not line.startswith('|'):
        cols = None
        continue
    if cols is None:
        cols = cells(line)
    elif cells(line) != cols:
        bad.append(line)
check('index.md: every table row has its header\'s cell count', not bad, repr(bad)[:2000])
# outside code spans, a '<' that is not escaped would start HTML
# (the folds index.md opens itself, whole lines of fixed words, are not a name's)
plain = re.sub(r'(`+)(?!`).*?(?<!`)\1(?!`)', '', md.decode('utf-8', 'replace'))
plain = re.sub(r'(?m)^(<details><summary>[0-9a-z ]+</summary>|</details>)$', '', plain)
m = re.search(r'(?<!\\)(?:\\\\)*<[a-z/]', plain)
check('index.md: no raw HTML from a name', not m, m and plain[max(0, m.start() - 80):m.end() + 20])

# report.html: the names are text; the page's one script is its own
import html.parser
class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs, self.text = [], [], []
    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(tag, k, v or '') for k, v in attrs]
    handle_startendtag = handle_starttag
    def handle_data(self, data):
        self.text.append(data)
raw = open(os.path.join(out, 'report.html'), 'rb').read()
err = parse('report.html', lambda: raw.decode('utf-8'))
check('report.html is UTF-8 without control characters',
      not err and not re.search(rb'[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]', raw), err)
try:
    import html5lib
    err = parse('report.html', lambda: html5lib.HTMLParser(strict=True).parse(raw))
    check('report.html: no HTML5 parse error (html5lib, strict)', not err, err)
except ImportError:
    print('skip\treport.html as HTML5: python3-html5lib is not installed')
pg = Page()
pg.feed(raw.decode('utf-8', 'replace'))
check('report.html: one script and one style (its own), no img, no event handler, no absolute link',
      pg.tags.count('script') == 1 and pg.tags.count('style') == 1 and 'img' not in pg.tags and
      not any(k.startswith('on') for _, k, _ in pg.attrs) and
      all(re.fullmatch(r'[A-Za-z0-9._~%/#-]+', v) for _, k, v in pg.attrs if k == 'href'),
      [t for t in pg.tags if t in ('script', 'img', 'style')] + [a for a in pg.attrs if a[1].startswith('on') or a[1] == 'href'][:20])
text = ''.join(pg.text)
# (the analysis made the control bytes and those not UTF-8 '?' already)
check('report.html shows the names as text (<script>, <img onerror>, quotes, &amp;)',
      'regress::parse`cd;touch${IFS}C_SYM`$(cd;touch${IFS}C_SYM2)\'"\\|@x{a}^b_c&<b>%s%n?[31m??|'
      '</code></td><script>alert(1)</script><!--`printf${IFS}INJ;printf${IFS}ECTED`::{closure#0}' in text and
      'n@macro??<script>alert(2)<img src=x onerror=alert(3)>`cd;touch${IFS}C_RUN5`' in text and
      'n|`printf${IFS}INJ;printf${IFS}ECTED`*[y](z)#~$x$ &amp; :x:' in text, '')

charts = sorted(os.path.basename(p) for p in glob.glob(os.path.join(glob.escape(out), 'charts', '*.gp')))
kinds = set(c.split('-')[0] for c in charts)
check('every chart drawn (dist, trend, hist): %d' % len(charts),
      kinds == {'dist', 'trend', 'hist'} and len(charts) >= 9 and all(
          os.path.isfile(os.path.join(out, 'charts', c[:-3] + ext)) for c in charts for ext in ('.png', '.svg')),
      repr(charts))
svgs = sorted(glob.glob(os.path.join(glob.escape(out), 'charts', '*.svg')))
errs = [e for e in (parse(p, lambda p=p: ET.parse(p)) for p in svgs) if e]
check('%d SVGs parse as XML' % len(svgs), svgs and not errs, '; '.join(errs))
text = b''.join(open(p, 'rb').read() for p in svgs)
check('no command output in a chart (INJECTED)', b'INJECTED' not in text, '')
shown = '\n'.join(''.join(ET.parse(p).getroot().itertext()) for p in svgs) if not errs else ''
check('charts show the names as they are (backquotes, $(...), quotes, %, @)',
      'parse`cd;touch${IFS}C_SYM`$(cd;touch${IFS}C_SYM2)\'"\\|@x{a}^' in shown and
      'run n|`printf${IFS}INJ;printf${IFS}ECTED`*[y](z)#~$x$ &amp; :x:' in shown and
      'b\'"\\|@%s%n{a}_b^c&<i>x<\\i>`cd;tou' in shown, re.sub(r'\s+', ' ', shown)[:1000])

for name, path in (('stdout', stdout), ('stderr', stderr)):
    data = open(path, 'rb').read()
    m = re.search(rb'[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]', data)
    check(name + ': no control character', not m, m and repr(data[max(0, m.start() - 60):m.end() + 20]))
    check(name + ': UTF-8', parse(name, lambda: data.decode('utf-8')) == '', '')

# a second batch: a run that cannot be read, named with escape sequences and
# a byte that is not UTF-8, is skipped and told on stderr; its path is in
# every report
out2 = os.path.join(os.path.dirname(out), 'out2')
for f, ok in (('summary.json', lambda p: strict_json(p)), ('junit.xml', ET.parse)):
    err = parse(f, lambda: ok(os.path.join(out2, f)))
    check('a skipped run\'s hostile path: %s parses' % f, not err, err)
md = open(os.path.join(out2, 'index.md'), 'rb').read()
check('... index.md: UTF-8, no control character, the path on one row',
      not parse('', lambda: md.decode('utf-8')) and not re.search(rb'[\x00-\x08\x0b-\x1f\x7f]', md) and
      len([l for l in md.split(b'\n') if l.startswith(b'- ') and b'pwn' in l]) == 1, md.decode('utf-8', 'replace'))
data = open(os.path.join(os.path.dirname(out), 'stderr2'), 'rb').read()
check('... stderr: no control character, the path shown with \\x1b', not re.search(rb'[\x00-\x08\x0b-\x1f\x7f]', data.replace(b'\n', b'')) and
      b'bad\\x1b]0;pwn\\x07\\x1b[31m\\xff`cd;touch${IFS}C_BAD`: skipped' in data, data)
EOF
while IFS='	' read -r verdict what; do
	"$verdict" "$what"
done <"$TMP/checks"

# report.html in a browser: no script of a name runs, nothing is loaded
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$CHROMIUM" ]; then
	skip "report.html in a browser: chromium is not installed (apt-get install chromium)"
elif "$PY" "${TESTS_SRCDIR:-$(dirname "$0")}/html_check.py" "$CHROMIUM" "$out/report.html" "$TMP/shot.png" \
	>"$TMP/seen.json" 2>"$TMP/chromium.err"; then
	"$PY" - "$TMP/seen.json" >"$TMP/checks" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
ok = not d['errors'] and not d['requests'] and d['facts']['scripts'] == 1 and \
    'alert(2)<img src=x onerror=alert(3)>' in d['facts']['text']
print('%s\treport.html in Chromium: no console error, no request, one script, the names as text%s' %
      ('ok' if ok else 'not_ok', '' if ok else ': ' + repr((d['errors'], d['requests'], d['facts']['scripts']))[:1500]))
EOF
	while IFS='	' read -r verdict what; do
		"$verdict" "$what"
	done <"$TMP/checks"
else
	not_ok "report.html in a browser: html_check.py failed"
	diag "$TMP/chromium.err"
fi
tap_done
