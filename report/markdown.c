/* markdown.c - index.md, a report for a CI job summary: the verdict first,
 * then regressions, blocking findings, the runs with links to their traces,
 * and the charts. */
#include "batch.h"
#include "report/outfile.h"
#include "report/outputs.h"
#include "report/describe.h"
#include "analysis/registry.h"
#include "analysis/util.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Text from input in index.md goes through text() or cell(), which show it
 * as every writer does (asp_buf_show: control characters, line breaks
 * included, and bytes that are not UTF-8 written \xNN), so no name ends a
 * table row, opens HTML or markup, or splits a cell. */

static bool alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* s as Markdown text: the characters that start emphasis, code, links,
 * HTML, entities, strikethrough or math, and the pipe, backslash-escaped
 * (an underscore inside a word starts nothing and stays bare) */
static void text(FILE *fp, const char *s)
{
	char *t = asp_show(s, ASP_SHOW_CONTROLS);
	for (const char *p = t; *p; p++) {
		if (strchr("\\`*[]<>|~&$!", *p) ||
		    (*p == '_' && !(p > t && alnum(p[-1]) && alnum(p[1]))))
			fputc('\\', fp);
		fputc(*p, fp);
	}
	free(t);
}

/* s as a code span in a table cell (a name: no markup, emoji or autolink
 * inside): fenced by one backtick more than its longest run of them, padded
 * with a space where it starts or ends with a backtick; pipes escaped, as a
 * table reads \| even in code spans (a backslash just before a pipe then
 * shows doubled: a table cell cannot hold that pair in a code span) */
