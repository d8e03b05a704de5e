/* analyzer.h - the analyzer's private state, shared by its stages (not a
 * public interface: only analysis/analyze.c and the stage files include it).
 *
 * The driver (analyze.c) consumes the records and keeps each thread's
 * stack of frames; it calls the stages as frames open and close:
 * - attribute (attribute.c): the class of every symbol, which frames are
 *   task contexts, task roots and future polls, and their future and task
 *   instances (attribute_enter, on the entry of a frame that is not plain);
 * - detect (detect/detect.c): on each poll exit the blocking-poll rule
 *   (detect_poll) and the state the lints need (detect_task_poll); at the
 *   end the lints of the registry (detect/<rule>.c) and the order of the
 *   findings (detect_finish);
 * - aggregate (aggregate.c): on each poll exit the per-future and per-task
 *   metrics (aggregate_poll, aggregate_task_poll); at the end the result
 *   (aggregate_result). */
#ifndef ASP_ANALYZER_H
#define ASP_ANALYZER_H

#include "analyze.h"
#include "culprit.h"
#include "map.h"
#include "registry.h"
#include "util.h"

#include <stddef.h>
#include <string.h>

enum cls {
	CL_UNKNOWN = 0,
	CL_OTHER,         /* plain function */
	CL_PLUMBING,      /* runtime internals */
	CL_POLL_PLUMBING, /* Future::poll of a runtime type (Pin<&mut F>, Sleep, ...) */
	CL_TASK_POLL,
	CL_NOT_TASK,
	CL_BLOCK_ON,
	CL_TASK_DONE,
	CL_USER_FUTURE,
	CL_COMBINATOR,
	CL_CLOSURE,       /* a user closure: maybe an async body */
	CL_INTO_FUTURE,
	CL_PANIC,         /* a panic starts (std's panic frames), or a runtime
			     catches one: plain otherwise (end.c) */
	CL_WAKE,          /* wakes a task (a profile's `wake` list) */
	CL_SPAWN,         /* creates a task, returns its pointer (`spawn`) */
	CL_TASK_RUN,      /* runs a task around its task poll, given the
			     pointer of its wakes (`task_run`: async-std) */
};

struct symclass {
	uint8_t cls;
	int8_t profile;     /* profile of task_poll/block_on/not_task, -1 */
	bool coroutine;     /* seen awaited: an async body */
	int32_t fut;        /* future index (name), -1 until first polled */
	uint64_t calls;     /* entries: async fn constructors and into_future
			       calls count future instances */
	const struct asp_symbol *sym;
};

/* Where a future's poll was when its thread was switched out voluntarily:
 * the call open right below the future and the innermost open call (both
 * NULL: in the future's own code, an uninstrumented call), and how long. */
struct blocked_at {
	const struct asp_symbol *outer, *inner;
	uint64_t sum;
	uint32_t n;
};
#define BLOCKED_SLOTS 2
#define IDLE_SLOTS 16
#define BLOCKING_SLOTS 8

/* A frame is zero up to kids when pushed; kids[0..nkids) are in use. The
 * fields before nkids are the ones every entry sets: init_plain() zeroes only
 * the rest (64 bytes at most: a few stores, not a rep stos) */
struct frame {
	const struct asp_symbol *sym;
	uint64_t start;
	uint16_t depth;
	uint8_t cls;
	int8_t profile;
	bool kids_used;   /* frame_culprit() reads its kids: it is a future or
			     a plain call below one (note_child skips others) */
	int prev_ctx;     /* index of the enclosing context frame, -1 */
	int fut_parent;   /* index of the nearest enclosing future frame, -1 */
	int ctx_root;     /* for contexts: index of the active root frame, -1 */
	uint32_t task;    /* task index + 1, 0 = none */

