/* xlsx.c - report.xlsx with libxlsxwriter: Summary, Runs, Futures, Tasks,
 * Findings (one row per rule, future and run), Finding polls (each) and
 * Comparison sheets. Durations are numbers (so they sort and
 * filter) in milliseconds or microseconds, shown with their unit by a number
 * format; every column header names the unit. Written to the outfile's
 * temporary path and renamed into place, so PATH is either the previous
 * complete report or the new one. */
#include "batch.h"
#include "report/history.h"
#include "outfile.h"
#include "report/describe.h"
#include "analysis/util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#define NO_COMPARISON "no comparison: run with --baseline or asprof-batch diff"
#define XLSX_STR_MAX 32767 /* Excel's (and libxlsxwriter's) cell limit, bytes here */
#define CHART_ROWS 10
#define WORST_FINDINGS 10

struct xw {
	lxw_workbook *wb;
	lxw_error err; /* the first error of any call */
	lxw_format *title, *bold, *hdr, *hdr_metric, *ms, *us, *count, *pct, *share, *pval;
	lxw_format *text; /* text cells: indented, so a number before never runs into them */
	lxw_format *id;   /* task and thread ids: numbers, no thousands separator */
	lxw_format *cf_verdict[ASP_V_COUNT], *cf_error, *cf_warning;
	lxw_format *status[3];
};

static void chk(struct xw *x, lxw_error e)
{
	if (e != LXW_NO_ERROR && x->err == LXW_NO_ERROR)
		x->err = e;
}

/* ------------------------------------------------------------ strings */

/* s as every writer shows it (asp_buf_show: bytes that are not UTF-8 and
 * the control characters Excel rejects written \xNN; tab and newline
 * stay), at most XLSX_STR_MAX bytes, cut at a character boundary. */
static char *clean_str(const char *s)
{
	static const char more[] = "\xe2\x80\xa6"; /* an ellipsis marks a cut */
	char *t = asp_show(s, ASP_SHOW_CONTROLS | ASP_SHOW_KEEP_LINES);
	size_t len = strlen(t);
	if (len > XLSX_STR_MAX) {
		size_t keep = XLSX_STR_MAX - 3;
		while (keep && ((unsigned char)t[keep] & 0xc0) == 0x80)
			keep--;
		memcpy(t + keep, more, sizeof(more));
	}
	return t;
}

static void put_str(struct xw *x, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *s,
		    lxw_format *f)
{
	if (!s)
		return;
	char *t = clean_str(s);
	chk(x, worksheet_write_string(ws, r, c, t, f ? f : x->text));
	free(t);
}

/* put_str of a printf-style text, with the text cells' format */
static void put_strf(struct xw *x, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *fmt,
		     ...) __attribute__((format(printf, 5, 6)));
static void put_strf(struct xw *x, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *fmt,
		     ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *t = xvasprintf(fmt, ap);
	va_end(ap);
	put_str(x, ws, r, c, t, NULL);
	free(t);
}

/* a list of ids ("3" or "1, 4, 7"): one id is a number, several are text */
static void put_ids(struct xw *x, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *s)
{
	if (!s)
		return;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (*s >= '0' && *s <= '9' && !*end && !errno && v < (1ULL << 53))
		chk(x, worksheet_write_number(ws, r, c, (double)v, x->id));
	else
		put_str(x, ws, r, c, s, NULL);
}

static void put_num(struct xw *x, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, double v,
		    lxw_format *f)
{
	if (isfinite(v))
		chk(x, worksheet_write_number(ws, r, c, v, f));
}

static void put_ms(struct xw *x, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, double ns)
{
	put_num(x, ws, r, c, ns / 1e6, x->ms);
}

static void put_us(struct xw *x, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, double ns)
{
	put_num(x, ws, r, c, ns / 1e3, x->us);
}

static void put_count(struct xw *x, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, double v)
{
	put_num(x, ws, r, c, v, x->count);
}

/* A short label for chart categories: paths inside <...> reduced to their
 * last segment, then the last two top-level path segments, then at most
 * max bytes (the tail, after an ellipsis). */
static char *short_name(const char *name, size_t max)
{
	struct asp_buf b = { 0 };
	int depth = 0;
	for (const char *p = name; *p;) {
		if (*p == '<')
			depth++;
		else if (*p == '>' && depth > 0)
			depth--;
		bool ident_start = (p == name || !(p[-1] == '_' || (p[-1] >= '0' && p[-1] <= '9') ||
						   (p[-1] >= 'a' && p[-1] <= 'z') ||
						   (p[-1] >= 'A' && p[-1] <= 'Z')));
		if (depth > 0 && ident_start) {
			size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					     "0123456789_");
			if (n && !strncmp(p + n, "::", 2)) {
				p += n + 2;
				continue;
			}
		}
		asp_buf_append(&b, p, 1);
		p++;
	}
	asp_buf_append(&b, "", 1);
	char *s = b.data;
	/* keep the last two segments separated by a top-level "::" */
	const char *cut = s;
	const char *seps[2] = { NULL, NULL };
	depth = 0;
	for (const char *p = s; *p; p++) {
		if (*p == '<' || *p == '{' || *p == '(')
			depth++;
		else if ((*p == '>' || *p == '}' || *p == ')') && depth > 0)
			depth--;
		else if (!depth && p[0] == ':' && p[1] == ':') {
			seps[0] = seps[1];
			seps[1] = p;
			p++;
		}
	}
	if (seps[0])
		cut = seps[0] + 2;
	size_t len = strlen(cut);
	char *out;
	if (len <= max) {
		out = xstrdup(cut);
	} else {
		const char *tail = cut + len - (max > 3 ? max - 3 : 0);
		while ((*tail & 0xc0) == 0x80)
			tail++;
		out = xasprintf("\xe2\x80\xa6%s", tail);
	}
	free(s);
	return out;
}

/* ------------------------------------------------------------ tables */

struct col {
	const char *name;
	double width;
	bool metric; /* the verdict metric: highlighted header */
};

/* header row at row r; column widths; the autofilter over the table and
 * header rows frozen (both only when r is the sheet's table) */
static void table_header(struct xw *x, lxw_worksheet *ws, lxw_row_t r, const struct col *cols,
			 size_t n, size_t nrows)
{
	for (size_t i = 0; i < n; i++) {
		put_str(x, ws, r, (lxw_col_t)i, cols[i].name, cols[i].metric ? x->hdr_metric : x->hdr);
		chk(x, worksheet_set_column(ws, (lxw_col_t)i, (lxw_col_t)i, cols[i].width, NULL));
	}
	chk(x, worksheet_autofilter(ws, r, 0, (lxw_row_t)(r + nrows), (lxw_col_t)(n - 1)));
	worksheet_freeze_panes(ws, r + 1, 0);
	/* printed: landscape, one page wide, the header on every page */
	worksheet_set_landscape(ws);
	worksheet_fit_to_pages(ws, 1, 0);
	chk(x, worksheet_repeat_rows(ws, r, r));
}

static void cf_text(struct xw *x, lxw_worksheet *ws, lxw_row_t r1, lxw_col_t c, lxw_row_t r2,
		    const char *text, lxw_format *f)
{
	if (r2 < r1)
		return;
	char *quoted = xasprintf("\"%s\"", text);
	lxw_conditional_format cf = { 0 };
	cf.type = LXW_CONDITIONAL_TYPE_CELL;
	cf.criteria = LXW_CONDITIONAL_CRITERIA_EQUAL_TO;
	cf.value_string = quoted;
	cf.format = f;
	chk(x, worksheet_conditional_format_range(ws, r1, c, r2, c, &cf));
	free(quoted);
}

static void cf_verdicts(struct xw *x, lxw_worksheet *ws, lxw_row_t r1, lxw_col_t c, lxw_row_t r2)
{
	for (int v = 0; v < ASP_V_COUNT; v++)
		if (x->cf_verdict[v])
			cf_text(x, ws, r1, c, r2, asp_verdict_name(v), x->cf_verdict[v]);
}

