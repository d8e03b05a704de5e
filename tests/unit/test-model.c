/* test-model.c - durations and quantiles, and the analysis' hash maps. */
#include "analysis/map.h"
#include "analysis/model.h"
#include "analysis/util.h"
#include "tests/unit/tap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TEST(quantiles_nearest_rank)
{
	struct asp_durations d = { 0 };
	for (uint64_t v = 100; v >= 1; v--)
		asp_durations_add(&d, v * 1000);
	asp_durations_finish(&d);
	struct asp_quantiles q = asp_durations_quantiles(&d);
	CHECK_U64(q.min, 1000);
	CHECK_U64(q.p50, 50000);
	CHECK_U64(q.p90, 90000);
	CHECK_U64(q.p99, 99000);
	CHECK_U64(q.max, 100000);
	CHECK(q.mean > 50499.9 && q.mean < 50500.1);
	asp_durations_free(&d);
}

TEST(quantiles_small_and_empty)
{
	struct asp_durations d = { 0 };
	struct asp_quantiles q = asp_durations_quantiles(&d);
	CHECK_U64(q.max, 0);
	asp_durations_add(&d, 7);
	asp_durations_finish(&d);
	q = asp_durations_quantiles(&d);
	CHECK_U64(q.min, 7);
	CHECK_U64(q.p50, 7);
	CHECK_U64(q.p99, 7);
	asp_durations_add(&d, 3);
	asp_durations_finish(&d);
	q = asp_durations_quantiles(&d);
	CHECK_U64(q.p50, 3); /* nearest rank: ceil(0.5 * 2) = 1st */
	CHECK_U64(q.p90, 7);
	asp_durations_free(&d);
}

/* nearest-rank quantile of sorted values, as the exact definition */
static uint64_t exact_q(const uint64_t *v, size_t n, double q)
{
	double rank = q * (double)n;
	size_t k = (size_t)rank;
	if ((double)k < rank)
		k++;
	return v[(k ? k : 1) - 1];
}

static int cmp_u64(const void *a, const void *b);

/* past ASP_DUR_EXACT values: quantiles within 0.4 % of the exact ones,
 * min/max/mean exact, memory bounded by the bins in use */
TEST(quantiles_binned)
{
	uint64_t seed = 42;
	for (int shape = 0; shape < 3; shape++) {
		size_t n = 200000;
		uint64_t *v = malloc(n * sizeof(*v));
		struct asp_durations d = { 0 };
		long double sum = 0;
		for (size_t i = 0; i < n; i++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			uint64_t r = seed >> 11;
			/* log-uniform 1 ns .. 1 s; narrow around 5 us; with zeros and huge */
			v[i] = shape == 0   ? (uint64_t)1 << (r % 30) | (r >> 30) % ((uint64_t)1 << (r % 30))
			       : shape == 1 ? 5000 + r % 300
					    : (i % 7 == 0 ? 0 : i % 1001 == 0 ? UINT64_MAX / 4 : r % 100000);
			asp_durations_add(&d, v[i]);
			sum += v[i];
		}
		asp_durations_finish(&d);
		qsort(v, n, sizeof(*v), cmp_u64);
		CHECK(d.binned);
		CHECK(d.nbins <= ASP_DUR_BINS);
		CHECK(d.n == n);
		struct asp_quantiles q = asp_durations_quantiles(&d);
		CHECK_U64(q.min, v[0]);
		CHECK_U64(q.max, v[n - 1]);
		CHECK(fabsl((long double)q.mean - sum / n) <= 1e-6L * (sum / n) + 1);
		static const double qs[] = { 0.01, 0.1, 0.5, 0.9, 0.99, 0.999 };
		for (size_t k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
			double want = (double)exact_q(v, n, qs[k]);
			double got = (double)asp_durations_quantile(&d, qs[k]);
			if (!(fabs(got - want) <= want * 0.004))
				fprintf(stderr, "# shape %d q %g: %.0f, exact %.0f\n", shape, qs[k], got, want);
			CHECK(fabs(got - want) <= want * 0.004);
		}
		/* ranks are monotonic */
		uint64_t prev = 0;
		bool mono = true;
		for (uint64_t k = 0; k < n; k += 997) {
			uint64_t x = asp_durations_rank(&d, k);
			mono = mono && x >= prev;
			prev = x;
		}
		CHECK(mono);
		asp_durations_free(&d);
		free(v);
	}
}

/* merging: exact while the sum stays small, binned past it or when a side
 * is binned; adding after finish() keeps what was there */