	uint8_t nkids;
	bool is_future, is_root, blocked_below, into_future_seen;
	bool is_ctx, ctx_main, ctx_has_arg, has_fut_arg;
	bool has_cx_args; /* future frames: fut_arg2 and fut_arg3 recorded */
	const struct asp_symbol *last_call; /* future frames: the plain callee
					       that returned last (a constructor?) */
	int ctx_block_on; /* task polls directly under a block_on: its index, -1 */
	int ctx_encl_fut; /* task polls: the future frame enclosing it, -1 */
	int32_t main_fut; /* block_on contexts: the main future's index, -1 */
	int32_t fut;      /* future index for future frames */
	unsigned level;
	uint64_t arg, fut_arg;
	struct child_agg kids[CULPRIT_SLOTS];
	/* future frames only (set when one becomes a future): its time off
	 * the CPU so far, and where it blocked */
	uint64_t off_blk, off_pre;
	uint64_t child_own; /* own time of the futures polled inside this poll */
	/* future frames with has_cx_args: arg2 and arg3 of the poll (self and
	 * cx, or cx and garbage: which, the votes of its future tell) */
	uint64_t fut_arg2, fut_arg3;
	uint8_t nbs;
	struct blocked_at bs[BLOCKED_SLOTS];
	/* task poll contexts (set on entry): the wake that made this poll
	 * (time 0: none), on which thread, and the task whose root it polls */
	uint64_t ctx_woken;
	uint64_t ctx_woken_cpu; /* of the wait, this thread waited for a CPU */
	int ctx_waker_tid;
	uint32_t ctx_task;
	/* task poll contexts: the pointer the task's wakes and its spawn
	 * give (its own arg1, or that of the frame running the task around
	 * it, ctx_run: async-std's SupportTaskLocals::poll inside async-task's
	 * RawTask::run), and when the task's poll started (that frame's
	 * start); the task's creation when this is its first poll (0: none) */
	uint64_t ctx_wake_ptr, ctx_poll_start;
	int ctx_run;
	uint64_t ctx_spawned;
	int ctx_spawner_tid;
};
#define FRAME_ZERO_FROM offsetof(struct frame, nkids)
#define FRAME_ZERO_SIZE (offsetof(struct frame, kids) - FRAME_ZERO_FROM)
_Static_assert(FRAME_ZERO_SIZE <= 64, "init_plain zeroes this per record: keep it small");

struct thread_state {
	int tid;
	bool main_thread; /* the process's first thread: its block_on runs main */
	struct frame *st;
	size_t n, cap;
	int ctx;          /* innermost context frame index, -1 */
	uint64_t last_time;
	uint64_t lost;
	uint32_t last_root_task; /* the task whose root poll returned last here */
	uint64_t root_polls;     /* root polls that returned on this thread */
	/* its switch-outs (asp_trace_switches): sw[swi] is the next one to
	 * take; next_sw its time when the records drive them (else
	 * UINT64_MAX: the folding readers' SWITCH items do) */
	const struct asp_switch *sw;
	size_t nsw, swi;
	uint64_t next_sw;
	/* its last times off the CPU that were the machine's, not the
	 * program's: preempted, or switched out outside any poll (parked,
	 * then waiting for a CPU once woken); a ring, for the part of a
	 * task's scheduled time its poller spent waiting for a CPU */
	struct { uint64_t from, to; } idle[IDLE_SLOTS];
	uint32_t nidle;   /* intervals added; idle[nidle % IDLE_SLOTS] is next */
	/* its last blocking polls (blocking-poll findings: the poll's
	 * interval and the finding's index in analyzer.findings, stable until
	 * detect_finish sorts them), a ring: a task polled here later that
	 * was ready while one of them held the thread waited behind it */
	struct { uint64_t from, to; size_t finding; } blk[BLOCKING_SLOTS];
	uint32_t nblk;    /* polls added; blk[nblk % BLOCKING_SLOTS] is next */
};

/* what one poll did, for a finding about it: where its time went and
 * its culprits (culprit_path of its callees; the largest blocked_at) */