static void cf_severities(struct xw *x, lxw_worksheet *ws, lxw_row_t r1, lxw_col_t c, lxw_row_t r2)
{
	cf_text(x, ws, r1, c, r2, asp_severity_name(ASP_SEV_ERROR), x->cf_error);
	cf_text(x, ws, r1, c, r2, asp_severity_name(ASP_SEV_WARNING), x->cf_warning);
}

static const char *yes_no(bool v)
{
	return v ? "yes" : "no";
}

/* ------------------------------------------------------------ Summary */

struct run_group {
	const struct asp_result *run;
	const struct asp_finding_group *g;
};

static int worst_cmp(const void *a, const void *b)
{
	const struct asp_finding_group *x = ((const struct run_group *)a)->g;
	const struct asp_finding_group *y = ((const struct run_group *)b)->g;
	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	if (x->longest_ns != y->longest_ns)
		return x->longest_ns > y->longest_ns ? -1 : 1;
	return 0;
}

static const char *status_text(int status)
{
	switch (status) {
	case 0: return "clean";
	case 1: return "fails the build";
	default: return "input errors";
	}
}

static void kv_str(struct xw *x, lxw_worksheet *ws, lxw_row_t *r, const char *k, const char *v,
		   lxw_format *f)
{
	put_str(x, ws, *r, 0, k, x->bold);
	put_str(x, ws, *r, 1, v, f);
	(*r)++;
}

static void kv_num(struct xw *x, lxw_worksheet *ws, lxw_row_t *r, const char *k, double v,
		   lxw_format *f)
{
	put_str(x, ws, *r, 0, k, x->bold);
	put_num(x, ws, *r, 1, v, f);
	(*r)++;
}

static char *join_names(char **v, size_t n)
{
	struct asp_buf b = { 0 };
	for (size_t i = 0; i < n; i++)
		asp_buf_printf(&b, "%s%s", i ? ", " : "", v[i]);
	return b.data ? b.data : xstrdup("");
}

/* the rows whose change counts (regressed, then improved), the largest
 * relative change first */
