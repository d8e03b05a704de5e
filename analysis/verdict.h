/* verdict.h - what a batch's runs come to by the rules' fail_on, decided
 * once: the status (pass, fail, error) and its one-line reason, and which
 * findings and comparison rows fail the rules. cmd/ maps the status to the
 * exit status; the batch reports (report/batch.h) show it, junit.xml marks
 * the failing items.
 *
 * Ownership: asp_batch_verdict_judge fills *v with malloc'd members;
 * asp_batch_verdict_free releases them (and leaves *v empty). */
#ifndef ASP_VERDICT_H
#define ASP_VERDICT_H

#include "compare.h"
#include "model.h"
#include "rules.h"

#include <stdbool.h>
#include <stddef.h>

/* the values are the exit statuses the batch reports show */
enum asp_batch_status {
	ASP_BATCH_PASS = 0,  /* nothing fails the rules */
	ASP_BATCH_FAIL = 1,  /* regressions or findings that fail_on names */
	ASP_BATCH_ERROR = 2, /* a run could not be read, or no comparison was possible */
};

/* what is judged */
struct asp_batch_input {
	const struct asp_rules *rules;
	const struct asp_result *const *runs; /* every run read, in the batch's order */
	size_t nruns;
	const bool *judged;  /* per run: its findings count for the status (a baseline
				run's do not); NULL: every run's */
	const struct asp_comparison *cmp;     /* NULL without a baseline */
	size_t nskipped;     /* runs that could not be read */
	bool cmp_missing;    /* a baseline was given, but there is no comparison */
};

struct asp_batch_verdict {
	enum asp_batch_status status;
	char *reason;        /* one line, for index.md, summary.json, report.xlsx */
	size_t regressions;  /* the comparison's regressed rows */
	size_t errors, warnings; /* findings of that severity in the judged runs */
	/* per run of the input, per finding: does it fail the rules (false in
	 * a run that is not judged: junit.xml and index.md list every run's
	 * findings, and mark as failing only what the status counts) */
	bool **finding_fails;
	size_t nruns;
	/* per row of the comparison: a regression that fails the rules */
	bool *row_fails;
	size_t nrows, row_failures;
};

void asp_batch_verdict_judge(const struct asp_batch_input *in, struct asp_batch_verdict *v);
void asp_batch_verdict_free(struct asp_batch_verdict *v);

#endif
