/* batch-fixture.h - a synthetic struct asp_batch for the batch report tests
 * (xlsx, charts): three runs of a tokio program (one base, two new) with
 * tasks, futures, poll durations and findings, one skipped run, and a
 * comparison built by asp_compare().
 *
 * Header-only. Link with libasprof.a (util, model, compare, rules).
 * asp_compare() calls asp_rules_compare_override() and asp_format_duration()
 * from analysis/rules.c. The rules come from the fixture, not from
 * asp_rules_default(): compare by p90, 10 % / 20 us, alpha 0.01.
 *
 *   struct asp_batch *b = batch_fixture_new();  ...  batch_fixture_free(b);
 *
 * What is in it (stable; tests may rely on it):
 *   runs[0] "regress_base_1" (base), runs[1] "regress_new_1", runs[2] "regress_new_2"
 *   futures per run (sorted by name), 40 polls each:
 *     "<tokio_mt::CountDown as core::future::future::Future>::poll"  improved (~4x faster)
 *     "tokio_mt::blocking_io::{closure#0}"                           regressed (~3x slower)
 *     "tokio_mt::cache_warmup::{closure#0}"                          new runs only (new)
 *     "tokio_mt::fetch_all::{closure#0}"                             unchanged
 *     "tokio_mt::legacy_path::{closure#0}"                           base run only (gone)
 *   tasks per run: 1 main (root "tokio_mt::main::{closure#0}"), 2-3 root
 *   blocking_io, 4 root fetch_all
 *   findings: base: 1 warning; each new run: 2 errors (blocking-poll on
 *   blocking_io in tasks 2 and 3: one group; culprit std::thread::sleep,
 *   then blocked in its own code) + 1 warning (self-wake); grouped
 *   (asp_result_group_findings)
 *   own time: 9/10 of each poll's wall time; split: on CPU 6/10, blocked
 *   3/10, preempted 1/10 of busy; findings: measured 9/10 of the wall
 *   time (self-wake: all of it), blocked but 1 ms of it
 *   skipped: one run; status 1 with a reason.
 */
#ifndef ASP_BATCH_FIXTURE_H
#define ASP_BATCH_FIXTURE_H

#include "analysis/compare.h"
#include "analysis/model.h"
#include "analysis/rules.h"
#include "analysis/util.h"
#include "report/batch.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_FIXTURE_POLLS 40

#define BF_MAIN "tokio_mt::main::{closure#0}"
#define BF_COUNTDOWN "<tokio_mt::CountDown as core::future::future::Future>::poll"
#define BF_BLOCKING "tokio_mt::blocking_io::{closure#0}"
#define BF_WARMUP "tokio_mt::cache_warmup::{closure#0}"
#define BF_FETCH "tokio_mt::fetch_all::{closure#0}"
#define BF_LEGACY "tokio_mt::legacy_path::{closure#0}"

/* deterministic jitter: 0.8 .. 1.2 of base */
static inline uint64_t bf_jitter_(uint32_t *seed, uint64_t base)
{
	*seed = *seed * 1103515245u + 12345u;
	uint32_t r = (*seed >> 16) % 401; /* 0..400 */
	return base * (800 + r) / 1000;
}

static inline void bf_fill_(struct asp_durations *d, uint32_t *seed, uint64_t base, size_t n,
			    uint64_t slow_ns, uint64_t *busy, uint64_t *slow)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t v = bf_jitter_(seed, base);
		asp_durations_add(d, v);
		*busy += v;
		if (v >= slow_ns)
			(*slow)++;
	}
	asp_durations_finish(d);
}

/* own time: 9/10 of each poll's wall time, and the split of busy */
static inline void bf_own_(struct asp_durations *own, struct asp_split *split,
			   const struct asp_durations *wall, uint64_t busy)
{
	for (size_t i = 0; i < asp_durations_nbins(wall); i++) {
		uint64_t count, v = asp_durations_bin(wall, i, &count);
		while (count--)
			asp_durations_add(own, v * 9 / 10);
	}
	asp_durations_finish(own);
	split->oncpu_ns = busy * 6 / 10;
	split->blocked_ns = busy * 3 / 10;
	split->preempted_ns = busy - split->oncpu_ns - split->blocked_ns;
}

