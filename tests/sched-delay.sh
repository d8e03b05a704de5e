#!/bin/sh
# sched-delay.sh - each task's scheduled time, from a wake to the start of
# the poll it caused (docs/scheduling-delay.md), on tests/rust/sched_delay
# recorded with `asprof-batch record` in both builds (sched_delay_mcount,
# sched_delay_plain): on a current-thread tokio runtime, `blocker` holds the
# thread 30 ms while a std::thread wakes `waiter_b` and `waiter_c` 5 ms into
# it; three control rounds wake `calm_b` and `calm_c` while nothing blocks.
# The program measured each wait itself (the instant the other thread took
# before its send, to the instant the body resumed) and wrote it to
# tests/fixtures/<fixture>.truth. The blocking poll's victims: the two
# waiters, each for the part of its wait the poll covers. Recordings
# without wake arguments (every older fixture) say so in one note, have no
# victims and nothing else.
# sched_delay_mt_mcount: the same on a two-worker multi-thread runtime
# (tests/rust/sched_delay/src/mt.rs; its block below).
# sched_delay_smol_mcount: the blocked round on smol's executor (async-task's
# wakes; tests/rust/sched_delay/src/smol.rs).
# sched_delay_async_std_mcount: the same on async-std's (one executor
# thread), and a task spawned as the blocking poll starts: its first-poll
# delay (tests/rust/sched_delay/src/async_std.rs).
. "${TESTS_SRCDIR:-$(dirname "$0")}/setup.sh"
# json EXPR: EXPR over the summary $sum (`d`), the truth file $truth as
# `truth` (name -> list of waits in ns), the tasks of a root (`tasks(n)`)
# and the future of a name (`fut(n)`)
json() { "$PY" -c "import json,sys
d=json.load(open(sys.argv[1]))
truth={}
if sys.argv[2]:
    for line in open(sys.argv[2]):
        n,ns=line.split(); truth.setdefault(n,[]).append(int(ns))
c=sys.argv[3]
tasks=lambda n: [t for t in d['tasks'] if t['root']=='sched_delay::%s::%s' % (n, c)]
fut=lambda n: [f for f in d['futures'] if f['name']=='sched_delay::%s::%s' % (n, c)][0]
sys.exit(0 if ($1) else 1)" "$sum" "${truth:-}" "$c"; }
NOTE='no wake of a task (the runtime profiles'
RULES_ON=$TMP/rules-on.yaml
printf 'rules:\n  scheduling-delay: true\n' >"$RULES_ON"

for fx in sched_delay_mcount sched_delay_plain; do
	case $fx in *plain) c='{{closure}}' ;; *) c='{closure#0}' ;; esac
	truth=$FIXTURES/$fx.truth
	check "$fx: the program's own measurements are there" [ -s "$truth" ]
	check "$fx: recorded by 'record' with the wakes' task pointers" \
		grep -q 'cmdline:.*waker.*wake_by_.*@arg1' "$FIXTURES/$fx/info"
	status "$ASPROF" -t 20 -o "$TMP/out-$fx" "$FIXTURES/$fx"
	sum=$TMP/out-$fx/runs/$fx/summary.json
	check "$fx: analysed, exit 0 (the 30 ms poll is a warning)" [ "$st" -eq 0 ]
	check "$fx: wakes recorded, no note saying otherwise" \
		json "d['run']['wakes_recorded'] and d['run']['wakes'] >= 8 and
		      not [n for n in d['run']['notes'] if n.startswith('$NOTE')]"
	# B and C: woken 5 ms into the blocking poll, polled after it
	for w in waiter_b waiter_c; do
		check "$fx: $w: one scheduled wait, within 3 % of the program's own ($(grep "^$w " "$truth" | cut -d' ' -f2) ns)" \
			json "len(tasks('$w')) == 1 and tasks('$w')[0]['sched_waits'] == 1 and
			      abs(tasks('$w')[0]['sched_ns']['max'] - truth['$w'][0]) <= 0.03 * truth['$w'][0]"
		check "$fx: $w: a long delay, not the machine's (its poller was blocked, on CPU)" \
			json "tasks('$w')[0]['long_delays'] == 1 and
			      tasks('$w')[0]['sched_cpu_ns'] < 0.1 * tasks('$w')[0]['sched_ns']['max']"
		check "$fx: $w: its future has the same" \
			json "fut('$w')['sched_waits'] == 1 and fut('$w')['long_delays'] == 1 and
			      fut('$w')['sched_ns']['max'] == tasks('$w')[0]['sched_ns']['max']"
	done
	check "$fx: blocker and quiet are never woken (their one poll follows the spawn)" \
		json "all(t['sched_waits'] == 0 for n in ('blocker', 'quiet') for t in tasks(n))"
	# the control rounds: three of each, woken while nothing blocks
	for w in calm_b calm_c; do
		check "$fx: $w: 3 tasks, one wait each, no long delay" \
			json "len(tasks('$w')) == 3 and all(t['sched_waits'] == 1 and t['long_delays'] == 0
			      for t in tasks('$w')) and fut('$w')['sched_waits'] == 3 and fut('$w')['long_delays'] == 0"
		check "$fx: $w: each wait shorter than the blocked waiters' by 10x" \
			json "fut('$w')['sched_ns']['max'] * 10 < min(truth['waiter_b'] + truth['waiter_c'])"
	done
	# the victims of blocker's poll: B and C, ready while it held the
	# thread, each for the part of its wait the poll covers (a little less
	# than the program's own measure: that one runs on past the poll's end
	# to the waiter's body); the control rounds' tasks are no one's
	check "$fx: blocker's blocking poll has exactly the victims waiter_b and waiter_c" \
		json "[sorted(v['root'] for v in f['victims']['tasks']) for f in d['findings']
		       if f['rule'] == 'blocking-poll' and f['victims']['count']] ==
		      [['sched_delay::waiter_b::%s' % c, 'sched_delay::waiter_c::%s' % c]] and
		      [f['victims']['count'] for f in d['findings'] if f['rule'] == 'blocking-poll'
		       and f['future'] == 'sched_delay::blocker::%s' % c] == [2]"
	for w in waiter_b waiter_c; do
		check "$fx: $w: waited behind blocker within 5 % of the program's own measure, no longer than its scheduled time" \
			json "[v for f in d['findings'] for v in f['victims']['tasks']
			       if v['root'] == 'sched_delay::$w::%s' % c and
			       abs(v['wait_ns'] - truth['$w'][0]) <= 0.05 * truth['$w'][0] and
			       v['task'] == tasks('$w')[0]['id'] and
			       v['wait_ns'] <= tasks('$w')[0]['sched_ns']['max']]"
	done
	check "$fx: the victims' count, total and mean agree with the list; the group sums them" \
		json "all(f['victims']['count'] == len(f['victims']['tasks']) and
		          f['victims']['total_ns'] == sum(v['wait_ns'] for v in f['victims']['tasks']) and
		          f['victims']['mean_ns'] == f['victims']['total_ns'] // max(1, f['victims']['count'])
		          for f in d['findings']) and
		      sum(g['victims'] for g in d['finding_groups']) == 2"
	check "$fx: stdout: 2 tasks waited behind blocker's poll" \
		grep -Eq '^ +held thread [0-9]+ for 30\.[0-9]+ ms; 2 tasks waited behind it, 2[0-9]\.[0-9]+ ms on average$' "$TMP/stdout"
	check "$fx: index.md and report.html say it too" \
		sh -c 'grep -q "; 2 tasks waited behind it, " "$1/index.md" &&
		       grep -q "2 tasks waited behind it, " "$1/report.html"' - "$TMP/out-$fx"
	check "$fx: trace.json: an arrow from blocker's BLOCKING slice to each waiter's delayed poll, bound as DevTools binds them" \
		"$PY" -c "import json,sys
