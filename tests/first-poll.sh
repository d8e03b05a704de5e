#!/bin/sh
# first-poll.sh - each task's first-poll delay, from its creation (the
# spawn's return value, recorded by `asprof-batch record`) to the start of
# its first poll (docs/scheduling-delay.md), on tests/rust/sched_delay's
# spawn.rs recorded in both builds (sched_delay_spawn_mcount, _plain): on a
# current-thread tokio runtime `spawner` spawns `late_a` and `late_b`, then
# holds the thread 30 ms; three control rounds spawn `early` from a task
# that returns at once. The program measured each delay itself (the instant
# before the spawn, to the instant the body started), in
# tests/fixtures/<fixture>.truth. The late tasks are the blocking poll's
# victims; a recording without the spawns' return values measures none.
. "${TESTS_SRCDIR:-$(dirname "$0")}/setup.sh"
# json EXPR: EXPR over the summary $sum (`d`), the truth (name -> list of
# delays in ns), the tasks of a root (`tasks(n)`), the future of a name
# (`fut(n)`) and the blocking-poll findings (`blk`)
json() { "$PY" -c "import json,sys
d=json.load(open(sys.argv[1]))
truth={}
for line in open(sys.argv[2]):
    n,ns=line.split(); truth.setdefault(n,[]).append(int(ns))
c=sys.argv[3]
name=lambda n: 'sched_delay_spawn::%s::%s' % (n, c)
tasks=lambda n: [t for t in d['tasks'] if t['root'] == name(n)]
fut=lambda n: [f for f in d['futures'] if f['name'] == name(n)][0]
blk=[f for f in d['findings'] if f['rule'] == 'blocking-poll']
sys.exit(0 if ($1) else 1)" "$sum" "$truth" "$c"; }

for fx in sched_delay_spawn_mcount sched_delay_spawn_plain; do
	[ -d "$FIXTURES/$fx" ] || { skip "$fx: no fixture"; continue; }
	case $fx in *plain) c='{{closure}}' ;; *) c='{closure#0}' ;; esac
	truth=$FIXTURES/$fx.truth
	check "$fx: the program's own measurements: late_a, late_b and 3 early" \
		sh -c '[ "$(grep -c "^late_[ab] " "$1")" = 2 ] && [ "$(grep -c "^early " "$1")" = 3 ]' - "$truth"
	check "$fx: recorded by 'record' with the spawns' return values" \
		grep -aEq 'cmdline:.*(6Handle5spawn|scheduler::Handle::spawn).*@retval' "$FIXTURES/$fx/info"
	status "$ASPROF" -t 20 -o "$TMP/out-$fx" "$FIXTURES/$fx"
	sum=$TMP/out-$fx/runs/$fx/summary.json
	check "$fx: analysed, exit 0; 9 spawns recorded" \
		json "$st == 0 and d['run']['spawns_recorded'] and d['run']['spawns'] == 9"
	check "$fx: no task is ever woken, but 'record' asked for the wakes: no note says they are missing" \
		json "not d['run']['wakes_recorded'] and
		      not [n for n in d['run']['notes'] if n.startswith('no wake') or n.startswith('no spawn')]"
	for n in late_a late_b; do
		check "$fx: $n: its first-poll delay within 3 % of the program's own ($(grep "^$n " "$truth" | cut -d' ' -f2) ns), long, its poller on CPU" \
			json "len(tasks('$n')) == 1 and tasks('$n')[0]['spawned'] and
			      abs(tasks('$n')[0]['first_poll_delay_ns'] - truth['$n'][0]) <= 0.03 * truth['$n'][0] and
			      tasks('$n')[0]['long_first_poll'] and
			      tasks('$n')[0]['first_poll_cpu_ns'] < 0.1 * truth['$n'][0]"
		check "$fx: $n: its future has the same, and no scheduled wait (never woken)" \
			json "fut('$n')['first_polls'] == 1 and fut('$n')['long_first_polls'] == 1 and
			      fut('$n')['first_poll_ns']['max'] == tasks('$n')[0]['first_poll_delay_ns'] and
			      fut('$n')['sched_waits'] == 0"
	done
	check "$fx: early: 3 tasks, each spawned, 100x shorter than the late ones, none long" \
		json "len(tasks('early')) == 3 and all(t['spawned'] and not t['long_first_poll'] and
		      t['first_poll_delay_ns'] * 100 < min(truth['late_a'] + truth['late_b'])
		      for t in tasks('early')) and fut('early')['first_polls'] == 3 and
		      fut('early')['long_first_polls'] == 0"
	check "$fx: the main future has no first-poll delay (block_on is no spawn)" \
		json "[t for t in d['tasks'] if t['main'] and not t['spawned']]"
	check "$fx: spawner's blocking poll: exactly the victims late_a and late_b, each within 5 % of its own measure" \
		json "len(blk) == 1 and blk[0]['future'] == name('spawner') and
		      sorted(v['root'] for v in blk[0]['victims']['tasks']) == [name('late_a'), name('late_b')] and
		      all(abs(v['wait_ns'] - truth[v['root'].split('::')[1]][0]) <= 0.05 * truth[v['root'].split('::')[1]][0]
		          and v['wait_ns'] <= tasks(v['root'].split('::')[1])[0]['first_poll_delay_ns']
		          for v in blk[0]['victims']['tasks'])"
	check "$fx: stdout: the 1ST POLL column, late_a's 30 ms in it; 2 tasks waited behind spawner's poll; the root futures' waits" \
		"$PY" -c "import sys,re
