/* history.h - a future's own time across nights (runs in the order given)
 * and the nights where it changed (`asprof-batch trend`, docs/history.md).
 *
 * Per future and night, the comparison's per-run metric (compare.metric of
 * the run's own poll times, asp_run_metric). The change points of that
 * series: E-divisive means (Matteson & James 2014; alpha = 1) by binary
 * segmentation: the split of a segment that maximises the energy
 * statistic, kept when a permutation test of the segment gives a p-value
 * at most history.p_value, until none is; segments are at least
 * history.min_nights long. Then a change point stands only when the step
 * between the medians of the segments beside it is at least min_change and
 * min_abs (compare: and its overrides; the weakest one is dropped and the
 * segments merged until every one passes): run-to-run noise is no change.
 * A change whose future's self time did not move while a callee's did (the
 * comparison of the two segments, analysis/compare.h, says via) is the
 * callee's: kept, marked via, not a change of its own.
 *
 * Deterministic: the permutations are drawn from history.seed and the
 * future's name; the same input gives the same history. */
#ifndef ASP_HISTORY_H
#define ASP_HISTORY_H

#include "compare.h"
#include "model.h"
#include "rules.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct asp_history_change {
	size_t night;          /* the first night of the new level */
	double before, after;  /* medians of the segments before and after, ns */
	double rel_change;     /* after / before - 1 */
	double p_value;        /* of the permutation test that found it */
	enum asp_verdict verdict; /* ASP_V_REGRESSED, ASP_V_IMPROVED or ASP_V_VIA */
	char *via;             /* ASP_V_VIA: the awaited future that changed */
};

struct asp_history_future {
	char *name;
	const char *src;       /* borrowed from a night's run: may be NULL */
	double *metric;        /* per night, ns; NAN where it was not polled */
	uint64_t busy_ns;      /* summed over the nights (the top futures) */
	bool ignored;          /* compare.overrides: ignore */
	struct asp_history_change *changes; /* in night order */
	size_t nchanges;
	size_t nown;           /* changes of its own (not via) */
};

struct asp_history {
	size_t nnights;
	char **night;          /* each night's run name */
	char **label;          /* its label, or its name when it has none */
	enum asp_verdict_metric metric;
	struct asp_history_rules params;
	double min_change;
	uint64_t min_abs_ns;
	struct asp_history_future *futures; /* by name */
	size_t nfutures;
	size_t nchanged;       /* futures with a change of their own */
	size_t nregressed;     /* futures whose last change of their own is a regression */
};

/* The history of the nights runs[0..n) (the order given) by rules. */
struct asp_history *asp_history_build(const struct asp_result *const *runs, size_t n,
				      const struct asp_rules *rules);
void asp_history_free(struct asp_history *h);

/* The E-divisive statistic's best split of x[0..n) (each side at least
 * min_size): its index (the first value of the right side) and *q; 0 when
 * n < 2 * min_size. For the unit tests. */
size_t asp_edivisive_split(const double *x, size_t n, size_t min_size, double *q);

#endif
