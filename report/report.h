/* report.h - the per-run report writers. None of them knows the input
 * format: they read struct asp_result and struct asp_span (model.h).
 *
 *   trace.json    Chrome Trace Event Format (chrome.c), streamed as spans arrive
 *   summary.json  schema "asprof-summary/3" (summary.c; read back: analysis/ingest/summary.h)
 *   stdout        a short human summary (text.c)
 */
#ifndef ASP_REPORT_H
#define ASP_REPORT_H

#include "analysis/compare.h"
#include "analysis/model.h"
#include "analysis/rules.h"
#include "report/json.h"

#include <json-c/json.h>
#include <stdio.h>

/* ---- trace.json */
struct asp_chrome;
/* Starts PATH (atomically, see outfile.h). */
struct asp_chrome *asp_chrome_open(const char *path, char **err);
/* The sink to hand to the analysis; spans are written as they arrive. */
struct asp_span_sink asp_chrome_sink(struct asp_chrome *c);
/* Writes the metadata (process/thread/task names) and commits the file.
 * Frees c. -1 and *err on a write error. */
int asp_chrome_finish(struct asp_chrome *c, const struct asp_result *r, char **err);
/* Drops the temporary file. Frees c; NULL is a no-op. */
void asp_chrome_abort(struct asp_chrome *c);

/* ---- summary.json */
/* {min, p50, p90, p99, max, mean} */
json_object *asp_quantiles_json(const struct asp_quantiles *q);
/* The summary of one run as a json-c object (the caller owns it). */
json_object *asp_summary_json(const struct asp_result *r, const struct asp_rules *rules);
/* Writes the run's summary.json; text as asp_json_write (the batch's
 * summary.json embeds it: asp_batch.run_json). */
int asp_summary_write(const char *path, const struct asp_result *r, const struct asp_rules *rules,
		      char **text, char **err);

/* ---- stdout */
/* The runtime, the tasks, the findings grouped per rule and future (what
 * the worst poll was doing, its culprit), the top futures by busy time (at
 * most top of each); own time beside wall time when the run has context
 * switches. */
void asp_summary_print(FILE *out, const struct asp_result *r, size_t top);

/* The comparison, after the runs: the counts by verdict, its notes, each
 * regression and improvement (at most top) with its change and interval,
 * self time and noise (report/describe.h's words), the rows that grew only
 * through one of them under it ("via CALLEE: CALLER, CALLER"), those whose
 * callee is not shown on lines of their own, and the new blocking
 * findings. Names shown as every writer shows text (asp_show). */
void asp_comparison_print(FILE *out, const struct asp_comparison *c, size_t top);

#endif
