/* report.h - the per-run report writers. None of them knows the input
 * format: they read struct asp_result and struct asp_span (model.h).
 *
 *   trace.json    Chrome Trace Event Format (chrome.c), streamed as spans arrive
 *   summary.json  schema "asprof-summary/1" (summary.c)
 *   stdout        a short human summary (text.c)
 */
#ifndef ASP_REPORT_H
#define ASP_REPORT_H

#include "analysis/model.h"
#include "analysis/rules.h"

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

/* ---- JSON strings */
/* s as a JSON string (NULL: null), the one way every JSON writer takes text
 * from input: json-c escapes quotes, backslashes and control characters;
 * bytes that are not UTF-8 (a folder name, a path) are written \xNN so the
 * document stays valid UTF-8 (asp_buf_show). */
json_object *asp_json_string(const char *s);

/* ---- summary.json */
/* {min, p50, p90, p99, max, mean} */
json_object *asp_quantiles_json(const struct asp_quantiles *q);
/* The summary of one run as a json-c object (the caller owns it). */
json_object *asp_summary_json(const struct asp_result *r, const struct asp_rules *rules);
/* Writes a json-c object to PATH atomically, pretty-printed; with text, a
 * malloc'd copy of what was written (without the final newline) on success. */
int asp_json_write(const char *path, json_object *obj, char **text, char **err);
/* Writes the run's summary.json; text as asp_json_write (the batch's
 * summary.json embeds it: asp_batch.run_json). */
int asp_summary_write(const char *path, const struct asp_result *r, const struct asp_rules *rules,
		      char **text, char **err);

/* ---- stdout */
/* The runtime, the tasks, the worst findings with their culprits, the top
 * futures by busy time (at most top of each). */
void asp_summary_print(FILE *out, const struct asp_result *r, size_t top);

#endif