static int changed_cmp(const void *a, const void *b)
{
	const struct asp_cmp_row *x = *(const struct asp_cmp_row *const *)a;
	const struct asp_cmp_row *y = *(const struct asp_cmp_row *const *)b;
	if (x->verdict != y->verdict)
		return x->verdict == ASP_V_REGRESSED ? -1 : 1;
	double dx = fabs(x->rel_change), dy = fabs(y->rel_change);
	if (dx != dy)
		return dx > dy ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void header_row(struct xw *x, lxw_worksheet *ws, lxw_row_t r, const char *const *h,
		       size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (h[i][0])
			put_str(x, ws, r, (lxw_col_t)i, h[i], x->hdr);
}

/* What regressed and improved, first on the sheet: one row each, the
 * change with its interval, both sides' metric and why */
static void summary_changes(struct xw *x, lxw_worksheet *ws, lxw_row_t *rp,
			    const struct asp_comparison *c)
{
	lxw_row_t r = *rp;
	const struct asp_cmp_row **rows = xcalloc(c->nrows ? c->nrows : 1, sizeof(*rows));
	size_t n = 0;
	for (size_t i = 0; i < c->nrows; i++)
		if (c->rows[i].verdict == ASP_V_REGRESSED || c->rows[i].verdict == ASP_V_IMPROVED)
			rows[n++] = &c->rows[i];
	asp_qsort(rows, n, sizeof(*rows), changed_cmp);
	const char *metric = asp_metric_name(c->metric);
	put_str(x, ws, r++, 0, "What changed", x->title);
	if (!n) {
		put_str(x, ws, r++, 0, "nothing regressed or improved beyond the noise", NULL);
	} else {
		char *hb = xasprintf("Base %s (µs)", metric), *hn = xasprintf("New %s (µs)", metric);
		const char *const h[] = { "Verdict", "Future", "Change", "Interval low",
					  "Interval high", hb, hn, "Why" };
		header_row(x, ws, r, h, ASP_ARRAY_SIZE(h));
		free(hb);
		free(hn);
		lxw_row_t first = ++r;
		for (size_t i = 0; i < n; i++, r++) {
			const struct asp_cmp_row *row = rows[i];
			put_str(x, ws, r, 0, asp_verdict_name(row->verdict), NULL);
			put_str(x, ws, r, 1, row->name, NULL);
			put_num(x, ws, r, 2, row->rel_change, x->pct);
			if (row->ratio_lo != 1 || row->ratio_hi != 1) {
				put_num(x, ws, r, 3, row->ratio_lo - 1, x->pct);
				put_num(x, ws, r, 4, row->ratio_hi - 1, x->pct);
			}
			put_us(x, ws, r, 5, row->metric_base);
			put_us(x, ws, r, 6, row->metric_new);
			put_str(x, ws, r, 7, row->reason, NULL);
		}
		cf_verdicts(x, ws, first, 0, r - 1);
	}
	size_t via = c->counts[ASP_V_VIA];
	if (via) {
		put_strf(x, ws, r++, 0, "%zu more %s only through a future %s awaits (Comparison sheet, "
			 "verdict via)", via, via == 1 ? "future grew" : "futures grew",
			 via == 1 ? "it" : "they");
	}
	free(rows);
	*rp = r + 1;
}

/* the worst groups of findings across runs */
static void summary_findings(struct xw *x, lxw_worksheet *ws, lxw_row_t *rp,
			     const struct asp_batch *b)
{
	lxw_row_t r = *rp;
	size_t n = 0;
	for (size_t i = 0; i < b->nruns; i++)
		n += b->runs[i]->ngroups;
	struct run_group *all = xcalloc(n ? n : 1, sizeof(*all));
	n = 0;
	for (size_t i = 0; i < b->nruns; i++)
		for (size_t k = 0; k < b->runs[i]->ngroups; k++)
			all[n++] = (struct run_group){ b->runs[i], &b->runs[i]->groups[k] };
	asp_qsort(all, n, sizeof(*all), worst_cmp);
	put_str(x, ws, r++, 0, "Worst findings (by severity, then the longest poll)", x->title);
	if (!n) {
		put_str(x, ws, r++, 0, "no findings", NULL);
	} else {
		static const char *const h[] = { "Run", "Future", "Severity", "Polls",
						 "Longest (ms)", "Threshold (ms)", "Rule", "Culprit" };
		header_row(x, ws, r, h, ASP_ARRAY_SIZE(h));
		lxw_row_t first = ++r;
		for (size_t i = 0; i < n && i < WORST_FINDINGS; i++, r++) {
			const struct asp_finding_group *g = all[i].g;
			const struct asp_finding *f = &all[i].run->findings[g->worst];
			put_str(x, ws, r, 0, all[i].run->name, NULL);
			put_str(x, ws, r, 1, g->future, NULL);
			put_str(x, ws, r, 2, asp_severity_name(g->severity), NULL);
			put_count(x, ws, r, 3, (double)g->count);
			put_ms(x, ws, r, 4, (double)g->longest_ns);
			put_ms(x, ws, r, 5, (double)f->threshold_ns);
			put_str(x, ws, r, 6, g->rule, NULL);
			char *culprit = asp_finding_culprit(f);
			put_str(x, ws, r, 7, culprit, NULL);
			free(culprit);
		}
		cf_severities(x, ws, first, 2, r - 1);
		if (n > WORST_FINDINGS)
			put_strf(x, ws, r++, 0, "%zu more on the Findings sheet", n - WORST_FINDINGS);
	}
	free(all);
	*rp = r + 1;
}

/* blocking findings of the new runs whose future had none in the base */
static void summary_new_findings(struct xw *x, lxw_worksheet *ws, lxw_row_t *rp,
				 const struct asp_comparison *c)
{
	lxw_row_t r = *rp;
	put_str(x, ws, r++, 0, "Blocking findings new in the new runs", x->title);
	static const char *const h[] = { "Run", "Future", "Severity", "",
					 "Duration (ms)", "Threshold (ms)", "", "Culprit" };
	header_row(x, ws, r, h, ASP_ARRAY_SIZE(h));
	lxw_row_t first = ++r;
	for (size_t i = 0; i < c->nnew_findings; i++, r++) {
		const struct asp_cmp_finding *f = &c->new_findings[i];
		put_str(x, ws, r, 0, f->run, NULL);
		put_str(x, ws, r, 1, f->future, NULL);
		put_str(x, ws, r, 2, asp_severity_name(f->severity), NULL);
		put_ms(x, ws, r, 4, (double)f->duration_ns);
		put_ms(x, ws, r, 5, (double)f->threshold_ns);
		char *culprit = asp_culprit_text(f->culprit, f->culprit_calls, f->culprit_opaque,
						 f->culprit_self, f->no_culprit);
		put_str(x, ws, r, 7, culprit, NULL);
		free(culprit);
	}
	cf_severities(x, ws, first, 2, r - 1);
	*rp = r + 1;
}

/* The Summary sheet leads with the verdict, what regressed and the worst
 * findings; the batch's settings and counts come after. */
static void sheet_summary(struct xw *x, const struct asp_batch *b)
{
	lxw_worksheet *ws = workbook_add_worksheet(x->wb, "Summary");
	if (!ws) {
		chk(x, LXW_ERROR_MEMORY_MALLOC_FAILED);
		return;
	}
	worksheet_set_landscape(ws);
	worksheet_fit_to_pages(ws, 1, 0);
	static const double widths[] = { 22, 54, 12, 13, 13, 15, 15, 60 };
	for (size_t i = 0; i < ASP_ARRAY_SIZE(widths); i++)
		chk(x, worksheet_set_column(ws, (lxw_col_t)i, (lxw_col_t)i, widths[i], NULL));

	lxw_row_t r = 0;
	put_str(x, ws, r, 0, "asprof batch report", x->title);
	r += 2;
	int st = b->status < 0 ? 2 : b->status > 2 ? 2 : b->status;
	kv_str(x, ws, &r, "Status", status_text(b->status), x->status[st]);
	kv_str(x, ws, &r, "Reason", b->status_reason ? b->status_reason : "", NULL);
	r++;

	const struct asp_comparison *c = b->cmp;
	if (c)
		summary_changes(x, ws, &r, c);
	summary_findings(x, ws, &r, b);
	if (c && c->nnew_findings)
		summary_new_findings(x, ws, &r, c);

	put_str(x, ws, r++, 0, "The batch", x->title);
	kv_num(x, ws, &r, "Exit status", b->status, NULL);
	kv_num(x, ws, &r, "Runs analysed", (double)b->nruns, x->count);
	kv_num(x, ws, &r, "Runs skipped", (double)b->nskipped, x->count);
	if (b->rules) {
		kv_str(x, ws, &r, "Rules", b->rules->path ? b->rules->path : "built-in defaults",
		       NULL);
		kv_num(x, ws, &r, "Blocking warning (ms)", (double)b->rules->warning_ns / 1e6, x->ms);
		kv_num(x, ws, &r, "Blocking error (ms)", (double)b->rules->error_ns / 1e6, x->ms);
		kv_num(x, ws, &r, "Slow poll (µs)", (double)b->rules->slow_poll_ns / 1e3, x->us);
	}
	r++;

	put_str(x, ws, r++, 0, "Comparison", x->title);
	if (!c) {
		put_str(x, ws, r++, 0, NO_COMPARISON, NULL);
	} else {
		char *base = join_names(c->base_runs, c->nbase);
		char *new_ = join_names(c->new_runs, c->nnew);
		kv_str(x, ws, &r, "Verdict metric", asp_metric_name(c->metric), NULL);
		kv_str(x, ws, &r, "Base runs", base, NULL);
		kv_str(x, ws, &r, "New runs", new_, NULL);
		free(base);
		free(new_);
		put_str(x, ws, r, 0, "Verdict", x->hdr);
		put_str(x, ws, r++, 1, "Futures", x->hdr);
		lxw_row_t first = r;
		for (int v = 0; v < ASP_V_COUNT; v++) {
			put_str(x, ws, r, 0, asp_verdict_name(v), NULL);
			put_count(x, ws, r++, 1, (double)c->counts[v]);
		}
		cf_verdicts(x, ws, first, 0, r - 1);
		kv_num(x, ws, &r, "New blocking findings", (double)c->nnew_findings, x->count);
		if (c->confidence > 0)
			kv_num(x, ws, &r, "Interval confidence", c->confidence, x->share);
		for (size_t i = 0; i < c->nnotes; i++)
			kv_str(x, ws, &r, "Note", c->notes[i], NULL);
	}
	worksheet_activate(ws);
}

/* ------------------------------------------------------------ Runs */

static const char *base_name(const char *path, char *buf, size_t n)
{
	/* "/a/run/uftrace.data/" -> "run", as the analysis names runs */
	size_t len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	size_t start = len;
	while (start > 0 && path[start - 1] != '/')
		start--;
	if (len - start == 12 && !strncmp(path + start, "uftrace.data", 12) && start > 1) {
		len = start - 1;
		while (len > 1 && path[len - 1] == '/')
			len--;
		start = len;
		while (start > 0 && path[start - 1] != '/')
			start--;
	}
	snprintf(buf, n, "%.*s", (int)(len - start), path + start);
	return buf;
}

#define RUNS_REASON 16 /* the Runs sheet's "Reason / notes" column */

static void sheet_runs(struct xw *x, const struct asp_batch *b)
{
	lxw_worksheet *ws = workbook_add_worksheet(x->wb, "Runs");
	if (!ws) {
		chk(x, LXW_ERROR_MEMORY_MALLOC_FAILED);
		return;
	}
	static const struct col cols[] = {
		{ "Run", 22, false },	       { "Status", 10, false },
		{ "Path", 40, false },	       { "Executable", 30, false },
		{ "Runtime", 11, false },      { "Duration (ms)", 16, false },
		{ "Threads", 9, false },       { "Records", 12, false },
		{ "Tasks", 8, false },	       { "Futures", 9, false },
		{ "Errors", 8, false },	       { "Warnings", 10, false },
		{ "Args recorded", 14, false }, { "Measure", 9, false },
		{ "Task polls preempted", 20, false }, { "Preempted (ms)", 14, false },
		{ "Reason / notes", 50, false },
	};
	table_header(x, ws, 0, cols, ASP_ARRAY_SIZE(cols), b->nruns + b->nskipped);
	lxw_row_t r = 1;
	for (size_t i = 0; i < b->nruns; i++, r++) {
		const struct asp_result *run = b->runs[i];
		size_t errors = 0, warnings = 0;
		for (size_t k = 0; k < run->nfindings; k++) {
			errors += run->findings[k].severity == ASP_SEV_ERROR;
			warnings += run->findings[k].severity == ASP_SEV_WARNING;
		}
		put_str(x, ws, r, 0, run->name, NULL);
		put_str(x, ws, r, 1, "analysed", NULL);
		put_str(x, ws, r, 2, run->path, NULL);
		put_str(x, ws, r, 3, run->exe, NULL);
		put_str(x, ws, r, 4, run->runtime, NULL);
		put_ms(x, ws, r, 5, (double)run->duration_ns);
		put_count(x, ws, r, 6, (double)run->threads);
		put_count(x, ws, r, 7, (double)run->records);
		put_count(x, ws, r, 8, (double)run->ntasks);
		put_count(x, ws, r, 9, (double)run->nfutures);
		put_count(x, ws, r, 10, (double)errors);
		put_count(x, ws, r, 11, (double)warnings);
		put_str(x, ws, r, 12, yes_no(run->args_recorded), NULL);
		/* blocking polls judged on own time, or wall time (no context
		 * switches, or the rules say so); what preemption took */
		put_str(x, ws, r, 13, run->measure_wall ? "wall" : "own", NULL);
		if (run->has_sched) {
			put_count(x, ws, r, 14, (double)run->task_polls_preempted);
			put_ms(x, ws, r, 15, (double)run->task_split.preempted_ns);
		}
		struct asp_buf notes = { 0 };
		for (size_t k = 0; k < run->nnotes; k++)
			asp_buf_printf(&notes, "%s%s", k ? "; " : "", run->notes[k]);
		put_str(x, ws, r, RUNS_REASON, notes.data, NULL);
		asp_buf_free(&notes);
	}
	for (size_t i = 0; i < b->nskipped; i++, r++) {
		char name[256];
		put_str(x, ws, r, 0, base_name(b->skipped[i].path, name, sizeof(name)), NULL);
		put_str(x, ws, r, 1, "skipped", NULL);
		put_str(x, ws, r, 2, b->skipped[i].path, NULL);
		put_str(x, ws, r, RUNS_REASON, b->skipped[i].reason, NULL);
	}
	cf_text(x, ws, 1, 1, r - 1, "skipped", x->cf_warning);
}

/* ------------------------------------------------------------ Futures */

/* own time (on CPU + blocked) and where the polls' time went, the same
 * columns in the Futures and Tasks sheets */
#define OWN_COLS                                                                       \
	{ "Own p50 (µs)", 13, false }, { "Own p90 (µs)", 13, false },                   \
	{ "Own p99 (µs)", 13, false }, { "Own max (µs)", 13, false },                   \
	{ "On CPU (ms)", 13, false }, { "Blocked (ms)", 13, false },                    \
	{ "Preempted (ms)", 14, false }
#define NOWN_COLS 7

/* OWN_COLS from column c on; returns the column after them */
static lxw_col_t put_own(struct xw *x, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c,
			 const struct asp_durations *own, const struct asp_split *split)
{
	struct asp_quantiles q = asp_durations_quantiles(own);
	put_us(x, ws, r, c, (double)q.p50);
	put_us(x, ws, r, c + 1, (double)q.p90);
	put_us(x, ws, r, c + 2, (double)q.p99);
	put_us(x, ws, r, c + 3, (double)q.max);
	put_ms(x, ws, r, c + 4, (double)split->oncpu_ns);
	put_ms(x, ws, r, c + 5, (double)split->blocked_ns);
	put_ms(x, ws, r, c + 6, (double)split->preempted_ns);
	return c + NOWN_COLS;
}

/* waits (scheduled times, first-poll delays): how many, and their p50,
 * p99 and max from column c on, the quantiles left empty without any;
 * returns the column after them */
#define WAIT_COLS(what)                                                                  \
	{ what "s", 15, false }, { what " p50 (µs)", 17, false },                        \
	{ what " p99 (µs)", 17, false }, { what " max (µs)", 17, false }
static lxw_col_t put_waits(struct xw *x, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c,
			   const struct asp_durations *d)
{
	put_count(x, ws, r, c, (double)d->n);
	if (d->n) {
		struct asp_quantiles q = asp_durations_quantiles(d);
		put_us(x, ws, r, c + 1, (double)q.p50);
		put_us(x, ws, r, c + 2, (double)q.p99);
		put_us(x, ws, r, c + 3, (double)q.max);
	}
	return c + 4;
}

static void sheet_futures(struct xw *x, const struct asp_batch *b)
{
	lxw_worksheet *ws = workbook_add_worksheet(x->wb, "Futures");
	if (!ws) {
		chk(x, LXW_ERROR_MEMORY_MALLOC_FAILED);
		return;
	}
	static const struct col cols[] = {
		{ "Run", 20, false },	       { "Future", 60, false },
		{ "Kind", 13, false },	       { "Instances", 10, false },
		{ "Polls", 10, false },	       { "Busy (ms)", 14, false },
		{ "Idle (ms)", 14, false },    { "Min poll (µs)", 13, false },
		{ "p50 poll (µs)", 13, false }, { "p90 poll (µs)", 13, false },
		{ "p99 poll (µs)", 13, false }, { "Max poll (µs)", 13, false },
		{ "Mean poll (µs)", 14, false }, { "Slow polls", 10, false },
		OWN_COLS,
		{ "Tasks", 20, false },
		{ "Self (ms)", 12, false }, { "Task root", 10, false },
		{ "Source", 30, false },
		/* a root's: its tasks' scheduled times and first-poll delays
		 * (docs/scheduling-delay.md) */
		WAIT_COLS("Scheduled wait"), { "Long delays", 11, false },
		WAIT_COLS("First poll"), { "Long first polls", 16, false },
	};
	size_t n = 0;
	for (size_t i = 0; i < b->nruns; i++)
		n += b->runs[i]->nfutures;
	table_header(x, ws, 0, cols, ASP_ARRAY_SIZE(cols), n);
	lxw_row_t r = 1;
	for (size_t i = 0; i < b->nruns; i++) {
		const struct asp_result *run = b->runs[i];
		for (size_t k = 0; k < run->nfutures; k++, r++) {
			const struct asp_future *f = &run->futures[k];
			struct asp_quantiles q = asp_durations_quantiles(&f->poll_ns);
			put_str(x, ws, r, 0, run->name, NULL);
			put_str(x, ws, r, 1, f->name, NULL);
			put_str(x, ws, r, 2, asp_future_kind_name(f->kind), NULL);
			put_count(x, ws, r, 3, (double)f->instances);
			put_count(x, ws, r, 4, (double)f->polls);
			put_ms(x, ws, r, 5, (double)f->busy_ns);
			put_ms(x, ws, r, 6, (double)f->idle_ns);
			put_us(x, ws, r, 7, (double)q.min);
			put_us(x, ws, r, 8, (double)q.p50);
			put_us(x, ws, r, 9, (double)q.p90);
			put_us(x, ws, r, 10, (double)q.p99);
			put_us(x, ws, r, 11, (double)q.max);
			put_us(x, ws, r, 12, q.mean);
			put_count(x, ws, r, 13, (double)f->slow_polls);
			lxw_col_t c = put_own(x, ws, r, 14, &f->own_ns, &f->split);
			struct asp_buf ids = { 0 };
			for (size_t t = 0; t < f->ntask_ids; t++)
				asp_buf_printf(&ids, "%s%u", t ? ", " : "", (unsigned)f->task_ids[t]);
			put_ids(x, ws, r, c, ids.data);
			asp_buf_free(&ids);
			/* own time outside the futures it polls */
			put_ms(x, ws, r, c + 1, (double)f->self_ns);
			put_str(x, ws, r, c + 2, f->is_root ? "yes" : "no", NULL);
			put_str(x, ws, r, c + 3, f->srcline, NULL); /* "file:line", or empty */
			c = put_waits(x, ws, r, c + 4, &f->sched_ns);
			put_count(x, ws, r, c, (double)f->long_delays);
			c = put_waits(x, ws, r, c + 1, &f->first_poll_ns);
			put_count(x, ws, r, c, (double)f->long_first_polls);
		}
	}
}

/* ------------------------------------------------------------ Tasks */

static void sheet_tasks(struct xw *x, const struct asp_batch *b)
{
	lxw_worksheet *ws = workbook_add_worksheet(x->wb, "Tasks");
	if (!ws) {
		chk(x, LXW_ERROR_MEMORY_MALLOC_FAILED);
		return;
	}
	static const struct col cols[] = {
		{ "Run", 20, false },	      { "Task", 7, false },
		{ "Root future", 60, false }, { "Main", 7, false },
		{ "Polls", 10, false },	      { "Busy (ms)", 14, false },
		{ "Idle (ms)", 14, false },   { "First poll (ms)", 16, false },
		{ "End (ms)", 16, false },    { "Slow polls", 10, false },
		OWN_COLS,
		{ "Threads", 24, false },     { "Root source", 30, false },
		/* scheduled time: wake to poll (docs/scheduling-delay.md) */
		WAIT_COLS("Scheduled wait"),
		{ "Waiting for a CPU (ms)", 22, false }, { "Long delays", 11, false },
		/* creation to first poll, when the creation was recorded */
		{ "First-poll delay (µs)", 20, false }, { "Long first poll", 15, false },
	};
	size_t n = 0;
	for (size_t i = 0; i < b->nruns; i++)
		n += b->runs[i]->ntasks;
	table_header(x, ws, 0, cols, ASP_ARRAY_SIZE(cols), n);
	lxw_row_t r = 1;
	for (size_t i = 0; i < b->nruns; i++) {
		const struct asp_result *run = b->runs[i];
		for (size_t k = 0; k < run->ntasks; k++, r++) {
			const struct asp_task *t = &run->tasks[k];
			put_str(x, ws, r, 0, run->name, NULL);
			put_count(x, ws, r, 1, t->id);
			put_str(x, ws, r, 2, t->root, NULL);
			put_str(x, ws, r, 3, yes_no(t->is_main), NULL);
			put_count(x, ws, r, 4, (double)t->polls);
			put_ms(x, ws, r, 5, (double)t->busy_ns);
			put_ms(x, ws, r, 6, (double)t->idle_ns);
			put_ms(x, ws, r, 7, (double)t->first_poll_ns);
			put_ms(x, ws, r, 8, (double)t->end_ns);
			put_count(x, ws, r, 9, (double)t->slow_polls);
			lxw_col_t c = put_own(x, ws, r, 10, &t->own_ns, &t->split);
			struct asp_buf tids = { 0 };
			for (size_t k2 = 0; k2 < t->ntids; k2++)
				asp_buf_printf(&tids, "%s%d", k2 ? ", " : "", t->tids[k2]);
			put_ids(x, ws, r, c, tids.data);
			asp_buf_free(&tids);
			put_str(x, ws, r, c + 1, t->root_srcline, NULL);
			put_waits(x, ws, r, c + 2, &t->sched_ns);
			put_ms(x, ws, r, c + 6, (double)t->sched_cpu_ns);
			put_count(x, ws, r, c + 7, (double)t->long_delays);
			if (t->spawned) {
				put_us(x, ws, r, c + 8, (double)t->first_poll_delay_ns);
				put_str(x, ws, r, c + 9, yes_no(t->long_first_poll), NULL);
			}
		}
	}
}

/* ------------------------------------------------------------ Findings */

/* what the poll was doing and why there is no culprit, as in every writer
 * (report/describe.h): "blocked 24.90 ms (99 %)", "preempted 3.10 ms" */
static void put_doing(struct xw *x, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c,
		      const struct asp_finding *f)
{
	char d[64], p[48];
	put_str(x, ws, r, c, asp_finding_doing(f, d, sizeof(d)), NULL);
	put_str(x, ws, r, c + 1, asp_preempted_text(&f->split, f->duration_ns, p, sizeof(p)), NULL);
}

/* the tasks that waited behind the poll(s) and their mean wait, as
 * numbers; empty cells when none did */
static void put_victims(struct xw *x, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, uint64_t n,
			uint64_t total_ns)
{
	if (!n)
		return;
	put_count(x, ws, r, c, (double)n);
	put_ms(x, ws, r, c + 1, (double)(total_ns / n));
}

/* one row per rule, future and run: the worst poll's doing and culprit */
static void sheet_findings(struct xw *x, const struct asp_batch *b)
{
	lxw_worksheet *ws = workbook_add_worksheet(x->wb, "Findings");
	if (!ws) {
		chk(x, LXW_ERROR_MEMORY_MALLOC_FAILED);
		return;
	}
	static const struct col cols[] = {
		{ "Run", 20, false },		  { "Rule", 15, false },
		{ "Severity", 10, false },	  { "Future", 56, false },
		{ "Count", 8, false },		  { "Longest (ms)", 14, false },
		{ "Total (ms)", 14, false },	  { "Threshold (ms)", 15, false },
		{ "Tasks", 16, false },		  { "What it was doing", 26, false },
		{ "Preempted", 18, false },	  { "Culprit", 40, false },
		{ "Culprit calls", 13, false },	  { "Worst on CPU (ms)", 17, false },
		{ "Worst blocked (ms)", 18, false }, { "Worst preempted (ms)", 20, false },
		{ "Worst duration (ms)", 19, false }, { "Pattern", 16, false },
		{ "Source", 30, false },	  { "Culprit source", 30, false },
		{ "Victims", 9, false },	  { "Victims' mean wait (ms)", 22, false },
	};
	size_t n = 0;
	for (size_t i = 0; i < b->nruns; i++)
		n += b->runs[i]->ngroups;
	table_header(x, ws, 0, cols, ASP_ARRAY_SIZE(cols), n);
	lxw_row_t r = 1;
	for (size_t i = 0; i < b->nruns; i++) {
		const struct asp_result *run = b->runs[i];
		for (size_t k = 0; k < run->ngroups; k++, r++) {
			const struct asp_finding_group *g = &run->groups[k];
			const struct asp_finding *f = &run->findings[g->worst];
			put_str(x, ws, r, 0, run->name, NULL);
			put_str(x, ws, r, 1, g->rule, NULL);
			put_str(x, ws, r, 2, asp_severity_name(g->severity), NULL);
			put_str(x, ws, r, 3, g->future, NULL);
			put_count(x, ws, r, 4, (double)g->count);
			put_ms(x, ws, r, 5, (double)g->longest_ns);
			put_ms(x, ws, r, 6, (double)g->total_ns);
			put_ms(x, ws, r, 7, (double)f->threshold_ns);
			char *tasks = asp_group_tasks_text(g, 0, false);
			put_ids(x, ws, r, 8, tasks);
			free(tasks);
			put_doing(x, ws, r, 9, f);
			char *culprit = asp_finding_culprit(f);
			put_str(x, ws, r, 11, culprit, NULL);
			free(culprit);
			if (f->culprit_calls > 1)
				put_count(x, ws, r, 12, (double)f->culprit_calls);
			put_ms(x, ws, r, 13, (double)f->split.oncpu_ns);
			put_ms(x, ws, r, 14, (double)f->split.blocked_ns);
			put_ms(x, ws, r, 15, (double)f->split.preempted_ns);
			put_ms(x, ws, r, 16, (double)f->duration_ns);
			put_str(x, ws, r, 17, f->pattern, NULL);
			put_str(x, ws, r, 18, g->srcline, NULL);
			put_str(x, ws, r, 19, f->culprit_srcline, NULL);
			put_victims(x, ws, r, 20, g->victims, g->victims_ns);
		}
	}
	cf_severities(x, ws, 1, 2, r - 1);
}

/* every poll's finding, as summary.json lists them */
static void sheet_finding_polls(struct xw *x, const struct asp_batch *b)
{
	lxw_worksheet *ws = workbook_add_worksheet(x->wb, "Finding polls");
	if (!ws) {
		chk(x, LXW_ERROR_MEMORY_MALLOC_FAILED);
		return;
	}
	static const struct col cols[] = {
		{ "Run", 20, false },		 { "Rule", 15, false },
		{ "Severity", 10, false },	 { "Future", 56, false },
		{ "Task", 7, false },		 { "Thread", 9, false },
		{ "Start (ms)", 14, false },	 { "Duration (ms)", 14, false },
		{ "Threshold (ms)", 15, false }, { "Culprit", 40, false },
		{ "Culprit share", 14, false },	 { "Pattern", 16, false },
		{ "Count", 8, false },		 { "Measured (ms)", 14, false },
		{ "On CPU (ms)", 13, false },	 { "Blocked (ms)", 13, false },
		{ "Preempted (ms)", 14, false }, { "What it was doing", 26, false },
		{ "Preempted", 18, false },	 { "Culprit calls", 13, false },
		{ "Source", 30, false },	 { "Culprit source", 30, false },
		{ "Victims", 9, false },	 { "Victims' mean wait (ms)", 22, false },
		{ "Victim tasks", 16, false },
	};
	size_t n = 0;
	for (size_t i = 0; i < b->nruns; i++)
		n += b->runs[i]->nfindings;
	table_header(x, ws, 0, cols, ASP_ARRAY_SIZE(cols), n);
	lxw_row_t r = 1;
	for (size_t i = 0; i < b->nruns; i++) {
		const struct asp_result *run = b->runs[i];
		for (size_t k = 0; k < run->nfindings; k++, r++) {
			const struct asp_finding *f = &run->findings[k];
			put_str(x, ws, r, 0, run->name, NULL);
			put_str(x, ws, r, 1, f->rule, NULL);
			put_str(x, ws, r, 2, asp_severity_name(f->severity), NULL);
			put_str(x, ws, r, 3, f->future, NULL);
			if (f->task)
				put_count(x, ws, r, 4, f->task);
			put_num(x, ws, r, 5, f->tid, NULL);
			put_ms(x, ws, r, 6, (double)f->start_ns);
			put_ms(x, ws, r, 7, (double)f->duration_ns);
			put_ms(x, ws, r, 8, (double)f->threshold_ns);
			char *culprit = asp_finding_culprit(f);
			put_str(x, ws, r, 9, culprit, NULL);
			free(culprit);
			if (f->culprit)
				put_num(x, ws, r, 10, f->culprit_share, x->share);
			put_str(x, ws, r, 11, f->pattern, NULL);
			put_count(x, ws, r, 12, (double)f->count);
			put_ms(x, ws, r, 13, (double)f->measured_ns);
			put_ms(x, ws, r, 14, (double)f->split.oncpu_ns);
			put_ms(x, ws, r, 15, (double)f->split.blocked_ns);
			put_ms(x, ws, r, 16, (double)f->split.preempted_ns);
			put_doing(x, ws, r, 17, f);
			if (f->culprit_calls > 1)
				put_count(x, ws, r, 19, (double)f->culprit_calls);
			put_str(x, ws, r, 20, f->srcline, NULL);
			put_str(x, ws, r, 21, f->culprit_srcline, NULL);
			put_victims(x, ws, r, 22, f->victims, f->victims_ns);
			struct asp_buf ids = { 0 };
			for (size_t v = 0; v < f->nvictim; v++)
				asp_buf_printf(&ids, "%s%" PRIu32, v ? ", " : "", f->victim[v].task);
			if (f->nvictim < f->victims)
				asp_buf_printf(&ids, ", ... (%" PRIu64 " in all)", f->victims);
			if (ids.data)
				put_ids(x, ws, r, 24, ids.data);
			asp_buf_free(&ids);
		}
	}
	cf_severities(x, ws, 1, 2, r - 1);
}

/* ------------------------------------------------------------ Comparison */

static double quantile_of(const struct asp_quantiles *q, int which)
{
	switch (which) {
	case 0: return (double)q->p50;
	case 1: return (double)q->p90;
	case 2: return (double)q->p99;
	default: return (double)q->max;
	}
}

static int chart_cmp(const void *a, const void *b)
{
	const struct asp_cmp_row *x = *(const struct asp_cmp_row *const *)a;
	const struct asp_cmp_row *y = *(const struct asp_cmp_row *const *)b;
	double dx = fabs(x->rel_change), dy = fabs(y->rel_change);
	if (dx != dy)
		return dx > dy ? -1 : 1;
	if (x->is_task != y->is_task)
		return x->is_task ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* the largest changes: a helper table at (r, 0) and a bar chart beside it */
static void comparison_chart(struct xw *x, lxw_worksheet *ws, const struct asp_comparison *c,
			     lxw_row_t r)
{
	const struct asp_cmp_row **rows = xcalloc(c->nrows ? c->nrows : 1, sizeof(*rows));
	size_t n = 0;
	for (size_t i = 0; i < c->nrows; i++) {
		const struct asp_cmp_row *row = &c->rows[i];
		if (row->base.polls && row->new_.polls && row->verdict != ASP_V_IGNORED)
			rows[n++] = row;
	}
	if (!n) {
		free(rows);
		return;
	}
	asp_qsort(rows, n, sizeof(*rows), chart_cmp);
	if (n > CHART_ROWS)
		n = CHART_ROWS;

	const char *metric = asp_metric_name(c->metric);
	char *title = xasprintf("Largest changes by %s (chart data)", metric);
	put_str(x, ws, r++, 0, title, x->bold);
	free(title);
	char *hb = xasprintf("base %s (µs)", metric), *hn = xasprintf("new %s (µs)", metric);
	char *hc = xasprintf("%s change", metric);
	lxw_row_t hdr = r;
	put_str(x, ws, r, 0, "Future / task", x->hdr);
	put_str(x, ws, r, 1, "Task / future", x->hdr);
	put_str(x, ws, r, 2, hb, x->hdr);
	put_str(x, ws, r, 3, hn, x->hdr);
	put_str(x, ws, r, 4, hc, x->hdr);
	free(hb);
	free(hn);
	free(hc);
	r++;
	for (size_t i = 0; i < n; i++, r++) {
		char *s = short_name(rows[i]->name, 40);
		char *label = rows[i]->is_task ? xasprintf("task %s", s) : xstrdup(s);
		put_str(x, ws, r, 0, label, NULL);
		put_str(x, ws, r, 1, rows[i]->is_task ? "task" : "future", NULL);
		put_us(x, ws, r, 2, rows[i]->metric_base);
		put_us(x, ws, r, 3, rows[i]->metric_new);
		put_num(x, ws, r, 4, rows[i]->rel_change, x->pct);
		free(label);
		free(s);
	}
	free(rows);

	lxw_chart *chart = workbook_add_chart(x->wb, LXW_CHART_BAR);
	if (!chart) {
		chk(x, LXW_ERROR_MEMORY_MALLOC_FAILED);
		return;
	}
	lxw_row_t first = hdr + 1, last = (lxw_row_t)(hdr + n);
	for (int s = 0; s < 2; s++) {
		lxw_chart_series *series = chart_add_series(chart, NULL, NULL);
		if (!series) {
			chk(x, LXW_ERROR_MEMORY_MALLOC_FAILED);
			return;
		}
		chart_series_set_categories(series, "Comparison", first, 0, last, 0);
		chart_series_set_values(series, "Comparison", first, (lxw_col_t)(2 + s), last,
					(lxw_col_t)(2 + s));
		chart_series_set_name(series, s ? "new" : "base");
		lxw_chart_fill fill = { .color = s ? 0xC0504D : 0x4F81BD };
		chart_series_set_fill(series, &fill);
	}
	char *ct = xasprintf("%s own poll time, base and new: the %zu %s that changed most", metric,
			     n, n == 1 ? "future" : "futures");
	chart_title_set_name(chart, ct);
	free(ct);
	char *xt = xasprintf("%s poll duration (µs)", metric);
	/* bar charts: x is the horizontal value axis, y the category axis */
	chart_axis_set_name(chart->x_axis, xt);
	free(xt);
	chart_axis_set_name(chart->y_axis, "future / task");
	chart_axis_set_reverse(chart->y_axis); /* largest change at the top */
	chart_legend_set_position(chart, LXW_CHART_LEGEND_BOTTOM);
	lxw_chart_options opt = { .x_offset = 10, .y_offset = 0, .x_scale = 2.0,
				  .y_scale = 1.0 + 0.1 * (double)n };
	chk(x, worksheet_insert_chart_opt(ws, hdr - 1, 6, chart, &opt));
}

static void sheet_comparison(struct xw *x, const struct asp_batch *b)
{
	lxw_worksheet *ws = workbook_add_worksheet(x->wb, "Comparison");
	if (!ws) {
		chk(x, LXW_ERROR_MEMORY_MALLOC_FAILED);
		return;
	}
	const struct asp_comparison *c = b->cmp;
	if (!c) {
		chk(x, worksheet_set_column(ws, 0, 0, 60, NULL));
		put_str(x, ws, 0, 0, NO_COMPARISON, NULL);
		return;
	}
	const char *metric = asp_metric_name(c->metric);
	static const char *const qnames[] = { "p50", "p90", "p99", "max" };
	struct col cols[32];
	char *names[32] = { 0 };
	size_t n = 0;
	cols[n++] = (struct col){ "Name", 56, false };
	cols[n++] = (struct col){ "Task / future", 13, false };
	cols[n++] = (struct col){ "Kind", 13, false };
	for (int q = 0; q < 4; q++)
		for (int s = 0; s < 2; s++) {
			names[n] = xasprintf("%s %s (µs)", s ? "New" : "Base", qnames[q]);
			cols[n] = (struct col){ names[n], 13, !strcmp(metric, qnames[q]) };
			n++;
		}
	for (int s = 0; s < 2; s++) {
		names[n] = xasprintf("%s busy/poll (µs)", s ? "New" : "Base");
		cols[n] = (struct col){ names[n], 18, c->metric == ASP_METRIC_BUSY_PER_POLL };
		n++;
	}
	cols[n++] = (struct col){ "Base polls", 11, false };
	cols[n++] = (struct col){ "New polls", 11, false };
	cols[n++] = (struct col){ "Base idle (ms)", 14, false };
	cols[n++] = (struct col){ "New idle (ms)", 14, false };
	names[n] = xasprintf("%s change (µs)", metric);
	cols[n] = (struct col){ names[n], 15, true };
	n++;
	names[n] = xasprintf("%s change %%", metric);
	cols[n] = (struct col){ names[n], 13, true };
	n++;
	/* the interval of the change at the comparison's confidence */
	names[n] = xasprintf("Change low %%");
	cols[n] = (struct col){ names[n], 13, false };
	n++;
	names[n] = xasprintf("Change high %%");
	cols[n] = (struct col){ names[n], 13, false };
	n++;
	cols[n++] = (struct col){ "Noise %", 10, false };
	cols[n++] = (struct col){ "Noise assumed", 14, false };
	cols[n++] = (struct col){ "Base self/poll (µs)", 18, false };
	cols[n++] = (struct col){ "New self/poll (µs)", 18, false };
	cols[n++] = (struct col){ "Task root", 10, false };
	cols[n++] = (struct col){ "Via", 40, false };
	cols[n++] = (struct col){ "p-value (reference)", 19, false };
	cols[n++] = (struct col){ "Verdict", 11, false };
	cols[n++] = (struct col){ "Reason", 80, false };
	lxw_col_t verdict_col = (lxw_col_t)(n - 2);

	char *base = join_names(c->base_runs, c->nbase);
	char *new_ = join_names(c->new_runs, c->nnew);
	char *head = xasprintf("Verdicts decided by the %s poll duration%s (highlighted columns)"
			       " - base: %s; new: %s",
			       metric,
			       c->metric == ASP_METRIC_MEAN ? " (mean: not in a column)" : "", base,
			       new_);
	put_str(x, ws, 0, 0, head, x->bold);
	free(head);
	free(base);
	free(new_);
	table_header(x, ws, 1, cols, n, c->nrows);
	for (size_t i = 0; i < n; i++)
		free(names[i]);

	lxw_row_t r = 2;
	for (size_t i = 0; i < c->nrows; i++, r++) {
		const struct asp_cmp_row *row = &c->rows[i];
		const struct asp_side *sides[2] = { &row->base, &row->new_ };
		put_str(x, ws, r, 0, row->name, NULL);
		put_str(x, ws, r, 1, row->is_task ? "task" : "future", NULL);
		if (!row->is_task) /* a task row pools roots of any kind */
			put_str(x, ws, r, 2, asp_future_kind_name(row->kind), NULL);
		for (int s = 0; s < 2; s++) {
			const struct asp_side *sd = sides[s];
			if (!sd->polls)
				continue; /* absent on this side: blank, not zero */
			for (int q = 0; q < 4; q++)
				put_us(x, ws, r, (lxw_col_t)(3 + 2 * q + s), quantile_of(&sd->q, q));
			put_us(x, ws, r, (lxw_col_t)(11 + s), sd->busy_per_poll);
		}
		put_count(x, ws, r, 13, (double)row->base.polls);
		put_count(x, ws, r, 14, (double)row->new_.polls);
		put_ms(x, ws, r, 15, (double)row->base.idle_ns);
		put_ms(x, ws, r, 16, (double)row->new_.idle_ns);
		if (row->base.polls && row->new_.polls) {
			put_us(x, ws, r, 17, row->abs_change);
			put_num(x, ws, r, 18, row->rel_change, x->pct);
			if (row->ratio_hi > row->ratio_lo && row->ratio_lo > 0 &&
			    isfinite(row->ratio_hi)) {
				put_num(x, ws, r, 19, row->ratio_lo - 1, x->pct);
				put_num(x, ws, r, 20, row->ratio_hi - 1, x->pct);
			}
			if (isfinite(row->noise) && row->noise > 0)
				put_num(x, ws, r, 21, row->noise, x->pct);
			put_str(x, ws, r, 22, yes_no(row->noise_assumed), NULL);
		}
		for (int s = 0; s < 2; s++)
			if (sides[s]->polls && isfinite(sides[s]->self_per_poll))
				put_us(x, ws, r, (lxw_col_t)(23 + s), sides[s]->self_per_poll);
		put_str(x, ws, r, 25, yes_no(row->is_root), NULL);
		if (row->via)
			put_str(x, ws, r, 26, row->via, NULL);
		if (row->base.polls && row->new_.polls && isfinite(row->p_value))
			put_num(x, ws, r, 27, row->p_value, x->pval);
		put_str(x, ws, r, verdict_col, asp_verdict_name(row->verdict), NULL);
		put_str(x, ws, r, verdict_col + 1, row->reason, NULL);
	}
	cf_verdicts(x, ws, 2, verdict_col, r - 1);
	comparison_chart(x, ws, c, r + 2);
}

/* ------------------------------------------------------------ workbook */

static lxw_format *fmt(struct xw *x)
{
	lxw_format *f = workbook_add_format(x->wb);
	if (!f)
		chk(x, LXW_ERROR_MEMORY_MALLOC_FAILED);
	return f;
}

static lxw_format *fmt_fill(struct xw *x, lxw_color_t bg, lxw_color_t fg)
{
	lxw_format *f = fmt(x);
	if (f) {
		format_set_bg_color(f, bg);
		format_set_font_color(f, fg);
	}
	return f;
}

static lxw_format *fmt_num(struct xw *x, const char *num)
{
	lxw_format *f = fmt(x);
	if (f)
		format_set_num_format(f, num);
	return f;
}

static void make_formats(struct xw *x)
{
	if ((x->title = fmt(x))) {
		format_set_bold(x->title);
		format_set_font_size(x->title, 14);
	}
	if ((x->bold = fmt(x)))
		format_set_bold(x->bold);
	if ((x->hdr = fmt_fill(x, 0xD9E1F2, LXW_COLOR_BLACK))) {
		format_set_bold(x->hdr);
		format_set_bottom(x->hdr, LXW_BORDER_THIN);
	}
	if ((x->hdr_metric = fmt_fill(x, 0xFCE4D6, LXW_COLOR_BLACK))) {
		format_set_bold(x->hdr_metric);
		format_set_bottom(x->hdr_metric, LXW_BORDER_THIN);
	}
	x->ms = fmt_num(x, "#,##0.000 \"ms\"");
	x->us = fmt_num(x, "#,##0.0 \"µs\"");
	x->count = fmt_num(x, "#,##0");
	x->id = fmt_num(x, "0");
	if ((x->text = fmt(x)))
		format_set_indent(x->text, 1);
	x->pct = fmt_num(x, "+0.0%;-0.0%;0.0%");
	x->share = fmt_num(x, "0.0%");
	x->pval = fmt_num(x, "[<0.0001]0.0E+00;0.0000");
	x->cf_verdict[ASP_V_REGRESSED] = fmt_fill(x, 0xFFC7CE, 0x9C0006);
	x->cf_verdict[ASP_V_IMPROVED] = fmt_fill(x, 0xC6EFCE, 0x006100);
	x->cf_verdict[ASP_V_NEW] = fmt_fill(x, 0xDDEBF7, 0x1F4E78);
	x->cf_verdict[ASP_V_GONE] = fmt_fill(x, 0xE7E6E6, 0x595959);
	x->cf_verdict[ASP_V_VIA] = fmt_fill(x, 0xFFF2CC, 0x7F6000);
	x->cf_error = fmt_fill(x, 0xFFC7CE, 0x9C0006);
	x->cf_warning = fmt_fill(x, 0xFFEB9C, 0x9C5700);
	x->status[0] = fmt_fill(x, 0xC6EFCE, 0x006100);
	x->status[1] = fmt_fill(x, 0xFFC7CE, 0x9C0006);
	x->status[2] = fmt_fill(x, 0xFFEB9C, 0x9C5700);
	for (int i = 0; i < 3; i++)
		if (x->status[i])
			format_set_bold(x->status[i]);
}

/* "PATH: libxlsxwriter's reason[: the system's]" without the final period */
static int xlsx_fail(char **err, const char *path, lxw_error e, int sys_errno)
{
	const char *why = lxw_strerror(e);
	size_t n = strlen(why);
	if (n && why[n - 1] == '.')
		n--;
	bool file_error = e == LXW_ERROR_CREATING_XLSX_FILE || e == LXW_ERROR_CREATING_TMPFILE ||
			  e == LXW_ERROR_READING_TMPFILE || e == LXW_ERROR_ZIP_FILE_OPERATION ||
			  e == LXW_ERROR_ZIP_FILE_ADD || e == LXW_ERROR_ZIP_CLOSE;
	if (file_error && sys_errno)
		return asp_fail(err, "%s: %.*s: %s", path, (int)n, why, strerror(sys_errno));
	return asp_fail(err, "%s: %.*s", path, (int)n, why);
}

/* a workbook of the sheets that sheets() adds, written to path */
static int xlsx_write(const char *path, const char *title, void (*sheets)(struct xw *, const void *),
		      const void *ctx, char **err)
{
	FILE *fp;
	struct asp_outfile *out = asp_outfile_open(path, &fp, err);
	if (!out)
		return -1;
	/* libxlsxwriter writes the temporary file by name (truncating it);
	 * the outfile's stream stays empty and commit renames it */
	struct xw x = { 0 };
	lxw_workbook_options wopt = { .constant_memory = LXW_FALSE };
	x.wb = workbook_new_opt(asp_outfile_tmp_path(out), &wopt);
	if (!x.wb) {
		asp_fail(err, "%s: %s", path, lxw_strerror(LXW_ERROR_MEMORY_MALLOC_FAILED));
		asp_outfile_abort(out);
		return -1;
	}
	/* created: a fixed time (libxlsxwriter's zip entries' own, 1980-01-01)
	 * rather than now, so the workbook depends on the runs alone: a batch
	 * merged from summaries analysed apart (docs/scale-out.md), or made
	 * again, is the same file byte for byte */
	lxw_doc_properties props = { .title = (char *)title,
				     .comments = "poll durations of Rust async futures, from uftrace",
				     .created = 315532800 };
	chk(&x, workbook_set_properties(x.wb, &props));
	make_formats(&x);
	if (x.err == LXW_NO_ERROR)
		sheets(&x, ctx);
	/* on a write error libxlsxwriter prints "[ERROR]" lines of its own to
	 * stderr; ours (below) says it in one line, so keep those out */
	fflush(stderr);
	int saved = dup(STDERR_FILENO), null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	bool quiet = saved >= 0 && null >= 0 && dup2(null, STDERR_FILENO) >= 0;
	errno = 0;
	lxw_error close_err = workbook_close(x.wb);
	int close_errno = errno;
	if (quiet) {
		fflush(stderr);
		dup2(saved, STDERR_FILENO);
	}
	if (saved >= 0)
		close(saved);
	if (null >= 0)
		close(null);
	lxw_error e = x.err != LXW_NO_ERROR ? x.err : close_err;
	if (e != LXW_NO_ERROR) {
		xlsx_fail(err, path, e, x.err == LXW_NO_ERROR ? close_errno : 0);
		asp_outfile_abort(out);
		return -1;
	}
	return asp_outfile_commit(out, err);
}

static void batch_sheets(struct xw *x, const void *ctx)
{
	const struct asp_batch *b = ctx;
	sheet_summary(x, b);
	sheet_runs(x, b);
	sheet_futures(x, b);
	sheet_tasks(x, b);
	sheet_findings(x, b);
	sheet_finding_polls(x, b);
	sheet_comparison(x, b);
}

int asp_xlsx_write(const struct asp_batch *b, const char *path, char **err)
{
	return xlsx_write(path, "asprof batch report", batch_sheets, b, err);
}

/* ------------------------------------------------------------ history.xlsx */

/* History: a row per future, a column per night (its label as the
 * header), the metric in µs; the night's run name in the row under */
static void sheet_history(struct xw *x, const struct asp_history *h)
{
	lxw_worksheet *ws = workbook_add_worksheet(x->wb, "History");
	if (!ws) {
		chk(x, LXW_ERROR_MEMORY_MALLOC_FAILED);
		return;
	}
	char *title = xasprintf("%s own poll time per night (µs); change points marked in Changes",
				asp_metric_name(h->metric));
	put_str(x, ws, 0, 0, title, x->title);
	free(title);
	put_str(x, ws, 1, 0, "run", x->bold);
	put_str(x, ws, 1, 1, "", NULL);
	for (size_t n = 0; n < h->nnights; n++)
		put_str(x, ws, 1, (lxw_col_t)(n + 2), h->night[n], NULL);
	lxw_row_t hr = 2;
	struct col *cols = xcalloc(h->nnights + 2, sizeof(*cols));
	cols[0] = (struct col){ "future", 60, false };
	cols[1] = (struct col){ "changes", 9, false };
	for (size_t n = 0; n < h->nnights; n++)
		cols[n + 2] = (struct col){ h->label[n], 14, true };
	table_header(x, ws, hr, cols, h->nnights + 2, h->nfutures);
	free(cols);
	for (size_t i = 0; i < h->nfutures; i++) {
		const struct asp_history_future *f = &h->futures[i];
		lxw_row_t r = (lxw_row_t)(hr + 1 + i);
		put_str(x, ws, r, 0, f->name, NULL);
		put_count(x, ws, r, 1, (double)f->nown);
		for (size_t n = 0; n < h->nnights; n++)
			put_us(x, ws, r, (lxw_col_t)(n + 2), f->metric[n]);
	}
}

/* Changes: a row per change point */
static void sheet_changes(struct xw *x, const struct asp_history *h)
{
	lxw_worksheet *ws = workbook_add_worksheet(x->wb, "Changes");
	if (!ws) {
		chk(x, LXW_ERROR_MEMORY_MALLOC_FAILED);
		return;
	}
	static const struct col cols[] = {
		{ "future", 60, false }, { "night", 7, false },	  { "run", 22, false },
		{ "label", 22, false },	 { "verdict", 11, false }, { "before (µs)", 13, true },
		{ "after (µs)", 13, true }, { "change", 10, false }, { "p-value", 10, false },
		{ "via", 50, false },
	};
	size_t nrows = 0;
	for (size_t i = 0; i < h->nfutures; i++)
		nrows += h->futures[i].nchanges;
	table_header(x, ws, 0, cols, ASP_ARRAY_SIZE(cols), nrows);
	lxw_row_t r = 1;
	for (size_t i = 0; i < h->nfutures; i++)
		for (size_t k = 0; k < h->futures[i].nchanges; k++, r++) {
			const struct asp_history_change *c = &h->futures[i].changes[k];
			put_str(x, ws, r, 0, h->futures[i].name, NULL);
			put_count(x, ws, r, 1, (double)(c->night + 1));
			put_str(x, ws, r, 2, h->night[c->night], NULL);
			put_str(x, ws, r, 3, h->label[c->night], NULL);
			put_str(x, ws, r, 4, asp_verdict_name(c->verdict), NULL);
			put_us(x, ws, r, 5, c->before);
			put_us(x, ws, r, 6, c->after);
			put_num(x, ws, r, 7, c->rel_change, x->pct);
			put_num(x, ws, r, 8, c->p_value, x->pval);
			put_str(x, ws, r, 9, c->via, NULL);
		}
	if (nrows)
		cf_verdicts(x, ws, 1, 4, (lxw_row_t)nrows);
}

static void history_sheets(struct xw *x, const void *ctx)
{
	sheet_history(x, ctx);
	sheet_changes(x, ctx);
}

int asp_history_xlsx_write(const struct asp_history *h, const char *path, char **err)
{
	return xlsx_write(path, "asprof history", history_sheets, h, err);
}
