/* model.c - helpers of the result model: durations, quantiles, names, free. */
#include "model.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

const char *asp_future_kind_name(enum asp_future_kind k)
{
	switch (k) {
	case ASP_FK_ASYNC_FN: return "async_fn";
	case ASP_FK_ASYNC_BLOCK: return "async_block";
	case ASP_FK_USER_FUTURE: return "user_future";
	case ASP_FK_COMBINATOR: return "combinator";
	}
	return "unknown";
}

const char *asp_severity_name(enum asp_severity s)
{
	switch (s) {
	case ASP_SEV_WARNING: return "warning";
	case ASP_SEV_ERROR: return "error";
	default: return "none";
	}
}

const char *asp_doing_name(enum asp_doing d)
{
	switch (d) {
	case ASP_DOING_CPU: return "on CPU";
	case ASP_DOING_BLOCKED: return "blocked";
	default: return "unknown";
	}
}

/* ---------------------------------------------------------------- durations */

uint32_t asp_dur_bin_of(uint64_t ns)
{
	enum { SUB = ASP_DUR_SUB_BITS };
	if (ns < (2u << SUB))
		return (uint32_t)ns; /* below 256 ns: one bin per value */
	unsigned e = 63u - (unsigned)__builtin_clzll(ns); /* ns in [2^e, 2^(e+1)) */
	unsigned shift = e - SUB;
	return ((uint32_t)(e - SUB + 1) << SUB) + (uint32_t)((ns >> shift) & ((1u << SUB) - 1));
}

/* the midpoint of bin b */
static uint64_t bin_mid(uint32_t b)
{
	enum { SUB = ASP_DUR_SUB_BITS };
	if (b < (2u << SUB))
		return b;
	unsigned e = (b >> SUB) + SUB - 1, shift = e - SUB;
	uint64_t lo = ((uint64_t)(1u << SUB) + (b & ((1u << SUB) - 1))) << shift;
	return lo + (((uint64_t)1 << shift) >> 1);
}

static void hist_add(struct asp_durations *d, uint32_t bin, uint64_t count)
{
	bool added;
	*asp_u64map_ref(&d->hist, bin, &added) += count;
}

/* from values to bins, for good */
static void to_binned(struct asp_durations *d)
{
	d->binned = true;
	for (size_t i = 0; i < d->nv; i++)
		hist_add(d, asp_dur_bin_of(d->v[i]), 1);
	free(d->v);
	d->v = NULL;
	d->nv = d->cap = 0;
}

/* finished -> adding again: binned bins become histogram counts (exact
 * values stay where they are) */
static void reopen(struct asp_durations *d)
{
	d->finished = false;
	if (!d->binned)
		return;
	uint64_t prev = 0;
	for (size_t i = 0; i < d->nbins; i++) {
		hist_add(d, asp_dur_bin_of(d->bins[i].value), d->bins[i].upto - prev);
		prev = d->bins[i].upto;
	}
	free(d->bins);
	d->bins = NULL;
	d->nbins = 0;
}

static void add_n(struct asp_durations *d, uint64_t ns, uint64_t count, bool binned_src)
{
	if (!count)
		return;
	if (d->finished)
		reopen(d);
	if (!d->n || ns < d->min)
		d->min = ns;
	if (!d->n || ns > d->max)
		d->max = ns;
	d->n += count;
	if (!d->binned && (binned_src || d->nv + count > ASP_DUR_EXACT))
		to_binned(d);
	if (d->binned) {
		hist_add(d, asp_dur_bin_of(ns), count);
		return;
	}
	if (d->nv + count > d->cap) {
		while (d->nv + count > d->cap)
			d->cap = d->cap ? d->cap * 2 : 16;
		d->v = xreallocarray(d->v, d->cap, sizeof(*d->v));
	}
	for (uint64_t k = 0; k < count; k++)
		d->v[d->nv++] = ns;
}

static void add_sum(struct asp_durations *d, uint64_t sum)
{
	d->sum = d->sum > UINT64_MAX - sum ? UINT64_MAX : d->sum + sum;
}

void asp_durations_add(struct asp_durations *d, uint64_t ns)
{
	add_n(d, ns, 1, false);
	add_sum(d, ns);
}

void asp_durations_merge(struct asp_durations *d, const struct asp_durations *src)
{
	if (!src->n)
		return;
	bool was_empty = !d->n;
	if (src->binned && !src->finished) {
		/* still adding: its histogram as is */
		if (d->finished)
			reopen(d);
		if (!d->binned)
			to_binned(d);
		for (size_t i = 0; i < src->hist.cap; i++)
			if (src->hist.ents[i].used == 1)
				hist_add(d, (uint32_t)src->hist.ents[i].key, src->hist.ents[i].val);
		d->n += src->n;
	} else {
		size_t nb = asp_durations_nbins(src);
		for (size_t i = 0; i < nb; i++) {
			uint64_t c;
			uint64_t v = asp_durations_bin(src, i, &c);
			add_n(d, v, c, src->binned);
		}
	}
	/* exact extremes and sum, not the bins' midpoints */
	if (was_empty || src->min < d->min)
		d->min = src->min;
	if (was_empty || src->max > d->max)
		d->max = src->max;
	add_sum(d, src->sum);
}

