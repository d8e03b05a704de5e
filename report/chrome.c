/* chrome.c - trace.json in the Chrome Trace Event Format (object form),
 * for Chromium DevTools' Performance panel and Perfetto. Events are written
 * as spans arrive.
 *
 * One process, the program's (pid from task.txt, given by the sink's begin
 * before any span), named after the executable. Viewers print the pid after
 * a process name and the tid after a track name, so both are true:
 *
 *   tid = task id     a track per task, named "task N: <root future>", its
 *                     polls and the nested future polls below them (0: polls
 *                     outside any task), and before a poll its wait, when
 *                     the wake or spawn that caused it was recorded
 *   tid = OS tid      a track per OS thread ("main thread", "OS thread"),
 *                     the same polls, with flow arrows where a task moved to
 *                     another thread between polls, and from each blocking
 *                     poll to the delayed polls of its victims (the tasks
 *                     that waited behind it, written with the findings);
 *                     a 1 ns mark where a thread woke or spawned a task,
 *                     with an arrow from it to the poll that followed
 *
 * Every poll is a complete ("X") event. A blocking poll (a finding) is held
 * until the end, when the findings are known: its name says so ("BLOCKING
 * 150.3 ms: <future>") and its args carry the finding (rule, severity,
 * threshold, what was measured, what it was doing, culprit). Only what
 * Chromium's DevTools Performance panel shows is used (docs/trace-viewers.md):
 * no colour names (viewers colour by name), no "i" instants, no sort
 * indexes; migration flow phases are bound to the polls (same ts, pid, tid
 * and cat); two global "I" instants at 1 ns and at the end make viewers
 * start the timeline at the recording's start, so times read as in
 * summary.json. The times a thread was switched out inside a poll (the
 * sink's offcpu) are "blocked" and "preempted" slices on its thread's
 * track, held until the innermost poll around them returns and cut to it,
 * so they nest under it.
 *
 * A task poll's wait (the span's woken_ns or spawned_ns to its start, of
 * at least WAIT_MIN_NS) is a "scheduled 22.26 ms (woken by thread 4242)"
 * or "waiting since spawn ..." slice (cat "scheduling") on the poll's lane,
 * its args the waker's or spawner's tid, the wait and, for a wake, the
 * part the thread waited for a CPU. When that thread is known, a 1 ns
 * "wakes task N" (or "spawns task N") slice on its track at the wake, the
 * arrow's start: a flow phase binds only to a slice starting at its ts
 * there, and the waker may be a thread polling nothing. Mark, arrow and
 * poll share the poll's cat ("task_poll"): DevTools pairs the phases by
 * cat, name and id.
 *
 * Complete events on one track must nest. Spans of one OS thread do, but a
 * task id can be polled on two threads at once (tasks counted per type, or
 * task 0), so a task's spans are held per OS thread until their outermost poll
 * (level 0) returns; then the whole poll tree goes to the first lane of its
 * task that is free at its start, or at its wait's start when it has one
 * (the wait ends where the poll starts: the two share the lane). Lane 0
 * is tid = task id; extra lanes (one task id counts several tasks polled
 * at the same time), and a task whose id is also an OS thread's tid, take
 * numbers counted down from INT32_MAX, no thread's or task's, and their
 * names end in "track id" so that the number the viewer prints after it
 * reads as what it is.
 *
 * The events (two or more per poll, two per task and lane) are formatted by
 * hand (json.h's line buffer), byte for byte as json-c prints them
 * (JSON_C_TO_STRING_PLAIN):
 * building json-c objects for them cost more than the whole analysis.
 * json-c writes the closing otherData. */
#include "report.h"
#include "json.h"
#include "outfile.h"
#include "analysis/map.h"
#include "analysis/util.h"

#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* the pid when the recording does not say (the name says so) */
#define PID_UNKNOWN 1

/* waits (wake or spawn to poll) shorter than this are not drawn: below
 * tokio-metrics' default long_delay (50 µs) a wait is the executor's turn
 * between polls even uninstrumented; a self-woken task polled again at
 * once would draw a slice and an arrow per poll (docs/trace-viewers.md) */
#define WAIT_MIN_NS 50000

struct lane {
	uint64_t end;
	int64_t tid;
};

struct task_state {
	bool seen, polled;     /* any span; a task poll (for flows) */
	int last_tid;          /* OS thread of the previous task poll */
	uint64_t last_start, last_end;
	struct lane *lanes;
	size_t nlanes;
};

/* a span held until its poll tree is complete */
struct pending {
	struct asp_span s;     /* name, culprit and srcline point into c->names */
	uint32_t name;         /* the name's index in c->names */
	size_t tail;           /* its event from "ts" on, in the thread's tails */
	size_t tail_len;
};

/* formatted events not yet written (json.h): handed to the file a block
 * at a time */
#define LINE_FLUSH ASP_OUTFILE_BLOCK
#define LINE_CAP (2 * ASP_OUTFILE_BLOCK)

/* an interned name, and its JSON form (quoted, escaped) */
struct name_json {
	char *s;
	size_t len;
};

#define NAME_CACHE_SIZE 256

/* a time the thread was switched out, held until the innermost poll
 * around it returns (then it is drawn inside that poll) */
struct offcpu {
	uint64_t start, end;
	uint32_t where;        /* interned, UINT32_MAX: not known */
	uint32_t task;
	bool preempted;
};

struct thread_state {
	int tid;
	struct pending *v;
	size_t n, cap;
	struct asp_json_line tails; /* of the pending spans, in order */
	struct offcpu *off;         /* in the polls still open, in time order */
	size_t noff, capoff;
	uint64_t last_end;          /* the end of the last poll that returned */
};

/* Spans are formatted and written on a thread of their own, fed in blocks
 * through a bounded FIFO, so the analysis and the trace writing overlap;
 * one consumer in arrival order keeps the output byte for byte the same. */
#define SPAN_BLOCK 2048
#define SPAN_QUEUE 8
struct span_item {
	bool offcpu;           /* o, else s */
	union {
		struct asp_span s;
		struct asp_offcpu o;
	};
};
struct span_block {
	struct span_item v[SPAN_BLOCK];
	size_t n;
};

struct span_queue {
	pthread_t worker;
	bool running, stop;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct span_block *q[SPAN_QUEUE]; /* ring of full blocks */
	size_t head, count;
	bool busy;                        /* the worker is writing a block */
	struct span_block *filling;       /* the producer's block */
	struct span_block *spare;         /* a written block, for reuse */
};

/* a blocking poll's event, written at the end with its finding */
struct held {
	struct asp_span s;     /* name, culprit and srcline point into c->names */
	int pid;
	int64_t tid;
};