ev=json.load(open(sys.argv[1]))['traceEvents']
c=sys.argv[2]
fl=[e for e in ev if e['ph'] in ('s', 'f') and e['name'].endswith(' waited behind it')]
bound=lambda e: [x['name'] for x in ev if x['ph'] == 'X' and
                 all(x.get(k) == e[k] for k in ('ts', 'pid', 'tid', 'cat'))]
s={e['id']: bound(e) for e in fl if e['ph'] == 's'}
f={e['id']: bound(e) for e in fl if e['ph'] == 'f'}
ok = len(fl) == 4 and sorted(s) == sorted(f)
ok = ok and all(b == ['BLOCKING %.1f ms: sched_delay::blocker::%s' % (float(b[0].split()[1]), c)] for b in s.values())
ok = ok and sorted(b[0] for b in f.values()) == ['sched_delay::waiter_b::' + c, 'sched_delay::waiter_c::' + c]
sys.exit(0 if ok else 1)" "$TMP/out-$fx/runs/$fx/trace.json" "$c"
	if "$PY" -c 'import openpyxl' 2>/dev/null; then
		check "$fx: report.xlsx: Findings and Finding polls give blocker's victims as numbers" \
			"$PY" -c "import json,sys,openpyxl
d=json.load(open(sys.argv[1]))
v=[f['victims'] for f in d['findings'] if f['rule'] == 'blocking-poll'][0]
wb=openpyxl.load_workbook(sys.argv[2])
ok=True
for sheet in ('Findings', 'Finding polls'):
    rows=list(wb[sheet].iter_rows(values_only=True))
    h=rows[0]
    r=[x for x in rows[1:] if x[h.index('Rule')] == 'blocking-poll'][0]
    n, mean = r[h.index('Victims')], r[h.index(\"Victims' mean wait (ms)\")]
    ok = ok and isinstance(n, (int, float)) and n == v['count'] == 2
    ok = ok and isinstance(mean, float) and abs(mean - v['mean_ns'] / 1e6) < 1e-6
    if sheet == 'Finding polls':
        ok = ok and str(r[h.index('Victim tasks')]) == ', '.join(str(t['task']) for t in v['tasks'])
sys.exit(0 if ok else 1)" "$sum" "$TMP/out-$fx/report.xlsx"
	else
		skip "$fx: report.xlsx: python3-openpyxl is not installed"
	fi
	status "$ASPROF" -q -o "$TMP/again-$fx" --outputs summary,run-summary "$sum"
	check "$fx: read again from its summary.json, the victims are the same" \
		"$PY" -c "import json,sys
a=[f['victims'] for f in json.load(open(sys.argv[1]))['findings']]
b=[f['victims'] for f in json.load(open(sys.argv[2]))['runs'][0]['findings']]
sys.exit(0 if a == b and a else 1)" "$sum" "$TMP/again-$fx/summary.json"
	check "$fx: scheduling-delay is off by default: no finding of it" \
		json "not [f for f in d['findings'] if f['rule'] == 'scheduling-delay']"
	check "$fx: stdout: the tasks table's SCHED P50/P99 column, waiter_b's wait in it" \
		"$PY" -c "import sys,re
t=open(sys.argv[1]).read()
sys.exit(0 if 'SCHED P50/P99' in t and re.search(r' [0-9.]+ ms/[0-9.]+ ms  sched_delay::waiter_b::', t) else 1)" \
		"$TMP/stdout"
	# scheduling.long_delay from the rules file
	printf 'scheduling:\n  long_delay: 1s\n' >"$TMP/rules.yaml"
	status "$ASPROF" -q -c "$TMP/rules.yaml" -o "$TMP/out1s-$fx" "$FIXTURES/$fx"
	sum=$TMP/out1s-$fx/runs/$fx/summary.json
	check "$fx: scheduling.long_delay: 1s: no long delay, the same waits" \
		json "d['rules']['long_delay_ns'] == 10**9 and
		      all(t['long_delays'] == 0 for t in d['tasks']) and fut('waiter_b')['sched_waits'] == 1"
	# the scheduling-delay rule turned on: one finding a long delay, the
	# two waiters, each naming blocker's poll; the control rounds' none
	status "$ASPROF" -c "$RULES_ON" -o "$TMP/on-$fx" "$FIXTURES/$fx"
	sum=$TMP/on-$fx/runs/$fx/summary.json
	check "$fx: scheduling-delay on: exactly the two waiters have a finding, a warning each" \
		json "sorted(f['future'] for f in d['findings'] if f['rule'] == 'scheduling-delay') ==
		      ['sched_delay::waiter_b::%s' % c, 'sched_delay::waiter_c::%s' % c] and
		      all(f['severity'] == 'warning' for f in d['findings'] if f['rule'] == 'scheduling-delay')"
	for w in waiter_b waiter_c; do
		check "$fx: $w: its finding names the poll of blocker's future and task it waited behind" \
			json "[f for f in d['findings'] if f['rule'] == 'scheduling-delay' and
			       f['future'] == 'sched_delay::$w::%s' % c and f['task'] == tasks('$w')[0]['id'] and
			       f['duration_ns'] == tasks('$w')[0]['sched_ns']['max'] and
			       f['behind']['future'] == 'sched_delay::blocker::%s' % c and
			       f['behind']['task'] == tasks('blocker')[0]['id'] and
			       abs(f['behind']['wait_ns'] - truth['$w'][0]) <= 0.05 * truth['$w'][0]]"
	done
	check "$fx: stdout, index.md, report.html and junit.xml name blocker's poll" \
		sh -c 'grep -q "from its wake, .* of it behind the poll of sched_delay::blocker::" "$1" &&
		       grep -q "of it behind the poll of sched_delay::blocker::" "$2/index.md" &&
		       grep -q "of it behind the poll of sched_delay::blocker::" "$2/report.html" &&
		       grep -q "testcase classname=\"asprof.rules.$3\" name=\"scheduling-delay\"" "$2/junit.xml"' \
		- "$TMP/stdout" "$TMP/on-$fx" "$fx"
	check "$fx: stdout's findings table: the RULE column fits scheduling-delay, FUTURE lines up" \
		"$PY" -c "import sys
lines = open(sys.argv[1]).read().split('\\n')
i = next(k for k, l in enumerate(lines) if l.startswith('Findings ('))
col = lines[i + 1].index('FUTURE')
rows = [l for l in lines[i + 2:] if l.startswith('  warning ') or l.startswith('  error ')]
sys.exit(0 if rows and all(l[col - 2:col] == '  ' and l[col] != ' ' for l in rows) else 1)" "$TMP/stdout"
	status "$ASPROF" -q -o "$TMP/on-again-$fx" --outputs summary,run-summary "$sum"
	check "$fx: read again from its summary.json, the findings name the same polls" \
		"$PY" -c "import json,sys
a=[f['behind'] for f in json.load(open(sys.argv[1]))['findings']]
b=[f['behind'] for f in json.load(open(sys.argv[2]))['runs'][0]['findings']]
sys.exit(0 if a == b and [x for x in a if x] else 1)" "$sum" "$TMP/on-again-$fx/summary.json"
	# a threshold under the control rounds' waits: they are long delays
	# too, but nothing of the program held their thread
	printf 'rules: {scheduling-delay: true}\nscheduling: {long_delay: 50us, severity: error}\n' \
		>"$TMP/rules50.yaml"
	status "$ASPROF" -c "$TMP/rules50.yaml" -o "$TMP/on50-$fx" "$FIXTURES/$fx"
	sum=$TMP/on50-$fx/runs/$fx/summary.json
	check "$fx: long_delay 50us, severity error: each calm wait an error behind no poll, exit 1" \
		json "[f['behind'] for f in d['findings'] if f['rule'] == 'scheduling-delay' and
		       f['future'].split('::')[1] in ('calm_b', 'calm_c')] == [None] * 6 and
		      all(f['severity'] == 'error' for f in d['findings'] if f['rule'] == 'scheduling-delay')
		      and $st == 1"
	check "$fx: stdout says no poll of the program held their thread" \
		grep -q "; no poll of the program held the thread (the runtime or the machine)$" "$TMP/stdout"
