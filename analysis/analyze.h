/* analyze.h - the analysis of one recording: attribute every future poll to
 * its task instance, detect blocking polls and other anomalies by the rules,
 * and aggregate per-future and per-task metrics.
 *
 * One pass over the records of all threads in timestamp order; memory grows
 * with the number of polls (exact quantiles), not with the number of records. */
#ifndef ASP_ANALYZE_H
#define ASP_ANALYZE_H

#include "model.h"
#include "rules.h"
#include "ingest/ingest.h"

struct asp_analyze_opts {
	const struct asp_rules *rules;    /* required */
	const char *runtime;              /* forced profile name; NULL: rules->runtime */
	const char *name;                 /* the run's name (runname.h); NULL: asp_run_name(dir) */
	const struct asp_span_sink *sink; /* may be NULL */
	asp_warn_fn warn;                 /* NULL: stderr */
	void *warn_ctx;
};

/* Analyse the data directory dir. NULL and *err ("FILE: reason") when the
 * recording cannot be read. The caller frees the result (asp_result_free). */
struct asp_result *asp_analyze(const char *dir, const struct asp_analyze_opts *opts, char **err);

#endif
