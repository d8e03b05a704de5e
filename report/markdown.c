/* markdown.c - index.md, a report for a CI job summary that fits one
 * screen: the verdict, then what to look at first (what fails the build,
 * errors, regressions, improvements, warnings, at most FIRST_ROWS rows),
 * then links to everything else; the notes and the runs folded. */
#include "batch.h"
#include "report/history.h"
#include "report/outfile.h"
#include "report/outputs.h"
#include "report/describe.h"
#include "analysis/registry.h"
#include "analysis/util.h"

#include <inttypes.h>
#include <math.h>
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

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* what the poll was doing: "blocked 24.90 ms (99 %), preempted 3.10 ms" */
static const char *doing_text(enum asp_doing doing, const struct asp_split *split,
			      uint64_t wall_ns, char *what, size_t n)
{
	return asp_poll_text(doing, split, wall_ns, what, n) ? what : "";
}

/* the culprit as a name (a code span) with its calls, or the words in its
 * place as text; nothing when there is nothing to say (false) */
static bool culprit_cell(FILE *fp, const char *culprit, uint64_t calls, bool opaque, bool self,
			 const char *no_culprit, const char *before)
{
	char *owned, c[64];
	const char *instead = asp_no_culprit_text(culprit, self, no_culprit, &owned);
	bool said = instead || culprit;
	if (instead) {
		fputs(before, fp);
		text(fp, instead);
	} else if (culprit) {
		fputs(before, fp);
		fputs("culprit ", fp);
		cell(fp, culprit);
		text(fp, asp_calls_text(calls, opaque, c, sizeof(c)));
	}
	free(owned);
	return said;
}

/* " at `file:line`" after a name, when the recording has its source line */
static void src_at(FILE *fp, const char *srcline)
{
	if (!srcline)
		return;
	fputs(" at ", fp);
	cell(fp, srcline);
}

/* a finding of the group fails the rules (the verdict's, which the
 * headline counts) */
static bool group_fails(const struct asp_batch *b, size_t run, const struct asp_finding_group *g)
{
	return asp_group_fails(b->verdict->finding_fails[run], b->runs[run], g);
}

/* ---------------------------------------------------------- first things */

/* One row of "What to look at first": a change of the comparison or a
 * group of findings, ranked: what fails the build first, then errors,
 * regressions, improvements, warnings; within a rank the changes first,
 * then the largest. */
struct item {
	int rank;
	double size;          /* the change's |relative change|, or the longest poll */
	const struct asp_cmp_row *row; /* a change, or */
	size_t run;           /* the run and group of a finding */
	const struct asp_finding_group *g;
};

enum { RANK_FAILS, RANK_ERROR, RANK_REGRESSED, RANK_IMPROVED, RANK_WARNING };

#define FIRST_ROWS 8 /* rows of the first table; the rest is linked */

static int item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if ((x->row != NULL) != (y->row != NULL)) /* changes, then findings */
		return x->row ? -1 : 1;
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	return 0;
}

/* s with its durations in µs (asp_micro_text), as index.md shows them */
static void fputs_micro(const char *s, FILE *fp)
{
	char *t = asp_micro_text(s);
	fputs(t, fp);
	free(t);
}

/* a duration in index.md: "82.45 µs" */
static const char *dur(uint64_t ns, char *buf, size_t n)
{
	return asp_duration_text(ns, buf, n);
}

/* "p50 82.45 µs → 145.23 µs: +76 % [+48 %, +109 %]" and why: own time,
 * noise, the callers that grew through it */
