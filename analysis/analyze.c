/* analyze.c - attribute, detect, aggregate: one pass over a recording.
 *
 * Every symbol gets a class once (the runtime profiles' patterns decide);
 * then each thread keeps a stack of frames built from entry/exit records.
 *
 * - A task context is the innermost frame that polls a task (task_poll) or
 *   the main future (block_on). Inside it, the first future frame is the
 *   task's root: each root call is one poll of the task.
 * - Below the root, a future poll is a hand-written `<T as Future>::poll`,
 *   a combinator, or a user closure that is an async body: called directly
 *   by a Future::poll frame, or awaited right after an into_future call
 *   (a plain closure has neither).
 * - When a future poll returns, it is timed against the rules; only the
 *   innermost future over its threshold is reported, with the non-future
 *   callee that took most of its time (its culprit).
 */
#include "analyze.h"
#include "culprit.h"
#include "ingest/fold.h"
#include "map.h"
#include "util.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

enum cls {
	CL_UNKNOWN = 0,
	CL_OTHER,         /* plain function */
	CL_PLUMBING,      /* runtime internals */
	CL_POLL_PLUMBING, /* Future::poll of a runtime type (Pin<&mut F>, Sleep, ...) */
	CL_TASK_POLL,
	CL_NOT_TASK,
	CL_BLOCK_ON,
	CL_TASK_DONE,
	CL_USER_FUTURE,
	CL_COMBINATOR,
	CL_CLOSURE,       /* a user closure: maybe an async body */
	CL_INTO_FUTURE,
};

struct symclass {
	uint8_t cls;
	int8_t profile;     /* profile of task_poll/block_on/not_task, -1 */
	bool coroutine;     /* seen awaited: an async body */
	int32_t fut;        /* future index (name), -1 until first polled */
	uint64_t calls;     /* entries: async fn constructors and into_future
			       calls count future instances */
	const struct asp_symbol *sym;
};

/* A frame is zero up to kids when pushed; kids[0..nkids) are in use. The
 * fields before nkids are the ones every entry sets: init_plain() zeroes only
 * the rest (64 bytes at most: a few stores, not a rep stos) */
struct frame {
	const struct asp_symbol *sym;
	uint64_t start;
	uint16_t depth;
	uint8_t cls;
	int8_t profile;
	bool kids_used;   /* frame_culprit() reads its kids: it is a future or
			     a plain call below one (note_child skips others) */
	int prev_ctx;     /* index of the enclosing context frame, -1 */
	int fut_parent;   /* index of the nearest enclosing future frame, -1 */
	int ctx_root;     /* for contexts: index of the active root frame, -1 */
	uint32_t task;    /* task index + 1, 0 = none */

	uint8_t nkids;
	bool is_future, is_root, blocked_below, into_future_seen;
	bool is_ctx, ctx_main, ctx_has_arg, has_fut_arg;
	int ctx_block_on; /* task polls directly under a block_on: its index, -1 */
	int32_t main_fut; /* block_on contexts: the main future's index, -1 */
	int32_t fut;      /* future index for future frames */
	unsigned level;
	uint64_t arg, fut_arg;
	struct child_agg kids[CULPRIT_SLOTS];
};
#define FRAME_ZERO_FROM offsetof(struct frame, nkids)
#define FRAME_ZERO_SIZE (offsetof(struct frame, kids) - FRAME_ZERO_FROM)
_Static_assert(FRAME_ZERO_SIZE <= 64, "init_plain zeroes this per record: keep it small");

struct thread_state {
	int tid;
	struct frame *st;
	size_t n, cap;
	int ctx;          /* innermost context frame index, -1 */
	uint64_t last_time;
	uint64_t lost;
	uint32_t last_root_task; /* the task whose root poll returned last here */
	uint64_t root_polls;     /* root polls that returned on this thread */
};

struct task_acc {
	uint32_t root_fut;
	bool is_main, done, has_addr;
	uint64_t addr;
	uint64_t polls, busy, idle, slow;
	uint64_t first_start, last_end;
	bool started;
	int *tids;
	size_t ntids;
	struct asp_durations d;
	/* self-wake runs */
	/* self-wake runs: polls on the same thread with no other task polled
	 * there in between and at most max_gap idle */
	uint64_t run, run_start, best_run, best_run_start;
	uint64_t last_thread_polls; /* the thread's root_polls after our last poll */
	/* the last poll, for never-yielded */
	const struct asp_symbol *last_culprit;
	uint64_t last_culprit_dur, last_dur, last_start;
	int last_tid;
};

struct fut_acc {
	enum asp_future_kind kind;
	uint32_t *tasks;  /* sorted */
	size_t ntasks;
	uint64_t *has_task; /* bit per task id: in tasks (a test per poll) */
	size_t nhas;        /* words */
	uint64_t instances, polls, busy, idle, slow;
	struct asp_durations d;
	/* asp_rules_override() of the name, looked up once */
	const struct asp_override *ovr;
	bool ovr_known;
};

struct analyzer {
	struct asp_trace *t;
	const struct asp_rules *rules;
	const struct asp_span_sink *sink;
	int forced;        /* profile index or -1 (all) */
	struct symclass *sc;
	size_t nsc;
	struct thread_state *th;
	size_t nth;
	struct task_acc *tasks;
	size_t ntasks, ctasks;
	struct asp_u64map task_by_addr;
	struct asp_strtab task_names;   /* "main\x1fROOT" or ROOT -> index+1 via task_by_name */
	struct asp_u64map task_by_name;
	struct asp_strtab fut_names;
	struct fut_acc *futs;
	size_t cfuts;
	struct asp_u64map inst_last_end; /* instance key -> last poll end + 1 */
	uint64_t *profile_hits;  /* roots owned by each profile's contexts */
	uint64_t *detect_hits;   /* distinct symbols matching each profile's detect */
	struct asp_finding *findings;
	size_t nfindings, cfindings;
	uint64_t start, last_time, records;
	bool args_recorded;
	uint64_t lost_total;
	uint64_t unfinished; /* future polls still running at the recording's end */
};

/* ---------------------------------------------------------------- classes */

static bool prof_ok(const struct analyzer *a, size_t p)
{
	return a->forced < 0 || (size_t)a->forced == p;
}

static bool any_match(const struct analyzer *a, size_t off, const char *name, int8_t *which)
{
	for (size_t p = 0; p < a->rules->nprofiles; p++) {
		if (!prof_ok(a, p))
			continue;
		const struct asp_patterns *pat =
			(const struct asp_patterns *)((const char *)&a->rules->profiles[p] + off);
		if (asp_patterns_match(pat, name)) {
			if (which)
				*which = (int8_t)p;
			return true;
		}
	}
	return false;
}

#define MATCH(field, name, which) any_match(a, offsetof(struct asp_profile, field), name, which)

static bool is_closure_name(const char *n)
{
	size_t l = strlen(n);
	return (l > 1 && n[l - 1] == '}' && (strstr(n, "{closure#") || strstr(n, "{{closure}}")));
}

static uint8_t classify_name(struct analyzer *a, const char *n, int8_t *profile)
{
	*profile = -1;
	if (MATCH(not_task, n, profile))
		return CL_NOT_TASK;
	if (MATCH(task_poll, n, profile))
		return CL_TASK_POLL;
	if (MATCH(block_on, n, profile))
		return CL_BLOCK_ON;
	if (MATCH(task_done, n, NULL))
		return CL_TASK_DONE;
	if (MATCH(combinator, n, NULL))
		return CL_COMBINATOR;
	if (n[0] == '<' && strstr(n, " as core::future::into_future::IntoFuture>::into_future"))
		return CL_INTO_FUTURE;
	bool plumbing = MATCH(plumbing, n, NULL);
	if (n[0] == '<' && strstr(n, " as core::future::future::Future>::poll") &&
	    !strstr(n, ">::poll::"))
		return plumbing ? CL_POLL_PLUMBING : CL_USER_FUTURE;
	if (plumbing)
		return CL_PLUMBING;
	if (is_closure_name(n))
		return CL_CLOSURE;
	return CL_OTHER;
}