struct poll_facts {
	int tid;
	uint32_t task;
	uint64_t start, dur;
	struct asp_split split;
	const struct asp_symbol *cpu_outer, *cpu_inner;
	uint64_t cpu_dur, cpu_calls;
	struct blocked_at blk; /* sum 0: never blocked */
};

/* a long scheduled wait (detect/scheduling-delay.c): its wake, the start
 * of the poll it caused, its time waiting for a CPU, the polling thread,
 * and the blocking poll it waited behind longest (its finding's index in
 * analyzer.findings, SIZE_MAX none) and how long */
struct long_wait {
	uint64_t woken, start, cpu;
	bool first;   /* a first poll: woken is the task's creation */
	int tid;
	size_t behind;
	uint64_t behind_ns;
};

struct task_acc {
	uint32_t root_fut;
	bool is_main, done, has_addr;
	uint64_t addr;
	uint64_t polls, busy, idle, slow;
	uint64_t first_start, last_end;
	bool started;
	int *tids;
	size_t ntids;
	struct asp_durations d, own;
	bool own_apart;
	struct asp_split split;
	/* self-wake's runs (detect/self-wake.c): polls on the same thread with no other task polled
	 * there in between and at most max_gap idle */
	uint64_t run, run_start, best_run, best_run_start;
	uint64_t last_thread_polls; /* the thread's root_polls after our last poll */
	/* the last poll, for never-yielded */
	struct poll_facts last;
	/* scheduled times (wake to poll), their time waiting for a CPU,
	 * and the long ones */
	struct asp_durations sched;
	uint64_t sched_cpu, sched_long;
	/* its first-poll delay (creation to first poll), when its creation
	 * was recorded; the part its poller waited for a CPU; a long one */
	bool spawned, first_long;
	uint64_t first_delay, first_cpu;
	/* its first poll's start when its creation was not seen yet (another
	 * worker polled it before the spawn returned), and the polling
	 * thread's index in analyzer.th: spawn_leave's */
	uint64_t first_unmatched;
	uint32_t first_th;
	/* the long ones, for the scheduling-delay rule when it runs */
	struct long_wait *lw;
	size_t nlw;
};

/* a future polled inside another's polls, by future index */
struct callee_acc {
	int32_t fut;
	uint64_t polls, own;
};

struct fut_acc {
	enum asp_future_kind kind;
	const char *srcline; /* of the symbol first polled as it (the trace's), or NULL */
	uint32_t *tasks;  /* sorted */
	size_t ntasks;
	uint64_t *has_task; /* bit per task id: in tasks (a test per poll) */
	size_t nhas;        /* words */
	uint64_t instances, polls, busy, idle, slow;
	/* which argument is self (docs/self-pointer.md): the evidence for arg1
	 * and for arg2 (self_votes[0], [1]), and the instances and idle time
	 * counted with arg2 as self, taken at the end when arg2 wins */
	uint64_t self_votes[2];
	uint64_t instances2, idle2;
	uint8_t nargs;          /* 0, 1 or 3: its self candidates recorded */
	struct asp_durations d, own;
	bool own_apart;         /* own differs from d (add_own in aggregate.c) */
	struct asp_split split;
	uint64_t self;          /* own time outside its callees */
	bool is_root;
	struct callee_acc *callees;
	size_t ncallees;
	/* asp_rules_override() of the name, looked up once */
	const struct asp_override *ovr;
	bool ovr_known;
};

/* what the recording shows of the program's end (end.c) */
struct end_state {
	uint64_t panics, caught;
	bool has_first, first_caught_only;
	const struct asp_symbol *first_fn; /* innermost program frame at the panic */
	int32_t first_fut;                 /* innermost future poll, -1 */
	uint32_t first_task;
	int first_tid;
	uint64_t first_time;
	/* the thread that died (a panic frame open, else the last to record),
	 * taken before the open frames are closed */
	bool dying_known, died_panicking;
	int dying_tid;
	const struct asp_symbol *inner, *prog; /* innermost open frame, innermost program frame */
	int32_t dying_fut;
	uint32_t dying_task;
	char *panic_frames;
};

