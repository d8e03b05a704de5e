/* model.h - what the analysis of one run produces: tasks, futures, findings,
 * and the poll spans streamed to report writers while it runs.
 *
 * Ownership: a struct asp_result owns every string and array reachable from
 * it; asp_result_free() releases them. Times are nanoseconds relative to the
 * start of the recording (the first session's timestamp) unless named
 * otherwise. */
#ifndef ASP_MODEL_H
#define ASP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "map.h"

enum asp_future_kind {
	ASP_FK_ASYNC_FN,
	ASP_FK_ASYNC_BLOCK,
	ASP_FK_USER_FUTURE, /* hand-written impl Future */
	ASP_FK_COMBINATOR,  /* join!, select!, FuturesUnordered, ... */
};
const char *asp_future_kind_name(enum asp_future_kind k);

enum asp_severity {
	ASP_SEV_NONE = 0,
	ASP_SEV_WARNING = 1,
	ASP_SEV_ERROR = 2,
};
const char *asp_severity_name(enum asp_severity s);

/* Poll durations of one future or task. Every value is kept while there are
 * at most ASP_DUR_EXACT of them: quantiles are exact. Past that, a
 * log-linear histogram takes over: bins 1/128 of an octave wide (exact
 * below 256 ns), so a quantile is within 0.4 % of the true value, and
 * memory is bounded by the bins in use (at most ASP_DUR_BINS), however long
 * the recording. min, max, the count and the sum stay exact either way.
 *
 * Add values, then asp_durations_finish(): readers walk the finished
 * durations in ascending order with asp_durations_nbins()/_bin() (a value
 * per bin when exact). Adding after finish() is allowed (finish() again
 * before reading). */
#define ASP_DUR_EXACT 1024
#define ASP_DUR_SUB_BITS 7
#define ASP_DUR_BINS ((64 - ASP_DUR_SUB_BITS + 1) << ASP_DUR_SUB_BITS)

struct asp_dur_bin {
	uint64_t value; /* an exact duration, or a histogram bin's midpoint
			   (within [min, max]) */
	uint64_t upto;  /* durations in this bin and the bins before it */
};

struct asp_durations {
	uint64_t n;             /* durations added */
	uint64_t min, max, sum; /* exact; sum saturates at UINT64_MAX */
	bool binned;            /* more than ASP_DUR_EXACT: values are bin midpoints */
	bool finished;
	/* exact: the values (sorted once finished) */
	uint64_t *v;
	size_t nv, cap;
	/* binned, once finished: ascending by value */
	struct asp_dur_bin *bins;
	size_t nbins;
	/* binned, while adding: bin index -> count */
	struct asp_u64map hist;
};
void asp_durations_add(struct asp_durations *d, uint64_t ns);
/* add every duration of src (finished) to d */
void asp_durations_merge(struct asp_durations *d, const struct asp_durations *src);
void asp_durations_finish(struct asp_durations *d);
/* d (not initialised) made again, finished, from what the finished
 * durations it was showed: its (value, count) pairs as asp_durations_bin()
 * walks them, ascending, whether it was binned, and its exact min, max and
 * sum (summary.json's histograms): the same quantiles, ranks and bins */
void asp_durations_restore(struct asp_durations *d, const uint64_t *values,
			   const uint64_t *counts, size_t nvalues, bool binned, uint64_t min,
			   uint64_t max, uint64_t sum);
void asp_durations_free(struct asp_durations *d);
/* the histogram bin of a duration (0 .. ASP_DUR_BINS-1), monotonic */
uint32_t asp_dur_bin_of(uint64_t ns);

struct asp_quantiles {
	uint64_t min, p50, p90, p99, max;
	double mean;
};
/* of finished durations; all zero when empty */
struct asp_quantiles asp_durations_quantiles(const struct asp_durations *d);
/* nearest-rank quantile q in [0,1] of finished durations; 0 when empty */
uint64_t asp_durations_quantile(const struct asp_durations *d, double q);
/* the k-th smallest (0-based, k < n) of finished durations */
uint64_t asp_durations_rank(const struct asp_durations *d, uint64_t k);
/* finished durations as ascending (value, count) bins, i < nbins */
size_t asp_durations_nbins(const struct asp_durations *d);
uint64_t asp_durations_bin(const struct asp_durations *d, size_t i, uint64_t *count);

