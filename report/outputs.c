/* outputs.c - the registry of the batch's outputs (outputs.h) and the
 * choice among them. */
#include "report/outputs.h"
#include "analysis/util.h"

#include <stdlib.h>
#include <string.h>

/* in the order they are written: the per-run reports as each run is
 * analysed; summary.json and report.xlsx before the charts are kept (they
 * are kept only once those are written); index.md after the charts, which
 * it shows; report.html draws its own */
const struct asp_output asp_outputs[] = {
	{ "trace", "trace.json", "runs/*/trace.json", ASP_OUTPUT_RUN, NULL },
	{ "run-summary", "summary.json", "runs/*/summary.json", ASP_OUTPUT_RUN, NULL },
	{ "summary", "summary.json", "summary.json", ASP_OUTPUT_BATCH, asp_batch_summary_write },
	{ "xlsx", "report.xlsx", "report.xlsx", ASP_OUTPUT_BATCH, asp_xlsx_write },
	{ "charts", "charts/", "charts/*", ASP_OUTPUT_DRAWN, NULL },
	{ "index", "index.md", "index.md", ASP_OUTPUT_BATCH, asp_markdown_write },
	{ "html", "report.html", "report.html", ASP_OUTPUT_BATCH, asp_html_write },
	{ "junit", "junit.xml", "junit.xml", ASP_OUTPUT_BATCH, asp_junit_write },
};
const size_t asp_noutputs = ASP_ARRAY_SIZE(asp_outputs);

asp_output_set asp_outputs_all(void)
{
	return ((asp_output_set)1 << asp_noutputs) - 1;
}

asp_output_set asp_outputs_in(enum asp_output_scope scope)
{
	asp_output_set set = 0;
	for (size_t i = 0; i < asp_noutputs; i++)
		if (asp_outputs[i].scope == scope)
			set |= (asp_output_set)1 << i;
	return set;
}

/* the output named by s[0..n); "all": every one */
static asp_output_set find(const char *s, size_t n)
{
	if (n == 3 && !memcmp(s, "all", 3))
		return asp_outputs_all();
	for (size_t i = 0; i < asp_noutputs; i++)
		if (strlen(asp_outputs[i].name) == n && !memcmp(asp_outputs[i].name, s, n))
			return (asp_output_set)1 << i;
	return 0;
}

const struct asp_output *asp_output_find(const char *name)
{
	for (size_t i = 0; i < asp_noutputs; i++)
		if (!strcmp(asp_outputs[i].name, name))
			return &asp_outputs[i];
	return NULL;
}

asp_output_set asp_output_bit(const char *name)
{
	return strcmp(name, "all") ? find(name, strlen(name)) : 0;
}

bool asp_output_on(asp_output_set set, const char *name)
{
	return (set & asp_output_bit(name)) != 0;
}

/* "all, trace, run-summary, ...": what a name may be */
static char *known(void)
{
	struct asp_buf b = { 0 };
	asp_buf_append(&b, "all", 3);
	for (size_t i = 0; i < asp_noutputs; i++)
		asp_buf_printf(&b, ", %s", asp_outputs[i].name);
	return b.data;
}

static int unknown(char **err, const char *where, const char *s, size_t n)
{
	char *k = known();
	char *name = xstrndup(s, n);
	char *shown = asp_show(name, ASP_SHOW_CONTROLS);
	asp_fail(err, "%s: unknown output '%s' (expected %s)", where, shown, k);
	free(shown);
	free(name);
	free(k);
	return -1;
}

static int missing(char **err, const char *where)
{
	char *k = known();
	asp_fail(err, "%s: missing value (%s)", where, k);
	free(k);
	return -1;
}

/* "a,b,c" */
static int from_list(const char *list, asp_output_set *set, char **err)
{
	*set = 0;
	for (const char *s = list;; s++) {
		size_t n = strcspn(s, ",");
		asp_output_set bit = find(s, n);
		if (!bit)
			return unknown(err, "--outputs", s, n);
		*set |= bit;
		s += n;
		if (!*s)
			return 0;
	}
}

static int from_rules(const struct asp_rules *r, asp_output_set *set, char **err)
{
	*set = 0;
	for (size_t i = 0; i < r->noutputs; i++) {
		const struct asp_rules_name *w = &r->outputs[i];
		asp_output_set bit = find(w->name, strlen(w->name));
		if (!bit) {
			char *where = xasprintf("%s:%d:%d: outputs", r->path ? r->path : "rules", w->line,
						w->column);
			unknown(err, where, w->name, strlen(w->name));
			free(where);
			return -1;
		}
		*set |= bit;
	}
	if (*set)
		return 0;
	char *where = xasprintf("%s:%d:%d: outputs", r->path ? r->path : "rules", r->outputs_line,
				r->outputs_column);
	missing(err, where);
	free(where);
	return -1;
}

int asp_outputs_choose(const struct asp_rules *rules, const char *list, asp_output_set *set,
		       char **err)
{
	if (list)
		return from_list(list, set, err);
	if (rules && rules->outputs_given)
		return from_rules(rules, set, err);
	*set = asp_outputs_all();
	return 0;
}
