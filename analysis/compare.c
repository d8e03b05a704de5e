/* compare.c - base vs new: pooled statistics, Mann-Whitney U, verdicts. */
#include "compare.h"
#include "registry.h"
#include "util.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *asp_verdict_name(enum asp_verdict v)
{
	static const char *const names[] = { "unchanged", "regressed", "improved",
					     "new",       "gone",      "ignored",  "via" };
	return v < ASP_V_COUNT ? names[v] : "unknown";
}

const char *asp_metric_name(enum asp_verdict_metric m)
{
	switch (m) {
	case ASP_METRIC_P50: return "p50";
	case ASP_METRIC_P90: return "p90";
	case ASP_METRIC_P99: return "p99";
	case ASP_METRIC_MAX: return "max";
	case ASP_METRIC_MEAN: return "mean";
	case ASP_METRIC_BUSY_PER_POLL: return "busy_per_poll";
	}
	return "p90";
}

/* walks the bins of finished durations as (key, count): the values, or
 * with by_bin their histogram bins, equal keys merged */
struct bin_walk {
	const struct asp_durations *d;
	size_t i;
	bool by_bin;
};

static bool walk_next(struct bin_walk *w, uint64_t *key, uint64_t *count)
{
	const struct asp_durations *d = w->d;
	size_t nb = asp_durations_nbins(d);
	if (w->i >= nb)
		return false;
	uint64_t c, v = asp_durations_bin(d, w->i, &c);
	uint64_t k = w->by_bin ? asp_dur_bin_of(v) : v;
	*count = 0;
	while (w->i < nb) {
		v = asp_durations_bin(d, w->i, &c);
		if ((w->by_bin ? asp_dur_bin_of(v) : v) != k)
			break;
		*count += c;
		w->i++;
	}
	*key = k;
	return true;
}

double asp_mann_whitney(const struct asp_durations *x, const struct asp_durations *y, double *u)
{
	if (u)
		*u = 0;
	uint64_t nx = x->n, ny = y->n;
	if (nx == 0 || ny == 0)
		return 1.0;
	/* binned durations are compared by bin: values in one bin are ties */
	bool by_bin = x->binned || y->binned;
	struct bin_walk wx = { x, 0, by_bin }, wy = { y, 0, by_bin };
	uint64_t kx = 0, cx = 0, ky = 0, cy = 0;
	bool hx = walk_next(&wx, &kx, &cx), hy = walk_next(&wy, &ky, &cy);
	double n = (double)nx + (double)ny;
	double rank_x = 0, tie_term = 0, pos = 0;
	while (hx || hy) {
		uint64_t v = (!hy || (hx && kx <= ky)) ? kx : ky;
		double tx = 0, ty = 0;
		if (hx && kx == v) {
			tx = (double)cx;
			hx = walk_next(&wx, &kx, &cx);
		}
		if (hy && ky == v) {
			ty = (double)cy;
			hy = walk_next(&wy, &ky, &cy);
		}
		double t = tx + ty;
		/* ranks pos+1 .. pos+t share their average */
		double avg = pos + (t + 1) / 2.0;
		rank_x += avg * tx;
		tie_term += t * t * t - t;
		pos += t;
	}
	double u1 = rank_x - (double)nx * ((double)nx + 1) / 2.0;
	if (u)
		*u = u1;
	double mu = (double)nx * (double)ny / 2.0;
	double var = (double)nx * (double)ny / 12.0 * ((n + 1) - tie_term / (n * (n - 1)));
	if (!(var > 0))
		return 1.0;
	double z = (fabs(u1 - mu) - 0.5) / sqrt(var);
	if (z < 0)
		z = 0;
	double p = erfc(z / sqrt(2.0));
	return p > 1 ? 1 : p;
}

/* ---------------------------------------------------------------- pooling */

struct pool_entry {
	char *name;
	bool is_task;
	enum asp_future_kind kind;
	struct asp_side side[2];
};

struct pool {
	struct pool_entry *v;
	size_t n, cap;
};

static struct pool_entry *pool_get(struct pool *p, const char *name, bool is_task)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].is_task == is_task && !strcmp(p->v[i].name, name))
			return &p->v[i];
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->v = xreallocarray(p->v, p->cap, sizeof(*p->v));
	}
	struct pool_entry *e = &p->v[p->n++];
	memset(e, 0, sizeof(*e));
	e->name = xstrdup(name);
	e->is_task = is_task;
	return e;
}

static void pool_add(struct asp_side *s, uint64_t polls, uint64_t busy, uint64_t idle,
		     const struct asp_durations *d)
{
	s->runs++;
	s->polls += polls;
	s->busy_ns += busy;
	s->idle_ns += idle;
	asp_durations_merge(&s->d, d);
}