struct asp_chrome {
	struct span_queue sq;
	int pid;                  /* the program's, PID_UNKNOWN if not recorded */
	bool pid_known;
	int *os_tids;             /* the recording's threads, ascending */
	size_t nos_tids;
	int64_t next_track;       /* the next extra track's tid, counting down */
	struct held *held;
	size_t nheld, capheld;
	struct asp_outfile *out;
	bool first;
	uint64_t flow_id;
	struct task_state *tasks; /* indexed by task id */
	size_t ntasks;
	struct thread_state *threads;
	size_t nthreads, cap_threads;
	size_t *thread_index;     /* open addressing: index + 1, 0 = empty */
	size_t index_cap;
	struct asp_json_line line;
	/* copies of the names of pending spans, interned; the cache maps the
	 * caller's pointer to its copy (checked by strcmp) to skip the hash */
	struct asp_strtab names;
	struct name_json *json;   /* by index in names */
	size_t json_cap;
	struct { const char *ptr; uint32_t idx; } name_cache[NAME_CACHE_SIZE];
};

/* ---------------------------------------------------------------- formatting */

/* the whole blocks of c->line go to the file straight from it (its buffer
 * is asp_outfile_block_buffer's until a huge event grows it); the rest stays */
static void l_flush(struct asp_chrome *c)
{
	struct asp_json_line *l = &c->line;
	size_t done = asp_outfile_write_blocks(c->out, l->p, l->n);
	memmove(l->p, l->p + done, l->n - done);
	l->n -= done;
}

/* the rest, at the end */
static void l_flush_all(struct asp_chrome *c)
{
	if (c->line.n)
		asp_outfile_write(c->out, c->line.p, c->line.n);
	c->line.n = 0;
}

/* starts an event: ph, name (if any; already in JSON form when name_len is
 * not 0), pid, tid, ts */
static void l_event(struct asp_chrome *c, const char *ph, const char *name, size_t name_len,
		    int pid, int64_t tid, uint64_t ts_ns)
{
	struct asp_json_line *l = &c->line;
	if (c->first)
		asp_jl_lit(l, "\n{\"ph\":");
	else
		asp_jl_lit(l, ",\n{\"ph\":");
	c->first = false;
	asp_jl_str(l, ph);
	if (name) {
		asp_jl_lit(l, ",\"name\":");
		if (name_len)
			asp_jl_raw(l, name, name_len);
		else
			asp_jl_str(l, name);
	}
	asp_jl_lit(l, ",\"pid\":");
	asp_jl_i64(l, pid);
	asp_jl_lit(l, ",\"tid\":");
	asp_jl_i64(l, tid);
	asp_jl_lit(l, ",\"ts\":");
	asp_jl_us(l, ts_ns);
}

static void l_emit(struct asp_chrome *c)
{
	asp_jl_lit(&c->line, "}");
	if (c->line.n >= LINE_FLUSH)
		l_flush(c);
}

/* the index of a copy of s in c->names, with its JSON form */
static uint32_t intern(struct asp_chrome *c, const char *s)
{
	size_t h = (size_t)(((uintptr_t)s * 0x9E3779B97F4A7C15ULL) >> 56) % NAME_CACHE_SIZE;
	if (c->name_cache[h].ptr == s && !strcmp(c->names.names[c->name_cache[h].idx], s))
		return c->name_cache[h].idx;
	bool added;
	uint32_t k = asp_strtab_intern(&c->names, s, &added);
	if (added) {
		if (k >= c->json_cap) {
			c->json_cap = c->json_cap ? c->json_cap * 2 : 64;
			c->json = xreallocarray(c->json, c->json_cap, sizeof(*c->json));
		}
		struct asp_json_line tmp = { 0 };
		asp_jl_str(&tmp, s);
		c->json[k].s = tmp.p;
		c->json[k].len = tmp.n;
	}
	c->name_cache[h].ptr = s;
	c->name_cache[h].idx = k;
	return k;
}

static struct task_state *task_state(struct asp_chrome *c, uint32_t id)
{
	if (id >= c->ntasks) {
		size_t n = c->ntasks ? c->ntasks : 16;
		while (n <= id)
			n *= 2;
		c->tasks = xreallocarray(c->tasks, n, sizeof(*c->tasks));
		memset(c->tasks + c->ntasks, 0, (n - c->ntasks) * sizeof(*c->tasks));
		c->ntasks = n;
	}
	return &c->tasks[id];
}

static void index_insert(struct asp_chrome *c, int tid, size_t i)
{
	size_t mask = c->index_cap - 1;
	size_t h = asp_hash_u64((uint64_t)(uint32_t)tid) & mask;
	while (c->thread_index[h])
		h = (h + 1) & mask;
	c->thread_index[h] = i + 1;
}

static struct thread_state *thread_state(struct asp_chrome *c, int tid)
{
	if (c->index_cap) {
		size_t mask = c->index_cap - 1;
		size_t h = asp_hash_u64((uint64_t)(uint32_t)tid) & mask;
		for (; c->thread_index[h]; h = (h + 1) & mask)
			if (c->threads[c->thread_index[h] - 1].tid == tid)
				return &c->threads[c->thread_index[h] - 1];
	}
	if (c->nthreads == c->cap_threads) {
		c->cap_threads = c->cap_threads ? c->cap_threads * 2 : 8;
		c->threads = xreallocarray(c->threads, c->cap_threads, sizeof(*c->threads));
	}
	if ((c->nthreads + 1) * 2 > c->index_cap) {
		free(c->thread_index);
		c->index_cap = c->index_cap ? c->index_cap * 2 : 16;
		c->thread_index = xcalloc(c->index_cap, sizeof(*c->thread_index));
		for (size_t i = 0; i < c->nthreads; i++)
			index_insert(c, c->threads[i].tid, i);
	}
	struct thread_state *t = &c->threads[c->nthreads];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	index_insert(c, tid, c->nthreads++);
	return t;
}

/* the names every span's tail has, quoted: its kind (or task_poll), by
 * index, padded for a fixed-size copy */
struct qname {
	char q[40];
	size_t n;
};
enum { Q_TASK_POLL = ASP_FK_COMBINATOR + 1, Q_UNKNOWN, NKINDS };
static struct qname q_kinds[NKINDS];

static void qname_set(struct qname *q, const char *s)
{
	size_t n = strlen(s);
	q->q[0] = '"';
	memcpy(q->q + 1, s, n); /* identifiers: nothing to escape */
	q->q[n + 1] = '"';
	q->n = n + 2;
}