struct analyzer {
	struct asp_trace *t;
	const struct asp_rules *rules;
	const struct asp_span_sink *sink;
	int forced;        /* profile index or -1 (all) */
	struct symclass *sc;
	size_t nsc;
	struct thread_state *th;
	size_t nth;
	struct task_acc *tasks;
	size_t ntasks, ctasks;
	struct asp_u64map task_by_addr;
	struct asp_strtab task_names;   /* "main\x1fROOT" or ROOT -> index+1 via task_by_name */
	struct asp_u64map task_by_name;
	struct asp_strtab fut_names;
	/* the culprits handed to the span sink: its strings must outlive the
	 * findings (dropped or moved before the sink's flush) */
	struct asp_strtab span_culprits;
	struct fut_acc *futs;
	size_t cfuts;
	struct asp_u64map inst_last_end; /* instance key -> last poll end + 1 */
	struct asp_u64map inst2_last_end; /* the same, keyed with arg2 as self */
	uint64_t *profile_hits;  /* roots owned by each profile's contexts */
	uint64_t *detect_hits;   /* distinct symbols matching each profile's detect */
	uint64_t *other_polls;   /* runtime forced: distinct symbols that are task
				    polls of each other profile */
	struct asp_finding *findings;
	size_t nfindings, cfindings;
	uint64_t start, last_time, records;
	bool args_recorded;
	uint64_t lost_total;
	uint64_t unfinished; /* future polls still running at the recording's end */
	/* context switches (asp_trace_has_sched); polls judged on wall time */
	bool sched, preempt_known, measure_wall;
	bool sw_items;   /* the folding readers' SWITCH items drive the switches */
	uint64_t sw_vol, sw_pre;         /* switch-outs of the program's threads */
	uint64_t task_polls, task_polls_pre;
	struct asp_split task_split;
	uint64_t excused;  /* polls over the warning on wall time, not on own */
	uint64_t busy_polls; /* reported on wall time: busy (poll_busy) */
	uint64_t behind_ns;  /* waits on threads that were preempted */
	struct end_state end;
	/* wakes (attribute.c, wake_enter): task pointer -> the time of the
	 * first wake since its last poll, its thread in the entry's aux */
	struct asp_u64map wake_at;
	bool wake_args;      /* a wake with its task pointer was recorded */
	uint64_t wakes;
	/* creations of a task (attribute.c, spawn_leave): task pointer ->
	 * when (its thread in aux), until the task's first poll takes it */
	struct asp_u64map spawn_at;
	bool spawn_rets;     /* a creation with its task pointer was recorded */
	uint64_t spawns;
};

struct thresholds {
	bool ignore;
	uint64_t warning, error;
	enum asp_severity forced;
	const char *pattern;
};

/* ---------------------------------------------------------------- attribute */

uint8_t classify_name(struct analyzer *a, const char *n, int8_t *profile);
__attribute__((noinline)) struct symclass *symclass_new(struct analyzer *a,
							 const struct asp_symbol *sym);
/* the class of sym, decided on its first record */
static inline struct symclass *symclass(struct analyzer *a, const struct asp_symbol *sym)
{
	if (__builtin_expect(sym->id < a->nsc && a->sc[sym->id].cls != CL_UNKNOWN, 1))
		return &a->sc[sym->id];
	return symclass_new(a, sym);
}

/* ev: the entry record when it carries arguments, else NULL */
__attribute__((noinline)) void attribute_enter(struct analyzer *a, struct thread_state *ts,
					       const struct asp_symbol *sym, uint64_t time,
					       uint16_t depth, const struct asp_event *ev,
					       struct symclass *c);

/* a task poll context (frame f) returns at end: a wake of its task that
 * came during the poll waits from end on; its task done, none waits */
void wake_ctx_leave(struct analyzer *a, const struct frame *f, uint64_t end);
/* an exit record with a return value (ev): the creation of a task, when
 * the frame it closes is a spawn, gives the task's pointer */
