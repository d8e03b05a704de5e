/* test-report.c - the report writers on a hand-made result and spans:
 * trace.json and summary.json read back with json-c, the text summary, and
 * the atomic output files (commit, abort, unwritable and non-directory
 * paths, a write that fails with ENOSPC). */
#include "report/outfile.h"
#include "report/describe.h"
#include "report/report.h"
#include "analysis/ingest/summary.h"
#include "analysis/util.h"
#include "tests/unit/tap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <math.h>
#include <stdint.h>
#include <sys/stat.h>

#define MAIN_ROOT "demo::main::{closure#0}"
#define WORKER_ROOT "demo::worker::{closure#0}"
#define IDLE_ROOT "demo::idle::{closure#0}"
#define BLOCKING "demo::blocking_io::{closure#0}"
#define LONG_NAME                                                                           \
	"<futures_util::future::future::map::Map<demo::very::long::module::path::Fut, "    \
	"demo::closure> as core::future::future::Future>::poll_the_tail_end"

static uint32_t *u32s(size_t n, const uint32_t *v)
{
	uint32_t *p = xmalloc(n * sizeof(*p));
	memcpy(p, v, n * sizeof(*p));
	return p;
}

static int *ints(size_t n, const int *v)
{
	int *p = xmalloc(n * sizeof(*p));
	memcpy(p, v, n * sizeof(*p));
	return p;
}

static void durations(struct asp_durations *d, size_t n, const uint64_t *v)
{
	for (size_t i = 0; i < n; i++)
		asp_durations_add(d, v[i]);
	asp_durations_finish(d);
}

/* a blocking-poll finding added to r->findings (room for it allocated) */
static struct asp_finding *finding(struct asp_result *r, enum asp_severity sev, const char *future,
				   uint32_t task, int tid, uint64_t start, uint64_t dur,
				   uint64_t threshold, uint64_t measured, enum asp_doing doing,
				   uint64_t oncpu, uint64_t blocked, uint64_t preempted)
{
	struct asp_finding *x = &r->findings[r->nfindings++];
	x->rule = xstrdup("blocking-poll"), x->severity = sev, x->future = xstrdup(future);
	x->task = task, x->tid = tid, x->start_ns = start, x->duration_ns = dur;
	x->threshold_ns = threshold, x->measured_ns = measured, x->doing = doing;
	x->split = (struct asp_split){ oncpu, blocked, preempted };
	x->pattern = xstrdup("default"), x->count = 1;
	return x;
}

/* three tasks (main, a worker that blocks, one polled twice at once), four
 * futures, one blocking finding */
static struct asp_result *make_result(void)
{
	struct asp_result *r = xcalloc(1, sizeof(*r));
	r->path = xstrdup("/data/demo/uftrace.data");
	r->name = xstrdup("demo");
	r->exe = xstrdup("/bin/demo");
	r->runtime = xstrdup("tokio");
	r->duration_ns = 500000000;
	r->records = 1234;
	r->data_bytes = 19744;
	r->threads = 2;
	r->args_recorded = true;
	r->nnotes = 1;
	r->notes = xmalloc(sizeof(char *));
	r->notes[0] = xstrdup("a note");

	r->ntasks = 3;
	r->tasks = xcalloc(3, sizeof(*r->tasks));
	struct asp_task *t = &r->tasks[0];
	t->id = 1, t->root = xstrdup(MAIN_ROOT), t->is_main = true;
	t->polls = 1, t->busy_ns = 4000, t->idle_ns = 0, t->first_poll_ns = 1000, t->end_ns = 5000;
	t->tids = ints(1, (int[]){ 100 }), t->ntids = 1;
	durations(&t->poll_ns, 1, (uint64_t[]){ 4000 });
	t = &r->tasks[1];
	t->id = 2, t->root = xstrdup(WORKER_ROOT), t->has_addr = true, t->addr = 0x7f0000001000;
	t->polls = 2, t->busy_ns = 200001000, t->idle_ns = 99994000, t->slow_polls = 1;
	t->first_poll_ns = 6000, t->end_ns = 300001000;
	t->tids = ints(2, (int[]){ 100, 101 }), t->ntids = 2;
	durations(&t->poll_ns, 2, (uint64_t[]){ 200000000, 1000 });
	t = &r->tasks[2];
	t->id = 3, t->root = xstrdup(IDLE_ROOT);
	t->polls = 2, t->busy_ns = 25000, t->first_poll_ns = 400000000, t->end_ns = 400020000;
	t->tids = ints(2, (int[]){ 100, 101 }), t->ntids = 2;
	durations(&t->poll_ns, 2, (uint64_t[]){ 10000, 15000 });

	r->nfutures = 4;
	r->futures = xcalloc(4, sizeof(*r->futures));
	struct asp_future *f = &r->futures[0];
	f->name = xstrdup(LONG_NAME), f->kind = ASP_FK_USER_FUTURE;
	f->task_ids = u32s(1, (uint32_t[]){ 1 }), f->ntask_ids = 1;
	f->instances = 1, f->polls = 1, f->busy_ns = 2500;
	durations(&f->poll_ns, 1, (uint64_t[]){ 2500 });
	f = &r->futures[1];
	f->name = xstrdup(BLOCKING), f->kind = ASP_FK_ASYNC_FN;
	f->task_ids = u32s(1, (uint32_t[]){ 2 }), f->ntask_ids = 1;
	f->instances = 1, f->polls = 1, f->busy_ns = 199998500, f->slow_polls = 1;
	durations(&f->poll_ns, 1, (uint64_t[]){ 199998500 });
	f = &r->futures[2];
	f->name = xstrdup(MAIN_ROOT), f->kind = ASP_FK_ASYNC_BLOCK;
	f->task_ids = u32s(1, (uint32_t[]){ 1 }), f->ntask_ids = 1;
	f->instances = 1, f->polls = 1, f->busy_ns = 4000;
	durations(&f->poll_ns, 1, (uint64_t[]){ 4000 });
	f = &r->futures[3];
	f->name = xstrdup(WORKER_ROOT), f->kind = ASP_FK_ASYNC_FN;
	f->task_ids = u32s(2, (uint32_t[]){ 2, 3 }), f->ntask_ids = 2;
	f->instances = 2, f->polls = 4, f->busy_ns = 200026000, f->idle_ns = 7;
	/* nearest rank over 1..100 us: p50 = 50 us, p90 = 90 us, p99 = 99 us */
	for (uint64_t i = 100; i >= 1; i--)
		asp_durations_add(&f->poll_ns, i * 1000);
	asp_durations_finish(&f->poll_ns);

	/* where the polls' time went (the context switches) */
	r->has_sched = true, r->preempt_known = true;
	r->switches_voluntary = 12, r->switches_preempted = 3;
	r->task_polls = 5, r->task_polls_preempted = 1;
	r->task_split = (struct asp_split){ 1026000, 199000000, 1000000 };
	durations(&r->tasks[0].own_ns, 1, (uint64_t[]){ 4000 });
	r->tasks[0].split = (struct asp_split){ 4000, 0, 0 };
	durations(&r->tasks[1].own_ns, 2, (uint64_t[]){ 199000000, 1000 });
	r->tasks[1].split = (struct asp_split){ 1001000, 198000000, 1000000 };
	durations(&r->tasks[2].own_ns, 2, (uint64_t[]){ 10000, 15000 });
	r->tasks[2].split = (struct asp_split){ 25000, 0, 0 };
	for (size_t i = 0; i < r->nfutures; i++) {
		f = &r->futures[i];
		asp_durations_merge(&f->own_ns, &f->poll_ns);
		asp_durations_finish(&f->own_ns);
		f->split.oncpu_ns = f->busy_ns;
	}
	f = &r->futures[1]; /* BLOCKING */
	asp_durations_free(&f->own_ns);
	memset(&f->own_ns, 0, sizeof(f->own_ns));
	durations(&f->own_ns, 1, (uint64_t[]){ 199000000 });
	f->split = (struct asp_split){ 1000000, 198000000, 998500 };
	f->self_ns = 150000000; /* the rest in a future it polls */

	/* a blocking future twice (one group), a CPU loop with a call path, a
	 * poll with no culprit; by severity, then duration */
	r->findings = xcalloc(4, sizeof(*r->findings));
	struct asp_finding *x = finding(r, ASP_SEV_ERROR, BLOCKING, 2, 100, 6500, 199998500, 100000000,
					199000000, ASP_DOING_BLOCKED, 1000000, 198000000, 998500);
	x->culprit = xstrdup("std::thread::sleep"), x->culprit_share = 0.98;
	x = finding(r, ASP_SEV_WARNING, BLOCKING, 3, 101, 400001000, 30000000, 10000000, 20000000,
		    ASP_DOING_BLOCKED, 500000, 19500000, 10000000);
	x->culprit_self = true;
	x = finding(r, ASP_SEV_WARNING, WORKER_ROOT, 2, 101, 300000000, 15000000, 10000000, 15000000,
		    ASP_DOING_CPU, 14500000, 500000, 0);
	x->culprit = xstrdup("demo::calculate_pi \u2192 demo::backoff"), x->culprit_calls = 2;
	x->culprit_share = 0.9;
	x = finding(r, ASP_SEV_WARNING, IDLE_ROOT, 0, 100, 450000000, 12000000, 10000000, 12000000,
		    ASP_DOING_CPU, 12000000, 0, 0);
	x->no_culprit = xstrdup("no call recorded in the poll");
	asp_result_group_findings(r);
	return r;
}

static void send_span(struct asp_span_sink sink, struct asp_span s)
{
	/* the writer copies what it keeps: the caller's strings die after flush
	 * (the sink's contract, model.h) */
	char *copy = xstrdup(s.name);
	s.name = copy;
	sink.span(sink.ctx, &s);
	if (sink.flush)
		sink.flush(sink.ctx);
	memset(copy, 'x', strlen(copy));
	free(copy);
}

