#!/usr/bin/env python3
"""html_check.py - load a report.html in headless Chromium and say what a
reader's browser saw, as JSON on stdout:

  errors    console errors, uncaught exceptions, the browser's own error log
            (a Content-Security-Policy violation, a failed load)
  warnings  console warnings and the log's warnings
  requests  every URL the page asked for but itself (nothing is expected:
            the page is one file)
  facts     what the DOM shows (the verdict, regressions, findings, runs)
  sort      tables sorted by clicking headers (the page's own script)
  width     the page's width on a 1366x900 window (a laptop screen)

and a screenshot (PNG, 1366x900) to SHOT.

    html_check.py CHROMIUM PAGE SHOT

Chromium is driven through the DevTools protocol over a pipe
(--remote-debugging-pipe: JSON messages ended by a NUL byte on file
descriptors 3 and 4), so nothing beyond Python's standard library and
Debian's chromium is needed. Exit status 2, with one line, when the browser
cannot be started or does not answer."""
import base64
import json
import os
import shutil
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from devtools_pipe import Browser  # noqa: E402



FACTS = r'''(() => {
  const t = e => e ? e.textContent.trim() : null;
  const q = s => Array.from(document.querySelectorAll(s));
  const rows = s => q(s).map(r => Array.from(r.cells).map(t));
  return {
    title: document.title,
    status: t(document.querySelector('#verdict .status')),
    verdict: t(document.querySelector('#verdict')),
    regressions: q('#regressions table.changes tbody tr:not(.via) td:first-child code').map(t),
    improvements: q('#improvements table.changes tbody tr:not(.via) td:first-child code').map(t),
    changes: rows('table.changes tbody tr:not(.via)'),
    via: q('table.changes tr.via').map(t),
    charts: q('table.changes svg').length,
    chart_dots: q('table.changes svg circle').length,
    findings_head: q('#findings-table thead th').map(t),
    findings: rows('#findings-table tbody tr'),
    runs: q('section.run h2').map(h => h.firstChild.textContent),
    runs_table: rows('#runs-table tbody tr'),
    tasks: q('section.run').map(s => rows('#' + s.id + ' table.tasks tbody tr')),
    futures: q('section.run').map(s => rows('#' + s.id + ' table.futures tbody tr')),
    links: q('a[href]').map(a => a.getAttribute('href')).filter(h => !h.startsWith('#')),
    scripts: document.scripts.length,
    notes: q('ul.notes li').map(t),
    text: document.body.innerText,
  };
})()'''

SORT = r'''(() => {
  const cells = (table, col, attr) => Array.from(table.tBodies[0].rows).map(
    r => attr ? parseFloat(r.cells[col].getAttribute('data-v')) : r.cells[col].textContent);
  const out = {};
  const f = document.getElementById('findings-table');
  if (f) {
    const th = Array.from(f.tHead.rows[0].cells).find(h => h.textContent.startsWith('longest'));
    th.click();
    out.findings_asc = cells(f, th.cellIndex, true);
    out.findings_asc_aria = th.getAttribute('aria-sort');
    th.click();
    out.findings_desc = cells(f, th.cellIndex, true);
    out.findings_desc_aria = th.getAttribute('aria-sort');
  }
  const ft = document.querySelector('table.futures');
  if (ft) {
    const th = ft.tHead.rows[0].cells[0];
    th.click();
    out.futures_names = cells(ft, 0, false);
    const polls = ft.tHead.rows[0].cells[2];
    polls.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}));
    out.futures_polls = cells(ft, 2, false).map(Number);
  }
  return out;
})()'''


def evaluate(b, session, expr):
    r = b.call('Runtime.evaluate', {'expression': expr, 'returnByValue': True}, session)
    if 'exceptionDetails' in r:
        raise RuntimeError('evaluate: %s' % json.dumps(r['exceptionDetails'])[:500])
    return r['result'].get('value')


def main():
    if len(sys.argv) != 4:
        sys.exit('usage: html_check.py CHROMIUM PAGE SHOT')
    exe, page, shot = sys.argv[1:]
    url = 'file://' + os.path.abspath(page)
    profile = tempfile.mkdtemp(prefix='asprof-chromium.')
    b = Browser(exe, profile, ['--window-size=1366,900'])
    try:
        targets = b.call('Target.getTargets')['targetInfos']
        page_t = next((t for t in targets if t['type'] == 'page'), None)
        tid = page_t['targetId'] if page_t else b.call('Target.createTarget', {'url': 'about:blank'})['targetId']
        s = b.call('Target.attachToTarget', {'targetId': tid, 'flatten': True})['sessionId']
        for domain in ('Page', 'Runtime', 'Log', 'Network'):
            b.call(domain + '.enable', {}, s)
        b.call('Emulation.setDeviceMetricsOverride',
               {'width': 1366, 'height': 900, 'deviceScaleFactor': 1, 'mobile': False}, s)
        b.events.clear()  # about:blank's
        b.call('Page.navigate', {'url': url}, s)
        b.wait('Page.loadEventFired')
        facts = evaluate(b, s, FACTS)
        width = evaluate(b, s, 'document.documentElement.scrollWidth')
        png = b.call('Page.captureScreenshot', {'format': 'png'}, s)['data']
        with open(shot, 'wb') as f:
            f.write(base64.b64decode(png))
        sort = evaluate(b, s, SORT)
        evaluate(b, s, '0')  # the events of the clicks arrive before this answer
    except Exception as e:  # whatever failed, the browser is stopped
        b.close()
        err = open(os.path.join(profile, 'stderr'), 'rb').read().decode('utf-8', 'replace')
        shutil.rmtree(profile, ignore_errors=True)
        print('html_check.py: %s: %s\n%s' % (page, e, err[-2000:]), file=sys.stderr)
        sys.exit(2)
    errors, warnings, requests = [], [], []
    for m in b.events:
        p = m.get('params', {})
        meth = m.get('method')
        if meth == 'Runtime.exceptionThrown':
            d = p['exceptionDetails']
            errors.append('exception: %s' % d.get('exception', {}).get('description', d.get('text')))
        elif meth == 'Runtime.consoleAPICalled':
            text = ' '.join(str(a.get('value', a.get('description', ''))) for a in p.get('args', []))
            if p['type'] in ('error', 'assert'):
                errors.append('console.%s: %s' % (p['type'], text))
            elif p['type'] == 'warning':
                warnings.append('console.warn: %s' % text)
        elif meth == 'Log.entryAdded':
            e = p['entry']
            line = 'log %s (%s): %s %s' % (e['level'], e['source'], e['text'], e.get('url', ''))
            if e['level'] == 'error':
                errors.append(line)
            elif e['level'] == 'warning':
                warnings.append(line)
        elif meth == 'Network.requestWillBeSent':
            if urllib.parse.unquote(p['request']['url']) != url:
                requests.append(p['request']['url'])
        elif meth == 'Network.loadingFailed':
            errors.append('load failed: %s' % p.get('errorText'))
    b.close()
    shutil.rmtree(profile, ignore_errors=True)
    json.dump({'errors': errors, 'warnings': warnings, 'requests': requests, 'facts': facts,
               'sort': sort, 'width': width}, sys.stdout)


if __name__ == '__main__':
    main()
