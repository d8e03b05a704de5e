/* test-batch-reports.c - index.md and junit.xml of the synthetic batch
 * (batch-fixture.h): findings one row (one failing testcase) per rule,
 * future and run, with what the worst poll was doing and its culprit; the
 * new findings of the comparison with theirs; report.html of it and of
 * the edge cases (no comparison, no findings, no run read). */
#include "report/batch.h"
#include "report/describe.h"
#include "report/outputs.h"
#include "report/report.h"
#include "tests/unit/batch-fixture.h"
#include "tests/unit/tap.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>

static struct asp_batch_verdict verdict;

static struct asp_batch *batch_judge_skipped(struct asp_batch *b, size_t skipped);

static struct asp_batch *batch_judge(struct asp_batch *b)
{
	return batch_judge_skipped(b, b->nskipped);
}

/* judged as if skipped runs could not be read (the fixture has one) */
static struct asp_batch *batch_judge_skipped(struct asp_batch *b, size_t skipped)
{
	struct asp_batch_input in = { .rules = b->rules,
				      .runs = (const struct asp_result *const *)b->runs,
				      .nruns = b->nruns, .cmp = b->cmp, .nskipped = skipped };
	asp_batch_verdict_judge(&in, &verdict);
	b->verdict = &verdict;
	return b;
}

static struct asp_batch *batch_new(void)
{
	return batch_judge(batch_fixture_new());
}

