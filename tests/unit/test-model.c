/* test-model.c - durations and quantiles, and the analysis' hash maps. */
#include "analysis/map.h"
#include "analysis/model.h"
#include "tests/unit/tap.h"

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
		CASE(u64map),
		CASE(strtab),
		CASE(names),
		{ 0 },
	});
}