static inline void bf_future_(struct asp_result *r, uint32_t *seed, const char *name,
			      enum asp_future_kind kind, uint64_t poll_ns, const uint32_t *tasks,
			      size_t ntasks)
{
	struct asp_future *f = &r->futures[r->nfutures++];
	memset(f, 0, sizeof(*f));
	f->name = xstrdup(name);
	f->kind = kind;
	f->task_ids = xcalloc(ntasks ? ntasks : 1, sizeof(uint32_t));
	memcpy(f->task_ids, tasks, ntasks * sizeof(uint32_t));
	f->ntask_ids = ntasks;
	f->instances = ntasks ? ntasks : 1;
	f->polls = BATCH_FIXTURE_POLLS;
	bf_fill_(&f->poll_ns, seed, poll_ns, BATCH_FIXTURE_POLLS, 50000, &f->busy_ns,
		 &f->slow_polls);
	f->idle_ns = f->busy_ns * 3 + 1234567;
	bf_own_(&f->own_ns, &f->split, &f->poll_ns, f->busy_ns);
}

static inline void bf_task_(struct asp_result *r, uint32_t *seed, uint32_t id, const char *root,
			    bool is_main, uint64_t poll_ns, uint64_t first, uint64_t end)
{
	struct asp_task *t = &r->tasks[r->ntasks++];
	memset(t, 0, sizeof(*t));
	t->id = id;
	t->root = xstrdup(root);
	t->is_main = is_main;
	t->has_addr = !is_main;
	t->addr = 0x7f3a2c001000ULL + id * 0x80;
	t->polls = 12;
	bf_fill_(&t->poll_ns, seed, poll_ns, 12, 50000, &t->busy_ns, &t->slow_polls);
	t->first_poll_ns = first;
	t->end_ns = end;
	t->idle_ns = end - first > t->busy_ns ? end - first - t->busy_ns : 0;
	bf_own_(&t->own_ns, &t->split, &t->poll_ns, t->busy_ns);
	t->ntids = is_main ? 1 : 2;
	t->tids = xcalloc(t->ntids, sizeof(int));
	t->tids[0] = 41000 + (int)id;
	if (t->ntids > 1)
		t->tids[1] = 41007;
}

static inline void bf_finding_(struct asp_result *r, const char *rule, enum asp_severity sev,
			       const char *future, uint32_t task, int tid, uint64_t start,
			       uint64_t dur, uint64_t threshold, const char *culprit, double share,
			       const char *pattern, uint64_t count)
{
	struct asp_finding *f = &r->findings[r->nfindings++];
	f->rule = xstrdup(rule);
	f->severity = sev;
	f->future = xstrdup(future);
	f->task = task;
	f->tid = tid;
	f->start_ns = start;
	f->duration_ns = dur;
	f->threshold_ns = threshold;
	f->culprit = culprit ? xstrdup(culprit) : NULL;
	f->culprit_share = share;
	f->pattern = xstrdup(pattern);
	f->count = count;
	bool per_poll = strcmp(rule, "self-wake") != 0;
	f->measured_ns = per_poll ? dur * 9 / 10 : dur;
	f->doing = per_poll ? ASP_DOING_BLOCKED : ASP_DOING_UNKNOWN;
	if (per_poll)
		f->split = (struct asp_split){ 1000000, f->measured_ns - 1000000, dur - f->measured_ns };
}

