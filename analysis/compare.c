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

/* a future over the runs of both sides: the pooled sides, and each run's
 * future (NULL where it was not polled) */
struct pool_entry {
	char *name;
	bool is_root;
	enum asp_future_kind kind;
	struct asp_side side[2];
	const struct asp_future **runs[2];
};

struct pool {
	struct pool_entry *v;
	size_t n, cap;
	size_t nruns[2];
};

static struct pool_entry *pool_get(struct pool *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].name, name))
			return &p->v[i];
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->v = xreallocarray(p->v, p->cap, sizeof(*p->v));
	}
	struct pool_entry *e = &p->v[p->n++];
	memset(e, 0, sizeof(*e));
	e->name = xstrdup(name);
	for (int s = 0; s < 2; s++)
		e->runs[s] = xcalloc(p->nruns[s] ? p->nruns[s] : 1, sizeof(*e->runs[s]));
	return e;
}

/* a future's own poll times (on CPU + blocked), or its wall times where a
 * result has none (made by hand, or without the split) */
static const struct asp_durations *own_durs(const struct asp_future *f)
{
	return f->own_ns.n == f->polls && f->polls ? &f->own_ns : &f->poll_ns;
}

static uint64_t own_sum(const struct asp_future *f)
{
	uint64_t own = asp_split_own(&f->split);
	return own || !f->busy_ns ? own : f->busy_ns;
}

/* a task's root is its future's row: no rows of their own for tasks */
static void pool_runs(struct pool *p, const struct asp_result *const *runs, size_t n, int side)
{
	for (size_t r = 0; r < n; r++) {
		const struct asp_result *res = runs[r];
		for (size_t i = 0; i < res->nfutures; i++) {
			const struct asp_future *f = &res->futures[i];
			struct pool_entry *e = pool_get(p, f->name);
			e->kind = f->kind;
			e->is_root |= f->is_root;
			e->runs[side][r] = f;
			struct asp_side *s = &e->side[side];
			s->runs++;
			s->polls += f->polls;
			s->busy_ns += f->busy_ns;
			s->idle_ns += f->idle_ns;
			s->own_ns += own_sum(f);
			s->self_ns += f->self_ns;
			asp_durations_merge(&s->d, own_durs(f));
		}
		for (size_t i = 0; i < res->ntasks; i++) {
			int64_t k = -1;
			for (size_t j = 0; j < p->n && k < 0; j++)
				if (!strcmp(p->v[j].name, res->tasks[i].root))
					k = (int64_t)j;
			if (k >= 0)
				p->v[k].is_root = true;
		}
	}
}

/* the metric of one run's own poll times */
double asp_run_metric(const struct asp_future *f, enum asp_verdict_metric m)
{
	if (m == ASP_METRIC_BUSY_PER_POLL)
		return f->polls ? (double)own_sum(f) / (double)f->polls : 0;
	struct asp_quantiles q = asp_durations_quantiles(own_durs(f));
	switch (m) {
	case ASP_METRIC_P50: return (double)q.p50;
	case ASP_METRIC_P90: return (double)q.p90;
	case ASP_METRIC_P99: return (double)q.p99;
	case ASP_METRIC_MAX: return (double)q.max;
	case ASP_METRIC_MEAN: return q.mean;
	default: return (double)q.p90;
	}
}

static int row_cmp(const void *a, const void *b)
{
	const struct asp_cmp_row *x = a, *y = b;
	return strcmp(x->name, y->name);
}

static void fmt_ns(double ns, char *buf, size_t n)
{
	asp_format_duration(ns < 0 ? 0 : (uint64_t)(ns + 0.5), buf, n);
}

/* ---------------------------------------------------------------- bootstrap */

/* xorshift64*: seeded per row, so the same inputs give the same intervals */
struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545F4914F6CDD1DULL;
}

static double rng_unit(struct rng *r)
{
	return ((double)(rng_next(r) >> 11) + 0.5) / 9007199254740992.0;
}

