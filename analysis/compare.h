/* compare.h - regression comparison of two sides (one run or a group of
 * runs each), per future: the verdict metric (rules: compare.metric, the
 * median by default) of each run's own poll times (on CPU + blocked:
 * preemption left out; wall time without context switches), the ratio
 * new/base of the sides' geometric means with an interval, and a verdict
 * by the rules file's `compare` policy. A run is the unit of replication:
 * with two runs a side or more, the interval is Welch's t over the runs'
 * log metrics (what the runs of a side show among themselves); with one
 * run on a side, that run-to-run noise cannot be measured: a bootstrap of
 * its polls, widened by the rules' single_run_noise (said in the
 * comparison's notes).
 *
 * A future that is also a task's root is one row (is_root). A future whose
 * time grew only because a future it awaits grew (its self time did not
 * change) is not a regression of its own: verdict ASP_V_VIA, via naming the
 * callee that did.
 *
 * Deterministic: rows are sorted by name, the bootstrap's random numbers
 * are seeded by the row's name, the same inputs give the same output.
 * Ownership: struct asp_comparison owns everything reachable. */
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
	ASP_V_VIA,      /* grew only through an awaited future (row.via) */
	ASP_V_COUNT,
};
const char *asp_verdict_name(enum asp_verdict v);

/* one side of one row: pooled over the side's runs */
struct asp_side {
	size_t runs;          /* runs in which the future appears */
	uint64_t polls, busy_ns, idle_ns;
	uint64_t own_ns, self_ns; /* sums: own time, and own time outside the
				     futures it awaits */
	double busy_per_poll; /* ns */
	double self_per_poll; /* ns */
	struct asp_quantiles q; /* of d */
	struct asp_durations d; /* pooled own poll durations (wall without
				   context switches), sorted */
	double *run_metric;   /* per run of the side (the comparison's
				 base_runs / new_runs order): the verdict
				 metric of that run's polls, NAN where the
				 future was not polled */
};

struct asp_cmp_row {
	char *name;
	bool is_task;         /* always false: a task's root is its future's row */
	bool is_root;         /* the future is a task's root (in either side) */
	enum asp_future_kind kind;
	struct asp_side base, new_;
	double metric_base, metric_new; /* the verdict metric, ns: geometric
					   mean over the side's runs */
	double abs_change;    /* new - base, ns */
	double rel_change;    /* new / base - 1; 0 when base is 0 */
	double ratio_lo, ratio_hi; /* the interval of new / base at the
				      comparison's confidence (1, 1: none) */
	double noise;         /* run-to-run noise allowed for, relative (0.12:
				 runs of a side differ by up to 12 %) */
	bool noise_assumed;   /* a side has one run: noise is the rules'
				 single_run_noise, not measured */
	double p_value;       /* two-sided Mann-Whitney U of the pooled polls,
				   for reference only: it does not decide */
	enum asp_verdict verdict;
	char *via;            /* ASP_V_VIA: the awaited future that grew */
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
	bool culprit_self, culprit_opaque;
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
	double confidence;    /* of the intervals: 1 - rules' compare.alpha */
	char **notes;         /* caveats: one run a side, manglings differ... */
	size_t nnotes;
};

/* Compare the runs of base against the runs of new by rules->compare. */
struct asp_comparison *asp_compare(const struct asp_result *const *base, size_t nbase,
				   const struct asp_result *const *new_, size_t nnew,
				   const struct asp_rules *rules);
void asp_comparison_free(struct asp_comparison *c);

const char *asp_metric_name(enum asp_verdict_metric m);

/* The verdict metric m of one run's future: of its own poll times (on CPU +
 * blocked; its wall times when it has no split), or busy_per_poll. What
 * each run of a side gets (asp_side.run_metric), and each night of a
 * history (analysis/history.h). */
double asp_run_metric(const struct asp_future *f, enum asp_verdict_metric m);

/* Two-sided Mann-Whitney U test (normal approximation with tie correction
 * and continuity correction; exact enough for n >= 8 per side) of finished
 * durations. When either side is binned (see struct asp_durations), both
 * are compared by histogram bin, durations in one bin counting as ties.
 * Returns the p-value; *u gets U of x. */
double asp_mann_whitney(const struct asp_durations *x, const struct asp_durations *y, double *u);

#endif
