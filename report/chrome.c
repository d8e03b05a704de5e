/* chrome.c - trace.json in the Chrome Trace Event Format (object form),
 * for Perfetto and chrome://tracing. Events are written as spans arrive.
 *
 *   pid 1 "Tasks"    a track per task (tid = task id, 0 = outside tasks)
 *   pid 2 "Threads"  a track per OS thread (tid = OS tid), with flow arrows
 *                    where a task moved to another thread between polls
 *
 * Every poll is a complete ("X") event coloured by task; blocking polls are
 * red/orange, also get an instant event, and their args say what they were
 * doing (on CPU, blocked, preempted ms). The times a thread was switched
 * out inside a poll (the sink's offcpu) are "blocked" and "preempted"
 * slices on its thread's track (pid 2), held until the innermost poll
 * around them returns and cut to it, so they nest under it.
 *
 * Complete events on one track must nest. Spans of one OS thread do, but a
 * task id can be polled on two threads at once (tasks counted per type, or
 * task 0), so pid 1 spans are held per OS thread until their outermost poll
 * (level 0) returns; then the whole poll tree goes to the first lane of its
 * task that is free at its start. Lane 0 is tid = task id; extra lanes use
 * tid = task + lane * ASP_CHROME_LANE_STRIDE.
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
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define ASP_CHROME_LANE_STRIDE 1000000u
#define PID_TASKS 1
#define PID_THREADS 2

/* Chrome's reserved colour names (catapult's color_scheme), one per task,
 * cycled; the red and orange ones are left out so that only blocking polls
 * ("terrible", "bad") look alarming */
static const char *const task_colours[] = {
	"thread_state_running", "rail_response", "rail_load", "startup",
	"heap_dump_stack_frame", "cq_build_running", "cq_build_passed",
	"vsync_highlight_color", "generic_work", "good", "olive", "yellow",
	"thread_state_iowait", "thread_state_runnable", "background_memory_dump",
	"light_memory_dump", "detailed_memory_dump", "cq_build_attempt_passed",
	"cq_build_abandoned", "grey",
};