t=open(sys.argv[1]).read()
ok = '1ST POLL' in t and re.search(r' 3[0-9]\.[0-9]+ ms  sched_delay_spawn::late_a::', t)
ok = ok and re.search(r'held thread [0-9]+ for 3[0-9]\.[0-9]+ ms; 2 tasks waited behind it', t)
# the root futures' waits (spawns only: no task is ever woken): a late
# task first (the longest), one long first poll; early's three, none long
w = t.split('Waits of the root futures')[1].split('\n\n')[0].split('\n')
ok = ok and 'SCHED' not in w[1] and '1ST POLL P50/P99' in w[1]
ok = ok and re.match(r' +1 +3[0-9]\.[0-9]+ ms/3[0-9]\.[0-9]+ ms +1  sched_delay_spawn::late_[ab]::', w[2])
ok = ok and [l for l in w if re.match(r' +3 +[0-9.]+ us/[0-9.]+ us +0  sched_delay_spawn::early::', l)]
sys.exit(0 if ok else 1)" "$TMP/stdout"
	if "$PY" -c 'import openpyxl' 2>/dev/null; then
		check "$fx: report.xlsx: the Tasks sheet gives each first-poll delay as a number" \
			"$PY" -c "import json,sys,openpyxl
d=json.load(open(sys.argv[1]))
rows=list(openpyxl.load_workbook(sys.argv[2])['Tasks'].iter_rows(values_only=True))
h=rows[0]
by={r[h.index('Task')]: r for r in rows[1:]}
ok = len(by) == len(d['tasks'])
for t in d['tasks']:
    v = by[t['id']][h.index('First-poll delay (µs)')]
    ok = ok and (abs(v - t['first_poll_delay_ns'] / 1e3) < 1e-3 if t['spawned'] else v is None)
sys.exit(0 if ok else 1)" "$sum" "$TMP/out-$fx/report.xlsx"
	else
		skip "$fx: report.xlsx: python3-openpyxl is not installed"
	fi
	status "$ASPROF" -q -o "$TMP/again-$fx" --outputs summary,run-summary "$sum"
	check "$fx: read again from its summary.json, the first-poll delays are the same" \
		"$PY" -c "import json,sys
k=('spawned', 'first_poll_delay_ns', 'first_poll_cpu_ns', 'long_first_poll')
a=json.load(open(sys.argv[1]))
b=json.load(open(sys.argv[2]))['runs'][0]
ok = [[t[x] for x in k] for t in a['tasks']] == [[t[x] for x in k] for t in b['tasks']]
ok = ok and [(f['first_polls'], f['first_poll_ns']) for f in a['futures']] == \
	[(f['first_polls'], f['first_poll_ns']) for f in b['futures']]
ok = ok and a['run']['spawns'] == b['run']['spawns'] == 9
sys.exit(0 if ok else 1)" "$sum" "$TMP/again-$fx/summary.json"
	# the scheduling-delay rule on: a finding for each late task, from its
	# spawn, naming spawner's poll; none for the early ones
	printf 'rules:\n  scheduling-delay: true\n' >"$TMP/on.yaml"
	status "$ASPROF" -c "$TMP/on.yaml" -o "$TMP/on-$fx" "$FIXTURES/$fx"
	sum=$TMP/on-$fx/runs/$fx/summary.json
	check "$fx: scheduling-delay on: a finding from its spawn for each late task, behind spawner's poll" \
		json "sorted(f['future'] for f in d['findings'] if f['rule'] == 'scheduling-delay') ==
		      [name('late_a'), name('late_b')] and
		      all(f['from_spawn'] and f['behind']['future'] == name('spawner') and
		          f['duration_ns'] == tasks(f['future'].split('::')[1])[0]['first_poll_delay_ns']
		          for f in d['findings'] if f['rule'] == 'scheduling-delay')"
	check "$fx: stdout says it waited from its spawn, behind spawner's poll" \
		grep -q "from its spawn to its first poll, .* of it behind the poll of sched_delay_spawn::spawner::" "$TMP/stdout"
