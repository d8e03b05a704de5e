/* outputs.c - the registry of the batch's outputs (outputs.h). */
#include "report/outputs.h"
#include "analysis/util.h"

#include <stdlib.h>
#include <string.h>

/* in the order they are written: the per-run reports as each run is
 * analysed; summary.json and report.xlsx before the charts are kept (they
 * are kept only once those are written); index.md after the charts, which
 * it shows */
const struct asp_output asp_outputs[] = {
	{ "trace", "trace.json", "runs/*/trace.json", ASP_OUTPUT_RUN, NULL },
	{ "run-summary", "summary.json", "runs/*/summary.json", ASP_OUTPUT_RUN, NULL },
	{ "summary", "summary.json", "summary.json", ASP_OUTPUT_BATCH, asp_batch_summary_write },
	{ "xlsx", "report.xlsx", "report.xlsx", ASP_OUTPUT_BATCH, asp_xlsx_write },
	{ "charts", "charts/", "charts/*", ASP_OUTPUT_DRAWN, NULL },
	{ "index", "index.md", "index.md", ASP_OUTPUT_BATCH, asp_markdown_write },
	{ "junit", "junit.xml", "junit.xml", ASP_OUTPUT_BATCH, asp_junit_write },
};
const size_t asp_noutputs = ASP_ARRAY_SIZE(asp_outputs);

asp_output_set asp_outputs_all(void)
{
	return ((asp_output_set)1 << asp_noutputs) - 1;
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