static void change_item(FILE *fp, const struct asp_batch *b, const struct asp_cmp_row *r)
{
	const struct asp_comparison *c = b->cmp;
	char b1[32], b2[32], ch[96], self[80], noise[64];
	size_t ri = (size_t)(r - c->rows);
	fprintf(fp, "| %s%s%s | ", b->verdict->row_fails && b->verdict->row_fails[ri] ? "**" : "",
		asp_verdict_name(r->verdict),
		b->verdict->row_fails && b->verdict->row_fails[ri] ? "**" : "");
	cell(fp, r->name);
	fprintf(fp, " | new runs | %s %s → %s: %s | ", asp_metric_name(c->metric),
		dur((uint64_t)r->metric_base, b1, sizeof(b1)),
		dur((uint64_t)r->metric_new, b2, sizeof(b2)), asp_change_text(r, ch, sizeof(ch)));
	fputs("its own time per poll ", fp);
	fputs_micro(asp_self_text(r, self, sizeof(self)), fp);
	const char *nz = asp_noise_text(r, noise, sizeof(noise));
	if (*nz)
		fprintf(fp, "; runs differ by %s", nz);
	size_t idx[4], n = asp_cmp_callers(c, ri, idx, ASP_ARRAY_SIZE(idx));
	for (size_t k = 0; k < n && k < ASP_ARRAY_SIZE(idx); k++) {
		fputs(k ? ", " : "; the futures awaiting it grew with it: ", fp);
		cell(fp, c->rows[idx[k]].name);
	}
	if (n > ASP_ARRAY_SIZE(idx))
		fprintf(fp, " and %zu more", n - ASP_ARRAY_SIZE(idx));
	fputs(" |\n", fp);
}

/* "longest 36.30 ms against a 10.00 ms threshold, 3 polls" and what it was
 * doing */
static void finding_item(FILE *fp, const struct asp_batch *b, size_t run,
			 const struct asp_finding_group *g)
{
	const struct asp_result *res = b->runs[run];
	const struct asp_finding *w = &res->findings[g->worst];
	const struct asp_rule *rule = asp_rule_named(g->rule);
	bool per_poll = !rule || rule->per_poll; /* self-wake: a run of polls */
	bool fails = group_fails(b, run, g);
	char b1[32], b2[32], what[128];
	fprintf(fp, "| %s%s%s", fails ? "**" : "", asp_severity_name(g->severity), fails ? "**" : "");
	if (strcmp(g->rule, "blocking-poll"))
		fprintf(fp, ": %s", g->rule);
	if (asp_group_is_new(b->cmp, (const struct asp_result *const *)b->runs, b->nruns,
			     res->name, g))
		fputs(", new", fp);
	fputs(" | ", fp);
	cell(fp, g->future);
	src_at(fp, g->srcline);
	fputs(" | ", fp);
	text(fp, res->name);
	if (per_poll)
		fprintf(fp, " | longest %s against a %s threshold, %" PRIu64 " poll%s | ",
			dur(g->longest_ns, b1, sizeof(b1)), dur(w->threshold_ns, b2, sizeof(b2)),
			g->count, g->count == 1 ? "" : "s");
	else
		fprintf(fp, " | %" PRIu64 " polls in a row | it wakes itself and is polled again at "
			    "once: busy polling", w->count);
	const char *doing = per_poll ? doing_text(w->doing, &w->split, w->duration_ns, what,
						  sizeof(what))
				     : "";
	fputs_micro(doing, fp);
	bool said = culprit_cell(fp, w->culprit, w->culprit_calls, w->culprit_opaque,
				 w->culprit_self, w->no_culprit, *doing ? "; " : "") || *doing;
	if (w->culprit)
		src_at(fp, w->culprit_srcline);
	char *waits = asp_group_waits_text(g, w);
	if (waits) {
		fputs(said ? "; " : "", fp);
		text(fp, waits);
	}
	free(waits);
	fputs(" |\n", fp);
}

/* the first table: what fails the build, then the rest by weight, at most
 * FIRST_ROWS; returns how many were left out */