/* Where a poll's wall time went, from the context switches the recording
 * holds (perf-cpu*.dat): on CPU, blocked (switched out voluntarily: sleep,
 * a lock, I/O) and preempted (switched out while still runnable: another
 * process had the CPU). A poll's own time is on CPU + blocked: what the
 * program did; preempted time is the machine's. Without context switches
 * every nanosecond counts as on CPU. */
struct asp_split {
	uint64_t oncpu_ns, blocked_ns, preempted_ns;
};
static inline uint64_t asp_split_own(const struct asp_split *s)
{
	return s->oncpu_ns + s->blocked_ns;
}
static inline void asp_split_add(struct asp_split *to, const struct asp_split *s)
{
	to->oncpu_ns += s->oncpu_ns;
	to->blocked_ns += s->blocked_ns;
	to->preempted_ns += s->preempted_ns;
}

/* what a long poll was doing, by the larger of its on-CPU and blocked time */
enum asp_doing {
	ASP_DOING_UNKNOWN = 0, /* no context switches recorded: wall time only */
	ASP_DOING_CPU,         /* running on the CPU */
	ASP_DOING_BLOCKED,     /* switched out voluntarily */
};
/* "unknown", "on CPU", "blocked" */
const char *asp_doing_name(enum asp_doing d);

struct asp_task {
	uint32_t id;      /* 1.. in order of first poll */
	char *root;       /* the task's outermost future */
	char *root_srcline; /* where it starts, "file:line", or NULL */
	bool is_main;     /* block_on / #[tokio::main] / #[async_std::main] */
	bool has_addr;    /* identified by its recorded self pointer */
	uint64_t addr;
	uint64_t polls, busy_ns, idle_ns, slow_polls;
	uint64_t first_poll_ns, end_ns;
	int *tids;        /* threads it was polled on, ascending */
	size_t ntids;
	struct asp_durations poll_ns; /* wall time of each poll */
	struct asp_durations own_ns;  /* own time (on CPU + blocked) of each poll */
	struct asp_split split;       /* of all its polls */
	/* scheduled time: from a wake of the task to the start of the poll
	 * it caused (docs/scheduling-delay.md); empty when wakes were not
	 * recorded with the task's pointer (asp_result.wakes_recorded) */
	struct asp_durations sched_ns;
	/* of their sum, the time the polling thread waited for a CPU (it was
	 * preempted, or parked and not yet running again): the machine's */
	uint64_t sched_cpu_ns;
	/* waits at least rules' scheduling.long_delay without that time */
	uint64_t long_delays;
	/* its first-poll delay: from its creation to the start of its first
	 * poll, when the creation was recorded (spawned; asp_result.
	 * spawns_recorded), the part its poller waited for a CPU, and whether
	 * it was long (as long_delays counts) */
	bool spawned, long_first_poll;
	uint64_t first_poll_delay_ns, first_poll_cpu_ns;
};

/* a future polled directly inside another's polls (awaited, or polled by
 * a combinator), with the own time of those polls */
struct asp_callee {
	char *name;
	uint64_t polls, own_ns;
};

struct asp_future {
	char *name;       /* demangled, e.g. "tokio_mt::blocking_io::{closure#0}" */
	/* where its poll function starts in the source, "file:line"
	 * ("src/main.rs:42": the line of the async fn, of the block, of the
	 * fn poll), when the recording has source lines (uftrace record
	 * --srcline, a program built with debug info); else NULL */
	char *srcline;
	enum asp_future_kind kind;
	uint32_t *task_ids; /* ascending */
	size_t ntask_ids;
	uint64_t instances, polls, busy_ns, idle_ns, slow_polls;
	struct asp_durations poll_ns; /* wall time of each poll */
	struct asp_durations own_ns;  /* own time (on CPU + blocked) of each poll */
	struct asp_split split;       /* of all its polls */
	uint64_t self_ns; /* own time outside the futures it polls (callees) */
	struct asp_callee *callees; /* by name */
	size_t ncallees;
	bool is_root;     /* some task's root future */
	/* roots: the scheduled times of its tasks, and the long ones */
	struct asp_durations sched_ns;
	uint64_t sched_cpu_ns, long_delays;
	/* roots: the first-poll delays of its tasks (those whose creation was
	 * recorded), and the long ones */
	struct asp_durations first_poll_ns;
	uint64_t long_first_polls;
	/* the argument of its poll taken as self for instances: 0 none
	 * recorded, 1 or 2 (2: a large Poll<T> returned through a hidden
	 * first argument); the evidence for arg1 and for arg2 when its first
	 * three arguments were recorded (docs/self-pointer.md) */
	int self_arg;
	uint64_t self_votes[2];
};

