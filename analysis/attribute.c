/* attribute.c - the attribute stage: the class of every symbol (the
 * runtime profiles' patterns decide, once per symbol), and on the entry of
 * a frame that is not plain, what it is.
 *
 * - A task context is the innermost frame that polls a task (task_poll) or
 *   the main future (block_on). Inside it, the first future frame is the
 *   task's root: each root call is one poll of the task.
 * - Below the root, a future poll is a hand-written `<T as Future>::poll`,
 *   a combinator, or a user closure that is an async body: called directly
 *   by a Future::poll frame, or awaited right after an into_future call
 *   (a plain closure has neither).
 * - Each future poll gets its future (by name) and its task instance (by
 *   the task's self pointer when recorded, else by its root future).
 * - When a future poll's first three arguments are recorded, the values
 *   vote on which of them is its self (self_evidence). */
#include "analyzer.h"

#include <stdlib.h>
#include <string.h>

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

uint8_t classify_name(struct analyzer *a, const char *n, int8_t *profile)
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
	if (MATCH(wake, n, NULL))
		return CL_WAKE;
	if (MATCH(spawn, n, NULL))
		return CL_SPAWN;
	if (MATCH(task_run, n, NULL))
		return CL_TASK_RUN;
	if (MATCH(combinator, n, NULL))
		return CL_COMBINATOR;
	if (n[0] == '<' && strstr(n, " as core::future::into_future::IntoFuture>::into_future"))
		return CL_INTO_FUTURE;
	bool caught;
	if (end_panic_name(n, &caught))
		return CL_PANIC;
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

__attribute__((noinline)) struct symclass *symclass_new(struct analyzer *a,
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
		for (size_t p = 0; p < a->rules->nprofiles; p++) {
			if (prof_ok(a, p) && asp_patterns_match(&a->rules->profiles[p].detect, name))
				a->detect_hits[p]++;
			/* a forced runtime: would another profile see a task here? */
			if (!prof_ok(a, p) && asp_patterns_match(&a->rules->profiles[p].task_poll, name) &&
			    !asp_patterns_match(&a->rules->profiles[p].not_task, name))
				a->other_polls[p]++;
		}
	}
	return c;
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
		f->srcline = asp_trace_srcline(a->t, sym);
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

/* is closure `name` the body of the async fn `ctor` ("ctor::{{closure}}"
 * or "ctor::{closure#0}")? */
static bool body_of(const char *ctor, const char *name)
{
	size_t l = strlen(ctor);
	return !strncmp(name, ctor, l) &&
	       (!strcmp(name + l, "::{{closure}}") || !strcmp(name + l, "::{closure#0}"));
}

/* is name a closure of the context frame ctx's own function (async-std's
 * SupportTaskLocals::poll::{closure#0}, block_on::{closure#0})? */
static bool own_closure(const struct frame *ctx, const char *name)
{
	const char *cn = asp_symbol_name(ctx->sym);
	size_t l = strlen(cn);
	return !strncmp(name, cn, l) && !strncmp(name + l, "::{", 3);
}

/* ---------------------------------------------------------------- self */

/* How far above the task pointer a task's root future lies: the task
 * cell's header, scheduler and id before it (tokio's Cell<T, S>, async-task's
 * raw task: a few words); a stack address is never this close to the heap */
#define SELF_NEAR_TASK 4096

/* Evidence of which argument of future frame f's poll is its self: arg1,
 * or arg2 when the poll returns its large Poll<T> through a hidden first
 * argument (System V sret; cx is then arg3). One vote per poll, for arg1
 * (self_votes[0]) or arg2 ([1]), counted over the run and weighed at the
 * end (aggregate.c), where no evidence keeps arg1:
 * - a task's root: its self lies in the task, a little above the task
 *   pointer (the task poll's arg1), and the other candidate does not;
 * - below a root: `.await` passes cx unchanged, so the child's cx (its
 *   arg2, or arg3) is the nearest enclosing recorded poll's (its arg2, or
 *   arg3): exactly one of the four pairs equal votes for both polls;
 *   arg2 = arg2 and arg3 = arg3 say only that both take the same (the
 *   child follows its parent's evidence); other doubles tell nothing (a
 *   leftover register may hold cx too; combinators that make their own
 *   cx give no pair). */
