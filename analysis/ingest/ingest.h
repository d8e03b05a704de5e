/* ingest.h - a uftrace data directory, read natively: the reader's face.
 *
 * analysis/ingest/ is the only place in asprof that knows uftrace's on-disk
 * format, each kind of file in a file of its own as uftrace has them:
 * info.c (the info header), argspec.c (argument specs and the data they
 * lay out), sessions.c (task.txt, sid-*.map), symbols.c (*.sym; names
 * demangled by demangle.c), srcline.c (*.dbg: source lines), perf.c (perf-cpu*.dat), trace.c (the thread
 * files), record.c (<tid>.dat, one thread's records), merge.c (every
 * thread's records in timestamp order, on a decoder thread of its own),
 * fold.c (parallel readers that fold plain calls: fold.h); open.c opens a
 * recording with them. Stages consume resolved events (struct asp_event) from per-thread
 * readers, or from a merger that yields every thread's events in
 * timestamp order.
 *
 * Ownership: a struct asp_trace owns every module, symbol, session and string
 * reachable from it; pointers handed out (symbols, names, info strings) stay
 * valid until asp_trace_close(). Readers borrow the trace and must be closed
 * before it. An event's payload pointer is valid until the next read from the
 * same reader. */
#ifndef ASP_INGEST_H
#define ASP_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum asp_rec_type {
	ASP_REC_ENTRY = 0,
	ASP_REC_EXIT = 1,
	ASP_REC_LOST = 2,
	ASP_REC_EVENT = 3,
};

/* feat_mask bits of the info header */
enum asp_feat {
	ASP_FEAT_PLTHOOK = 1u << 0,
	ASP_FEAT_TASK_SESSION = 1u << 1,
	ASP_FEAT_KERNEL = 1u << 2,
	ASP_FEAT_ARGUMENT = 1u << 3,
	ASP_FEAT_RETVAL = 1u << 4,
	ASP_FEAT_SYM_REL_ADDR = 1u << 5,
	ASP_FEAT_MAX_STACK = 1u << 6,
	ASP_FEAT_EVENT = 1u << 7,
	ASP_FEAT_PERF_EVENT = 1u << 8,
	ASP_FEAT_AUTO_ARGS = 1u << 9,
	ASP_FEAT_DEBUG_INFO = 1u << 10,
	ASP_FEAT_ESTIMATE_RETURN = 1u << 11,
	ASP_FEAT_SYM_SIZE = 1u << 12,
	ASP_FEAT_CALLSITE = 1u << 13,
};

struct asp_info {
	uint32_t version;
	uint8_t endian, elf_class;
	uint64_t feat_mask, info_mask;
	uint16_t max_stack;
	char *exename, *build_id, *cmdline, *record_date, *elapsed_time;
	char *uftrace_version, *pattern_type;
	char *kernel; /* osinfo's, e.g. "Linux 6.1.0-18-amd64"; NULL when absent */
	char *argspec, *retspec, *argauto, *retauto; /* NULL when absent */
	bool auto_args;
	bool has_exit_status;
	int exit_status;
	int *tids;
	size_t ntids;
};

struct asp_module;
struct asp_fn_args;
struct asp_arg_spec;

struct asp_symbol {
	uint64_t addr; /* relative to the module's load base */
	uint64_t size;
	char type;     /* nm type: T t W w P ... */
	uint32_t id;   /* unique in the trace, dense in the order symbols are
			  first looked up: index for per-symbol tables */
	const char *mangled;
	const struct asp_module *mod;
	const struct asp_fn_args *args; /* NULL unless an argspec matched; set
					   with id, when first looked up */
	char *name_;   /* demangled name cache; use asp_symbol_name() */
};

struct asp_event {
	uint64_t time; /* ns, CLOCK_MONOTONIC, as recorded */
	int tid;
	uint8_t type;  /* enum asp_rec_type */
	bool more;
	uint16_t depth;
	uint64_t addr; /* absolute address; lost count for LOST; id for EVENT */
	const struct asp_symbol *sym; /* NULL when not resolved */
	const uint8_t *data; /* argument / return / event payload, or NULL */
	uint32_t data_len;
	const struct asp_arg_spec *specs; /* layout of data for ENTRY/EXIT */
	size_t nspecs;
};

