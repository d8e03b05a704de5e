/* test-model.c - durations and quantiles, and the analysis' hash maps. */
#include "analysis/map.h"
#include "analysis/model.h"
#include "analysis/util.h"
#include "tests/unit/tap.h"

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
}

int main(void)
{
	return tap_run((struct tap_case[]){
		CASE(quantiles_nearest_rank),
		CASE(quantiles_small_and_empty),
		CASE(sort_u64_matches_qsort),
		CASE(u64map),
		CASE(strtab),
		CASE(names),
		{ 0 },
	});
}