static void self_evidence(struct analyzer *a, struct thread_state *ts, const struct frame *f,
			  const struct frame *ctx)
{
	if (f->is_root) {
		if (!ctx->ctx_has_arg)
			return;
		bool near1 = f->fut_arg - ctx->arg < SELF_NEAR_TASK;
		bool near2 = f->fut_arg2 - ctx->arg < SELF_NEAR_TASK;
		if (near1 != near2)
			a->futs[f->fut].self_votes[near2]++;
		return;
	}
	int p = f->fut_parent;
	while (p >= 0 && !ts->st[p].has_cx_args)
		p = ts->st[p].fut_parent;
	if (p < 0)
		return;
	const struct frame *pf = &ts->st[p];
	const uint64_t pcx[2] = { pf->fut_arg2, pf->fut_arg3 }, ccx[2] = { f->fut_arg2, f->fut_arg3 };
	int pairs = 0, pi = 0, ci = 0;
	bool same[2] = { false, false };
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2; j++)
			if (pcx[i] && pcx[i] == ccx[j]) {
				pairs++;
				pi = i;
				ci = j;
				same[i] |= i == j;
			}
	const uint64_t *pv = a->futs[pf->fut].self_votes;
	if (pairs == 2 && same[0] && same[1]) {
		/* both arg2 and both arg3 equal: both polls take self from the
		 * same argument (cx and a leftover register, or a child laid at
		 * the start of its parent's state and cx): the one the parent's
		 * evidence so far favours */
		if (pv[0] != pv[1])
			a->futs[f->fut].self_votes[pv[1] > pv[0]]++;
		return;
	}
	if (pairs != 1)
		return;
	a->futs[pf->fut].self_votes[pi]++;
	a->futs[f->fut].self_votes[ci]++;
}

/* ---------------------------------------------------------------- wakes */

/* A wake of the task at ptr: its scheduled time starts with the first
 * wake since its last poll (later ones before the poll are the same
 * wait); a wake during its poll waits from the poll's end
 * (wake_ctx_leave) */
static void wake_enter(struct analyzer *a, const struct thread_state *ts, uint64_t ptr,
		       uint64_t time)
{
	bool added;
	a->wake_args = true;
	a->wakes++;
	struct asp_u64map_ent *e = asp_u64map_add(&a->wake_at, ptr, &added);
	if (!added)
		return;
	e->val = time;
	e->aux = (uint32_t)ts->tid;
}

/* what is pending for the task at ptr in map m (a wake, a creation: its
 * time, its thread in the entry's aux), taken: its time (0: none) */
static uint64_t take_pending(struct asp_u64map *m, uint64_t ptr, int *tid)
{
	uint64_t time;
	uint32_t t;
	if (!asp_u64map_take(m, ptr, &time, &t))
		return 0;
	*tid = (int)t;
	return time;
}

/* the wake that made the poll of the task at ptr starting now, taken:
 * its time (0: none) */
static uint64_t wake_take(struct analyzer *a, uint64_t ptr, int *tid)
{
	return take_pending(&a->wake_at, ptr, tid);
}

/* how long thread ts waited for a CPU between from and to: its times off
 * the CPU that were the machine's (preempted, or parked outside a poll and
 * not yet running again), those the ring still holds */
static uint64_t cpu_wait(const struct thread_state *ts, uint64_t from, uint64_t to)
{
	uint64_t sum = 0;
	uint32_t n = ts->nidle < IDLE_SLOTS ? ts->nidle : IDLE_SLOTS;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t s = ts->idle[i].from > from ? ts->idle[i].from : from;
		uint64_t e = ts->idle[i].to < to ? ts->idle[i].to : to;
		if (e > s)
			sum += e - s;
	}
	return sum;
}

void wake_ctx_leave(struct analyzer *a, const struct frame *f, uint64_t end)
{
	if (!f->ctx_has_arg)
		return;
	/* a creation still pending for the pointer belonged to no task
	 * polled since (its first poll took its own): a later task at this
	 * address must not take it */
	asp_u64map_del(&a->spawn_at, f->ctx_wake_ptr);
	struct asp_u64map_ent *e = asp_u64map_find(&a->wake_at, f->ctx_wake_ptr);
	if (!e)
		return;
	if (f->ctx_task && a->tasks[f->ctx_task - 1].done)
		/* the pointer's next task is another one: never woken yet */
		asp_u64map_del(&a->wake_at, f->ctx_wake_ptr);
	else if (e->val < end)
		e->val = end;
}

/* a long wait of task t, for the scheduling-delay rule when it runs */
static void long_wait_add(struct analyzer *a, struct task_acc *t, const struct long_wait *lw)
{
	if (!a->rules->rule_on[ASP_RULE_SCHED_DELAY])
		return;
	t->lw = xreallocarray(t->lw, t->nlw + 1, sizeof(*t->lw));
	t->lw[t->nlw++] = *lw;
}

