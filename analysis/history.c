/* history.c - per future, the comparison's per-run metric across nights
 * and its change points: E-divisive means with binary segmentation and a
 * permutation test, then the medians' step checked against the
 * comparison's minimum change (history.h; docs/history.md). */
#include "history.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- E-divisive */

/* Matteson & James's energy statistic (alpha = 1) of every split of
 * a[0..n), each side at least m long: Q(t) = t (n - t) / n * (2/(t (n -
 * t)) sum |x - y| - sum_{i<k} |x_i - x_k| / C(t, 2) - sum_{j<l} |y_j - y_l|
 * / C(n - t, 2)). The sums follow the split as it moves right, a value
 * at a time: O(n^2) for all splits. The best split, or 0. */
size_t asp_edivisive_split(const double *a, size_t n, size_t m, double *q)
{
	*q = 0;
	if (m < 1)
		m = 1;
	if (n < 2 * m)
		return 0;
	double sx = 0, sy = 0, between = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			sy += fabs(a[i] - a[j]);
	size_t best = 0;
	double best_q = -INFINITY;
	for (size_t t = 0; t + m <= n; t++) {
		if (t >= m) { /* X = a[0..t), Y = a[t..n) */
			double nx = (double)t, ny = (double)(n - t);
			double e = 2 * between / (nx * ny);
			if (t >= 2)
				e -= sx / (nx * (nx - 1) / 2);
			if (n - t >= 2)
				e -= sy / (ny * (ny - 1) / 2);
			double qt = nx * ny / (double)n * e;
			if (qt > best_q) {
				best_q = qt;
				best = t;
			}
		}
		/* a[t] moves from Y to X */
		double to_x = 0, to_y = 0;
		for (size_t i = 0; i < t; i++)
			to_x += fabs(a[i] - a[t]);
		for (size_t j = t + 1; j < n; j++)
			to_y += fabs(a[t] - a[j]);
		sx += to_x;
		sy -= to_y;
		between += to_y - to_x;
	}
	*q = best ? best_q : 0;
	return best;
}

/* splitmix64: the permutations' random numbers */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The permutation test of a segment whose best split has statistic q: the
 * share of R random orders of its values whose best split reaches q,
 * counting the order observed, (k + 1) / (R + 1). */
static double permutation_p(const double *x, size_t n, size_t m, double q, uint32_t R,
			    uint64_t *rng)
{
	double *a = xmalloc(n * sizeof(*a));
	memcpy(a, x, n * sizeof(*a));
	uint32_t reach = 0;
	for (uint32_t r = 0; r < R; r++) {
		for (size_t i = n - 1; i > 0; i--) { /* Fisher-Yates */
			size_t k = (size_t)(rng_next(rng) % (i + 1));
			double t = a[i];
			a[i] = a[k];
			a[k] = t;
		}
		double qr;
		asp_edivisive_split(a, n, m, &qr);
		if (qr >= q * (1 - 1e-12))
			reach++;
	}
	free(a);
	return (double)(reach + 1) / ((double)R + 1);
}

struct cp {
	size_t at;      /* index in the series of present values */
	double p_value;
};

static int cp_cmp(const void *a, const void *b)
{
	const struct cp *x = a, *y = b;
	return x->at < y->at ? -1 : x->at > y->at;
}

/* Binary segmentation: the best split over every segment of x[0..n) is
 * tested; a significant one splits its segment, and the search goes on
 * until the best is not. *ncp change points, in order. */