done

# tasks spawned from outside a two-worker multi-thread runtime
# (tests/rust/sched_delay/src/spawn_mt.rs): a worker may poll a task before
# the spawn returns its pointer; the delays against the records themselves
fx=sched_delay_spawn_mt_mcount
if [ -d "$FIXTURES/$fx" ]; then
	status "$ASPROF" -q -o "$TMP/out-$fx" "$FIXTURES/$fx"
	"$ASPROF" dump "$FIXTURES/$fx" 2>/dev/null | "$PY" "${TESTS_SRCDIR:-$(dirname "$0")}/spawn_records.py" \
		>"$TMP/records.json"
	check "$fx: in the records, 150 spawns, some tasks first polled before their spawn returned" \
		"$PY" -c "import json,sys
r=json.load(open(sys.argv[1]))
sys.exit(0 if r['created'] == 150 and len(r['delays']) == 150 and r['raced'] >= 1 else 1)" "$TMP/records.json"
	check "$fx: every task's first-poll delay is the records' (first poll's entry - spawn's entry), those too" \
		"$PY" -c "import json,sys
d=json.load(open(sys.argv[1]))
r=json.load(open(sys.argv[2]))
a=sorted(t['first_poll_delay_ns'] for t in d['tasks'] if t['spawned'])
sys.exit(0 if d['run']['spawns'] == 150 and a == r['delays'] and
         len([t for t in d['tasks'] if not t['main']]) == 150 else 1)" \
		"$TMP/out-$fx/runs/$fx/summary.json" "$TMP/records.json"
else
	skip "$fx: no fixture"
fi

# a task created without a recorded spawn (a LocalSet's spawn_local) at
# the address of one spawned and aborted before its first poll
# (tests/rust/sched_delay/src/spawn_local.rs): the aborted task's pending
# creation must not become the other's
fx=sched_delay_spawn_local_mcount
if [ -d "$FIXTURES/$fx" ]; then
	status "$ASPROF" -q -o "$TMP/out-$fx" "$FIXTURES/$fx"
	check "$fx: in the records, 2 spawns and 3 task polls at one address (the cancel, local's, counted's)" \
		sh -c '"$1" dump "$2" 2>/dev/null | "$3" -c "import re,sys