done

# A two-worker multi-thread runtime (tests/rust/sched_delay/src/mt.rs,
# sched_delay_mt_mcount): blocker wakes `stolen` and `stuck` from its own
# poll and holds its worker 30 ms; a std::thread wakes `far` 5 ms into it.
# The truth file has each waiter's own measure and whether its body ran on
# the blocker's thread (`thread NAME 1`): those are the blocking poll's
# victims; the others ran on the other worker during the block, waited
# briefly and are no one's victims.
fx=sched_delay_mt_mcount
truth=$FIXTURES/$fx.truth
# mt EXPR: EXPR over the summary `d`, the waits `truth` (name -> ns), the
# waiters on the blocker's thread `same` (name -> bool), the first-poll
# delays `first` (name -> ns, `first NAME NS` lines), `task(n)` of the
# crate named after the fixture, `blk` the blocking-poll findings
mt() { "$PY" -c "import json,sys
d=json.load(open(sys.argv[1]))
truth, same, first = {}, {}, {}
for line in open(sys.argv[2]):
    f=line.split()
    if f[0] == 'thread': same[f[1]] = f[2] == '1'
    elif f[0] == 'first': first[f[1]] = int(f[2])
    else: truth[f[0]] = int(f[1])
task=lambda n: [t for t in d['tasks'] if t['root']=='%s::%s::{closure#0}' % (sys.argv[3], n)][0]
blk=[f for f in d['findings'] if f['rule'] == 'blocking-poll']
sys.exit(0 if ($1) else 1)" "$sum" "$truth" "${fx%_mcount}"; }
# analysed RUNTIME WAKE: $fx recorded by `record` with the wakes matching
# WAKE and their task pointers, analysed as RUNTIME into $sum; each waiter
# of the truth file has one wait, no longer than the program's own (which
# spans the send and the body's resumption)
analysed() {
	check "$fx: recorded by 'record' with the wakes' task pointers ($2)" \
		grep -aq "cmdline:.*$2.*@arg1" "$FIXTURES/$fx/info"
	status "$ASPROF" -t 20 -o "$TMP/out-$fx" "$FIXTURES/$fx"
	sum=$TMP/out-$fx/runs/$fx/summary.json
	check "$fx: analysed as $1, exit 0, wakes recorded" \
		mt "$st == 0 and d['run']['runtime'] == '$1' and d['run']['wakes_recorded'] and d['run']['wakes'] >= 3"
	check "$fx: each waiter one scheduled wait, no longer than the program's own" \
		mt "all(task(n)['sched_waits'] == 1 and 0 < task(n)['sched_ns']['max'] <= truth[n] for n in truth)"
}
check "$fx: the program's own measurements: three waiters, one on the blocker's thread, two not" \
	sh -c '[ "$(grep -c "^thread " "$1")" = 3 ] && grep -q "^thread .* 1$" "$1" &&
	       [ "$(grep -c "^thread .* 0$" "$1")" = 2 ]' - "$truth"
analysed tokio 'waker.*wake_by_'
check "$fx: the waiter on the blocker's thread: within 3 % of the program's own, a long delay on CPU" \
	mt "all(abs(task(n)['sched_ns']['max'] - truth[n]) <= 0.03 * truth[n] and task(n)['long_delays'] == 1
	        and task(n)['sched_cpu_ns'] < 0.1 * truth[n] for n in truth if same[n])"