static void qnames_init(void)
{
	for (int k = 0; k < Q_TASK_POLL; k++)
		qname_set(&q_kinds[k], asp_future_kind_name((enum asp_future_kind)k));
	qname_set(&q_kinds[Q_TASK_POLL], "task_poll");
	qname_set(&q_kinds[Q_UNKNOWN], "unknown"); /* asp_future_kind_name of no kind */
}

static char *put_qname(char *p, const struct qname *q)
{
	memcpy(p, q->q, sizeof(q->q));
	return p + q->n;
}

/* appends a span's event from "ts" on (the same on both tracks) to l */
static void span_tail(struct asp_chrome *c, struct asp_json_line *l, const struct asp_span *s)
{
	/* one reserve: numbers take 20-24 bytes, quoted names 40 (fixed-size
	 * copies) */
	asp_jl_reserve(l, 320);
	char *p = l->p + l->n;
	uint64_t dur = s->end_ns > s->start_ns ? s->end_ns - s->start_ns : 0;
	p = asp_put_lit(p, "\"ts\":");
	p = asp_put_us(p, s->start_ns);
	p = asp_put_lit(p, ",\"dur\":");
	p = asp_put_us(p, dur);
	p = asp_put_lit(p, ",\"cat\":");
	size_t k = (unsigned)s->kind < Q_TASK_POLL ? (size_t)s->kind : Q_UNKNOWN;
	p = put_qname(p, &q_kinds[s->is_task_poll ? Q_TASK_POLL : k]);
	p = asp_put_lit(p, ",\"args\":{\"task\":");
	p = asp_put_u64(p, s->task);
	p = asp_put_lit(p, ",\"tid\":");
	p = asp_put_i64(p, s->tid);
	p = asp_put_lit(p, ",\"kind\":");
	p = put_qname(p, &q_kinds[k]);
	p = asp_put_lit(p, ",\"level\":");
	p = asp_put_u64(p, s->level);
	l->n = (size_t)(p - l->p);
	if (s->srcline) { /* where the future starts in the source: quoted once */
		uint32_t si = intern(c, s->srcline);
		asp_jl_lit(l, ",\"src\":");
		asp_jl_raw(l, c->json[si].s, c->json[si].len);
	}
	asp_jl_lit(l, "}}");
}

/* a blocking poll: held until its finding is known (asp_chrome_finish) */
static void hold_blocking(struct asp_chrome *c, const struct asp_span *s, uint32_t name, int pid,
			  int64_t tid)
{
	if (c->nheld == c->capheld) {
		c->capheld = c->capheld ? c->capheld * 2 : 16;
		c->held = xreallocarray(c->held, c->capheld, sizeof(*c->held));
	}
	struct held *h = &c->held[c->nheld++];
	h->s = *s;
	h->s.name = name == UINT32_MAX ? NULL : c->names.names[name];
	h->s.culprit = s->culprit ? c->names.names[intern(c, s->culprit)] : NULL;
	/* the span's strings are the sink's until it returns: kept here */
	h->s.srcline = s->srcline ? c->names.names[intern(c, s->srcline)] : NULL;
	h->pid = pid;
	h->tid = tid;
}

/* the span's event on track (pid, tid): name is the interned s->name,
 * UINT32_MAX when it is NULL; tail from span_tail() */
static void write_span(struct asp_chrome *c, const struct asp_span *s, uint32_t name, int pid,
		       int64_t tid, const char *tail, size_t tail_len)
{
	struct asp_json_line *l = &c->line;
	if (s->blocking != ASP_SEV_NONE) {
		hold_blocking(c, s, name, pid, tid);
		return;
	}
	size_t name_len = name == UINT32_MAX ? 0 : c->json[name].len;
	asp_jl_reserve(l, 80 + name_len + tail_len);
	char *p = l->p + l->n;
	if (c->first)
		p = asp_put_lit(p, "\n{\"ph\":\"X\"");
	else
		p = asp_put_lit(p, ",\n{\"ph\":\"X\"");
	c->first = false;
	if (name != UINT32_MAX) {
		p = asp_put_lit(p, ",\"name\":");
		p = asp_put_raw(p, c->json[name].s, name_len);
	}
	p = asp_put_lit(p, ",\"pid\":");
	p = asp_put_i64(p, pid);
	p = asp_put_lit(p, ",\"tid\":");
	p = asp_put_i64(p, tid);
	*p++ = ',';
	p = asp_put_raw(p, tail, tail_len);
	l->n = (size_t)(p - l->p);
	if (l->n >= LINE_FLUSH)
		l_flush(c);
}

/* a flow arrow named name (no quoting needed) from the slice starting at
 * from_ts on track from_tid, of cat from_cat (quoted), to the task poll
 * starting at to_ts on track to_tid: DevTools binds a flow phase to the
 * event of the same ts, pid, tid and cat; Perfetto to the slice open there */
static void write_flow_pair(struct asp_chrome *c, const char *name, int64_t from_tid,
			    uint64_t from_ts, const struct qname *from_cat, int64_t to_tid,
			    uint64_t to_ts)
{
	struct asp_json_line *l = &c->line;
	uint64_t id = ++c->flow_id;
	l_event(c, "s", name, 0, c->pid, from_tid, from_ts);
	asp_jl_lit(l, ",\"cat\":");
	asp_jl_raw(l, from_cat->q, from_cat->n);
	asp_jl_lit(l, ",\"id\":");
	asp_jl_u64(l, id);
	l_emit(c);
	l_event(c, "f", name, 0, c->pid, to_tid, to_ts);
	asp_jl_lit(l, ",\"cat\":\"task_poll\",\"id\":");
	asp_jl_u64(l, id);
	asp_jl_lit(l, ",\"bp\":\"e\"");
	l_emit(c);
}

/* a task moved: from the start of its previous poll to this one's */
static void write_flow(struct asp_chrome *c, struct task_state *t, const struct asp_span *s)
{
	char name[48];
	snprintf(name, sizeof(name), "task %" PRIu32 " moved", s->task);
	write_flow_pair(c, name, t->last_tid, t->last_start, &q_kinds[Q_TASK_POLL], s->tid,
			s->start_ns);
}

static int int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return x < y ? -1 : x > y;
}

static bool is_os_tid(const struct asp_chrome *c, int64_t tid)
{
	if (tid < INT_MIN || tid > INT_MAX || !c->nos_tids)
		return false;
	int key = (int)tid;
	return bsearch(&key, c->os_tids, c->nos_tids, sizeof(key), int_cmp) != NULL;
}

/* lane i of task: tid = task id for the first unless an OS thread has it;
 * the others counted down from INT32_MAX, past the OS threads' tids */