static __attribute__((noinline)) struct symclass *symclass_new(struct analyzer *a,
								const struct asp_symbol *sym)
{
	if (sym->id >= a->nsc) {
		size_t n = a->nsc ? a->nsc : 1024;
		while (n <= sym->id)
			n *= 2;
		a->sc = xreallocarray(a->sc, n, sizeof(*a->sc));
		memset(a->sc + a->nsc, 0, (n - a->nsc) * sizeof(*a->sc));
		a->nsc = n;
	}
	struct symclass *c = &a->sc[sym->id];
	if (c->cls == CL_UNKNOWN) {
		const char *name = asp_symbol_name(sym);
		c->cls = classify_name(a, name, &c->profile);
		c->fut = -1;
		c->sym = sym;
		for (size_t p = 0; p < a->rules->nprofiles; p++)
			if (prof_ok(a, p) && asp_patterns_match(&a->rules->profiles[p].detect, name))
				a->detect_hits[p]++;
	}
	return c;
}

/* the class of sym, decided on its first record */
static inline struct symclass *symclass(struct analyzer *a, const struct asp_symbol *sym)
{
	if (__builtin_expect(sym->id < a->nsc && a->sc[sym->id].cls != CL_UNKNOWN, 1))
		return &a->sc[sym->id];
	return symclass_new(a, sym);
}

/* ---------------------------------------------------------------- names */

/* "<T as core::future::future::Future>::poll" (or a Stream's poll_next) -> "T":
 * the " as " at nesting depth 1 ends the type */
static char *future_display_name(const char *n, uint8_t cls)
{
	if ((cls == CL_USER_FUTURE || cls == CL_COMBINATOR) && n[0] == '<') {
		int depth = 0;
		for (const char *p = n; *p; p++) {
			if (*p == '<')
				depth++;
			else if (*p == '>')
				depth--;
			else if (depth == 1 && !strncmp(p, " as ", 4))
				return xstrndup(n + 1, (size_t)(p - n - 1));
		}
	}
	return xstrdup(n);
}

static enum asp_future_kind closure_kind(const char *name, const struct thread_state *ts)
{
	size_t l = strlen(name);
	const char *last = NULL;
	for (const char *p = name; (p = strstr(p, "::{")); p++)
		last = p;
	if (!last)
		return ASP_FK_ASYNC_FN;
	size_t plen = (size_t)(last - name);
	char *parent = xstrndup(name, plen);
	enum asp_future_kind k = ASP_FK_ASYNC_FN;
	if (is_closure_name(parent))
		k = ASP_FK_ASYNC_BLOCK;
	else if (strncmp(last, "::{closure#0}", 13) && strncmp(last, "::{{closure}}", 13))
		k = ASP_FK_ASYNC_BLOCK;
	else {
		/* an async block's parent function is still running when it is polled
		 * (block_on(async {..})); an async fn's constructor has returned */
		for (size_t i = 0; i < ts->n; i++)
			if (!strcmp(asp_symbol_name(ts->st[i].sym), parent))
				k = ASP_FK_ASYNC_BLOCK;
	}
	(void)l;
	free(parent);
	return k;
}

static int32_t future_index(struct analyzer *a, const struct asp_symbol *sym, struct symclass *c,
			    const struct thread_state *ts, const struct frame *parent)
{
	if (c->fut >= 0)
		return c->fut;
	char *name = future_display_name(asp_symbol_name(sym), c->cls);
	bool added;
	uint32_t k = asp_strtab_intern(&a->fut_names, name, &added);
	if (added) {
		if (k >= a->cfuts) {
			size_t n = a->cfuts ? a->cfuts * 2 : 64;
			a->futs = xreallocarray(a->futs, n, sizeof(*a->futs));
			memset(a->futs + a->cfuts, 0, (n - a->cfuts) * sizeof(*a->futs));
			a->cfuts = n;
		}
		struct fut_acc *f = &a->futs[k];
		/* the closure a poll_fn polls (join!, select!) is the combinator's logic */
		bool poll_fn = parent && parent->sym && strstr(asp_symbol_name(parent->sym), "PollFn<");
		f->kind = c->cls == CL_USER_FUTURE		 ? ASP_FK_USER_FUTURE
			  : c->cls == CL_COMBINATOR || poll_fn ? ASP_FK_COMBINATOR
							     : closure_kind(name, ts);
	}
	free(name);
	c->fut = (int32_t)k;
	return c->fut;
}

/* ---------------------------------------------------------------- tasks */

static uint32_t new_task(struct analyzer *a, uint32_t root_fut, bool is_main)
{
	if (a->ntasks == a->ctasks) {
		a->ctasks = a->ctasks ? a->ctasks * 2 : 32;
		a->tasks = xreallocarray(a->tasks, a->ctasks, sizeof(*a->tasks));
	}
	struct task_acc *t = &a->tasks[a->ntasks];
	memset(t, 0, sizeof(*t));
	t->root_fut = root_fut;
	t->is_main = is_main;
	return (uint32_t)++a->ntasks; /* index + 1 */
}

static uint32_t task_for_root(struct analyzer *a, struct frame *ctx, uint32_t root_fut)
{
	if (ctx->ctx_has_arg && !ctx->ctx_main) {
		uint64_t v;
		if (asp_u64map_get(&a->task_by_addr, ctx->arg, &v)) {
			struct task_acc *t = &a->tasks[v - 1];
			if (!t->done && t->root_fut == root_fut)
				return (uint32_t)v;
		}
		uint32_t id = new_task(a, root_fut, false);
		a->tasks[id - 1].has_addr = true;
		a->tasks[id - 1].addr = ctx->arg;
		asp_u64map_put(&a->task_by_addr, ctx->arg, id);
		return id;
	}
	/* without a self pointer: one task per root future (and main-ness) */
	uint64_t key = (uint64_t)root_fut << 1 | ctx->ctx_main;
	uint64_t v;
	if (asp_u64map_get(&a->task_by_name, key, &v))
		return (uint32_t)v;
	uint32_t id = new_task(a, root_fut, ctx->ctx_main);
	asp_u64map_put(&a->task_by_name, key, id);
	return id;
}