static size_t first_things(FILE *fp, const struct asp_batch *b)
{
	const struct asp_comparison *c = b->cmp;
	size_t n = 0, cap = (c ? c->nrows : 0) + 1;
	for (size_t r = 0; r < b->nruns; r++)
		cap += b->runs[r]->ngroups;
	struct item *items = xcalloc(cap, sizeof(*items));
	for (size_t i = 0; c && i < c->nrows; i++) {
		const struct asp_cmp_row *r = &c->rows[i];
		if (r->verdict != ASP_V_REGRESSED && r->verdict != ASP_V_IMPROVED)
			continue;
		bool fails = b->verdict->row_fails && b->verdict->row_fails[i];
		items[n++] = (struct item){ fails ? RANK_FAILS
					    : r->verdict == ASP_V_REGRESSED ? RANK_REGRESSED
									    : RANK_IMPROVED,
					    fabs(r->rel_change), r, 0, NULL };
	}
	for (size_t run = 0; run < b->nruns; run++)
		for (size_t k = 0; k < b->runs[run]->ngroups; k++) {
			const struct asp_finding_group *g = &b->runs[run]->groups[k];
			int rank = group_fails(b, run, g) ? RANK_FAILS
				   : g->severity == ASP_SEV_ERROR ? RANK_ERROR
								  : RANK_WARNING;
			items[n++] = (struct item){ rank, (double)g->longest_ns, NULL, run, g };
		}
	asp_qsort(items, n, sizeof(*items), item_cmp);
	fprintf(fp, "\n## What to look at first\n\n");
	if (b->nskipped) {
		for (size_t i = 0; i < b->nskipped; i++) {
			fputs(i ? "- " : "Runs that could not be read:\n\n- ", fp);
			text(fp, b->skipped[i].path);
			fputs(": ", fp);
			text(fp, b->skipped[i].reason);
			fputs("\n", fp);
		}
		fputs("\n", fp);
	}
	if (!n) {
		fprintf(fp, "Nothing: %s.\n", c ? "no future changed beyond the noise, and no finding"
					       : "no finding");
		free(items);
		return 0;
	}
	fprintf(fp, "| | future | run | measured | why |\n|---|---|---|---|---|\n");
	size_t shown = n < FIRST_ROWS ? n : FIRST_ROWS;
	for (size_t i = 0; i < shown; i++) {
		if (items[i].row)
			change_item(fp, b, items[i].row);
		else
			finding_item(fp, b, items[i].run, items[i].g);
	}
	free(items);
	return n - shown;
}

/* rows that grew through a future that is not a change of its own */
static void via_orphans(FILE *fp, const struct asp_comparison *c)
{
	bool any = false;
	for (size_t i = 0; i < c->nrows; i++) {
		if (!asp_cmp_via_orphan(c, i))
			continue;
		fputs(any ? ", " : "\nGrew only through a future they await, which did not change beyond the noise: ", fp);
		cell(fp, c->rows[i].name);
		fputs(" (via ", fp);
		cell(fp, c->rows[i].via ? c->rows[i].via : "");
		fputs(")", fp);
		any = true;
	}
	if (any)
		fputs(".\n", fp);
}

/* ---------------------------------------------------------- the rest */

static bool output_on(const struct asp_batch *b, const char *name)
{
	return !(b->outputs_off & asp_output_bit(name));
}

/* links to the batch's reports, charts and each run's files */
static void more(FILE *fp, const struct asp_batch *b, size_t left_out)
{
	fprintf(fp, "\n## More\n\n");
	bool any = false;
	for (size_t i = 0; i < asp_noutputs; i++) {
		const struct asp_output *o = &asp_outputs[i];
		if (o->scope != ASP_OUTPUT_BATCH || !strcmp(o->name, "index") ||
		    !strcmp(o->name, "html") || (b->outputs_off & ((uint32_t)1 << i)))
			continue; /* report.html is linked under the verdict */
		fprintf(fp, "%s[%s](%s)", any ? " · " : "- Reports: ", o->path, o->path);
		any = true;
	}
	if (any)
		fprintf(fp, "%s\n", left_out ? " (everything, with the rows left out above)" : "");
	if (b->ncharts || b->charts_failed) {
		char **names = xmalloc((b->ncharts + 1) * sizeof(*names));
		if (b->ncharts) /* b->charts is NULL without charts */
			memcpy(names, b->charts, b->ncharts * sizeof(*names));
		asp_qsort(names, b->ncharts, sizeof(*names), name_cmp);
		fputs("- Charts:", fp);
		for (size_t i = 0; i < b->ncharts; i++) {
			fprintf(fp, "%s[", i ? " · " : " ");
			text(fp, names[i]);
			fputs("](charts/", fp);
			url(fp, names[i]);
			fputs(".png)", fp);
		}
		if (b->charts_failed) {
			fputs(b->ncharts ? "; some could not be drawn: " : " none could be drawn: ", fp);
			text(fp, b->charts_failed);
		}
		fputs("\n", fp);
		free(names);
	}
	bool traces = false; /* a run read from its summary.json has none */
	for (size_t r = 0; r < b->nruns && output_on(b, "trace"); r++)
		traces |= !b->runs[r]->from_summary;
	if (traces)
		fputs("- A run's `trace.json` (linked below) opens in https://ui.perfetto.dev "
		      "(Open trace file) or in Chrome DevTools' Performance panel (Load profile)\n",
		      fp);
}

