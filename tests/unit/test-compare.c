/* test-compare.c - Mann-Whitney U, the verdict policy, and the
 * E-divisive split of a history (analysis/history.h). */
#include "analysis/compare.h"
#include "analysis/history.h"
#include "analysis/util.h"
#include "tests/unit/tap.h"

#include <math.h>

static struct asp_durations durs(const uint64_t *v, size_t n)
{
	struct asp_durations d = { 0 };
	for (size_t i = 0; i < n; i++)
		asp_durations_add(&d, v[i]);
	asp_durations_finish(&d);
	return d;
}

static double mwu(const uint64_t *x, size_t nx, const uint64_t *y, size_t ny, double *u)
{
	struct asp_durations dx = durs(x, nx), dy = durs(y, ny);
	double p = asp_mann_whitney(&dx, &dy, u);
	asp_durations_free(&dx);
	asp_durations_free(&dy);
	return p;
}

TEST(mann_whitney_known_values)
{
	/* p-values from the normal approximation with tie and continuity
	 * corrections, computed independently */
	uint64_t x[] = { 1, 2, 3, 4, 5 }, y[] = { 6, 7, 8, 9, 10 };
	double u;
	double p = mwu(x, 5, y, 5, &u);
	CHECK(fabs(u - 0.0) < 1e-9);
	CHECK(fabs(p - 0.012185780355344818) < 1e-9);
	uint64_t a[] = { 1, 1, 2, 2, 3, 5, 8 }, b[] = { 2, 3, 3, 4, 6, 9, 9, 10 };
	p = mwu(a, 7, b, 8, &u);
	CHECK(fabs(u - 12.0) < 1e-9);
	CHECK(fabs(p - 0.07029422941876677) < 1e-9);
	/* unsorted input: the durations sort it */
	uint64_t a2[] = { 8, 1, 5, 2, 3, 1, 2 };
	p = mwu(a2, 7, b, 8, &u);
	CHECK(fabs(u - 12.0) < 1e-9);
	/* symmetric, and degenerate inputs are not significant */
	CHECK(fabs(mwu(y, 5, x, 5, NULL) - 0.012185780355344818) < 1e-9);
	uint64_t same[] = { 4, 4, 4 };
	CHECK(mwu(same, 3, same, 3, NULL) == 1.0);
	CHECK(mwu(x, 0, y, 5, NULL) == 1.0);
}

/* past ASP_DUR_EXACT values a side is binned: the test compares bins, and
 * must agree with the exact test where bins do not hide the difference */
TEST(mann_whitney_binned)
{
	size_t n = 3 * ASP_DUR_EXACT;
	uint64_t *x = xmalloc(n * sizeof(*x)), *y = xmalloc(n * sizeof(*y));
	uint64_t seed = 12345;
	for (size_t i = 0; i < n; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		x[i] = 10000 + (seed >> 33) % 5000;   /* 10..15 us */
		y[i] = 10000 + (seed >> 13) % 5000;   /* the same spread */
	}
	struct asp_durations dx = durs(x, n), dy = durs(y, n);
	CHECK(dx.binned && dy.binned);
	double p_same = asp_mann_whitney(&dx, &dy, NULL);
	CHECK(p_same > 0.01); /* one distribution: not significant */
	for (size_t i = 0; i < n; i++)
		y[i] += 600; /* +4 %: several bins to the right */
	struct asp_durations dy2 = durs(y, n);
	double p_shift = asp_mann_whitney(&dx, &dy2, NULL);
	CHECK(p_shift < 1e-6);
	/* an exact side against a binned one: compared by bin too */
	struct asp_durations small = durs(y, 200);
	CHECK(!small.binned);
	double p_mixed = asp_mann_whitney(&dx, &small, NULL);
	CHECK(p_mixed < 1e-3);
	CHECK(asp_mann_whitney(&small, &small, NULL) > 0.99);
	asp_durations_free(&dx);
	asp_durations_free(&dy);
	asp_durations_free(&dy2);
	asp_durations_free(&small);
	free(x);
	free(y);
}

/* one run with futures named a.. whose polls are given */
static struct asp_result *run(const char *name, const char *fut, uint64_t base_ns, size_t n,
			      const char *fut2)
{
	struct asp_result *r = xcalloc(1, sizeof(*r));
	r->name = xstrdup(name);
	r->nfutures = fut2 ? 2 : 1;
	r->futures = xcalloc(2, sizeof(*r->futures));
	for (size_t k = 0; k < r->nfutures; k++) {
		struct asp_future *f = &r->futures[k];
		f->name = xstrdup(k ? fut2 : fut);
		f->kind = ASP_FK_ASYNC_FN;
		for (size_t i = 0; i < n; i++) {
			uint64_t v = (k ? 20000 : base_ns) + (i % 10) * 100;
			asp_durations_add(&f->poll_ns, v);
			f->busy_ns += v;
		}
		f->polls = n;
		asp_durations_finish(&f->poll_ns);
	}
	return r;
}