static void span(struct asp_span_sink sink, bool task_poll, uint32_t task, int tid, uint64_t start,
		 uint64_t end, const char *name, unsigned level, enum asp_severity sev,
		 const char *culprit)
{
	send_span(sink, (struct asp_span){
		.is_task_poll = task_poll, .task = task, .tid = tid, .start_ns = start, .end_ns = end,
		.name = name, .kind = task_poll ? ASP_FK_ASYNC_BLOCK : ASP_FK_ASYNC_FN,
		.level = level, .blocking = sev, .culprit = culprit,
	});
}

/* spans as the analysis streams them: when each poll returns */
static void stream_spans(struct asp_span_sink sink)
{
	span(sink, false, 1, 100, 1500, 4000, LONG_NAME, 1, ASP_SEV_NONE, NULL);
	span(sink, true, 1, 100, 1000, 5000, MAIN_ROOT, 0, ASP_SEV_NONE, NULL);
	span(sink, false, 2, 100, 6500, 199005000, BLOCKING, 1, ASP_SEV_ERROR, "std::thread::sleep");
	span(sink, true, 2, 100, 6000, 200006000, WORKER_ROOT, 0, ASP_SEV_NONE, NULL);
	/* task 2 moved to thread 101 */
	span(sink, true, 2, 101, 300000000, 300001000, WORKER_ROOT, 0, ASP_SEV_NONE, NULL);
	/* task 3 polled on two threads at once: a second lane on pid 1 */
	span(sink, true, 3, 100, 400000000, 400010000, IDLE_ROOT, 0, ASP_SEV_NONE, NULL);
	span(sink, true, 3, 101, 400005000, 400020000, IDLE_ROOT, 0, ASP_SEV_NONE, NULL);
	/* outside any task */
	span(sink, false, 0, 101, 450000000, 450000100, "demo::outside::{closure#0}", 0,
	     ASP_SEV_NONE, NULL);
}

static size_t count_tmp(const char *dir)
{
	DIR *d = opendir(dir);
	size_t n = 0;
	if (!d)
		return 0;
	for (struct dirent *e; (e = readdir(d));)
		n += strstr(e->d_name, ".tmp.") != NULL;
	closedir(d);
	return n;
}

static char *slurp(const char *path)
{
	char *err = NULL;
	char *s = asp_read_file(path, NULL, &err);
	free(err);
	return s;
}

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;
	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *gets(json_object *o, const char *key)
{
	json_object *v = get(o, key);
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static int64_t geti(json_object *o, const char *key)
{
	return json_object_get_int64(get(o, key));
}

static double getd(json_object *o, const char *key)
{
	return json_object_get_double(get(o, key));
}

static bool near(double a, double b)
{
	return fabs(a - b) < 1e-9;
}

static json_object *write_trace(const char *dir, struct asp_result *r)
{
	char *path = asp_path_join(dir, "trace.json"), *err = NULL;
	struct asp_chrome *c = asp_chrome_open(path, &err);
	CHECK(c != NULL);
	if (!c) {
		fprintf(stderr, "# %s\n", err);
		exit(1);
	}
	struct asp_span_sink sink = asp_chrome_sink(c);
	/* pid 100; thread 3 has the id of task 3 */
	sink.begin(sink.ctx, 100, (const int[]){ 101, 3, 100 }, 3);
	stream_spans(sink);
	CHECK(count_tmp(dir) == 1);
	CHECK(access(path, F_OK) != 0); /* nothing in place before the commit */
	CHECK(asp_chrome_finish(c, r, &err) == 0);
	CHECK(err == NULL);
	CHECK(count_tmp(dir) == 0);
	json_object *doc = json_object_from_file(path);
	CHECK(doc != NULL);
	free(path);
	return doc;
}

/* the first event with this ph, pid and tid (-1: any) whose name starts with name */
static json_object *find_event(json_object *events, const char *ph, int pid, int64_t tid,
			       const char *name)
{
	for (size_t i = 0; i < json_object_array_length(events); i++) {
		json_object *e = json_object_array_get_idx(events, i);
		if (strcmp(gets(e, "ph"), ph) || geti(e, "pid") != pid)
			continue;
		if (tid >= 0 && geti(e, "tid") != tid)
			continue;
		if (name && (!gets(e, "name") || strncmp(gets(e, "name"), name, strlen(name))))
			continue;
		return e;
	}
	return NULL;
}

static json_object *find_meta(json_object *events, const char *what, int pid, int64_t tid)
{
	for (size_t i = 0; i < json_object_array_length(events); i++) {
		json_object *e = json_object_array_get_idx(events, i);
		if (!strcmp(gets(e, "ph"), "M") && !strcmp(gets(e, "name"), what) &&
		    geti(e, "pid") == pid && geti(e, "tid") == tid)
			return get(e, "args");
	}
	return NULL;
}

TEST(chrome_layout)
{
	char *dir = tap_tmpdir();
	struct asp_result *r = make_result();
	json_object *doc = write_trace(dir, r);
	json_object *events = get(doc, "traceEvents");
	CHECK(json_object_is_type(events, json_type_array));
	CHECK_STR(gets(doc, "displayTimeUnit"), "ns");
	json_object *other = get(doc, "otherData");
	CHECK_STR(gets(other, "run"), "demo");
	CHECK_STR(gets(other, "exe"), "/bin/demo");
	CHECK_STR(gets(other, "runtime"), "tokio");
	CHECK_STR(gets(other, "version"), "asprof-trace/2");

	/* one process, the program's (pid 100), named after its executable */
	size_t nx = 0, ni = 0, nI = 0;
	for (size_t i = 0; i < json_object_array_length(events); i++) {
		json_object *e = json_object_array_get_idx(events, i);
		CHECK(gets(e, "ph") && get(e, "ts") && get(e, "pid") && get(e, "tid"));
		CHECK_U64(geti(e, "pid"), 100);
		CHECK(get(e, "cname") == NULL); /* no viewer shows it */
		nx += !strcmp(gets(e, "ph"), "X");
		ni += !strcmp(gets(e, "ph"), "i"); /* DevTools does not show "i" */
		nI += !strcmp(gets(e, "ph"), "I");
	}
	CHECK_U64(nx, 16); /* 8 spans, each on a task's and a thread's track */
	CHECK_U64(ni, 0);
	CHECK_U64(nI, 2);
	CHECK_STR(gets(find_meta(events, "process_name", 100, 0), "name"), "demo");

	/* the timeline starts at the recording's start (DevTools leaves out
	 * ts 0) and ends at its end: times as in summary.json */
	json_object *e = find_event(events, "I", 100, -1, "recording start");
	CHECK(e && near(getd(e, "ts"), 0.001));
	CHECK_STR(gets(e, "s"), "g");
	e = find_event(events, "I", 100, -1, "recording end");
	CHECK(e && near(getd(e, "ts"), 500000.0));

	/* ns precision in microseconds; the name copied before the caller freed it */
	e = find_event(events, "X", 100, 1, "<futures_util");
	CHECK(e != NULL);
	CHECK(near(getd(e, "ts"), 1.5));
	CHECK(near(getd(e, "dur"), 2.5));
	CHECK_STR(gets(e, "name"), LONG_NAME);
	CHECK_STR(gets(e, "cat"), "async_fn");
	CHECK_U64(geti(get(e, "args"), "level"), 1);
	CHECK_U64(geti(get(e, "args"), "task"), 1);
	e = find_event(events, "X", 100, 1, MAIN_ROOT);
	CHECK_STR(gets(e, "cat"), "task_poll");

	/* the blocking poll: its name says so, its args carry the finding, on
	 * the task's track and on the thread's */
	CHECK(find_event(events, "X", 100, -1, BLOCKING) == NULL);
	e = find_event(events, "X", 100, 2, "BLOCKING ");
	CHECK_STR(gets(e, "name"), "BLOCKING 199.0 ms: " BLOCKING);
	json_object *a = get(e, "args");
	CHECK_STR(gets(a, "rule"), "blocking-poll");
	CHECK_STR(gets(a, "severity"), "error");
	CHECK(near(getd(a, "threshold_ms"), 100.0));
	CHECK(near(getd(a, "measured_ms"), 199.0));
	CHECK_STR(gets(a, "measured"), "own time (on CPU + blocked)");
	CHECK_STR(gets(a, "rules_pattern"), "default");
	CHECK_STR(gets(a, "doing"), "blocked");
	CHECK(near(getd(a, "blocked_ms"), 198.0));
	CHECK_STR(gets(a, "culprit"), "std::thread::sleep");
	CHECK(near(getd(e, "dur"), 198998.5));
	e = find_event(events, "X", 100, 100, "BLOCKING ");
	CHECK_STR(gets(e, "name"), "BLOCKING 199.0 ms: " BLOCKING);
	CHECK_U64(geti(get(e, "args"), "tid"), 100);
	CHECK_STR(gets(get(e, "args"), "rule"), "blocking-poll");

	/* task 2 moved from thread 100 to 101: a flow from the start of the
	 * previous poll to the start of this one, in their cat (how DevTools
	 * binds a flow to a slice: same ts, pid, tid and cat) */
	json_object *s = find_event(events, "s", 100, -1, "task 2 moved");
	json_object *f = find_event(events, "f", 100, -1, "task 2 moved");
	CHECK(s && f);
	CHECK_U64(geti(s, "tid"), 100);
	CHECK_U64(geti(f, "tid"), 101);
	CHECK(near(getd(s, "ts"), 6.0));
	CHECK(near(getd(f, "ts"), 300000.0));
	CHECK_STR(gets(f, "bp"), "e");
	CHECK_STR(gets(s, "cat"), "task_poll");
	CHECK_STR(gets(f, "cat"), "task_poll");
	CHECK_U64(geti(s, "id"), geti(f, "id"));
	e = find_event(events, "X", 100, 100, WORKER_ROOT);
	CHECK(e && near(getd(e, "ts"), 6.0) && !strcmp(gets(e, "cat"), "task_poll"));
	/* overlapping polls of task 3 are no migration */
	CHECK(find_event(events, "s", 100, -1, "task 3 moved") == NULL);
	CHECK(find_event(events, "s", 100, -1, "task 1 moved") == NULL);

	/* tracks: the viewers print the tid after the name. Tasks by their id;
	 * task 3's id is thread 3's tid, and it was polled twice at once: two
	 * tracks counted down from INT32_MAX, named "... track id" */
	CHECK(find_event(events, "X", 100, 3, NULL) == NULL);
	CHECK(find_event(events, "X", 100, INT32_MAX, IDLE_ROOT) != NULL);
	CHECK(find_event(events, "X", 100, INT32_MAX - 1, IDLE_ROOT) != NULL);
	CHECK(find_event(events, "X", 100, 0, "demo::outside") != NULL);
	CHECK_STR(gets(find_meta(events, "thread_name", 100, 1), "name"), "task 1 (main): " MAIN_ROOT);
	CHECK_STR(gets(find_meta(events, "thread_name", 100, 2), "name"), "task 2: " WORKER_ROOT);
	CHECK_STR(gets(find_meta(events, "thread_name", 100, INT32_MAX), "name"),
		  "task 3: " IDLE_ROOT " \u00b7 track id");
	CHECK_STR(gets(find_meta(events, "thread_name", 100, INT32_MAX - 1), "name"),
		  "task 3: " IDLE_ROOT " \u00b7 instance 2 at the same time (one id counts the tasks "
		  "of this root future) \u00b7 track id");
	CHECK_STR(gets(find_meta(events, "thread_name", 100, 0), "name"),
		  "no task (polls outside any task)");
	CHECK_STR(gets(find_meta(events, "thread_name", 100, 100), "name"), "main thread");
	CHECK_STR(gets(find_meta(events, "thread_name", 100, 101), "name"), "OS thread");
	CHECK_STR(gets(find_meta(events, "thread_name", 100, 3), "name"), "OS thread");
	CHECK(find_meta(events, "thread_sort_index", 100, 2) == NULL); /* no viewer reads it */

	json_object_put(doc);
	asp_result_free(r);
	tap_rmdir(dir);
	free(dir);
}

static void offcpu(struct asp_span_sink sink, int tid, uint32_t task, uint64_t start, uint64_t end,
		   bool preempted, const char *where)
{
	struct asp_offcpu o = { .tid = tid, .task = task, .start_ns = start, .end_ns = end,
				.preempted = preempted };
	char *copy = where ? xstrdup(where) : NULL; /* valid until flush */
	o.where = copy;
	sink.offcpu(sink.ctx, &o);
	sink.flush(sink.ctx);
	free(copy);
}

/* X events of track tid nest (a child inside its parent) */
static bool nested(json_object *events, int64_t tid)
{
	struct iv { int64_t a, b; } v[64], stack[64];
	size_t n = 0, depth = 0;
	for (size_t i = 0; i < json_object_array_length(events) && n < 64; i++) {
		json_object *e = json_object_array_get_idx(events, i);
		if (strcmp(gets(e, "ph"), "X") || geti(e, "tid") != tid)
			continue;
		int64_t a = llround(getd(e, "ts") * 1000), d = llround(getd(e, "dur") * 1000);
		v[n++] = (struct iv){ a, a + d };
	}
	/* by start, the longer first */
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && (v[k].a < v[k - 1].a ||
					     (v[k].a == v[k - 1].a && v[k].b > v[k - 1].b)); k--) {
			struct iv t = v[k];
			v[k] = v[k - 1];
			v[k - 1] = t;
		}
	for (size_t i = 0; i < n; i++) {
		while (depth && stack[depth - 1].b <= v[i].a)
			depth--;
		if (depth && v[i].b > stack[depth - 1].b)
			return false;
		stack[depth++] = v[i];
	}
	return true;
}