void asp_durations_restore(struct asp_durations *d, const uint64_t *values,
			   const uint64_t *counts, size_t nvalues, bool binned, uint64_t min,
			   uint64_t max, uint64_t sum)
{
	memset(d, 0, sizeof(*d));
	for (size_t i = 0; i < nvalues; i++)
		add_n(d, values[i], counts[i], binned);
	if (!d->n)
		return;
	/* exact extremes and sum, not the bins' midpoints */
	d->min = min;
	d->max = max;
	d->sum = sum;
	asp_durations_finish(d);
}

static int bin_cmp(const void *a, const void *b)
{
	const struct asp_dur_bin *x = a, *y = b;
	return x->value < y->value ? -1 : x->value > y->value;
}

void asp_durations_finish(struct asp_durations *d)
{
	if (d->finished)
		return;
	d->finished = true;
	if (!d->binned) {
		asp_sort_u64(d->v, d->nv);
		return;
	}
	/* by bin index (the order of values), counts in upto for now */
	d->bins = xmalloc((d->hist.n ? d->hist.n : 1) * sizeof(*d->bins));
	for (size_t i = 0; i < d->hist.cap; i++)
		if (d->hist.ents[i].used == 1)
			d->bins[d->nbins++] = (struct asp_dur_bin){ d->hist.ents[i].key, d->hist.ents[i].val };
	asp_qsort(d->bins, d->nbins, sizeof(*d->bins), bin_cmp);
	uint64_t total = 0;
	for (size_t i = 0; i < d->nbins; i++) {
		uint64_t v = bin_mid((uint32_t)d->bins[i].value);
		d->bins[i].value = v < d->min ? d->min : v > d->max ? d->max : v;
		total += d->bins[i].upto;
		d->bins[i].upto = total;
	}
	asp_u64map_free(&d->hist);
}

size_t asp_durations_nbins(const struct asp_durations *d)
{
	return d->binned ? d->nbins : d->nv;
}

uint64_t asp_durations_bin(const struct asp_durations *d, size_t i, uint64_t *count)
{
	if (!d->binned) {
		*count = 1;
		return d->v[i];
	}
	*count = d->bins[i].upto - (i ? d->bins[i - 1].upto : 0);
	return d->bins[i].value;
}

void asp_durations_free(struct asp_durations *d)
{
	free(d->v);
	free(d->bins);
	asp_u64map_free(&d->hist);
	memset(d, 0, sizeof(*d));
}

uint64_t asp_durations_rank(const struct asp_durations *d, uint64_t k)
{
	if (!d->binned)
		return k < d->nv ? d->v[k] : 0;
	if (!d->nbins)
		return 0;
	size_t lo = 0, hi = d->nbins - 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (d->bins[mid].upto > k)
			hi = mid;
		else
			lo = mid + 1;
	}
	return d->bins[lo].value;
}

uint64_t asp_durations_quantile(const struct asp_durations *d, double q)
{
	if (d->n == 0)
		return 0;
	if (q <= 0)
		return d->min;
	if (q >= 1)
		return d->max;
	/* nearest rank: the smallest value with at least q of the values at or below it */
	double rank = q * (double)d->n;
	uint64_t k = (uint64_t)rank;
	if ((double)k < rank)
		k++;
	if (k == 0)
		k = 1;
	return asp_durations_rank(d, k - 1);
}

struct asp_quantiles asp_durations_quantiles(const struct asp_durations *d)
{
	struct asp_quantiles q = { 0 };
	if (d->n == 0)
		return q;
	q.min = d->min;
	q.max = d->max;
	q.p50 = asp_durations_quantile(d, 0.50);
	q.p90 = asp_durations_quantile(d, 0.90);
	q.p99 = asp_durations_quantile(d, 0.99);
	q.mean = (double)((long double)d->sum / d->n);
	return q;
}