static inline struct asp_result *bf_run_(const char *name, bool is_new, uint32_t seed)
{
	struct asp_result *r = xcalloc(1, sizeof(*r));
	r->path = xasprintf("/srv/ci/recordings/%s/uftrace.data", name);
	r->name = xstrdup(name);
	r->exe = xstrdup("/srv/ci/target/release/tokio_mt");
	r->runtime = xstrdup("tokio");
	r->duration_ns = is_new ? 2481234567ULL : 1873456789ULL;
	r->records = is_new ? 184233 : 171902;
	r->data_bytes = r->records * 16;
	r->threads = 5;
	r->args_recorded = true;

	r->futures = xcalloc(5, sizeof(*r->futures));
	static const uint32_t t23[] = { 2, 3 }, t4[] = { 4 }, t1[] = { 1 };
	bf_future_(r, &seed, BF_COUNTDOWN, ASP_FK_USER_FUTURE, is_new ? 15000 : 60000, t4, 1);
	bf_future_(r, &seed, BF_BLOCKING, ASP_FK_ASYNC_BLOCK, is_new ? 240000 : 80000, t23, 2);
	if (is_new)
		bf_future_(r, &seed, BF_WARMUP, ASP_FK_ASYNC_FN, 45000, t1, 1);
	bf_future_(r, &seed, BF_FETCH, ASP_FK_ASYNC_FN, 30000, t4, 1);
	if (!is_new)
		bf_future_(r, &seed, BF_LEGACY, ASP_FK_ASYNC_FN, 15000, t1, 1);

	r->tasks = xcalloc(4, sizeof(*r->tasks));
	bf_task_(r, &seed, 1, BF_MAIN, true, 20000, 1200000, r->duration_ns - 500000);
	bf_task_(r, &seed, 2, BF_BLOCKING, false, is_new ? 250000 : 85000, 3400000, 900000000);
	bf_task_(r, &seed, 3, BF_BLOCKING, false, is_new ? 250000 : 85000, 3500000, 950000000);
	bf_task_(r, &seed, 4, BF_FETCH, false, 32000, 3600000, 1400000000);

	r->findings = xcalloc(3, sizeof(*r->findings));
	if (is_new) {
		bf_finding_(r, "blocking-poll", ASP_SEV_ERROR, BF_BLOCKING, 2, 41002, 512345678,
			    182000000 + seed % 1000, 100000000, "std::thread::sleep", 0.973,
			    "default", 1);
		bf_finding_(r, "blocking-poll", ASP_SEV_ERROR, BF_BLOCKING, 3, 41003, 612345678,
			    150000000, 100000000, NULL, 0, "default", 1);
		r->findings[r->nfindings - 1].culprit_self = true;
		bf_finding_(r, "self-wake", ASP_SEV_WARNING, BF_COUNTDOWN, 4, 41004, 3600000,
			    2100000, 5000, NULL, 0, "default", 120);
	} else {
		bf_finding_(r, "blocking-poll", ASP_SEV_WARNING, BF_FETCH, 4, 41004, 801000000,
			    12500000, 10000000, "<std::fs::File as std::io::Read>::read", 0.61,
			    "tokio_mt::*", 1);
	}
	r->notes = xcalloc(1, sizeof(char *));
	r->notes[r->nnotes++] = xstrdup("tasks counted per root future type");
	r->has_sched = r->preempt_known = true;
	r->switches_voluntary = 420, r->switches_preempted = 37;
	r->task_polls = 48, r->task_polls_preempted = 5;
	for (size_t i = 0; i < r->ntasks; i++)
		asp_split_add(&r->task_split, &r->tasks[i].split);
	asp_result_group_findings(r);
	return r;
}

static inline struct asp_batch *batch_fixture_new(void)
{
	struct asp_batch *b = xcalloc(1, sizeof(*b));
	struct asp_rules *rules = xcalloc(1, sizeof(*rules));
	rules->runtime = NULL;
	rules->warning_ns = 10000000;
	rules->error_ns = 100000000;
	rules->slow_poll_ns = 50000;
	for (size_t i = 0; i < asp_nrules; i++)
		rules->rule_on[i] = !asp_rule_table[i].off_by_default; /* as by default */
	rules->self_wake_min_polls = 50;
	rules->self_wake_max_gap_ns = 5000;
	rules->compare.metric = ASP_METRIC_P90;
	rules->compare.min_change = 0.10;
	rules->compare.min_abs_ns = 20000;
	rules->compare.alpha = 0.01;
	rules->fail_on = 1u << ASP_FAIL_ERROR | 1u << ASP_FAIL_REGRESSION;
	b->rules = rules;
	b->out_dir = "asprof-out";

	b->nruns = 3;
	b->runs = xcalloc(b->nruns, sizeof(*b->runs));
	b->runs[0] = bf_run_("regress_base_1", false, 17);
	b->runs[1] = bf_run_("regress_new_1", true, 4242);
	b->runs[2] = bf_run_("regress_new_2", true, 99);

	b->nskipped = 1;
	b->skipped = xcalloc(1, sizeof(*b->skipped));
	b->skipped[0].path = xstrdup("/srv/ci/recordings/regress_new_3/uftrace.data");
	b->skipped[0].reason = xstrdup("info: truncated header (12 of 40 bytes)");

	b->cmp = asp_compare((const struct asp_result *const *)b->runs, 1,
			     (const struct asp_result *const *)b->runs + 1, 2, rules);
	b->status = 1;
	b->status_reason = xstrdup("1 future regressed (" BF_BLOCKING "), 2 blocking polls of "
				   "severity error");
	return b;
}

/* the fields batch_fixture_intervals set that the comparison may not free */
static inline void bf_intervals_free_(struct asp_comparison *c)
{
	for (size_t i = 0; i < c->nnotes; i++)
		free(c->notes[i]);
	free(c->notes);
	c->notes = NULL, c->nnotes = 0;
	for (size_t i = 0; i < c->nrows; i++) {
		free(c->rows[i].via);
		free(c->rows[i].base.run_metric);
		free(c->rows[i].new_.run_metric);
		c->rows[i].via = NULL;
		c->rows[i].base.run_metric = c->rows[i].new_.run_metric = NULL;
	}
}

