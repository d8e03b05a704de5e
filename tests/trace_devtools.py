#!/usr/bin/env python3
"""trace_devtools.py - load a trace.json into the Performance panel of
Chromium's own DevTools (headless) and print, as JSON on stdout, what the
panel made of it: its track groups (names as shown), its entries (title,
start and length in ms, as the panel's flame chart holds them; a wait's also
its tid and args), the flows it bound (their count, and each one's events:
name, tid, ts in ms), and the timeline's start; a screenshot (PNG) to SHOT.

    trace_devtools.py CHROMIUM TRACE SHOT

The browser is driven through the DevTools protocol over a pipe
(--remote-debugging-pipe: JSON messages ended by a NUL byte on descriptors
3 and 4); the DevTools frontend is the one the browser serves itself
(--remote-debugging-port, /devtools/devtools_app.html). Standard library
only. Exit status 2, with one line, when the browser cannot be driven."""
import base64
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from devtools_pipe import Browser  # noqa: E402


PROBE = r'''(async () => {
 const m = await import('./panels/timeline/timeline.js');
 const p = m.TimelinePanel.TimelinePanel.instance();
 await p.loadFromFile(new File([%s], 'trace.json', {type: 'application/json'}));
 for (let i = 0; i < 100 && !(p.flameChart && p.flameChart.mainDataProvider.timelineData().entryLevels.length); i++)
   await new Promise(r => setTimeout(r, 100));
 const dp = p.flameChart.mainDataProvider, td = dp.timelineData();
 const entries = [];
 for (let i = 0; i < td.entryLevels.length; i++) {
   const e = {title: dp.entryTitle(i), start_ms: td.entryStartTimes[i], dur_ms: td.entryTotalTimes[i]};
   // the waits: their track and args too
   const ev = /^(scheduled|waiting since spawn) /.test(e.title) && dp.eventByIndex && dp.eventByIndex(i);
   if (ev) { e.tid = ev.tid; e.args = ev.args; }
   entries.push(e);
 }
 const flows = dp.parsedTrace && dp.parsedTrace.data.Flows ? dp.parsedTrace.data.Flows.flows : [];
 // each bound flow: its events' name, tid and ts (ms)
 const flow_events = flows.map(f => f.map(ev => ({name: ev.name, tid: ev.tid, ts_ms: ev.ts / 1000})));
 const fc = p.flameChart.mainFlameChart;
 const groups = td.groups.map(g => g.name);
 // for the screenshot: every track open, the first BLOCKING slice selected
 // (its details, args included, in the Summary tab)
 for (let i = 0; i < groups.length; i++)
   if (fc.toggleGroupExpand && !td.groups[i].expanded) fc.toggleGroupExpand(i);
 const blocking = entries.findIndex(e => e.title.startsWith('BLOCKING '));
 let details = '';
 if (blocking >= 0 && fc.setSelectedEntry) {
   const ev = dp.eventByIndex && dp.eventByIndex(blocking);
   if (ev && m.TimelineSelection.selectionFromEvent && p.select)
     p.select(m.TimelineSelection.selectionFromEvent(ev));
   else
     fc.setSelectedEntry(blocking);
   await new Promise(r => setTimeout(r, 1000));
   const walk = n => ['STYLE', 'SCRIPT'].includes(n.nodeName) ? '' :
     (n.shadowRoot ? walk(n.shadowRoot) : '') +
     [...n.children].map(walk).join(' ') + (n.children.length ? '' : ' ' + (n.textContent || ''));
   details = walk(document.body).replace(/\s+/g, ' ');
 }
 return {groups, entries, flows: flows.length, flow_events, details,
         start_ms: dp.minimumBoundary(), total_ms: dp.totalTime()};
})()'''

CLOSE_HELP = r'''(() => {
 const walk = n => { if (n.nodeName === 'DIALOG' && n.open) n.close();
                     if (n.shadowRoot) walk(n.shadowRoot); for (const c of n.children) walk(c); };
 walk(document.body);
})()'''


def main(argv):
    if len(argv) != 4:
        sys.stderr.write('usage: trace_devtools.py CHROMIUM TRACE SHOT\n')
        return 2
    exe, trace, shot = argv[1:]
    with open(trace, encoding='utf-8') as f:
        text = f.read()
    profile = tempfile.mkdtemp(prefix='asprof-devtools.')
    b = None
    try:
        b = Browser(exe, profile, ['--remote-debugging-port=0', '--window-size=1600,1000'])
        url = 'http://127.0.0.1:%d/devtools/devtools_app.html?panel=timeline' % b.port()
        target = b.call('Target.createTarget', {'url': 'about:blank'})['targetId']
        s = b.call('Target.attachToTarget', {'targetId': target, 'flatten': True})['sessionId']
        b.call('Page.enable', session=s)
        b.call('Emulation.setDeviceMetricsOverride', {'width': 1600, 'height': 1000,
                                                      'deviceScaleFactor': 1, 'mobile': False},
               session=s)
        b.call('Page.navigate', {'url': url}, session=s)
        seen = None
        for _ in range(50):  # the panel's module loads after the page
            time.sleep(0.3)
            r = b.call('Runtime.evaluate', {'expression': PROBE % json.dumps(text),
                                            'awaitPromise': True, 'returnByValue': True},
                       session=s)
            if 'exceptionDetails' not in r:
                seen = r['result']['value']
                break
        if seen is None:
            raise RuntimeError('the Performance panel did not load the trace: %s'
                               % r['exceptionDetails'].get('text'))
        # the flame chart's keyboard help opens over it on a first visit:
        # close it (its close button, in the panel's shadow DOM)
        b.call('Runtime.evaluate', {'expression': CLOSE_HELP}, session=s)
        time.sleep(1)
        png = b.call('Page.captureScreenshot', {'format': 'png'}, session=s)
        with open(shot, 'wb') as f:
            f.write(base64.b64decode(png['data']))
        json.dump(seen, sys.stdout, indent=1)
        sys.stdout.write('\n')
        return 0
    except (OSError, TimeoutError, EOFError, RuntimeError, ValueError, KeyError) as e:
        print('trace_devtools.py: %s' % e)
        return 2
    finally:
        if b:
            b.close()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main(sys.argv))