check "$fx: the waiters run by the other worker: within 3 % of the block's length of the program's own, 10x shorter, no long delay" \
	mt "all(abs(task(n)['sched_ns']['max'] - truth[n]) <= 0.03 * max(truth.values()) and
	        task(n)['sched_ns']['max'] * 10 < min(truth[m] for m in truth if same[m]) and
	        task(n)['long_delays'] == 0 for n in truth if not same[n])"
check "$fx: the blocking poll's victims: exactly the waiters on its thread, each within 5 % of its own measure" \
	mt "len(blk) == 1 and sorted(v['root'] for v in blk[0]['victims']['tasks']) ==
	    sorted('sched_delay_mt::%s::{closure#0}' % n for n in truth if same[n]) and
	    all(abs(v['wait_ns'] - truth[v['root'].split('::')[1]]) <= 0.05 * truth[v['root'].split('::')[1]] and
	        v['task'] == task(v['root'].split('::')[1])['id'] for v in blk[0]['victims']['tasks'])"
check "$fx: the victim's task polled on the blocker's thread; the others' on another one too" \
	mt "all(blk[0]['tid'] in task(n)['tids'] if same[n] else [t for t in task(n)['tids'] if t != blk[0]['tid']]
	        for n in truth)"
status "$ASPROF" -c "$RULES_ON" -q -o "$TMP/on-$fx" "$FIXTURES/$fx"
sum=$TMP/on-$fx/runs/$fx/summary.json
check "$fx: scheduling-delay on: a finding for each waiter on the blocker's thread, naming blocker's poll, and no other" \
	mt "sorted((f['future'], f['behind']['future']) for f in d['findings'] if f['rule'] == 'scheduling-delay') ==
	    sorted(('sched_delay_mt::%s::{closure#0}' % n, 'sched_delay_mt::blocker::{closure#0}')
	           for n in truth if same[n])"