/* a trace of spans streamed by hand, without the sink's begin (pid 1) */
struct hand_trace {
	char *dir, *path, *err;
	struct asp_result *r;
	struct asp_chrome *c;
	json_object *doc;
};

static struct asp_span_sink hand_trace_open(struct hand_trace *t)
{
	memset(t, 0, sizeof(*t));
	t->dir = tap_tmpdir();
	t->path = asp_path_join(t->dir, "trace.json");
	t->r = make_result();
	t->c = asp_chrome_open(t->path, &t->err);
	CHECK(t->c != NULL);
	if (!t->c) {
		fprintf(stderr, "# %s\n", t->err);
		exit(1);
	}
	return asp_chrome_sink(t->c);
}

/* finishes it: its events */
static json_object *hand_trace_events(struct hand_trace *t)
{
	CHECK(asp_chrome_finish(t->c, t->r, &t->err) == 0);
	t->doc = json_object_from_file(t->path);
	CHECK(t->doc != NULL);
	return get(t->doc, "traceEvents");
}

static void hand_trace_free(struct hand_trace *t)
{
	json_object_put(t->doc);
	asp_result_free(t->r);
	free(t->err);
	free(t->path);
	tap_rmdir(t->dir);
	free(t->dir);
}

/* the blocked and preempted times inside polls: slices on the thread's
 * track, inside the innermost poll around them; the blocking poll says
 * what it was doing */
TEST(chrome_offcpu)
{
	struct hand_trace t;
	struct asp_span_sink sink = hand_trace_open(&t);
	CHECK(sink.offcpu != NULL);
	/* thread 100: task 2's poll (6000..200006000) around BLOCKING
	 * (6500..199005000); the first time starts a little before both (the
	 * clocks disagree): cut to BLOCKING */
	offcpu(sink, 100, 2, 5990, 7000, false, "std::thread::sleep");
	offcpu(sink, 100, 2, 7000, 100000000, false, "std::thread::sleep");
	offcpu(sink, 100, 2, 150000000, 151000000, true, NULL);
	struct asp_span b = {
		.task = 2, .tid = 100, .start_ns = 6500, .end_ns = 199005000, .name = BLOCKING,
		.kind = ASP_FK_ASYNC_FN, .level = 1, .blocking = ASP_SEV_ERROR,
		.culprit = "std::thread::sleep", .doing = ASP_DOING_BLOCKED,
		.split = { 1000000, 198000000, 998500 },
	};
	sink.span(sink.ctx, &b);
	/* after BLOCKING returned, inside the task poll */
	offcpu(sink, 100, 2, 199100000, 199200000, true, "tokio::runtime::park");
	span(sink, true, 2, 100, 6000, 200006000, WORKER_ROOT, 0, ASP_SEV_NONE, NULL);
	/* thread 101: a time outside any poll, then a poll */
	offcpu(sink, 101, 0, 250000000, 250001000, false, NULL);
	span(sink, true, 2, 101, 300000000, 300001000, WORKER_ROOT, 0, ASP_SEV_NONE, NULL);
	/* one no poll returned around: written at the end */
	offcpu(sink, 101, 2, 300002000, 300003000, true, NULL);
	json_object *events = hand_trace_events(&t);

	size_t blocked = 0, preempted = 0;
	for (size_t i = 0; i < json_object_array_length(events); i++) {
		json_object *e = json_object_array_get_idx(events, i);
		const char *name = gets(e, "name");
		if (!name || strcmp(gets(e, "ph"), "X"))
			continue;
		bool bl = !strcmp(name, "blocked"), pr = !strcmp(name, "preempted");
		blocked += bl;
		preempted += pr;
		if (bl || pr) { /* on the threads' tracks; no pid known: 1 */
			CHECK_U64(geti(e, "pid"), 1);
			CHECK(geti(e, "tid") == 100 || geti(e, "tid") == 101);
			CHECK_STR(gets(e, "cat"), "offcpu");
		}
	}
	CHECK_U64(blocked, 3);
	CHECK_U64(preempted, 3);
	/* cut to the poll it ran into; where is the innermost frame */
	json_object *e = find_event(events, "X", 1, 100, "blocked");
	CHECK(e && near(getd(e, "ts"), 6.5) && near(getd(e, "dur"), 0.5));
	CHECK_STR(gets(get(e, "args"), "where"), "std::thread::sleep");
	CHECK_U64(geti(get(e, "args"), "task"), 2);
	e = find_event(events, "X", 1, 100, "preempted");
	CHECK(e && near(getd(e, "ts"), 150000.0) && near(getd(e, "dur"), 1000.0));
	CHECK(e && !json_object_object_get_ex(get(e, "args"), "where", NULL));
	e = find_event(events, "X", 1, 101, "blocked");
	CHECK(e && near(getd(e, "ts"), 250000.0) && near(getd(e, "dur"), 1.0));
	CHECK(nested(events, 100));
	CHECK(nested(events, 101));
	/* the blocking poll: what it was doing, its split in ms */
	e = find_event(events, "X", 1, 100, "BLOCKING 199.0 ms: " BLOCKING);
	json_object *args = get(e, "args");
	CHECK_STR(gets(args, "doing"), "blocked");
	CHECK(near(getd(args, "oncpu_ms"), 1.0));
	CHECK(near(getd(args, "blocked_ms"), 198.0));
	CHECK(near(getd(args, "preempted_ms"), 0.998));
	CHECK_STR(gets(args, "culprit"), "std::thread::sleep");
	/* without the sink's begin the pid is not known, and the name says so */
	CHECK_STR(gets(find_meta(events, "process_name", 1, 0), "name"), "demo (pid not recorded)");

	hand_trace_free(&t);
}

