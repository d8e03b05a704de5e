/* compare.h - regression comparison of two sides (one run or a group of
 * runs each): per future and per task root, poll-duration quantiles, busy
 * per poll, polls, idle; a Mann-Whitney U test on the pooled poll durations;
 * and a verdict by the rules file's `compare` policy.
 *
 * Deterministic: rows are sorted by name, the same inputs give the same
 * output. Ownership: struct asp_comparison owns everything reachable. */
#ifndef ASP_COMPARE_H
#define ASP_COMPARE_H

#include "model.h"
#include "rules.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum asp_verdict {
	ASP_V_UNCHANGED,
	ASP_V_REGRESSED,
	ASP_V_IMPROVED,
	ASP_V_NEW,
	ASP_V_GONE,
	ASP_V_IGNORED,
	ASP_V_COUNT,
};
const char *asp_verdict_name(enum asp_verdict v);

/* one side of one row: pooled over the side's runs */
struct asp_side {
	size_t runs;          /* runs in which the future appears */
	uint64_t polls, busy_ns, idle_ns;
	double busy_per_poll; /* ns */
	struct asp_quantiles q;
	struct asp_durations d; /* pooled poll durations, sorted */
};

struct asp_cmp_row {
	char *name;
	bool is_task;         /* a task root's polls (else a future's) */
	enum asp_future_kind kind;
	struct asp_side base, new_;
	double metric_base, metric_new; /* the verdict metric, ns */
	double abs_change;    /* new - base, ns */
	double rel_change;    /* (new - base) / base; 0 when base is 0 */
	double p_value;       /* two-sided Mann-Whitney U; 1 when not testable */
	enum asp_verdict verdict;
	char *reason;         /* one sentence: what changed and by how much */
};

/* a blocking finding of NEW whose future had none in BASE */
struct asp_cmp_finding {
	char *future;
	char *run;            /* the NEW run it is in */
	enum asp_severity severity;
	uint64_t duration_ns, threshold_ns;
	char *culprit;        /* may be NULL */
	/* the rest as in struct asp_finding (model.h) */
	uint64_t measured_ns;
	struct asp_split split;
	enum asp_doing doing;
	uint64_t culprit_calls;
	bool culprit_self;
	char *no_culprit;     /* may be NULL */
};

struct asp_comparison {
	char **base_runs, **new_runs; /* run names */
	size_t nbase, nnew;
	enum asp_verdict_metric metric;
	struct asp_cmp_row *rows;     /* futures first, then tasks; each by name */
	size_t nrows;
	struct asp_cmp_finding *new_findings;
	size_t nnew_findings;
	size_t counts[ASP_V_COUNT];
};

/* Compare the runs of base against the runs of new by rules->compare. */
struct asp_comparison *asp_compare(const struct asp_result *const *base, size_t nbase,
				   const struct asp_result *const *new_, size_t nnew,
				   const struct asp_rules *rules);
void asp_comparison_free(struct asp_comparison *c);

const char *asp_metric_name(enum asp_verdict_metric m);

/* Two-sided Mann-Whitney U test (normal approximation with tie correction
 * and continuity correction; exact enough for n >= 8 per side) of finished
 * durations. When either side is binned (see struct asp_durations), both
 * are compared by histogram bin, durations in one bin counting as ties.
 * Returns the p-value; *u gets U of x. */
double asp_mann_whitney(const struct asp_durations *x, const struct asp_durations *y, double *u);

#endif