/* the fixture with intervals, self time, notes and a row via another */
static struct asp_batch *batch_new_intervals(void)
{
	struct asp_batch *b = batch_fixture_new();
	batch_fixture_intervals(b);
	return batch_judge_skipped(b, 0); /* the verdict of what was read */
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

/* the table of what to look at first: one row per group of findings (its
 * worst poll says what it did) and per change, what fails the build first,
 * each row with the header's cells */
TEST(markdown_groups)
{
	char *dir = tap_tmpdir();
	char *path = asp_path_join(dir, "index.md"), *err = NULL;
	struct asp_batch *b = batch_new();
	CHECK(asp_markdown_write(b, path, &err) == 0);
	char *md = slurp(path);
	CHECK(md != NULL);
	CHECK(md && !strncmp(md, "# asprof: ERROR\n\n**1 run could not be read** (exit status 2)\n", 61));
	/* notes and runs are folded; the runs table links each run's files */
	CHECK(md && strstr(md, "\n<details><summary>4 notes on how sure these numbers are</summary>\n\n- comparison: "));
	CHECK(md && strstr(md, "\n<details><summary>3 runs</summary>\n\n| run | runtime | "));
	CHECK(md && strstr(md, "[trace](runs/regress_new_1/trace.json) · [summary](runs/regress_new_1/summary.json) |\n"));
	const char *sec = md ? strstr(md, "\n## What to look at first\n") : NULL;
	CHECK(sec != NULL);
	char *end = sec ? strstr(sec + 1, "\n## ") : NULL;
	if (end)
		*end = '\0';
	/* the skipped run first, then the table */
	CHECK(sec && strstr(sec, "Runs that could not be read:\n\n- /srv/ci/recordings/regress_new_3/uftrace.data: "));
	CHECK(sec && strstr(sec, "\n| | future | run | measured | why |\n|---|---|---|---|---|\n"));
	/* one row per group: the base run's one, two of each new run (its two
	 * blocking polls of one future are one row), and the two changes */
	CHECK_U64(sec ? lines_starting(sec, "| **error**") : 0, 2);
	CHECK_U64(sec ? lines_starting(sec, "| warning") : 0, 3);
	CHECK_U64(sec ? lines_starting(sec, "| **regressed** | `" BF_BLOCKING "` | new runs | p90 ") : 0, 1);
	CHECK_U64(sec ? lines_starting(sec, "| improved | `" BF_COUNTDOWN "` | new runs | p90 ") : 0, 1);
	CHECK(sec && strstr(sec, "| **error**, new | `" BF_BLOCKING "` | regress_new_2 | longest 163.80 ms "
				 "against a 100.00 ms threshold, 2 polls | blocked 162.80 ms (89 %), "
				 "preempted 18.20 ms; culprit `std::thread::sleep` |\n"));
	CHECK(sec && strstr(sec, "| warning: self-wake | `" BF_COUNTDOWN "` | regress_new_1 | 120 polls in a row | "
				 "it wakes itself and is polled again at once: busy polling |\n"));
	/* what fails first (the regression, then the errors), then what does not */
	const char *reg = sec ? strstr(sec, "| **regressed**") : NULL, *err1 = sec ? strstr(sec, "| **error**") : NULL;
	const char *impr = sec ? strstr(sec, "| improved") : NULL, *warn = sec ? strstr(sec, "| warning") : NULL;
	CHECK(reg && err1 && impr && warn && reg < err1 && err1 < impr && impr < warn);
	/* µs, not us */
	CHECK(sec && strstr(sec, " \u00b5s → ") && !strstr(sec, " us "));
	/* every row has the header's cells */
	for (const char *l = sec; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l) : strlen(l);
		if (*l == '|') {
			size_t pipes = 0;
			for (size_t i = 0; i < n; i++)
				pipes += l[i] == '|' && (i == 0 || l[i - 1] != '\\');
			CHECK_U64(pipes, 6);
		}
		l = nl ? nl + 1 : NULL;
	}
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
	CHECK(md && strstr(md, "; " ASP_CULPRIT_SELF_TEXT " |\n"));
	CHECK(md && strstr(md, " | on CPU 1.00 ms (8 %), preempted 1.25 ms; no culprit: std \\<not\\> instrumented\\| |\n"));
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

/* what writer writes for b as file, read back ("" when it failed) */
static char *written(struct asp_batch *b, int (*writer)(const struct asp_batch *, const char *, char **),
		     const char *file)
{
	char *dir = tap_tmpdir();
	char *path = asp_path_join(dir, file), *err = NULL;
	CHECK(writer(b, path, &err) == 0);
	char *s = slurp(path);
	CHECK(s != NULL);
	free(err);
	free(path);
	tap_rmdir(dir);
	free(dir);
	return s ? s : xstrdup("");
}

/* the size of a change with its interval, self time and noise, a row that
 * grew only through another under it, the comparison's notes (escaped), a
 * headline that counts what fails */
TEST(markdown_intervals)
{
	struct asp_batch *b = batch_new_intervals();
	char *md = written(b, asp_markdown_write, "index.md");
	CHECK(strstr(md, "| **regressed** | `" BF_BLOCKING "` | new runs | p90 80.00 \u00b5s → 240.00 \u00b5s: "
			 "+200 % [+180 %, +220 %] | its own time per poll 50.00 \u00b5s → 150.00 \u00b5s; "
			 "runs differ by ±12 % (assumed: one run a side); the futures awaiting it grew "
			 "with it: `" BF_FETCH "` |\n"));
	CHECK(strstr(md, ": -75 % [-80 %, -70 %] | "));
	/* the caller is said with its callee, not a row (nor a regression) */
	CHECK_U64(count(md, "| `" BF_FETCH "` | new runs |"), 0);
	CHECK(strstr(md, " 1 regressed, 1 improved, "));
	/* the headline counts what fails: the regression and the error polls */
	CHECK(strstr(md, "# asprof: FAIL\n\n**1 regression and 4 error findings fail the build; "
			 "3 warning findings do not (fail_on in the rules)** (exit status 1)\n"));
	CHECK_U64(b->verdict->row_failures, 1);
	/* notes: quoted as text */
	CHECK(strstr(md, "</summary>\n\n- comparison: one run on the base side"));
	CHECK(strstr(md, "- comparison: manglings \\<b\\>differ\\</b\\> \\| \\`x\\` \\\\x01 \\*y\\*\n"));
	/* no p-values for people */
	CHECK(!strstr(md, "p-value") && !strstr(md, "p="));
	free(md);
	batch_free(b);
}

/* a via row whose callee is not a change of its own: a line of its own */
TEST(markdown_via_orphan)
{
	struct asp_batch *b = batch_fixture_new();
	batch_fixture_intervals(b);
	for (size_t i = 0; i < b->cmp->nrows; i++)
		if (b->cmp->rows[i].verdict == ASP_V_VIA) {
			free(b->cmp->rows[i].via);
			b->cmp->rows[i].via = xstrdup("kv|get");
		}
	batch_judge(b);
	char *md = written(b, asp_markdown_write, "index.md");
	CHECK(strstr(md, "\nGrew only through a future they await, which did not change beyond the "
			 "noise: `" BF_FETCH "` (via `kv\\|get`).\n"));
	CHECK(!strstr(md, "grew with it"));
	free(md);
	batch_free(b);
}

/* junit: the regression's failure says the size with its interval and its
 * callers; the via row passes, saying through what */
TEST(junit_intervals)
{
	struct asp_batch *b = batch_new_intervals();
	char *x = written(b, asp_junit_write, "junit.xml");
	CHECK(strstr(x, "<testsuite name=\"comparison\" tests=\"" ) != NULL);
	CHECK_U64(count(x, "<failure type=\"regression\""), 1);
	CHECK(strstr(x, "<failure type=\"regression\" message=\"regressed: p90 80.00 us -&gt; 240.00 us, "
			"+200 % [+180 %, +220 %]; self per poll 50.00 us → 150.00 us; noise ±12 % "
			"(assumed: one run a side)\">"));
	CHECK(strstr(x, "\ncallers that grew through it: " BF_FETCH "</failure>"));
	const char *fetch = strstr(x, "name=\"" BF_FETCH "\">");
	CHECK(fetch && !strncmp(strchr(fetch, '\n') + 1,
				"      <system-out>via " BF_BLOCKING ": p90 ", 24 + strlen(BF_BLOCKING)));
	CHECK(strstr(x, "failures=\"1\">\n    <testcase classname=\"asprof.compare."));
	CHECK(!strstr(x, "p="));
	free(x);
	batch_free(b);
}

static json_object *row_named(json_object *rows, const char *name)
{
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		json_object *r = json_object_array_get_idx(rows, i), *n;
		if (json_object_object_get_ex(r, "name", &n) && !strcmp(json_object_get_string(n), name))
			return r;
	}
	return NULL;
}