void spawn_leave(struct analyzer *a, const struct thread_state *ts, const struct asp_event *ev);

/* ---------------------------------------------------------------- frames */

__attribute__((noinline)) void grow_stack(struct thread_state *ts);

/* a new frame, all zero but kids (nkids says) */
static inline struct frame *push(struct thread_state *ts)
{
	if (ts->n == ts->cap)
		grow_stack(ts);
	struct frame *f = &ts->st[ts->n++];
	memset(f, 0, offsetof(struct frame, kids));
	return f;
}

/* ---------------------------------------------------------------- detect */

/* the poll of future frame f returned (pf): a blocking-poll finding when
 * its own time (or wall time: measure_wall) is over its threshold (its
 * severity, else ASP_SEV_NONE), *fd the finding; marks the enclosing
 * future as explained */
enum asp_severity detect_poll(struct analyzer *a, struct thread_state *ts, const struct frame *f,
			      const struct poll_facts *pf, const struct asp_finding **fd);
/* a poll of task (root frame f) returned: the per-poll hooks of the lints
 * that run (registry.h, task_poll), then the last poll's facts; before
 * aggregate_task_poll */
void detect_task_poll(struct analyzer *a, const struct thread_state *ts, struct task_acc *task,
		      const struct frame *f, const struct poll_facts *pf);
/* after the last record: the lints, then the findings in report order */
void detect_finish(struct analyzer *a);

/* for the rules' files: the thresholds of a future (else of its task's
 * root), the severity of a poll that long, a finding (count 1) and a
 * finding about one poll (what it was doing, its culprit) */
struct thresholds thresholds_for(const struct analyzer *a, const char *future,
				 const char *task_root);
enum asp_severity severity_of(const struct thresholds *th, uint64_t dur);
struct asp_finding *add_finding(struct analyzer *a, const char *rule);
/* the time of a poll held against the thresholds: own, or wall */
uint64_t poll_measure(const struct analyzer *a, const struct poll_facts *pf);
/* the poll is judged on wall time because it was busy: under the
 * threshold on own time, over it on wall time, on the CPU for half of it
 * (preempted for the rest: a spin or CPU loop on a busy machine) */
bool poll_busy(const struct analyzer *a, const struct thresholds *th, const struct poll_facts *pf);
/* the severity of a poll: its measure against th, or busy */
enum asp_severity poll_severity(const struct analyzer *a, const struct thresholds *th,
				const struct poll_facts *pf);
struct asp_finding *add_poll_finding(struct analyzer *a, const char *rule, enum asp_severity sev,
				     const struct thresholds *th, const char *future,
				     const struct poll_facts *pf);

/* ---------------------------------------------------------------- end */

/* a panic's own frame (CL_PANIC) or NULL; *caught: a runtime's catch */
bool end_panic_name(const char *n, bool *caught);
/* frame f (just pushed on ts) is a CL_PANIC frame */
void end_panic_enter(struct analyzer *a, const struct thread_state *ts, const struct frame *f);
/* after the last record, before the open frames are closed */
void end_take_stacks(struct analyzer *a);
/* r->program_exit, r->end..., the notes about the end */
void end_result(struct analyzer *a, struct asp_result *r, const struct asp_info *info);

/* ---------------------------------------------------------------- aggregate */

/* the poll of future frame f (on ts's stack) returned at end, after dur
 * (split sp): its own time goes to its parent future's callees */
void aggregate_poll(struct analyzer *a, struct thread_state *ts, const struct frame *f,
		    uint64_t end, uint64_t dur, const struct asp_split *sp);
/* a poll of task (root frame f) returned at end */
void aggregate_task_poll(struct analyzer *a, struct thread_state *ts, struct task_acc *task,
			 const struct frame *f, uint64_t end, uint64_t dur,
			 const struct asp_split *sp);
/* the result of the run in dir; takes the findings */
struct asp_result *aggregate_result(struct analyzer *a, const char *dir, const char *name);

#endif
