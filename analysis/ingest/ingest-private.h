/* ingest-private.h - what the reader's files share; ingest.h is their face.
 *
 * The recording as read (struct asp_trace: info, sessions and their maps,
 * tasks, modules, thread files, argument filters), and the steps one file
 * takes for another: open.c opens a recording with info.c, argspec.c,
 * sessions.c (which loads modules through symbols.c), trace.c and perf.c,
 * and record.c resolves addresses through sessions.c. Warnings go through
 * warnf (trace.c), serialized once readers run on threads of their own. */
#ifndef ASP_INGEST_PRIVATE_H
#define ASP_INGEST_PRIVATE_H

#include "ingest.h"

#include <pthread.h>
#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* argument formats, as uftrace's argspec suffixes */
enum asp_arg_fmt {
	ASP_ARG_AUTO, ASP_ARG_SINT, ASP_ARG_UINT, ASP_ARG_HEX, ASP_ARG_OCT,
	ASP_ARG_STR, ASP_ARG_CHAR, ASP_ARG_FLOAT, ASP_ARG_STD_STRING,
	ASP_ARG_PTR, ASP_ARG_ENUM, ASP_ARG_STRUCT,
};

/* where an argument is read from: uftrace merges the specs of all the
 * patterns that match a function by this and idx (or loc) */
enum asp_arg_type { ASP_ARGT_INDEX, ASP_ARGT_FLOAT, ASP_ARGT_REG, ASP_ARGT_STACK };

struct asp_arg_spec {
	int idx;               /* 1.. for argN/fpargN, 0 for retval */
	enum asp_arg_fmt fmt;
	unsigned size;         /* bytes recorded (before 4-byte alignment) */
	uint8_t type;          /* enum asp_arg_type */
	bool exact;            /* from a pattern that names the function exactly */
	uint64_t loc;          /* REG: the register's name (packed); STACK: offset */
};

/* the layout of the data that follows a function's entry (args) and exit
 * (retval) records, from the argspec/retspec pattern that matched it */
struct asp_fn_args {
	struct asp_arg_spec *args; /* in recording order, idx > 0 */
	size_t nargs;
	struct asp_arg_spec *rets; /* idx == 0 */
	size_t nrets;
};

struct asp_module {
	char *path;     /* as in the map file */
	char *basename;
	char *build_id; /* may be NULL */
	struct asp_symbol *syms; /* sorted by addr */
	size_t nsyms;
	bool loaded, missing;
	/* srcline.c: the source lines of its .dbg, read at the first lookup */
	struct srcloc *locs; /* sorted by addr */
	size_t nlocs;
	char **files;        /* the file names locs point to */
	size_t nfiles;
	bool dbg_loaded;
};

/* argspec.c: parse one uftrace argspec list ("arg1,arg2/s,retval/x64")
 * into specs; -1 on a malformed spec */
int asp_parse_arg_specs(const char *s, struct asp_fn_args *out);
void asp_fn_args_free(struct asp_fn_args *fa);

/* one pattern of argspec/retspec, with the layout it gives */
struct arg_filter {
	char *pattern;
	enum { PATT_REGEX, PATT_GLOB, PATT_SIMPLE } kind;
	regex_t re;
	struct asp_fn_args fa;
};

struct map_ent {
	uint64_t start, end;
	struct asp_module *mod;
};

struct session {
	char *sid;
	int pid;
	uint64_t time;
	char *exename;
	struct map_ent *maps; /* sorted by start */
	size_t nmaps;
};

struct task {
	int tid, pid, ppid;
	uint64_t time;
};

struct asp_trace {
	char *dir;
	struct asp_info info;
	struct session *sess; /* sorted by time */
	size_t nsess;
	struct task *tasks;   /* sorted by tid */
	size_t ntasks;
	struct asp_module **mods;
	size_t nmods;
	int *threads;
	char **datpaths;
	uint64_t *datbytes; /* each file's size */
	size_t nthreads;
	bool keep_fds; /* readers keep their files open (see READ_KEEP_FDS) */
	uint64_t data_bytes;
	struct arg_filter *filters;
	size_t nfilters;
	/* merged layouts per symbol live here (symbols point into it) */
	struct asp_fn_args **layouts;
	size_t nlayouts;
	uint32_t next_sym_id;
	struct asp_sym_ent *cache; /* shared by the readers; see reader_lookup */
	/* readers run on threads of their own (asp_trace_threaded): symbol
	 * lookups that miss a reader's cache, and warnings, take these */
	bool threaded;
	bool warned_no_spec; /* data without a layout: said once (atomic) */
	pthread_mutex_t lookup_lock, warn_lock;
	uint64_t time_lo;    /* no record is earlier: see set_time_limit */
	uint64_t time_limit; /* every record is earlier */
	bool has_elapsed;    /* time_limit comes from info's elapsed_time */
	uint64_t dropped;    /* records dropped (atomic: see reader_end) */
	uint64_t *thread_end; /* per thread: its last scheduler event (0: none) */
	struct asp_switch *sw; /* every thread's switch-outs, thread by thread */
	size_t *sw_at;         /* thread i's are sw[sw_at[i] .. sw_at[i + 1]) */
	bool has_sched, preempt_known;
	asp_warn_fn warn;
	void *warn_ctx;
};

/* trace.c: a warning, through the trace's warn function (stderr without
 * one); the thread files into t->threads */
void warnf(struct asp_trace *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int find_threads(struct asp_trace *t, char **err);

/* info.c: the info file into t->info */
int read_info(struct asp_trace *t, char **err);
void free_info(struct asp_info *info);

/* argspec.c: info's argument specs into t->filters; a symbol's argument
 * layout, when a filter matches it; the length of the data after a record */
void add_filters(struct asp_trace *t, const char *spec_list);
const struct asp_fn_args *match_layout(struct asp_trace *t, struct asp_symbol *sym);
int64_t args_length(const uint8_t *p, size_t have, const struct asp_arg_spec *specs,
		    size_t n, bool *bad);

/* symbols.c: a module by path (and build-id), added when new; its symbols
 * loaded (a warning when it has none); a module-relative address's symbol;
 * a session's program */
struct asp_module *get_module(struct asp_trace *t, const char *path, const char *build_id);
void load_module(struct asp_trace *t, struct asp_module *m);
const struct asp_symbol *module_find(struct asp_trace *t, struct asp_module *m,
				     uint64_t rel);
struct asp_module *session_program(const struct session *s);
/* DIR/NAME.ext of module m (ext "sym" or "dbg"), or the NAME-<bid4>.ext
 * uftrace gives a second module of the same name; NULL when none, and
 * *why (malloc'd) when one is there but is not m's */
char *module_file(struct asp_trace *t, const struct asp_module *m, const char *ext, char **why);

/* srcline.c: a module's source lines let go */
void module_free_srclines(struct asp_module *m);

/* sessions.c: task.txt and every session's map; the session of tid at time;
 * an absolute address's symbol in a session */
int read_task_txt(struct asp_trace *t, char **err);
struct session *task_session(struct asp_trace *t, int tid, uint64_t time);
const struct asp_symbol *session_lookup(struct asp_trace *t, struct session *s,
					uint64_t addr);

/* perf.c: t->thread_end and the switch-outs from perf-cpu*.dat */
void read_perf_events(struct asp_trace *t);

#endif