/* a task that waited behind a blocking poll: woken (ready) while the poll
 * held its thread, polled on that thread after it (docs/scheduling-delay.md) */
struct asp_victim {
	uint32_t task;
	char *root;       /* the task's root future */
	uint64_t wait_ns; /* from max(its wake, the poll's start) to min(its
			     poll's start, the poll's end) */
	uint64_t poll_ns; /* when its delayed poll started (its task poll
			     span's start_ns, on the finding's thread) */
};
/* a finding lists at most this many victims (the first ones polled);
 * its count and total wait take all of them */
#define ASP_VICTIMS_LISTED 64

struct asp_finding {
	char *rule;       /* a rule's name (registry.h: "blocking-poll", ...) */
	enum asp_severity severity;
	char *future;     /* innermost future that exceeded its threshold */
	char *srcline;    /* the future's (struct asp_future), or NULL */
	uint32_t task;    /* task id, 0 when outside any task */
	int tid;
	uint64_t start_ns, duration_ns, threshold_ns; /* duration: wall time */
	uint64_t measured_ns; /* what was held against the threshold: own time,
				 or wall time (rules: blocking.measure, or no
				 context switches recorded) */
	struct asp_split split; /* of the poll */
	enum asp_doing doing;   /* blocking-poll: what the poll was doing */
	/* A call path, outermost first, joined by " → " ("calculate_pi →
	 * core::iter::range::Range::next"); NULL when the recording does not
	 * show one (no_culprit says why). Blocked polls: the innermost frame
	 * open when the thread was switched out; on-CPU polls: the path down
	 * to where the time spreads. */
	char *culprit;
	double culprit_share; /* culprit's time / duration, 0..1 */
	uint64_t culprit_calls; /* calls of the path's last function in the
				   poll when more than one, else 0 or 1 */
	bool culprit_self;    /* blocked in the future's own code: an
				 uninstrumented call (sleep, lock or I/O) */
	bool culprit_opaque;  /* blocked in the path's last function, a
				 function of the program, in an uninstrumented
				 call it makes (sleep, lock or I/O) */
	char *culprit_srcline; /* where the path's last function starts, or NULL */
	char *no_culprit;     /* why there is no culprit, or NULL */
	char *pattern;    /* the rules-file pattern that set the threshold, or "default" */
	uint64_t count;   /* self-wake: polls in the run; else 1 */
	/* blocking-poll: the tasks that waited behind this poll, their total
	 * wait, and the first ASP_VICTIMS_LISTED of them in the order polled
	 * (nvictim of them); all zero without recorded wakes */
	uint64_t victims, victims_ns;
	struct asp_victim *victim;
	size_t nvictim;
	/* scheduling-delay: the blocking poll the task waited behind longest
	 * (its future and task; NULL: none, the runtime or the machine held
	 * the thread) and how long of the wait */
	char *behind;
	uint32_t behind_task;
	uint64_t behind_ns;
	/* scheduling-delay: the wait is a first poll's, from the task's
	 * creation (start_ns), not from a wake */
	bool from_spawn;
};

/* Findings of one rule about one future in a run, as one row: findings
 * come grouped in reports (one blocking future polled 60 times is one row
 * of count 60), summary.json keeps each finding too. */
struct asp_finding_group {
	const char *rule, *future; /* the worst finding's */
	const char *srcline;       /* the future's, or NULL */
	enum asp_severity severity; /* the worst */
	uint64_t count;            /* findings (self-wake: their counts' sum is not it) */
	uint64_t total_ns, longest_ns; /* of measured_ns */
	uint32_t *tasks;           /* ascending, 0 (outside any task) included */
	size_t ntasks;
	size_t worst;              /* index in findings of the longest */
	uint64_t victims, victims_ns; /* of its findings (struct asp_finding) */
};

