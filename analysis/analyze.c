/* analyze.c - the driver of the analysis: one pass over a recording.
 *
 * Every symbol gets a class once (attribute.c); then each thread keeps a
 * stack of frames built from entry/exit records. Plain calls are handled
 * here, on the hot path; the entry of anything else goes to the attribute
 * stage, and the return of a future poll to the detect and aggregate stages
 * (analyzer.h says who does what). The records come one of three ways: a
 * merged stream's batches of one thread (consume_batch), its events with
 * arguments or lost counts (consume), or the folding readers' items
 * (consume_items); each is a loop over its own input type, so that the
 * plain-call fast path of each stays a few loads and stores.
 */
#include "analyzer.h"
#include "ingest/fold.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void note_child(struct frame *parent, const struct frame *child, uint64_t dur)
{
	const struct asp_symbol *deep;
	uint64_t deep_dur;
	culprit_hot_path(child->kids, child->nkids, child->sym, dur, &deep, &deep_dur);
	culprit_add(parent->kids, &parent->nkids, child->sym, dur, deep, deep_dur);
}

/* ---------------------------------------------------------------- frames */

__attribute__((noinline)) void grow_stack(struct thread_state *ts)
{
	ts->cap = ts->cap ? ts->cap * 2 : 64;
	ts->st = xreallocarray(ts->st, ts->cap, sizeof(*ts->st));
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

/* what the poll of future frame f did, returning at end */
static void poll_facts_of(const struct thread_state *ts, const struct frame *f, uint64_t end,
			  struct poll_facts *pf)
{
	uint64_t dur = end - f->start;
	uint64_t pre = f->off_pre < dur ? f->off_pre : dur;
	uint64_t blk = f->off_blk < dur - pre ? f->off_blk : dur - pre;
	pf->tid = ts->tid;
	pf->task = f->task;
	pf->start = f->start;
	pf->dur = dur;
	pf->split = (struct asp_split){ dur - blk - pre, blk, pre };
	culprit_path(f->kids, f->nkids, &pf->cpu_outer, &pf->cpu_inner, &pf->cpu_dur,
		     &pf->cpu_calls);
	pf->blk = (struct blocked_at){ 0 };
	for (int i = 0; i < f->nbs; i++)
		if (f->bs[i].sum > pf->blk.sum)
			pf->blk = f->bs[i];
}

/* a future poll returns: each stage takes its part */
static void leave_future(struct analyzer *a, struct thread_state *ts, struct frame *f,
			 uint64_t end)
{
	struct poll_facts pf;
	poll_facts_of(ts, f, end, &pf);
	aggregate_poll(a, ts, f, end, pf.dur, &pf.split);

	const struct asp_finding *fd;
	enum asp_severity sev = detect_poll(a, ts, f, &pf, &fd);
	/* before another stage may add findings (and move them); the span's
	 * culprit a copy that lives until the sink's flush (a finding may be
	 * dropped before it) */
	const char *culprit = NULL;
	if (fd && fd->culprit) {
		uint32_t k = asp_strtab_intern(&a->span_culprits, fd->culprit, NULL);
		culprit = a->span_culprits.names[k]; /* after intern: it may move names */
	}
	enum asp_doing doing = fd ? fd->doing : ASP_DOING_UNKNOWN;
	if (fd) {
		/* the tasks polled here later that were ready meanwhile wait
		 * behind it (attribute.c, victims_of) */
		uint32_t k = ts->nblk++ % BLOCKING_SLOTS;
		ts->blk[k].from = f->start;
		ts->blk[k].to = end;
		ts->blk[k].finding = (size_t)(fd - a->findings);
	}

	if (f->is_root && f->task) {
		struct task_acc *task = &a->tasks[f->task - 1];
		detect_task_poll(a, ts, task, f, &pf);
		aggregate_task_poll(a, ts, task, f, end, pf.dur, &pf.split);
	} else if (f->is_root) {
		ts->root_polls++;
	}

	if (a->sink && a->sink->span) {
		const struct fut_acc *fa = &a->futs[f->fut];
		const char *name = a->fut_names.names[f->fut];
		struct asp_span s = {
			.is_task_poll = f->is_root,
			.task = f->task,
			.tid = ts->tid,
			.start_ns = f->start - a->start,
			.end_ns = end - a->start,
			.name = name,
			.srcline = fa->srcline,
			.kind = fa->kind,
			.level = f->level,
			.blocking = sev,
			.culprit = culprit,
			.split = pf.split,
			.doing = doing,
		};
		const struct frame *ctx = f->is_root && f->prev_ctx >= 0 ? &ts->st[f->prev_ctx] : NULL;
		if (ctx && ctx->ctx_woken) {
			s.woken = true;
			s.woken_cpu_known = a->sched;
			s.woken_cpu_ns = ctx->ctx_woken_cpu; /* cut to the wait (wake_poll) */
			s.woken_ns = ctx->ctx_woken - a->start;
			s.waker_tid = ctx->ctx_waker_tid;
		}
		if (ctx && ctx->ctx_spawned) {
			s.spawned = true;
			s.spawned_ns = ctx->ctx_spawned - a->start;
			s.spawner_tid = ctx->ctx_spawner_tid;
		}
		a->sink->span(a->sink->ctx, &s);
	}
}

/* ---------------------------------------------------------------- switches */

/* where future frame st[k] blocked for d: the call right below it and the
 * innermost open call (NULL, NULL: its own code), into its slots; a new
 * place replaces the smaller slot when it is larger */
static void blocked_add(struct frame *st, int k, int top, uint64_t d)
{
	struct frame *f = &st[k];
	const struct asp_symbol *outer = k < top ? st[k + 1].sym : NULL;
	const struct asp_symbol *inner = k < top ? st[top].sym : NULL;
	struct blocked_at *slot = NULL;
	for (int i = 0; i < f->nbs; i++)
		if (f->bs[i].outer == outer && f->bs[i].inner == inner)
			slot = &f->bs[i];
	if (!slot) {
		if (f->nbs < BLOCKED_SLOTS) {
			slot = &f->bs[f->nbs++];
		} else {
			slot = f->bs[0].sum <= f->bs[1].sum ? &f->bs[0] : &f->bs[1];
			if (slot->sum >= d)
				return;
		}
		*slot = (struct blocked_at){ outer, inner, 0, 0 };
	}
	slot->sum += d;
	slot->n++;
}

/* What a frame says about the thread's waits there: a yield (the thread
 * gives the CPU away while runnable: its own choice, not preemption), or
 * a wait on another thread of the program (a lock, a Once, a park). */
enum wait_kind { WAIT_OTHER, WAIT_YIELD, WAIT_ON_THREAD };
static enum wait_kind wait_kind_of(const struct asp_symbol *sym)
{
	if (!sym)
		return WAIT_OTHER;
	const char *n = asp_symbol_name(sym);
	if (strstr(n, "yield_now"))
		return WAIT_YIELD;
	/* the standard library's and parking_lot's waits, not a function of
	 * the program that happens to have such a word in its name */
	if (!strstr(n, "std::") && !strstr(n, "parking_lot"))
		return WAIT_OTHER;
	static const char *const on_thread[] = { "Mutex", "RwLock", "_contended", "Once",
						 "::park" };
	for (size_t i = 0; i < sizeof(on_thread) / sizeof(*on_thread); i++)
		if (strstr(n, on_thread[i]))
			return WAIT_ON_THREAD;
	return WAIT_OTHER;
}

/* How long, from out, another thread of the program stayed preempted that
 * was already preempted when this one started waiting on it (at most
 * until in): on a busy machine the thread holding a lock is most often
 * one that waits for the CPU, and that wait is the machine's, not the
 * program's. Only when that covers at least a third of the wait: the
 * holder is not known, and a thread preempted briefly at the start of a
 * long wait (a lock held across a sleep) is not what it waited on. */
static uint64_t behind_preempted(const struct analyzer *a, const struct thread_state *ts,
				 uint64_t out, uint64_t in)
{
	uint64_t until = out;
	for (size_t j = 0; j < asp_trace_nthreads(a->t); j++) {
		if (asp_trace_thread_tid(a->t, j) == ts->tid)
			continue;
		size_t n;
		const struct asp_switch *sw = asp_trace_switches(a->t, j, &n);
		size_t lo = 0, hi = n; /* the last switch-out at or before out */
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (sw[mid].out <= out)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (!lo || !sw[lo - 1].preempted)
			continue;
		uint64_t back = sw[lo - 1].in;
		if (lo < n && sw[lo].out < back)
			back = sw[lo].out; /* its switch-in lost: back by then */
		if (back > until)
			until = back;
	}
	uint64_t behind = (until < in ? until : in) - out;
	return behind * 3 >= in - out ? behind : 0;
}

static void offcpu_span(struct analyzer *a, const struct thread_state *ts, uint32_t task,
			uint64_t from, uint64_t to, bool pre, int top)
{
	if (!a->sink || !a->sink->offcpu || to <= from)
		return;
	struct asp_offcpu o = {
		.tid = ts->tid,
		.task = task,
		.start_ns = from - a->start,
		.end_ns = to - a->start,
		.preempted = pre,
		.where = asp_symbol_name(ts->st[top].sym),
	};
	a->sink->offcpu(a->sink->ctx, &o);
}

/* the thread was switched out (s) with the stack it has now: every open
 * future poll takes the time off the CPU, up to end at the latest (the
 * thread ran again by then: its next record or switch-out, or its last
 * sign of life). Preempted, unless it yielded itself; blocked, except
 * the part of a wait on another thread while that one was preempted. */
static void switched_out(struct analyzer *a, struct thread_state *ts, const struct asp_switch *s,
			 uint64_t end)
{
	uint64_t in = s->in < end ? s->in : end;
	if (s->preempted)
		a->sw_pre++;
	else
		a->sw_vol++;
	if (in <= s->out)
		return;
	int top = (int)ts->n - 1;
	int k = !ts->n ? -1 : ts->st[top].is_future ? top : ts->st[top].fut_parent;
	if (s->preempted || k < 0) {
		/* the machine's time: scheduled times leave it out */
		ts->idle[ts->nidle % IDLE_SLOTS].from = s->out;
		ts->idle[ts->nidle++ % IDLE_SLOTS].to = in;
	}
	if (k < 0)
		return; /* not in a poll */
	enum wait_kind wk = wait_kind_of(ts->st[top].sym);
	uint64_t d = in - s->out, pre = 0;
	if (s->preempted && wk != WAIT_YIELD)
		pre = d;
	else if (!s->preempted && wk == WAIT_ON_THREAD)
		a->behind_ns += pre = behind_preempted(a, ts, s->out, in);
	uint64_t blk = d - pre;
	uint32_t task = ts->st[k].task;
	for (; k >= 0; k = ts->st[k].fut_parent) {
		struct frame *f = &ts->st[k];
		f->off_pre += pre;
		f->off_blk += blk;
		if (blk)
			blocked_add(ts->st, k, top, blk);
	}
	offcpu_span(a, ts, task, s->out, s->out + pre, true, top);
	offcpu_span(a, ts, task, s->out + pre, in, false, top);
}

/* the switch-outs of the thread up to index upto (exclusive), the thread
 * running again at end at the latest */
static void switches_upto(struct analyzer *a, struct thread_state *ts, size_t upto, uint64_t end)
{
	for (; ts->swi < upto && ts->swi < ts->nsw; ts->swi++) {
		size_t i = ts->swi;
		uint64_t next = i + 1 < ts->nsw && ts->sw[i + 1].out < end ? ts->sw[i + 1].out : end;
		switched_out(a, ts, &ts->sw[i], next);
	}
}

/* the records drive the switches: those before time, a record's */
static __attribute__((noinline)) void switches_before(struct analyzer *a, struct thread_state *ts,
						      uint64_t time)
{
	size_t upto = ts->swi;
	while (upto < ts->nsw && ts->sw[upto].out < time)
		upto++;
	switches_upto(a, ts, upto, time);
	ts->next_sw = ts->swi < ts->nsw ? ts->sw[ts->swi].out : UINT64_MAX;
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
		if (parent->is_future)
			parent->last_call = f->sym;
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
	if (f->is_ctx) {
		ts->ctx = f->prev_ctx;
		wake_ctx_leave(a, f, end);
		/* a future that encloses another task's poll is not blocking
		 * for it (async-std's Or<main, run loop> in block_on) */
		if (f->ctx_encl_fut >= 0 && f->cls == CL_TASK_POLL)
			ts->st[f->ctx_encl_fut].blocked_below = true;
	}
	if (idx > 0) {
		struct frame *parent = &ts->st[idx - 1];
		/* a future polled inside another is a callee like any other:
		 * the time of a poll spent in a child's polls is the child's */
		if (!f->is_ctx && parent->kids_used)
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
	ts->main_thread = asp_trace_is_main_thread(a->t, tid);
	ts->ctx = -1;
	ts->next_sw = UINT64_MAX;
	for (size_t i = 0; i < asp_trace_nthreads(a->t); i++)
		if (asp_trace_thread_tid(a->t, i) == tid) {
			ts->sw = asp_trace_switches(a->t, i, &ts->nsw);
			if (!a->sw_items && ts->nsw)
				ts->next_sw = ts->sw[0].out;
		}
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
		attribute_enter(a, ts, sym, time, depth, ev, c);
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
		if (ev->data)
			spawn_leave(a, ts, ev);
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
	uint64_t last = 0, max = a->last_time, next_sw = ts->next_sw;
	for (size_t i = 0; i < n; i++) {
		const struct asp_rec *r = &recs[i];
		uint64_t time = r->time;
		uint16_t depth = r->depth;
		if (__builtin_expect(time > next_sw, 0)) {
			ts->n = top;
			switches_before(a, ts, time);
			next_sw = ts->next_sw;
		}
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
		case ASP_FOLD_SWITCH:
			switches_upto(a, ts, it->aux, it->time);
			continue;
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
				if (parent->is_future)
					parent->last_call = it->sym; /* as pop_plain */
				if (ts->ctx >= 0 && ts->st[ts->ctx].ctx_root == (int)ts->n)
					ts->st[ts->ctx].ctx_root = -1;
			}
		}
	}
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
		asp_durations_free(&a->tasks[i].sched);
		free(a->tasks[i].lw);
	}
	free(a->tasks);
	asp_u64map_free(&a->task_by_addr);
	asp_u64map_free(&a->task_by_name);
	asp_u64map_free(&a->wake_at);
	asp_u64map_free(&a->spawn_at);
	asp_strtab_free(&a->task_names);
	for (size_t i = 0; i < a->fut_names.n; i++) {
		free(a->futs[i].callees);
		free(a->futs[i].tasks);
		free(a->futs[i].has_task);
		asp_durations_free(&a->futs[i].d);
	}
	free(a->futs);
	asp_strtab_free(&a->fut_names);
	asp_strtab_free(&a->span_culprits);
	asp_u64map_free(&a->inst_last_end);
	asp_u64map_free(&a->inst2_last_end);
	free(a->profile_hits);
	free(a->detect_hits);
	free(a->other_polls);
	for (size_t i = 0; i < a->nfindings; i++) {
		free(a->findings[i].rule);
		free(a->findings[i].future);
		free(a->findings[i].culprit);
		free(a->findings[i].culprit_srcline);
		free(a->findings[i].srcline);
		free(a->findings[i].no_culprit);
		free(a->findings[i].pattern);
	}
	free(a->findings);
	free(a->end.panic_frames);
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
		if (ev) {
			struct thread_state *ts = thread(a, ev->tid);
			if (ev->time > ts->next_sw)
				switches_before(a, ts, ev->time);
			consume(a, ev);
		} else {
			consume_batch(a, thread_at(a, th_of, thr), recs, n);
		}
	}
	free(th_of);
	asp_stream_close(m);
	return rc;
}