/* a task poll of task on thread tid, start..end, woken at woken by
 * waker (woken 0: not woken) */
static struct asp_span task_poll(uint32_t task, int tid, uint64_t start, uint64_t end,
				 uint64_t woken, int waker)
{
	return (struct asp_span){
		.is_task_poll = true, .task = task, .tid = tid, .start_ns = start, .end_ns = end,
		.name = WORKER_ROOT, .kind = ASP_FK_ASYNC_BLOCK,
		.woken = woken != 0, .woken_ns = woken, .waker_tid = waker,
	};
}

/* the flow phases named name: both bound (an X of the same ts, pid, tid
 * and cat) and paired (same cat and id); s and f, or NULL */
static bool flow_bound(json_object *events, const char *name, json_object **s, json_object **f)
{
	*s = find_event(events, "s", 1, -1, name);
	*f = find_event(events, "f", 1, -1, name);
	if (!*s || !*f || strcmp(gets(*s, "cat"), gets(*f, "cat")) ||
	    geti(*s, "id") != geti(*f, "id") || strcmp(gets(*f, "bp"), "e"))
		return false;
	for (int k = 0; k < 2; k++) {
		json_object *p = k ? *f : *s, *hit = NULL;
		for (size_t i = 0; i < json_object_array_length(events) && !hit; i++) {
			json_object *e = json_object_array_get_idx(events, i);
			if (!strcmp(gets(e, "ph"), "X") && geti(e, "tid") == geti(p, "tid") &&
			    !strcmp(gets(e, "cat"), gets(p, "cat")) &&
			    llround(getd(e, "ts") * 1000) == llround(getd(p, "ts") * 1000))
				hit = e;
		}
		if (!hit)
			return false;
	}
	return true;
}

/* a task poll's wait (from a wake or its spawn): a slice on the task's
 * track before the poll, and an arrow from a mark on the waker's thread */
TEST(chrome_waits)
{
	struct hand_trace t;
	struct asp_span_sink sink = hand_trace_open(&t);
	/* task 5's first poll, spawned on thread 100 99 us before */
	struct asp_span s = task_poll(5, 100, 100000, 110000, 0, 0);
	s.spawned = true;
	s.spawned_ns = 1000;
	s.spawner_tid = 100;
	send_span(sink, s);
	/* woken by thread 102 (no poll of its own), 30 ms later, 2 ms of it
	 * waiting for a CPU */
	s = task_poll(5, 100, 30120000, 30130000, 120000, 102);
	s.woken_cpu_known = true;
	s.woken_cpu_ns = 2000000;
	send_span(sink, s);
	/* a wait of 10 us: not drawn; a wait from an unknown thread: no arrow */
	send_span(sink, task_poll(5, 100, 30140000, 30150000, 30130000, 101));
	send_span(sink, task_poll(5, 100, 30300000, 30310000, 30150000, 0));
	/* one id, two tasks: the second, woken while the first is polled,
	 * waits on a lane of its own (slices of one track nest) */
	send_span(sink, task_poll(6, 100, 100000, 200000, 0, 0));
	send_span(sink, task_poll(6, 101, 250000, 260000, 150000, 100));
	json_object *events = hand_trace_events(&t);

	size_t waits = 0;
	for (size_t i = 0; i < json_object_array_length(events); i++) {
		json_object *e = json_object_array_get_idx(events, i);
		waits += !strcmp(gets(e, "ph"), "X") && !strcmp(gets(e, "cat"), "scheduling");
	}
	CHECK_U64(waits, 4);

	/* the spawn: from it to the first poll, on the task's track */
	json_object *e = find_event(events, "X", 1, 5, "waiting since spawn");
	CHECK_STR(gets(e, "name"), "waiting since spawn 99 \u00b5s (spawned on thread 100)");
	CHECK(near(getd(e, "ts"), 1.0) && near(getd(e, "dur"), 99.0));
	json_object *a = get(e, "args");
	CHECK_STR(gets(a, "since"), "spawn");
	CHECK_U64(geti(a, "spawner_tid"), 100);
	CHECK(near(getd(a, "wait_us"), 99.0));
	CHECK(get(a, "cpu_wait_us") == NULL);
	e = find_event(events, "X", 1, 100, "spawns task 5");
	CHECK(e && near(getd(e, "ts"), 1.0) && near(getd(e, "dur"), 0.001));
	json_object *fs, *ff;
	CHECK(flow_bound(events, "task 5 spawned", &fs, &ff));
	CHECK(fs && ff && geti(fs, "tid") == 100 && geti(ff, "tid") == 5 &&
	      near(getd(ff, "ts"), 100.0));

	/* the wake: its thread gets a track, named as the others */
	e = find_event(events, "X", 1, 5, "scheduled");
	CHECK_STR(gets(e, "name"), "scheduled 30.00 ms (woken by thread 102)");
	CHECK(near(getd(e, "ts"), 120.0) && near(getd(e, "dur"), 30000.0));
	a = get(e, "args");
	CHECK_STR(gets(a, "since"), "wake");
	CHECK_U64(geti(a, "waker_tid"), 102);
	CHECK(near(getd(a, "cpu_wait_us"), 2000.0));
	CHECK(find_event(events, "X", 1, 102, "wakes task 5") != NULL);
	CHECK(flow_bound(events, "task 5 woken", &fs, &ff));
	CHECK(fs && ff && geti(fs, "tid") == 102 && near(getd(fs, "ts"), 120.0) &&
	      geti(ff, "tid") == 5 && near(getd(ff, "ts"), 30120.0));
	CHECK_STR(gets(find_meta(events, "thread_name", 1, 102), "name"), "OS thread");
	/* the short one not drawn, nor its mark; the unknown waker: no arrow */
	CHECK(find_event(events, "X", 1, 101, "wakes task 5") == NULL);
	e = find_event(events, "X", 1, 5, "scheduled 150 \u00b5s");
	CHECK(e && near(getd(e, "ts"), 30150.0));
	CHECK(e && get(get(e, "args"), "waker_tid") == NULL);
	size_t marks = 0;
	for (size_t i = 0; i < json_object_array_length(events); i++) {
		const char *name = gets(json_object_array_get_idx(events, i), "name");
		marks += name && !strncmp(name, "wakes task 5", 12);
	}
	CHECK_U64(marks, 1);

	/* task 6's second poll and its wait on another lane, both */
	e = find_event(events, "X", 1, -1, "scheduled 100 \u00b5s (woken by thread 100)");
	CHECK(e && geti(e, "tid") != 6 && geti(get(e, "args"), "task") == 6);
	int64_t lane = e ? geti(e, "tid") : 0;
	CHECK(find_event(events, "X", 1, lane, WORKER_ROOT) != NULL);
	CHECK(flow_bound(events, "task 6 woken", &fs, &ff));
	CHECK(ff && geti(ff, "tid") == lane);
	for (int64_t tid = 5; tid <= 6; tid++)
		CHECK(nested(events, tid));
	CHECK(nested(events, lane));
	CHECK(nested(events, 100));

	hand_trace_free(&t);
}

/* a blocking future below its task's root (an async_fn slice) with a
 * victim: the arrow to the victim's delayed poll starts at a 1 ns mark of
 * the task polls' cat where the blocking slice starts (DevTools pairs a
 * flow's phases by cat, and binds each to an event of that cat) */
TEST(chrome_victims_of_nested)
{
	struct hand_trace t;
	struct asp_span_sink sink = hand_trace_open(&t);
	/* findings[0]: BLOCKING, task 2, thread 100, from 6500 ns */
	asp_finding_add_victim(&t.r->findings[0], 7, WORKER_ROOT, 150000000, 200010000);
	struct asp_span b = {
		.task = 2, .tid = 100, .start_ns = 6500, .end_ns = 200005000, .name = BLOCKING,
		.kind = ASP_FK_ASYNC_FN, .level = 1, .blocking = ASP_SEV_ERROR,
		.culprit = "std::thread::sleep", .doing = ASP_DOING_BLOCKED,
	};
	sink.span(sink.ctx, &b);
	send_span(sink, task_poll(2, 100, 6000, 200006000, 0, 0));
	send_span(sink, task_poll(7, 100, 200010000, 200020000, 50000000, 0));
	json_object *events = hand_trace_events(&t);
	json_object *e = find_event(events, "X", 1, 100, "tasks wait behind it");
	CHECK(e && near(getd(e, "ts"), 6.5) && !strcmp(gets(e, "cat"), "task_poll"));
	e = find_event(events, "X", 1, 100, "BLOCKING");
	CHECK(e && near(getd(e, "ts"), 6.5) && !strcmp(gets(e, "cat"), "async_fn"));
	json_object *fs, *ff;
	CHECK(flow_bound(events, "task 7 waited behind it", &fs, &ff));
	CHECK(fs && ff && geti(fs, "tid") == 100 && near(getd(fs, "ts"), 6.5) &&
	      geti(ff, "tid") == 100 && near(getd(ff, "ts"), 200010.0));
	hand_trace_free(&t);
}

TEST(chrome_abort_and_errors)
{
	char *dir = tap_tmpdir();
	char *path = asp_path_join(dir, "trace.json"), *err = NULL;
	tap_write(dir, "trace.json", "old\n", 4);
	struct asp_chrome *c = asp_chrome_open(path, &err);
	CHECK(c != NULL);
	stream_spans(asp_chrome_sink(c));
	asp_chrome_abort(c);
	asp_chrome_abort(NULL);
	CHECK(count_tmp(dir) == 0);
	char *s = slurp(path);
	CHECK_STR(s, "old\n");
	free(s);

	char *bad = asp_path_join(dir, "missing/trace.json");
	CHECK(asp_chrome_open(bad, &err) == NULL);
	CHECK(err && strstr(err, bad) && strstr(err, "No such file"));
	free(err);
	free(bad);
	free(path);
	tap_rmdir(dir);
	free(dir);
}