/* How the recorded program ended, from info's exit status and what the
 * recording shows of panics and of the frames left open (analysis/end.c) */
enum asp_end_kind {
	ASP_END_UNKNOWN = 0,  /* info does not say */
	ASP_END_EXITED,       /* exited (no panic seen, or one caught) */
	ASP_END_PANICKED,     /* panicked, then exited with status 101, or
				 aborted with the panic's frames open */
	ASP_END_TRACER_CRASH, /* panicked, then died by a crash signal with the
				 panic's frames still open: most likely uftrace
				 crashed while the panic unwound */
	ASP_END_CRASHED,      /* a crash signal with no panic: the program's own */
	ASP_END_KILLED,       /* SIGTERM, SIGKILL, SIGINT...: from outside */
	ASP_END_CANNOT_TELL,  /* a signal the recording cannot explain */
	ASP_END_CUT,          /* uftrace stopped before the program ended */
};
/* How to record so that a panic unwinds under uftrace, as the run's end
 * (end.c) and record's closing warning both say it */
#define ASP_PANIC_UNWIND_ADVICE                                                          \
	"To let the panic unwind, record with `uftrace record -e` (--estimate-return: " \
	"durations are then estimated) and no -N filter (under -e everything after a "  \
	"filtered function is lost)"
/* "exited", "panicked", "tracer-crashed", "crashed", "killed",
 * "cannot-tell", "cut", "unknown" */
const char *asp_end_kind_name(enum asp_end_kind k);

/* Where the run's first panic started (asp_result.panics > 0), or where a
 * runtime caught one (caught_only: the standard library's panic frames are
 * not in the recording, as in an mcount build) */
struct asp_panic {
	char *function; /* innermost frame of the program below the panic's own, or NULL */
	char *future;   /* innermost future poll, or NULL */
	uint32_t task;  /* its task, 0 outside any */
	int tid;
	uint64_t at_ns; /* relative to the recording's start */
	bool caught_only;
};

/* the thresholds of the rules a run was analysed with, as its summary.json
 * keeps them (none: its "rules" was null) */
struct asp_rules_used {
	bool none;
	char *path;
	uint64_t warning_ns, error_ns, slow_poll_ns, long_delay_ns;
};

struct asp_result {
	char *path;       /* the data directory as given */
	char *name;       /* run name: the directory's basename (parent's if "uftrace.data") */
	char *label;      /* given at analysis time (--label: a commit id), or
			     NULL; a history shows it for the run, else its name */
	char *exe, *runtime;
	bool runtime_forced;
	uint64_t duration_ns, records, data_bytes;
	size_t threads;
	bool args_recorded; /* task poll self pointers were recorded */
	bool from_summary;  /* made again from its summary.json (analysis/ingest/
			       summary.h): no recording, no trace.json */
	/* a run from its summary.json: the rules it was analysed with (its
	 * "rules"), written again as read; NULL: analysed here, or a summary
	 * without them (the batch's rules are written) */
	struct asp_rules_used *rules_used;
	/* wakes of tasks recorded with the task's pointer (the runtime
	 * profiles' `wake` lists): scheduled times are measured */
	bool wakes_recorded;
	uint64_t wakes;          /* wake calls with a pointer */
	/* creations of tasks recorded with the task's pointer (the profiles'
	 * `spawn` lists): first-poll delays are measured */
	bool spawns_recorded;
	uint64_t spawns;
	uint64_t sched_long_ns;  /* the rules' scheduling.long_delay */
	/* how the program ended, from info: "exit status N", "killed by signal
	 * N (Name)", "not recorded to its end (uftrace stopped first)"; NULL
	 * when info does not say */
	char *program_exit;
	enum asp_end_kind end;
	char *end_text;     /* one sentence: how it ended and why that reading */
	char *end_frames;   /* the dying thread's open panic frames, outer to
			       inner, " > " apart (tracer-crashed), or NULL */
	uint64_t panics;    /* panics started (std's panic frames entered) */
	uint64_t panics_caught; /* panics a runtime caught (tokio's JoinError::panic) */
	struct asp_panic panic;  /* the first, when panics or panics_caught */
	uint64_t unfinished_polls; /* future polls still running at the end */
	struct asp_task *tasks;
	size_t ntasks;
	struct asp_future *futures; /* sorted by name */
	size_t nfutures;
	struct asp_finding *findings; /* by severity, then duration, descending */
	size_t nfindings;
	struct asp_finding_group *groups; /* by severity, then longest, descending */
	size_t ngroups;
	/* context switches (perf-cpu*.dat): polls are split (struct asp_split)
	 * when has_sched; preempt_known when the kernel marks preempted
	 * switch-outs (Linux 4.17+), else every switch-out counts as blocked
	 * time and nothing as preempted */
	bool has_sched, preempt_known;
	bool measure_wall;   /* blocking polls judged on wall time */
	uint64_t switches_voluntary, switches_preempted; /* the program's threads' switch-outs */
	uint64_t task_polls; /* polls of tasks (root polls) */
	uint64_t task_polls_preempted; /* of them, polls that lost time to preemption */
	struct asp_split task_split;   /* of all task polls */
	char **notes;     /* caveats, e.g. tasks counted per type */
	size_t nnotes;
};
/* append a note (malloc'd, taken) to the run's notes */
void asp_result_add_note(struct asp_result *r, char *note);
void asp_result_free(struct asp_result *r);
/* a victim of finding f (counted; listed while fewer than
 * ASP_VICTIMS_LISTED are), and its list released */