/* plain calls folded by a worker per CPU (asp_fold), the rest merged */
static int read_folded(struct analyzer *a, char **err)
{
	a->sw_items = true;
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
	a.sched = asp_trace_has_sched(t);
	a.preempt_known = asp_trace_preempt_known(t);
	a.measure_wall = rules->measure_wall || !a.sched;
	a.profile_hits = xcalloc(rules->nprofiles + 1, sizeof(uint64_t));
	a.detect_hits = xcalloc(rules->nprofiles + 1, sizeof(uint64_t));
	a.other_polls = xcalloc(rules->nprofiles + 1, sizeof(uint64_t));
	if (opts->sink && opts->sink->begin) {
		size_t n = asp_trace_nthreads(t);
		int *tids = xmalloc((n + 1) * sizeof(*tids));
		for (size_t i = 0; i < n; i++)
			tids[i] = asp_trace_thread_tid(t, i);
		opts->sink->begin(opts->sink->ctx, asp_trace_pid(t), tids, n);
		free(tids);
	}
	int rc = fold_wanted(t) ? read_folded(&a, err) : read_stream(&a, err);
	struct asp_result *r = NULL;
	if (rc == 0) {
		/* what is still open ran until its thread's last sign of life: its
		 * last record, or a later scheduler event (perf-cpu*.dat) such as
		 * the exit of a program killed inside a blocking poll */
		end_take_stacks(&a);
		for (size_t i = 0; i < a.nth; i++) {
			struct thread_state *ts = &a.th[i];
			uint64_t end = asp_trace_thread_end(t, ts->tid);
			if (end < ts->last_time)
				end = ts->last_time;
			else if (ts->n && end > a.last_time)
				a.last_time = end;
			/* the switch-outs after its last record, on the stack it left */
			switches_upto(&a, ts, ts->nsw, end);
			for (size_t k = 0; k < ts->n; k++)
				a.unfinished += ts->st[k].is_future;
			while (ts->n)
				pop(&a, ts, end);
		}
		if (nothing_measured(&a, dir, err) < 0)
			rc = -1;
		else {
			detect_finish(&a);
			r = aggregate_result(&a, dir, opts->name);
		}
	}
	/* spans point at symbol names: the sink is done with them before the
	 * recording goes */
	if (opts->sink && opts->sink->flush)
		opts->sink->flush(opts->sink->ctx);
	analyzer_free(&a);
	asp_trace_close(t);
	return r;
}
