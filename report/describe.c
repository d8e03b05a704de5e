/* describe.c - a finding in words for every text writer (describe.h). */
#include "report/describe.h"
#include "analysis/rules.h"
#include "analysis/util.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned percent_of(uint64_t part, uint64_t whole)
{
	if (!whole)
		return 0;
	if (part >= whole)
		return 100;
	return (unsigned)((double)part * 100.0 / (double)whole);
}

const char *asp_doing_text(enum asp_doing doing, const struct asp_split *split, uint64_t wall_ns,
			   char *buf, size_t n)
{
	uint64_t part;
	switch (doing) {
	case ASP_DOING_CPU: part = split->oncpu_ns; break;
	case ASP_DOING_BLOCKED: part = split->blocked_ns; break;
	default:
		if (n)
			buf[0] = '\0';
		return NULL;
	}
	char d[32];
	snprintf(buf, n, "%s %s (%u %%)", asp_doing_name(doing),
		 asp_format_duration(part, d, sizeof(d)), percent_of(part, wall_ns));
	return buf;
}

const char *asp_preempted_text(const struct asp_split *split, uint64_t wall_ns, char *buf, size_t n)
{
	if (n)
		buf[0] = '\0';
	if (!split->preempted_ns || split->preempted_ns < wall_ns / 10)
		return NULL;
	char d[32];
	snprintf(buf, n, "preempted %s", asp_format_duration(split->preempted_ns, d, sizeof(d)));
	return buf;
}

const char *asp_poll_text(enum asp_doing doing, const struct asp_split *split, uint64_t wall_ns,
			  char *buf, size_t n)
{
	char d[64], p[48];
	bool did = asp_doing_text(doing, split, wall_ns, d, sizeof(d)) != NULL;
	bool pre = asp_preempted_text(split, wall_ns, p, sizeof(p)) != NULL;
	snprintf(buf, n, "%s%s%s", did ? d : "", did && pre ? ", " : "", pre ? p : "");
	return did || pre ? buf : NULL;
}

const char *asp_calls_text(uint64_t calls, bool opaque, char *buf, size_t n)
{
	if (opaque)
		snprintf(buf, n, ", in an uninstrumented call (sleep, lock or I/O)");
	else if (calls > 1)
		snprintf(buf, n, ", %" PRIu64 " calls", calls);
	else if (n)
		buf[0] = '\0';
	return buf;
}

const char *asp_no_culprit_text(const char *culprit, bool self, const char *no_culprit,
				char **owned)
{
	*owned = NULL;
	if (self)
		return ASP_CULPRIT_SELF_TEXT;
	if (!culprit && no_culprit)
		return *owned = xasprintf("no culprit: %s", no_culprit);
	return NULL;
}

char *asp_culprit_text(const char *culprit, uint64_t calls, bool opaque, bool self,
		       const char *no_culprit)
{
	char *owned;
	const char *instead = asp_no_culprit_text(culprit, self, no_culprit, &owned);
	if (instead)
		return owned ? owned : xstrdup(instead);
	if (!culprit)
		return NULL;
	char c[64];
	return xasprintf("%s%s", culprit, asp_calls_text(calls, opaque, c, sizeof(c)));
}

/* "N tasks waited behind WHAT, MEAN on average" */
static void victims_words(struct asp_buf *b, uint64_t n, uint64_t total, const char *what)
{
	char d[32];
	asp_buf_printf(b, "%" PRIu64 " task%s waited behind %s, %s on average", n,
		       n == 1 ? "" : "s", what, asp_format_duration(total / n, d, sizeof(d)));
}

char *asp_finding_waits_text(const struct asp_finding *f)
{
	struct asp_buf b = { 0 };
	char d[32], e[32];
	if (f->rule && !strcmp(f->rule, asp_rule_table[ASP_RULE_SCHED_DELAY].name)) {
		asp_buf_printf(&b, "waited %s from its %s",
			       asp_format_duration(f->duration_ns, d, sizeof(d)),
			       f->from_spawn ? "spawn to its first poll" : "wake");
		if (f->behind)
			asp_buf_printf(&b, ", %s of it behind the poll of %s (task %" PRIu32 ")",
				       asp_format_duration(f->behind_ns, e, sizeof(e)), f->behind,
				       f->behind_task);
		else
			asp_buf_printf(&b, "; no poll of the program held the thread (the runtime "
					   "or the machine)");
		return b.data;
	}
	if (!f->victims)
		return NULL;
	asp_buf_printf(&b, "held thread %d for %s; ", f->tid,
		       asp_format_duration(f->duration_ns, d, sizeof(d)));
	victims_words(&b, f->victims, f->victims_ns, "it");
	return b.data;
}