static int64_t new_lane_tid(struct asp_chrome *c, uint32_t task, size_t i)
{
	if (i == 0 && !is_os_tid(c, task))
		return task;
	while (is_os_tid(c, c->next_track))
		c->next_track--;
	return c->next_track--;
}

static void add_lane(struct asp_chrome *c, struct task_state *t, uint32_t task)
{
	size_t i = t->nlanes;
	t->lanes = xreallocarray(t->lanes, ++t->nlanes, sizeof(*t->lanes));
	t->lanes[i].end = 0;
	t->lanes[i].tid = new_lane_tid(c, task, i);
}

/* the first lane of the task free at start; a new one when none is */
static int64_t lane_tid(struct asp_chrome *c, uint32_t task, uint64_t start, uint64_t end)
{
	struct task_state *t = task_state(c, task);
	size_t i = 0;
	while (i < t->nlanes && t->lanes[i].end > start)
		i++;
	if (i == t->nlanes)
		add_lane(c, t, task);
	if (end > t->lanes[i].end)
		t->lanes[i].end = end;
	return t->lanes[i].tid;
}

/* the first pending span of the poll tree that ends with span `last`:
 * its descendants returned before it and lie within it */
static size_t tree_start(const struct thread_state *th, size_t last)
{
	const struct asp_span *root = &th->v[last].s;
	size_t from = last;
	while (from > 0 && th->v[from - 1].s.start_ns >= root->start_ns &&
	       th->v[from - 1].s.end_ns <= root->end_ns)
		from--;
	return from;
}

/* what a task poll waited for before it started: a wake, a spawn */
struct wait {
	bool spawn;
	uint64_t since;        /* relative, before the poll's start */
	int by_tid;            /* the waker's or spawner's thread, 0: not known */
};

/* the waits drawn before task poll s, into w (at most 2): those of at
 * least WAIT_MIN_NS */
static size_t span_waits(const struct asp_span *s, struct wait *w)
{
	size_t n = 0;
	if (!s->is_task_poll)
		return 0;
	if (s->woken && s->start_ns > s->woken_ns && s->start_ns - s->woken_ns >= WAIT_MIN_NS)
		w[n++] = (struct wait){ false, s->woken_ns, s->waker_tid > 0 ? s->waker_tid : 0 };
	if (s->spawned && s->start_ns > s->spawned_ns && s->start_ns - s->spawned_ns >= WAIT_MIN_NS)
		w[n++] = (struct wait){ true, s->spawned_ns, s->spawner_tid > 0 ? s->spawner_tid : 0 };
	return n;
}

/* "3.25 ms" from 1 ms on, else "250 µs" */
static void format_wait(char *buf, size_t size, uint64_t ns)
{
	if (ns >= 1000000)
		snprintf(buf, size, "%.2f ms", (double)ns / 1e6);
	else
		snprintf(buf, size, "%" PRIu64 " \u00b5s", ns / 1000);
}

/* task poll s's wait w: a slice on the poll's track (lane) from the wake
 * or spawn to the poll's start */
static void write_wait(struct asp_chrome *c, const struct asp_span *s, const struct wait *w,
		       int64_t lane)
{
	struct asp_json_line *l = &c->line;
	char len[32], by[40] = "", name[128];
	uint64_t dur = s->start_ns - w->since;
	format_wait(len, sizeof(len), dur);
	if (w->by_tid)
		snprintf(by, sizeof(by), w->spawn ? " (spawned on thread %d)" : " (woken by thread %d)",
			 w->by_tid);
	snprintf(name, sizeof(name), "%s %s%s", w->spawn ? "waiting since spawn" : "scheduled", len,
		 by);
	l_event(c, "X", name, 0, c->pid, lane, w->since);
	asp_jl_lit(l, ",\"dur\":");
	asp_jl_us(l, dur);
	asp_jl_lit(l, ",\"cat\":\"scheduling\",\"args\":{\"task\":");
	asp_jl_u64(l, s->task);
	if (w->spawn)
		asp_jl_lit(l, ",\"since\":\"spawn\"");
	else
		asp_jl_lit(l, ",\"since\":\"wake\"");
	if (w->by_tid && w->spawn)
		asp_jl_lit(l, ",\"spawner_tid\":");
	else if (w->by_tid)
		asp_jl_lit(l, ",\"waker_tid\":");
	if (w->by_tid)
		asp_jl_i64(l, w->by_tid);
	asp_jl_lit(l, ",\"wait_us\":");
	asp_jl_us(l, dur);
	if (!w->spawn && s->woken_cpu_known) {
		asp_jl_lit(l, ",\"cpu_wait_us\":");
		asp_jl_us(l, s->woken_cpu_ns < dur ? s->woken_cpu_ns : dur);
	}
	asp_jl_lit(l, "}");
	l_emit(c);
}

/* a 1 ns slice named name on track tid at ts, in the task polls' cat:
 * where a flow that ends at a task poll starts (DevTools pairs a flow's
 * phases by cat, and binds each to an event of that cat) */
static void write_flow_mark(struct asp_chrome *c, const char *name, int64_t tid, uint64_t ts,
		       uint32_t task)
{
	struct asp_json_line *l = &c->line;
	l_event(c, "X", name, 0, c->pid, tid, ts);
	asp_jl_lit(l, ",\"dur\":0.001,\"cat\":\"task_poll\",\"args\":{\"task\":");
	asp_jl_u64(l, task);
	asp_jl_lit(l, "}");
	l_emit(c);
}

/* where wait w began, when its thread is known: a 1 ns mark on that
 * thread's track, and an arrow from it to task poll s on its lane. All
 * four in the poll's cat: DevTools pairs flow phases by cat, name and id,
 * and binds each to the event of the same cat, ts, pid and tid. Written
 * after the poll (and the s after the mark): Perfetto binds a phase to the
 * slice open on the track */
static void write_wake(struct asp_chrome *c, const struct asp_span *s, const struct wait *w,
		       int64_t lane)
{
	if (!w->by_tid)
		return;
	char name[64];
	snprintf(name, sizeof(name), "%s task %" PRIu32, w->spawn ? "spawns" : "wakes", s->task);
	write_flow_mark(c, name, w->by_tid, w->since, s->task);
	snprintf(name, sizeof(name), "task %" PRIu32 " %s", s->task, w->spawn ? "spawned" : "woken");
	write_flow_pair(c, name, w->by_tid, w->since, &q_kinds[Q_TASK_POLL], lane, s->start_ns);
}

/* writes pending spans [from, last] on their task's lane, last is the root;
 * a task poll's waits go before it on the same lane (free from the first) */