/* what a reader must know to trust the numbers (a busy machine, no
 * context switches, a recording cut short, ...), folded */
static void notes(FILE *fp, const struct asp_batch *b)
{
	size_t n = b->cmp ? b->cmp->nnotes : 0;
	for (size_t r = 0; r < b->nruns; r++)
		n += b->runs[r]->nnotes;
	if (!n)
		return;
	fprintf(fp, "\n<details><summary>%zu note%s on how sure these numbers are</summary>\n\n",
		n, n == 1 ? "" : "s");
	for (size_t i = 0; b->cmp && i < b->cmp->nnotes; i++) {
		fputs("- comparison: ", fp);
		text(fp, b->cmp->notes[i]);
		fputs("\n", fp);
	}
	for (size_t r = 0; r < b->nruns; r++)
		for (size_t i = 0; i < b->runs[r]->nnotes; i++) {
			fputs("- ", fp);
			text(fp, b->runs[r]->name);
			fputs(": ", fp);
			text(fp, b->runs[r]->notes[i]);
			fputs("\n", fp);
		}
	fputs("\n</details>\n", fp);
}

/* every run with its files, folded */
static void runs(FILE *fp, const struct asp_batch *b)
{
	char b1[32];
	fprintf(fp, "\n<details><summary>%zu run%s</summary>\n\n", b->nruns, b->nruns == 1 ? "" : "s");
	fprintf(fp, "| run | runtime | duration | threads | tasks | futures | findings | files |\n");
	fprintf(fp, "|---|---|---:|---:|---:|---:|---:|---|\n");
	for (size_t r = 0; r < b->nruns; r++) {
		const struct asp_result *res = b->runs[r];
		fputs("| ", fp);
		text(fp, res->name);
		fputs(" | ", fp);
		text(fp, res->runtime);
		fprintf(fp, " | %s | %zu | %zu | %zu | %zu |", dur(res->duration_ns, b1, sizeof(b1)),
			res->threads, res->ntasks, res->nfutures, res->nfindings);
		const char *sep = " ";
		for (size_t i = 0; i < asp_noutputs; i++) {
			const struct asp_output *o = &asp_outputs[i];
			if (o->scope != ASP_OUTPUT_RUN || (b->outputs_off & ((uint32_t)1 << i)) ||
			    (res->from_summary && !strcmp(o->name, "trace")))
				continue; /* a run read from its summary.json has no trace */
			/* [trace](runs/NAME/trace.json) · [summary](runs/NAME/summary.json) */
			fprintf(fp, "%s[%.*s](runs/", sep, (int)strcspn(o->path, "."), o->path);
			url(fp, res->name);
			fprintf(fp, "/%s)", o->path);
			sep = " · ";
		}
		fputs(" |\n", fp);
	}
	fputs("\n</details>\n", fp);
}

/* The verdict and what to look at first fit one screen; the rest is
 * linked or folded. */
