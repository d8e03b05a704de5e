/* junit.c - junit.xml for CI systems: one testcase per compared future and per
 * blocking rule (and override pattern) of each run; regressions and
 * findings that fail the rules (b->verdict says which) are failures whose
 * message says what changed by how much. A rule with failing findings is
 * one failing testcase per group of them (rule and future: a future that
 * blocked in 60 polls is one failure), named "RULE [PATTERN]: FUTURE". */
#include "batch.h"
#include "report/outfile.h"
#include "report/describe.h"
#include "analysis/registry.h"
#include "analysis/util.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* s as XML text or attribute value, the one way junit.xml takes text from
 * input: shown as every writer shows it (asp_buf_show: the control
 * characters XML 1.0 cannot hold and bytes that are not UTF-8 written
 * \xNN), markup characters as entities, newline and tab as character
 * references (an attribute value keeps them) */
static void xml(FILE *fp, const char *s)
{
	asp_markup_text(fp, s, ASP_SHOW_CONTROLS | ASP_SHOW_KEEP_LINES);
}

/* the rules a run is checked against: each rule that runs, in the
 * registry's order, and for the rules judged by the blocking thresholds the
 * default thresholds and every override pattern that is not ignored */
struct rule_case {
	const char *rule, *pattern;
	bool per_poll;
};

/* finding i of r is one of the case's and fails the rules */
static bool case_fails(const struct asp_result *r, const bool *fails, const struct rule_case *c,
		       size_t i)
{
	const struct asp_finding *f = &r->findings[i];
	return fails[i] && !strcmp(f->rule, c->rule) &&
	       (!c->pattern || !strcmp(c->pattern, f->pattern));
}

/* the index in r->groups of each finding's group (findings x groups,
 * once per run, not per case) */
static size_t *groups_of(const struct asp_result *r)
{
	size_t *of = xcalloc(r->nfindings ? r->nfindings : 1, sizeof(*of));
	for (size_t i = 0; i < r->nfindings; i++) {
		of[i] = SIZE_MAX;
		for (size_t g = 0; g < r->ngroups && of[i] == SIZE_MAX; g++)
			if (asp_group_has(&r->groups[g], &r->findings[i]))
				of[i] = g;
	}
	return of;
}

/* hit[g]: group g has findings of the case that fail; returns how many do */
static size_t case_groups(const struct asp_result *r, const bool *fails, const size_t *of,
			  const struct rule_case *c, bool *hit)
{
	size_t n = 0;
	memset(hit, 0, (r->ngroups ? r->ngroups : 1) * sizeof(*hit));
	for (size_t i = 0; i < r->nfindings; i++)
		if (of[i] != SIZE_MAX && !hit[of[i]] && case_fails(r, fails, c, i)) {
			hit[of[i]] = true;
			n++;
		}
	return n;
}