/* task t's first-poll delay: from its creation at to the start of its
 * first poll on thread ts, with the part ts waited for a CPU; the wait */
static struct long_wait first_delay(struct task_acc *t, const struct thread_state *ts, uint64_t at,
				    uint64_t start)
{
	uint64_t cpu = cpu_wait(ts, at, start);
	t->spawned = true;
	t->first_delay = start - at;
	t->first_cpu = cpu;
	return (struct long_wait){ at, start, cpu, true, ts->tid, SIZE_MAX, 0 };
}

/* the first-poll delay lw of task t, when long: said, and kept for the
 * scheduling-delay rule */
static void first_long(struct analyzer *a, struct task_acc *t, const struct long_wait *lw)
{
	if (lw->start - lw->woken - lw->cpu < a->rules->sched_long_ns)
		return;
	t->first_long = true;
	long_wait_add(a, t, lw);
}

/* ---------------------------------------------------------------- spawns */

void spawn_leave(struct analyzer *a, const struct thread_state *ts, const struct asp_event *ev)
{
	uint64_t ptr;
	if (!ts->n)
		return;
	const struct frame *f = &ts->st[ts->n - 1];
	if (f->cls != CL_SPAWN || f->depth != ev->depth || !asp_event_retval(ev, &ptr) || !ptr)
		return;
	a->spawn_rets = true;
	a->spawns++;
	/* another worker may have polled the task (and even completed it)
	 * before the spawn returned: its first poll waited from the spawn's
	 * start (the task is known by the same pointer: tokio's). An earlier
	 * task at that address started before this spawn did. */
	uint64_t v;
	if (asp_u64map_get(&a->task_by_addr, ptr, &v)) {
		struct task_acc *t = &a->tasks[v - 1];
		if (!t->spawned && t->first_unmatched >= f->start) {
			/* too late for victims: the blocking polls of its
			 * thread were judged at its poll */
			struct long_wait lw = first_delay(t, &a->th[t->first_th], f->start,
							  t->first_unmatched);
			first_long(a, t, &lw);
			t->first_unmatched = 0;
			return;
		}
	}
	/* a pointer created again (its task never polled) starts anew */
	bool added;
	struct asp_u64map_ent *e = asp_u64map_add(&a->spawn_at, ptr, &added);
	e->val = f->start;
	e->aux = (uint32_t)ts->tid;
}

/* the creation of the task at ptr, whose first poll starts now, taken:
 * its time (0: none recorded) */
static uint64_t spawn_take(struct analyzer *a, uint64_t ptr, int *tid)
{
	return take_pending(&a->spawn_at, ptr, tid);
}

/* The task id, woken at woken, whose poll on thread ts starts at start:
 * a victim of each blocking poll of this thread that held it while the
 * task was ready (its wake before the blocking poll's end, its poll after
 * the blocking poll's start), for the part of its wait the blocking poll
 * covers. Only this thread's: a task polled on another worker was not
 * held back by it. The one it waited behind longest (its finding's index,
 * SIZE_MAX none) and how long, in *lw. poll: the start of its root's
 * poll (the task poll span's). */
static void victims_of(struct analyzer *a, const struct thread_state *ts, uint32_t id,
		       uint64_t woken, uint64_t start, uint64_t poll, struct long_wait *lw)
{
	uint32_t n = ts->nblk < BLOCKING_SLOTS ? ts->nblk : BLOCKING_SLOTS;
	lw->behind = SIZE_MAX;
	lw->behind_ns = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t from = ts->blk[i].from > woken ? ts->blk[i].from : woken;
		uint64_t to = ts->blk[i].to < start ? ts->blk[i].to : start;
		if (to <= from || ts->blk[i].finding >= a->nfindings)
			continue;
		asp_finding_add_victim(&a->findings[ts->blk[i].finding], id,
				       a->fut_names.names[a->tasks[id - 1].root_fut], to - from,
				       poll - a->start);
		if (to - from > lw->behind_ns) {
			lw->behind = ts->blk[i].finding;
			lw->behind_ns = to - from;
		}
	}
}

/* the first-poll delay of task id, whose first poll context ctx runs:
 * from its creation, when recorded, to the start of its poll */
