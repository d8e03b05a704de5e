"""devtools_pipe.py - a headless Chromium driven through the DevTools
protocol over a pipe (--remote-debugging-pipe: JSON messages ended by a NUL
byte on descriptors 3 and 4), standard library only. Shared by
tests/html_check.py (report.html) and tests/trace_devtools.py (trace.json
in the DevTools Performance panel)."""
import fcntl
import json
import os
import select
import subprocess
import time

TIMEOUT = 60


class Browser:
    """Chromium at exe with its profile in profile (which also gets its
    stderr); extra: more command-line switches (a window size, a port)."""

    def __init__(self, exe, profile, extra=()):
        to_child, self.w = os.pipe()
        self.r, from_child = os.pipe()
        # above the descriptors dup2 makes 3 and 4 of, whatever pipe() gave
        hi = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (to_child, from_child)]
        os.close(to_child)
        os.close(from_child)

        def child():
            os.dup2(hi[0], 3)
            os.dup2(hi[1], 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        args = [exe, '--headless', '--remote-debugging-pipe', '--no-first-run',
                '--no-default-browser-check', '--disable-gpu', '--disable-extensions',
                '--disable-background-networking', '--disable-component-update',
                '--disable-sync', '--user-data-dir=' + profile] + list(extra) + ['about:blank']
        if os.geteuid() == 0:
            args.insert(1, '--no-sandbox')  # Chromium refuses its sandbox to root
        self.profile = profile
        self.log = open(os.path.join(profile, 'stderr'), 'wb')
        self.p = subprocess.Popen(args, preexec_fn=child, close_fds=False,
                                  stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)
        for fd in hi:
            os.close(fd)
        self.buf = b''
        self.next_id = 0
        self.events = []

    def _read(self, deadline, what):
        while b'\0' not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.r], [], [], left)[0]:
                raise TimeoutError('no answer from chromium to %s in %d s' % (what, TIMEOUT))
            chunk = os.read(self.r, 1 << 16)
            if not chunk:
                raise EOFError('chromium closed its DevTools pipe (exit %s)' % self.p.poll())
            self.buf += chunk
        msg, self.buf = self.buf.split(b'\0', 1)
        return json.loads(msg)

    def call(self, method, params=None, session=None):
        """the result of a protocol method; events that come first are kept"""
        self.next_id += 1
        msg = {'id': self.next_id, 'method': method, 'params': params or {}}
        if session:
            msg['sessionId'] = session
        os.write(self.w, json.dumps(msg).encode() + b'\0')
        deadline = time.monotonic() + TIMEOUT
        while True:
            m = self._read(deadline, method)
            if m.get('id') == self.next_id:
                if 'error' in m:
                    raise RuntimeError('%s: %s' % (method, m['error']))
                return m.get('result', {})
            self.events.append(m)

    def wait(self, method):
        """the first event named method, kept or to come"""
        deadline = time.monotonic() + TIMEOUT
        for i, m in enumerate(self.events):
            if m.get('method') == method:
                return self.events.pop(i)
        while True:
            m = self._read(deadline, method)
            if m.get('method') == method:
                return m
            self.events.append(m)

    def port(self):
        """the HTTP port of --remote-debugging-port=0, once chromium says it"""
        path = os.path.join(self.profile, 'DevToolsActivePort')
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if os.path.exists(path):
                with open(path) as f:
                    first = f.read().split()
                if first:
                    return int(first[0])
            time.sleep(0.1)
        raise TimeoutError('chromium wrote no DevToolsActivePort')

    def close(self):
        try:
            self.call('Browser.close')
        except Exception:
            pass
        try:
            self.p.wait(10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