struct lane {
	uint64_t end;
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
	struct asp_span s;     /* name and culprit point into c->names */
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

struct asp_chrome {
	struct span_queue sq;
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

static const char *span_colour(const struct asp_span *s)
{
	if (s->blocking == ASP_SEV_ERROR)
		return "terrible";
	if (s->blocking == ASP_SEV_WARNING)
		return "bad";
	return task_colours[s->task % ASP_ARRAY_SIZE(task_colours)];
}

/* the JSON strings of the fixed names a span uses */
static const char *quoted(const char *s, size_t *len)
{
	/* kinds, severities and colours: identifiers, nothing to escape */
	static _Thread_local struct { const char *s; char q[40]; size_t len; } cache[64];
	size_t h = (size_t)(((uintptr_t)s * 0x9E3779B97F4A7C15ULL) >> 58);
	if (cache[h].s != s) {
		size_t n = strlen(s);
		if (n + 2 > sizeof(cache[h].q)) {
			*len = 0;
			return NULL;
		}
		cache[h].q[0] = '"';
		memcpy(cache[h].q + 1, s, n);
		cache[h].q[n + 1] = '"';
		cache[h].len = n + 2;
		cache[h].s = s;
	}
	*len = cache[h].len;
	return cache[h].q;
}

/* the names every span's tail has, quoted: its kind (or task_poll) and
 * colour, by index, padded for a fixed-size copy */
struct qname {
	char q[40];
	size_t n;
};
enum { Q_TASK_POLL = ASP_FK_COMBINATOR + 1, Q_UNKNOWN, NKINDS };
enum { Q_TERRIBLE = ASP_ARRAY_SIZE(task_colours), Q_BAD, NCOLOURS };
static struct qname q_kinds[NKINDS], q_colours[NCOLOURS];

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
	for (size_t i = 0; i < ASP_ARRAY_SIZE(task_colours); i++)
		qname_set(&q_colours[i], task_colours[i]);
	qname_set(&q_colours[Q_TERRIBLE], "terrible");
	qname_set(&q_colours[Q_BAD], "bad");
}

static size_t span_colour_index(const struct asp_span *s)
{
	if (s->blocking == ASP_SEV_ERROR)
		return Q_TERRIBLE;
	if (s->blocking == ASP_SEV_WARNING)
		return Q_BAD;
	return s->task % ASP_ARRAY_SIZE(task_colours);
}

static char *put_qname(char *p, const struct qname *q)
{
	memcpy(p, q->q, sizeof(q->q));
	return p + q->n;
}

static void l_quoted(struct asp_json_line *l, const char *s)
{
	size_t n;
	const char *q = quoted(s, &n);
	if (q)
		asp_jl_raw(l, q, n);
	else
		asp_jl_str(l, s);
}

/* appends a span's event from "ts" on (the same on both tracks) to l */
static void span_tail(struct asp_chrome *c, struct asp_json_line *l, const struct asp_span *s)
{
	/* both interned before either is looked at: interning may move them */
	uint32_t ci = s->blocking != ASP_SEV_NONE && s->culprit ? intern(c, s->culprit) : UINT32_MAX;
	uint32_t si = s->srcline ? intern(c, s->srcline) : UINT32_MAX;
	const struct name_json *culprit = ci != UINT32_MAX ? &c->json[ci] : NULL;
	/* one reserve for all but the blocking part: numbers take 20-24
	 * bytes, quoted names 40 (fixed-size copies) */
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
	p = asp_put_lit(p, ",\"cname\":");
	p = put_qname(p, &q_colours[span_colour_index(s)]);
	p = asp_put_lit(p, ",\"args\":{\"task\":");
	p = asp_put_u64(p, s->task);
	p = asp_put_lit(p, ",\"tid\":");
	p = asp_put_i64(p, s->tid);
	p = asp_put_lit(p, ",\"kind\":");
	p = put_qname(p, &q_kinds[k]);
	p = asp_put_lit(p, ",\"level\":");
	p = asp_put_u64(p, s->level);
	l->n = (size_t)(p - l->p);
	if (si != UINT32_MAX) { /* where the future starts in the source */
		asp_jl_lit(l, ",\"src\":");
		asp_jl_raw(l, c->json[si].s, c->json[si].len);
	}
	if (s->blocking != ASP_SEV_NONE) {
		asp_jl_lit(l, ",\"severity\":");
		l_quoted(l, asp_severity_name(s->blocking));
		asp_jl_lit(l, ",\"culprit\":");
		if (culprit)
			asp_jl_raw(l, culprit->s, culprit->len);
		else
			asp_jl_lit(l, "null");
		/* where its time went, in ms with three decimals */
		asp_jl_lit(l, ",\"doing\":");
		asp_jl_str(l, asp_doing_name(s->doing));
		asp_jl_lit(l, ",\"oncpu_ms\":");
		asp_jl_us(l, s->split.oncpu_ns / 1000);
		asp_jl_lit(l, ",\"blocked_ms\":");
		asp_jl_us(l, s->split.blocked_ns / 1000);
		asp_jl_lit(l, ",\"preempted_ms\":");
		asp_jl_us(l, s->split.preempted_ns / 1000);
	}
	asp_jl_lit(l, "}}");
}

/* the span's event on track (pid, tid): name is the interned s->name,
 * UINT32_MAX when it is NULL; tail from span_tail() */
static void write_span(struct asp_chrome *c, const struct asp_span *s, uint32_t name, int pid,
		       int64_t tid, const char *tail, size_t tail_len)
{
	struct asp_json_line *l = &c->line;
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

	if (s->blocking != ASP_SEV_NONE) {
		char *bname = xasprintf("blocking: %s", s->name ? s->name : "(null)");
		l_event(c, "i", bname, 0, pid, tid, s->start_ns);
		free(bname);
		asp_jl_lit(l, ",\"s\":\"t\",\"cat\":\"blocking\",\"cname\":");
		asp_jl_str(l, span_colour(s));
		l_emit(c);
	}
}

static void write_flow(struct asp_chrome *c, struct task_state *t, const struct asp_span *s)
{
	struct asp_json_line *l = &c->line;
	char name[48];
	snprintf(name, sizeof(name), "task %" PRIu32 " moved", s->task);
	uint64_t id = ++c->flow_id;
	/* inside the previous poll, so the arrow binds to it */
	uint64_t from = t->last_end > t->last_start ? t->last_end - 1 : t->last_start;
	l_event(c, "s", name, 0, PID_THREADS, t->last_tid, from);
	asp_jl_lit(l, ",\"cat\":\"task_migration\",\"id\":");
	asp_jl_u64(l, id);
	l_emit(c);
	l_event(c, "f", name, 0, PID_THREADS, s->tid, s->start_ns);
	asp_jl_lit(l, ",\"cat\":\"task_migration\",\"id\":");
	asp_jl_u64(l, id);
	asp_jl_lit(l, ",\"bp\":\"e\"");
	l_emit(c);
}

/* the first lane of the task free at start; a new one when none is */
static int64_t lane_tid(struct asp_chrome *c, uint32_t task, uint64_t start, uint64_t end)
{
	struct task_state *t = task_state(c, task);
	size_t i = 0;
	while (i < t->nlanes && t->lanes[i].end > start)
		i++;
	if (i == t->nlanes) {
		t->lanes = xreallocarray(t->lanes, ++t->nlanes, sizeof(*t->lanes));
		t->lanes[i].end = 0;
	}
	if (end > t->lanes[i].end)
		t->lanes[i].end = end;
	return (int64_t)task + (int64_t)i * ASP_CHROME_LANE_STRIDE;
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

/* writes pending spans [from, last] on their task's lane, last is the root */
static void write_tree(struct asp_chrome *c, struct thread_state *th, size_t from, size_t last)
{
	const struct asp_span *root = &th->v[last].s;
	int64_t root_tid = lane_tid(c, root->task, root->start_ns, root->end_ns);
	for (size_t i = from; i <= last; i++) {
		const struct asp_span *s = &th->v[i].s;
		int64_t tid = s->task == root->task ? root_tid
						    : lane_tid(c, s->task, s->start_ns, s->end_ns);
		write_span(c, s, th->v[i].name, PID_TASKS, tid, th->tails.p + th->v[i].tail,
			   th->v[i].tail_len);
	}
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

/* an off-CPU time on its thread's track (pid 2), from start to end */
static void write_offcpu(struct asp_chrome *c, int tid, const struct offcpu *o, uint64_t start,
			 uint64_t end)
{
	struct asp_json_line *l = &c->line;
	l_event(c, "X", o->preempted ? "preempted" : "blocked", 0, PID_THREADS, tid, start);
	asp_jl_lit(l, ",\"dur\":");
	asp_jl_us(l, end - start);
	asp_jl_lit(l, ",\"cat\":\"offcpu\",\"cname\":");
	asp_jl_str(l, o->preempted ? "thread_state_runnable" : "thread_state_uninterruptible");
	asp_jl_lit(l, ",\"args\":{\"task\":");
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

	/* the event from "ts" on is the same on both tracks: formatted once,
	 * kept with the pending span */
	struct thread_state *th = thread_state(c, s->tid);
	offcpu_in_span(c, th, s);
	size_t tail = th->tails.n;
	span_tail(c, &th->tails, s);
	size_t tail_len = th->tails.n - tail;

	/* pid 2: spans of one thread nest, so they go out at once */
	uint32_t name = intern(c, s->name ? s->name : "?");
	write_span(c, s, s->name ? name : UINT32_MAX, PID_THREADS, s->tid, th->tails.p + tail,
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

	/* pid 1: hold until the poll tree is complete */
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
	return (struct asp_span_sink){ .ctx = c, .span = on_span, .offcpu = on_offcpu,
				       .flush = on_flush };
}

static void chrome_free(struct asp_chrome *c)
{
	for (size_t i = 0; i < c->ntasks; i++)
		free(c->tasks[i].lanes);
	free(c->tasks);
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

static void meta(struct asp_chrome *c, const char *what, int pid, int64_t tid, const char *name,
		 int64_t sort_index, bool sort)
{
	struct asp_json_line *l = &c->line;
	l_event(c, "M", what, 0, pid, tid, 0);
	if (sort) {
		asp_jl_lit(l, ",\"args\":{\"sort_index\":");
		asp_jl_i64(l, sort_index);
	} else {
		asp_jl_lit(l, ",\"args\":{\"name\":");
		asp_jl_str(l, name);
	}
	asp_jl_lit(l, "}");
	l_emit(c);
}

static int tid_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return x < y ? -1 : x > y;
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
	struct task_state *t = id < c->ntasks ? &c->tasks[id] : NULL;
	size_t nlanes = t && t->nlanes ? t->nlanes : 1;
	char *base;
	if (id == 0)
		base = xstrdup("outside tasks");
	else if (task && task->is_main)
		base = xasprintf("main: %s", task->root ? task->root : "?");
	else if (task)
		base = xasprintf("task %" PRIu32 ": %s", id, task->root ? task->root : "?");
	else
		base = xasprintf("task %" PRIu32, id);
	/* main first, then by id; outside tasks last */
	int64_t sort = id == 0 ? INT32_MAX : task && task->is_main ? 0 : (int64_t)id;
	for (size_t lane = 0; lane < nlanes; lane++) {
		int64_t tid = (int64_t)id + (int64_t)lane * ASP_CHROME_LANE_STRIDE;
		char *name = lane ? xasprintf("%s (overlapping %zu)", base, lane) : xstrdup(base);
		meta(c, "thread_name", PID_TASKS, tid, name, 0, false);
		meta(c, "thread_sort_index", PID_TASKS, tid, NULL, sort, true);
		free(name);
	}
	free(base);
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

	meta(c, "process_name", PID_TASKS, 0, "Tasks", 0, false);
	meta(c, "process_sort_index", PID_TASKS, 0, NULL, 1, true);
	meta(c, "process_name", PID_THREADS, 0, "Threads", 0, false);
	meta(c, "process_sort_index", PID_THREADS, 0, NULL, 2, true);

	for (size_t i = 0; i < r->ntasks; i++)
		task_metadata(c, r, r->tasks[i].id);
	for (size_t id = 0; id < c->ntasks; id++)
		if (c->tasks[id].seen && !find_task(r, (uint32_t)id))
			task_metadata(c, r, (uint32_t)id);

	/* OS threads: those spans ran on and those the result names */
	size_t n = c->nthreads, cap = n + 1;
	int *tids = xreallocarray(NULL, cap, sizeof(*tids));
	for (size_t i = 0; i < c->nthreads; i++)
		tids[i] = c->threads[i].tid;
	for (size_t i = 0; i < r->ntasks; i++)
		for (size_t j = 0; j < r->tasks[i].ntids; j++) {
			if (n == cap)
				tids = xreallocarray(tids, cap *= 2, sizeof(*tids));
			tids[n++] = r->tasks[i].tids[j];
		}
	asp_qsort(tids, n, sizeof(*tids), tid_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i && tids[i] == tids[i - 1])
			continue;
		char name[32];
		snprintf(name, sizeof(name), "thread %d", tids[i]);
		meta(c, "thread_name", PID_THREADS, tids[i], name, 0, false);
		meta(c, "thread_sort_index", PID_THREADS, tids[i], NULL, tids[i], true);
	}
	free(tids);

	asp_jl_lit(&c->line, "\n],\n\"displayTimeUnit\":\"ns\",\n\"otherData\":");
	json_object *other = json_object_new_object();
	json_object_object_add(other, "run", asp_json_string(r->name));
	json_object_object_add(other, "exe", asp_json_string(r->exe));
	json_object_object_add(other, "runtime",
			       asp_json_string(r->runtime));
	json_object_object_add(other, "version", json_object_new_string("asprof-trace/1"));
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