static void write_report(FILE *fp, const struct asp_batch *b)
{
	const struct asp_comparison *c = b->cmp;
	const char *status = b->verdict->status == ASP_BATCH_PASS   ? "PASS"
			     : b->verdict->status == ASP_BATCH_FAIL ? "FAIL"
								    : "ERROR";
	fprintf(fp, "# asprof: %s\n\n", status);
	fputs("**", fp);
	text(fp, b->verdict->reason);
	fprintf(fp, "** (exit status %d)\n\n", (int)b->verdict->status);
	if (output_on(b, "html"))
		fprintf(fp, "The full report, with charts and every run's tables: [report.html](report.html)\n\n");
	fprintf(fp, "%zu run%s analysed", b->nruns, b->nruns == 1 ? "" : "s");
	if (b->nskipped)
		fprintf(fp, ", %zu could not be read", b->nskipped);
	if (c)
		fprintf(fp, ": %zu base run%s compared with %zu new run%s, by each run's %s own "
			    "poll time (on CPU + blocked): %zu regressed, %zu improved, %zu unchanged, "
			    "%zu only in the new runs, %zu only in the base runs.\n",
			c->nbase, c->nbase == 1 ? "" : "s", c->nnew, c->nnew == 1 ? "" : "s",
			asp_metric_name(c->metric), c->counts[ASP_V_REGRESSED],
			c->counts[ASP_V_IMPROVED], c->counts[ASP_V_UNCHANGED] + c->counts[ASP_V_VIA],
			c->counts[ASP_V_NEW], c->counts[ASP_V_GONE]);
	else
		fprintf(fp, "; nothing compared (`--baseline` or `asprof-batch diff` compares runs).\n");
	size_t left_out = first_things(fp, b);
	if (left_out)
		fprintf(fp, "\n%zu more below the first %d.\n", left_out, FIRST_ROWS);
	if (c)
		via_orphans(fp, c);
	more(fp, b, left_out);
	notes(fp, b);
	runs(fp, b);
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

/* ------------------------------------------------------------ history.md */

/* a night as history.md names it: its run name, and its label when one
 * was given */
static void night_text(FILE *fp, const struct asp_history *h, size_t night)
{
	fprintf(fp, "night %zu, ", night + 1);
	cell(fp, h->night[night]);
	if (strcmp(h->label[night], h->night[night])) {
		fputs(" (label ", fp);
		cell(fp, h->label[night]);
		fputc(')', fp);
	}
}

static void history_change(FILE *fp, const struct asp_history *h,
			   const struct asp_history_future *f, const struct asp_history_change *c)
{
	char pct[32], b[48], a[48];
	asp_history_pct(pct, sizeof(pct), c->rel_change);
	fputs("- ", fp);
	cell(fp, f->name);
	fprintf(fp, ": %s at ", pct);
	night_text(fp, h, c->night);
	fprintf(fp, ": %s %s \u2192 %s, p = %.3f", asp_metric_name(h->metric),
		dur((uint64_t)llround(c->before), b, sizeof(b)),
		dur((uint64_t)llround(c->after), a, sizeof(a)), c->p_value);
	if (c->verdict == ASP_V_VIA) {
		fputs("; via ", fp);
		cell(fp, c->via);
		fputs(" (its self time did not change)", fp);
	}
	fputc('\n', fp);
}

static void write_history(FILE *fp, const struct asp_history *h)
{
	size_t nvia = 0;
	for (size_t i = 0; i < h->nfutures; i++)
		nvia += h->futures[i].nchanges - h->futures[i].nown;
	fprintf(fp, "# asprof trend: %zu future%s changed\n\n", h->nchanged,
		h->nchanged == 1 ? "" : "s");
	fprintf(fp, "%zu night%s, from ", h->nnights, h->nnights == 1 ? "" : "s");
	if (h->nnights) {
		cell(fp, h->label[0]);
		fputs(" to ", fp);
		cell(fp, h->label[h->nnights - 1]);
	}
	fprintf(fp, "; per future, the %s of each night's own poll times; change points by "
		    "E-divisive means (%u permutations, p \u2264 %g, at least %u nights a "
		    "segment), a step of at least %.0f %% and ",
		asp_metric_name(h->metric), h->params.permutations, h->params.p_value,
		h->params.min_nights, h->min_change * 100);
	char t[48];
	fprintf(fp, "%s.\n\n", dur(h->min_abs_ns, t, sizeof(t)));
	if (!h->nchanged && !nvia) {
		fputs("No future changed.\n", fp);
		return;
	}
	for (int via = 0; via < 2; via++) {
		if (via && nvia)
			fputs("\nGrew or shrank only through a future they await:\n\n", fp);
		else if (!via && h->nchanged)
			fputs("## Changes\n\n", fp);
		for (size_t i = 0; i < h->nfutures; i++)
			for (size_t k = 0; k < h->futures[i].nchanges; k++) {
				const struct asp_history_change *c = &h->futures[i].changes[k];
				if ((c->verdict == ASP_V_VIA) == (via == 1))
					history_change(fp, h, &h->futures[i], c);
			}
	}
}

int asp_history_md_write(const struct asp_history *h, const char *path, char **err)
{
	FILE *fp;
	struct asp_outfile *o = asp_outfile_open(path, &fp, err);
	if (!o)
		return -1;
	write_history(fp, h);
	return asp_outfile_commit(o, err);
}