TEST(durations_merge)
{
	struct asp_durations a = { 0 }, b = { 0 }, m = { 0 };
	for (uint64_t i = 1; i <= 300; i++) {
		asp_durations_add(&a, i * 1000);
		asp_durations_add(&b, i * 1000 + 1);
	}
	asp_durations_finish(&a);
	asp_durations_finish(&b);
	asp_durations_merge(&m, &a);
	asp_durations_merge(&m, &b);
	asp_durations_finish(&m);
	CHECK(!m.binned);
	CHECK(m.n == 600 && asp_durations_nbins(&m) == 600);
	CHECK_U64(asp_durations_quantile(&m, 0.5), 150001);
	CHECK_U64(m.sum, a.sum + b.sum);
	/* past the limit: binned, exact extremes */
	for (int k = 0; k < 3; k++)
		asp_durations_merge(&m, &a);
	asp_durations_finish(&m);
	CHECK(m.binned);
	CHECK(m.n == 1500);
	CHECK_U64(m.min, 1000);
	CHECK_U64(m.max, 300001);
	/* a binned source makes the target binned */
	struct asp_durations c = { 0 };
	asp_durations_add(&c, 5);
	asp_durations_merge(&c, &m);
	asp_durations_finish(&c);
	CHECK(c.binned && c.n == 1501);
	CHECK_U64(c.min, 5);
	/* add after finish, binned */
	asp_durations_add(&c, 7000000);
	asp_durations_finish(&c);
	CHECK(c.n == 1502);
	CHECK_U64(c.max, 7000000);
	CHECK_U64(asp_durations_quantile(&c, 1.0), 7000000);
	/* an unfinished binned source */
	struct asp_durations e = { 0 }, f = { 0 };
	for (uint64_t i = 0; i < 2000; i++)
		asp_durations_add(&e, 1000 + i);
	asp_durations_merge(&f, &e);
	asp_durations_finish(&f);
	CHECK(f.binned && f.n == 2000);
	CHECK_U64(f.min, 1000);
	CHECK_U64(f.max, 2999);
	CHECK(asp_durations_quantile(&f, 0.5) >= 1990 && asp_durations_quantile(&f, 0.5) <= 2010);
	asp_durations_free(&a);
	asp_durations_free(&b);
	asp_durations_free(&m);
	asp_durations_free(&c);
	asp_durations_free(&e);
	asp_durations_free(&f);
}

/* bins: monotonic, exact below 256 ns, 1/128 of an octave wide above */
TEST(duration_bins)
{
	CHECK_U64(asp_dur_bin_of(0), 0);
	CHECK_U64(asp_dur_bin_of(255), 255);
	CHECK_U64(asp_dur_bin_of(256), 256);
	CHECK_U64(asp_dur_bin_of(257), 256);
	CHECK(asp_dur_bin_of(UINT64_MAX) == ASP_DUR_BINS - 1);
	uint32_t prev = 0;
	bool mono = true;
	for (uint64_t v = 1; v < ((uint64_t)1 << 62); v += v / 300 + 1) {
		uint32_t b = asp_dur_bin_of(v);
		mono = mono && b >= prev && b - prev <= 1;
		prev = b;
	}
	CHECK(mono);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* the radix sort against qsort: sizes around its insertion-sort cut-off,
 * values with every byte in play, duplicates, bytes shared by all values */
TEST(sort_u64_matches_qsort)
{
	static const size_t sizes[] = { 0, 1, 2, 63, 64, 65, 1000, 100000 };
	uint64_t seed = 88172645463325252ULL;
	for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		for (int shape = 0; shape < 4; shape++) {
			size_t n = sizes[si];
			uint64_t *v = malloc((n ? n : 1) * sizeof(*v)), *ref = malloc((n ? n : 1) * sizeof(*v));
			for (size_t i = 0; i < n; i++) {
				seed ^= seed << 13;
				seed ^= seed >> 7;
				seed ^= seed << 17;
				v[i] = shape == 0   ? seed                           /* all 64 bits */
				       : shape == 1 ? seed % 5000000                 /* durations */
				       : shape == 2 ? (seed % 7) << 40 | 0x1234      /* few values */
						    : UINT64_MAX - seed % 300; /* high bytes shared */
			}
			memcpy(ref, v, n * sizeof(*v));
			if (n > 1)
				qsort(ref, n, sizeof(*ref), cmp_u64);
			asp_sort_u64(v, n);
			CHECK(n == 0 || memcmp(v, ref, n * sizeof(*v)) == 0);
			free(v);
			free(ref);
		}
	}
}

TEST(u64map)
{
	struct asp_u64map m = { 0 };
	uint64_t v = 0;
	CHECK(!asp_u64map_get(&m, 5, &v));
	for (uint64_t k = 0; k < 10000; k++)
		asp_u64map_put(&m, k * 7919, k);
	for (uint64_t k = 0; k < 10000; k++)
		CHECK(asp_u64map_get(&m, k * 7919, &v) && v == k);
	asp_u64map_put(&m, 0, 42);
	CHECK(asp_u64map_get(&m, 0, &v) && v == 42);
	asp_u64map_del(&m, 7919);
	CHECK(!asp_u64map_get(&m, 7919, &v));
	CHECK(asp_u64map_get(&m, 2 * 7919, &v) && v == 2);
	CHECK_U64(m.live, 9999);
	asp_u64map_free(&m);

	/* keys that come and go (a task's pending wake), at most 8 at a
	 * time: the tombstones they leave are cleared, the table stays as
	 * small as what it holds, and every key is found until removed */
	bool ok = true;
	for (uint64_t k = 0; k < 1000000; k++) {
		asp_u64map_put(&m, 0x7f0000001000 + k * 0x240, k);
		if (k >= 8) {
			uint64_t old = 0x7f0000001000 + (k - 8) * 0x240;
			ok = ok && asp_u64map_get(&m, old, &v) && v == k - 8;
			asp_u64map_del(&m, old);
			ok = ok && !asp_u64map_get(&m, old, &v);
		}
	}
	CHECK(ok);
	CHECK_U64(m.live, 8);
	CHECK(m.cap <= 64);
	asp_u64map_free(&m);
}

