/* test-batch-reports.c - index.md and junit.xml of the synthetic batch
 * (batch-fixture.h): findings one row (one failing testcase) per rule,
 * future and run, with what the worst poll was doing and its culprit; the
 * new findings of the comparison with theirs. */
#include "report/batch.h"
#include "report/describe.h"
#include "tests/unit/batch-fixture.h"
#include "tests/unit/tap.h"

#include <stdio.h>

static struct asp_batch_verdict verdict;

static struct asp_batch *batch_new(void)
{
	struct asp_batch *b = batch_fixture_new();
	struct asp_batch_input in = { .rules = b->rules,
				      .runs = (const struct asp_result *const *)b->runs,
				      .nruns = b->nruns, .cmp = b->cmp, .nskipped = b->nskipped };
	asp_batch_verdict_judge(&in, &verdict);
	b->verdict = &verdict;
	return b;
}

static void batch_free(struct asp_batch *b)
{
	asp_batch_verdict_free(&verdict);
	batch_fixture_free(b);
}

static char *slurp(const char *path)
{
	char *err = NULL, *s = asp_read_file(path, NULL, &err);
	free(err);
	return s;
}

/* the lines of s that start with prefix, counted */
static size_t lines_starting(const char *s, const char *prefix)
{
	size_t n = 0;
	for (const char *l = s; l && *l;) {
		n += !strncmp(l, prefix, strlen(prefix));
		const char *nl = strchr(l, '\n');
		l = nl ? nl + 1 : NULL;
	}
	return n;
}