static json_object *get(json_object *o, const char *k)
{
	json_object *v = NULL;
	return o && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

/* summary.json: the interval, noise, via, root, runs' metrics (null where
 * a run did not poll the future), self per poll; the old keys kept */
TEST(summary_intervals)
{
	struct asp_batch *b = batch_new_intervals();
	char *text = written(b, asp_batch_summary_write, "summary.json");
	json_object *root = json_tokener_parse(text);
	free(text);
	CHECK(root != NULL);
	json_object *cmp = get(root, "comparison");
	CHECK(json_object_get_double(get(cmp, "confidence")) == 0.95);
	CHECK_U64(json_object_array_length(get(cmp, "notes")), 2);
	CHECK_U64(json_object_get_uint64(get(get(cmp, "counts"), "via")), 1);
	json_object *rows = get(cmp, "rows");
	json_object *r = row_named(rows, BF_BLOCKING);
	CHECK(r != NULL);
	CHECK(json_object_get_double(get(r, "ratio_lo")) == 2.8);
	CHECK(json_object_get_double(get(r, "ratio_hi")) == 3.2);
	CHECK(json_object_get_double(get(r, "noise")) == 0.12);
	CHECK(json_object_get_boolean(get(r, "noise_assumed")));
	CHECK(json_object_get_boolean(get(r, "is_root")));
	CHECK(get(r, "p_value") != NULL || json_object_object_get_ex(r, "p_value", NULL));
	CHECK(json_object_object_get_ex(r, "via", NULL) && !get(r, "via"));
	CHECK(json_object_get_double(get(get(r, "base"), "self_per_poll")) == 50000);
	CHECK(json_object_get_double(get(get(r, "new"), "self_per_poll")) == 150000);
	json_object *rm = get(get(r, "new"), "run_metric");
	CHECK_U64(json_object_array_length(rm), 2);
	CHECK(json_object_get_double(json_object_array_get_idx(rm, 0)) == 240000);
	CHECK(json_object_array_get_idx(rm, 1) == NULL);
	CHECK_U64(json_object_array_length(get(get(r, "base"), "run_metric")), 1);
	CHECK(get(r, "rel_change") && get(r, "metric_base") && get(r, "reason"));
	json_object *f = row_named(rows, BF_FETCH);
	CHECK(f && !strcmp(json_object_get_string(get(f, "verdict")), "via"));
	CHECK(f && !strcmp(json_object_get_string(get(f, "via")), BF_BLOCKING));
	json_object_put(root);
	batch_free(b);
}

/* a baseline run's error finding fails nothing: not counted in the
 * headline, no failure in junit.xml, "no" in index.md's table */
TEST(baseline_findings_fail_nothing)
{
	struct asp_batch *b = batch_fixture_new();
	struct asp_result *base = b->runs[0];
	base->findings[0].severity = ASP_SEV_ERROR;
	base->groups[0].severity = ASP_SEV_ERROR;
	bool judged[] = { false, true, true };
	struct asp_batch_input in = { .rules = b->rules,
				      .runs = (const struct asp_result *const *)b->runs,
				      .nruns = b->nruns, .judged = judged, .cmp = b->cmp };
	asp_batch_verdict_judge(&in, &verdict);
	b->verdict = &verdict;
	CHECK_U64(verdict.errors, 4);
	CHECK(!verdict.finding_fails[0][0]);
	char *md = written(b, asp_markdown_write, "index.md");
	CHECK(strstr(md, "| error | `" BF_FETCH "` | regress_base_1 | "));
	CHECK(strstr(md, "**1 regression and 4 error findings fail the build"));
	free(md);
	char *x = written(b, asp_junit_write, "junit.xml");
	const char *suite = strstr(x, "<testsuite name=\"rules: regress_base_1\" tests=\"");
	CHECK(suite && strstr(suite, "\" failures=\"0\">\n") == strchr(suite, '>') - 14);
	CHECK(!strstr(x, "classname=\"asprof.rules.regress_base_1\" name=\"blocking-poll [default]: "));
	free(x);
	batch_free(b);
}

/* stdout: the change with its interval, self time and noise, the row via
 * it under it, the notes shown as text; an orphan via row on its own line */
TEST(stdout_intervals)
{
	struct asp_batch *b = batch_new_intervals();
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	asp_comparison_print(fp, b->cmp, 10);
	fclose(fp);
	CHECK(strstr(text, "Comparison: 1 base run vs 2 new runs by each run's p90 own poll time: 1 regressed, "
			   "1 improved, 1 via a callee, 1 new, 1 gone, 0 unchanged\n"));
	CHECK(strstr(text, "  note: one run on the base side: run-to-run noise is assumed (12 %)\n"));
	CHECK(strstr(text, "  note: manglings <b>differ</b> | `x` \\x01 *y*\n"));
	CHECK(strstr(text, "  regressed " BF_BLOCKING ": p90 80.00 us -> 240.00 us, +200 % [+180 %, +220 %]; "
			   "self per poll 50.00 us → 150.00 us; noise ±12 % (assumed: one run a side)\n"
			   "            via " BF_BLOCKING ": " BF_FETCH "\n"));
	CHECK(strstr(text, "  improved  " BF_COUNTDOWN ": p90 "));
	CHECK(strstr(text, ", -75 % [-80 %, -70 %]; self per poll "));
	CHECK_U64(count(text, BF_FETCH), 1);
	CHECK(!strstr(text, "p="));
	free(text);
	/* top 0: neither the change nor the rows via it (they go with it) */
	text = NULL;
	fp = open_memstream(&text, &len);
	asp_comparison_print(fp, b->cmp, 0);
	fclose(fp);
	CHECK(strstr(text, "\n  via " BF_BLOCKING ": " BF_FETCH "\n") == NULL);
	free(text);
	for (size_t i = 0; i < b->cmp->nrows; i++)
		if (b->cmp->rows[i].verdict == ASP_V_VIA) {
			free(b->cmp->rows[i].via);
			b->cmp->rows[i].via = xstrdup("kv\x1b[31m::get");
		}
	text = NULL;
	fp = open_memstream(&text, &len);
	asp_comparison_print(fp, b->cmp, 10);
	fclose(fp);
	CHECK(strstr(text, "\n  via kv\\x1b[31m::get: " BF_FETCH "\n"));
	free(text);
	batch_free(b);
}

/* the change's words, the same in every writer */
TEST(describe_change)
{
	char buf[96];
	struct asp_cmp_row r = { .rel_change = 1.29, .ratio_lo = 2.18, .ratio_hi = 2.41 };
	CHECK_STR(asp_change_text(&r, buf, sizeof(buf)), "+129 % [+118 %, +141 %]");
	r.ratio_lo = r.ratio_hi = 1; /* no interval */
	CHECK_STR(asp_change_text(&r, buf, sizeof(buf)), "+129 %");
	r.ratio_lo = NAN, r.ratio_hi = 3;
	CHECK_STR(asp_change_text(&r, buf, sizeof(buf)), "+129 %");
	r = (struct asp_cmp_row){ .rel_change = -0.043, .ratio_lo = 0.9, .ratio_hi = 1.02 };
	CHECK_STR(asp_change_text(&r, buf, sizeof(buf)), "-4.3 % [-10 %, +2.0 %]");
	CHECK_STR(asp_noise_text(&r, buf, sizeof(buf)), "");
	r.noise = 0.15, r.noise_assumed = true;
	CHECK_STR(asp_noise_text(&r, buf, sizeof(buf)), "±15 % (assumed: one run a side)");
	r.base.polls = 3, r.base.self_per_poll = 1500;
	CHECK_STR(asp_self_text(&r, buf, sizeof(buf)), "1.50 us → —");
	char *t = asp_change_summary(ASP_METRIC_P99, &r);
	CHECK(t && !strncmp(t, "p99 ", 4) && strstr(t, ", -4.3 % [-10 %, +2.0 %]; self per poll 1.50 us → —; noise ±15 %"));
	free(t);
}

/* ---- report.html */

/* the text between the first `from` and the next `to` (or the end) */
static char *between(const char *s, const char *from, const char *to)
{
	const char *a = strstr(s, from);
	if (!a)
		return xstrdup("");
	const char *z = strstr(a + strlen(from), to);
	return z ? xstrndup(a, (size_t)(z - a)) : xstrdup(a);
}

/* the verdict first, the changes with their intervals, noise, charts and
 * the rows via them under them, the notes escaped, the findings one row
 * per rule, future and run, a section per run, the skipped run */
TEST(html_batch)
{
	struct asp_batch *b = batch_new_intervals();
	char *h = written(b, asp_html_write, "report.html");
	CHECK(!strncmp(h, "<!DOCTYPE html>\n<html lang=\"en\">\n", 33));
	CHECK(strstr(h, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "));
	CHECK_U64(count(h, "<script>"), 1);
	CHECK(strstr(h, "<p class=\"status\">Failed</p>\n<p>1 regression and 4 error findings fail the "
			"build; 3 warning findings do not (fail_on in the rules).</p>"));
	CHECK(strstr(h, "Exit status 1 "));
	/* the verdict comes before the changes */
	CHECK(strstr(h, "id=\"verdict\"") < strstr(h, "id=\"regressions\""));
	char *reg = between(h, "<section id=\"regressions\">", "</section>");
	/* names may break after each "::" */
	CHECK(strstr(reg, "<code>tokio_mt::<wbr>blocking_io::<wbr>{closure#0}</code> "
			  "<span class=\"side\">task root</span>"));
	CHECK(strstr(reg, ">+200 % [+180 %, +220 %]</td><td class=\"n\">±12 % (assumed: one run a side)"
			  "</td><td class=\"n\">80.00 µs</td><td class=\"n\">240.00 µs</td>"
			  "<td class=\"n\">50.00 µs → 150.00 µs</td>"));
	/* the chart: a dot per run that polled it (the second new run did not) */
	CHECK_U64(count(reg, "<svg "), 1);
	CHECK_U64(count(reg, "<circle "), 2);
	CHECK(strstr(reg, "<title>regress_new_1: 240.00 µs</title>"));
	CHECK(strstr(reg, "<title>95 % interval of the change: +200 % [+180 %, +220 %]</title>"));
	CHECK(strstr(reg, "<title>noise allowed for: ±12 % (assumed: one run a side)</title>"));
	/* the row that grew through it: under it, not a row of its own */
	CHECK(strstr(reg, "<tr class=\"via\"><td colspan=\"7\">grew only through it (their own time did "
			  "not change): <code>tokio_mt::<wbr>fetch_all::<wbr>{closure#0}</code></td></tr>"));
	CHECK_U64(count(reg, "fetch_all::"), 1);
	char *imp = between(h, "<section id=\"improvements\">", "</section>");
	CHECK(strstr(imp, "<code>&lt;tokio_mt::<wbr>CountDown as core::<wbr>future::<wbr>future::<wbr>"
			  "Future&gt;::<wbr>poll</code>"));
	CHECK(strstr(imp, ">-75 % [-80 %, -70 %]</td>"));
	CHECK_U64(count(imp, "<circle "), 3);
	/* notes: text, not markup */
	CHECK(strstr(h, "<li>manglings &lt;b&gt;differ&lt;/b&gt; | `x` \\x01 *y*</li>"));
	CHECK(!strstr(h, "p-value") && !strstr(h, "p="));
	char *fnd = between(h, "<section id=\"findings\">", "</section>");
	CHECK_U64(count(fnd, "<tr><td class=\"sev-"), 5);
	CHECK_U64(count(fnd, "<tr><td class=\"sev-error\" data-v=\"2\">error</td><td>yes</td>"), 2);
	CHECK(strstr(fnd, "<td class=\"name\"><code>std::<wbr>thread::<wbr>sleep</code></td></tr>"));
	CHECK(strstr(fnd, "<td>120 polls in a row</td>"));
	/* the new runs' blocking groups are new (the base run's is on another
	 * future); a self-wake group is not a blocking one */
	CHECK_U64(count(fnd, "<span class=\"side\" title=\"not in the base runs\">new</span>"), 2);
	/* no source line column until the model has one */
	CHECK(!strstr(fnd, "<th>source</th>"));
	CHECK_U64(count(h, "<section class=\"run\" id=\"run-"), 3);
	CHECK(strstr(h, "<h2>regress_new_2<span class=\"side\">new</span></h2>"));
	CHECK(strstr(h, "<a href=\"runs/regress_base_1/trace.json\">trace.json</a>"));
	CHECK(strstr(h, "<li><code>/srv/ci/recordings/regress_new_3/uftrace.data</code>: info: "
			"truncated header (12 of 40 bytes)</li>"));
	CHECK(strstr(h, "<a href=\"report.xlsx\">report.xlsx</a>"));
	/* durations in µs */
	CHECK(!strstr(h, " us<") && !strstr(h, " us "));
	free(reg);
	free(imp);
	free(fnd);
	free(h);
	/* outputs not written are not linked; names from the recording escaped
	 * in text and links */
	b->outputs_off = asp_output_bit("trace") | asp_output_bit("xlsx");
	free(b->runs[0]->name);
	b->runs[0]->name = xstrdup("a\"<script>&'x");
	h = written(b, asp_html_write, "report.html");
	CHECK(!strstr(h, "trace.json") && !strstr(h, "report.xlsx"));
	CHECK(strstr(h, "<a href=\"runs/a%22%3Cscript%3E%26%27x/summary.json\">summary.json</a>"));
	CHECK(strstr(h, "<h2>a&quot;&lt;script&gt;&amp;&apos;x</h2>"));
	CHECK_U64(count(h, "<script>"), 1);
	free(h);
	batch_free(b);
}

/* free a run's findings: it has none */
static void no_findings(struct asp_result *r)
{
	for (size_t i = 0; i < r->nfindings; i++) {
		struct asp_finding *f = &r->findings[i];
		free(f->rule);
		free(f->future);
		free(f->culprit);
		free(f->no_culprit);
		free(f->pattern);
	}
	r->nfindings = 0;
	asp_result_group_findings(r);
}

/* no comparison, no findings, nothing skipped: passed; no run at all: an
 * error */
TEST(html_edges)
{
	struct asp_batch *b = batch_fixture_new();
	asp_comparison_free(b->cmp);
	b->cmp = NULL;
	for (size_t i = 0; i < b->nruns; i++)
		no_findings(b->runs[i]);
	batch_judge_skipped(b, 0);
	char *h = written(b, asp_html_write, "report.html");
	CHECK(strstr(h, "<p class=\"status\">Passed</p>\n<p>Nothing fails the build.</p>"));
	CHECK(strstr(h, "Exit status 0 "));
	CHECK(strstr(h, "3 runs analysed, 1 skipped (could not be read). No comparison (no --baseline).</p>"));
	CHECK(!strstr(h, "id=\"regressions\"") && !strstr(h, "<svg"));
	CHECK(strstr(h, "<h2>Findings</h2>\n<p>None: "));
	CHECK_U64(count(h, "<section class=\"run\""), 3);
	free(h);
	batch_free(b);

	/* every run skipped */
	b = batch_fixture_new();
	asp_comparison_free(b->cmp);
	b->cmp = NULL;
	for (size_t i = 0; i < b->nruns; i++)
		asp_result_free(b->runs[i]);
	b->nruns = 0;
	batch_judge(b);
	h = written(b, asp_html_write, "report.html");
	CHECK(strstr(h, "<p class=\"status\">Error</p>\n<p>1 run could not be read.</p>"));
	CHECK(strstr(h, "Exit status 2 "));
	CHECK(strstr(h, "<p>No run could be read.</p>"));
	CHECK(strstr(h, "<h3>Skipped (could not be read)</h3>"));
	CHECK(!strstr(h, "<table"));
	CHECK(strstr(h, "</html>\n"));
	free(h);
	batch_free(b);
}

int main(void)
{
	return tap_run((struct tap_case[]){
		CASE(markdown_groups),
		CASE(junit_groups),
		CASE(compare_new_findings),
		CASE(describe),
		CASE(markdown_intervals),
		CASE(markdown_via_orphan),
		CASE(junit_intervals),
		CASE(summary_intervals),
		CASE(describe_change),
		CASE(baseline_findings_fail_nothing),
		CASE(stdout_intervals),
		CASE(html_batch),
		CASE(html_edges),
		{ 0 },
	});
}