/* An entry or exit record without payload (most records), resolved: what
 * asp_merger_next_batch hands out in bulk. */
struct asp_rec {
	uint64_t time;
	const struct asp_symbol *sym; /* NULL when not resolved */
	uint16_t depth;
	uint8_t type;                 /* ASP_REC_ENTRY or ASP_REC_EXIT */
	uint8_t tag;                  /* the reader's tagger's (0 from the merger) */
	uint32_t id;                  /* sym->id (0 from the merger) */
};

struct asp_trace;
struct asp_reader;

typedef void (*asp_warn_fn)(void *ctx, const char *msg);

/* Open a data directory: reads info, task.txt, sid-*.map; symbol files are
 * loaded lazily when an address first falls into a module. Returns NULL and
 * sets *err on failure. Warnings (skipped files, unresolved modules) go to
 * warn (NULL: stderr); while an asp_stream is open, from its decoder thread
 * (one call at a time). */
struct asp_trace *asp_trace_open(const char *dir, asp_warn_fn warn, void *warn_ctx, char **err);
/* -1 and *err when no session's program (the map entry of its exename)
 * has symbols: nothing could be attributed. Loads those symbols; missing
 * ones of some sessions, when others have theirs, are warned. */
int asp_trace_check_symbols(struct asp_trace *t, char **err);
void asp_trace_close(struct asp_trace *t);

const char *asp_trace_dir(const struct asp_trace *t);
const struct asp_info *asp_trace_info(const struct asp_trace *t);
/* threads that have a data file, in tid order */
size_t asp_trace_nthreads(const struct asp_trace *t);
int asp_trace_thread_tid(const struct asp_trace *t, size_t i);
/* the pid of the first session's process (the program recorded), 0 when
 * the recording does not say */
int asp_trace_pid(const struct asp_trace *t);
/* is tid a process's first thread (tid == pid in task.txt)? true when
 * task.txt does not say */
bool asp_trace_is_main_thread(const struct asp_trace *t, int tid);
/* the size of all thread data files in bytes */
uint64_t asp_trace_data_bytes(const struct asp_trace *t);
/* the size of thread i's data file in bytes */
uint64_t asp_trace_thread_bytes(const struct asp_trace *t, size_t i);
/* the first SESS timestamp (ns), the reference for relative times */
uint64_t asp_trace_start_time(const struct asp_trace *t);
/* the time of thread tid's last scheduler event (perf-cpu*.dat: a context
 * switch or its exit), which may be later than its last record: 0 when the
 * recording has none */
uint64_t asp_trace_thread_end(const struct asp_trace *t, int tid);
/* A thread's time off the CPU, from a context switch out to the next one
 * in (perf-cpu*.dat): preempted when the kernel switched it out while it
 * was still runnable (another task took the CPU), else blocked (it slept,
 * waited for a lock or I/O). in is UINT64_MAX when no in follows the out
 * (it never came back within the recording, or the in was lost): the
 * thread's next record or switch-out ends it. */
struct asp_switch {
	uint64_t out, in;
	bool preempted;
};
/* The switch-outs of thread i (index, see asp_trace_thread_tid), by time;
 * *n = 0 when none. */
const struct asp_switch *asp_trace_switches(const struct asp_trace *t, size_t i, size_t *n);
/* the recording has context switches (perf-cpu*.dat files) */
bool asp_trace_has_sched(const struct asp_trace *t);
/* the kernel marks preempted switch-outs (Linux 4.17+, or one is marked):
 * else every switch-out counts as blocked */
bool asp_trace_preempt_known(const struct asp_trace *t);

/* records the readers dropped so far, their times being ones the recording
 * cannot have (each reader adds its own at its end; each file warned) */
uint64_t asp_trace_dropped(const struct asp_trace *t);
/* the number of distinct symbols looked up so far (bounds asp_symbol.id) */
uint32_t asp_trace_nsymbols(const struct asp_trace *t);

/* Readers of this trace will run on threads of their own (one reader per
 * thread at a time): from now on, readers opened get a symbol cache of their
 * own, and symbol lookups and warnings are serialized. Call before opening
 * them. Demangled names (asp_symbol_name) are safe from any thread. */