/* occurrences of needle in s */
static size_t count(const char *s, const char *needle)
{
	size_t n = 0;
	for (const char *p = s; p && (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

TEST(markdown_groups)
{
	char *dir = tap_tmpdir();
	char *path = asp_path_join(dir, "index.md"), *err = NULL;
	struct asp_batch *b = batch_new();
	CHECK(asp_markdown_write(b, path, &err) == 0);
	char *md = slurp(path);
	CHECK(md != NULL);
	const char *sec = md ? strstr(md, "\n## Blocking findings\n") : NULL;
	CHECK(sec != NULL);
	char *end = sec ? strstr(sec + 1, "\n## ") : NULL;
	if (end)
		*end = '\0';
	/* one row per group: the base run's one, two of each new run (its two
	 * blocking polls of one future are one row) */
	CHECK(sec && strstr(sec, "| severity | rule | future | run | count | longest | total | tasks | "
				 "what it was doing | culprit |\n"));
	CHECK_U64(sec ? lines_starting(sec, "| error ") : 0, 2);
	CHECK_U64(sec ? lines_starting(sec, "| warning ") : 0, 3);
	CHECK(sec && strstr(sec, "| error | blocking-poll | `" BF_BLOCKING "` | regress_new_1 | 2 | "));
	CHECK(sec && strstr(sec, " | 2, 3 | blocked "));
	CHECK(sec && strstr(sec, " (89 %), preempted 18.20 ms"));
	CHECK(sec && strstr(sec, " | `std::thread::sleep` |\n"));
	CHECK(sec && strstr(sec, "| warning | self-wake | `" BF_COUNTDOWN "` | regress_new_1 | 1 | — | — | 4 | "
				 "120 polls in a row |  |\n"));
	/* every row has the header's cells */
	for (const char *l = sec; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l) : strlen(l);
		if (*l == '|') {
			size_t pipes = 0;
			for (size_t i = 0; i < n; i++)
				pipes += l[i] == '|' && (i == 0 || l[i - 1] != '\\');
			CHECK_U64(pipes, 11);
		}
		l = nl ? nl + 1 : NULL;
	}
	/* the comparison's new finding says what it was doing too */
	CHECK(md && strstr(md, "| severity | future | run | longest poll | threshold | what it was doing | culprit |\n"));
	CHECK(md && strstr(md, "| error | `" BF_BLOCKING "` | regress_new_"));
	/* a worst poll that blocked in its own code, one with no culprit: words, not a name */
	free(md);
	struct asp_result *r = b->runs[1];
	struct asp_finding *w = &r->findings[r->groups[0].worst];
	free(w->culprit);
	w->culprit = NULL, w->culprit_self = true;
	struct asp_finding *base = &b->runs[0]->findings[0];
	free(base->culprit);
	base->culprit = NULL, base->no_culprit = xstrdup("std <not> instrumented|");
	base->doing = ASP_DOING_CPU;
	CHECK(asp_markdown_write(b, path, &err) == 0);
	md = slurp(path);
	CHECK(md && strstr(md, " | " ASP_CULPRIT_SELF_TEXT " |\n"));
	CHECK(md && strstr(md, " | on CPU 1.00 ms (8 %), preempted 1.25 ms | no culprit: std \\<not\\> instrumented\\| |\n"));
	free(md);
	free(err);
	batch_free(b);
	free(path);
	tap_rmdir(dir);
	free(dir);
}

TEST(junit_groups)
{
	char *dir = tap_tmpdir();
	char *path = asp_path_join(dir, "junit.xml"), *err = NULL;
	struct asp_batch *b = batch_new();
	CHECK(asp_junit_write(b, path, &err) == 0);
	char *x = slurp(path);
	CHECK(x != NULL);
	/* the two failing blocking polls of each new run are one failure */
	CHECK_U64(x ? count(x, "<failure type=\"blocking-poll\"") : 0, 2);
	CHECK_U64(x ? count(x, "name=\"blocking-poll [default]: " BF_BLOCKING "\"") : 0, 2);
	CHECK(x && strstr(x, "message=\"error: " BF_BLOCKING ": 2 polls over 100.00 ms, longest "));
	CHECK(x && strstr(x, "(tasks 2, 3); blocked "));
	CHECK(x && strstr(x, "; culprit std::thread::sleep\">"));
	/* the polls in the failure's text */
	CHECK(x && strstr(x, "error: task 3 on thread 41003 at 612.35 ms: 135.00 ms (wall 150.00 ms)"));
	/* the base run's warning fails nothing: its case passes, named as before */
	CHECK(x && strstr(x, "<testcase classname=\"asprof.rules.regress_base_1\" name=\"blocking-poll [default]\">\n    </testcase>"));
	/* suite counts: per new run, the failing group stands for its case */
	CHECK(x && strstr(x, "<testsuite name=\"rules: regress_new_1\" tests=\"3\" failures=\"1\">"));
	free(x);
	free(err);
	batch_free(b);
	free(path);
	tap_rmdir(dir);
	free(dir);
}

/* the comparison's copy of a new finding keeps its split and culprit details */
TEST(compare_new_findings)
{
	struct asp_batch *b = batch_new();
	CHECK_U64(b->cmp->nnew_findings, 1);
	const struct asp_cmp_finding *nf = &b->cmp->new_findings[0];
	/* the worst of the new runs' (by measured time): that run's finding */
	const struct asp_result *run = !strcmp(nf->run, b->runs[1]->name) ? b->runs[1] : b->runs[2];
	const struct asp_finding *f = &run->findings[0];
	CHECK_STR(nf->future, BF_BLOCKING);
	CHECK_U64(nf->measured_ns, f->measured_ns);
	CHECK(f->measured_ns >= b->runs[1]->findings[0].measured_ns &&
	      f->measured_ns >= b->runs[2]->findings[0].measured_ns);
	CHECK_U64(nf->split.blocked_ns, f->split.blocked_ns);
	CHECK_U64(nf->split.preempted_ns, f->split.preempted_ns);
	CHECK(nf->doing == ASP_DOING_BLOCKED);
	CHECK_STR(nf->culprit, "std::thread::sleep");
	CHECK(!nf->culprit_self && !nf->no_culprit);
	batch_free(b);
}

TEST(describe)
{
	char buf[64];
	struct asp_split s = { 38200000, 1000000, 800000 };
	CHECK_STR(asp_doing_text(ASP_DOING_CPU, &s, 40000000, buf, sizeof(buf)), "on CPU 38.20 ms (95 %)");
	CHECK_STR(asp_doing_text(ASP_DOING_BLOCKED, &s, 40000000, buf, sizeof(buf)), "blocked 1.00 ms (2 %)");
	CHECK(asp_doing_text(ASP_DOING_UNKNOWN, &s, 40000000, buf, sizeof(buf)) == NULL && !*buf);
	CHECK(asp_preempted_text(&s, 40000000, buf, sizeof(buf)) == NULL);
	CHECK_STR(asp_preempted_text(&s, 8000000, buf, sizeof(buf)), "preempted 800.00 us");
	char *t = asp_culprit_text("calculate_pi \xe2\x86\x92 backoff", 2, false, false, NULL);
	CHECK_STR(t, "calculate_pi \xe2\x86\x92 backoff, 2 calls");
	free(t);
	t = asp_culprit_text(NULL, 0, false, true, NULL);
	CHECK_STR(t, ASP_CULPRIT_SELF_TEXT);
	free(t);
	t = asp_culprit_text(NULL, 0, false, false, "the callees took no time");
	CHECK_STR(t, "no culprit: the callees took no time");
	free(t);
	CHECK(asp_culprit_text(NULL, 0, false, false, NULL) == NULL);
	t = asp_culprit_text("app::backoff_wait", 3, true, false, NULL);
	CHECK_STR(t, "app::backoff_wait, in an uninstrumented call (sleep, lock or I/O)");
	free(t);
	uint32_t ids[] = { 0, 2, 3, 4 };
	struct asp_finding_group g = { .tasks = ids, .ntasks = 4 };
	t = asp_group_tasks_text(&g, 2, true);
	CHECK_STR(t, "tasks 2, 3, ... (3 in all), outside tasks");
	free(t);
	g.tasks = ids + 1, g.ntasks = 1;
	t = asp_group_tasks_text(&g, 0, true);
	CHECK_STR(t, "task 2");
	free(t);
}

int main(void)
{
	return tap_run((struct tap_case[]){
		CASE(markdown_groups),
		CASE(junit_groups),
		CASE(compare_new_findings),
		CASE(describe),
		{ 0 },
	});
}