TEST(summary_json)
{
	char *dir = tap_tmpdir();
	struct asp_result *r = make_result();
	struct asp_rules rules = { .warning_ns = 10000000, .error_ns = 100000000,
				   .slow_poll_ns = 50000 };
	char *path = asp_path_join(dir, "summary.json"), *err = NULL;
	CHECK(asp_summary_write(path, r, &rules, NULL, &err) == 0);
	CHECK(err == NULL);
	CHECK(count_tmp(dir) == 0);
	char *text = slurp(path);
	CHECK(text && text[strlen(text) - 1] == '\n');
	CHECK(text && strstr(text, "\"/data/demo/uftrace.data\"")); /* no \/ escapes */
	CHECK(text && strstr(text, "\n  \"run\"")); /* pretty */
	free(text);

	json_object *doc = json_object_from_file(path);
	CHECK(doc != NULL);
	CHECK_STR(gets(doc, "schema"), "asprof-summary/3");
	json_object *run = get(doc, "run");
	CHECK_STR(gets(run, "path"), "/data/demo/uftrace.data");
	CHECK_STR(gets(run, "name"), "demo");
	CHECK_STR(gets(run, "exe"), "/bin/demo");
	CHECK_STR(gets(run, "runtime"), "tokio");
	CHECK(json_object_get_boolean(get(run, "runtime_forced")) == 0);
	CHECK(json_object_get_boolean(get(run, "args_recorded")) == 1);
	CHECK_U64(geti(run, "duration_ns"), 500000000);
	CHECK_U64(geti(run, "threads"), 2);
	CHECK_U64(geti(run, "records"), 1234);
	CHECK_U64(geti(run, "data_bytes"), 19744);
	CHECK(json_object_is_type(get(run, "duration_ns"), json_type_int));
	CHECK_STR(json_object_get_string(json_object_array_get_idx(get(run, "notes"), 0)), "a note");
	CHECK(json_object_get_boolean(get(run, "has_sched")) == 1);
	CHECK(json_object_get_boolean(get(run, "preempt_known")) == 1);
	CHECK_STR(gets(run, "measure"), "own");
	CHECK_U64(geti(get(run, "switches"), "voluntary"), 12);
	CHECK_U64(geti(get(run, "switches"), "preempted"), 3);
	CHECK_U64(geti(run, "task_polls"), 5);
	CHECK_U64(geti(run, "task_polls_preempted"), 1);
	CHECK_U64(geti(get(run, "task_split"), "oncpu_ns"), 1026000);
	CHECK_U64(geti(get(run, "task_split"), "blocked_ns"), 199000000);
	CHECK_U64(geti(get(run, "task_split"), "preempted_ns"), 1000000);

	json_object *tasks = get(doc, "tasks");
	CHECK_U64(json_object_array_length(tasks), 3);
	json_object *t = json_object_array_get_idx(tasks, 0);
	CHECK_U64(geti(t, "id"), 1);
	CHECK_STR(gets(t, "root"), MAIN_ROOT);
	CHECK(json_object_get_boolean(get(t, "main")));
	CHECK(json_object_is_type(get(t, "addr"), json_type_null));
	CHECK(get(t, "addr") == NULL && json_object_object_get_ex(t, "addr", NULL));
	t = json_object_array_get_idx(tasks, 1);
	CHECK_STR(gets(t, "addr"), "0x7f0000001000");
	CHECK_U64(geti(t, "polls"), 2);
	CHECK_U64(geti(t, "busy_ns"), 200001000);
	CHECK_U64(geti(t, "idle_ns"), 99994000);
	CHECK_U64(geti(t, "first_poll_ns"), 6000);
	CHECK_U64(geti(t, "end_ns"), 300001000);
	CHECK_U64(geti(t, "slow_polls"), 1);
	CHECK_U64(json_object_array_length(get(t, "tids")), 2);
	CHECK_U64(json_object_get_int(json_object_array_get_idx(get(t, "tids"), 1)), 101);
	json_object *q = get(t, "poll_ns");
	CHECK_U64(geti(q, "min"), 1000);
	CHECK_U64(geti(q, "max"), 200000000);
	CHECK_U64(geti(q, "p50"), 1000);
	CHECK(near(getd(q, "mean"), 100000500.0));
	/* own time beside the wall time */
	CHECK_U64(geti(get(t, "own_ns"), "max"), 199000000);
	CHECK_U64(geti(get(t, "own_ns"), "min"), 1000);
	CHECK_U64(geti(t, "oncpu_ns"), 1001000);
	CHECK_U64(geti(t, "blocked_ns"), 198000000);
	CHECK_U64(geti(t, "preempted_ns"), 1000000);

	json_object *futures = get(doc, "futures");
	CHECK_U64(json_object_array_length(futures), 4);
	json_object *f = json_object_array_get_idx(futures, 3);
	CHECK_STR(gets(f, "name"), WORKER_ROOT);
	CHECK_STR(gets(f, "kind"), "async_fn");
	CHECK_U64(json_object_array_length(get(f, "task_ids")), 2);
	CHECK_U64(geti(f, "instances"), 2);
	CHECK_U64(geti(f, "polls"), 4);
	CHECK_U64(geti(f, "busy_ns"), 200026000);
	CHECK_U64(geti(f, "idle_ns"), 7);
	q = get(f, "poll_ns");
	CHECK_U64(geti(q, "min"), 1000);
	CHECK_U64(geti(q, "p50"), 50000);
	CHECK_U64(geti(q, "p90"), 90000);
	CHECK_U64(geti(q, "p99"), 99000);
	CHECK_U64(geti(q, "max"), 100000);
	CHECK(json_object_is_type(get(q, "mean"), json_type_double));
	CHECK(near(getd(q, "mean"), 50500.0));
	CHECK_STR(gets(json_object_array_get_idx(futures, 0), "kind"), "user_future");
	f = json_object_array_get_idx(futures, 1);
	CHECK_U64(geti(get(f, "own_ns"), "max"), 199000000);
	CHECK_U64(geti(get(f, "poll_ns"), "max"), 199998500);
	CHECK_U64(geti(f, "oncpu_ns"), 1000000);
	CHECK_U64(geti(f, "blocked_ns"), 198000000);
	CHECK_U64(geti(f, "preempted_ns"), 998500);
	CHECK_STR(gets(json_object_array_get_idx(futures, 2), "kind"), "async_block");

	json_object *x = json_object_array_get_idx(get(doc, "findings"), 0);
	CHECK_STR(gets(x, "rule"), "blocking-poll");
	CHECK_STR(gets(x, "severity"), "error");
	CHECK_STR(gets(x, "future"), BLOCKING);
	CHECK_U64(geti(x, "task"), 2);
	CHECK_U64(geti(x, "tid"), 100);
	CHECK_U64(geti(x, "start_ns"), 6500);
	CHECK_U64(geti(x, "duration_ns"), 199998500);
	CHECK_U64(geti(x, "threshold_ns"), 100000000);
	CHECK_STR(gets(x, "culprit"), "std::thread::sleep");
	CHECK(near(getd(x, "culprit_share"), 0.98));
	CHECK_STR(gets(x, "pattern"), "default");
	CHECK_U64(geti(x, "count"), 1);
	CHECK_U64(geti(x, "measured_ns"), 199000000);
	CHECK_U64(geti(x, "oncpu_ns"), 1000000);
	CHECK_U64(geti(x, "blocked_ns"), 198000000);
	CHECK_U64(geti(x, "preempted_ns"), 998500);
	CHECK_STR(gets(x, "doing"), "blocked");
	CHECK(json_object_get_boolean(get(x, "culprit_self")) == 0);
	CHECK(json_object_object_get_ex(x, "no_culprit", NULL) && get(x, "no_culprit") == NULL);
	/* every poll's finding is kept */
	json_object *all = get(doc, "findings");
	CHECK_U64(json_object_array_length(all), 4);
	x = json_object_array_get_idx(all, 1);
	CHECK(json_object_get_boolean(get(x, "culprit_self")) == 1);
	CHECK(get(x, "culprit") == NULL);
	x = json_object_array_get_idx(all, 2);
	CHECK_STR(gets(x, "doing"), "on CPU");
	CHECK_STR(gets(x, "culprit"), "demo::calculate_pi \u2192 demo::backoff");
	CHECK_U64(geti(x, "culprit_calls"), 2);
	x = json_object_array_get_idx(all, 3);
	CHECK_STR(gets(x, "no_culprit"), "no call recorded in the poll");

	/* and grouped: the blocking future's two polls are one group */
	json_object *groups = get(doc, "finding_groups");
	CHECK_U64(json_object_array_length(groups), 3);
	json_object *g = json_object_array_get_idx(groups, 0);
	CHECK_STR(gets(g, "rule"), "blocking-poll");
	CHECK_STR(gets(g, "future"), BLOCKING);
	CHECK_STR(gets(g, "severity"), "error");
	CHECK_U64(geti(g, "count"), 2);
	CHECK_U64(geti(g, "total_ns"), 219000000);
	CHECK_U64(geti(g, "longest_ns"), 199000000);
	CHECK_U64(json_object_array_length(get(g, "tasks")), 2);
	CHECK_U64(json_object_get_int(json_object_array_get_idx(get(g, "tasks"), 1)), 3);
	CHECK_U64(geti(g, "worst"), 0);
	g = json_object_array_get_idx(groups, 2);
	CHECK_STR(gets(g, "future"), IDLE_ROOT);
	CHECK_U64(geti(g, "worst"), 3);
	CHECK_U64(json_object_get_int(json_object_array_get_idx(get(g, "tasks"), 0)), 0);

	json_object *ru = get(doc, "rules");
	CHECK(json_object_object_get_ex(ru, "path", NULL) && get(ru, "path") == NULL);
	CHECK_U64(geti(ru, "warning_ns"), 10000000);
	CHECK_U64(geti(ru, "error_ns"), 100000000);
	CHECK_U64(geti(ru, "slow_poll_ns"), 50000);

	json_object_put(doc);
	asp_result_free(r);
	free(path);
	tap_rmdir(dir);
	free(dir);
}

