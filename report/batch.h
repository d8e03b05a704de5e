/* batch.h - the batch-level reports over every run of one call (and the
 * comparison, when there is one). Each writer is one file and reads only
 * this structure:
 *
 *   summary.json  batch.c     schema "asprof-batch/1": runs, skipped, comparison
 *   report.xlsx   xlsx.c      Summary, Runs, Futures, Tasks, Findings, Finding polls,
 *                             Comparison
 *   charts/       charts/     gnuplot: PNG + SVG, with .gp and .dat beside each
 *   index.md      markdown.c  a CI job summary, verdict first
 *   report.html   html.c      the page for people: verdict, changes with their charts,
 *                             findings, each run's tasks and futures (one file, no network)
 *   junit.xml     junit.c     one testcase per compared future and per blocking rule
 *                             (a failing one per group of findings)
 *
 * All writes are atomic (report/outfile.h); errors come back as "PATH: reason".
 * The registry of outputs (report/outputs.c) lists them in the order they
 * are written; the rules file and --outputs choose among them. */
#ifndef ASP_BATCH_H
#define ASP_BATCH_H

#include "analysis/compare.h"
#include "analysis/model.h"
#include "analysis/rules.h"
#include "analysis/verdict.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct asp_skipped_run {
	char *path;
	char *reason;
};

struct asp_batch {
	const struct asp_rules *rules;
	const char *out_dir;
	struct asp_result **runs;      /* in argument order (base runs first in diff) */
	size_t nruns;
	/* NULL, or per run NULL or its summary.json as written (asp_summary_write's
	 * text): summary.json embeds it instead of building it again */
	char **run_json;
	struct asp_skipped_run *skipped;
	size_t nskipped;
	struct asp_comparison *cmp;    /* NULL without --baseline / diff */
	/* the verdict by fail_on (analysis/verdict.h): junit.xml marks its
	 * failing items, index.md shows its status first */
	const struct asp_batch_verdict *verdict;
	/* its status and reason, for the writers that show only these */
	int status;                    /* 0 clean, 1 fails the rules, 2 input errors */
	char *status_reason;
	/* the charts this batch drew whole (names without extension, as in
	 * charts/): index.md shows these, not whatever charts/ holds */
	char **charts;
	size_t ncharts;
	char *charts_failed;           /* NULL, or why some charts are missing */
	/* the outputs not written this batch (bits of asp_outputs[],
	 * report/outputs.h): index.md links none of them; 0, every one is */
	uint32_t outputs_off;
};

int asp_batch_summary_write(const struct asp_batch *b, const char *path, char **err);
int asp_xlsx_write(const struct asp_batch *b, const char *path, char **err);
/* Charts: asp_charts_start creates dir (its parent exists) and starts drawing into a private
 * folder in it, on a thread of its own (b must stay as it is until the
 * finish); NULL and *err when dir cannot take them. asp_charts_finish waits,
 * then with keep moves every chart drawn whole into dir (each file replacing
 * its old copy at once), lists them in *drawn (malloc'd names, when drawn is
 * not NULL) and returns the drawing's error: -1 when the output folder
 * failed (the disk is full, say), ASP_CHARTS_GNUPLOT_FAILED when gnuplot
 * did (it exited with an error or hung; the charts it drew whole are
 * kept); without keep it drops them. When gnuplot is missing, the .gp/.dat files are kept,
 * *skipped_msg is one line saying charts were skipped and how to install
 * gnuplot, and the result is 0. asp_charts_write is both in one.
 *
 * asp_gnuplots_start starts up to n gnuplots (at most one per CPU) ahead of
 * the charts, each drawing nothing to pay for its start-up and fonts: a
 * batch starts them before its analysis and hands them to asp_charts_start
 * as warm (NULL: gnuplots are started when the charts are drawn), which
 * draws with those; asp_gnuplots_stop, after asp_charts_finish, ends the
 * ones left. NULL when there is no gnuplot to start. */
struct asp_charts;
struct asp_gnuplots;
/* asp_charts_finish's result when gnuplot, not the output folder, failed */
#define ASP_CHARTS_GNUPLOT_FAILED (-2)
struct asp_charts *asp_charts_start(const struct asp_batch *b, const char *dir,
				    struct asp_gnuplots *warm, char **err);
int asp_charts_finish(struct asp_charts *h, bool keep, char **skipped_msg, char ***drawn,
		      size_t *ndrawn, char **err);
int asp_charts_write(const struct asp_batch *b, const char *dir, char **skipped_msg, char **err);
struct asp_gnuplots *asp_gnuplots_start(size_t n);
void asp_gnuplots_stop(struct asp_gnuplots *g);
/* kills every gnuplot started (SIGKILL): a batch interrupted */
void asp_gnuplots_kill_all(void);
int asp_markdown_write(const struct asp_batch *b, const char *path, char **err);
int asp_html_write(const struct asp_batch *b, const char *path, char **err);
int asp_junit_write(const struct asp_batch *b, const char *path, char **err);

#endif