void asp_result_free(struct asp_result *r)
{
	if (!r)
		return;
	free(r->program_exit);
	if (r->rules_used)
		free(r->rules_used->path);
	free(r->rules_used);
	free(r->end_text);
	free(r->end_frames);
	free(r->panic.function);
	free(r->panic.future);
	for (size_t i = 0; i < r->ntasks; i++) {
		free(r->tasks[i].root);
		free(r->tasks[i].root_srcline);
		free(r->tasks[i].tids);
		asp_durations_free(&r->tasks[i].poll_ns);
		asp_durations_free(&r->tasks[i].own_ns);
		asp_durations_free(&r->tasks[i].sched_ns);
	}
	free(r->tasks);
	for (size_t i = 0; i < r->nfutures; i++) {
		free(r->futures[i].name);
		free(r->futures[i].srcline);
		free(r->futures[i].task_ids);
		asp_durations_free(&r->futures[i].poll_ns);
		asp_durations_free(&r->futures[i].own_ns);
		asp_durations_free(&r->futures[i].sched_ns);
		asp_durations_free(&r->futures[i].first_poll_ns);
		for (size_t k = 0; k < r->futures[i].ncallees; k++)
			free(r->futures[i].callees[k].name);
		free(r->futures[i].callees);
	}
	free(r->futures);
	for (size_t i = 0; i < r->nfindings; i++) {
		free(r->findings[i].rule);
		free(r->findings[i].future);
		free(r->findings[i].srcline);
		free(r->findings[i].culprit_srcline);
		free(r->findings[i].culprit);
		free(r->findings[i].no_culprit);
		asp_finding_free_victims(&r->findings[i]);
		free(r->findings[i].behind);
		free(r->findings[i].pattern);
	}
	free(r->findings);
	for (size_t i = 0; i < r->ngroups; i++)
		free(r->groups[i].tasks);
	free(r->groups);
	for (size_t i = 0; i < r->nnotes; i++)
		free(r->notes[i]);
	free(r->notes);
	free(r->path);
	free(r->name);
	free(r->label);
	free(r->exe);
	free(r->runtime);
	free(r);
}

/* ---------------------------------------------------------------- groups */

static int group_cmp(const void *x, const void *y)
{
	const struct asp_finding_group *a = x, *b = y;
	if (a->severity != b->severity)
		return a->severity > b->severity ? -1 : 1;
	if (a->longest_ns != b->longest_ns)
		return a->longest_ns > b->longest_ns ? -1 : 1;
	int c = strcmp(a->rule, b->rule);
	return c ? c : strcmp(a->future, b->future);
}

static void group_add_task(struct asp_finding_group *g, uint32_t task)
{
	size_t i = 0;
	while (i < g->ntasks && g->tasks[i] < task)
		i++;
	if (i < g->ntasks && g->tasks[i] == task)
		return;
	g->tasks = xreallocarray(g->tasks, g->ntasks + 1, sizeof(*g->tasks));
	memmove(g->tasks + i + 1, g->tasks + i, (g->ntasks - i) * sizeof(*g->tasks));
	g->tasks[i] = task;
	g->ntasks++;
}

void asp_result_group_findings(struct asp_result *r)
{
	for (size_t i = 0; i < r->ngroups; i++)
		free(r->groups[i].tasks);
	free(r->groups);
	r->groups = NULL;
	r->ngroups = 0;
	if (!r->nfindings)
		return;
	/* (rule, future) -> group: findings are few, a map keyed by the pair */
	struct asp_strtab keys = { 0 };
	r->groups = xcalloc(r->nfindings, sizeof(*r->groups));
	for (size_t i = 0; i < r->nfindings; i++) {
		const struct asp_finding *f = &r->findings[i];
		char *key = xasprintf("%s%c%s", f->rule, '\x1f', f->future ? f->future : "");
		uint32_t k = asp_strtab_intern(&keys, key, NULL);
		free(key);
		struct asp_finding_group *g = &r->groups[k];
		if (k == r->ngroups) {
			r->ngroups++;
			g->rule = f->rule;
			g->future = f->future ? f->future : "";
			g->srcline = f->srcline;
			g->worst = i;
		}
		const struct asp_finding *w = &r->findings[g->worst];
		if (f->severity > w->severity ||
		    (f->severity == w->severity && f->measured_ns > w->measured_ns)) {
			g->worst = i;
			g->rule = f->rule;
			g->future = f->future ? f->future : "";
			g->srcline = f->srcline;
		}
		if (f->severity > g->severity)
			g->severity = f->severity;
		g->count++;
		g->total_ns += f->measured_ns;
		g->victims += f->victims;
		g->victims_ns += f->victims_ns;
		if (f->measured_ns > g->longest_ns)
			g->longest_ns = f->measured_ns;
		group_add_task(g, f->task);
	}
	asp_strtab_free(&keys);
	asp_qsort(r->groups, r->ngroups, sizeof(*r->groups), group_cmp);
}

void asp_finding_free_victims(struct asp_finding *f)
{
	for (size_t i = 0; i < f->nvictim; i++)
		free(f->victim[i].root);
	free(f->victim);
	f->victim = NULL;
	f->nvictim = 0;
}

void asp_finding_add_victim(struct asp_finding *f, uint32_t task, const char *root,
			    uint64_t wait_ns, uint64_t poll_ns)
{
	f->victims++;
	f->victims_ns += wait_ns;
	if (f->nvictim >= ASP_VICTIMS_LISTED)
		return;
	f->victim = xreallocarray(f->victim, f->nvictim + 1, sizeof(*f->victim));
	f->victim[f->nvictim++] = (struct asp_victim){ task, xstrdup(root), wait_ns, poll_ns };
}

void asp_result_add_note(struct asp_result *r, char *note)
{
	r->notes = xreallocarray(r->notes, r->nnotes + 1, sizeof(*r->notes));
	r->notes[r->nnotes++] = note;
}