static double rng_normal(struct rng *r)
{
	/* Box-Muller */
	double u = rng_unit(r), v = rng_unit(r);
	return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

static uint64_t hash_name(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h ? h : 1;
}

/* one run's metric recomputed on its polls resampled with replacement:
 * a quantile of the resample is an order statistic whose rank is about
 * normal around n*q (sd sqrt(n q (1-q))); a mean moves by its standard
 * error */
static double boot_run(const struct asp_future *f, enum asp_verdict_metric m, double sd,
		       struct rng *r)
{
	const struct asp_durations *d = own_durs(f);
	uint64_t n = d->n;
	if (!n)
		return 0;
	if (m == ASP_METRIC_MEAN || m == ASP_METRIC_BUSY_PER_POLL) {
		double mean = asp_run_metric(f, m);
		double v = mean + rng_normal(r) * sd / sqrt((double)n);
		return v > 0 ? v : mean;
	}
	double q = m == ASP_METRIC_P50 ? 0.5 : m == ASP_METRIC_P99 ? 0.99 : m == ASP_METRIC_MAX ? 1.0 : 0.9;
	double at = (double)n * q + rng_normal(r) * sqrt((double)n * q * (1 - q));
	double k = ceil(at) - 1;
	if (k < 0)
		k = 0;
	if (k > (double)(n - 1))
		k = (double)(n - 1);
	return (double)asp_durations_rank(d, (uint64_t)k);
}

/* the standard deviation of a run's own poll times (for a mean's error) */
static double run_sd(const struct asp_future *f)
{
	const struct asp_durations *d = own_durs(f);
	if (d->n < 2)
		return 0;
	double mean = (double)d->sum / (double)d->n, ss = 0;
	for (size_t i = 0; i < asp_durations_nbins(d); i++) {
		uint64_t c, v = asp_durations_bin(d, i, &c);
		ss += (double)c * ((double)v - mean) * ((double)v - mean);
	}
	return sqrt(ss / (double)(d->n - 1));
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* a side's runs where the future was polled, with each run's standard
 * deviation (for a mean's error) */
struct side_runs {
	const struct asp_future **f;
	double *sd;
	size_t n;
};

/* The interval of new/base at confidence 1 - alpha: each resample draws
 * each side's runs with replacement, recomputes each drawn run's metric on
 * its polls resampled, and takes the side's geometric mean; sigma[s]
 * (log scale) adds the run-to-run noise a side of one run cannot show. */
static void bootstrap(struct asp_cmp_row *row, const struct side_runs sr[2],
		      enum asp_verdict_metric m, uint32_t B, double alpha, const double sigma[2])
{
	struct rng r = { hash_name(row->name) };
	if (B < 100)
		B = 2000; /* rules made by hand, not by the rules file */
	if (!(alpha > 0 && alpha < 1))
		alpha = 0.01;
	double *ratios = xmalloc(B * sizeof(double));
	for (uint32_t b = 0; b < B; b++) {
		double lg[2];
		for (int s = 0; s < 2; s++) {
			double sum = 0;
			for (size_t i = 0; i < sr[s].n; i++) {
				size_t j = (size_t)(rng_next(&r) % sr[s].n);
				double v = boot_run(sr[s].f[j], m, sr[s].sd[j], &r);
				sum += log(v > 1 ? v : 1);
			}
			lg[s] = sum / (double)sr[s].n + (sigma[s] > 0 ? sigma[s] * rng_normal(&r) : 0);
		}
		ratios[b] = exp(lg[1] - lg[0]);
	}
	qsort(ratios, B, sizeof(double), dbl_cmp);
	row->ratio_lo = ratios[(size_t)floor(alpha / 2 * (double)(B - 1))];
	row->ratio_hi = ratios[(size_t)ceil((1 - alpha / 2) * (double)(B - 1))];
	free(ratios);
}

/* ---------------------------------------------------------------- t interval */

static double not_tiny(double v)
{
	return fabs(v) < 1e-300 ? 1e-300 : v;
}

/* one step of the modified Lentz method with coefficient aa: the factor
 * it brings to the fraction */
static double lentz_step(double aa, double *c, double *d)
{
	*d = 1 / not_tiny(1 + aa * *d);
	*c = not_tiny(1 + aa / *c);
	return *d * *c;
}

/* the regularized incomplete beta function I_x(a, b) (continued fraction,
 * as in Numerical Recipes' betacf) */
static double beta_cf(double a, double b, double x)
{
	double qab = a + b, qap = a + 1, qam = a - 1, c = 1;
	double d = 1 / not_tiny(1 - qab * x / qap), h = d;
	for (int m = 1; m <= 300; m++) {
		int m2 = 2 * m;
		h *= lentz_step(m * (b - m) * x / ((qam + m2) * (a + m2)), &c, &d);
		double del = lentz_step(-(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)), &c, &d);
		h *= del;
		if (fabs(del - 1) < 1e-12)
			break;
	}
	return h;
}

static double beta_inc(double a, double b, double x)
{
	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	double bt = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log(1 - x));
	return x < (a + 1) / (a + b + 2) ? bt * beta_cf(a, b, x) / a
					   : 1 - bt * beta_cf(b, a, 1 - x) / b;
}

/* the t quantile of upper tail p (0 < p < 0.5) with df degrees of freedom:
 * P(T > t) = p, by bisection on the distribution function */
static double t_quantile(double p, double df)
{
	double lo = 0, hi = 16;
	while (hi < 1e12 && 0.5 * beta_inc(df / 2, 0.5, df / (df + hi * hi)) > p)
		hi *= 2;
	for (int i = 0; i < 200; i++) {
		double t = (lo + hi) / 2;
		double tail = 0.5 * beta_inc(df / 2, 0.5, df / (df + t * t));
		if (tail > p)
			lo = t;
		else
			hi = t;
	}
	return (lo + hi) / 2;
}

/* With several runs on each side, the interval of new/base is Welch's t
 * interval of the difference of the sides' mean log metrics: the runs are
 * the samples, their spread is what a side shows among itself, and with
 * few runs the t quantile widens it as it must (a bootstrap of three runs
 * cannot show more spread than three values have). */
static void t_interval(struct asp_cmp_row *row, const struct side_runs sr[2],
		       double *const metric[2], double alpha)
{
	double mean[2], var[2];
	for (int s = 0; s < 2; s++) {
		double sum = 0, ss = 0;
		for (size_t i = 0; i < sr[s].n; i++)
			sum += log(metric[s][i] > 1 ? metric[s][i] : 1);
		mean[s] = sum / (double)sr[s].n;
		for (size_t i = 0; i < sr[s].n; i++) {
			double d = log(metric[s][i] > 1 ? metric[s][i] : 1) - mean[s];
			ss += d * d;
		}
		var[s] = ss / (double)(sr[s].n - 1) / (double)sr[s].n;
	}
	double se2 = var[0] + var[1], diff = mean[1] - mean[0];
	if (!(se2 > 0)) {
		row->ratio_lo = row->ratio_hi = exp(diff);
		return;
	}
	double df = se2 * se2 / (var[0] * var[0] / (double)(sr[0].n - 1) +
				 var[1] * var[1] / (double)(sr[1].n - 1));
	double half = t_quantile(alpha / 2, df) * sqrt(se2);
	row->ratio_lo = exp(diff - half);
	row->ratio_hi = exp(diff + half);
}

/* the geometric mean of a side's run metrics, and how far apart its runs
 * are (largest / smallest - 1; 0 with one run): with a few runs, the
 * distance of each from their mean understates how far the next run may
 * fall, the range less so */
static double side_center(const struct side_runs *sr, const double *metric, double *spread)
{
	double sum = 0, lo = 0, hi = 0;
	for (size_t i = 0; i < sr->n; i++) {
		double v = metric[i] > 1 ? metric[i] : 1;
		sum += log(v);
		lo = i && lo < v ? lo : v;
		hi = i && hi > v ? hi : v;
	}
	*spread = sr->n > 1 ? hi / lo - 1 : 0;
	return exp(sum / (double)(sr->n ? sr->n : 1));
}

static void pct(char *buf, size_t n, double rel)
{
	snprintf(buf, n, "%+.0f %%", rel * 100.0);
}

/* the verdict of a future polled on both sides */
static void decide_changed(struct asp_cmp_row *row, struct pool_entry *e, const size_t nruns[2],
			   const struct asp_rules *rules, double min_change, double min_abs)
{
	const struct asp_compare_rules *cr = &rules->compare;
	enum asp_verdict_metric m = cr->metric;
	struct side_runs sr[2];
	double *metric[2], spread[2], center[2];
	for (int s = 0; s < 2; s++) {
		struct asp_side *side = s ? &row->new_ : &row->base;
		size_t n = nruns[s] ? nruns[s] : 1;
		sr[s].f = xcalloc(n, sizeof(*sr[s].f));
		sr[s].sd = xcalloc(n, sizeof(double));
		metric[s] = xcalloc(n, sizeof(double));
		sr[s].n = 0;
		for (size_t r = 0; r < nruns[s]; r++) {
			const struct asp_future *f = e->runs[s][r];
			side->run_metric[r] = f ? asp_run_metric(f, m) : NAN;
			if (!f || !f->polls)
				continue;
			sr[s].f[sr[s].n] = f;
			sr[s].sd[sr[s].n] =
				m == ASP_METRIC_MEAN || m == ASP_METRIC_BUSY_PER_POLL ? run_sd(f) : 0;
			metric[s][sr[s].n++] = side->run_metric[r];
		}
		center[s] = side_center(&sr[s], metric[s], &spread[s]);
	}
	row->metric_base = center[0];
	row->metric_new = center[1];
	row->abs_change = center[1] - center[0];
	row->rel_change = center[0] > 0 ? center[1] / center[0] - 1 : 0;
	/* run-to-run noise: what the runs of a side show among themselves;
	 * with one run on a side it cannot be seen: assumed */
	row->noise = spread[0] > spread[1] ? spread[0] : spread[1];
	row->noise_assumed = sr[0].n < 2 || sr[1].n < 2;
	if (row->noise_assumed && row->noise < cr->single_run_noise)
		row->noise = cr->single_run_noise;
	double sigma[2];
	for (int s = 0; s < 2; s++)
		sigma[s] = sr[s].n < 2 ? log(1 + row->noise) / 1.96 : 0;
	if (sr[0].n >= 2 && sr[1].n >= 2)
		t_interval(row, sr, metric, !(cr->alpha > 0 && cr->alpha < 1) ? 0.01 : cr->alpha);
	else
		bootstrap(row, sr, m, cr->bootstrap, cr->alpha, sigma);
	for (int s = 0; s < 2; s++) {
		free(sr[s].f);
		free(sr[s].sd);
		free(metric[s]);
	}

	double need = min_change > row->noise ? min_change : row->noise;
	bool up = row->ratio_lo > 1, down = row->ratio_hi < 1;
	bool big = fabs(row->rel_change) >= need && fabs(row->abs_change) >= min_abs;
	if ((up || down) && big)
		row->verdict = up ? ASP_V_REGRESSED : ASP_V_IMPROVED;
	else
		row->verdict = ASP_V_UNCHANGED;

	char b1[32], b2[32], c[16], lo[16], hi[16], nz[16];
	fmt_ns(row->metric_base, b1, sizeof(b1));
	fmt_ns(row->metric_new, b2, sizeof(b2));
	pct(c, sizeof(c), row->rel_change);
	pct(lo, sizeof(lo), row->ratio_lo - 1);
	pct(hi, sizeof(hi), row->ratio_hi - 1);
	snprintf(nz, sizeof(nz), "%.0f %%", need * 100.0);
	const char *why = row->verdict != ASP_V_UNCHANGED ? ""
			  : !(up || down) ? " (the interval holds no change)"
			  : fabs(row->abs_change) < min_abs ? " (below the minimum absolute change)"
			  : row->noise > min_change ? " (within the run-to-run noise)"
						    : " (below the minimum change)";
	row->reason = xasprintf("%s own poll %s -> %s: %s [%s, %s]; a change counts from %s%s%s",
				asp_metric_name(m), b1, b2, c, lo, hi, nz,
				row->noise_assumed && row->noise <= cr->single_run_noise ? " (noise assumed: one run a side)" : "",
				why);
}

static void decide(struct asp_cmp_row *row, struct pool_entry *e, const size_t nruns[2],
		   const struct asp_rules *rules)
{
	const struct asp_compare_rules *cr = &rules->compare;
	char b[32];
	row->ratio_lo = row->ratio_hi = 1;
	if (!row->base.polls && !row->new_.polls) {
		row->verdict = ASP_V_UNCHANGED;
		row->reason = xstrdup("never polled");
		return;
	}
	if (!row->base.runs || !row->base.polls) {
		row->verdict = ASP_V_NEW;
		fmt_ns((double)row->new_.q.p90, b, sizeof(b));
		row->reason = xasprintf("new: %" PRIu64 " polls, p90 own poll %s", row->new_.polls, b);
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
	decide_changed(row, e, nruns, rules, min_change, min_abs);
}

/* ---------------------------------------------------------------- via */

static struct asp_cmp_row *row_named(struct asp_comparison *c, const char *name)
{
	size_t lo = 0, hi = c->nrows;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int k = strcmp(c->rows[mid].name, name);
		if (!k)
			return &c->rows[mid];
		if (k < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* the own time of callee name inside the polls of a side's future, per
 * poll of it */
static double callee_per_poll(const struct pool_entry *e, int side, size_t nruns, const char *name)
{
	uint64_t own = 0, polls = 0;
	for (size_t r = 0; r < nruns; r++) {
		const struct asp_future *f = e->runs[side][r];
		if (!f)
			continue;
		polls += f->polls;
		for (size_t i = 0; i < f->ncallees; i++)
			if (!strcmp(f->callees[i].name, name))
				own += f->callees[i].own_ns;
	}
	return polls ? (double)own / (double)polls : 0;
}

/* the way row moved for via: its verdict, or for an unchanged one (not
 * decided on its own: its interval held no change) the way its metric
 * moved by at least the minimum change; ASP_V_UNCHANGED when neither */
static enum asp_verdict moved(const struct asp_cmp_row *row, double min_change)
{
	if (row->verdict == ASP_V_REGRESSED || row->verdict == ASP_V_IMPROVED)
		return row->verdict;
	if (row->verdict != ASP_V_UNCHANGED || !row->base.polls || !row->new_.polls ||
	    fabs(row->rel_change) < min_change)
		return ASP_V_UNCHANGED;
	return row->rel_change > 0 ? ASP_V_REGRESSED : ASP_V_IMPROVED;
}

static void via_pass(struct asp_comparison *c, struct pool *p, const struct asp_rules *rules,
		     bool *changed)
{
	const struct asp_compare_rules *cr = &rules->compare;
	for (size_t i = 0; i < c->nrows; i++) {
		struct asp_cmp_row *row = &c->rows[i];
		enum asp_verdict way = moved(row, cr->min_change);
		if (way == ASP_V_UNCHANGED)
			continue;
		struct pool_entry *e = NULL;
		for (size_t k = 0; k < p->n && !e; k++)
			if (!strcmp(p->v[k].name, row->name))
				e = &p->v[k];
		double self_change = row->base.self_per_poll > 0
					     ? row->new_.self_per_poll / row->base.self_per_poll - 1
					     : 0;
		double need = cr->min_change > row->noise ? cr->min_change : row->noise;
		bool self_moved = fabs(self_change) >= need &&
				  fabs(row->new_.self_per_poll - row->base.self_per_poll) >= (double)cr->min_abs_ns;
		if (!e || self_moved)
			continue;
		/* the callee whose time inside it moved the most, the same way */
		const char *best = NULL;
		double best_delta = 0;
		for (size_t r = 0; r < p->nruns[1]; r++) {
			const struct asp_future *f = e->runs[1][r];
			for (size_t k = 0; f && k < f->ncallees; k++) {
				const char *name = f->callees[k].name;
				struct asp_cmp_row *cr_row = row_named(c, name);
				if (!cr_row || cr_row == row ||
				    (cr_row->verdict != way && cr_row->verdict != ASP_V_VIA))
					continue;
				double delta = callee_per_poll(e, 1, p->nruns[1], name) -
					       callee_per_poll(e, 0, p->nruns[0], name);
				if ((way == ASP_V_REGRESSED) == (delta > 0) &&
				    fabs(delta) > fabs(best_delta)) {
					best = name;
					best_delta = delta;
				}
			}
		}
		if (!best)
			continue;
		row->verdict = ASP_V_VIA;
		row->via = xstrdup(best);
		*changed = true;
	}
}

/* A future that moved only because a future it awaits moved: its self
 * time (own time outside its callees, per poll) moved less than the
 * minimum change, and a callee that changed the same way grew (or shrank)
 * inside it. It is shown under that callee (via), followed down to the
 * one that changed of its own, whether or not it would have been flagged
 * on its own. Passes until none changes: a caller's callee may become
 * via first. */
static void find_via(struct asp_comparison *c, struct pool *p, const struct asp_rules *rules)
{
	bool changed = true;
	for (size_t pass = 0; changed && pass < c->nrows + 1; pass++) {
		changed = false;
		via_pass(c, p, rules, &changed);
	}
	/* a caller of a caller: via the one that changed of its own */
	for (size_t i = 0; i < c->nrows; i++) {
		struct asp_cmp_row *row = &c->rows[i];
		for (size_t hops = 0; row->verdict == ASP_V_VIA && hops < c->nrows; hops++) {
			struct asp_cmp_row *to = row_named(c, row->via);
			if (!to || to->verdict != ASP_V_VIA || !strcmp(to->via, row->name))
				break;
			free(row->via);
			row->via = xstrdup(to->via);
		}
	}
	for (size_t i = 0; i < c->nrows; i++) {
		struct asp_cmp_row *row = &c->rows[i];
		if (row->verdict != ASP_V_VIA)
			continue;
		char *r = xasprintf("%s; via %s: its self time did not change", row->reason, row->via);
		free(row->reason);
		row->reason = r;
	}
}

static void add_cmp_note(struct asp_comparison *c, char *note)
{
	c->notes = xreallocarray(c->notes, c->nnotes + 1, sizeof(*c->notes));
	c->notes[c->nnotes++] = note;
}

/* how a name is mangled: legacy ({{closure}}), v0 ({closure#0}), unknown */
static int mangling_of(const char *name)
{
	return strstr(name, "{{closure}}") ? 1 : strstr(name, "{closure#") ? 2 : 0;
}

/* What the reader must know of the comparison: one run on a side (the
 * noise assumed), no future in common (different manglings, or different
 * programs) */
static void compare_notes(struct asp_comparison *c, const struct asp_rules *rules)
{
	if (c->nbase && c->nnew && (c->nbase < 2 || c->nnew < 2))
		add_cmp_note(c, xasprintf("%s has one run: run-to-run noise cannot be measured, so a "
					  "change counts only past an assumed %.0f %% "
					  "(compare.single_run_noise); record at least 3 runs a side to "
					  "measure it",
					  c->nbase < 2 && c->nnew < 2 ? "each side" : c->nbase < 2 ? "the base" : "the new side",
					  rules->compare.single_run_noise * 100.0));
	size_t both = 0;
	int mangled[2][3] = { { 0 } };
	for (size_t i = 0; i < c->nrows; i++) {
		const struct asp_cmp_row *r = &c->rows[i];
		both += r->base.runs && r->new_.runs;
		for (int s = 0; s < 2; s++)
			if (s ? r->new_.runs : r->base.runs)
				mangled[s][mangling_of(r->name)]++;
	}
	/* most rows on one side only: nothing much could be compared */
	if (both * 2 >= c->nrows || !c->nbase || !c->nnew)
		return;
	bool differ = (mangled[0][1] && !mangled[0][2] && mangled[1][2] && !mangled[1][1]) ||
		      (mangled[0][2] && !mangled[0][1] && mangled[1][1] && !mangled[1][2]);
	add_cmp_note(c, differ ? xasprintf("%zu of %zu futures are in one side's runs only: the "
					   "symbols are mangled differently (legacy names, "
					   "`{{closure}}`, on one side, v0, `{closure#0}`, on the other: "
					   "a plain build against an mcount build?); compare recordings "
					   "of builds made the same way",
					   c->nrows - both, c->nrows)
			       : xasprintf("%zu of %zu futures are in one side's runs only: are they "
					   "recordings of the same program?",
					   c->nrows - both, c->nrows));
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
	nf->culprit_opaque = f->culprit_opaque;
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
	p.nruns[0] = nbase;
	p.nruns[1] = nnew;
	pool_runs(&p, base, nbase, 0);
	pool_runs(&p, new_, nnew, 1);
	c->confidence = 1 - rules->compare.alpha;
	c->rows = xcalloc(p.n ? p.n : 1, sizeof(*c->rows));
	for (size_t i = 0; i < p.n; i++) {
		struct pool_entry *e = &p.v[i];
		struct asp_cmp_row *row = &c->rows[c->nrows++];
		row->name = xstrdup(e->name);
		row->is_root = e->is_root;
		row->kind = e->kind;
		row->base = e->side[0];
		row->new_ = e->side[1];
		memset(&e->side, 0, sizeof(e->side)); /* the row owns the durations */
		struct asp_side *sides[2] = { &row->base, &row->new_ };
		for (int s = 0; s < 2; s++) {
			struct asp_side *sd = sides[s];
			asp_durations_finish(&sd->d);
			sd->q = asp_durations_quantiles(&sd->d);
			sd->busy_per_poll = sd->polls ? (double)sd->busy_ns / (double)sd->polls : 0;
			sd->self_per_poll = sd->polls ? (double)sd->self_ns / (double)sd->polls : 0;
			sd->run_metric = xmalloc((p.nruns[s] ? p.nruns[s] : 1) * sizeof(double));
			for (size_t r = 0; r < p.nruns[s]; r++)
				sd->run_metric[r] = NAN;
		}
		row->p_value = asp_mann_whitney(&row->base.d, &row->new_.d, NULL);
		decide(row, e, p.nruns, rules);
	}
	asp_qsort(c->rows, c->nrows, sizeof(*c->rows), row_cmp);
	find_via(c, &p, rules);
	for (size_t i = 0; i < c->nrows; i++)
		c->counts[c->rows[i].verdict]++;
	compare_notes(c, rules);
	for (size_t i = 0; i < p.n; i++) {
		free(p.v[i].name);
		free(p.v[i].runs[0]);
		free(p.v[i].runs[1]);
	}
	free(p.v);
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
		free(c->rows[i].via);
		asp_durations_free(&c->rows[i].base.d);
		asp_durations_free(&c->rows[i].new_.d);
		free(c->rows[i].base.run_metric);
		free(c->rows[i].new_.run_metric);
	}
	free(c->rows);
	for (size_t i = 0; i < c->nnotes; i++)
		free(c->notes[i]);
	free(c->notes);
	for (size_t i = 0; i < c->nnew_findings; i++) {
		free(c->new_findings[i].future);
		free(c->new_findings[i].run);
		free(c->new_findings[i].culprit);
		free(c->new_findings[i].no_culprit);
	}
	free(c->new_findings);
	free(c);
}