sp, polls = [], []
for l in sys.stdin:
    m = re.search(r\"scheduler::Handle>::spawn::<.*retval: (0x[0-9a-f]+)\", l)
    if m: sp.append(m.group(1))
    m = re.search(r\" entry .*Harness<sched_delay_spawn_local::tiny.*args: (0x[0-9a-f]+)\", l)
    if m: polls.append(m.group(1))
sys.exit(0 if len(sp) == 2 and len(polls) == 3 and len(set(sp + polls)) == 1 else 1)"' \
		- "$ASPROF" "$FIXTURES/$fx" "$PY"
	check "$fx: local's task has no first-poll delay; counted's has its own" \
		"$PY" -c "import json,sys
d=json.load(open(sys.argv[1]))
t=[t for t in d['tasks'] if not t['main']]
sys.exit(0 if len(t) == 2 and not t[0]['spawned'] and t[1]['spawned'] and
         t[1]['first_poll_delay_ns'] < 1000000 and d['run']['spawns'] == 2 else 1)" "$TMP/out-$fx/runs/$fx/summary.json"
else
	skip "$fx: no fixture"
fi

# a runtime whose spawn function is not the profile's (a --runtimes file
# naming another): 'record' asked for the spawns, none is in the recording
fx=sched_delay_spawn_mcount
printf 'runtimes:\n  - name: tokio\n    spawn: [\x27nothing::matches::this\x27]\n' >"$TMP/nospawn.yaml"
status "$ASPROF" -q -o "$TMP/nospawn" --runtimes "$TMP/nospawn.yaml" "$FIXTURES/$fx"
check "$fx: spawns asked for but not found: one note says the runtime's functions are not the profiles'" \
	"$PY" -c "import json,sys
d=json.load(open(sys.argv[1]))
n=[x for x in d['run']['notes'] if 'asked for the spawns of a task, but none is in the recording' in x]
sys.exit(0 if len(n) == 1 and not d['run']['spawns_recorded'] and
         not [x for x in d['run']['notes'] if x.startswith('no spawn') or x.startswith('no wake')] else 1)" \
	"$TMP/nospawn/runs/$fx/summary.json"

# the workbook read back against summary.json, on runs whose futures have
# several waits of each kind (sched_delay_mcount: calm_b's 3 wakes;
# sched_delay_spawn_mcount: early's 3 spawns; async-std: both in a run)
if "$PY" -c 'import openpyxl' 2>/dev/null; then
	status "$ASPROF" -q -o "$TMP/xl" "$FIXTURES/sched_delay_mcount" \
		"$FIXTURES/sched_delay_spawn_mcount" "$FIXTURES/sched_delay_async_std_mcount"
	check "report.xlsx read back: every task's and future's waits and first polls as summary.json" \
		sh -c '"$1" "$2" "$3/report.xlsx" "$3/summary.json" >"$4" 2>&1 &&
		       "$1" -c "import json,sys
f=[f for r in json.load(open(sys.argv[1]))[\"runs\"] for f in r[\"futures\"]]
sys.exit(0 if [x for x in f if x[\"first_polls\"] == 3] and [x for x in f if x[\"sched_waits\"] == 3] else 1)" "$3/summary.json"' \
		- "$PY" "${TESTS_SRCDIR:-$(dirname "$0")}/xlsx_check.py" "$TMP/xl" "$TMP/xl-check"
else
	skip "report.xlsx read back: python3-openpyxl is not installed"
fi

# every member of a run with waits, first polls, victims and the rule's
# findings survives its summary.json read back (docs/summary-json.md)
printf 'rules:\n  scheduling-delay: true\n' >"$TMP/rt-on.yaml"
for fx in sched_delay_async_std_mcount sched_delay_spawn_mt_mcount sched_delay_spawn_local_mcount; do
	[ -d "$FIXTURES/$fx" ] || { skip "$fx: no fixture"; continue; }
	status "$ASPROF" -q -c "$TMP/rt-on.yaml" -o "$TMP/rt1-$fx" "$FIXTURES/$fx"
	status "$ASPROF" -q -c "$TMP/rt-on.yaml" -o "$TMP/rt2-$fx" --outputs summary,run-summary \
		"$TMP/rt1-$fx/runs/$fx/summary.json"
	check "$fx: read back from its summary.json (scheduling-delay on), the run is the same in every member" \
		"$PY" -c "import json,sys
a=json.load(open(sys.argv[1]))
b=json.load(open(sys.argv[2]))['runs'][0]
ok = a == b and a['run']['spawns_recorded'] and [t for t in a['tasks'] if t['spawned']]
sys.exit(0 if ok else 1)" "$TMP/rt1-$fx/runs/$fx/summary.json" "$TMP/rt2-$fx/summary.json"
done

# a recording without the spawns' return values (every older fixture)
fx=sched_delay_mcount
status "$ASPROF" -q -o "$TMP/old" "$FIXTURES/$fx"
check "$fx: no spawn recorded: no first-poll delay, no 1ST POLL column" \
	"$PY" -c "import json,sys
d=json.load(open(sys.argv[1]))
ok = not d['run']['spawns_recorded'] and not [t for t in d['tasks'] if t['spawned']]
sys.exit(0 if ok and '1ST POLL' not in open(sys.argv[2]).read() else 1)" \
	"$TMP/old/runs/$fx/summary.json" "$TMP/stdout"
check "$fx: one note says first-poll delays are not measured (its wakes are)" \
	"$PY" -c "import json,sys
n=json.load(open(sys.argv[1]))['run']['notes']
sys.exit(0 if len([x for x in n if x.startswith('no spawn of a task')]) == 1 and
         not [x for x in n if x.startswith('no wake of a task')] else 1)" "$TMP/old/runs/$fx/summary.json"
fx=tokio_mt
status "$ASPROF" -q -o "$TMP/older" "$FIXTURES/$fx"
check "$fx: neither wakes nor spawns recorded: one note says both are not measured" \
	"$PY" -c "import json,sys
n=json.load(open(sys.argv[1]))['run']['notes']
sys.exit(0 if len([x for x in n if 'nor a spawn' in x and 'first-poll delays' in x]) == 1 and
         not [x for x in n if x.startswith('no spawn of a task')] else 1)" "$TMP/older/runs/$fx/summary.json"
tap_done
