/* rules.h - the rules file (YAML, read with libyaml) and the runtime
 * profiles that say which symbols are task polls, future polls, combinators
 * and runtime plumbing.
 *
 * Built-in profiles come from configs/runtimes.yaml, compiled in; a rules
 * file's `runtimes:` section (or a file given with --runtimes) adds profiles
 * or replaces a built-in one of the same name.
 *
 * Errors: every function that reads YAML reports "FILE:LINE:COLUMN: message"
 * through *err and returns NULL/-1. Ownership: struct asp_rules owns all it
 * points to; asp_rules_free(NULL) is a no-op. */
#ifndef ASP_RULES_H
#define ASP_RULES_H

#include "model.h"
#include "registry.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* glob patterns (fnmatch, no flags) over demangled names; the lists of
 * record (struct asp_record_profile) hold regexes and names in it */
struct asp_patterns {
	char **v;
	size_t n;
};
bool asp_patterns_match(const struct asp_patterns *p, const char *name);

/* what `asprof-batch record` needs of a runtime (a profile's `record:`):
 * POSIX extended regexes as uftrace's -A and -N take them, over MANGLED v0
 * names (_R...) and over uftrace's own demangling of legacy ones */
struct asp_record_profile {
	struct asp_patterns crates;           /* crates whose symbols reveal the runtime */
	struct asp_patterns task_poll_v0;     /* its task poll: -A REGEX@arg1 */
	struct asp_patterns task_poll_legacy;
	struct asp_patterns wake_v0;          /* its wakes of a task: -A REGEX@arg1, the
						 pointer the task poll receives */
	struct asp_patterns wake_legacy;
	struct asp_patterns spawn_v0;         /* creates a task: -R REGEX@retval, the
						 pointer its task poll and wakes receive */
	struct asp_patterns spawn_legacy;
	struct asp_patterns notrace_v0;       /* -N: its helpers that never poll; "@PATH" is
						 a v0 path anchored on the function's own */
	struct asp_patterns notrace_legacy;
	struct asp_patterns yields_to;        /* profile names: with --runtime auto, not
						 recorded when one of them is found */
};

struct asp_profile {
	char *name;                     /* "tokio", "async-std", "smol", ... */
	struct asp_patterns detect;     /* any symbol matching: this runtime is in use */
	struct asp_patterns task_poll;  /* a spawned task's poll (innermost wins) */
	struct asp_patterns block_on;   /* polls the main task */
	struct asp_patterns not_task;   /* task-poll matches that are not async tasks
					   (spawn_blocking, the worker loop) */
	struct asp_patterns task_done;  /* called inside a task poll when the task completes */
	struct asp_patterns wake;       /* wakes a task: its arg1 is the task's pointer, the
					   task poll's arg1 (docs/scheduling-delay.md) */
	struct asp_patterns spawn;      /* creates a task: returns that pointer */
	struct asp_patterns task_run;   /* runs one task around its task poll, with
					   that pointer in arg1 when the task poll
					   receives another (async-std) */
	struct asp_patterns combinator; /* future polls that are combinators */
	struct asp_patterns plumbing;   /* runtime internals: never user futures */
	struct asp_record_profile record; /* for `record` (empty: not recordable) */
};

/* a per-pattern override of the blocking-poll thresholds */
struct asp_override {
	char *match;        /* glob on future (or task root) names */
	bool ignore;
	bool has_warning, has_error;
	uint64_t warning_ns, error_ns;
	enum asp_severity severity; /* ASP_SEV_NONE: by thresholds */
	int line, column;   /* where it is in the rules file */
};

enum asp_verdict_metric { ASP_METRIC_P50, ASP_METRIC_P90, ASP_METRIC_P99, ASP_METRIC_MAX,
			  ASP_METRIC_MEAN, ASP_METRIC_BUSY_PER_POLL };

/* how `diff` decides regressed / improved / unchanged (issue: compare) */
struct asp_compare_override {
	char *match;
	bool ignore;
	bool has_min_change, has_min_abs;
	double min_change;   /* relative, 0.10 = 10 % */
	uint64_t min_abs_ns;
};

struct asp_compare_rules {
	enum asp_verdict_metric metric;
	double min_change;   /* default 0.10 */
	uint64_t min_abs_ns; /* default 20 us */
	double alpha;        /* default 0.01: intervals at 99 % confidence */
	double single_run_noise; /* default 0.30: run-to-run noise assumed
				    for a side of one run */
	uint32_t bootstrap;  /* resamples, default 2000 */
	struct asp_compare_override *overrides;
	size_t noverrides;
};

