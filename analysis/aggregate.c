/* aggregate.c - the aggregate stage: per-future and per-task metrics
 * (polls, busy and idle time, slow polls, exact poll-time quantiles, future
 * instances, the threads a task ran on) and the result of the run. */
#include "analyzer.h"
#include "runname.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

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

/* A poll's own time into own. While every poll's own time is its wall
 * time (never preempted: most polls of a quiet run), own stays empty and
 * wall (d, the poll not added yet) stands for it; the first poll that
 * differs copies wall in (apart). */
static void add_own(struct asp_durations *own, bool *apart, struct asp_durations *wall,
		    uint64_t ns, uint64_t dur)
{
	if (!*apart) {
		if (ns == dur)
			return;
		asp_durations_finish(wall);
		asp_durations_merge(own, wall);
		*apart = true;
	}
	asp_durations_add(own, ns);
}

/* child (future index) was polled inside a poll of fa for own */
static void add_callee(struct fut_acc *fa, int32_t child, uint64_t own)
{
	struct callee_acc *c = NULL;
	for (size_t i = 0; i < fa->ncallees && !c; i++)
		if (fa->callees[i].fut == child)
			c = &fa->callees[i];
	if (!c) {
		fa->callees = xreallocarray(fa->callees, fa->ncallees + 1, sizeof(*fa->callees));
		c = &fa->callees[fa->ncallees++];
		*c = (struct callee_acc){ child, 0, 0 };
	}
	c->polls++;
	c->own += own;
}

/* a poll of the instance key from start to end: a new instance, or its
 * idle time since its last poll */
static void instance_poll(struct asp_u64map *last_end, uint64_t key, uint64_t start, uint64_t end,
			  uint64_t *instances, uint64_t *idle)
{
	bool added;
	uint64_t *last = asp_u64map_ref(last_end, key, &added);
	if (added)
		(*instances)++;
	else if (start >= *last - 1)
		*idle += start - (*last - 1);
	*last = end + 1;
}

void aggregate_poll(struct analyzer *a, struct thread_state *ts, const struct frame *f,
		    uint64_t end, uint64_t dur, const struct asp_split *sp)
{
	struct fut_acc *fa = &a->futs[f->fut];
	uint64_t own = asp_split_own(sp);
	fa->self += own > f->child_own ? own - f->child_own : 0;
	fa->is_root |= f->is_root;
	if (f->fut_parent >= 0) {
		struct frame *parent = &ts->st[f->fut_parent];
		parent->child_own += own;
		add_callee(&a->futs[parent->fut], f->fut, own);
	}

	fa->polls++;
	fa->busy += dur;
	if (dur >= a->rules->slow_poll_ns)
		fa->slow++;
	add_own(&fa->own, &fa->own_apart, &fa->d, own, dur); /* before d has it */
	asp_durations_add(&fa->d, dur);
	asp_split_add(&fa->split, sp);
	if (f->task)
		fut_add_task(fa, f->task);
	/* instance: (task, future, self pointer when recorded), with arg1 as
	 * self and, when recorded, with arg2 (docs/self-pointer.md) */
	uint64_t base = asp_hash_u64((uint64_t)f->task << 32 ^ (uint64_t)f->fut);
	instance_poll(&a->inst_last_end, base ^ (f->has_fut_arg ? asp_hash_u64(f->fut_arg + 1) : 0),
		      f->start, end, &fa->instances, &fa->idle);
	if (f->has_fut_arg && fa->nargs < 1)
		fa->nargs = 1;
	if (f->has_cx_args) {
		fa->nargs = 3;
		instance_poll(&a->inst2_last_end, base ^ asp_hash_u64(f->fut_arg2 + 1), f->start, end,
			      &fa->instances2, &fa->idle2);
	}
}

void aggregate_task_poll(struct analyzer *a, struct thread_state *ts, struct task_acc *task,
			 const struct frame *f, uint64_t end, uint64_t dur,
			 const struct asp_split *sp)
{
	add_own(&task->own, &task->own_apart, &task->d, asp_split_own(sp), dur);
	asp_split_add(&task->split, sp);
	asp_split_add(&a->task_split, sp);
	a->task_polls++;
	a->task_polls_pre += sp->preempted_ns > 0;
	if (task->started && f->start >= task->last_end)
		task->idle += f->start - task->last_end;
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
	ts->root_polls++;
}