void asp_finding_add_victim(struct asp_finding *f, uint32_t task, const char *root,
			    uint64_t wait_ns, uint64_t poll_ns);
void asp_finding_free_victims(struct asp_finding *f);
/* r->groups from r->findings (sorted already): called by the analysis */
void asp_result_group_findings(struct asp_result *r);

/* A poll as report writers see it, streamed when the poll returns (so
 * children come before their parents). */
struct asp_span {
	bool is_task_poll; /* the task's root poll; else a nested future poll */
	uint32_t task;     /* 0 outside any task */
	int tid;
	uint64_t start_ns, end_ns;
	const char *name;  /* future name (task polls: the root future) */
	const char *srcline; /* where it starts, "file:line", or NULL */
	enum asp_future_kind kind;
	unsigned level;    /* 0 for the task poll, nesting below it */
	enum asp_severity blocking; /* this poll is a blocking finding */
	const char *culprit;        /* for blocking polls, or NULL */
	struct asp_split split;
	enum asp_doing doing;       /* for blocking polls */
	/* of a woken task poll's wait (below), the part its thread waited for
	 * a CPU (docs/scheduling-delay.md); known when context switches were
	 * recorded */
	bool woken_cpu_known;
	uint64_t woken_cpu_ns;
	/* task polls caused by a recorded wake: when it came (relative) and
	 * on which thread; the wait (woken_ns .. start_ns) is the poll's
	 * scheduled time */
	bool woken;
	uint64_t woken_ns;
	int waker_tid;
	/* a task's first poll, when the task's creation was recorded: when
	 * (relative) and on which thread; spawned_ns .. start_ns is its
	 * first-poll delay */
	bool spawned;
	uint64_t spawned_ns;
	int spawner_tid;
};

/* A time the thread was switched out inside a poll (start_ns..end_ns,
 * relative), streamed when it is seen, that is before the polls that
 * enclose it return. */
struct asp_offcpu {
	int tid;
	uint32_t task;       /* the innermost open poll's task, 0 none */
	uint64_t start_ns, end_ns;
	bool preempted;      /* else blocked (voluntary) */
	const char *where;   /* the innermost frame open then, or NULL */
};

/* span() may hand the span to another thread: the strings it points to
 * stay valid until flush() (may be NULL) returns, which the analysis calls
 * before it releases the recording. */
struct asp_span_sink {
	void *ctx;
	/* before any span (may be NULL): the recorded program's pid (0 when
	 * task.txt does not say) and the tids of its threads that have data,
	 * ascending */
	void (*begin)(void *ctx, int pid, const int *tids, size_t ntids);
	void (*span)(void *ctx, const struct asp_span *s);
	void (*offcpu)(void *ctx, const struct asp_offcpu *o); /* may be NULL */
	void (*flush)(void *ctx);
};

#endif