/* how `trend` finds the nights where a future changed (analysis/history.h):
 * E-divisive means with binary segmentation; a change point stands when
 * its permutation test's p-value is at most p_value and the step between
 * the medians of the segments beside it is at least compare.min_change and
 * compare.min_abs */
struct asp_history_rules {
	uint32_t permutations; /* of the permutation test, default 999 */
	double p_value;        /* significance, default 0.10 */
	uint32_t min_nights;   /* nights in a segment at least, default 2 */
	uint64_t seed;         /* of the permutations, default 1 */
};

/* a name of a list as the rules file wrote it, with its place: the names
 * of `outputs:` are the report layer's (report/outputs.c), which checks
 * them and points at the place when one is unknown */
struct asp_rules_name {
	char *name;
	int line, column;
};

enum asp_fail_on { ASP_FAIL_NEVER, ASP_FAIL_WARNING, ASP_FAIL_ERROR, ASP_FAIL_REGRESSION };

struct asp_rules {
	char *path;                 /* NULL for the built-in defaults */
	char *runtime;              /* "auto" or a profile name */
	uint64_t warning_ns;        /* default blocking thresholds: 10 ms */
	uint64_t error_ns;          /* 100 ms */
	bool measure_wall;          /* blocking.measure: wall (default own: on CPU
				       + blocked, preempted time left out) */
	uint64_t slow_poll_ns;      /* 50 us */
	bool rule_on[ASP_RULES_MAX]; /* by registry index (registry.h): the rule
					runs (default: every rule) */
	uint64_t self_wake_min_polls; /* default 50 */
	uint64_t self_wake_max_gap_ns; /* default 200 us */
	uint64_t sched_long_ns;     /* scheduling.long_delay: a task's scheduled
				       time counted as long, default 1 ms */
	enum asp_severity sched_severity; /* scheduling.severity: of the
					     scheduling-delay rule's findings */
	struct asp_override *overrides;
	size_t noverrides;
	struct asp_compare_rules compare;
	struct asp_history_rules history;
	/* what makes the exit status 1: bit set of (1 << ASP_FAIL_*) */
	unsigned fail_on;
	struct asp_profile *profiles;
	size_t nprofiles;
	/* `outputs:`, the reports to write, as given (outputs_given false:
	 * not in the file, every one); outputs_line/column: its value */
	bool outputs_given;
	struct asp_rules_name *outputs;
	size_t noutputs;
	int outputs_line, outputs_column;
	/* record's -N filters of no runtime (the runtimes file's top-level
	 * `record:`): the standard library and crates that never poll */
	struct asp_patterns record_notrace_v0, record_notrace_legacy;
};

/* The defaults plus the built-in profiles. */
struct asp_rules *asp_rules_default(void);
/* Read a rules file over the defaults. NULL and *err = "FILE:L:C: msg". */
struct asp_rules *asp_rules_load(const char *path, char **err);
/* Add or replace profiles from a runtimes file (configs/runtimes.yaml's
 * shape: its `runtimes:` list and `record:` filters). */
int asp_rules_load_runtimes(struct asp_rules *r, const char *path, char **err);
void asp_rules_free(struct asp_rules *r);

/* Which rules run (the command line's --rules): list is rule names of the
 * registry separated by commas, exactly the rules that run; "all" for
 * every rule, "" for none. -1 and *err on an unknown name. */
int asp_rules_select(struct asp_rules *r, const char *list, char **err);

const struct asp_profile *asp_rules_profile(const struct asp_rules *r, const char *name);

/* The override that applies to a future name (first match in file order),
 * or NULL for the defaults. */
const struct asp_override *asp_rules_override(const struct asp_rules *r, const char *name);
const struct asp_compare_override *asp_rules_compare_override(const struct asp_rules *r,
							      const char *name);

/* "250us", "10ms", "1.5s", "2m", "800ns", "0" -> ns. -1 on a bad or
 * overflowing value. */
int asp_parse_duration(const char *s, uint64_t *ns);
/* "10%" or "0.1" -> 0.10. -1 when bad or negative. */
int asp_parse_ratio(const char *s, double *v);
/* ns -> "1.50 ms" style, into buf */
const char *asp_format_duration(uint64_t ns, char *buf, size_t n);

#endif