char *asp_group_waits_text(const struct asp_finding_group *g, const struct asp_finding *w)
{
	if (g->count == 1 || !g->victims)
		return asp_finding_waits_text(w);
	struct asp_buf b = { 0 };
	victims_words(&b, g->victims, g->victims_ns, "these polls");
	return b.data;
}

char *asp_finding_summary(const struct asp_finding *f)
{
	struct asp_buf b = { 0 };
	char what[128];
	if (asp_poll_text(f->doing, &f->split, f->duration_ns, what, sizeof(what)))
		asp_buf_printf(&b, "%s", what);
	char *culprit = asp_finding_culprit(f);
	if (culprit)
		asp_buf_printf(&b, "%s%s%s", b.len ? "; " : "",
			       f->culprit && !f->culprit_self ? "culprit " : "", culprit);
	free(culprit);
	char *victims = asp_finding_waits_text(f);
	if (victims)
		asp_buf_printf(&b, "%s%s", b.len ? "; " : "", victims);
	free(victims);
	return b.data ? b.data : xstrdup("");
}

char *asp_group_tasks_text(const struct asp_finding_group *g, size_t max, bool words)
{
	struct asp_buf b = { 0 };
	bool outside = g->ntasks && !g->tasks[0]; /* ascending: 0 first */
	size_t first = outside, ids = g->ntasks - first;
	size_t n = max && max < ids ? max : ids;
	if (words && ids)
		asp_buf_printf(&b, "%s", ids == 1 ? "task " : "tasks ");
	for (size_t i = 0; i < n; i++)
		asp_buf_printf(&b, "%s%" PRIu32, i ? ", " : "", g->tasks[first + i]);
	if (n < ids)
		asp_buf_printf(&b, ", ... (%zu in all)", ids);
	if (outside)
		asp_buf_printf(&b, "%soutside tasks", ids ? ", " : "");
	return b.data ? b.data : xstrdup("");
}

bool asp_group_has(const struct asp_finding_group *g, const struct asp_finding *f)
{
	return f->rule && !strcmp(f->rule, g->rule) && !strcmp(f->future ? f->future : "", g->future);
}

bool asp_group_fails(const bool *fails, const struct asp_result *r,
		     const struct asp_finding_group *g)
{
	for (size_t i = 0; fails && i < r->nfindings; i++)
		if (fails[i] && asp_group_has(g, &r->findings[i]))
			return true;
	return false;
}

int asp_future_busy_cmp(const void *a, const void *b)
{
	const struct asp_future *x = *(const struct asp_future *const *)a;
	const struct asp_future *y = *(const struct asp_future *const *)b;
	if (x->busy_ns != y->busy_ns)
		return x->busy_ns > y->busy_ns ? -1 : 1;
	return strcmp(x->name, y->name);
}

void asp_markup_text(FILE *fp, const char *s, unsigned flags)
{
	char *t = asp_show(s ? s : "", flags);
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

void asp_url_segment(FILE *fp, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~", *p))
			fputc(*p, fp);
		else
			fprintf(fp, "%%%02X", *p);
	}
}

const char *asp_percent_text(double rel, char *buf, size_t n)
{
	double pct = rel * 100.0;
	if (!isfinite(pct))
		snprintf(buf, n, "%s", isnan(pct) ? "n/a" : pct > 0 ? "+inf %" : "-inf %");
	else if (fabs(pct) < 9.95)
		snprintf(buf, n, "%+.1f %%", pct);
	else
		snprintf(buf, n, "%+.0f %%", pct);
	return buf;
}

const char *asp_change_text(const struct asp_cmp_row *r, char *buf, size_t n)
{
	char c[32], lo[32], hi[32];
	asp_percent_text(r->rel_change, c, sizeof(c));
	bool interval = isfinite(r->ratio_lo) && isfinite(r->ratio_hi) && r->ratio_lo > 0 &&
			r->ratio_hi > r->ratio_lo;
	if (!interval)
		snprintf(buf, n, "%s", c);
	else
		snprintf(buf, n, "%s [%s, %s]", c, asp_percent_text(r->ratio_lo - 1, lo, sizeof(lo)),
			 asp_percent_text(r->ratio_hi - 1, hi, sizeof(hi)));
	return buf;
}

const char *asp_self_text(const struct asp_cmp_row *r, char *buf, size_t n)
{
	char b[32], a[32];
	const struct asp_side *side[2] = { &r->base, &r->new_ };
	char *out[2] = { b, a };
	const char *text[2];
	for (int s = 0; s < 2; s++) {
		double v = side[s]->self_per_poll;
		text[s] = side[s]->polls && isfinite(v) && v >= 0
				  ? asp_format_duration((uint64_t)v, out[s], sizeof(b))
				  : "—";
	}
	snprintf(buf, n, "%s → %s", text[0], text[1]);
	return buf;
}