# blocked_round VICTIMS: smol's and async-std's rounds in $fx (its summary
# in $sum): the blocked waiters' waits and calm_b's against the program's
# own; blocker's poll has exactly the victims VICTIMS (a Python tuple of
# names), each within 5 % of its own measure (a wait, or a first-poll delay
# from its spawn); with the rule scheduling-delay on, exactly they have a
# finding, naming blocker's poll
blocked_round() {
	check "$fx: the blocked waiters: within 3 % of the program's own, a long delay each, on CPU" \
		mt "all(abs(task(n)['sched_ns']['max'] - truth[n]) <= 0.03 * truth[n] and task(n)['long_delays'] == 1
		        and task(n)['sched_cpu_ns'] < 0.1 * truth[n] for n in ('waiter_b', 'waiter_c'))"
	check "$fx: calm_b: 10x shorter than the blocked waits, no long delay" \
		mt "task('calm_b')['sched_ns']['max'] * 10 < min(truth['waiter_b'], truth['waiter_c']) and
		    task('calm_b')['long_delays'] == 0"
	check "$fx: blocker's poll has exactly the victims $1, each within 5 % of its own measure" \
		mt "len(blk) == 1 and sorted(v['root'] for v in blk[0]['victims']['tasks']) ==
		    ['%s::%s::{closure#0}' % (sys.argv[3], n) for n in $1] and
		    all(abs(v['wait_ns'] - {**truth, **first}[v['root'].split('::')[1]]) <=
		        0.05 * {**truth, **first}[v['root'].split('::')[1]] and
		        v['task'] == task(v['root'].split('::')[1])['id'] for v in blk[0]['victims']['tasks'])"
	status "$ASPROF" -c "$RULES_ON" -q -o "$TMP/on-$fx" "$FIXTURES/$fx"
	sum=$TMP/on-$fx/runs/$fx/summary.json
	check "$fx: scheduling-delay on: a finding for each of $1, naming blocker's poll, and no other" \
		mt "sorted((f['future'], f['behind']['future'], f['behind']['task']) for f in d['findings']
		           if f['rule'] == 'scheduling-delay') ==
		    [('%s::%s::{closure#0}' % (sys.argv[3], n), '%s::blocker::{closure#0}' % sys.argv[3],
		      task('blocker')['id']) for n in $1]"
}