static const struct asp_cmp_row *row(const struct asp_comparison *c, const char *name)
{
	for (size_t i = 0; i < c->nrows; i++)
		if (!strcmp(c->rows[i].name, name))
			return &c->rows[i];
	return NULL;
}

TEST(verdicts)
{
	struct asp_rules *rules = asp_rules_default();
	struct asp_result *b1 = run("base1", "slow", 100000, 60, "steady");
	struct asp_result *b2 = run("base2", "slow", 100000, 60, "gone_fn");
	struct asp_result *n1 = run("new1", "slow", 400000, 60, "steady");
	struct asp_result *n2 = run("new2", "slow", 400000, 60, "new_fn");
	const struct asp_result *base[] = { b1, b2 }, *news[] = { n1, n2 };
	struct asp_comparison *c = asp_compare(base, 2, news, 2, rules);
	const struct asp_cmp_row *r = row(c, "slow");
	CHECK(r && r->verdict == ASP_V_REGRESSED);
	CHECK(r && r->p_value < 1e-6 && r->rel_change > 2.9);
	CHECK(r && r->base.runs == 2 && r->base.polls == 120);
	r = row(c, "steady");
	CHECK(r && r->verdict == ASP_V_UNCHANGED);
	r = row(c, "gone_fn");
	CHECK(r && r->verdict == ASP_V_GONE);
	r = row(c, "new_fn");
	CHECK(r && r->verdict == ASP_V_NEW);
	CHECK_U64(c->counts[ASP_V_REGRESSED], 1);
	/* reversed: an improvement */
	struct asp_comparison *c2 = asp_compare(news, 2, base, 2, rules);
	r = row(c2, "slow");
	CHECK(r && r->verdict == ASP_V_IMPROVED);
	asp_comparison_free(c2);
	asp_comparison_free(c);
	/* inside the noise: a small change is not a regression */
	struct asp_result *n3 = run("new3", "slow", 102000, 60, NULL);
	const struct asp_result *news3[] = { n3 };
	c = asp_compare(base, 2, news3, 1, rules);
	r = row(c, "slow");
	CHECK(r && r->verdict == ASP_V_UNCHANGED);
	asp_comparison_free(c);
	asp_result_free(b1);
	asp_result_free(b2);
	asp_result_free(n1);
	asp_result_free(n2);
	asp_result_free(n3);
	asp_rules_free(rules);
}

/* a run of a caller awaiting a callee: the callee takes callee_ns a poll,
 * the caller callee_ns + self_ns (its self time) */
static struct asp_result *nested(const char *name, uint64_t callee_ns, uint64_t self_ns)
{
	struct asp_result *r = run(name, "app::caller", callee_ns + self_ns, 60, "app::callee");
	struct asp_future *caller = &r->futures[0], *callee = &r->futures[1];
	asp_durations_free(&callee->poll_ns);
	memset(&callee->poll_ns, 0, sizeof(callee->poll_ns));
	callee->busy_ns = 0;
	for (size_t i = 0; i < 60; i++) {
		uint64_t v = callee_ns + (i % 10) * 100;
		asp_durations_add(&callee->poll_ns, v);
		callee->busy_ns += v;
	}
	asp_durations_finish(&callee->poll_ns);
	callee->self_ns = callee->busy_ns;
	caller->self_ns = caller->busy_ns - callee->busy_ns;
	caller->ncallees = 1;
	caller->callees = xcalloc(1, sizeof(*caller->callees));
	caller->callees[0] = (struct asp_callee){ xstrdup("app::callee"), 60, callee->busy_ns };
	return r;
}