static void write_tree(struct asp_chrome *c, struct thread_state *th, size_t from, size_t last)
{
	const struct asp_span *root = &th->v[last].s;
	struct wait w[2];
	size_t nw = span_waits(root, w);
	uint64_t busy_from = root->start_ns;
	for (size_t i = 0; i < nw; i++)
		if (w[i].since < busy_from)
			busy_from = w[i].since;
	int64_t root_tid = lane_tid(c, root->task, busy_from, root->end_ns);
	for (size_t i = 0; i < nw; i++)
		write_wait(c, root, &w[i], root_tid);
	for (size_t i = from; i <= last; i++) {
		const struct asp_span *s = &th->v[i].s;
		int64_t tid = s->task == root->task ? root_tid
						    : lane_tid(c, s->task, s->start_ns, s->end_ns);
		write_span(c, s, th->v[i].name, c->pid, tid, th->tails.p + th->v[i].tail,
			   th->v[i].tail_len);
	}
	for (size_t i = 0; i < nw; i++)
		write_wake(c, root, &w[i], root_tid);
}

/* at the end: trees whose level-0 poll never came (a truncated recording),
 * split at their outermost spans and written in time order */
static void flush_thread(struct asp_chrome *c, struct thread_state *th)
{
	size_t *roots = xreallocarray(NULL, th->n + 1, sizeof(*roots)), nroots = 0;
	for (size_t last = th->n; last > 0;) {
		roots[nroots++] = last - 1;
		last = tree_start(th, last - 1);
	}
	for (size_t i = nroots; i > 0; i--) {
		size_t root = roots[i - 1];
		write_tree(c, th, tree_start(th, root), root);
	}
	free(roots);
	th->n = 0;
	th->tails.n = 0;
}

/* an off-CPU time on its thread's track, from start to end */
static void write_offcpu(struct asp_chrome *c, int tid, const struct offcpu *o, uint64_t start,
			 uint64_t end)
{
	struct asp_json_line *l = &c->line;
	l_event(c, "X", o->preempted ? "preempted" : "blocked", 0, c->pid, tid, start);
	asp_jl_lit(l, ",\"dur\":");
	asp_jl_us(l, end - start);
	asp_jl_lit(l, ",\"cat\":\"offcpu\",\"args\":{\"task\":");
	asp_jl_u64(l, o->task);
	if (o->where != UINT32_MAX) {
		asp_jl_lit(l, ",\"where\":");
		asp_jl_raw(l, c->json[o->where].s, c->json[o->where].len);
	}
	asp_jl_lit(l, "}");
	l_emit(c);
}

/* the thread was switched out: held until the poll around it returns */
static void handle_offcpu(struct asp_chrome *c, const struct asp_offcpu *o)
{
	struct thread_state *th = thread_state(c, o->tid);
	/* inside the poll open now: after the last one that returned (the
	 * two clocks may disagree by a little) */
	uint64_t start = o->start_ns > th->last_end ? o->start_ns : th->last_end;
	if (o->end_ns <= start)
		return;
	if (th->noff == th->capoff) {
		th->capoff = th->capoff ? th->capoff * 2 : 8;
		th->off = xreallocarray(th->off, th->capoff, sizeof(*th->off));
	}
	th->off[th->noff++] = (struct offcpu){
		.start = start, .end = o->end_ns, .task = o->task, .preempted = o->preempted,
		.where = o->where ? intern(c, o->where) : UINT32_MAX,
	};
}

/* Span s of thread th returned: the off-CPU times held that overlap it
 * happened inside it, and inside none of its children (those returned
 * before and took theirs): drawn cut to s, so they nest under it. An
 * outermost poll also lets go of the times before it, which no poll
 * encloses. */
static void offcpu_in_span(struct asp_chrome *c, struct thread_state *th, const struct asp_span *s)
{
	bool outermost = s->level == 0 || s->is_task_poll;
	size_t keep = 0;
	for (size_t i = 0; i < th->noff; i++) {
		const struct offcpu *o = &th->off[i];
		if (o->end > s->start_ns && o->start < s->end_ns) {
			uint64_t from = o->start > s->start_ns ? o->start : s->start_ns;
			uint64_t to = o->end < s->end_ns ? o->end : s->end_ns;
			if (to > from)
				write_offcpu(c, th->tid, o, from, to);
		} else if (outermost && o->end <= s->start_ns) {
			write_offcpu(c, th->tid, o, o->start, o->end);
		} else {
			th->off[keep++] = *o;
		}
	}
	th->noff = keep;
	if (s->end_ns > th->last_end)
		th->last_end = s->end_ns;
}

static void handle_span(void *ctx, const struct asp_span *s)
{
	struct asp_chrome *c = ctx;
	struct task_state *t = task_state(c, s->task);
	t->seen = true;

	/* the threads that woke or spawned it have tracks (named at the end):
	 * before th, which a new thread may move */
	struct wait w[2];
	for (size_t i = 0, n = span_waits(s, w); i < n; i++)
		if (w[i].by_tid)
			thread_state(c, w[i].by_tid);

	/* the event from "ts" on is the same on both tracks: formatted once,
	 * kept with the pending span */
	struct thread_state *th = thread_state(c, s->tid);
	offcpu_in_span(c, th, s);
	size_t tail = th->tails.n;
	span_tail(c, &th->tails, s);
	size_t tail_len = th->tails.n - tail;

	/* the thread's track: spans of one thread nest, so they go out at once */
	uint32_t name = intern(c, s->name ? s->name : "?");
	write_span(c, s, s->name ? name : UINT32_MAX, c->pid, s->tid, th->tails.p + tail,
		   tail_len);
	if (s->is_task_poll) {
		/* overlapping polls of one task id are two tasks counted as one,
		 * not a migration */
		if (t->polled && t->last_tid != s->tid && s->start_ns >= t->last_end)
			write_flow(c, t, s);
		t->polled = true;
		t->last_tid = s->tid;
		t->last_start = s->start_ns;
		t->last_end = s->end_ns;
	}

	/* the task's track: hold until the poll tree is complete */
	if (th->n == th->cap) {
		th->cap = th->cap ? th->cap * 2 : 16;
		th->v = xreallocarray(th->v, th->cap, sizeof(*th->v));
	}
	struct pending *p = &th->v[th->n++];
	p->s = *s;
	p->name = name;
	p->tail = tail;
	p->tail_len = tail_len;
	p->s.name = c->names.names[name];
	p->s.culprit = s->culprit ? c->names.names[intern(c, s->culprit)] : NULL;
	if (s->level == 0 || s->is_task_poll) {
		size_t from = tree_start(th, th->n - 1);
		write_tree(c, th, from, th->n - 1);
		th->n = from;
		th->tails.n = from ? th->v[from].tail : 0; /* the later ones were written */
	}
}