static void cell(FILE *fp, const char *s)
{
	char *t = asp_show(s, ASP_SHOW_CONTROLS);
	size_t n = strlen(t), longest = 0;
	for (size_t i = 0, run = 0; i < n; i++) {
		run = t[i] == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	bool pad = n && (t[0] == '`' || t[n - 1] == '`' || (t[0] == ' ' && t[n - 1] == ' '));
	for (size_t i = 0; i <= longest; i++)
		fputc('`', fp);
	if (pad)
		fputc(' ', fp);
	for (size_t i = 0; i < n; i++) {
		if (t[i] == '|' || (t[i] == '\\' && t[i + 1] == '|'))
			fputc('\\', fp);
		fputc(t[i], fp);
	}
	if (pad)
		fputc(' ', fp);
	for (size_t i = 0; i <= longest; i++)
		fputc('`', fp);
	free(t);
}

/* a path segment in a link: percent-encoded (run names are directory
 * names: spaces, pipes, brackets...) */
static void url(FILE *fp, const char *s)
{
	asp_url_segment(fp, s);
}

static const char *dur(uint64_t ns, char *buf, size_t n)
{
	return asp_format_duration(ns, buf, n);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* the charts this batch drew (an older batch's in charts/ are not shown) */
static void charts(FILE *fp, const struct asp_batch *b)
{
	if (!b->ncharts && !b->charts_failed)
		return;
	fprintf(fp, "\n## Charts\n\n");
	if (b->charts_failed) {
		fputs("Some charts could not be drawn: ", fp);
		text(fp, b->charts_failed);
		fputs("\n\n", fp);
	}
	char **names = xmalloc((b->ncharts + 1) * sizeof(*names));
	if (b->ncharts) /* b->charts is NULL without charts */
		memcpy(names, b->charts, b->ncharts * sizeof(*names));
	asp_qsort(names, b->ncharts, sizeof(*names), name_cmp);
	for (size_t i = 0; i < b->ncharts; i++) {
		fprintf(fp, "![%s](charts/", names[i]);
		url(fp, names[i]);
		fputs(".png)\n", fp);
	}
	free(names);
}

/* what the poll was doing: "blocked 24.90 ms (99 %), preempted 3.10 ms" */
static void doing_cell(FILE *fp, enum asp_doing doing, const struct asp_split *split,
		       uint64_t wall_ns)
{
	char what[128];
	fputs(asp_poll_text(doing, split, wall_ns, what, sizeof(what)) ? what : "", fp);
}

/* the culprit as a name (a code span) with its calls, or the words in its
 * place as text */
static void culprit_cell(FILE *fp, const char *culprit, uint64_t calls, bool opaque, bool self,
			 const char *no_culprit)
{
	char *owned, c[64];
	const char *instead = asp_no_culprit_text(culprit, self, no_culprit, &owned);
	if (instead) {
		text(fp, instead);
	} else if (culprit) {
		cell(fp, culprit);
		text(fp, asp_calls_text(calls, opaque, c, sizeof(c)));
	}
	free(owned);
}

/* a finding of the group fails the rules (the verdict's, which the
 * headline counts) */
static bool group_fails(const struct asp_batch *b, size_t run, const struct asp_finding_group *g)
{
	return asp_group_fails(b->verdict->finding_fails[run], b->runs[run], g);
}

static void group_row(FILE *fp, const struct asp_batch *b, size_t run,
		      const struct asp_finding_group *g)
{
	const struct asp_result *res = b->runs[run];
	char b1[32], b2[32];
	const struct asp_finding *w = &res->findings[g->worst];
	const struct asp_rule *rule = asp_rule_named(g->rule);
	/* a self-wake finding is a run of polls: no duration of its own */
	bool per_poll = !rule || rule->per_poll;
	fprintf(fp, "| %s | %s | %s | ", asp_severity_name(g->severity),
		group_fails(b, run, g) ? "yes" : "no", g->rule);
	cell(fp, g->future);
	fputs(" | ", fp);
	text(fp, res->name);
	char *tasks = asp_group_tasks_text(g, 10, false);
	fprintf(fp, " | %" PRIu64 " | %s | %s | %s | ", g->count,
		per_poll ? dur(g->longest_ns, b1, sizeof(b1)) : "—",
		per_poll ? dur(g->total_ns, b2, sizeof(b2)) : "—", tasks);
	free(tasks);
	if (per_poll)
		doing_cell(fp, w->doing, &w->split, w->duration_ns);
	else
		fprintf(fp, "%" PRIu64 " polls in a row", w->count);
	fputs(" | ", fp);
	culprit_cell(fp, w->culprit, w->culprit_calls, w->culprit_opaque, w->culprit_self,
		     w->no_culprit);
	fputs(" |\n", fp);
}

/* the callers of the rows of verdict v that grew only through them, under
 * the table: "- via `kv_get`: `handle_request`, `handle_conn`" */
static void via_lines(FILE *fp, const struct asp_comparison *c, enum asp_verdict v)
{
	size_t *idx = xcalloc(c->nrows ? c->nrows : 1, sizeof(*idx));
	bool any = false;
	for (size_t i = 0; i < c->nrows; i++) {
		if (c->rows[i].verdict != v)
			continue;
		size_t n = asp_cmp_callers(c, i, idx, c->nrows);
		if (!n)
			continue;
		fputs(any ? "- via " : "\nGrew only through these (their own time did not change):\n\n- via ", fp);
		cell(fp, c->rows[i].name);
		fputs(":", fp);
		for (size_t k = 0; k < n; k++) {
			fputs(k ? ", " : " ", fp);
			cell(fp, c->rows[idx[k]].name);
		}
		fputs("\n", fp);
		any = true;
	}
	free(idx);
}

/* the rows that grew through a future that is not a change of its own */
static void via_orphans(FILE *fp, const struct asp_comparison *c)
{
	bool any = false;
	for (size_t i = 0; i < c->nrows; i++) {
		if (!asp_cmp_via_orphan(c, i))
			continue;
		fputs(any ? "- " : "\n## Grew through an awaited future\n\n- ", fp);
		cell(fp, c->rows[i].name);
		fputs(" via ", fp);
		cell(fp, c->rows[i].via ? c->rows[i].via : "");
		fputs("\n", fp);
		any = true;
	}
}

static void write_report(FILE *fp, const struct asp_batch *b)
{
	char b1[32], b2[32], b3[32], ch[96], self[80], noise[64];
	const struct asp_comparison *c = b->cmp;
	fprintf(fp, "# asprof report\n\n");
	fprintf(fp, "**%s** — %s (exit status %d)\n\n",
		b->verdict->status == ASP_BATCH_PASS ? "PASS"
		: b->verdict->status == ASP_BATCH_FAIL ? "FAIL" : "ERROR",
		b->verdict->reason, (int)b->verdict->status);
	if (!(b->outputs_off & asp_output_bit("html")))
		fprintf(fp, "The full report, with charts and every run's tables: [report.html](report.html)\n\n");
	fprintf(fp, "%zu run%s analysed", b->nruns, b->nruns == 1 ? "" : "s");
	if (b->nskipped)
		fprintf(fp, ", %zu skipped", b->nskipped);
	if (c)
		fprintf(fp, "; compared %zu base run%s with %zu new run%s by each run's %s own poll time: "
			    "%zu regressed, %zu improved, %zu via a callee, %zu new, %zu gone, "
			    "%zu unchanged",
			c->nbase, c->nbase == 1 ? "" : "s", c->nnew, c->nnew == 1 ? "" : "s",
			asp_metric_name(c->metric), c->counts[ASP_V_REGRESSED],
			c->counts[ASP_V_IMPROVED], c->counts[ASP_V_VIA], c->counts[ASP_V_NEW],
			c->counts[ASP_V_GONE], c->counts[ASP_V_UNCHANGED]);
	fprintf(fp, ".\n");

	if (c) {
		for (size_t i = 0; i < c->nnotes; i++) {
			fputs(i ? "- " : "\nComparison notes:\n\n- ", fp);
			text(fp, c->notes[i]);
			fputs("\n", fp);
		}
		const enum asp_verdict shown[] = { ASP_V_REGRESSED, ASP_V_IMPROVED };
		const char *titles[] = { "Regressions", "Improvements" };
		for (int s = 0; s < 2; s++) {
			if (!c->counts[shown[s]] && s == 1)
				continue;
			fprintf(fp, "\n## %s\n\n", titles[s]);
			if (!c->counts[shown[s]]) {
				fprintf(fp, "None.\n");
				continue;
			}
			/* the change with its interval at the comparison's
			 * confidence; a row that grew only through this one is
			 * a line under it, not a row of its own */
			fprintf(fp, "| future | base %s | new %s | change [%.0f %% interval] | "
				    "self per poll base → new | noise | polls base → new |\n",
				asp_metric_name(c->metric), asp_metric_name(c->metric),
				c->confidence > 0 ? c->confidence * 100.0 : 95.0);
			fprintf(fp, "|---|---:|---:|---:|---:|---:|---:|\n");
			for (size_t i = 0; i < c->nrows; i++) {
				const struct asp_cmp_row *r = &c->rows[i];
				if (r->verdict != shown[s])
					continue;
				fputs("| ", fp);
				cell(fp, r->name);
				if (r->is_task)
					fputs(" (task)", fp);
				fprintf(fp, " | %s | %s | %s | %s | %s | %" PRIu64 " → %" PRIu64 " |\n",
					dur((uint64_t)r->metric_base, b1, sizeof(b1)),
					dur((uint64_t)r->metric_new, b2, sizeof(b2)),
					asp_change_text(r, ch, sizeof(ch)), asp_self_text(r, self, sizeof(self)),
					asp_noise_text(r, noise, sizeof(noise)), r->base.polls,
					r->new_.polls);
			}
			via_lines(fp, c, shown[s]);
		}
		via_orphans(fp, c);
		if (c->nnew_findings) {
			fprintf(fp, "\n## New blocking findings (not in the base runs)\n\n");
			fprintf(fp, "| severity | future | run | longest poll | threshold | "
				    "what it was doing | culprit |\n");
			fprintf(fp, "|---|---|---|---:|---:|---|---|\n");
			for (size_t i = 0; i < c->nnew_findings; i++) {
				const struct asp_cmp_finding *f = &c->new_findings[i];
				fprintf(fp, "| %s | ", asp_severity_name(f->severity));
				cell(fp, f->future);
				fputs(" | ", fp);
				text(fp, f->run);
				fprintf(fp, " | %s | %s | ", dur(f->duration_ns, b1, sizeof(b1)),
					dur(f->threshold_ns, b2, sizeof(b2)));
				doing_cell(fp, f->doing, &f->split, f->duration_ns);
				fputs(" | ", fp);
				culprit_cell(fp, f->culprit, f->culprit_calls, f->culprit_opaque,
					     f->culprit_self, f->no_culprit);
				fputs(" |\n", fp);
			}
		}
	}

	fprintf(fp, "\n## Blocking findings\n\n");
	size_t total = 0, polls = 0;
	for (size_t r = 0; r < b->nruns; r++) {
		total += b->runs[r]->ngroups;
		polls += b->runs[r]->nfindings;
	}
	if (!polls) {
		fprintf(fp, "None.\n");
	} else {
		/* one row per rule, future and run; the worst poll says what it did */
		fprintf(fp, "| severity | fails | rule | future | run | count | longest | total | "
			    "tasks | what it was doing | culprit |\n");
		fprintf(fp, "|---|---|---|---|---|---:|---:|---:|---|---|---|\n");
		size_t shown = 0;
		for (size_t r = 0; r < b->nruns && shown < 50; r++) {
			const struct asp_result *res = b->runs[r];
			for (size_t i = 0; i < res->ngroups && shown < 50; i++, shown++)
				group_row(fp, b, r, &res->groups[i]);
		}
		if (shown < total)
			fprintf(fp, "\n%zu more in summary.json and report.xlsx.\n", total - shown);
	}

	fprintf(fp, "\n## Runs\n\n");
	fprintf(fp, "| run | runtime | duration | threads | tasks | futures | findings | files |\n");
	fprintf(fp, "|---|---|---:|---:|---:|---:|---:|---|\n");
	for (size_t r = 0; r < b->nruns; r++) {
		const struct asp_result *res = b->runs[r];
		fputs("| ", fp);
		text(fp, res->name);
		fputs(" | ", fp);
		text(fp, res->runtime);
		fprintf(fp, " | %s | %zu | %zu | %zu | %zu |",
			dur(res->duration_ns, b3, sizeof(b3)), res->threads, res->ntasks, res->nfutures,
			res->nfindings);
		const char *sep = " ";
		for (size_t i = 0; i < asp_noutputs; i++) {
			const struct asp_output *o = &asp_outputs[i];
			if (o->scope != ASP_OUTPUT_RUN || (b->outputs_off & ((uint32_t)1 << i)))
				continue;
			/* [trace](runs/NAME/trace.json) · [summary](runs/NAME/summary.json) */
			fprintf(fp, "%s[%.*s](runs/", sep, (int)strcspn(o->path, "."), o->path);
			url(fp, res->name);
			fprintf(fp, "/%s)", o->path);
			sep = " · ";
		}
		fputs(" |\n", fp);
	}
	for (size_t i = 0; i < b->nskipped; i++) {
		fputs("| ", fp);
		text(fp, b->skipped[i].path);
		fputs(" | skipped: ", fp);
		text(fp, b->skipped[i].reason);
		fputs(" | | | | | | |\n", fp);
	}
	/* what a reader must know to trust the numbers: a busy machine, no
	 * context switches, a recording cut short... */
	bool noted = false;
	for (size_t r = 0; r < b->nruns; r++) {
		const struct asp_result *res = b->runs[r];
		for (size_t i = 0; i < res->nnotes; i++) {
			fputs(noted ? "- " : "\nNotes:\n\n- ", fp);
			text(fp, res->name);
			fputs(": ", fp);
			text(fp, res->notes[i]);
			fputs("\n", fp);
			noted = true;
		}
	}
	charts(fp, b);
	/* Full data: [summary.json](summary.json) · [report.xlsx](report.xlsx) · ... */
	bool any = false;
	for (size_t i = 0; i < asp_noutputs; i++) {
		const struct asp_output *o = &asp_outputs[i];
		if (o->scope != ASP_OUTPUT_BATCH || !strcmp(o->name, "index") || !strcmp(o->name, "html") ||
		    (b->outputs_off & ((uint32_t)1 << i)))
			continue;
		fprintf(fp, "%s[%s](%s)", any ? " · " : "\nFull data: ", o->path, o->path);
		any = true;
	}
	if (any)
		fputs(".", fp);
	bool traces = !(b->outputs_off & asp_output_bit("trace"));
	if (traces)
		fputs(any ? " Open a trace.json in https://ui.perfetto.dev or chrome://tracing."
			  : "\nOpen a trace.json in https://ui.perfetto.dev or chrome://tracing.", fp);
	if (any || traces)
		fputs("\n", fp);
}

int asp_markdown_write(const struct asp_batch *b, const char *path, char **err)
{
	FILE *fp;
	struct asp_outfile *h = asp_outfile_open(path, &fp, err);
	if (!h)
		return -1;
	write_report(fp, b);
	return asp_outfile_commit(h, err);
}