/* summary.c prints the tasks array itself: it must be what json-c prints,
 * whatever the flags, the strings, the numbers and empty arrays */
TEST(summary_tasks_print_as_json_c)
{
	struct asp_result *r = make_result();
	struct asp_task *t = &r->tasks[2];
	free(t->root);
	t->root = xstrdup("odd \"root\" a/b \\ \n\t\x01 \xc3\xa9");
	t->ntids = 0;
	t->busy_ns = UINT64_MAX;
	t->has_addr = true;
	t->addr = 0;
	free(r->tasks[0].root);
	r->tasks[0].root = NULL;
	r->tasks[1].tids[0] = -7;
	const int flags[] = {
		JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE, JSON_C_TO_STRING_PRETTY,
		JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_PRETTY_TAB, JSON_C_TO_STRING_PLAIN,
		JSON_C_TO_STRING_SPACED, JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_PRETTY,
	};
	for (size_t i = 0; i < ASP_ARRAY_SIZE(flags); i++) {
		for (size_t n = 0; n <= 3; n += 3) { /* no tasks, and three */
			r->ntasks = n;
			json_object *o = asp_summary_json(r, NULL);
			char *ours = xstrdup(json_object_to_json_string_ext(o, flags[i]));
			json_object *back = json_tokener_parse(ours);
			CHECK(back != NULL);
			CHECK_U64(json_object_array_length(get(back, "tasks")), n);
			CHECK_STR(json_object_to_json_string_ext(back, flags[i]), ours);
			if (n) { /* a task's poll_ns has asp_quantiles_json()'s members */
				struct asp_quantiles q = asp_durations_quantiles(&r->tasks[1].poll_ns);
				json_object *qo = asp_quantiles_json(&q);
				json_object *tq = get(json_object_array_get_idx(get(back, "tasks"), 1), "poll_ns");
				char *want = xstrdup(json_object_to_json_string_ext(qo, flags[i]));
				CHECK_STR(json_object_to_json_string_ext(tq, flags[i]), want);
				free(want);
				json_object_put(qo);
			}
			json_object_put(back);
			json_object_put(o);
			free(ours);
		}
	}
	r->ntasks = 3;
	asp_result_free(r);
}

TEST(text_summary)
{
	struct asp_result *r = make_result();
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	asp_summary_print(fp, r, 2);
	fclose(fp);
	CHECK(strstr(buf, "demo: runtime tokio") == buf);
	CHECK(strstr(buf, "2 threads") && strstr(buf, "1234 records"));
	CHECK(strstr(buf, "main: " MAIN_ROOT));
	CHECK(strstr(buf, "... and 1 more")); /* three tasks, top 2 */
	CHECK(strstr(buf, "blocking-poll") && strstr(buf, BLOCKING));
	/* findings grouped: the blocking future's two polls are one block */
	CHECK(strstr(buf, "Findings (4, in 3 groups)"));
	CHECK(strstr(buf, "  error    blocking-poll      2   199.00 ms >   100.00 ms   219.00 ms  " BLOCKING "\n"));
	CHECK(strstr(buf, " tasks 2, 3; worst: blocked 198.00 ms (99 %)\n"));
	CHECK(strstr(buf, " culprit: std::thread::sleep\n"));
	CHECK(strstr(buf, " task 2; on CPU 14.50 ms (96 %)\n"));
	CHECK(strstr(buf, " culprit: demo::calculate_pi \u2192 demo::backoff, 2 calls\n"));
	CHECK(!strstr(buf, IDLE_ROOT)); /* three groups, top 2 */
	CHECK(strstr(buf, "... and 2 more")); /* four futures, top 2 */
	/* own time beside the wall time */
	CHECK(strstr(buf, "TASK    POLLS        BUSY         OWN     BLOCKED   PREEMPTED        IDLE  ROOT\n"));
	CHECK(strstr(buf, "       2        2   200.00 ms   199.00 ms   198.00 ms     1.00 ms    99.99 ms  " WORKER_ROOT "\n"));
	CHECK(strstr(buf, "      BUSY    POLLS        P50        P99    OWN P99       SELF  KIND"));
	CHECK(strstr(buf, " 200.00 ms        1  200.00 ms  200.00 ms  199.00 ms  150.00 ms  async_fn     " BLOCKING "\n"));
	CHECK(!strstr(buf, LONG_NAME));
	free(buf);

	/* no limit: the long name cut in the middle, its tail kept */
	fp = open_memstream(&buf, &len);
	asp_summary_print(fp, r, 0);
	fclose(fp);
	CHECK(!strstr(buf, "more\n"));
	CHECK(strstr(buf, IDLE_ROOT));
	CHECK(strstr(buf, "   outside tasks; on CPU 12.00 ms (100 %)\n"));
	CHECK(strstr(buf, " no culprit: no call recorded in the poll\n"));
	CHECK(!strstr(buf, LONG_NAME));
	CHECK(strstr(buf, "<futures_util::futur...") != NULL);
	CHECK(strstr(buf, "poll_the_tail_end\n") != NULL);
	/* busiest future first */
	char *a = strstr(buf, "Top futures"), *w = a ? strstr(a, WORKER_ROOT) : NULL;
	char *bl = a ? strstr(a, BLOCKING) : NULL;
	CHECK(w && bl && w < bl);
	/* every line fits a terminal-ish width */
	for (char *l = buf; *l;) {
		char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l) : strlen(l);
		CHECK(n <= 150);
		l += n + (nl != NULL);
	}
	if (tap_failures_)
		for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n"))
			fprintf(stderr, "# %s\n", l);
	free(buf);

	/* the worst poll blocked in its own code and was preempted a while;
	 * without context switches, no own time and no split */
	struct asp_finding *x = &r->findings[0];
	free(x->culprit);
	x->culprit = NULL, x->culprit_self = true;
	x->split = (struct asp_split){ 1000000, 149000000, 49998500 };
	fp = open_memstream(&buf, &len);
	asp_summary_print(fp, r, 1);
	fclose(fp);
	CHECK(strstr(buf, " tasks 2, 3; worst: blocked 149.00 ms (74 %), preempted 50.00 ms\n"));
	CHECK(strstr(buf, " " ASP_CULPRIT_SELF_TEXT "\n"));
	free(buf);
	r->has_sched = false;
	for (size_t i = 0; i < r->nfindings; i++)
		r->findings[i].doing = ASP_DOING_UNKNOWN;
	fp = open_memstream(&buf, &len);
	asp_summary_print(fp, r, 1);
	fclose(fp);
	CHECK(strstr(buf, "TASK    POLLS        BUSY        IDLE  ROOT\n"));
	CHECK(strstr(buf, "BUSY    POLLS         P50         P99         MAX  KIND"));
	CHECK(!strstr(buf, "OWN"));
	CHECK(strstr(buf, " tasks 2, 3; worst: preempted 50.00 ms\n"));
	free(buf);

	/* many tasks: what the worst poll did goes on a line of its own */
	struct asp_finding_group *g = &r->groups[0];
	free(g->tasks);
	g->ntasks = 12;
	g->tasks = xcalloc(12, sizeof(*g->tasks));
	for (uint32_t i = 0; i < 12; i++)
		g->tasks[i] = 100001 + i;
	fp = open_memstream(&buf, &len);
	asp_summary_print(fp, r, 1);
	fclose(fp);
	char want[256];
	snprintf(want, sizeof(want), " tasks 100001, 100002, 100003, 100004, 100005, 100006, "
		 "100007, 100008, ... (12 in all)\n%71sworst: preempted 50.00 ms\n", "");
	CHECK(strstr(buf, want));
	free(buf);
	asp_result_free(r);
}

TEST(outfile_commit_replaces_only_at_commit)
{
	char *dir = tap_tmpdir();
	char *path = asp_path_join(dir, "report.txt"), *err = NULL;
	tap_write(dir, "report.txt", "old\n", 4);
	umask(022);
	FILE *fp = NULL;
	struct asp_outfile *h = asp_outfile_open(path, &fp, &err);
	CHECK(h && fp);
	const char *tmp = asp_outfile_tmp_path(h);
	CHECK(strncmp(tmp, path, strlen(path)) == 0 && strncmp(tmp + strlen(path), ".tmp.", 5) == 0);
	CHECK(access(tmp, F_OK) == 0);
	fputs("new\n", fp);
	fflush(fp);
	char *s = slurp(path);
	CHECK_STR(s, "old\n");
	free(s);
	CHECK(count_tmp(dir) == 1);
	CHECK(asp_outfile_commit(h, &err) == 0);
	CHECK(err == NULL);
	s = slurp(path);
	CHECK_STR(s, "new\n");
	free(s);
	CHECK(count_tmp(dir) == 0);
	struct stat st;
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644);

	/* a new file, relative path */
	CHECK(chdir(dir) == 0);
	h = asp_outfile_open("fresh.json", &fp, &err);
	CHECK(h != NULL);
	fputs("{}\n", fp);
	CHECK(asp_outfile_commit(h, &err) == 0);
	CHECK(access("fresh.json", F_OK) == 0);
	free(path);
	tap_rmdir(dir);
	free(dir);
}