void asp_trace_threaded(struct asp_trace *t);

/* Demangled name (libiberty, Rust legacy hash dropped); computed once per
 * symbol. Owned by the trace. */
const char *asp_symbol_name(const struct asp_symbol *sym);
/* Where sym's function starts in the source, "file:line" as uftrace
 * record --srcline wrote it in the module's .dbg (srcline.c; files of
 * the program relative to its build directory, e.g. "src/main.rs:42");
 * NULL when the recording has none for it. Owned by the trace. The .dbg
 * is read at a module's first lookup (a malformed one is warned once and
 * gives none). Safe from any thread. */
const char *asp_trace_srcline(struct asp_trace *t, const struct asp_symbol *sym);
/* Resolve an absolute address in the session of tid at time; NULL if none. */
const struct asp_symbol *asp_trace_lookup(struct asp_trace *t, int tid, uint64_t time,
					  uint64_t addr);
/* format an event's arguments (or return values) into a malloc'd string
 * such as "0x7ffd1234, 42, \"str\""; NULL when the event carries none. */
char *asp_event_format_args(const struct asp_event *ev);
/* the integer argument idx (1-based: arg1, arg2...) of an ENTRY event, if
 * recorded; asp_event_arg1 is asp_event_arg(ev, 1, val). idx 0: the
 * integer return value of an EXIT event (asp_event_retval) */
bool asp_event_arg(const struct asp_event *ev, int idx, uint64_t *val);
bool asp_event_arg1(const struct asp_event *ev, uint64_t *val);
bool asp_event_retval(const struct asp_event *ev, uint64_t *val);

/* One thread's record stream. Memory is bounded: a window of the file, or
 * a read buffer (grown for a record larger than it), let go at the end of
 * the file. */
struct asp_reader *asp_reader_open(struct asp_trace *t, size_t thread_idx, char **err);
/* 1: *ev filled; 0: end of stream; -1: unreadable file (*err set). A
 * truncated final record is reported as a warning and ends the stream. A
 * record timed outside the recording comes as a LOST record of none (time
 * and count 0), a time that goes back as the time before (judge_time in
 * record.c); each file says what it dropped and clamped once, at its end. */
int asp_reader_next(struct asp_reader *r, struct asp_event *ev, char **err);
/* records read so far */
uint64_t asp_reader_count(const struct asp_reader *r);
void asp_reader_close(struct asp_reader *r);

/* Every thread merged in timestamp order (ties: lower thread index first). */
struct asp_merger;
struct asp_merger *asp_merger_open(struct asp_trace *t, char **err);
int asp_merger_next(struct asp_merger *m, struct asp_event *ev, char **err);
/* The same without a copy: *ev points into the merger and stays valid, its
 * payload included, until the next call. */
int asp_merger_next_ref(struct asp_merger *m, const struct asp_event **ev, char **err);
/* The same order, in bulk: on 1, either *ev is the next event (any kind, as
 * from asp_merger_next_ref) or *ev is NULL and recs[0..*n), 1 <= *n <= max,
 * are the next records, all plain entries/exits of the thread with index
 * *thread (see asp_trace_thread_tid). */
int asp_merger_next_batch(struct asp_merger *m, struct asp_rec *recs, size_t max, size_t *n,
			  size_t *thread, const struct asp_event **ev, char **err);
void asp_merger_close(struct asp_merger *m);

/* The merger's order (asp_merger_next_batch's, byte for byte), read ahead
 * on a thread of its own: a decoder thread reads and resolves records while
 * the caller consumes them. On 1, either *ev is the next event (any kind;
 * valid, payload included, until the next call) or *ev is NULL and
 * (*recs)[0..*n) are the next records, all plain entries/exits of the thread
 * with index *thread, valid until the next call. 0: the end; -1: a file
 * could not be read (*err set). While a stream is open, nothing else may
 * read the trace's records or look up its symbols. */
struct asp_stream;
struct asp_stream *asp_stream_open(struct asp_trace *t, char **err);
int asp_stream_next(struct asp_stream *s, const struct asp_rec **recs, size_t *n, size_t *thread,
		    const struct asp_event **ev, char **err);
void asp_stream_close(struct asp_stream *s);

#endif