TEST(strtab)
{
	struct asp_strtab t = { 0 };
	bool added;
	CHECK(asp_strtab_find(&t, "a") < 0);
	uint32_t a = asp_strtab_intern(&t, "tokio_mt::worker::{closure#0}", &added);
	CHECK(added);
	uint32_t b = asp_strtab_intern(&t, "tokio_mt::CountDown", &added);
	CHECK(added && a != b);
	CHECK_U64(asp_strtab_intern(&t, "tokio_mt::worker::{closure#0}", &added), a);
	CHECK(!added);
	char name[32];
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		asp_strtab_intern(&t, name, NULL);
	}
	CHECK_U64(asp_strtab_find(&t, "f999"), 1001);
	CHECK_STR(t.names[b], "tokio_mt::CountDown");
	asp_strtab_free(&t);
}

TEST(names)
{
	CHECK_STR(asp_future_kind_name(ASP_FK_USER_FUTURE), "user_future");
	CHECK_STR(asp_future_kind_name(ASP_FK_COMBINATOR), "combinator");
	CHECK_STR(asp_severity_name(ASP_SEV_ERROR), "error");
	CHECK_STR(asp_severity_name(ASP_SEV_NONE), "none");
	CHECK_STR(asp_doing_name(ASP_DOING_BLOCKED), "blocked");
	CHECK_STR(asp_doing_name(ASP_DOING_CPU), "on CPU");
	CHECK_STR(asp_doing_name(ASP_DOING_UNKNOWN), "unknown");
}

static void finding(struct asp_result *r, const char *rule, const char *future,
		    enum asp_severity sev, uint32_t task, uint64_t ms)
{
	struct asp_finding *f = &r->findings[r->nfindings++];
	memset(f, 0, sizeof(*f));
	f->rule = xstrdup(rule);
	f->future = xstrdup(future);
	f->severity = sev;
	f->task = task;
	f->measured_ns = ms * 1000000;
	f->duration_ns = f->measured_ns;
	f->pattern = xstrdup("default");
	f->count = 1;
}

/* one row per (rule, future): counted, summed, the worst kept, its tasks */
TEST(finding_groups)
{
	struct asp_result *r = xcalloc(1, sizeof(*r));
	r->findings = xcalloc(8, sizeof(*r->findings));
	finding(r, "blocking-poll", "a", ASP_SEV_ERROR, 3, 150);
	finding(r, "blocking-poll", "b", ASP_SEV_WARNING, 2, 40);
	finding(r, "blocking-poll", "a", ASP_SEV_WARNING, 5, 20);
	finding(r, "never-yielded", "a", ASP_SEV_ERROR, 3, 150);
	finding(r, "blocking-poll", "b", ASP_SEV_WARNING, 2, 60);
	finding(r, "blocking-poll", "a", ASP_SEV_WARNING, 0, 30);
	asp_result_group_findings(r);
	CHECK(r->ngroups == 3);
	if (r->ngroups == 3) {
		const struct asp_finding_group *g = &r->groups[0];
		/* errors first: blocking-poll a and never-yielded a, by longest then rule */
		CHECK_STR(g->rule, "blocking-poll");
		CHECK_STR(g->future, "a");
		CHECK(g->severity == ASP_SEV_ERROR);
		CHECK_U64(g->count, 3);
		CHECK_U64(g->total_ns, 200000000);
		CHECK_U64(g->longest_ns, 150000000);
		CHECK_U64(g->worst, 0);
		CHECK(g->ntasks == 3 && g->tasks[0] == 0 && g->tasks[1] == 3 && g->tasks[2] == 5);
		CHECK_STR(r->groups[1].rule, "never-yielded");
		CHECK_U64(r->groups[1].count, 1);
		g = &r->groups[2];
		CHECK_STR(g->future, "b");
		CHECK(g->severity == ASP_SEV_WARNING);
		CHECK_U64(g->count, 2);
		CHECK_U64(g->longest_ns, 60000000);
		CHECK_U64(g->worst, 4);
		CHECK(g->ntasks == 1 && g->tasks[0] == 2);
	}
	/* again: the groups are made anew, not added to */
	asp_result_group_findings(r);
	CHECK(r->ngroups == 3 && r->groups[0].count == 3);
	asp_result_free(r);
}

int main(void)
{
	return tap_run((struct tap_case[]){
		CASE(quantiles_nearest_rank),
		CASE(quantiles_small_and_empty),
		CASE(quantiles_binned),
		CASE(durations_merge),
		CASE(duration_bins),
		CASE(sort_u64_matches_qsort),
		CASE(u64map),
		CASE(strtab),
		CASE(names),
		CASE(finding_groups),
		{ 0 },
	});
}