/* writes a block's items, in order, and empties it */
static void handle_block(struct asp_chrome *c, struct span_block *b)
{
	for (size_t i = 0; i < b->n; i++) {
		if (b->v[i].offcpu)
			handle_offcpu(c, &b->v[i].o);
		else
			handle_span(c, &b->v[i].s);
	}
	b->n = 0;
}

static void *span_worker(void *arg)
{
	struct asp_chrome *c = arg;
	struct span_queue *q = &c->sq;
	pthread_setname_np(pthread_self(), "asprof-trace");
	pthread_mutex_lock(&q->lock);
	for (;;) {
		while (!q->count && !q->stop)
			pthread_cond_wait(&q->changed, &q->lock);
		if (!q->count)
			break;
		struct span_block *b = q->q[q->head];
		q->head = (q->head + 1) % SPAN_QUEUE;
		q->count--;
		q->busy = true;
		pthread_cond_broadcast(&q->changed);
		pthread_mutex_unlock(&q->lock);
		handle_block(c, b);
		pthread_mutex_lock(&q->lock);
		q->busy = false;
		if (!q->spare)
			q->spare = b;
		else
			free(b);
		pthread_cond_broadcast(&q->changed);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

/* hand the filling block to the worker (or write it here without one) */
static void queue_push(struct asp_chrome *c)
{
	struct span_queue *q = &c->sq;
	struct span_block *b = q->filling;
	if (!b || !b->n)
		return;
	if (!q->running) {
		handle_block(c, b);
		return;
	}
	pthread_mutex_lock(&q->lock);
	while (q->count == SPAN_QUEUE)
		pthread_cond_wait(&q->changed, &q->lock);
	q->q[(q->head + q->count) % SPAN_QUEUE] = b;
	q->count++;
	q->filling = q->spare;
	q->spare = NULL;
	pthread_cond_broadcast(&q->changed);
	pthread_mutex_unlock(&q->lock);
}

/* the next item of the filling block; full blocks go to the worker */
static struct span_item *queue_item(struct asp_chrome *c)
{
	struct span_queue *q = &c->sq;
	if (q->filling && q->filling->n == SPAN_BLOCK)
		queue_push(c);
	if (!q->filling)
		q->filling = xcalloc(1, sizeof(*q->filling));
	return &q->filling->v[q->filling->n++];
}

/* before any span (the worker has nothing yet) */
static void on_begin(void *ctx, int pid, const int *tids, size_t ntids)
{
	struct asp_chrome *c = ctx;
	free(c->os_tids);
	c->os_tids = xreallocarray(NULL, ntids + 1, sizeof(*tids));
	if (ntids)
		memcpy(c->os_tids, tids, ntids * sizeof(*tids));
	c->nos_tids = ntids;
	asp_qsort(c->os_tids, ntids, sizeof(*tids), int_cmp);
	c->pid_known = pid > 0;
	c->pid = pid > 0 ? pid : PID_UNKNOWN;
}

static void on_span(void *ctx, const struct asp_span *s)
{
	struct span_item *it = queue_item(ctx);
	it->offcpu = false;
	it->s = *s;
}

/* off-CPU times go through the same queue: in order with the spans */
static void on_offcpu(void *ctx, const struct asp_offcpu *o)
{
	struct span_item *it = queue_item(ctx);
	it->offcpu = true;
	it->o = *o;
}

/* every span handed over is written (the worker stays for more) */
static void on_flush(void *ctx)
{
	struct asp_chrome *c = ctx;
	struct span_queue *q = &c->sq;
	queue_push(c);
	if (!q->running)
		return;
	pthread_mutex_lock(&q->lock);
	while (q->count || q->busy)
		pthread_cond_wait(&q->changed, &q->lock);
	pthread_mutex_unlock(&q->lock);
}

static void queue_stop(struct asp_chrome *c)
{
	struct span_queue *q = &c->sq;
	if (q->running) {
		pthread_mutex_lock(&q->lock);
		q->stop = true;
		pthread_cond_broadcast(&q->changed);
		pthread_mutex_unlock(&q->lock);
		pthread_join(q->worker, NULL);
		pthread_mutex_destroy(&q->lock);
		pthread_cond_destroy(&q->changed);
		q->running = false;
	}
	free(q->filling);
	free(q->spare);
	q->filling = q->spare = NULL;
}

struct asp_chrome *asp_chrome_open(const char *path, char **err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, qnames_init);
	struct asp_chrome *c = xcalloc(1, sizeof(*c));
	c->out = asp_outfile_open_direct(path, err);
	if (!c->out) {
		free(c);
		return NULL;
	}
	c->first = true;
	c->pid = PID_UNKNOWN;
	c->next_track = INT32_MAX;
	c->line.p = asp_outfile_block_buffer(LINE_CAP);
	c->line.cap = LINE_CAP;
	asp_jl_lit(&c->line, "{\"traceEvents\":[");
	pthread_mutex_init(&c->sq.lock, NULL);
	pthread_cond_init(&c->sq.changed, NULL);
	c->sq.running = asp_thread_create(&c->sq.worker, span_worker, c) == 0;
	if (!c->sq.running) {
		pthread_mutex_destroy(&c->sq.lock);
		pthread_cond_destroy(&c->sq.changed);
	}
	return c;
}

struct asp_span_sink asp_chrome_sink(struct asp_chrome *c)
{
	return (struct asp_span_sink){ .ctx = c, .begin = on_begin, .span = on_span,
				       .offcpu = on_offcpu, .flush = on_flush };
}

static void chrome_free(struct asp_chrome *c)
{
	for (size_t i = 0; i < c->ntasks; i++)
		free(c->tasks[i].lanes);
	free(c->tasks);
	free(c->held);
	free(c->os_tids);
	for (size_t i = 0; i < c->nthreads; i++) {
		free(c->threads[i].v);
		free(c->threads[i].tails.p);
		free(c->threads[i].off);
	}
	free(c->threads);
	free(c->thread_index);
	free(c->line.p);
	for (size_t i = 0; i < c->names.n; i++)
		free(c->json[i].s);
	free(c->json);
	asp_strtab_free(&c->names);
	free(c);
}

/* a track's or the process's name (no viewer reads the sort indexes) */
static void meta(struct asp_chrome *c, const char *what, int64_t tid, const char *name)
{
	struct asp_json_line *l = &c->line;
	l_event(c, "M", what, 0, c->pid, tid, 0);
	asp_jl_lit(l, ",\"args\":{\"name\":");
	asp_jl_str(l, name);
	asp_jl_lit(l, "}");
	l_emit(c);
}

static const struct asp_task *find_task(const struct asp_result *r, uint32_t id)
{
	/* the analysis numbers tasks 1.. in order: once per task, O(1) */
	if (id >= 1 && id <= r->ntasks && r->tasks[id - 1].id == id)
		return &r->tasks[id - 1];
	for (size_t i = 0; i < r->ntasks; i++)
		if (r->tasks[i].id == id)
			return &r->tasks[i];
	return NULL;
}

static void task_metadata(struct asp_chrome *c, const struct asp_result *r, uint32_t id)
{
	const struct asp_task *task = find_task(r, id);
	struct task_state *t = task_state(c, id);
	if (!t->nlanes)
		add_lane(c, t, id);
	char *base;
	if (id == 0)
		base = xstrdup("no task (polls outside any task)");
	else if (task && task->is_main)
		base = xasprintf("task %" PRIu32 " (main): %s", id, task->root ? task->root : "?");
	else if (task)
		base = xasprintf("task %" PRIu32 ": %s", id, task->root ? task->root : "?");
	else
		base = xasprintf("task %" PRIu32, id);
	for (size_t lane = 0; lane < t->nlanes; lane++) {
		int64_t tid = t->lanes[lane].tid;
		/* the viewers print tid after the name: "track id" when it is no
		 * task id; a second lane is one id counting several tasks (of
		 * one root future) polled at the same time */
		char *name = tid == (int64_t)id ? xstrdup(base)
			: !lane ? xasprintf("%s \u00b7 track id", base)
			: id ? xasprintf("%s \u00b7 instance %zu at the same time (one id counts the "
					 "tasks of this root future) \u00b7 track id", base, lane + 1)
			     : xasprintf("%s \u00b7 at the same time on another thread \u00b7 track id",
					 base);
		meta(c, "thread_name", tid, name);
		free(name);
	}
	free(base);
}

static void write_mark(struct asp_chrome *c, const char *name, int tid, uint64_t ts_ns)
{
	l_event(c, "I", name, 0, c->pid, tid, ts_ns);
	asp_jl_lit(&c->line, ",\"s\":\"g\",\"cat\":\"recording\"");
	l_emit(c);
}

static int finding_cmp(const void *a, const void *b)
{
	const struct asp_finding *x = *(const struct asp_finding *const *)a;
	const struct asp_finding *y = *(const struct asp_finding *const *)b;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return x->start_ns < y->start_ns ? -1 : x->start_ns > y->start_ns;
}

/* the finding about the poll held in h: same thread, start and future */
static const struct asp_finding *held_finding(const struct asp_finding *const *by, size_t n,
					      const struct held *h)
{
	size_t lo = 0, hi = n;
	while (lo < hi) { /* the first not before (tid, start) */
		size_t mid = lo + (hi - lo) / 2;
		const struct asp_finding *f = by[mid];
		if (f->tid < h->s.tid || (f->tid == h->s.tid && f->start_ns < h->s.start_ns))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < n && by[lo]->tid == h->s.tid && by[lo]->start_ns == h->s.start_ns; lo++)
		if (by[lo]->future && h->s.name && !strcmp(by[lo]->future, h->s.name))
			return by[lo];
	return NULL;
}

/* in ms with three decimals, whole microseconds as the other events */
static void add_ms(json_object *o, const char *key, uint64_t ns)
{
	uint64_t us = ns / 1000;
	char text[32];
	snprintf(text, sizeof(text), "%" PRIu64 ".%03" PRIu64, us / 1000, us % 1000);
	json_object_object_add(o, key, json_object_new_double_s((double)us / 1000, text));
}

/* a blocking poll's event: its name says it is one, its args carry the
 * finding (f, NULL when the analysis dropped it) */
static void write_held(struct asp_chrome *c, const struct asp_result *r, const struct held *h,
		       const struct asp_finding *f)
{
	const struct asp_span *s = &h->s;
	uint64_t dur = s->end_ns > s->start_ns ? s->end_ns - s->start_ns : 0;
	uint64_t shown = f ? f->measured_ns : dur;
	char *name = xasprintf("BLOCKING %.1f ms: %s", (double)shown / 1e6, s->name ? s->name : "?");
	struct asp_json_line *l = &c->line;
	l_event(c, "X", name, 0, h->pid, h->tid, s->start_ns);
	free(name);
	asp_jl_lit(l, ",\"dur\":");
	asp_jl_us(l, dur);
	size_t k = (unsigned)s->kind < Q_TASK_POLL ? (size_t)s->kind : Q_UNKNOWN;
	asp_jl_lit(l, ",\"cat\":");
	asp_jl_raw(l, q_kinds[s->is_task_poll ? Q_TASK_POLL : k].q,
		   q_kinds[s->is_task_poll ? Q_TASK_POLL : k].n);

	json_object *a = json_object_new_object();
	json_object_object_add(a, "task", json_object_new_int64(s->task));
	json_object_object_add(a, "tid", json_object_new_int64(s->tid));
	json_object_object_add(a, "kind", json_object_new_string(asp_future_kind_name(s->kind)));
	json_object_object_add(a, "level", json_object_new_int64(s->level));
	json_object_object_add(a, "rule", f ? asp_json_string(f->rule) : NULL);
	json_object_object_add(a, "severity", json_object_new_string(asp_severity_name(
						      f ? f->severity : s->blocking)));
	if (f) {
		add_ms(a, "threshold_ms", f->threshold_ns);
		json_object_object_add(a, "measured",
				       json_object_new_string(f->measured_ns == f->duration_ns &&
							      (r->measure_wall || !r->has_sched)
							      ? "wall time" : "own time (on CPU + blocked)"));
		add_ms(a, "measured_ms", f->measured_ns);
		json_object_object_add(a, "rules_pattern", asp_json_string(f->pattern));
	}
	add_ms(a, "wall_ms", dur);
	json_object_object_add(a, "doing", json_object_new_string(asp_doing_name(
						   f ? f->doing : s->doing)));
	const struct asp_split *split = f ? &f->split : &s->split; /* the same poll's */
	add_ms(a, "oncpu_ms", split->oncpu_ns);
	add_ms(a, "blocked_ms", split->blocked_ns);
	add_ms(a, "preempted_ms", split->preempted_ns);
	json_object_object_add(a, "culprit", asp_json_string(f ? f->culprit : s->culprit));
	if (f && f->culprit && f->culprit_opaque)
		json_object_object_add(a, "culprit_note", json_object_new_string(
			"blocked in an uninstrumented call it makes (sleep, lock or I/O)"));
	else if (f && f->culprit_self)
		json_object_object_add(a, "culprit_note", json_object_new_string(
			"blocked in the future's own code: an uninstrumented call (sleep, lock or I/O)"));
	if (f && f->no_culprit)
		json_object_object_add(a, "no_culprit", asp_json_string(f->no_culprit));
	/* where the future starts in the source, and the culprit */
	if (s->srcline)
		json_object_object_add(a, "src", asp_json_string(s->srcline));
	if (f && f->culprit_srcline)
		json_object_object_add(a, "culprit_src", asp_json_string(f->culprit_srcline));
	size_t alen = 0;
	const char *atext = json_object_to_json_string_length(a, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
							  &alen);
	asp_jl_lit(l, ",\"args\":");
	asp_jl_raw(l, atext, alen);
	json_object_put(a);
	l_emit(c);
}

/* arrows from a blocking poll, on its thread's track (h's tid is the OS
 * thread's: a task's lanes never take an OS thread's tid), to the delayed
 * poll of each victim it lists on that thread */
static void write_victim_flows(struct asp_chrome *c, const struct held *h,
			       const struct asp_finding *f)
{
	const struct asp_span *s = &h->s;
	if (!f || h->tid != s->tid || !f->nvictim)
		return;
	/* both phases in the task polls' cat (the victims' polls): a
	 * blocking future below a task's root is a slice of another cat,
	 * so its arrows start at a mark at its start */
	if (!s->is_task_poll)
		write_flow_mark(c, "tasks wait behind it", h->tid, s->start_ns, s->task);
	for (size_t i = 0; i < f->nvictim; i++) {
		char name[64];
		snprintf(name, sizeof(name), "task %" PRIu32 " waited behind it", f->victim[i].task);
		write_flow_pair(c, name, h->tid, s->start_ns, &q_kinds[Q_TASK_POLL], h->tid,
				f->victim[i].poll_ns);
	}
}

/* the blocking polls held, with their findings */
static void write_held_all(struct asp_chrome *c, const struct asp_result *r)
{
	const struct asp_finding **by = xreallocarray(NULL, r->nfindings + 1, sizeof(*by));
	size_t n = 0;
	for (size_t i = 0; i < r->nfindings; i++)
		if (r->findings[i].rule && !strcmp(r->findings[i].rule, "blocking-poll"))
			by[n++] = &r->findings[i];
	asp_qsort(by, n, sizeof(*by), finding_cmp);
	for (size_t i = 0; i < c->nheld; i++) {
		const struct asp_finding *f = held_finding(by, n, &c->held[i]);
		write_held(c, r, &c->held[i], f);
		write_victim_flows(c, &c->held[i], f);
	}
	free(by);
	c->nheld = 0;
}

int asp_chrome_finish(struct asp_chrome *c, const struct asp_result *r, char **err)
{
	on_flush(c);
	queue_stop(c);
	for (size_t i = 0; i < c->nthreads; i++) {
		struct thread_state *th = &c->threads[i];
		flush_thread(c, th);
		/* off-CPU times no returned poll enclosed: as they were */
		for (size_t k = 0; k < th->noff; k++)
			write_offcpu(c, th->tid, &th->off[k], th->off[k].start, th->off[k].end);
		th->noff = 0;
	}
	write_held_all(c, r);

	/* the viewers print the pid after it */
	const char *exe = r->exe && *r->exe ? r->exe : r->name ? r->name : "program";
	const char *slash = strrchr(exe, '/');
	char *pname = xasprintf("%s%s", slash && slash[1] ? slash + 1 : exe,
				c->pid_known ? "" : " (pid not recorded)");
	meta(c, "process_name", 0, pname);
	free(pname);

	for (size_t i = 0; i < r->ntasks; i++)
		task_metadata(c, r, r->tasks[i].id);
	for (size_t id = 0; id < c->ntasks; id++)
		if (c->tasks[id].seen && !find_task(r, (uint32_t)id))
			task_metadata(c, r, (uint32_t)id);

	/* OS threads: the recording's, those spans ran on and those the
	 * result names */
	size_t n = c->nthreads + c->nos_tids, cap = n + 1;
	int *tids = xreallocarray(NULL, cap, sizeof(*tids));
	for (size_t i = 0; i < c->nthreads; i++)
		tids[i] = c->threads[i].tid;
	if (c->nos_tids)
		memcpy(tids + c->nthreads, c->os_tids, c->nos_tids * sizeof(*tids));
	for (size_t i = 0; i < r->ntasks; i++)
		for (size_t j = 0; j < r->tasks[i].ntids; j++) {
			if (n == cap)
				tids = xreallocarray(tids, cap *= 2, sizeof(*tids));
			tids[n++] = r->tasks[i].tids[j];
		}
	asp_qsort(tids, n, sizeof(*tids), int_cmp);
	/* viewers start the timeline at the first event, and DevTools leaves
	 * out events at ts 0: marks at 1 ns and at the recording's end make
	 * the timeline the recording's, times as in summary.json (global: a
	 * track of their own in Perfetto; DevTools shows them on the thread) */
	write_mark(c, "recording start", n ? tids[0] : 0, 1);
	if (r->duration_ns > 1)
		write_mark(c, "recording end", n ? tids[0] : 0, r->duration_ns);
	for (size_t i = 0; i < n; i++) {
		if (i && tids[i] == tids[i - 1])
			continue;
		/* viewers print the tid after the name */
		meta(c, "thread_name", tids[i],
		     c->pid_known && tids[i] == c->pid ? "main thread" : "OS thread");
	}
	free(tids);

	asp_jl_lit(&c->line, "\n],\n\"displayTimeUnit\":\"ns\",\n\"otherData\":");
	json_object *other = json_object_new_object();
	json_object_object_add(other, "run", asp_json_string(r->name));
	json_object_object_add(other, "exe", asp_json_string(r->exe));
	json_object_object_add(other, "runtime",
			       asp_json_string(r->runtime));
	json_object_object_add(other, "version", json_object_new_string("asprof-trace/2"));
	size_t olen = 0;
	const char *otext = json_object_to_json_string_length(other, JSON_C_TO_STRING_PLAIN, &olen);
	asp_jl_raw(&c->line, otext, olen);
	json_object_put(other);
	asp_jl_lit(&c->line, "}\n");
	l_flush_all(c);

	int rc = asp_outfile_commit(c->out, err);
	c->out = NULL;
	chrome_free(c);
	return rc;
}

void asp_chrome_abort(struct asp_chrome *c)
{
	if (!c)
		return;
	queue_stop(c);
	asp_outfile_abort(c->out);
	chrome_free(c);
}