static void pool_runs(struct pool *p, const struct asp_result *const *runs, size_t n, int side)
{
	for (size_t r = 0; r < n; r++) {
		const struct asp_result *res = runs[r];
		for (size_t i = 0; i < res->nfutures; i++) {
			const struct asp_future *f = &res->futures[i];
			struct pool_entry *e = pool_get(p, f->name, false);
			e->kind = f->kind;
			pool_add(&e->side[side], f->polls, f->busy_ns, f->idle_ns, &f->poll_ns);
		}
		/* tasks: pooled by root future (one row per root, all instances) */
		for (size_t i = 0; i < res->ntasks; i++) {
			const struct asp_task *t = &res->tasks[i];
			struct pool_entry *e = pool_get(p, t->root, true);
			struct asp_side *s = &e->side[side];
			/* count a run once even when it has several instances */
			size_t runs_before = s->runs;
			pool_add(s, t->polls, t->busy_ns, t->idle_ns, &t->poll_ns);
			bool seen = false;
			for (size_t k = 0; k < i; k++)
				if (!strcmp(res->tasks[k].root, t->root))
					seen = true;
			if (seen)
				s->runs = runs_before;
		}
	}
}

static double metric_of(const struct asp_side *s, enum asp_verdict_metric m)
{
	switch (m) {
	case ASP_METRIC_P50: return (double)s->q.p50;
	case ASP_METRIC_P90: return (double)s->q.p90;
	case ASP_METRIC_P99: return (double)s->q.p99;
	case ASP_METRIC_MAX: return (double)s->q.max;
	case ASP_METRIC_MEAN: return s->q.mean;
	case ASP_METRIC_BUSY_PER_POLL: return s->busy_per_poll;
	}
	return 0;
}

static int row_cmp(const void *a, const void *b)
{
	const struct asp_cmp_row *x = a, *y = b;
	if (x->is_task != y->is_task)
		return x->is_task ? 1 : -1;
	return strcmp(x->name, y->name);
}

static void fmt_ns(double ns, char *buf, size_t n)
{
	asp_format_duration(ns < 0 ? 0 : (uint64_t)(ns + 0.5), buf, n);
}

static void decide(struct asp_cmp_row *row, const struct asp_rules *rules)
{
	const struct asp_compare_rules *cr = &rules->compare;
	char b1[32], b2[32], b3[32];
	const char *metric = asp_metric_name(cr->metric);
	if (!row->base.polls && !row->new_.polls) {
		row->verdict = ASP_V_UNCHANGED;
		row->reason = xstrdup("never polled");
		return;
	}
	if (!row->base.runs || !row->base.polls) {
		row->verdict = ASP_V_NEW;
		fmt_ns(row->metric_new, b2, sizeof(b2));
		row->reason = xasprintf("new: %" PRIu64 " polls, %s %s", row->new_.polls, metric, b2);
		return;
	}
	if (!row->new_.runs || !row->new_.polls) {
		row->verdict = ASP_V_GONE;
		row->reason = xasprintf("gone: was polled %" PRIu64 " times", row->base.polls);
		return;
	}
	double min_change = cr->min_change;
	double min_abs = (double)cr->min_abs_ns;
	const struct asp_compare_override *o = asp_rules_compare_override(rules, row->name);
	if (o) {
		if (o->ignore) {
			row->verdict = ASP_V_IGNORED;
			row->reason = xasprintf("ignored by the rule '%s'", o->match);
			return;
		}
		if (o->has_min_change)
			min_change = o->min_change;
		if (o->has_min_abs)
			min_abs = (double)o->min_abs_ns;
	}
	fmt_ns(row->metric_base, b1, sizeof(b1));
	fmt_ns(row->metric_new, b2, sizeof(b2));
	fmt_ns(fabs(row->abs_change), b3, sizeof(b3));
	bool significant = row->p_value < cr->alpha;
	bool big = fabs(row->rel_change) >= min_change && fabs(row->abs_change) >= min_abs;
	if (significant && big)
		row->verdict = row->abs_change > 0 ? ASP_V_REGRESSED : ASP_V_IMPROVED;
	else
		row->verdict = ASP_V_UNCHANGED;
	const char *why = row->verdict != ASP_V_UNCHANGED ? ""
			  : !big ? " (below the minimum change)"
				 : " (not significant)";
	row->reason = xasprintf("%s poll %s -> %s (%+.1f%%, %s%s), p=%.2g%s", metric, b1, b2,
				row->rel_change * 100.0, row->abs_change < 0 ? "-" : "+", b3,
				row->p_value, why);
}

/* nf (its future set) takes f's values, of the run named run */
static void cmp_finding_set(struct asp_cmp_finding *nf, const struct asp_finding *f, const char *run)
{
	free(nf->run);
	free(nf->culprit);
	free(nf->no_culprit);
	nf->run = xstrdup(run);
	nf->severity = f->severity;
	nf->duration_ns = f->duration_ns;
	nf->threshold_ns = f->threshold_ns;
	nf->culprit = f->culprit ? xstrdup(f->culprit) : NULL;
	nf->measured_ns = f->measured_ns;
	nf->split = f->split;
	nf->doing = f->doing;
	nf->culprit_calls = f->culprit_calls;
	nf->culprit_self = f->culprit_self;
	nf->no_culprit = f->no_culprit ? xstrdup(f->no_culprit) : NULL;
}

