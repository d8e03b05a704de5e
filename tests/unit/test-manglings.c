/* test-manglings.c - the built-in runtime profiles against the real symbols
 * of both manglings. The programs' .sym files of recordings of v0 builds
 * (mcount) and of legacy builds (plain, dynamic patching) are demangled as
 * the analysis demangles them; each name gets a skeleton that both
 * manglings share (generic arguments dropped, `<X>::f` as `X::f`,
 * `{closure#N}` as `{{closure}}`). For every list of every profile, a
 * function whose v0 names the list takes must be taken in its legacy name
 * too, and the other way round: an entry that matches only one form fails.
 * Where the legacy name cannot tell two v0 functions apart (generic
 * parameters erased: every async-task task is RawTask<F,T,S>::run), the
 * frame that can is checked by name. */
#include "analysis/rules.h"
#include "analysis/ingest/demangle.h"
#include "analysis/util.h"
#include "tests/unit/fixture-symbols.h"
#include "tests/unit/tap.h"

#include <stdbool.h>

struct name {
	char *dm; /* demangled */
	char *sk; /* the skeleton */
	bool v0;
};

static struct name *names;
static size_t nnames;

/* the recordings whose program symbols are read: v0 and legacy builds of
 * tokio_mt and loaded, async-std and smol programs of both */
static const char *const fixtures[] = {
	"tokio_mt", "tokio_ct", "tokio_pool", "async_std", "smol", "loaded_mcount",
	"tokio_mt_legacy", "loaded_plain", "unblock_plain", "unblock_mcount",
};

static void add_name(const char *m, void *arg)
{
	(void)arg;
	char *dm = asp_demangle(m);
	if (!dm)
		return;
	names = xreallocarray(names, nnames + 1, sizeof(*names));
	names[nnames++] = (struct name){ dm, skeleton(dm), !strncmp(m, "_R", 2) };
}

static int by_skeleton(const void *a, const void *b)
{
	const struct name *x = a, *y = b;
	int c = strcmp(x->sk, y->sk);
	return c ? c : (int)x->v0 - (int)y->v0;
}

/* the programs' symbols (not the shared libraries') of the fixtures */
static bool load_all(void)
{
	const char *fx = getenv("FIXTURES");
	if (!fx)
		return false;
	for (size_t i = 0; i < ASP_ARRAY_SIZE(fixtures); i++)
		if (fixsym_each_in_fixture(fx, fixtures[i], add_name, NULL) < 0)
			tap_failures_++;
	qsort(names, nnames, sizeof(*names), by_skeleton);
	return true;
}

struct list {
	const char *name;
	size_t off;
};

static const struct list lists[] = {
	{ "task_poll", offsetof(struct asp_profile, task_poll) },
	{ "block_on", offsetof(struct asp_profile, block_on) },
	{ "not_task", offsetof(struct asp_profile, not_task) },
	{ "task_done", offsetof(struct asp_profile, task_done) },
	{ "wake", offsetof(struct asp_profile, wake) },
	{ "spawn", offsetof(struct asp_profile, spawn) },
	{ "task_run", offsetof(struct asp_profile, task_run) },
	{ "combinator", offsetof(struct asp_profile, combinator) },
	{ "detect", offsetof(struct asp_profile, detect) },
	{ "plumbing", offsetof(struct asp_profile, plumbing) },
};