/* runs of a side: the unit of replication, notes, callers via a callee */
TEST(runs_notes_via)
{
	struct asp_rules *rules = asp_rules_default();
	/* three runs a side, 1 % apart: a 40 % slower callee is found, with
	 * an interval above no change; its caller, whose self time stayed,
	 * is via it */
	struct asp_result *b[3], *n[3];
	for (int i = 0; i < 3; i++) {
		char name[16];
		snprintf(name, sizeof(name), "b%d", i);
		b[i] = nested(name, 100000 + (uint64_t)i * 1000, 50000);
		snprintf(name, sizeof(name), "n%d", i);
		n[i] = nested(name, 140000 + (uint64_t)i * 1000, 50000);
	}
	const struct asp_result *bs[] = { b[0], b[1], b[2] }, *ns[] = { n[0], n[1], n[2] };
	struct asp_comparison *c = asp_compare(bs, 3, ns, 3, rules);
	const struct asp_cmp_row *r = row(c, "app::callee");
	CHECK(r && r->verdict == ASP_V_REGRESSED);
	CHECK(r && r->ratio_lo > 1.3 && r->ratio_hi < 1.5 && !r->noise_assumed);
	CHECK(r && r->base.run_metric && r->base.run_metric[2] > r->base.run_metric[0]);
	r = row(c, "app::caller");
	CHECK(r && r->verdict == ASP_V_VIA && r->via && !strcmp(r->via, "app::callee"));
	CHECK_U64(c->counts[ASP_V_REGRESSED], 1);
	CHECK(c->nnotes == 0);
	asp_comparison_free(c);
	/* the same runs against themselves: nothing */
	c = asp_compare(bs, 3, bs, 3, rules);
	CHECK_U64(c->counts[ASP_V_REGRESSED] + c->counts[ASP_V_IMPROVED] + c->counts[ASP_V_VIA], 0);
	asp_comparison_free(c);
	/* one run a side: the noise is assumed, and said */
	c = asp_compare(bs, 1, ns, 1, rules);
	r = row(c, "app::callee");
	CHECK(r && r->noise_assumed && r->noise >= 0.3);
	CHECK(r && r->verdict == ASP_V_UNCHANGED); /* 40 % is within 30 % noise's interval */
	CHECK(c->nnotes == 1 && strstr(c->notes[0], "each side has one run"));
	asp_comparison_free(c);
	/* manglings that differ: said */
	struct asp_result *v0 = run("v0", "app::f::{closure#0}", 1000, 20, "app::g::{closure#0}");
	struct asp_result *lg = run("lg", "app::f::{{closure}}", 1000, 20, "app::g::{{closure}}");
	const struct asp_result *v0s[] = { v0 }, *lgs[] = { lg };
	c = asp_compare(v0s, 1, lgs, 1, rules);
	CHECK(c->nnotes == 2 && strstr(c->notes[1], "mangled differently"));
	asp_comparison_free(c);
	asp_result_free(v0);
	asp_result_free(lg);
	for (int i = 0; i < 3; i++) {
		asp_result_free(b[i]);
		asp_result_free(n[i]);
	}
	asp_rules_free(rules);
}

/* the energy statistic by its definition (Matteson & James 2014, alpha =
 * 1), O(n^3): what the incremental sums of asp_edivisive_split must give */
static double q_direct(const double *x, size_t n, size_t t)
{
	double b = 0, wx = 0, wy = 0;
	for (size_t i = 0; i < t; i++)
		for (size_t j = t; j < n; j++)
			b += fabs(x[i] - x[j]);
	for (size_t i = 0; i < t; i++)
		for (size_t k = i + 1; k < t; k++)
			wx += fabs(x[i] - x[k]);
	for (size_t j = t; j < n; j++)
		for (size_t l = j + 1; l < n; l++)
			wy += fabs(x[j] - x[l]);
	double nx = (double)t, ny = (double)(n - t);
	double e = 2 * b / (nx * ny) - (t >= 2 ? wx / (nx * (nx - 1) / 2) : 0) -
		   (n - t >= 2 ? wy / (ny * (ny - 1) / 2) : 0);
	return nx * ny / (double)n * e;
}

TEST(edivisive_split)
{
	/* a step after 8 values: found there, whatever the minimum segment
	 * up to its length */
	double x[] = { 80, 83, 76, 91, 80, 82, 77, 78, 146, 144 };
	double q;
	CHECK(asp_edivisive_split(x, 10, 2, &q) == 8);
	CHECK(q > 0);
	CHECK(asp_edivisive_split(x, 10, 1, &q) == 8);
	/* segments of 3 or more: the step is too late to be a split of its own */
	CHECK(asp_edivisive_split(x, 10, 3, &q) == 7);
	/* too short for two segments */
	CHECK(asp_edivisive_split(x, 3, 2, &q) == 0 && q == 0);
	/* the statistic is the definition's, split by split */
	double best = -1;
	size_t at = 0;
	for (size_t t = 2; t + 2 <= 10; t++) {
		double d = q_direct(x, 10, t);
		if (d > best) {
			best = d;
			at = t;
		}
	}
	asp_edivisive_split(x, 10, 2, &q);
	CHECK(at == 8);
	CHECK(fabs(q - best) < 1e-9 * best);
	/* a change in the middle, and one in spread only */
	double m[] = { 10, 11, 10, 12, 11, 30, 31, 29, 30, 32 };
	CHECK(asp_edivisive_split(m, 10, 2, &q) == 5);
	double sp[] = { 10, 10.1, 9.9, 10, 10.1, 2, 18, 3, 17, 1, 19 };
	CHECK(asp_edivisive_split(sp, 11, 2, &q) == 5);
}

int main(void)
{
	return tap_run((struct tap_case[]){
		CASE(mann_whitney_known_values),
		CASE(mann_whitney_binned),
		CASE(verdicts),
		CASE(runs_notes_via),
		CASE(edivisive_split),
		{ 0 },
	});
}
