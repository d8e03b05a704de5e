/* junit.c - junit.xml for CI systems: one testcase per compared future and
 * per blocking rule of each run; regressions and findings that fail the
 * rules (b->verdict says which) are failures whose message says what
 * changed by how much. */
#include "batch.h"
#include "report/outfile.h"
#include "analysis/registry.h"
#include "analysis/util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* s as XML text or attribute value, the one way junit.xml takes text from
 * input: shown as every writer shows it (asp_buf_show: the control
 * characters XML 1.0 cannot hold and bytes that are not UTF-8 written
 * \xNN), markup characters as entities, newline and tab as character
 * references (an attribute value keeps them) */
static void xml(FILE *fp, const char *s)
{
	char *t = asp_show(s, ASP_SHOW_CONTROLS | ASP_SHOW_KEEP_LINES);
	for (const char *p = t; *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", fp); break;
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '"': fputs("&quot;", fp); break;
		case '\'': fputs("&apos;", fp); break;
		case '\n': fputs("&#10;", fp); break;
		case '\t': fputs("&#9;", fp); break;
		default: fputc(*p, fp);
		}
	}
	free(t);
}

/* the rules a run is checked against: each rule that runs, in the
 * registry's order, and for the rules judged by the blocking thresholds the
 * default thresholds and every override pattern that is not ignored */
struct rule_case {
	const char *rule, *pattern;
	bool per_poll;
};

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
	size_t failures = 0;
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < r->nfindings; i++)
			if (!strcmp(r->findings[i].rule, cases[k].rule) &&
			    (!cases[k].pattern || !strcmp(cases[k].pattern, r->findings[i].pattern)) &&
			    fails[i]) {
				failures++;
				break;
			}
	fprintf(fp, "  <testsuite name=\"rules: ");
	xml(fp, r->name);
	fprintf(fp, "\" tests=\"%zu\" failures=\"%zu\">\n", n, failures);
	char b1[32], b2[32];
	for (size_t k = 0; k < n; k++) {
		fprintf(fp, "    <testcase classname=\"asprof.rules.");
		xml(fp, r->name);
		fprintf(fp, "\" name=\"%s", cases[k].rule);
		if (cases[k].pattern) {
			fputs(" [", fp);
			xml(fp, cases[k].pattern);
			fputc(']', fp);
		}
		fputs("\">\n", fp);
		struct asp_buf msg = { 0 };
		size_t count = 0;
		for (size_t i = 0; i < r->nfindings; i++) {
			const struct asp_finding *f = &r->findings[i];
			if (strcmp(f->rule, cases[k].rule) ||
			    (cases[k].pattern && strcmp(cases[k].pattern, f->pattern)) ||
			    !fails[i])
				continue;
			count++;
			if (!cases[k].per_poll)
				asp_buf_printf(&msg, "%s: %s polled %" PRIu64 " times in a row with gaps under %s (task %" PRIu32 ")\n",
					       asp_severity_name(f->severity), f->future, f->count,
					       asp_format_duration(f->threshold_ns, b2, sizeof(b2)), f->task);
			else
				asp_buf_printf(&msg, "%s: %s polled for %s (threshold %s) in task %" PRIu32 " on thread %d%s%s\n",
					       asp_severity_name(f->severity), f->future,
					       asp_format_duration(f->duration_ns, b1, sizeof(b1)),
					       asp_format_duration(f->threshold_ns, b2, sizeof(b2)), f->task,
					       f->tid, f->culprit ? ", culprit " : "",
					       f->culprit ? f->culprit : "");
		}
		if (count) {
			fprintf(fp, "      <failure type=\"%s\" message=\"%zu finding%s: ", cases[k].rule,
				count, count == 1 ? "" : "s");
			size_t first = strcspn(msg.data, "\n");
			char *line = xstrndup(msg.data, first);
			xml(fp, line);
			free(line);
			fputs("\">", fp);
			xml(fp, msg.data);
			fputs("</failure>\n", fp);
		}
		asp_buf_free(&msg);
		fputs("    </testcase>\n", fp);
	}
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
		if (b->verdict->row_fails[i]) {
			fputs("      <failure type=\"regression\" message=\"regressed: ", fp);
			xml(fp, r->reason);
			fputs("\">", fp);
			xml(fp, r->reason);
			fputs("</failure>\n", fp);
		} else {
			fputs("      <system-out>", fp);
			fputs(asp_verdict_name(r->verdict), fp);
			fputs(": ", fp);
			xml(fp, r->reason ? r->reason : "");
			fputs("</system-out>\n", fp);
		}
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