static void add_new_findings(struct asp_comparison *c, const struct asp_result *const *base,
			     size_t nbase, const struct asp_result *const *new_, size_t nnew)
{
	for (size_t r = 0; r < nnew; r++) {
		for (size_t i = 0; i < new_[r]->nfindings; i++) {
			const struct asp_finding *f = &new_[r]->findings[i];
			const struct asp_rule *rule = asp_rule_named(f->rule);
			if (!rule || !rule->per_poll) /* one poll: a future that blocks */
				continue;
			bool in_base = false;
			for (size_t b = 0; b < nbase && !in_base; b++)
				for (size_t k = 0; k < base[b]->nfindings; k++)
					if (!strcmp(base[b]->findings[k].future, f->future) &&
					    !strcmp(base[b]->findings[k].rule, f->rule))
						in_base = true;
			if (in_base)
				continue;
			struct asp_cmp_finding *have = NULL;
			for (size_t k = 0; k < c->nnew_findings; k++)
				if (!strcmp(c->new_findings[k].future, f->future))
					have = &c->new_findings[k];
			if (have) {
				/* the worst: by severity, then by what was held against the threshold */
				if (f->severity > have->severity ||
				    (f->severity == have->severity &&
				     (f->measured_ns > have->measured_ns ||
				      (f->measured_ns == have->measured_ns &&
				       f->duration_ns > have->duration_ns))))
					cmp_finding_set(have, f, new_[r]->name);
				continue;
			}
			c->new_findings = xreallocarray(c->new_findings, c->nnew_findings + 1,
							sizeof(*c->new_findings));
			struct asp_cmp_finding *nf = &c->new_findings[c->nnew_findings++];
			memset(nf, 0, sizeof(*nf));
			nf->future = xstrdup(f->future);
			cmp_finding_set(nf, f, new_[r]->name);
		}
	}
}

struct asp_comparison *asp_compare(const struct asp_result *const *base, size_t nbase,
				   const struct asp_result *const *new_, size_t nnew,
				   const struct asp_rules *rules)
{
	struct asp_comparison *c = xcalloc(1, sizeof(*c));
	c->metric = rules->compare.metric;
	c->nbase = nbase;
	c->nnew = nnew;
	c->base_runs = xcalloc(nbase ? nbase : 1, sizeof(char *));
	c->new_runs = xcalloc(nnew ? nnew : 1, sizeof(char *));
	for (size_t i = 0; i < nbase; i++)
		c->base_runs[i] = xstrdup(base[i]->name);
	for (size_t i = 0; i < nnew; i++)
		c->new_runs[i] = xstrdup(new_[i]->name);

	struct pool p = { 0 };
	pool_runs(&p, base, nbase, 0);
	pool_runs(&p, new_, nnew, 1);
	c->rows = xcalloc(p.n ? p.n : 1, sizeof(*c->rows));
	for (size_t i = 0; i < p.n; i++) {
		struct pool_entry *e = &p.v[i];
		struct asp_cmp_row *row = &c->rows[c->nrows++];
		row->name = e->name;
		row->is_task = e->is_task;
		row->kind = e->kind;
		row->base = e->side[0];
		row->new_ = e->side[1];
		struct asp_side *sides[2] = { &row->base, &row->new_ };
		for (int s = 0; s < 2; s++) {
			asp_durations_finish(&sides[s]->d);
			sides[s]->q = asp_durations_quantiles(&sides[s]->d);
			sides[s]->busy_per_poll =
				sides[s]->polls ? (double)sides[s]->busy_ns / (double)sides[s]->polls : 0;
		}
		row->metric_base = metric_of(&row->base, c->metric);
		row->metric_new = metric_of(&row->new_, c->metric);
		row->abs_change = row->metric_new - row->metric_base;
		row->rel_change = row->metric_base > 0 ? row->abs_change / row->metric_base : 0;
		row->p_value = asp_mann_whitney(&row->base.d, &row->new_.d, NULL);
		decide(row, rules);
		c->counts[row->verdict]++;
	}
	free(p.v);
	asp_qsort(c->rows, c->nrows, sizeof(*c->rows), row_cmp);
	add_new_findings(c, base, nbase, new_, nnew);
	return c;
}

void asp_comparison_free(struct asp_comparison *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nbase; i++)
		free(c->base_runs[i]);
	for (size_t i = 0; i < c->nnew; i++)
		free(c->new_runs[i]);
	free(c->base_runs);
	free(c->new_runs);
	for (size_t i = 0; i < c->nrows; i++) {
		free(c->rows[i].name);
		free(c->rows[i].reason);
		asp_durations_free(&c->rows[i].base.d);
		asp_durations_free(&c->rows[i].new_.d);
	}
	free(c->rows);
	for (size_t i = 0; i < c->nnew_findings; i++) {
		free(c->new_findings[i].future);
		free(c->new_findings[i].run);
		free(c->new_findings[i].culprit);
		free(c->new_findings[i].no_culprit);
	}
	free(c->new_findings);
	free(c);
}
