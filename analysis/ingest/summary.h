/* summary.h - a run made again from its summary.json (report/summary.c
 * writes it), without its recording: what a comparison, the batch reports
 * and the charts read of a run (docs/summary-json.md). Spans are not kept
 * in a summary: a run read from one has no trace.json.
 *
 * Everything in the file is untrusted: a member missing, of the wrong type
 * or out of range, a schema of another version, is one line naming the file
 * and what; members the reader does not know are ignored (a newer writer of
 * the same version may add some). */
#ifndef ASP_INGEST_SUMMARY_H
#define ASP_INGEST_SUMMARY_H

#include "analysis/model.h"

#include <stddef.h>

/* the schema summary.json is written with, and the one version read */
#define ASP_SUMMARY_NAME "asprof-summary"
#define ASP_SUMMARY_VERSION 3
#define ASP_SUMMARY_SCHEMA "asprof-summary/3"
/* the batch's summary.json (report/batch.c): its runs are read */
#define ASP_BATCH_NAME "asprof-batch"
#define ASP_BATCH_VERSION 1

/* The summary a RUN argument names, malloc'd: PATH when it is a file named
 * *.json (a summary.json), PATH/summary.json when PATH is a folder
 * holding one and no recording (no `info`: an output folder of asprof-batch,
 * or its runs/NAME/); NULL when PATH is to be read as a recording. */
char *asp_summary_file(const char *path);

/* The runs of FILE: one for a run's summary.json (schema asprof-summary/3),
 * each run of a batch's (asprof-batch/1, whose runs are asprof-summary/3).
 * *runs is malloc'd, each result as asp_analyze() gives it (free with
 * asp_result_free), from_summary set. -1 and *err ("FILE: what") when the
 * file cannot be read or is not such a summary. */
int asp_summary_read(const char *file, struct asp_result ***runs, size_t *nruns, char **err);

#endif