TEST(every_list_takes_both_manglings)
{
	if (!load_all()) {
		TAP_SKIP("FIXTURES not set");
	}
	size_t nv0 = 0;
	for (size_t i = 0; i < nnames; i++)
		nv0 += names[i].v0;
	fprintf(stderr, "# %zu names: %zu v0, %zu legacy\n", nnames, nv0, nnames - nv0);
	CHECK(nv0 > 1000 && nnames - nv0 > 1000);
	struct asp_rules *r = asp_rules_default();
	bool *in = xcalloc(nnames, sizeof(*in));
	size_t pairs = 0, ambiguous = 0;
	for (size_t p = 0; p < r->nprofiles; p++) {
		const struct asp_profile *pr = &r->profiles[p];
		for (size_t l = 0; l < ASP_ARRAY_SIZE(lists); l++) {
			const struct asp_patterns *pat =
				(const struct asp_patterns *)((const char *)pr + lists[l].off);
			for (size_t i = 0; i < nnames; i++)
				in[i] = asp_patterns_match(pat, names[i].dm);
			/* each skeleton that has names of both manglings */
			for (size_t a = 0, b; a < nnames; a = b) {
				bool v0_in = false, v0_out = false, leg_in = false, leg_out = false;
				size_t first_v0 = SIZE_MAX, first_leg = SIZE_MAX;
				for (b = a; b < nnames && !strcmp(names[b].sk, names[a].sk); b++) {
					if (names[b].v0) {
						*(in[b] ? &v0_in : &v0_out) = true;
						if (first_v0 == SIZE_MAX || in[b])
							first_v0 = b;
					} else {
						*(in[b] ? &leg_in : &leg_out) = true;
						if (first_leg == SIZE_MAX || in[b])
							first_leg = b;
					}
				}
				if (first_v0 == SIZE_MAX || first_leg == SIZE_MAX || !(v0_in || leg_in))
					continue;
				pairs++;
				if (v0_in && v0_out) { /* the legacy name cannot tell */
					ambiguous++;
					fprintf(stderr, "# %s %s: legacy '%s' is %s, v0 '%s' and others\n",
						pr->name, lists[l].name, names[first_leg].dm,
						leg_in ? "taken" : "not taken", names[first_v0].dm);
					continue;
				}
				if (v0_in != leg_in) {
					fprintf(stderr, "# %s %s: takes %s '%s' but not %s '%s'\n", pr->name,
						lists[l].name, v0_in ? "v0" : "legacy",
						names[v0_in ? first_v0 : first_leg].dm,
						v0_in ? "legacy" : "v0", names[v0_in ? first_leg : first_v0].dm);
					tap_failures_++;
				}
			}
		}
	}
	/* entries no real name of either mangling shows (crates the fixtures
	 * do not link): said, not failed */
	for (size_t p = 0; p < r->nprofiles; p++)
		for (size_t l = 0; l < ASP_ARRAY_SIZE(lists); l++) {
			const struct asp_patterns *pat = (const struct asp_patterns *)((const char *)&r->profiles[p] +
										       lists[l].off);
			for (size_t k = 0; k < pat->n; k++) {
				struct asp_patterns one = { &pat->v[k], 1 };
				bool v0 = false, leg = false;
				for (size_t i = 0; i < nnames && !(v0 && leg); i++)
					if (asp_patterns_match(&one, names[i].dm))
						*(names[i].v0 ? &v0 : &leg) = true;
				if (!v0 && !leg)
					fprintf(stderr, "# %s %s '%s': no real name of either mangling\n",
						r->profiles[p].name, lists[l].name, pat->v[k]);
			}
		}
	fprintf(stderr, "# %zu functions in both manglings taken by a list, %zu that legacy "
			"names cannot tell apart\n", pairs, ambiguous);
	CHECK(pairs > 100);
	free(in);
	asp_rules_free(r);
}

/* where erasure hides the difference, the frame that tells it */
TEST(spawn_blocking_in_both_manglings)
{
	struct asp_rules *r = asp_rules_default();
	const char *profiles[] = { "async-std", "smol" };
	for (size_t i = 0; i < ASP_ARRAY_SIZE(profiles); i++) {
		const struct asp_profile *p = asp_rules_profile(r, profiles[i]);
		CHECK(p);
		if (!p)
			continue;
		/* unblock_plain and unblock_mcount: the block RawTask::run polls */
		CHECK(asp_patterns_match(&p->not_task, "blocking::unblock::{{closure}}"));
		CHECK(asp_patterns_match(&p->not_task, "blocking::unblock::<u64, unblock::load::"
						       "{closure#0}::{closure#0}>::{closure#0}"));
		CHECK(!asp_patterns_match(&p->not_task, "async_task::raw::RawTask<F,T,S>::run"));
		CHECK(!asp_patterns_match(&p->not_task, "unblock::load::{{closure}}::{{closure}}"));
	}
	asp_rules_free(r);
}

int main(void)
{
	return tap_run((struct tap_case[]){
		CASE(every_list_takes_both_manglings),
		CASE(spawn_blocking_in_both_manglings),
		{ 0 },
	});
}