static struct cp *segment(const double *x, size_t n, const struct asp_history_rules *hr,
			  uint64_t seed, size_t *ncp)
{
	struct cp *cps = NULL;
	size_t k = 0;
	uint64_t rng = seed;
	for (;;) {
		/* the segments between the change points found so far */
		size_t best_s = 0, best_e = 0, best_at = 0;
		double best_q = 0;
		for (size_t i = 0; i <= k; i++) {
			size_t s = i ? cps[i - 1].at : 0, e = i < k ? cps[i].at : n;
			double q;
			size_t t = asp_edivisive_split(x + s, e - s, hr->min_nights, &q);
			if (t && q > best_q) {
				best_q = q;
				best_s = s;
				best_e = e;
				best_at = s + t;
			}
		}
		if (!best_at)
			break;
		double p = permutation_p(x + best_s, best_e - best_s, hr->min_nights, best_q,
					 hr->permutations, &rng);
		if (p > hr->p_value)
			break;
		cps = xreallocarray(cps, k + 1, sizeof(*cps));
		cps[k++] = (struct cp){ best_at, p };
		asp_qsort(cps, k, sizeof(*cps), cp_cmp);
	}
	*ncp = k;
	return cps;
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(const double *x, size_t n)
{
	double *a = xmalloc(n * sizeof(*a));
	memcpy(a, x, n * sizeof(*a));
	asp_qsort(a, n, sizeof(*a), dbl_cmp);
	double m = n % 2 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
	free(a);
	return m;
}

/* The medians beside change point i of cps[0..k) over x[0..n) */
static void step_of(const double *x, size_t n, const struct cp *cps, size_t k, size_t i,
		    double *before, double *after)
{
	size_t s = i ? cps[i - 1].at : 0, e = i + 1 < k ? cps[i + 1].at : n;
	*before = median(x + s, cps[i].at - s);
	*after = median(x + cps[i].at, e - cps[i].at);
}

/* The change points whose step is smaller than min_change or min_abs go,
 * the smallest first, the segments beside each merged. */
static void drop_small_steps(const double *x, size_t n, struct cp *cps, size_t *k,
			     double min_change, double min_abs)
{
	for (;;) {
		size_t worst = *k;
		double worst_rel = INFINITY;
		for (size_t i = 0; i < *k; i++) {
			double b, a;
			step_of(x, n, cps, *k, i, &b, &a);
			double rel = b > 0 ? fabs(a / b - 1) : INFINITY;
			if ((rel < min_change || fabs(a - b) < min_abs) && rel < worst_rel) {
				worst = i;
				worst_rel = rel;
			}
		}
		if (worst == *k)
			return;
		memmove(cps + worst, cps + worst + 1, (*k - worst - 1) * sizeof(*cps));
		(*k)--;
	}
}

/* ---------------------------------------------------------------- futures */

static struct asp_history_future *future_get(struct asp_history *h, const char *name)
{
	for (size_t i = 0; i < h->nfutures; i++)
		if (!strcmp(h->futures[i].name, name))
			return &h->futures[i];
	h->futures = xreallocarray(h->futures, h->nfutures + 1, sizeof(*h->futures));
	struct asp_history_future *f = &h->futures[h->nfutures++];
	memset(f, 0, sizeof(*f));
	f->name = xstrdup(name);
	f->metric = xmalloc((h->nnights ? h->nnights : 1) * sizeof(*f->metric));
	for (size_t i = 0; i < h->nnights; i++)
		f->metric[i] = NAN;
	return f;
}

static int future_cmp(const void *a, const void *b)
{
	return strcmp(((const struct asp_history_future *)a)->name,
		      ((const struct asp_history_future *)b)->name);
}

/* The comparison of the nights before a change with those after it (the
 * segments beside it) says whether the future moved only through a
 * future it awaits: then the change is that one's (via). */
static void classify(struct asp_history_change *c, const char *name,
		     const struct asp_result *const *runs, size_t from, size_t to,
		     const struct asp_rules *rules)
{
	c->verdict = c->after > c->before ? ASP_V_REGRESSED : ASP_V_IMPROVED;
	struct asp_comparison *cmp = asp_compare(runs + from, c->night - from, runs + c->night,
						 to - c->night, rules);
	for (size_t i = 0; cmp && i < cmp->nrows; i++) {
		const struct asp_cmp_row *row = &cmp->rows[i];
		if (!row->is_task && !strcmp(row->name, name) && row->verdict == ASP_V_VIA) {
			c->verdict = ASP_V_VIA;
			c->via = xstrdup(row->via);
		}
	}
	asp_comparison_free(cmp);
}

/* one future's change points over the nights it was polled in */
static void find_changes(struct asp_history *h, struct asp_history_future *f,
			 const struct asp_result *const *runs, const struct asp_rules *rules)
{
	double *x = xmalloc((h->nnights ? h->nnights : 1) * sizeof(*x));
	size_t *night = xmalloc((h->nnights ? h->nnights : 1) * sizeof(*night));
	size_t n = 0;
	for (size_t i = 0; i < h->nnights; i++)
		if (!isnan(f->metric[i])) {
			night[n] = i;
			x[n++] = f->metric[i];
		}
	double min_change = rules->compare.min_change;
	double min_abs = (double)rules->compare.min_abs_ns;
	const struct asp_compare_override *o = asp_rules_compare_override(rules, f->name);
	if (o && o->has_min_change)
		min_change = o->min_change;
	if (o && o->has_min_abs)
		min_abs = (double)o->min_abs_ns;
	size_t k = 0;
	struct cp *cps = f->ignored ? NULL
				    : segment(x, n, &h->params, h->params.seed ^ asp_hash_bytes(f->name, strlen(f->name)), &k);
	drop_small_steps(x, n, cps, &k, min_change, min_abs);
	f->changes = xcalloc(k ? k : 1, sizeof(*f->changes));
	for (size_t i = 0; i < k; i++) {
		struct asp_history_change *c = &f->changes[f->nchanges++];
		c->night = night[cps[i].at];
		step_of(x, n, cps, k, i, &c->before, &c->after);
		c->rel_change = c->before > 0 ? c->after / c->before - 1 : 0;
		c->p_value = cps[i].p_value;
		/* the segments' nights: from the previous change point (or
		 * the first night) up to the next one (or the last night) */
		size_t from = i ? night[cps[i - 1].at] : 0;
		size_t to = i + 1 < k ? night[cps[i + 1].at] : h->nnights;
		classify(c, f->name, runs, from, to, rules);
		f->nown += c->verdict != ASP_V_VIA;
	}
	h->nchanged += f->nown > 0;
	for (size_t i = f->nchanges; i-- > 0;)
		if (f->changes[i].verdict != ASP_V_VIA) {
			h->nregressed += f->changes[i].verdict == ASP_V_REGRESSED;
			break;
		}
	free(cps);
	free(x);
	free(night);
}

struct asp_history *asp_history_build(const struct asp_result *const *runs, size_t n,
				      const struct asp_rules *rules)
{
	struct asp_history *h = xcalloc(1, sizeof(*h));
	h->nnights = n;
	h->night = xcalloc(n ? n : 1, sizeof(*h->night));
	h->label = xcalloc(n ? n : 1, sizeof(*h->label));
	h->metric = rules->compare.metric;
	h->params = rules->history;
	h->min_change = rules->compare.min_change;
	h->min_abs_ns = rules->compare.min_abs_ns;
	for (size_t r = 0; r < n; r++) {
		h->night[r] = xstrdup(runs[r]->name);
		h->label[r] = xstrdup(runs[r]->label ? runs[r]->label : runs[r]->name);
		for (size_t i = 0; i < runs[r]->nfutures; i++) {
			const struct asp_future *rf = &runs[r]->futures[i];
			struct asp_history_future *f = future_get(h, rf->name);
			if (!f->src)
				f->src = rf->srcline;
			f->busy_ns += rf->busy_ns;
			if (rf->polls)
				f->metric[r] = asp_run_metric(rf, h->metric);
		}
	}
	if (h->nfutures)
		asp_qsort(h->futures, h->nfutures, sizeof(*h->futures), future_cmp);
	for (size_t i = 0; i < h->nfutures; i++) {
		struct asp_history_future *f = &h->futures[i];
		const struct asp_compare_override *o = asp_rules_compare_override(rules, f->name);
		f->ignored = o && o->ignore;
		find_changes(h, f, runs, rules);
	}
	return h;
}

void asp_history_free(struct asp_history *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->nnights; i++) {
		free(h->night[i]);
		free(h->label[i]);
	}
	free(h->night);
	free(h->label);
	for (size_t i = 0; i < h->nfutures; i++) {
		struct asp_history_future *f = &h->futures[i];
		for (size_t k = 0; k < f->nchanges; k++)
			free(f->changes[k].via);
		free(f->changes);
		free(f->metric);
		free(f->name);
	}
	free(h->futures);
	free(h);
}