static void first_poll(struct analyzer *a, const struct thread_state *ts, struct frame *ctx,
		       uint32_t id, uint64_t root_start)
{
	struct task_acc *t = &a->tasks[id - 1];
	int tid = 0;
	uint64_t at = ctx->ctx_has_arg ? spawn_take(a, ctx->ctx_wake_ptr, &tid) : 0;
	uint64_t start = ctx->ctx_poll_start;
	if (!at || at > start) {
		if (ctx->ctx_has_arg) {
			t->first_unmatched = start;
			t->first_th = (uint32_t)(ts - a->th);
		}
		return;
	}
	ctx->ctx_spawned = at;
	ctx->ctx_spawner_tid = tid;
	struct long_wait lw = first_delay(t, ts, at, start);
	victims_of(a, ts, id, at, start, root_start, &lw);
	first_long(a, t, &lw);
}

/* the scheduled time of the poll of task id that context ctx runs: from
 * the wake taken on its entry to its start. A task's first poll has none
 * (its wakers come from its polls: a wake before it was of an earlier task
 * at the same address): its first-poll delay instead */
static void wake_poll(struct analyzer *a, struct thread_state *ts, struct frame *ctx,
		      uint32_t id, uint64_t root_start)
{
	struct task_acc *t = &a->tasks[id - 1];
	ctx->ctx_task = id;
	if (ctx->ctx_run >= 0)
		ts->st[ctx->ctx_run].ctx_task = id;
	if (!t->started) {
		ctx->ctx_woken = 0;
		first_poll(a, ts, ctx, id, root_start);
		return;
	}
	if (!ctx->ctx_woken)
		return;
	uint64_t start = ctx->ctx_poll_start;
	uint64_t d = start > ctx->ctx_woken ? start - ctx->ctx_woken : 0;
	uint64_t cpu = ctx->ctx_woken_cpu < d ? ctx->ctx_woken_cpu : d;
	ctx->ctx_woken_cpu = cpu; /* for the poll's span */
	asp_durations_add(&t->sched, d);
	t->sched_cpu += cpu;
	struct long_wait lw = { ctx->ctx_woken, start, cpu, false, ts->tid, SIZE_MAX, 0 };
	victims_of(a, ts, id, ctx->ctx_woken, start, root_start, &lw);
	if (d - cpu < a->rules->sched_long_ns)
		return;
	t->sched_long++;
	long_wait_add(a, t, &lw);
}

/* the frame around the task poll context entered at idx that runs its
 * task with the pointer the wakes give (ctx_run), or -1: a task_run
 * frame, or a task poll context (async-task's RawTask::run taken as
 * smol's) with that pointer and no root yet, between it and the
 * enclosing context */
static int task_run_frame(const struct thread_state *ts, int idx)
{
	int low = ts->ctx >= 0 ? ts->ctx : 0;
	for (int i = idx - 1; i >= low; i--) {
		const struct frame *r = &ts->st[i];
		if (r->ctx_has_arg && (r->cls == CL_TASK_RUN ||
				       (r->is_ctx && r->cls == CL_TASK_POLL && r->ctx_root < 0)))
			return i;
	}
	return -1;
}

/* a frame that polls a task (f, entered at time) with pointer ptr: the
 * wake it follows, taken */
static void take_wake(struct analyzer *a, const struct thread_state *ts, struct frame *f,
		      uint64_t ptr, uint64_t time)
{
	f->ctx_wake_ptr = ptr;
	f->ctx_poll_start = time;
	f->ctx_woken = wake_take(a, ptr, &f->ctx_waker_tid);
	f->ctx_woken_cpu = f->ctx_woken ? cpu_wait(ts, f->ctx_woken, time) : 0;
}

static bool poll_parent(uint8_t cls)
{
	return cls == CL_POLL_PLUMBING || cls == CL_USER_FUTURE || cls == CL_COMBINATOR;
}

/* what the frame of a non-plain symbol is: pushed, then a context, a
 * future poll (a task root or below one), or neither */
