/* model.c - helpers of the result model: durations, quantiles, names, free. */
#include "model.h"
#include "util.h"

#include <stdlib.h>

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

void asp_durations_add(struct asp_durations *d, uint64_t ns)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->v = xreallocarray(d->v, d->cap, sizeof(*d->v));
	}
	d->v[d->n++] = ns;
}

void asp_durations_finish(struct asp_durations *d)
{
	asp_sort_u64(d->v, d->n);
}

void asp_durations_free(struct asp_durations *d)
{
	free(d->v);
	d->v = NULL;
	d->n = d->cap = 0;
}

uint64_t asp_quantile(const uint64_t *sorted, size_t n, double q)
{
	if (n == 0)
		return 0;
	if (q <= 0)
		return sorted[0];
	if (q >= 1)
		return sorted[n - 1];
	/* nearest rank: the smallest value with at least q of the values at or below it */
	double rank = q * (double)n;
	size_t k = (size_t)rank;
	if ((double)k < rank)
		k++;
	if (k == 0)
		k = 1;
	return sorted[k - 1];
}

struct asp_quantiles asp_durations_quantiles(const struct asp_durations *d)
{
	struct asp_quantiles q = { 0 };
	if (d->n == 0)
		return q;
	q.min = d->v[0];
	q.max = d->v[d->n - 1];
	q.p50 = asp_quantile(d->v, d->n, 0.50);
	q.p90 = asp_quantile(d->v, d->n, 0.90);
	q.p99 = asp_quantile(d->v, d->n, 0.99);
	long double sum = 0;
	for (size_t i = 0; i < d->n; i++)
		sum += d->v[i];
	q.mean = (double)(sum / d->n);
	return q;
}

void asp_result_free(struct asp_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->ntasks; i++) {
		free(r->tasks[i].root);
		free(r->tasks[i].tids);
		asp_durations_free(&r->tasks[i].poll_ns);
	}
	free(r->tasks);
	for (size_t i = 0; i < r->nfutures; i++) {
		free(r->futures[i].name);
		free(r->futures[i].task_ids);
		asp_durations_free(&r->futures[i].poll_ns);
	}
	free(r->futures);
	for (size_t i = 0; i < r->nfindings; i++) {
		free(r->findings[i].rule);
		free(r->findings[i].future);
		free(r->findings[i].culprit);
		free(r->findings[i].pattern);
	}
	free(r->findings);
	for (size_t i = 0; i < r->nnotes; i++)
		free(r->notes[i]);
	free(r->notes);
	free(r->path);
	free(r->name);
	free(r->exe);
	free(r->runtime);
	free(r);
}