/* the direct writer (trace.json's): gathered bytes, blocks written from
 * the caller's aligned buffer and the tail come out in order, whether the
 * file system takes O_DIRECT (ext4) or not; a failing write is the
 * commit's error and leaves the old file */
static bool holds(const char *path, const uint8_t *want, size_t len)
{
	size_t n = 0;
	char *err = NULL, *got = asp_read_file(path, &n, &err);
	bool ok = got && n == len && memcmp(got, want, len) == 0;
	free(got);
	free(err);
	return ok;
}

static bool direct_round_trip(const char *dir)
{
	char *path = asp_path_join(dir, "big.json"), *err = NULL;
	enum { N = 3 * (1 << 20) + 12345 };
	uint8_t *want = malloc(N), *buf = asp_outfile_block_buffer(N);
	for (size_t i = 0; i < N; i++)
		want[i] = (uint8_t)(i * 2654435761u >> 13);
	memcpy(buf, want, N);
	bool ok = true;
	/* 1: blocks straight from buf, then the tail */
	struct asp_outfile *h = asp_outfile_open_direct(path, &err);
	ok &= h != NULL;
	if (h) {
		size_t took = asp_outfile_write_blocks(h, buf, N);
		ok &= took == 3u << 20;
		asp_outfile_write(h, buf + took, N - took);
		ok &= asp_outfile_commit(h, &err) == 0;
	}
	ok &= holds(path, want, N);
	/* 2: something gathered first: the blocks are gathered too */
	h = asp_outfile_open_direct(path, &err);
	ok &= h != NULL;
	if (h) {
		asp_outfile_write(h, want, 1000);
		ok &= asp_outfile_write_blocks(h, buf + 1000, N - 1000) == N - 1000;
		ok &= asp_outfile_commit(h, &err) == 0;
	}
	ok &= holds(path, want, N);
	/* 3: the disk fills up */
	h = asp_outfile_open_direct(path, &err);
	ok &= h != NULL;
	if (h) {
		/* its temporary file's descriptor, replaced by /dev/full */
		for (int i = 3; i < 64; i++) {
			char link[64], target[4200] = "";
			snprintf(link, sizeof(link), "/proc/self/fd/%d", i);
			ssize_t k = readlink(link, target, sizeof(target) - 1);
			if (k > 0 && strstr(target, "big.json.tmp.")) {
				int full = open("/dev/full", O_WRONLY);
				dup2(full, i);
				close(full);
			}
		}
		asp_outfile_write_blocks(h, buf, N);
		ok &= asp_outfile_commit(h, &err) == -1;
		ok &= err && strstr(err, "big.json: write error: No space left on device") != NULL;
		free(err);
		err = NULL;
	}
	ok &= holds(path, want, N); /* the old one */
	free(err);
	ok &= count_tmp(dir) == 0;
	unlink(path);
	free(path);
	free(want);
	free(buf);
	return ok;
}

TEST(outfile_direct)
{
	char *dir = tap_tmpdir();
	CHECK(direct_round_trip(dir));
	tap_rmdir(dir);
	free(dir);
	/* tmpfs: O_DIRECT taken or refused, depending on the kernel */
	struct stat st;
	if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0) {
		char tmpl[] = "/dev/shm/asprof-test.XXXXXX";
		if (mkdtemp(tmpl)) {
			CHECK(direct_round_trip(tmpl));
			rmdir(tmpl);
		}
	}
}

TEST(outfile_abort_keeps_old)
{
	char *dir = tap_tmpdir();
	char *path = asp_path_join(dir, "report.txt"), *err = NULL;
	tap_write(dir, "report.txt", "old\n", 4);
	FILE *fp = NULL;
	struct asp_outfile *h = asp_outfile_open(path, &fp, &err);
	CHECK(h != NULL);
	fputs("half of a new report", fp);
	asp_outfile_abort(h);
	asp_outfile_abort(NULL);
	char *s = slurp(path);
	CHECK_STR(s, "old\n");
	free(s);
	CHECK(count_tmp(dir) == 0);
	free(path);
	tap_rmdir(dir);
	free(dir);
}

/* ENOSPC, simulated: the temporary file's descriptor is replaced by
 * /dev/full, so the buffered data fails to flush at commit */
TEST(outfile_write_error)
{
	char *dir = tap_tmpdir();
	char *path = asp_path_join(dir, "report.txt"), *err = NULL;
	tap_write(dir, "report.txt", "old\n", 4);
	FILE *fp = NULL;
	/* the temporary file gets the lowest free descriptor (the stream is
	 * not a plain file stream: no fileno) */
	int tmpfd = open("/dev/null", O_RDONLY);
	close(tmpfd);
	struct asp_outfile *h = asp_outfile_open(path, &fp, &err);
	CHECK(h != NULL);
	int full = open("/dev/full", O_WRONLY);
	CHECK(full >= 0);
	CHECK(dup2(full, tmpfd) == tmpfd);
	close(full);
	for (int i = 0; i < 1000; i++)
		fputs("a line of a report that will not fit on the disk\n", fp);
	CHECK(asp_outfile_commit(h, &err) == -1);
	CHECK(err && strncmp(err, path, strlen(path)) == 0 && strstr(err, "No space left"));
	fprintf(stderr, "# %s\n", err ? err : "(no message)");
	free(err);
	char *s = slurp(path);
	CHECK_STR(s, "old\n");
	free(s);
	CHECK(count_tmp(dir) == 0);

	/* the same through a writer */
	struct asp_result *r = make_result();
	char *tpath = asp_path_join(dir, "trace.json");
	err = NULL;
	/* the writer's temporary file gets the lowest free descriptor */
	int fd = open("/dev/null", O_RDONLY);
	close(fd);
	struct asp_chrome *c = asp_chrome_open(tpath, &err);
	CHECK(c != NULL);
	full = open("/dev/full", O_WRONLY);
	CHECK(dup2(full, fd) == fd);
	close(full);
	stream_spans(asp_chrome_sink(c));
	CHECK(asp_chrome_finish(c, r, &err) == -1);
	CHECK(err && strstr(err, tpath) && strstr(err, "No space left"));
	CHECK(access(tpath, F_OK) != 0);
	CHECK(count_tmp(dir) == 0);
	free(err);
	free(tpath);
	asp_result_free(r);
	free(path);
	tap_rmdir(dir);
	free(dir);
}

TEST(outfile_not_a_directory)
{
	char *dir = tap_tmpdir();
	CHECK(chdir(dir) == 0);
	tap_write(dir, "file", "x", 1);
	char *err = NULL;
	FILE *fp;
	CHECK(asp_outfile_open("file/report.json", &fp, &err) == NULL);
	CHECK_STR(err, "file/report.json: Not a directory");
	free(err), err = NULL;
	CHECK(asp_mkdir_p("file", &err) == -1);
	CHECK_STR(err, "file: Not a directory");
	free(err), err = NULL;
	CHECK(asp_mkdir_p("file/runs/x", &err) == -1);
	CHECK(err && strstr(err, "file/runs/x") && strstr(err, "Not a directory"));
	fprintf(stderr, "# %s\n", err ? err : "(no message)");
	free(err), err = NULL;
	CHECK(asp_outfile_open("nowhere/report.json", &fp, &err) == NULL);
	CHECK_STR(err, "nowhere/report.json: No such file or directory");
	free(err);
	tap_rmdir(dir);
	free(dir);
}

TEST(mkdir_p_creates_parents)
{
	char *dir = tap_tmpdir();
	char *p = asp_path_join(dir, "out/runs/demo/"), *err = NULL;
	CHECK(asp_mkdir_p(p, &err) == 0);
	CHECK(asp_mkdir_p(p, &err) == 0); /* exists: fine */
	CHECK(err == NULL);
	struct stat st;
	char *q = asp_path_join(dir, "out/runs/demo");
	CHECK(stat(q, &st) == 0 && S_ISDIR(st.st_mode));
	CHECK(chdir(dir) == 0);
	CHECK(asp_mkdir_p("rel//a/b", &err) == 0);
	CHECK(stat("rel/a/b", &st) == 0 && S_ISDIR(st.st_mode));
	CHECK(asp_mkdir_p(".", &err) == 0);
	CHECK(asp_mkdir_p("", &err) == -1);
	free(err);
	free(p);
	free(q);
	tap_rmdir(dir);
	free(dir);
}

/* as root, permissions are not enforced: run the checks as nobody in a child */
static int unwritable_checks(const char *dir)
{
	char *ro = asp_path_join(dir, "ro");
	char *target = asp_path_join(ro, "summary.json");
	char *deep = asp_path_join(ro, "runs/demo");
	char *err = NULL;
	FILE *fp;
	CHECK(asp_outfile_open(target, &fp, &err) == NULL);
	CHECK(err && strncmp(err, target, strlen(target)) == 0 && strstr(err, "Permission denied"));
	fprintf(stderr, "# %s\n", err ? err : "(no message)");
	free(err), err = NULL;
	CHECK(asp_mkdir_p(deep, &err) == -1);
	CHECK(err && strstr(err, ro) && strstr(err, "Permission denied"));
	fprintf(stderr, "# %s\n", err ? err : "(no message)");
	free(err), err = NULL;
	CHECK(asp_mkdir_p(ro, &err) == -1);
	CHECK(err && strncmp(err, ro, strlen(ro)) == 0 && strstr(err, "not writable"));
	fprintf(stderr, "# %s\n", err ? err : "(no message)");
	free(err), err = NULL;
	struct asp_result *r = make_result();
	CHECK(asp_summary_write(target, r, NULL, NULL, &err) == -1);
	CHECK(err && strstr(err, target));
	free(err);
	asp_result_free(r);
	free(ro);
	free(target);
	free(deep);
	return tap_failures_;
}