# smol's executor, one thread (tests/rust/sched_delay/src/smol.rs,
# sched_delay_smol_mcount): async-task's RawTask::wake and RawTask::run,
# given the raw task. `blocker` holds the thread 30 ms while a std::thread
# wakes `waiter_b` and `waiter_c` 5 ms into it; a control round before
# wakes `calm_b` while nothing blocks.
fx=sched_delay_smol_mcount
truth=$FIXTURES/$fx.truth
check "$fx: the program's own measurements are there" [ -s "$truth" ]
analysed smol 'async_task.*RawTask.*wake'
check "$fx: the three waiters measured" mt "sorted(truth) == ['calm_b', 'waiter_b', 'waiter_c']"
blocked_round "('waiter_b', 'waiter_c')"

# async-std's executor, one executor thread (tests/rust/sched_delay/src/
# async_std.rs, sched_delay_async_std_mcount: ASYNC_STD_THREAD_COUNT=1):
# the same rounds as smol's, async-task's wakes and RawTask::run around
# async-std's task poll; `blocker` also spawns `late` right before it
# sleeps: first polled after the blocking poll, a victim of it from its
# spawn (RawTask::allocate's return value). The truth file has `late`'s own
# measure of it (`first late NS`).
fx=sched_delay_async_std_mcount
truth=$FIXTURES/$fx.truth
check "$fx: the program's own measurements: three waits and late's first-poll delay" \
	sh -c '[ "$(grep -c "^[a-z_]* [0-9]*$" "$1")" = 3 ] && grep -q "^first late [0-9]*$" "$1"' - "$truth"
analysed async-std 'async_task.*RawTask.*wake'
check "$fx: recorded by 'record' with RawTask::run's task and RawTask::allocate's return value" \
	sh -c 'grep -aq "cmdline:.*async_task.*RawTask.*3run.*@arg1" "$1" &&
	       grep -aq "cmdline:.*async_task.*RawTask.*8allocate.*@retval" "$1"' - "$FIXTURES/$fx/info"
check "$fx: the three waiters measured, late's first poll" \
	mt "sorted(truth) == ['calm_b', 'waiter_b', 'waiter_c'] and list(first) == ['late'] and
	    d['run']['spawns_recorded']"
check "$fx: every spawned task polled on one thread (ASYNC_STD_THREAD_COUNT=1), blocker's" \
	mt "len(blk) == 1 and all(t['tids'] == [blk[0]['tid']] for t in d['tasks'] if not t['main'])
	    and len([t for t in d['tasks'] if not t['main']]) == 6"
check "$fx: late: never woken; its first-poll delay within 3 % of its own measure, a long one" \
	mt "task('late')['sched_waits'] == 0 and task('late')['spawned'] and task('late')['long_first_poll'] and
	    abs(task('late')['first_poll_delay_ns'] - first['late']) <= 0.03 * first['late']"
check "$fx: the other spawned tasks' first polls: 10x shorter than late's, none long" \
	mt "all(t['spawned'] and 0 < t['first_poll_delay_ns'] * 10 < first['late'] and not t['long_first_poll']
	        for t in d['tasks'] if not t['main'] and t['root'] != task('late')['root'])"
