/* record.h - the rooms of `asprof-batch record` (cmd/cmd-record.c), private
 * to it: elf.c reads the program's symbols (mangling.c: what a mangled
 * Rust name says), cmdline.c builds the uftrace command line from them and
 * the runtime profiles' `record:` (analysis/rules.h, configs/runtimes.yaml),
 * and run.c runs uftrace.
 *
 * Errors: functions taking char **err return -1 (or NULL) and a malloc'd
 * message there. */
#ifndef ASP_CMD_RECORD_H
#define ASP_CMD_RECORD_H

#include "analysis/rules.h"
#include "analysis/util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/* ------------------------------------------------------- the ELF's symbols */

#define MAX_CRATES 8

/* what the symbols of the program say */
struct elf_facts {
	bool elf;       /* starts with the ELF magic */
	bool readable;  /* a 64-bit little-endian ELF whose sections we read */
	bool symbols;   /* it has a symbol table */
	bool mcount;    /* it calls mcount (-pg, -Z instrument-mcount): no -P */
	bool rust;      /* it has Rust symbols */
	bool legacy;    /* ... legacy-mangled ones (_ZN...17h<hash>E) */
	/* per runtime profile (the rules' order): symbols of its crates, by
	 * mangling */
	bool *rt_v0, *rt_legacy;
	size_t nrt;
	struct asp_patterns *tokens; /* its crates, length-prefixed: "5tokio" */
	/* the crates defining a top-level `main`: the program's own (sym:
	 * that main's mangled name) */
	struct { char *name, *sym; bool v0; } crates[MAX_CRATES];
	size_t ncrates;
	/* DWARF: line tables (.debug_line), and the linkage names uftrace 0.13
	 * matches functions by for --srcline (a crate's main named in
	 * .debug_str: not a debug = "line-tables-only" build, whose DWARF
	 * names functions without their path) */
	bool line_tables, linkage_names;
};

/* read the symbol tables (.symtab and .dynsym) of an ELF file, looking for
 * the crates of the rules' runtime profiles; a file that is not a readable
 * ELF leaves f->readable false and is not an error */
int elf_scan(const char *path, const struct asp_rules *rules, struct elf_facts *f, char **err);
void elf_facts_free(struct elf_facts *f);
/* what elf_scan does, one symbol at a time (tests/unit/test-record-patterns
 * feeds it a recording's .sym names): init, then add each symbol */
void elf_facts_init(struct elf_facts *f, const struct asp_rules *rules);
void elf_facts_add(struct elf_facts *f, const char *name, bool undefined);

/* mangling.c: legacy hash suffix "17h" + 16 hex + "E" ending the name */
bool has_legacy_hash(const char *name, size_t len);
/* `krate::main`: the crate name (malloc'd), or NULL */
char *main_crate(const char *name, size_t len, bool *v0);
/* does the length-prefixed token occur as a whole path segment? */
bool has_token(const char *name, const char *tok);

/* ------------------------------------------------------------ the command line */

struct strv {
	char **v;
	size_t n, cap;
};

void strv_push(struct strv *a, char *s); /* takes s */
void strv_add(struct strv *a, const char *opt, const char *val);
void strv_free(struct strv *a);
/* s, shell-quoted when it needs to be */
void put_quoted(FILE *out, const char *s);
/* the -N filters: the runtimes file's own, then every profile's; v0, then
 * legacy ones when the program has legacy names */
void add_notrace(struct strv *a, const struct asp_rules *r, bool legacy);
/* -A REGEX@arg1 for each task poll of a list of a profile's record: */
void add_task_polls(struct strv *a, const struct asp_patterns *l);
/* with --runtime auto, does profile p leave its tasks to another runtime
 * found in the program (its record.yields_to)? */
bool runtime_yields(const struct asp_rules *rules, const struct elf_facts *f,
		    const struct asp_profile *p);
/* a runtime's task polls, wakes and spawns, for its v0 and legacy symbols */
void add_runtime_specs(struct strv *a, const struct asp_profile *pr, bool v0, bool legacy);
/* -A for the program's own futures: their first three arguments (self is
 * arg2 when the poll returns through a hidden pointer: docs/self-pointer.md) */
void add_user_specs(struct strv *a, const struct elf_facts *f, bool v0);
/* the length of the `cmdline:` line uftrace writes for argv a */
size_t uftrace_cmdline_length(const struct strv *a);
/* uftrace 0.13 reads `cmdline:` back through a 4096-byte buffer: when a
 * is longer, record only arg1 of the program's futures if that fits (1),
 * else leave it (-1: too long for uftrace, not for asprof); 0: it fits */
int fit_cmdline(struct strv *a);

/* ------------------------------------------------------------ run.c */

/* where execvp would find NAME: a malloc'd path, or NULL */
char *find_in_path(const char *name);

struct out_state {
	bool replaced;  /* a non-empty directory that uftrace will rename to .old */
	dev_t dev;
	ino_t ino;
};

/* check the -o directory: absent, or empty (removed so that uftrace does not
 * keep an empty DIR.old), or non-empty and --force */
int prepare_output(const char *dir, bool force, bool dry_run, struct out_state *os, char **err);

/* uftrace's stderr (the program's too): forwarded line by line, except
 * uftrace's own messages ("uftrace: file:line:func" then indented lines),
 * held back so that a failure is reported in one line */
struct err_filter {
	struct asp_buf line; /* the current line */
	bool passing;        /* its start is already forwarded */
	bool in_block;       /* inside a uftrace message */
	struct asp_buf held;
	char *last_error;    /* the last " ERROR: ..." line, trimmed */
	char *last_line;     /* the last non-empty line */
	/* what the program's own output said of a panic: its first "thread
	 * '…' panicked at FILE:LINE:COL:" line (trimmed), and std's "failed to
	 * initiate panic" (the unwinder refused to start: uftrace's hooks) */
	char *panic_line;
	bool panic_failed;
};

void filter_free(struct err_filter *f);

/* run uftrace (argv[0] through PATH); its stdout (the program's) goes to our
 * stderr so that our stdout has only the result; returns its wait status, or
 * -1 if it could not be started */
int run_uftrace(char **argv, struct err_filter *f, char **err);
void describe_status(char *buf, size_t n, int status);
/* did uftrace write a recording into dir (a new one, not the one --force
 * replaces, with its info file)? The reader (analysis/ingest/ingest.h) reads it. */
bool recording_written(const char *dir, const struct out_state *os);

#endif
