/* fold.h - every thread's records, read and folded on threads of their
 * own, merged in timestamp order.
 *
 * Most records of a recording are entries and exits of plain functions:
 * neither futures nor the runtime's task polls (the caller says which, with
 * a thread-safe predicate). Whatever a plain call does below it stays in its
 * own thread: its callees only feed its culprit aggregation (culprit.h). So
 * the readers, one worker thread per CPU each owning some of the recording's
 * threads, keep a stack of pending plain calls per thread and hand on:
 *
 *   ASP_FOLD_CALL  a finished plain call whose caller the analyzer holds:
 *                  its symbol, entry time, duration and hot path, in place
 *                  of every record of it and of its callees;
 *   ASP_FOLD_OPEN  a pending plain call, with the callees it has finished,
 *                  handed on when anything but a plain call happens inside
 *                  it (a future, a context, a lost record, a depth that
 *                  does not nest): the analyzer then holds it, as if it had
 *                  seen its records;
 *   ASP_FOLD_REC   an entry or exit the analyzer must see (not plain);
 *   ASP_FOLD_EVENT any other record (payload, LOST, EVENT), as from
 *                  asp_reader_next;
 *   ASP_FOLD_SWITCH the thread's switch-outs (asp_trace_switches) up to
 *                  index aux (exclusive) happened before this record, at
 *                  time (the thread was running again by then): every call
 *                  pending then is handed on as OPEN first, so that the
 *                  analyzer holds the stack the thread was switched out
 *                  with. Those after its last record come with no item.
 *
 * Items are keyed by their first record's time and come out merged in that
 * order (ties: the lower thread index first). What a consumer would only
 * add up (records, the latest times) comes as each thread's totals at the
 * end. A consumer that applies them
 * as analyze.c does ends with the state it would have from every record:
 * the calls it never saw only ever changed their own thread's stack. */
#ifndef ASP_FOLD_H
#define ASP_FOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/culprit.h"
#include "ingest.h"

enum asp_fold_kind { ASP_FOLD_REC, ASP_FOLD_EVENT, ASP_FOLD_CALL, ASP_FOLD_OPEN, ASP_FOLD_SWITCH };

struct asp_fold_kids {
	uint8_t n;
	struct child_agg kids[CULPRIT_SLOTS];
};

/* 24 bytes: the consumer reads every item once, from the cache of the CPU
 * whose worker wrote it; what only some kinds need is in the run's side
 * arrays (aux indexes them) */
struct asp_fold_item {
	uint64_t time;  /* the first record's: entry time for CALL and OPEN */
	const struct asp_symbol *sym; /* REC, CALL, OPEN */
	uint32_t aux;   /* CALL: index in calls; EVENT: in events; OPEN: in
			   kids, or ASP_FOLD_NONE when it has no finished callees;
			   SWITCH: the end of the switch-outs it stands for */
	uint16_t depth; /* REC, CALL, OPEN */
	uint8_t kind;   /* enum asp_fold_kind */
	uint8_t type;   /* REC: ASP_REC_ENTRY or ASP_REC_EXIT */
};
#define ASP_FOLD_NONE UINT32_MAX

struct asp_fold_call {
	uint64_t dur;                    /* exit - entry (at least 0) */
	uint64_t deep_dur;               /* the hot path's time */
	const struct asp_symbol *deep;   /* its hot path */
};

struct asp_fold_event {
	struct asp_event ev;
	uint64_t last; /* the thread's latest non-zero record time before it;
			  0 when there was none */
};

/* what asp_fold_next hands out: items of one thread, and their side data */
struct asp_fold_run {
	const struct asp_fold_item *items;
	size_t n;
	size_t thread; /* index, see asp_trace_thread_tid */
	const struct asp_fold_call *calls;
	const struct asp_fold_event *events;
	const struct asp_fold_kids *kids;
};

/* a thread's records, after the end: how many, and the latest and the
 * largest non-zero time among its entries and exits (0: none) */
struct asp_fold_totals {
	uint64_t records, last, max;
};

/* is sym a plain function (its calls may be folded)? Called from the
 * worker threads, once per symbol and worker. */
typedef bool (*asp_plain_fn)(void *ctx, const struct asp_symbol *sym);

struct asp_fold;
/* Open every thread's reader (asp_trace_threaded is called) and start the
 * workers. NULL and *err on failure. */
struct asp_fold *asp_fold_open(struct asp_trace *t, asp_plain_fn plain, void *ctx, char **err);
/* 1: *run holds the next items (n >= 1), all of one thread, valid until
 * the next call; 0: the end; -1: a file could not be read (*err set). */
int asp_fold_next(struct asp_fold *f, struct asp_fold_run *run, char **err);
/* after the end: thread i's totals */
void asp_fold_totals(const struct asp_fold *f, size_t i, struct asp_fold_totals *tot);
/* after the end: every symbol the workers classified, with the entries of
 * it they folded or held (the analyzer never saw those) */
void asp_fold_symbols(struct asp_fold *f,
		      void (*fn)(void *ctx, const struct asp_symbol *sym, uint64_t calls),
		      void *ctx);
/* stops the workers (at any time) and frees everything */
void asp_fold_close(struct asp_fold *f);

#endif