check "$fx: stdout: 3 tasks waited behind blocker's poll" \
	grep -Eq '^ +held thread [0-9]+ for 30\.[0-9]+ ms; 3 tasks waited behind it, 2[0-9]\.[0-9]+ ms on average$' "$TMP/stdout"
# --runtime async-std: RawTask::run is then a task_run frame around the
# task poll SupportTaskLocals::poll (with auto, smol's profile makes it the
# task poll itself): the same tasks, waits, first polls and victims
auto=$sum
status "$ASPROF" -t 20 --runtime async-std -o "$TMP/forced-$fx" "$FIXTURES/$fx"
check "$fx: --runtime async-std: forced, exit 0, the same tasks' scheduled times, first polls and victims" \
	"$PY" -c "import json,sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
key = lambda d: ([(t['id'], t['root'], t['polls'], t['sched_waits'], t['sched_ns'], t['spawned'],
                   t['first_poll_delay_ns']) for t in d['tasks']],
                 [(f['rule'], f['victims']) for f in d['findings']])
ok = b['run']['runtime'] == 'async-std' and b['run']['runtime_forced'] and not a['run']['runtime_forced']
sys.exit(0 if ok and key(a) == key(b) and a['tasks'] and $st == 0 else 1)" \
	"$auto" "$TMP/forced-$fx/runs/$fx/summary.json"
sum=$auto
blocked_round "('late', 'waiter_b', 'waiter_c')"

# A blocking future with a hostile name (blocker's symbol renamed: markup,
# terminal controls, shell and Markdown syntax): the waiters' findings name
# it inert in every writer
cp -r "$FIXTURES/sched_delay_mcount" "$TMP/hostile"
HOSTILE=$("$PY" - "$TMP/hostile/sched_delay.sym" <<'EOF'
import sys
name = ('sched_delay::blocker`touch${IFS}X`$(id)|*[a](b)_c_<script>alert(1)</script>&amp;'
        '\x1b[31m\x07\\::{closure#0}')
data = open(sys.argv[1], 'rb').read()
old = b' _RNCNvCsaOHGDXLCUht_11sched_delay7blocker0B3_\n'
assert old in data
open(sys.argv[1], 'wb').write(data.replace(old, b' ' + name.encode() + b'\n'))
print(repr(name))
EOF
)
printf 'rules: {scheduling-delay: true}\nscheduling: {severity: error}\n' >"$TMP/rules-err.yaml"
status "$ASPROF" -c "$TMP/rules-err.yaml" -o "$TMP/hostile-out" "$TMP/hostile"
check "hostile name: the waiters' findings name it, exit 1 (errors)" \
	"$PY" -c "import json,sys
d=json.load(open(sys.argv[1]))
b=[f['behind']['future'] for f in d['findings'] if f['rule'] == 'scheduling-delay']
p=[f['future'] for f in d['findings'] if f['rule'] == 'blocking-poll']
# the symbol table shows its control characters as '?'
h=$HOSTILE.replace('\x1b', '?').replace('\x07', '?')
sys.exit(0 if b == [h] * 2 and p == [h] and $st == 1 else 1)" "$TMP/hostile-out/runs/hostile/summary.json"
check "hostile name: stdout names it, no control character but newline" \
	sh -c 'grep -q "behind the poll of sched_delay::blocker" "$1" &&
	       ! LC_ALL=C grep -q "$(printf "[\001-\011\013-\037\177]")" "$1"' - "$TMP/stdout"
check "hostile name: junit.xml parses, its failures name it; report.html shows it as text" \
	"$PY" -c "import sys, xml.etree.ElementTree as ET
t=ET.parse(sys.argv[1] + '/junit.xml')
m=[f.get('message') for f in t.iter('failure') if f.get('type') == 'scheduling-delay']
h=open(sys.argv[1] + '/report.html').read()
ok = len(m) == 2 and all('behind the poll of sched_delay::blocker' in x and '<script>alert(1)</script>' in x for x in m)
ok = ok and '<script>alert' not in h and h.count('behind the poll of sched_delay::blocker') == 2
ok = ok and h.count('&lt;script&gt;alert(1)&lt;/script&gt;&amp;amp;') >= 2
sys.exit(0 if ok else 1)" "$TMP/hostile-out"
check "hostile name: index.md's finding rows keep their header's cell count" \
	"$PY" -c "import re,sys