__attribute__((noinline)) void attribute_enter(struct analyzer *a, struct thread_state *ts,
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
		/* a context's own closure inside it (the patterns list the
		 * closures for recordings that patched only closures): the
		 * same context, not a new one */
		if (ctx && ctx->cls == c->cls && ctx->ctx_root < 0 && ctx->sym &&
		    own_closure(ctx, asp_symbol_name(sym))) {
			f->cls = CL_PLUMBING;
			return;
		}
		f->ctx_encl_fut = f->fut_parent;
		f->is_ctx = true;
		f->kids_used = false;
		f->task = 0;
		f->fut_parent = -1;
		f->main_fut = -1;
		f->ctx_block_on = -1;
		/* only the program's main thread runs the main future: another
		 * thread's block_on(ex.run(..)) is an executor's run loop, whose
		 * own future (if a user one) is an ordinary task */
		f->ctx_main = c->cls == CL_BLOCK_ON && ts->main_thread;
		/* a task poll right under block_on may be the main future's own
		 * wrapper (async-std polls main through its task type): decided
		 * by its root, at the root */
		if (c->cls == CL_TASK_POLL && ctx && ctx->cls == CL_BLOCK_ON && ctx->ctx_main &&
		    ctx->ctx_root < 0)
			f->ctx_block_on = ts->ctx;
		uint64_t arg;
		f->ctx_woken = f->ctx_woken_cpu = 0;
		f->ctx_waker_tid = 0;
		f->ctx_task = 0;
		f->ctx_wake_ptr = 0;
		f->ctx_poll_start = time;
		f->ctx_run = -1;
		f->ctx_spawned = 0;
		f->ctx_spawner_tid = 0;
		int run = c->cls == CL_TASK_POLL ? task_run_frame(ts, idx) : -1;
		if (ev && asp_event_arg1(ev, &arg)) {
			f->ctx_has_arg = true;
			f->arg = arg;
			if (c->cls == CL_TASK_POLL)
				a->args_recorded = true;
			if (run < 0)
				take_wake(a, ts, f, arg, time);
		}
		if (run >= 0 && f->ctx_has_arg) {
			/* its task's wakes and spawn give the pointer of the
			 * frame that runs it: that frame took the wake */
			struct frame *r = &ts->st[run];
			f->ctx_run = run;
			f->ctx_wake_ptr = r->ctx_wake_ptr;
			f->ctx_poll_start = r->ctx_poll_start;
			f->ctx_woken = r->ctx_woken;
			f->ctx_woken_cpu = r->ctx_woken_cpu;
			f->ctx_waker_tid = r->ctx_waker_tid;
			r->ctx_woken = 0;
		}
		ts->ctx = idx;
		return;
	}
	case CL_WAKE: {
		uint64_t ptr;
		if (ev && asp_event_arg1(ev, &ptr))
			wake_enter(a, ts, ptr, time);
		return;
	}
	case CL_TASK_RUN: {
		/* a plain frame that holds the pointer for the task poll
		 * inside it (task_run_frame) */
		uint64_t ptr;
		f->ctx_woken = 0;
		f->ctx_task = 0;
		if (ev && asp_event_arg1(ev, &ptr)) {
			f->ctx_has_arg = true;
			f->arg = ptr;
			take_wake(a, ts, f, ptr, time);
		}
		return;
	}
	case CL_SPAWN:
		return; /* its pointer comes with its exit (spawn_leave) */
	case CL_TASK_DONE:
		/* called while the task's poll runs (tokio) or right after it
		 * returned (async-task): the task that last returned here */
		if (ts->last_root_task)
			a->tasks[ts->last_root_task - 1].done = true;
		return;
	case CL_INTO_FUTURE:
		return;
	case CL_PANIC:
		end_panic_enter(a, ts, f);
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
		} else if (parent->is_future && parent->last_call &&
			   body_of(asp_symbol_name(parent->last_call), asp_symbol_name(sym))) {
			/* awaited right after its constructor returned (no
			 * into_future: a recording that patched only some
			 * functions) */
			future = true;
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
	f->off_blk = f->off_pre = f->child_own = 0;
	f->nbs = 0;
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
		if (bo && ts->main_thread) {
			if (bo->main_fut < 0)
				bo->main_fut = f->fut;
			ctx->ctx_main = bo->main_fut == f->fut;
		}
		uint32_t id = task_for_root(a, ctx, (uint32_t)f->fut);
		f->task = id;
		wake_poll(a, ts, ctx, id, time);
		a->profile_hits[ctx->profile >= 0 ? ctx->profile : 0]++;
	} else {
		f->level = f->fut_parent >= 0 ? ts->st[f->fut_parent].level + 1 : 0;
	}
	if (ev && ev->nspecs && asp_event_arg1(ev, &f->fut_arg)) {
		f->has_fut_arg = true;
		f->has_cx_args = asp_event_arg(ev, 2, &f->fut_arg2) && asp_event_arg(ev, 3, &f->fut_arg3);
		if (f->has_cx_args)
			self_evidence(a, ts, f, ctx);
	}
}