static void add_u32_sorted(uint32_t **v, size_t *n, uint32_t x)
{
	/* once per poll, over up to every task: binary search */
	size_t lo = 0, hi = *n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if ((*v)[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t i = lo;
	if (i < *n && (*v)[i] == x)
		return;
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	if (i < *n)
		memmove(*v + i + 1, *v + i, (*n - i) * sizeof(**v));
	(*v)[i] = x;
	(*n)++;
}

/* task id into the future's sorted task ids: a bit test per poll, the
 * sorted insert once per (future, task) */
static void fut_add_task(struct fut_acc *fa, uint32_t task)
{
	size_t w = task / 64;
	uint64_t bit = (uint64_t)1 << (task % 64);
	if (w < fa->nhas && (fa->has_task[w] & bit))
		return;
	if (w >= fa->nhas) {
		size_t n = fa->nhas ? fa->nhas : 4;
		while (n <= w)
			n *= 2;
		fa->has_task = xreallocarray(fa->has_task, n, sizeof(*fa->has_task));
		memset(fa->has_task + fa->nhas, 0, (n - fa->nhas) * sizeof(*fa->has_task));
		fa->nhas = n;
	}
	fa->has_task[w] |= bit;
	add_u32_sorted(&fa->tasks, &fa->ntasks, task);
}

static void add_tid(struct task_acc *t, int tid)
{
	size_t i = 0;
	while (i < t->ntids && t->tids[i] < tid)
		i++;
	if (i < t->ntids && t->tids[i] == tid)
		return;
	t->tids = xreallocarray(t->tids, t->ntids + 1, sizeof(int));
	if (i < t->ntids)
		memmove(t->tids + i + 1, t->tids + i, (t->ntids - i) * sizeof(int));
	t->tids[i] = tid;
	t->ntids++;
}

/* ---------------------------------------------------------------- findings */

static struct asp_finding *add_finding(struct analyzer *a, const char *rule)
{
	if (a->nfindings == a->cfindings) {
		a->cfindings = a->cfindings ? a->cfindings * 2 : 16;
		a->findings = xreallocarray(a->findings, a->cfindings, sizeof(*a->findings));
	}
	struct asp_finding *f = &a->findings[a->nfindings++];
	memset(f, 0, sizeof(*f));
	f->rule = xstrdup(rule);
	f->count = 1;
	return f;
}

struct thresholds {
	bool ignore;
	uint64_t warning, error;
	enum asp_severity forced;
	const char *pattern;
};

static struct thresholds thresholds_of(const struct analyzer *a, const struct asp_override *o)
{
	struct thresholds th = { false, a->rules->warning_ns, a->rules->error_ns, ASP_SEV_NONE,
				 "default" };
	if (o) {
		th.pattern = o->match;
		th.ignore = o->ignore;
		if (o->has_warning)
			th.warning = o->warning_ns;
		if (o->has_error)
			th.error = o->error_ns;
		th.forced = o->severity;
	}
	return th;
}

static struct thresholds thresholds_for(const struct analyzer *a, const char *future,
					const char *task_root)
{
	const struct asp_override *o = asp_rules_override(a->rules, future);
	if (!o && task_root)
		o = asp_rules_override(a->rules, task_root);
	return thresholds_of(a, o);
}

/* the override of future index k, matched once per future (per poll it was
 * an fnmatch() per override pattern) */
static const struct asp_override *future_override(struct analyzer *a, int32_t k)
{
	struct fut_acc *f = &a->futs[k];
	if (!f->ovr_known) {
		f->ovr = asp_rules_override(a->rules, a->fut_names.names[k]);
		f->ovr_known = true;
	}
	return f->ovr;
}

static enum asp_severity severity_of(const struct thresholds *th, uint64_t dur)
{
	if (th->ignore || dur < th->warning)
		return ASP_SEV_NONE;
	if (th->forced != ASP_SEV_NONE)
		return th->forced;
	return dur >= th->error ? ASP_SEV_ERROR : ASP_SEV_WARNING;
}

/* a finding about one poll: its threshold is the one that fired; the culprit
 * is kept when it holds at least a tenth of the poll */
static void add_poll_finding(struct analyzer *a, const char *rule, enum asp_severity sev,
			     const struct thresholds *th, const char *future, uint32_t task, int tid,
			     uint64_t start, uint64_t dur, const struct asp_symbol *culprit,
			     uint64_t cdur)
{
	struct asp_finding *fd = add_finding(a, rule);
	fd->severity = sev;
	fd->future = xstrdup(future);
	fd->task = task;
	fd->tid = tid;
	fd->start_ns = start - a->start;
	fd->duration_ns = dur;
	fd->threshold_ns = sev == ASP_SEV_ERROR && th->forced == ASP_SEV_NONE ? th->error : th->warning;
	fd->pattern = xstrdup(th->pattern);
	if (culprit && cdur * 10 >= dur) {
		fd->culprit = xstrdup(asp_symbol_name(culprit));
		fd->culprit_share = (double)cdur / (double)dur;
	}
}

/* the culprit of a frame from its aggregated non-future callees */
static void frame_culprit(const struct frame *f, const struct asp_symbol **sym, uint64_t *cdur)
{
	culprit_of(f->kids, f->nkids, sym, cdur);
}

static void note_child(struct frame *parent, const struct frame *child, uint64_t dur)
{
	const struct asp_symbol *deep;
	uint64_t deep_dur;
	culprit_hot_path(child->kids, child->nkids, child->sym, dur, &deep, &deep_dur);
	culprit_add(parent->kids, &parent->nkids, child->sym, dur, deep, deep_dur);
}

/* ---------------------------------------------------------------- frames */

static __attribute__((noinline)) void grow_stack(struct thread_state *ts)
{
	ts->cap = ts->cap ? ts->cap * 2 : 64;
	ts->st = xreallocarray(ts->st, ts->cap, sizeof(*ts->st));
}

/* a new frame, all zero but kids (nkids says) */
static struct frame *push(struct thread_state *ts)
{
	if (ts->n == ts->cap)
		grow_stack(ts);
	struct frame *f = &ts->st[ts->n++];
	memset(f, 0, offsetof(struct frame, kids));
	return f;
}

/* the frame st[idx] of a symbol that is never a future nor a context
 * (plain, plumbing, a runtime's Future::poll): what enter() does for it */
static inline void init_plain(struct frame *st, int idx, int ctx, const struct asp_symbol *sym,
			      uint64_t time, uint16_t depth, const struct symclass *c)
{
	struct frame *f = &st[idx];
	memset((char *)f + FRAME_ZERO_FROM, 0, FRAME_ZERO_SIZE);
	f->sym = sym;
	f->start = time;
	f->depth = depth;
	f->cls = c->cls;
	f->profile = c->profile;
	f->prev_ctx = ctx;
	f->ctx_root = -1;
	if (idx) {
		const struct frame *parent = f - 1;
		f->fut_parent = parent->is_future ? idx - 1 : parent->fut_parent;
		f->task = parent->task;
		f->kids_used = parent->kids_used;
	} else {
		f->fut_parent = -1;
		f->task = 0;
		f->kids_used = false;
	}
}

static inline void push_plain(struct thread_state *ts, const struct asp_symbol *sym, uint64_t time,
			      uint16_t depth, const struct symclass *c)
{
	if (ts->n == ts->cap)
		grow_stack(ts);
	init_plain(ts->st, (int)ts->n++, ts->ctx, sym, time, depth, c);
}

static bool poll_parent(uint8_t cls)
{
	return cls == CL_POLL_PLUMBING || cls == CL_USER_FUTURE || cls == CL_COMBINATOR;
}

/* ev: the entry record when it carries arguments, else NULL */
static __attribute__((noinline)) void enter(struct analyzer *a, struct thread_state *ts,
					    const struct asp_symbol *sym, uint64_t time,
					    uint16_t depth, const struct asp_event *ev,
					    struct symclass *c)
{
	int idx = (int)ts->n;
	struct frame *f = push(ts);
	struct frame *parent = idx ? &ts->st[idx - 1] : NULL; /* after push: it may move the stack */
	f->sym = sym;
	f->start = time;
	f->depth = depth;
	f->cls = c->cls;
	f->prev_ctx = ts->ctx;
	f->fut_parent = parent ? (parent->is_future ? idx - 1 : parent->fut_parent) : -1;
	f->ctx_root = -1;
	f->profile = c->profile;
	f->task = parent ? parent->task : 0;
	f->kids_used = parent && parent->kids_used;
	struct frame *ctx = ts->ctx >= 0 ? &ts->st[ts->ctx] : NULL;

	switch (c->cls) {
	case CL_TASK_POLL:
	case CL_BLOCK_ON:
	case CL_NOT_TASK: {
		f->is_ctx = true;
		f->kids_used = false;
		f->task = 0;
		f->fut_parent = -1;
		f->main_fut = -1;
		f->ctx_block_on = -1;
		f->ctx_main = c->cls == CL_BLOCK_ON;
		/* a task poll right under block_on may be the main future's own
		 * wrapper (async-std polls main through its task type): decided
		 * by its root, at the root */
		if (c->cls == CL_TASK_POLL && ctx && ctx->cls == CL_BLOCK_ON && ctx->ctx_root < 0)
			f->ctx_block_on = ts->ctx;
		uint64_t arg;
		if (ev && asp_event_arg1(ev, &arg)) {
			f->ctx_has_arg = true;
			f->arg = arg;
			if (c->cls == CL_TASK_POLL)
				a->args_recorded = true;
		}
		ts->ctx = idx;
		return;
	}
	case CL_TASK_DONE:
		/* called while the task's poll runs (tokio) or right after it
		 * returned (async-task): the task that last returned here */
		if (ts->last_root_task)
			a->tasks[ts->last_root_task - 1].done = true;
		return;
	case CL_INTO_FUTURE:
		return;
	default:
		break;
	}

	bool in_task = ctx && ctx->cls != CL_NOT_TASK;
	if (!in_task && ctx)
		return; /* spawn_blocking and worker plumbing: no futures */
	bool future = false, root = false;
	if (in_task && ctx->ctx_root < 0) {
		/* the first user future below the context is the task's root */
		if (c->cls == CL_CLOSURE || c->cls == CL_USER_FUTURE) {
			future = root = true;
			c->coroutine = c->coroutine || c->cls == CL_CLOSURE;
		}
	} else if (c->cls == CL_USER_FUTURE || c->cls == CL_COMBINATOR) {
		future = true;
	} else if (c->cls == CL_CLOSURE && parent) {
		if (poll_parent(parent->cls) || c->coroutine) {
			future = true;
		} else if (parent->is_future && parent->into_future_seen) {
			future = true; /* awaited right after into_future */
		} else if (parent->is_future && a->futs[parent->fut].kind == ASP_FK_COMBINATOR) {
			future = true; /* a select!/join! poll_fn polls its branches directly */
		}
		if (future)
			c->coroutine = true;
	}
	if (parent && future)
		parent->into_future_seen = false;
	if (!future)
		return;
	f->is_future = true;
	f->kids_used = true;
	f->is_root = root;
	f->fut = future_index(a, sym, c, ts, parent);
	if (root) {
		ctx->ctx_root = idx;
		f->level = 0;
		/* main: the first root under a block_on, and every later root of
		 * the same future there */
		struct frame *bo = ctx->cls == CL_BLOCK_ON	  ? ctx
				   : ctx->ctx_block_on >= 0 ? &ts->st[ctx->ctx_block_on]
							    : NULL;
		if (bo) {
			if (bo->main_fut < 0)
				bo->main_fut = f->fut;
			ctx->ctx_main = bo->main_fut == f->fut;
		}
		uint32_t id = task_for_root(a, ctx, (uint32_t)f->fut);
		f->task = id;
		a->profile_hits[ctx->profile >= 0 ? ctx->profile : 0]++;
	} else {
		f->level = f->fut_parent >= 0 ? ts->st[f->fut_parent].level + 1 : 0;
	}
	if (ev && ev->nspecs && asp_event_arg1(ev, &f->fut_arg))
		f->has_fut_arg = true;
}

static void leave_future(struct analyzer *a, struct thread_state *ts, struct frame *f,
			 uint64_t end)
{
	uint64_t dur = end - f->start;
	struct fut_acc *fa = &a->futs[f->fut];
	const char *name = a->fut_names.names[f->fut];
	struct task_acc *task = f->task ? &a->tasks[f->task - 1] : NULL;

	fa->polls++;
	fa->busy += dur;
	if (dur >= a->rules->slow_poll_ns)
		fa->slow++;
	asp_durations_add(&fa->d, dur);
	if (f->task)
		fut_add_task(fa, f->task);
	/* instance: (task, future, self pointer when recorded) */
	uint64_t key = asp_hash_u64((uint64_t)f->task << 32 ^ (uint64_t)f->fut) ^
		       (f->has_fut_arg ? asp_hash_u64(f->fut_arg + 1) : 0);
	bool added;
	uint64_t *last = asp_u64map_ref(&a->inst_last_end, key, &added);
	if (added)
		fa->instances++;
	else if (f->start >= *last - 1)
		fa->idle += f->start - (*last - 1);
	*last = end + 1;

	const struct asp_symbol *culprit;
	uint64_t cdur;
	frame_culprit(f, &culprit, &cdur);

	const struct asp_override *o = future_override(a, f->fut);
	if (!o && task)
		o = future_override(a, (int32_t)task->root_fut);
	struct thresholds th = thresholds_of(a, o);
	enum asp_severity sev = ASP_SEV_NONE;
	if (!f->blocked_below) {
		sev = severity_of(&th, dur);
		if (sev != ASP_SEV_NONE) {
			add_poll_finding(a, "blocking-poll", sev, &th, name, f->task, ts->tid, f->start,
					 dur, culprit, cdur);
		}
	}
	/* ancestors that contain a blocking poll do not report it again; an
	 * ignored one still counts as the explanation */
	if (f->fut_parent >= 0 &&
	    (f->blocked_below || sev != ASP_SEV_NONE || (th.ignore && dur >= a->rules->warning_ns)))
		ts->st[f->fut_parent].blocked_below = true;

	if (f->is_root && task) {
		if (task->started && f->start >= task->last_end) {
			uint64_t gap = f->start - task->last_end;
			task->idle += gap;
			bool alone = task->last_tid == ts->tid && task->last_thread_polls == ts->root_polls;
			if (alone && gap <= a->rules->self_wake_max_gap_ns) {
				task->run++;
			} else {
				task->run = 1;
				task->run_start = f->start;
			}
		} else {
			task->run = 1;
			task->run_start = f->start;
		}
		if (task->run > task->best_run) {
			task->best_run = task->run;
			task->best_run_start = task->run_start;
		}
		if (!task->started) {
			task->started = true;
			task->first_start = f->start;
		}
		task->last_end = end;
		task->polls++;
		task->busy += dur;
		if (dur >= a->rules->slow_poll_ns)
			task->slow++;
		asp_durations_add(&task->d, dur);
		add_tid(task, ts->tid);
		task->last_culprit = culprit;
		task->last_culprit_dur = cdur;
		task->last_dur = dur;
		task->last_start = f->start;
		task->last_tid = ts->tid;
		task->last_thread_polls = ++ts->root_polls;
	} else if (f->is_root) {
		ts->root_polls++;
	}

	if (a->sink && a->sink->span) {
		struct asp_span s = {
			.is_task_poll = f->is_root,
			.task = f->task,
			.tid = ts->tid,
			.start_ns = f->start - a->start,
			.end_ns = end - a->start,
			.name = name,
			.kind = fa->kind,
			.level = f->level,
			.blocking = sev,
			.culprit = sev != ASP_SEV_NONE && culprit ? asp_symbol_name(culprit) : NULL,
		};
		a->sink->span(a->sink->ctx, &s);
	}
}

static __attribute__((noinline)) void pop_general(struct analyzer *a, struct thread_state *ts,
						     uint64_t end);

/* pop_general's steps for the frame st[idx] of a plain call (neither a
 * future nor a context): most records */
static inline void pop_plain(struct frame *st, int idx, int ctx, uint64_t end)
{
	struct frame *f = &st[idx];
	if (end < f->start)
		end = f->start;
	if (idx > 0) {
		struct frame *parent = f - 1;
		if (parent->kids_used)
			note_child(parent, f, end - f->start);
		if (f->cls == CL_INTO_FUTURE && parent->is_future)
			parent->into_future_seen = true;
		if (ctx >= 0 && st[ctx].ctx_root == idx)
			st[ctx].ctx_root = -1;
	}
}

static inline void pop(struct analyzer *a, struct thread_state *ts, uint64_t end)
{
	struct frame *f = &ts->st[ts->n - 1];
	if (__builtin_expect(f->is_future || f->is_ctx, 0)) {
		pop_general(a, ts, end);
		return;
	}
	pop_plain(ts->st, (int)ts->n - 1, ts->ctx, end);
	ts->n--;
}

static void pop_general(struct analyzer *a, struct thread_state *ts, uint64_t end)
{
	struct frame *f = &ts->st[ts->n - 1];
	int idx = (int)ts->n - 1;
	if (end < f->start)
		end = f->start;
	uint64_t dur = end - f->start;
	if (f->is_future)
		leave_future(a, ts, f, end);
	if (f->is_root && f->task)
		ts->last_root_task = f->task;
	if (f->is_ctx)
		ts->ctx = f->prev_ctx;
	if (idx > 0) {
		struct frame *parent = &ts->st[idx - 1];
		if (!f->is_future && !f->is_ctx && parent->kids_used)
			note_child(parent, f, dur);
		if (f->cls == CL_INTO_FUTURE && parent->is_future)
			parent->into_future_seen = true;
		if (ts->ctx >= 0 && ts->st[ts->ctx].ctx_root == idx)
			ts->st[ts->ctx].ctx_root = -1;
	}
	ts->n--;
}

static struct thread_state *thread(struct analyzer *a, int tid)
{
	for (size_t i = 0; i < a->nth; i++)
		if (a->th[i].tid == tid)
			return &a->th[i];
	a->th = xreallocarray(a->th, a->nth + 1, sizeof(*a->th));
	struct thread_state *ts = &a->th[a->nth++];
	memset(ts, 0, sizeof(*ts));
	ts->tid = tid;
	ts->ctx = -1;
	return ts;
}

/* an unresolved function: keeps the stack shape with a neutral frame */
static __attribute__((noinline)) void entry_unknown(struct thread_state *ts, uint64_t time,
						    uint16_t depth)
{
	struct frame *f = push(ts);
	f->start = time;
	f->depth = depth;
	f->cls = CL_OTHER;
	f->prev_ctx = ts->ctx;
	f->ctx_root = -1;
	f->fut_parent = ts->n > 1 ? (ts->st[ts->n - 2].is_future ? (int)ts->n - 2 : ts->st[ts->n - 2].fut_parent) : -1;
	f->task = ts->n > 1 ? ts->st[ts->n - 2].task : 0;
	f->kids_used = ts->n > 1 && ts->st[ts->n - 2].kids_used;
	/* named already: asp_symbol_name() has nothing to write into it */
	static const struct asp_symbol unknown = { .mangled = "<unknown>", .name_ = (char *)"<unknown>" };
	f->sym = &unknown;
}

/* ev: the record when it carries arguments, else NULL */
static void entry_rec(struct analyzer *a, struct thread_state *ts, uint64_t time, uint16_t depth,
		      const struct asp_symbol *sym, const struct asp_event *ev)
{
	/* a depth at or above an open frame's: the exits between were lost */
	while (ts->n && ts->st[ts->n - 1].depth >= depth)
		pop(a, ts, time);
	if (__builtin_expect(!sym, 0)) {
		entry_unknown(ts, time, depth);
		return;
	}
	struct symclass *c = symclass(a, sym);
	c->calls++;
	if (c->cls <= CL_POLL_PLUMBING)
		push_plain(ts, sym, time, depth, c);
	else
		enter(a, ts, sym, time, depth, ev, c);
}

static void exit_rec(struct analyzer *a, struct thread_state *ts, uint64_t time, uint16_t depth)
{
	if (ts->n && ts->st[ts->n - 1].depth == depth) {
		pop(a, ts, time); /* the common case of the search below */
		return;
	}
	/* find the matching entry; an exit without one (its entry lost, or
	 * recorded before the trace started) is ignored */
	size_t k = ts->n;
	while (k > 0 && ts->st[k - 1].depth > depth)
		k--;
	if (k == 0 || ts->st[k - 1].depth != depth)
		return;
	while (ts->n >= k)
		pop(a, ts, time);
}

static inline void note_time(struct analyzer *a, struct thread_state *ts, uint64_t time)
{
	if (time) {
		ts->last_time = time;
		if (time > a->last_time)
			a->last_time = time;
	}
}

static void consume(struct analyzer *a, const struct asp_event *ev)
{
	struct thread_state *ts = thread(a, ev->tid);
	a->records++;
	switch (ev->type) {
	case ASP_REC_ENTRY:
		entry_rec(a, ts, ev->time, ev->depth, ev->sym, ev->data ? ev : NULL);
		break;
	case ASP_REC_EXIT:
		exit_rec(a, ts, ev->time, ev->depth);
		break;
	case ASP_REC_LOST:
		/* the stack is unknown after lost records: close what is open.
		 * The sum saturates: a damaged count must not wrap it to a
		 * small one */
		a->lost_total = a->lost_total > UINT64_MAX - ev->addr ? UINT64_MAX
									: a->lost_total + ev->addr;
		while (ts->n)
			pop(a, ts, ts->last_time);
		return;
	default:
		return;
	}
	note_time(a, ts, ev->time);
}

/* plain entries and exits of one thread, from asp_stream_next: the
 * hot loop. Entries of plain functions (init_plain) and their exits
 * (pop_plain) are done here on local copies of the stack's state (stores to
 * frames could alias ts->n and force reloads); everything else goes through
 * entry_rec/exit_rec. */
static void consume_batch(struct analyzer *a, struct thread_state *ts, const struct asp_rec *recs,
			  size_t n)
{
	a->records += n;
	struct frame *st = ts->st;
	size_t top = ts->n, cap = ts->cap;
	int ctx = ts->ctx;
	struct symclass *sc = a->sc;
	size_t nsc = a->nsc;
	uint64_t last = 0, max = a->last_time;
	for (size_t i = 0; i < n; i++) {
		const struct asp_rec *r = &recs[i];
		uint64_t time = r->time;
		uint16_t depth = r->depth;
		if (time) {
			last = time;
			if (time > max)
				max = time;
		}
		if (r->type == ASP_REC_ENTRY) {
			const struct asp_symbol *sym = r->sym;
			struct symclass *c;
			if (sym && (top == 0 || st[top - 1].depth < depth) && top < cap &&
			    sym->id < nsc && (c = &sc[sym->id])->cls != CL_UNKNOWN &&
			    c->cls <= CL_POLL_PLUMBING) {
				c->calls++;
				init_plain(st, (int)top++, ctx, sym, time, depth, c);
				continue;
			}
		} else if (top && st[top - 1].depth == depth && !st[top - 1].is_future &&
			   !st[top - 1].is_ctx) {
			pop_plain(st, (int)--top, ctx, time);
			continue;
		}
		/* everything else, on the thread's own state */
		ts->n = top;
		if (r->type == ASP_REC_ENTRY)
			entry_rec(a, ts, time, depth, r->sym, NULL);
		else
			exit_rec(a, ts, time, depth);
		st = ts->st;
		top = ts->n;
		cap = ts->cap;
		ctx = ts->ctx;
		sc = a->sc;
		nsc = a->nsc;
	}
	ts->n = top;
	if (last)
		ts->last_time = last;
	a->last_time = max;
}

/* ---------------------------------------------------------------- folded */

/* the fold workers' predicate (any thread): calls of a plain function,
 * plumbing or a runtime's Future::poll change only their own thread's
 * stack; classify_name reads nothing but the rules */
static bool plain_sym(void *ctx, const struct asp_symbol *sym)
{
	int8_t profile;
	return classify_name(ctx, asp_symbol_name(sym), &profile) <= CL_POLL_PLUMBING;
}

/* a symbol the workers saw, with the entries they did not hand on */
static void fold_sym(void *ctx, const struct asp_symbol *sym, uint64_t calls)
{
	symclass(ctx, sym)->calls += calls;
}

/* what entry_rec does before it pushes a frame at depth */
static void pop_above(struct analyzer *a, struct thread_state *ts, uint64_t time, uint16_t depth)
{
	while (ts->n && ts->st[ts->n - 1].depth >= depth)
		pop(a, ts, time);
}

/* items of one thread from asp_fold_next: a CALL is a plain call's entry
 * and exit as entry_rec and pop_plain would take them, an OPEN its entry
 * with the callees that returned since. The records they stand for, and the
 * latest times, come with the totals at the end (read_folded). */
static void consume_items(struct analyzer *a, struct thread_state *ts,
			  const struct asp_fold_run *run)
{
	const struct asp_fold_item *it = run->items;
	for (size_t n = run->n; n--; it++) {
		switch (it->kind) {
		case ASP_FOLD_REC:
			if (it->type == ASP_REC_ENTRY)
				entry_rec(a, ts, it->time, it->depth, it->sym, NULL);
			else
				exit_rec(a, ts, it->time, it->depth);
			continue;
		case ASP_FOLD_EVENT: {
			const struct asp_fold_event *e = &run->events[it->aux];
			if (e->last)
				ts->last_time = e->last; /* where a lost record closes the stack */
			consume(a, &e->ev);
			continue;
		}
		case ASP_FOLD_OPEN:
			pop_above(a, ts, it->time, it->depth);
			push_plain(ts, it->sym, it->time, it->depth, symclass(a, it->sym));
			if (it->aux != ASP_FOLD_NONE) {
				const struct asp_fold_kids *k = &run->kids[it->aux];
				struct frame *f = &ts->st[ts->n - 1];
				f->nkids = k->n;
				/* all four slots: a fixed-size copy (those past n unused) */
				memcpy(f->kids, k->kids, sizeof(f->kids));
			}
			continue;
		default: /* CALL */
			pop_above(a, ts, it->time, it->depth);
			if (ts->n) {
				struct frame *parent = &ts->st[ts->n - 1];
				if (parent->kids_used) {
					const struct asp_fold_call *c = &run->calls[it->aux];
					culprit_add(parent->kids, &parent->nkids, it->sym, c->dur, c->deep,
						    c->deep_dur);
				}
				if (ts->ctx >= 0 && ts->st[ts->ctx].ctx_root == (int)ts->n)
					ts->st[ts->ctx].ctx_root = -1;
			}
		}
	}
}

/* ---------------------------------------------------------------- results */

/* the name of the folder dir names (its parent's for NAME/uftrace.data) */
static char *folder_name(const char *dir)
{
	char *d = xstrdup(dir);
	size_t l = strlen(d);
	while (l > 1 && d[l - 1] == '/')
		d[--l] = '\0';
	char *slash = strrchr(d, '/');
	char *base = slash ? slash + 1 : d;
	if (!strcmp(base, "uftrace.data") && slash && slash != d) {
		*slash = '\0';
		char *s2 = strrchr(d, '/');
		base = s2 ? s2 + 1 : d;
	}
	char *name = xstrdup(base);
	free(d);
	return name;
}

static bool dots(const char *name) { return !strcmp(name, ".") || !strcmp(name, ".."); }

char *asp_run_name(const char *dir)
{
	char *name = folder_name(dir);
	/* RUN/sub/.. and RUN/. are named by the folder they are (a link keeps
	 * its own name); a name is a folder of runs/: never . or .. */
	char *real = dots(name) ? realpath(dir, NULL) : NULL;
	if (real) {
		free(name);
		name = folder_name(real);
		free(real);
	}
	if (!*name || dots(name)) {
		free(name);
		name = xstrdup("run");
	}
	/* reports are UTF-8; a directory name may not be */
	return asp_utf8_fix(name);
}

static int finding_cmp(const void *x, const void *y)
{
	const struct asp_finding *a = x, *b = y;
	if (a->severity != b->severity)
		return a->severity > b->severity ? -1 : 1;
	if (a->duration_ns != b->duration_ns)
		return a->duration_ns > b->duration_ns ? -1 : 1;
	return a->start_ns < b->start_ns ? -1 : a->start_ns > b->start_ns;
}

static int future_cmp(const void *x, const void *y)
{
	const struct asp_future *a = x, *b = y;
	return strcmp(a->name, b->name);
}

static void add_note(struct asp_result *r, char *note)
{
	r->notes = xreallocarray(r->notes, r->nnotes + 1, sizeof(*r->notes));
	r->notes[r->nnotes++] = note;
}

/* how the program ended (info's exit_status: a wait status, -1 when
 * uftrace stopped first) and the polls it left running */
static void program_end(const struct analyzer *a, struct asp_result *r,
			const struct asp_info *info)
{
	int st = info->exit_status;
	bool cut = info->has_exit_status && st == -1;
	bool killed = info->has_exit_status && !cut && WIFSIGNALED(st);
	if (cut)
		r->program_exit = xstrdup("not recorded to its end (uftrace stopped first)");
	else if (killed)
		r->program_exit = xasprintf("killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
	else if (info->has_exit_status && WIFEXITED(st))
		r->program_exit = xasprintf("exit status %d", WEXITSTATUS(st));
	uint64_t u = a->unfinished;
	r->unfinished_polls = u;
	if (!cut && !killed && !u)
		return;
	char *still = u ? xasprintf("%" PRIu64 " poll%s still running then, cut at %s thread's last "
				    "sign of life: %s",
				    u, u == 1 ? " was" : "s were", u == 1 ? "its" : "their",
				    u == 1 ? "its duration is a lower bound" : "their durations are lower bounds")
			: xstrdup("no poll was running then");
	if (cut)
		add_note(r, xasprintf("uftrace stopped before the program ended: the recording is cut "
				      "short; %s",
				      still));
	else if (killed)
		add_note(r, xasprintf("the program was %s; %s", r->program_exit, still));
	else
		add_note(r, xasprintf("the recording ended inside a poll; %s", still));
	free(still);
}

static void lints(struct analyzer *a)
{
	const struct asp_rules *R = a->rules;
	for (size_t i = 0; i < a->ntasks; i++) {
		struct task_acc *t = &a->tasks[i];
		const char *root = a->fut_names.names[t->root_fut];
		if (R->never_yielded && t->polls == 1) {
			struct thresholds th = thresholds_for(a, root, NULL);
			enum asp_severity sev = severity_of(&th, t->last_dur);
			if (sev != ASP_SEV_NONE)
				add_poll_finding(a, "never-yielded", sev, &th, root, (uint32_t)i + 1,
						 t->last_tid, t->last_start, t->last_dur, t->last_culprit,
						 t->last_culprit_dur);
		}
		if (R->self_wake && t->best_run >= R->self_wake_min_polls) {
			struct thresholds th = thresholds_for(a, root, NULL);
			if (th.ignore)
				continue;
			struct asp_finding *fd = add_finding(a, "self-wake");
			fd->severity = ASP_SEV_WARNING;
			fd->future = xstrdup(root);
			fd->task = (uint32_t)i + 1;
			fd->tid = t->last_tid;
			fd->start_ns = t->best_run_start - a->start;
			fd->threshold_ns = R->self_wake_max_gap_ns;
			fd->pattern = xstrdup(th.pattern);
			fd->count = t->best_run;
		}
	}
}

/* How many times each future was created, where the recording shows it:
 * an async fn's constructor (`krate::f` for `krate::f::{closure#0}`) runs
 * once per instance, and `.await` calls `<F as IntoFuture>::into_future`
 * once per awaited instance. Without task arguments this is the only way to
 * tell two instances in tasks of the same type apart. */
static void creation_counts(struct analyzer *a, struct asp_strtab *names, uint64_t **counts)
{
	size_t cap = 0;
	*counts = NULL;
	static const char into[] = " as core::future::into_future::IntoFuture>::into_future";
	for (size_t i = 0; i < a->nsc; i++) {
		const struct symclass *c = &a->sc[i];
		if (!c->calls || !c->sym || (c->cls != CL_OTHER && c->cls != CL_INTO_FUTURE))
			continue;
		const char *n = asp_symbol_name(c->sym);
		char *key;
		if (c->cls == CL_INTO_FUTURE) {
			const char *end = strstr(n, into);
			if (n[0] != '<' || !end)
				continue;
			key = xstrndup(n + 1, (size_t)(end - n - 1));
		} else {
			key = xstrdup(n);
		}
		uint32_t k = asp_strtab_intern(names, key, NULL);
		free(key);
		if (k >= cap) {
			size_t ncap = cap ? cap * 2 : 256;
			while (ncap <= k)
				ncap *= 2;
			*counts = xreallocarray(*counts, ncap, sizeof(**counts));
			memset(*counts + cap, 0, (ncap - cap) * sizeof(**counts));
			cap = ncap;
		}
		(*counts)[k] += c->calls;
	}
}

static uint64_t created(const struct asp_strtab *names, const uint64_t *counts, const char *name,
			enum asp_future_kind kind)
{
	uint64_t best = 0;
	int64_t k = asp_strtab_find(names, name);
	if (k >= 0)
		best = counts[k];
	if (kind == ASP_FK_ASYNC_FN) {
		const char *suffix = strstr(name, "::{closure#0}");
		if (!suffix)
			suffix = strstr(name, "::{{closure}}");
		if (suffix && strlen(suffix) == 13) {
			char *ctor = xstrndup(name, (size_t)(suffix - name));
			k = asp_strtab_find(names, ctor);
			if (k >= 0 && counts[k] > best)
				best = counts[k];
			free(ctor);
		}
	}
	return best;
}

static struct asp_result *build_result(struct analyzer *a, const char *dir, const char *name)
{
	struct asp_result *r = xcalloc(1, sizeof(*r));
	const struct asp_info *info = asp_trace_info(a->t);
	r->path = xstrdup(dir);
	r->name = name ? xstrdup(name) : asp_run_name(dir);
	r->exe = asp_utf8_fix(xstrdup(info->exename ? info->exename : ""));
	/* the runtime: forced, else the profile whose task polls owned the most roots */
	size_t best = 0;
	for (size_t p = 1; p < a->rules->nprofiles; p++)
		if (a->profile_hits[p] > a->profile_hits[best])
			best = p;
	size_t best_detect = 0;
	for (size_t p = 1; p < a->rules->nprofiles; p++)
		if (a->detect_hits[p] > a->detect_hits[best_detect])
			best_detect = p;
	if (a->forced >= 0)
		r->runtime = xstrdup(a->rules->profiles[a->forced].name);
	else if (a->rules->nprofiles && a->profile_hits[best])
		r->runtime = xstrdup(a->rules->profiles[best].name);
	else if (a->rules->nprofiles && a->detect_hits[best_detect])
		r->runtime = xstrdup(a->rules->profiles[best_detect].name);
	else
		r->runtime = xstrdup("unknown");
	r->runtime_forced = a->forced >= 0;
	r->duration_ns = a->last_time > a->start ? a->last_time - a->start : 0;
	r->records = a->records;
	r->data_bytes = asp_trace_data_bytes(a->t);
	r->threads = asp_trace_nthreads(a->t);
	r->args_recorded = a->args_recorded;

	r->ntasks = a->ntasks;
	r->tasks = xcalloc(a->ntasks ? a->ntasks : 1, sizeof(*r->tasks));
	for (size_t i = 0; i < a->ntasks; i++) {
		struct task_acc *t = &a->tasks[i];
		struct asp_task *o = &r->tasks[i];
		o->id = (uint32_t)i + 1;
		o->root = xstrdup(a->fut_names.names[t->root_fut]);
		o->is_main = t->is_main;
		o->has_addr = t->has_addr;
		o->addr = t->addr;
		o->polls = t->polls;
		o->busy_ns = t->busy;
		o->idle_ns = t->idle;
		o->slow_polls = t->slow;
		o->first_poll_ns = t->started ? t->first_start - a->start : 0;
		o->end_ns = t->started ? t->last_end - a->start : 0;
		o->tids = t->tids;
		o->ntids = t->ntids;
		t->tids = NULL;
		o->poll_ns = t->d;
		memset(&t->d, 0, sizeof(t->d));
		asp_durations_finish(&o->poll_ns);
	}
	struct asp_strtab made_names = { 0 };
	uint64_t *made = NULL;
	creation_counts(a, &made_names, &made);
	size_t nf = a->fut_names.n;
	r->futures = xcalloc(nf ? nf : 1, sizeof(*r->futures));
	for (size_t i = 0; i < nf; i++) {
		struct fut_acc *f = &a->futs[i];
		if (!f->polls)
			continue;
		struct asp_future *o = &r->futures[r->nfutures++];
		o->name = xstrdup(a->fut_names.names[i]);
		o->kind = f->kind;
		o->task_ids = f->tasks;
		o->ntask_ids = f->ntasks;
		f->tasks = NULL;
		o->instances = f->instances;
		uint64_t n_made = created(&made_names, made, o->name, o->kind);
		if (n_made > o->instances && n_made <= f->polls)
			o->instances = n_made;
		o->polls = f->polls;
		o->busy_ns = f->busy;
		o->idle_ns = f->idle;
		o->slow_polls = f->slow;
		o->poll_ns = f->d;
		memset(&f->d, 0, sizeof(f->d));
		asp_durations_finish(&o->poll_ns);
	}
	free(made);
	asp_strtab_free(&made_names);
	asp_qsort(r->futures, r->nfutures, sizeof(*r->futures), future_cmp);
	lints(a);
	asp_qsort(a->findings, a->nfindings, sizeof(*a->findings), finding_cmp);
	r->findings = a->findings;
	r->nfindings = a->nfindings;
	a->findings = NULL;
	a->nfindings = 0;

	if (a->ntasks && !a->args_recorded)
		add_note(r, xstrdup("task poll arguments were not recorded: tasks with the same root "
				    "future are counted as one task (record with 'asprof-batch record' "
				    "to tell instances apart)"));
	if (a->ntasks == 0)
		add_note(r, xasprintf("no task polls found: is this a %s program, and were its "
				      "poll functions recorded?",
				      a->forced >= 0 ? a->rules->profiles[a->forced].name
						     : "tokio, async-std or smol"));
	if (a->lost_total == UINT64_MAX)
		add_note(r, xasprintf("at least %" PRIu64 " records were lost while recording (the "
				      "LOST records' counts add up past 64 bits: damaged?); polls around "
				      "them are cut short",
				      a->lost_total));
	else if (a->lost_total)
		add_note(r, xasprintf("%" PRIu64 " records were lost while recording; polls around them "
				      "are cut short",
				      a->lost_total));
	program_end(a, r, info);
	return r;
}

static void analyzer_free(struct analyzer *a)
{
	free(a->sc);
	for (size_t i = 0; i < a->nth; i++)
		free(a->th[i].st);
	free(a->th);
	for (size_t i = 0; i < a->ntasks; i++) {
		free(a->tasks[i].tids);
		asp_durations_free(&a->tasks[i].d);
	}
	free(a->tasks);
	asp_u64map_free(&a->task_by_addr);
	asp_u64map_free(&a->task_by_name);
	asp_strtab_free(&a->task_names);
	for (size_t i = 0; i < a->fut_names.n; i++) {
		free(a->futs[i].tasks);
		free(a->futs[i].has_task);
		asp_durations_free(&a->futs[i].d);
	}
	free(a->futs);
	asp_strtab_free(&a->fut_names);
	asp_u64map_free(&a->inst_last_end);
	free(a->profile_hits);
	free(a->detect_hits);
	for (size_t i = 0; i < a->nfindings; i++) {
		free(a->findings[i].rule);
		free(a->findings[i].future);
		free(a->findings[i].culprit);
		free(a->findings[i].pattern);
	}
	free(a->findings);
}

/* the analyzer's thread for trace thread i (index), made on its first records */
static struct thread_state *thread_at(struct analyzer *a, int *th_of, size_t i)
{
	if (th_of[i] < 0)
		th_of[i] = (int)(thread(a, asp_trace_thread_tid(a->t, i)) - a->th);
	return &a->th[th_of[i]];
}

static int *thread_index_new(const struct asp_trace *t)
{
	int *th_of = xmalloc(asp_trace_nthreads(t) * sizeof(*th_of));
	for (size_t i = 0; i < asp_trace_nthreads(t); i++)
		th_of[i] = -1;
	return th_of;
}

/* every record, merged by a decoder thread (asp_stream) */
static int read_stream(struct analyzer *a, char **err)
{
	struct asp_stream *m = asp_stream_open(a->t, err);
	if (!m)
		return -1;
	const struct asp_event *ev;
	const struct asp_rec *recs;
	size_t n, thr;
	int rc;
	bool first = true;
	int *th_of = thread_index_new(a->t);
	while ((rc = asp_stream_next(m, &recs, &n, &thr, &ev, err)) > 0) {
		uint64_t time = ev ? ev->time : recs[0].time;
		if (first && time && time < a->start)
			a->start = time;
		first = false;
		if (ev)
			consume(a, ev);
		else
			consume_batch(a, thread_at(a, th_of, thr), recs, n);
	}
	free(th_of);
	asp_stream_close(m);
	return rc;
}

/* plain calls folded by a worker per CPU (asp_fold), the rest merged */
static int read_folded(struct analyzer *a, char **err)
{
	struct asp_fold *f = asp_fold_open(a->t, plain_sym, a, err);
	if (!f)
		return -1;
	struct asp_fold_run run;
	int rc;
	bool first = true;
	int *th_of = thread_index_new(a->t);
	while ((rc = asp_fold_next(f, &run, err)) > 0) {
		if (first && run.items[0].time && run.items[0].time < a->start)
			a->start = run.items[0].time;
		first = false;
		consume_items(a, thread_at(a, th_of, run.thread), &run);
	}
	if (rc == 0) {
		asp_fold_symbols(f, fold_sym, a);
		/* what consume() counted of the events is in the totals */
		a->records = 0;
		for (size_t i = 0; i < asp_trace_nthreads(a->t); i++) {
			struct asp_fold_totals tot;
			asp_fold_totals(f, i, &tot);
			a->records += tot.records;
			if (th_of[i] >= 0 && tot.last)
				a->th[th_of[i]].last_time = tot.last;
			if (tot.max > a->last_time)
				a->last_time = tot.max;
		}
	}
	free(th_of);
	asp_fold_close(f);
	return rc;
}

/* A run whose records give nothing to measure is refused (exit 2), not
 * reported as a clean run of no tasks: every record dropped (timed
 * outside the recording: each file warned), no address that any symbol
 * file names (the README's promise: nothing has a name), or not one
 * entry among the records (all exits). A run without records (empty
 * files, or each unreadable from its first: warned) stays a clean one. */
static int nothing_measured(const struct analyzer *a, const char *dir, char **err)
{
	uint64_t dropped = asp_trace_dropped(a->t), entries = 0;
	if (!a->records)
		return 0;
	if (dropped >= a->records)
		return asp_fail(err, "%s: all %" PRIu64 " records are timed outside the recording (see the warnings): nothing can be analysed",
				dir, a->records);
	if (!asp_trace_nsymbols(a->t))
		return asp_fail(err, "%s: no recorded address is in a function of the symbol files (*.sym, placed by sid-*.map): nothing has a name, cannot be analysed (are they this build's?)",
				dir);
	for (size_t i = 0; i < a->nsc; i++)
		entries += a->sc[i].calls;
	if (!entries)
		return asp_fail(err, "%s: all %" PRIu64 " records are exits (not one function entry): nothing can be measured",
				dir, a->records);
	return 0;
}

/* folding pays with a thread or more of records, and more than one CPU;
 * a recording of very many threads keeps one merge (fewer blocks in
 * flight). ASPROF_FOLD=0 turns it off (the two give the same results:
 * tests/fold.sh compares them). */
#define FOLD_MAX_THREADS 64
static bool fold_wanted(const struct asp_trace *t)
{
	const char *e = getenv("ASPROF_FOLD");
	if (e && !strcmp(e, "0"))
		return false;
	return asp_trace_nthreads(t) <= FOLD_MAX_THREADS;
}

struct asp_result *asp_analyze(const char *dir, const struct asp_analyze_opts *opts, char **err)
{
	const struct asp_rules *rules = opts->rules;
	const char *runtime = opts->runtime ? opts->runtime : rules->runtime;
	int forced = -1;
	if (runtime && strcmp(runtime, "auto")) {
		for (size_t p = 0; p < rules->nprofiles; p++)
			if (!strcmp(rules->profiles[p].name, runtime))
				forced = (int)p;
		if (forced < 0) {
			asp_fail(err, "unknown runtime '%s' (known: auto and the profiles of the rules file)",
				 runtime);
			return NULL;
		}
	}
	struct asp_trace *t = asp_trace_open(dir, opts->warn, opts->warn_ctx, err);
	if (!t)
		return NULL;
	if (asp_trace_check_symbols(t, err) < 0) {
		asp_trace_close(t);
		return NULL;
	}
	struct analyzer a = { 0 };
	a.t = t;
	a.rules = rules;
	a.sink = opts->sink;
	a.forced = forced;
	a.start = asp_trace_start_time(t);
	a.profile_hits = xcalloc(rules->nprofiles + 1, sizeof(uint64_t));
	a.detect_hits = xcalloc(rules->nprofiles + 1, sizeof(uint64_t));
	int rc = fold_wanted(t) ? read_folded(&a, err) : read_stream(&a, err);
	struct asp_result *r = NULL;
	if (rc == 0) {
		/* what is still open ran until its thread's last sign of life: its
		 * last record, or a later scheduler event (perf-cpu*.dat) such as
		 * the exit of a program killed inside a blocking poll */
		for (size_t i = 0; i < a.nth; i++) {
			struct thread_state *ts = &a.th[i];
			uint64_t end = asp_trace_thread_end(t, ts->tid);
			if (end < ts->last_time)
				end = ts->last_time;
			else if (ts->n && end > a.last_time)
				a.last_time = end;
			for (size_t k = 0; k < ts->n; k++)
				a.unfinished += ts->st[k].is_future;
			while (ts->n)
				pop(&a, ts, end);
		}
		if (nothing_measured(&a, dir, err) < 0)
			rc = -1;
		else
			r = build_result(&a, dir, opts->name);
	}
	/* spans point at symbol names: the sink is done with them before the
	 * recording goes */
	if (opts->sink && opts->sink->flush)
		opts->sink->flush(opts->sink->ctx);
	analyzer_free(&a);
	asp_trace_close(t);
	return r;
}