lines=open(sys.argv[1]).read().split('\n')
cells=lambda l: len(re.findall(r'(?<!\\\\)\|', l))
rows=[i for i,l in enumerate(lines) if 'behind the poll of' in l]
ok=len(rows) == 2
for i in rows:
    h=i
    while h > 0 and lines[h-1].startswith('|'): h -= 1
    ok = ok and cells(lines[i]) == cells(lines[h])
sys.exit(0 if ok else 1)" "$TMP/hostile-out/index.md"

# Tasks that wake themselves in their own poll (tests/rust/sched_delay/
# src/coop.rs, sched_delay_coop_mcount): `drainer` spends tokio's coop
# budget on queued messages, and coop::poll_proceed wakes it (record's -N
# filters keep that function, and its wake, in the recording); `hog` then
# holds the thread 40 ms. `yielder`'s yield_now is woken by the runtime
# only after what was queued (docs/scheduling-delay.md: not measured)
fx=sched_delay_coop_mcount
if [ -d "$FIXTURES/$fx" ]; then
	truth=$FIXTURES/$fx.truth
	c='{closure#0}'
	status "$ASPROF" -o "$TMP/out-$fx" "$FIXTURES/$fx"
	sum=$TMP/out-$fx/runs/$fx/summary.json
	cfx() { "$PY" -c "import json,sys
d=json.load(open(sys.argv[1]))
truth={l.split()[0]: int(l.split()[1]) for l in open(sys.argv[2])}
task=lambda n: [t for t in d['tasks'] if t['root'] == 'sched_delay_coop::%s::{closure#0}' % n][0]
blk=[f for f in d['findings'] if f['rule'] == 'blocking-poll']
sys.exit(0 if ($1) else 1)" "$sum" "$truth"; }
	check "$fx: recorded with coop::poll_proceed kept (no -N filter drops its wake)" \
		sh -c 'grep -aq "cmdline:" "$1" && ! grep -aq "poll_proceed" "$1"' - "$FIXTURES/$fx/info"
	check "$fx: drainer: its longest scheduled wait within 3 % of the program's own ($(grep '^drainer ' "$truth" | cut -d' ' -f2) ns), a long delay" \
		cfx "abs(task('drainer')['sched_ns']['max'] - truth['drainer']) <= 0.03 * truth['drainer'] and
		     task('drainer')['long_delays'] == 1 and task('drainer')['sched_waits'] >= 2"
	check "$fx: hog's poll has drainer as its one victim, its wait within 5 % of the program's own" \
		cfx "len(blk) == 1 and [v['root'].split('::')[1] for v in blk[0]['victims']['tasks']] == ['drainer'] and
		     abs(blk[0]['victims']['tasks'][0]['wait_ns'] - truth['drainer']) <= 0.05 * truth['drainer']"
	check "$fx: yielder: the program waited 40 ms and more in yield_now; its runtime's late wake makes its scheduled time short (documented)" \
		cfx "truth['yielder'] > 40000000 and task('yielder')['sched_ns']['max'] < 1000000"
else
	skip "$fx: no fixture"
fi

# Recordings without wake arguments: one note, no scheduled time, no
# column; the rest as before (tests/analysis.sh and the others)
for fx in tokio_ct tokio_mt_args smol_mt_plain async_std; do
	status "$ASPROF" -c "$RULES_ON" -o "$TMP/out-$fx" "$FIXTURES/$fx"
	sum=$TMP/out-$fx/runs/$fx/summary.json
	truth=
	c=
	check "$fx: one note: no wake recorded with its task" \
		json "len([n for n in d['run']['notes'] if n.startswith('$NOTE')]) == 1 and
		      not d['run']['wakes_recorded'] and d['run']['wakes'] == 0"
	check "$fx: no task or future has a scheduled time" \
		json "all(x['sched_waits'] == 0 and x['long_delays'] == 0 and x['sched_ns']['max'] == 0
		          for x in d['tasks'] + d['futures'])"
	check "$fx: stdout: no SCHED column" sh -c '! grep -q "SCHED P50/P99" "$1"' - "$TMP/stdout"
	check "$fx: no victims" \
		json "all(f['victims']['count'] == 0 and not f['victims']['tasks'] for f in d['findings'])
		      and all(g['victims'] == 0 for g in d['finding_groups'])"
	check "$fx: trace.json: no arrow of a victim" \
		sh -c '! grep -q " waited behind it\"" "$1"' - "$TMP/out-$fx/runs/$fx/trace.json"
	check "$fx: no scheduling-delay finding, the rule on" \
		json "not [f for f in d['findings'] if f['rule'] == 'scheduling-delay']"
done
tap_done