/* <testcase classname="asprof.rules.RUN" name="RULE [PATTERN]: FUTURE"> */
static void testcase_open(FILE *fp, const struct asp_result *r, const struct rule_case *c,
			  const char *future)
{
	fprintf(fp, "    <testcase classname=\"asprof.rules.");
	xml(fp, r->name);
	fprintf(fp, "\" name=\"%s", c->rule);
	if (c->pattern) {
		fputs(" [", fp);
		xml(fp, c->pattern);
		fputc(']', fp);
	}
	if (future) {
		fputs(": ", fp);
		xml(fp, future);
	}
	fputs("\">\n", fp);
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* One failing testcase for the group's findings of the case that fail:
 * the message says how many, the longest and the total, the tasks, what
 * the worst poll was doing and its culprit; the text lists the polls. */
static void group_case(FILE *fp, const struct asp_result *r, const bool *fails, const size_t *of,
		       const struct rule_case *c, size_t group)
{
	const struct asp_finding_group *g = &r->groups[group];
	/* the failing findings: as a group of their own */
	struct asp_finding_group fg = { .rule = g->rule, .future = g->future };
	struct asp_buf polls = { 0 };
	const struct asp_finding *w = NULL;
	char b1[32], b2[32], b3[32];
	fg.tasks = xreallocarray(NULL, r->nfindings, sizeof(*fg.tasks));
	for (size_t i = 0; i < r->nfindings; i++) {
		const struct asp_finding *f = &r->findings[i];
		if (of[i] != group || !case_fails(r, fails, c, i))
			continue;
		if (!w || f->severity > w->severity ||
		    (f->severity == w->severity && f->measured_ns > w->measured_ns))
			w = f;
		if (f->severity > fg.severity)
			fg.severity = f->severity;
		fg.count++;
		fg.total_ns += f->measured_ns;
		if (f->measured_ns > fg.longest_ns)
			fg.longest_ns = f->measured_ns;
		if (!bsearch(&f->task, fg.tasks, fg.ntasks, sizeof(*fg.tasks), u32_cmp)) {
			fg.tasks[fg.ntasks++] = f->task;
			asp_qsort(fg.tasks, fg.ntasks, sizeof(*fg.tasks), u32_cmp);
		}
		if (c->per_poll)
			asp_buf_printf(&polls, "%s: task %" PRIu32 " on thread %d at %s: %s (wall %s)\n",
				       asp_severity_name(f->severity), f->task, f->tid,
				       asp_format_duration(f->start_ns, b1, sizeof(b1)),
				       asp_format_duration(f->measured_ns, b2, sizeof(b2)),
				       asp_format_duration(f->duration_ns, b3, sizeof(b3)));
	}
	char *tasks = asp_group_tasks_text(&fg, 10, true);
	struct asp_buf msg = { 0 };
	if (!c->per_poll)
		asp_buf_printf(&msg, "%s: %s polled %" PRIu64 " times in a row with gaps under %s (%s)",
			       asp_severity_name(fg.severity), fg.future, w->count,
			       asp_format_duration(w->threshold_ns, b2, sizeof(b2)), tasks);
	else {
		char *what = asp_finding_summary(w);
		asp_buf_printf(&msg, "%s: %s: %" PRIu64 " poll%s over %s, longest %s, total %s (%s)%s%s",
			       asp_severity_name(fg.severity), fg.future, fg.count,
			       fg.count == 1 ? "" : "s",
			       asp_format_duration(w->threshold_ns, b3, sizeof(b3)),
			       asp_format_duration(fg.longest_ns, b1, sizeof(b1)),
			       asp_format_duration(fg.total_ns, b2, sizeof(b2)),
			       tasks,
			       *what ? "; " : "", what);
		free(what);
	}
	free(tasks);
	testcase_open(fp, r, c, fg.future);
	fprintf(fp, "      <failure type=\"%s\" message=\"", c->rule);
	xml(fp, msg.data);
	fputs("\">", fp);
	asp_buf_printf(&msg, "\n%s", polls.data ? polls.data : "");
	xml(fp, msg.data);
	fputs("</failure>\n    </testcase>\n", fp);
	asp_buf_free(&msg);
	asp_buf_free(&polls);
	free(fg.tasks);
}

static void run_suite(FILE *fp, const struct asp_batch *b, size_t run)
{
	const struct asp_result *r = b->runs[run];
	const bool *fails = b->verdict->finding_fails[run];
	struct rule_case cases[60 + ASP_RULES_MAX]; /* up to 60 with the overrides, one a rule more */
	size_t n = 0;
	for (size_t k = 0; k < asp_nrules; k++) {
		const struct asp_rule *rule = &asp_rule_table[k];
		if (!b->rules->rule_on[k])
			continue;
		if (rule->kind == ASP_RULE_LINT) {
			cases[n++] = (struct rule_case){ rule->name, NULL, rule->per_poll };
			continue;
		}
		cases[n++] = (struct rule_case){ rule->name, "default", rule->per_poll };
		for (size_t i = 0; i < b->rules->noverrides && n < 60; i++)
			if (!b->rules->overrides[i].ignore)
				cases[n++] = (struct rule_case){ rule->name, b->rules->overrides[i].match,
								 rule->per_poll };
	}
	/* a case with failing findings is one testcase per group (rule and
	 * future) of them, each a failure; without, one passing testcase */
	size_t *of = groups_of(r);
	bool *hit = xcalloc(r->ngroups ? r->ngroups : 1, sizeof(*hit));
	size_t tests = 0, failures = 0;
	for (size_t k = 0; k < n; k++) {
		size_t groups = case_groups(r, fails, of, &cases[k], hit);
		tests += groups ? groups : 1;
		failures += groups;
	}
	fprintf(fp, "  <testsuite name=\"rules: ");
	xml(fp, r->name);
	fprintf(fp, "\" tests=\"%zu\" failures=\"%zu\">\n", tests, failures);
	for (size_t k = 0; k < n; k++) {
		if (!case_groups(r, fails, of, &cases[k], hit)) {
			testcase_open(fp, r, &cases[k], NULL);
			fputs("    </testcase>\n", fp);
			continue;
		}
		for (size_t g = 0; g < r->ngroups; g++)
			if (hit[g])
				group_case(fp, r, fails, of, &cases[k], g);
	}
	free(hit);
	free(of);
	fputs("  </testsuite>\n", fp);
}

static void compare_suite(FILE *fp, const struct asp_batch *b)
{
	const struct asp_comparison *c = b->cmp;
	size_t failures = b->verdict->row_failures;
	fprintf(fp, "  <testsuite name=\"comparison\" tests=\"%zu\" failures=\"%zu\">\n", c->nrows,
		failures);
	for (size_t i = 0; i < c->nrows; i++) {
		const struct asp_cmp_row *r = &c->rows[i];
		fprintf(fp, "    <testcase classname=\"asprof.compare.%s\" name=\"", r->is_task ? "task" : "future");
		xml(fp, r->name);
		fputs("\">\n", fp);
		/* a row that grew only through an awaited future passes:
		 * the callee's row is the failure */
		char *what = asp_cmp_shown(r->verdict) || r->verdict == ASP_V_VIA ||
				     r->verdict == ASP_V_UNCHANGED
				     ? asp_change_summary(c->metric, r)
				     : xstrdup(r->reason ? r->reason : "");
		if (b->verdict->row_fails[i] && r->verdict != ASP_V_VIA) {
			fputs("      <failure type=\"regression\" message=\"regressed: ", fp);
			xml(fp, what);
			fputs("\">", fp);
			xml(fp, what);
			size_t n = asp_cmp_callers(c, i, NULL, 0);
			size_t *idx = xcalloc(n ? n : 1, sizeof(*idx));
			asp_cmp_callers(c, i, idx, n);
			for (size_t k = 0; k < n; k++) {
				fputs(k ? ", " : "\ncallers that grew through it: ", fp);
				xml(fp, c->rows[idx[k]].name);
			}
			free(idx);
			fputs("</failure>\n", fp);
		} else {
			fputs("      <system-out>", fp);
			fputs(asp_verdict_name(r->verdict), fp);
			if (r->verdict == ASP_V_VIA) {
				fputc(' ', fp);
				xml(fp, r->via ? r->via : "");
			}
			fputs(": ", fp);
			xml(fp, what);
			fputs("</system-out>\n", fp);
		}
		free(what);
		fputs("    </testcase>\n", fp);
	}
	fputs("  </testsuite>\n", fp);
}

int asp_junit_write(const struct asp_batch *b, const char *path, char **err)
{
	FILE *fp;
	struct asp_outfile *h = asp_outfile_open(path, &fp, err);
	if (!h)
		return -1;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"asprof\">\n", fp);
	if (b->cmp)
		compare_suite(fp, b);
	for (size_t i = 0; i < b->nruns; i++)
		run_suite(fp, b, i);
	for (size_t i = 0; i < b->nskipped; i++) {
		fputs("  <testsuite name=\"input\" tests=\"1\" errors=\"1\">\n    <testcase classname=\"asprof.input\" name=\"", fp);
		xml(fp, b->skipped[i].path);
		fputs("\">\n      <error message=\"", fp);
		xml(fp, b->skipped[i].reason);
		fputs("\"/>\n    </testcase>\n  </testsuite>\n", fp);
	}
	fputs("</testsuites>\n", fp);
	return asp_outfile_commit(h, err);
}