const char *asp_noise_text(const struct asp_cmp_row *r, char *buf, size_t n)
{
	if (!(r->noise > 0) || !isfinite(r->noise))
		snprintf(buf, n, "%s", "");
	else
		snprintf(buf, n, "±%.0f %%%s", r->noise * 100.0,
			 r->noise_assumed ? " (assumed: one run a side)" : "");
	return buf;
}

char *asp_change_summary(enum asp_verdict_metric metric, const struct asp_cmp_row *r)
{
	char b1[32], b2[32], ch[96], self[80], noise[64];
	asp_noise_text(r, noise, sizeof(noise));
	return xasprintf("%s %s -> %s, %s; self per poll %s%s%s", asp_metric_name(metric),
			 asp_format_duration((uint64_t)r->metric_base, b1, sizeof(b1)),
			 asp_format_duration((uint64_t)r->metric_new, b2, sizeof(b2)),
			 asp_change_text(r, ch, sizeof(ch)), asp_self_text(r, self, sizeof(self)),
			 *noise ? "; noise " : "", noise);
}

size_t asp_cmp_callers(const struct asp_comparison *c, size_t callee, size_t *out, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < c->nrows; i++) {
		const struct asp_cmp_row *r = &c->rows[i];
		if (i == callee || r->verdict != ASP_V_VIA || !r->via ||
		    strcmp(r->via, c->rows[callee].name))
			continue;
		if (k < max)
			out[k] = i;
		k++;
	}
	return k;
}

size_t asp_cmp_row_named(const struct asp_comparison *c, const char *name)
{
	for (size_t i = 0; name && i < c->nrows; i++)
		if (!strcmp(c->rows[i].name, name))
			return i;
	return SIZE_MAX;
}

bool asp_cmp_via_orphan(const struct asp_comparison *c, size_t row)
{
	const struct asp_cmp_row *r = &c->rows[row];
	if (r->verdict != ASP_V_VIA)
		return false;
	size_t callee = asp_cmp_row_named(c, r->via);
	return callee == SIZE_MAX || callee == row || !asp_cmp_shown(c->rows[callee].verdict);
}

const char *asp_run_side(const struct asp_comparison *c, const char *run)
{
	for (size_t i = 0; c && i < c->nbase; i++)
		if (!strcmp(c->base_runs[i], run))
			return "base";
	for (size_t i = 0; c && i < c->nnew; i++)
		if (!strcmp(c->new_runs[i], run))
			return "new";
	return NULL;
}

bool asp_group_is_new(const struct asp_comparison *c, const struct asp_result *const *runs,
		      size_t nruns, const char *run, const struct asp_finding_group *g)
{
	const struct asp_rule *rule = asp_rule_named(g->rule);
	const char *side = asp_run_side(c, run);
	if (!rule || !rule->per_poll || !side || strcmp(side, "new"))
		return false;
	for (size_t r = 0; r < nruns; r++) {
		const char *s = asp_run_side(c, runs[r]->name);
		for (size_t i = 0; s && !strcmp(s, "base") && i < runs[r]->ngroups; i++)
			if (!strcmp(runs[r]->groups[i].rule, g->rule) &&
			    !strcmp(runs[r]->groups[i].future, g->future))
				return false;
	}
	return true;
}

const char *asp_duration_text(uint64_t ns, char *buf, size_t n)
{
	asp_format_duration(ns, buf, n);
	size_t len = strlen(buf);
	if (len > 3 && !strcmp(buf + len - 3, " us") && len + 2 < n)
		memcpy(buf + len - 2, "\u00b5s", sizeof("\u00b5s"));
	return buf;
}

char *asp_micro_text(const char *s)
{
	struct asp_buf b = { 0 };
	asp_buf_append(&b, "", 0);
	for (const char *p = s; *p; p++) {
		bool letter_after = (p[2] | 0x20) >= 'a' && (p[2] | 0x20) <= 'z';
		if (p[0] == 'u' && p[1] == 's' && p > s + 1 && p[-1] == ' ' && p[-2] >= '0' &&
		    p[-2] <= '9' && !letter_after && !(p[2] >= '0' && p[2] <= '9')) {
			asp_buf_append(&b, "\u00b5s", strlen("\u00b5s"));
			p++;
			continue;
		}
		asp_buf_append(&b, p, 1);
	}
	return b.data;
}
