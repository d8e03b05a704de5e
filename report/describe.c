/* describe.c - a finding in words for every text writer (describe.h). */
#include "report/describe.h"
#include "analysis/rules.h"
#include "analysis/util.h"

#include <inttypes.h>
#include <stdio.h>
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