TEST(outfile_unwritable_directory)
{
	char *dir = tap_tmpdir();
	char *ro = asp_path_join(dir, "ro");
	CHECK(chmod(dir, 0755) == 0);
	CHECK(mkdir(ro, 0555) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) {
			fprintf(stderr, "# cannot drop root privileges: skipped\n");
			_exit(0);
		}
		_exit(unwritable_checks(dir) ? 1 : 0);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(count_tmp(ro) == 0);
	free(ro);
	tap_rmdir(dir);
	free(dir);
}

/* asp_show, what every writer shows of a name, and asp_json_string */
TEST(show_hostile_text)
{
	static const struct {
		const char *in;
		unsigned flags;
		const char *out;
	} cases[] = {
		{ "plain `touch x` $(y) '\"\\|@%s", ASP_SHOW_CONTROLS, "plain `touch x` $(y) '\"\\|@%s" },
		{ "a\x1b[31mb\x07", ASP_SHOW_CONTROLS, "a\\x1b[31mb\\x07" },
		{ "a\nb\tc\rd", ASP_SHOW_CONTROLS, "a\\x0ab\\x09c\\x0dd" },
		{ "a\nb\tc\rd", ASP_SHOW_CONTROLS | ASP_SHOW_KEEP_LINES, "a\nb\tc\\x0dd" },
		{ "a\nb\x7f", 0, "a\nb\x7f" },
		{ "bad \xff\xfe cut \xe2\x82", 0, "bad \\xff\\xfe cut \\xe2\\x82" },
		{ "overlong \xc0\xaf surrogate \xed\xa0\x80", 0,
		  "overlong \\xc0\\xaf surrogate \\xed\\xa0\\x80" },
		{ "C1 \xc2\x9b" "2J, U+FFFE \xef\xbf\xbe, \xc2\xa0 \xe2\x80\xa6 \xf0\x9f\xa6\x80",
		  ASP_SHOW_CONTROLS,
		  "C1 \\xc2\\x9b2J, U+FFFE \\xef\\xbf\\xbe, \xc2\xa0 \xe2\x80\xa6 \xf0\x9f\xa6\x80" },
		{ "", ASP_SHOW_CONTROLS, "" },
	};
	for (size_t i = 0; i < ASP_ARRAY_SIZE(cases); i++) {
		char *got = asp_show(cases[i].in, cases[i].flags);
		CHECK_STR(got, cases[i].out);
		free(got);
	}
	/* JSON: controls escaped by json-c, bytes that are not UTF-8 shown */
	json_object *o = asp_json_string("r\xffn\x1b\"`x`");
	CHECK_STR(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN), "\"r\\\\xffn\\u001b\\\"`x`\"");
	json_object_put(o);
	CHECK(asp_json_string(NULL) == NULL);
}

/* a and b hold the same durations, bin by bin */
static void same_durations(const struct asp_durations *a, const struct asp_durations *b)
{
	CHECK_U64(a->n, b->n);
	CHECK_U64(a->min, b->min);
	CHECK_U64(a->max, b->max);
	CHECK_U64(a->sum, b->sum);
	CHECK(a->binned == b->binned);
	CHECK_U64(asp_durations_nbins(a), asp_durations_nbins(b));
	for (size_t i = 0; i < asp_durations_nbins(a) && i < asp_durations_nbins(b); i++) {
		uint64_t ca, cb;
		CHECK_U64(asp_durations_bin(a, i, &ca), asp_durations_bin(b, i, &cb));
		CHECK_U64(ca, cb);
	}
}

/* make_result() with its worker future polled n times more, the own
 * times spread over three decades (times scale): binned past 1024 */
static struct asp_result *many_polls(size_t n, double scale)
{
	struct asp_result *r = make_result();
	struct asp_future *f = &r->futures[3]; /* WORKER_ROOT */
	uint64_t x = 88172645463325252ULL;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		uint64_t ns = (uint64_t)((double)(1000 + x % 1000000) * scale);
		asp_durations_add(&f->poll_ns, ns + ns / 8);
		asp_durations_add(&f->own_ns, ns);
		f->busy_ns += ns + ns / 8;
		f->split.oncpu_ns += ns;
	}
	f->polls += n;
	asp_durations_finish(&f->poll_ns);
	asp_durations_finish(&f->own_ns);
	return r;
}

/* write r's summary.json in dir as NAME.json, read it back: the run */
static struct asp_result *round_trip(const char *dir, const char *name, const struct asp_result *r,
				     const struct asp_rules *rules, char **text)
{
	char *file = xasprintf("%s/%s.json", dir, name), *err = NULL;
	struct asp_result **runs = NULL, *back = NULL;
	size_t n = 0;
	CHECK(asp_summary_write(file, r, rules, text, &err) == 0);
	CHECK(asp_summary_read(file, &runs, &n, &err) == 0);
	CHECK_U64(n, 1);
	if (n == 1)
		back = runs[0];
	free(runs);
	free(err);
	free(file);
	return back;
}

/* A run read back from its summary.json has every duration it had (exact
 * up to 1024 polls, binned past that), writes the same summary.json again,
 * and compares as the run itself: the same rows, metrics, intervals (the
 * bootstrap of one run a side resamples those durations) and verdicts. */
TEST(summary_read_back)
{
	char *dir = tap_tmpdir();
	struct asp_rules *rules = asp_rules_default();
	struct asp_result *r[2] = { many_polls(5000, 1.0), many_polls(4000, 1.6) };
	struct asp_result *b[2];
	char *text[2], *again[2];
	for (int s = 0; s < 2; s++) {
		b[s] = round_trip(dir, s ? "new" : "base", r[s], rules, &text[s]);
		CHECK(b[s] && b[s]->from_summary);
		if (!b[s])
			goto out;
		CHECK(r[s]->futures[3].own_ns.binned && !r[s]->futures[0].own_ns.binned);
		CHECK_U64(b[s]->nfutures, r[s]->nfutures);
		CHECK_U64(b[s]->ntasks, r[s]->ntasks);
		CHECK_U64(b[s]->nfindings, r[s]->nfindings);
		CHECK_U64(b[s]->ngroups, r[s]->ngroups);
		for (size_t i = 0; i < r[s]->nfutures && i < b[s]->nfutures; i++) {
			CHECK_STR(b[s]->futures[i].name, r[s]->futures[i].name);
			same_durations(&r[s]->futures[i].poll_ns, &b[s]->futures[i].poll_ns);
			same_durations(&r[s]->futures[i].own_ns, &b[s]->futures[i].own_ns);
		}
		for (size_t i = 0; i < r[s]->ntasks && i < b[s]->ntasks; i++) {
			same_durations(&r[s]->tasks[i].poll_ns, &b[s]->tasks[i].poll_ns);
			same_durations(&r[s]->tasks[i].own_ns, &b[s]->tasks[i].own_ns);
		}
		struct asp_result *c = round_trip(dir, s ? "new2" : "base2", b[s], rules, &again[s]);
		CHECK_STR(again[s], text[s]);
		asp_result_free(c);
	}
	/* one run a side: the bootstrap; both metrics that resample polls */
	for (int m = 0; m < 2; m++) {
		rules->compare.metric = m ? ASP_METRIC_P90 : ASP_METRIC_MEAN;
		struct asp_comparison *from_runs = asp_compare((const struct asp_result *const *)&r[0], 1,
							       (const struct asp_result *const *)&r[1], 1, rules);
		struct asp_comparison *from_sums = asp_compare((const struct asp_result *const *)&b[0], 1,
							       (const struct asp_result *const *)&b[1], 1, rules);
		CHECK_U64(from_sums->nrows, from_runs->nrows);
		for (size_t i = 0; i < from_runs->nrows && i < from_sums->nrows; i++) {
			const struct asp_cmp_row *x = &from_runs->rows[i], *y = &from_sums->rows[i];
			CHECK_STR(y->name, x->name);
			CHECK(y->verdict == x->verdict);
			CHECK(y->metric_base == x->metric_base && y->metric_new == x->metric_new);
			CHECK(y->ratio_lo == x->ratio_lo && y->ratio_hi == x->ratio_hi);
			CHECK(y->p_value == x->p_value);
			CHECK_STR(y->reason, x->reason);
		}
		/* the binned worker did regress, x1.6 */
		const struct asp_cmp_row *w = &from_sums->rows[from_sums->nrows - 1];
		CHECK_STR(w->name, WORKER_ROOT);
		CHECK(w->verdict == ASP_V_REGRESSED);
		CHECK_U64(from_sums->nnew_findings, from_runs->nnew_findings);
		asp_comparison_free(from_runs);
		asp_comparison_free(from_sums);
	}
	for (int s = 0; s < 2; s++) {
		free(text[s]);
		free(again[s]);
		asp_result_free(b[s]);
	}
out:
	asp_result_free(r[0]);
	asp_result_free(r[1]);
	asp_rules_free(rules);
	tap_rmdir(dir);
	free(dir);
}

int main(void)
{
	return tap_run((struct tap_case[]){
		CASE(chrome_layout),
		CASE(chrome_offcpu),
		CASE(chrome_waits),
		CASE(chrome_victims_of_nested),
		CASE(chrome_abort_and_errors),
		CASE(summary_json),
		CASE(summary_tasks_print_as_json_c),
		CASE(summary_read_back),
		CASE(text_summary),
		CASE(outfile_commit_replaces_only_at_commit),
		CASE(outfile_abort_keeps_old),
		CASE(outfile_direct),
		CASE(outfile_write_error),
		CASE(outfile_not_a_directory),
		CASE(mkdir_p_creates_parents),
		CASE(outfile_unwritable_directory),
		CASE(show_hostile_text),
		{ 0 },
	});
}