/* The comparison as the run-replicated statistics fill it (by hand, so
 * that the writers are checked whatever the statistics give):
 *   BF_BLOCKING (regressed): change +200 % [+180 %, +220 %], self per poll
 *     50 us -> 150 us, noise 12 % assumed, run metrics base {80 us}, new
 *     {240 us, NAN} (not polled in the second new run), a task's root
 *   BF_FETCH: verdict via BF_BLOCKING (grew only through it)
 *   BF_COUNTDOWN (improved): -75 % [-80 %, -70 %], noise 8 % measured
 *   notes: one about one run a side, one with markup and a control byte
 *   confidence 0.95
 * batch_fixture_free releases them. */
#define BF_NOTE_HOSTILE "manglings <b>differ</b> | `x` \x01 *y*"
static inline void batch_fixture_intervals(struct asp_batch *b)
{
	struct asp_comparison *c = b->cmp;
	bf_intervals_free_(c); /* whatever the comparison filled in */
	/* a task's root is its future's row: no task rows */
	size_t kept = 0;
	for (size_t i = 0; i < c->nrows; i++) {
		struct asp_cmp_row *r = &c->rows[i];
		if (!r->is_task) {
			c->rows[kept++] = *r;
			continue;
		}
		c->counts[r->verdict]--;
		for (size_t k = 0; k < kept; k++)
			c->rows[k].is_root |= !strcmp(c->rows[k].name, r->name);
		free(r->name);
		free(r->reason);
		asp_durations_free(&r->base.d);
		asp_durations_free(&r->new_.d);
	}
	c->nrows = kept;
	c->confidence = 0.95;
	c->notes = xcalloc(2, sizeof(char *));
	c->notes[c->nnotes++] = xstrdup("one run on the base side: run-to-run noise is assumed (12 %)");
	c->notes[c->nnotes++] = xstrdup(BF_NOTE_HOSTILE);
	for (size_t i = 0; i < c->nrows; i++) {
		struct asp_cmp_row *r = &c->rows[i];
		if (r->is_task)
			continue;
		r->base.run_metric = xcalloc(c->nbase, sizeof(double));
		r->new_.run_metric = xcalloc(c->nnew, sizeof(double));
		for (size_t k = 0; k < c->nbase; k++)
			r->base.run_metric[k] = r->base.polls ? r->metric_base : NAN;
		for (size_t k = 0; k < c->nnew; k++)
			r->new_.run_metric[k] = r->new_.polls ? r->metric_new : NAN;
		r->base.self_per_poll = r->base.busy_per_poll / 2;
		r->new_.self_per_poll = r->new_.busy_per_poll / 2;
		r->ratio_lo = r->ratio_hi = 1;
		if (!strcmp(r->name, BF_BLOCKING)) {
			r->is_root = true;
			r->metric_base = 80000, r->metric_new = 240000;
			r->rel_change = 2.0, r->ratio_lo = 2.8, r->ratio_hi = 3.2;
			r->base.self_per_poll = 50000, r->new_.self_per_poll = 150000;
			r->noise = 0.12, r->noise_assumed = true;
			r->base.run_metric[0] = 80000;
			r->new_.run_metric[0] = 240000;
			r->new_.run_metric[1] = NAN;
		} else if (!strcmp(r->name, BF_FETCH)) {
			c->counts[r->verdict]--;
			r->verdict = ASP_V_VIA;
			c->counts[ASP_V_VIA]++;
			r->via = xstrdup(BF_BLOCKING);
			r->rel_change = 0.4, r->ratio_lo = 1.3, r->ratio_hi = 1.5;
		} else if (!strcmp(r->name, BF_COUNTDOWN)) {
			r->rel_change = -0.75, r->ratio_lo = 0.2, r->ratio_hi = 0.3;
			r->noise = 0.08;
		}
	}
}

static inline void batch_fixture_free(struct asp_batch *b)
{
	if (!b)
		return;
	if (b->cmp)
		bf_intervals_free_(b->cmp);
	for (size_t i = 0; i < b->nruns; i++)
		asp_result_free(b->runs[i]);
	free(b->runs);
	for (size_t i = 0; i < b->nskipped; i++) {
		free(b->skipped[i].path);
		free(b->skipped[i].reason);
	}
	free(b->skipped);
	asp_comparison_free(b->cmp);
	free(b->status_reason);
	free((struct asp_rules *)b->rules);
	free(b);
}

#endif