/* ---------------------------------------------------------------- results */

/* the accumulated durations into the result, finished */
static void take_durations(struct asp_durations *to, struct asp_durations *from)
{
	*to = *from;
	memset(from, 0, sizeof(*from));
	asp_durations_finish(to);
}

/* own times into the result: a copy of the wall times (finished) when
 * they never differed (add_own) */
static void take_own(struct asp_durations *to, struct asp_durations *from, bool apart,
		     const struct asp_durations *wall)
{
	if (apart) {
		take_durations(to, from);
		return;
	}
	memset(to, 0, sizeof(*to));
	asp_durations_merge(to, wall);
	asp_durations_finish(to);
}


static int callee_cmp(const void *x, const void *y)
{
	const struct asp_callee *a = x, *b = y;
	return strcmp(a->name, b->name);
}

static int future_cmp(const void *x, const void *y)
{
	const struct asp_future *a = x, *b = y;
	return strcmp(a->name, b->name);
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

/* did the recording ask uftrace for one of the profiles' record lists
 * (its v0 and legacy regexes at off_v0 and off_legacy in struct
 * asp_record_profile) in spec, its argspec or retspec: `record` writes
 * them verbatim */
static bool asked_for(const char *spec, const struct asp_rules *rules, size_t off_v0,
		      size_t off_legacy)
{
	if (!spec)
		return false;
	for (size_t p = 0; p < rules->nprofiles; p++)
		for (int lg = 0; lg < 2; lg++) {
			const struct asp_patterns *l =
				(const struct asp_patterns *)((const char *)&rules->profiles[p].record +
							      (lg ? off_legacy : off_v0));
			for (size_t i = 0; i < l->n; i++)
				if (strstr(spec, l->v[i]))
					return true;
		}
	return false;
}

/* What the context switches say about the numbers: none recorded (wall
 * time only), a kernel that does not mark preemption, or a busy machine
 * (how much of the task polls' time it took, and how often). */
static void sched_notes(const struct analyzer *a, struct asp_result *r, const struct asp_info *info)
{
	if (!a->sched) {
		asp_result_add_note(r, xstrdup("the recording has no context switches (perf-cpu*.dat: recorded with "
				    "--no-sched, or perf events were not allowed): polls are judged on wall "
				    "time, which includes time the thread was preempted or blocked"));
		return;
	}
	if (!a->preempt_known)
		asp_result_add_note(r, xasprintf("the kernel (%s) does not mark preempted context switches (Linux "
				      "4.17 and later do): all time off the CPU counts as blocked, none "
				      "as preempted",
				      info->kernel ? info->kernel : "its version not recorded"));
	const struct asp_split *s = &a->task_split;
	uint64_t wall = s->oncpu_ns + s->blocked_ns + s->preempted_ns;
	if (a->rules->measure_wall)
		asp_result_add_note(r, xstrdup("blocking polls are judged on wall time (rules: blocking.measure: "
				    "wall): time the thread was preempted counts"));
	if (!wall || !s->preempted_ns || (s->preempted_ns * 20 < wall && !a->excused && !a->busy_polls && !a->behind_ns))
		return;
	char pre[32], tot[32];
	asp_format_duration(s->preempted_ns, pre, sizeof(pre));
	asp_format_duration(wall, tot, sizeof(tot));
	struct asp_buf b = { 0 };
	asp_buf_printf(&b, "the machine was busy: task polls were preempted (switched out while "
			   "runnable) for %s of their %s (%.0f %%), in %" PRIu64 " of %" PRIu64
			   " polls; own time (on CPU + blocked) leaves it out, wall-time numbers "
			   "(poll time, busy) include it",
		       pre, tot, 100.0 * (double)s->preempted_ns / (double)wall,
		       a->task_polls_pre, a->task_polls);
	if (a->behind_ns) {
		char bh[32];
		asp_format_duration(a->behind_ns, bh, sizeof(bh));
		asp_buf_printf(&b, "; %s of waits on a lock or another thread were spent while "
				   "a thread of the program that was preempted already went on "
				   "waiting for the CPU: counted as preempted",
			       bh);
	}
	if (a->busy_polls)
		asp_buf_printf(&b, "; %" PRIu64 " poll%s %s reported on wall time: on the CPU for at "
				   "least half the threshold and preempted for the rest (a spin or a CPU "
				   "loop holds its thread the whole time)",
			       a->busy_polls, a->busy_polls == 1 ? "" : "s",
			       a->busy_polls == 1 ? "was" : "were");
	if (a->excused && !a->rules->measure_wall)
		asp_buf_printf(&b, "; %" PRIu64 " poll%s over the blocking threshold on wall time %s "
				   "not reported: under it on own time",
			       a->excused, a->excused == 1 ? "" : "s", a->excused == 1 ? "was" : "were");
	asp_result_add_note(r, b.data);
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* each finding's future's source line (lints' findings too) */
static void findings_srclines(const struct analyzer *a, struct asp_result *r)
{
	for (size_t i = 0; i < r->nfindings; i++) {
		struct asp_finding *f = &r->findings[i];
		int64_t k = f->future ? asp_strtab_find(&a->fut_names, f->future) : -1;
		if (k >= 0 && !f->srcline)
			f->srcline = dup_or_null(a->futs[k].srcline);
	}
}

struct asp_result *aggregate_result(struct analyzer *a, const char *dir, const char *name)
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
	r->wakes_recorded = a->wake_args;
	r->wakes = a->wakes;
	r->spawns_recorded = a->spawn_rets;
	r->spawns = a->spawns;
	r->sched_long_ns = a->rules->sched_long_ns;

	r->ntasks = a->ntasks;
	r->tasks = xcalloc(a->ntasks ? a->ntasks : 1, sizeof(*r->tasks));
	for (size_t i = 0; i < a->ntasks; i++) {
		struct task_acc *t = &a->tasks[i];
		struct asp_task *o = &r->tasks[i];
		o->id = (uint32_t)i + 1;
		o->root = xstrdup(a->fut_names.names[t->root_fut]);
		o->root_srcline = dup_or_null(a->futs[t->root_fut].srcline);
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
		take_durations(&o->poll_ns, &t->d);
		take_own(&o->own_ns, &t->own, t->own_apart, &o->poll_ns);
		o->split = t->split;
		take_durations(&o->sched_ns, &t->sched);
		o->sched_cpu_ns = t->sched_cpu;
		o->long_delays = t->sched_long;
		o->spawned = t->spawned;
		o->long_first_poll = t->first_long;
		o->first_poll_delay_ns = t->first_delay;
		o->first_poll_cpu_ns = t->first_cpu;
	}
	struct asp_strtab made_names = { 0 };
	uint64_t *made = NULL;
	creation_counts(a, &made_names, &made);
	size_t nf = a->fut_names.n;
	r->futures = xcalloc(nf ? nf : 1, sizeof(*r->futures));
	/* each future name's index in r->futures, SIZE_MAX: never polled */
	size_t *out_of = xreallocarray(NULL, nf ? nf : 1, sizeof(*out_of));
	for (size_t i = 0; i < nf; i++)
		out_of[i] = SIZE_MAX;
	for (size_t i = 0; i < nf; i++) {
		struct fut_acc *f = &a->futs[i];
		if (!f->polls)
			continue;
		struct asp_future *o = &r->futures[r->nfutures++];
		o->name = xstrdup(a->fut_names.names[i]);
		o->srcline = dup_or_null(f->srcline);
		o->kind = f->kind;
		o->task_ids = f->tasks;
		o->ntask_ids = f->ntasks;
		f->tasks = NULL;
		/* self: arg2 when the evidence says so, else arg1 */
		o->self_arg = f->nargs;
		if (f->nargs == 3) {
			o->self_arg = f->self_votes[1] > f->self_votes[0] ? 2 : 1;
			o->self_votes[0] = f->self_votes[0];
			o->self_votes[1] = f->self_votes[1];
		}
		o->instances = o->self_arg == 2 ? f->instances2 : f->instances;
		uint64_t n_made = created(&made_names, made, o->name, o->kind);
		if (n_made > o->instances && n_made <= f->polls)
			o->instances = n_made;
		o->polls = f->polls;
		o->busy_ns = f->busy;
		o->idle_ns = o->self_arg == 2 ? f->idle2 : f->idle;
		o->slow_polls = f->slow;
		take_durations(&o->poll_ns, &f->d);
		take_own(&o->own_ns, &f->own, f->own_apart, &o->poll_ns);
		o->split = f->split;
		o->self_ns = f->self;
		o->is_root = f->is_root;
		out_of[i] = r->nfutures - 1;
		o->ncallees = f->ncallees;
		o->callees = xcalloc(f->ncallees ? f->ncallees : 1, sizeof(*o->callees));
		for (size_t k = 0; k < f->ncallees; k++)
			o->callees[k] = (struct asp_callee){ xstrdup(a->fut_names.names[f->callees[k].fut]),
							     f->callees[k].polls, f->callees[k].own };
		asp_qsort(o->callees, o->ncallees, sizeof(*o->callees), callee_cmp);
	}
	/* a root's: its tasks' scheduled times and first-poll delays, in one
	 * pass over the tasks */
	for (size_t k = 0; k < r->ntasks; k++) {
		const struct asp_task *t = &r->tasks[k];
		size_t fi = out_of[a->tasks[k].root_fut];
		if (fi == SIZE_MAX)
			continue;
		struct asp_future *o = &r->futures[fi];
		if (t->sched_ns.n) {
			asp_durations_merge(&o->sched_ns, &t->sched_ns);
			o->sched_cpu_ns += t->sched_cpu_ns;
			o->long_delays += t->long_delays;
		}
		if (t->spawned) {
			asp_durations_add(&o->first_poll_ns, t->first_poll_delay_ns);
			o->long_first_polls += t->long_first_poll;
		}
	}
	for (size_t i = 0; i < r->nfutures; i++) {
		asp_durations_finish(&r->futures[i].sched_ns);
		asp_durations_finish(&r->futures[i].first_poll_ns);
	}
	free(out_of);
	free(made);
	asp_strtab_free(&made_names);
	asp_qsort(r->futures, r->nfutures, sizeof(*r->futures), future_cmp);
	if (a->forced >= 0 && a->ntasks == 0) {
		/* no task poll of the forced runtime: its profile does not fit
		 * the program, and what ran outside tasks is the program's
		 * runtime at work, not futures (say so, below, instead) */
		size_t kept = 0;
		for (size_t i = 0; i < a->nfindings; i++) {
			struct asp_finding *f = &a->findings[i];
			if (f->task) {
				a->findings[kept++] = *f;
				continue;
			}
			free(f->rule);
			free(f->future);
			free(f->culprit);
			free(f->culprit_srcline);
			free(f->no_culprit);
			free(f->pattern);
			asp_finding_free_victims(f);
			free(f->behind);
		}
		a->nfindings = kept;
	}
	r->findings = a->findings;
	r->nfindings = a->nfindings;
	a->findings = NULL;
	a->nfindings = 0;
	findings_srclines(a, r);
	asp_result_group_findings(r);
	r->has_sched = a->sched;
	r->preempt_known = a->preempt_known;
	r->measure_wall = a->measure_wall;
	r->switches_voluntary = a->sw_vol;
	r->switches_preempted = a->sw_pre;
	r->task_polls = a->task_polls;
	r->task_polls_preempted = a->task_polls_pre;
	r->task_split = a->task_split;
	sched_notes(a, r, info);

	if (a->ntasks && !a->args_recorded)
		asp_result_add_note(r, xstrdup("task poll arguments were not recorded: tasks with the same root "
				    "future are counted as one task (record with 'asprof-batch record' "
				    "to tell instances apart)"));
	/* a program that woke no task, recorded by `record`, which asked
	 * for the wakes, measured all there was: no note, unless a task was
	 * polled again (a wake made that poll: the runtime's wake functions
	 * are other ones). Every task but the main future was spawned: none
	 * recorded is always worth a note */
	bool again = false, spawned = false;
	for (size_t i = 0; i < a->ntasks; i++) {
		again |= !a->tasks[i].is_main && a->tasks[i].polls > 1;
		spawned |= !a->tasks[i].is_main;
	}
	bool asked_wakes = asked_for(info->argspec, a->rules, offsetof(struct asp_record_profile, wake_v0),
				     offsetof(struct asp_record_profile, wake_legacy));
	bool asked_spawns = asked_for(info->retspec, a->rules, offsetof(struct asp_record_profile, spawn_v0),
				      offsetof(struct asp_record_profile, spawn_legacy));
	/* none recorded: `record` asked, so the runtime's functions are
	 * other ones (missed); or it did not ask (unasked) */
	bool no_wakes = a->ntasks && !a->wake_args, no_spawns = spawned && !a->spawn_rets;
	bool missed_w = no_wakes && asked_wakes && again, missed_s = no_spawns && asked_spawns;
	bool unasked_w = no_wakes && !asked_wakes, unasked_s = no_spawns && !asked_spawns;
	if (missed_w || missed_s)
		asp_result_add_note(r, xasprintf("'asprof-batch record' asked for %s%s%s, but none is in the "
				    "recording: this runtime's functions are not the profiles' (another "
				    "version, a LocalSet's spawn_local, inlined functions); %s not "
				    "measured (docs/scheduling-delay.md)",
				    missed_w ? "the wakes of a task (though tasks were polled again)" : "",
				    missed_w && missed_s ? " and " : "", missed_s ? "the spawns of a task" : "",
				    missed_w && missed_s ? "scheduled times and first-poll delays are"
				    : missed_w	       ? "scheduled times are"
							: "first-poll delays are"));
	if (unasked_w)
		asp_result_add_note(r, xasprintf("no wake of a task (the runtime profiles' wake lists) was recorded "
				    "with the task's pointer%s: scheduled times (wake to poll)%s are not "
				    "measured (record with 'asprof-batch record'; "
				    "docs/scheduling-delay.md)",
				    unasked_s ? ", nor a spawn with its return value" : "",
				    unasked_s ? " and first-poll delays" : ""));
	else if (unasked_s)
		asp_result_add_note(r, xstrdup("no spawn of a task (the runtime profiles' spawn lists) was recorded "
				    "with its return value: first-poll delays (spawn to first poll) are "
				    "not measured (record with 'asprof-batch record'; "
				    "docs/scheduling-delay.md)"));
	size_t fits = 0; /* a runtime forced, no task: the profile with task polls here */
	for (size_t p = 1; p < a->rules->nprofiles; p++)
		if (a->other_polls[p] > a->other_polls[fits])
			fits = p;
	if (a->ntasks == 0 && a->forced >= 0 && a->rules->nprofiles && a->other_polls[fits]) {
		asp_result_add_note(r, xasprintf("the runtime looks wrong: no task poll of %s (forced) was found, "
				      "but %" PRIu64 " function%s of the recording %s task polls of "
				      "the %s profile (--runtime %s, or auto); findings outside "
				      "tasks are not reported",
				      a->rules->profiles[a->forced].name, a->other_polls[fits],
				      a->other_polls[fits] == 1 ? "" : "s",
				      a->other_polls[fits] == 1 ? "is" : "are",
				      a->rules->profiles[fits].name, a->rules->profiles[fits].name));
	} else if (a->ntasks == 0) {
		/* the runtime forced, else every profile: "tokio, async-std or smol" */
		struct asp_buf rts = { 0 };
		const struct asp_rules *R = a->rules;
		for (size_t i = 0; i < R->nprofiles; i++)
			if (a->forced < 0 || (size_t)a->forced == i)
				asp_buf_printf(&rts, "%s%s",
					       !rts.len ? "" : i + 1 == R->nprofiles ? " or " : ", ",
					       R->profiles[i].name);
		asp_result_add_note(r, xasprintf("no task polls found: is this a %s program, and were its "
				      "poll functions recorded?%s",
				      rts.len ? rts.data : "Rust async",
				      a->forced >= 0 ? " (the runtime was forced: findings outside "
						       "tasks are not reported)"
						     : ""));
		asp_buf_free(&rts);
	}
	if (a->lost_total == UINT64_MAX)
		asp_result_add_note(r, xasprintf("at least %" PRIu64 " records were lost while recording (the "
				      "LOST records' counts add up past 64 bits: damaged?); polls around "
				      "them are cut short",
				      a->lost_total));
	else if (a->lost_total)
		asp_result_add_note(r, xasprintf("%" PRIu64 " records were lost while recording; polls around them "
				      "are cut short",
				      a->lost_total));
	end_result(a, r, info);
	return r;
}
