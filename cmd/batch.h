/* batch.h - the driver shared by the main job and `diff`: analyse runs in
 * parallel, write per-run and batch reports, compute the exit status. */
#ifndef ASP_CMD_BATCH_H
#define ASP_CMD_BATCH_H

#include <stdbool.h>
#include <stdio.h>
#include <getopt.h>
#include <stddef.h>

struct asp_rules;

struct batch_opts {
	const char *rules_path, *runtimes_path, *out_dir, *runtime;
	const char *rule_list; /* --rules: the rules that run, NULL: the rules file's */
	bool quiet;
	size_t top;
	unsigned jobs;
	unsigned lock_wait;  /* --lock-wait: seconds to wait for another batch */
	bool lock_wait_set;  /* else BATCH_LOCK_WAIT_S */
	const char *outputs; /* --outputs LIST, NULL: the rules file's (report/outputs.h) */
	char **base;   /* the baseline group (compared against runs), may be empty */
	size_t nbase;
	char **runs;   /* the runs (the new group when base is given) */
	size_t nruns;
	const char **labels; /* --label LABEL (one run) or RUN=LABEL, malloc'd */
	size_t nlabels;
};

/* how long a batch waits for another writing its output folder */
#define BATCH_LOCK_WAIT_S 600

/* The rules file (NULL: the defaults) with the runtimes file's profiles
 * (or NULL), the rules of rule_list chosen (--rules, or NULL), and runtime
 * (--runtime, or NULL) checked; NULL after one line on stderr. */
struct asp_rules *batch_rules(const char *rules_path, const char *runtimes_path,
			      const char *rule_list, const char *runtime);

/* Returns the exit status (cmd.h). */
int batch_run(const struct batch_opts *o);

/* Collect the values of a list option (--baseline A B C, --base ..., --new
 * ...) out of argv: every argument after the option up to the next one that
 * starts with '-'. Removes them from argv (argc updated). *vals is malloc'd.
 * With last_one, an option given more than once (`--baseline A --baseline
 * B N1 N2`) takes one value at its last use, unless its values run up to a
 * `--`: the arguments after it are the other runs. Returns -1 when the
 * option has no value. */
int batch_take_list(int *argc, char **argv, const char *opt, bool last_one, char ***vals,
		    size_t *n);

/* --label: the label of the run of argument arg (named name): the last
 * RUN=LABEL whose RUN is arg (trailing slashes aside), its last path
 * segment or name; with one run in all (nruns: a batch's summary.json
 * holds several), a LABEL without '=' too. NULL: none. */
const char *batch_label_for(const char *const *labels, size_t nlabels, size_t nruns,
			    const char *arg, const char *name);
/* every label names a run of args[0..nargs), or may name one of a
 * summary.json among them (a file): else one line, -1 */
int batch_labels_check(const char *const *labels, size_t nlabels, char *const *args, size_t nargs);
/* once the runs are known (names[0..n), from args), one warning for a
 * RUN=LABEL that names none of them */
void batch_labels_unused(const char *const *labels, size_t nlabels, const char *const *args,
			 char *const *names, size_t n);

/* parse "-j N"; 0 on success */
int batch_parse_jobs(const char *s, unsigned *jobs);

/* the options shared by the main job and diff (getopt tables in cmd-analyze.c) */
extern const struct option batch_longopts[];
extern const char batch_shortopts[];
/* --help's list of the names --rules, --outputs and --runtime take, from
 * the rule and output tables and the built-in runtime profiles */
void batch_help_names(FILE *out);
int batch_common_opt(int c, const char *arg, struct batch_opts *o);

#endif
