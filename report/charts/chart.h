/* chart.h - what the chart kinds (dist.c, trend.c, hist.c), their helpers
 * (script.c), the gnuplot processes (gnuplot.c) and the entry (charts.c)
 * share; private to report/charts/. The interface is asp_charts_* in
 * report/batch.h. */
#ifndef ASP_REPORT_CHART_H
#define ASP_REPORT_CHART_H

#include "report/batch.h"
#include "report/shortname.h"
#include "analysis/util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CDF_MAX_POINTS 2000
#define TREND_MAX_FUTURES 8
#define HIST_MAX_FUTURES 5
#define SLUG_MAX 60
#define LABEL_MAX 40
#define RUN_TIC_MAX 32

struct names {
	char **v;
	size_t n;
};

struct unit {
	const char *name;
	double ns;
};

static const char *const series_color[] = { "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
					    "#9467bd", "#8c564b", "#e377c2", "#17becf" };

struct asp_history;
struct charts {
	const struct asp_batch *b;         /* NULL for a history's */
	const struct asp_history *hist;    /* `trend`'s charts, or NULL */
	size_t top;                        /* futures in history-top */
	const char *dir;     /* where they go (the messages name it) */
	const char *stage;   /* where they are drawn: a private folder in dir */
	struct names used;   /* chart names, in the order written */
};

struct top {
	const char *name;   /* borrowed from a run */
	uint64_t busy;
};

/* ---- script.c */
void names_add(struct names *ns, char *s);
void names_free(struct names *ns);
/* "PREFIX-SLUG" unique among used (which takes the result), at most SLUG_MAX chars */
const char *chart_name(struct names *used, const char *prefix, const char *label);
/* s exactly, as a gnuplot single-quoted string (file names) */
void gp_quote(struct asp_buf *b, const char *s);
/* s as a gnuplot string expression, the one way a script shows text */
void gp_str(struct asp_buf *b, const char *s);
/* one line of a .dat comment */
void dat_comment(struct asp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* the display unit for values up to max_ns */
struct unit pick_unit(double max_ns);
void fmt_dur(double ns, char *buf, size_t n);
/* p99 of durations, finished or not */
uint64_t p99_of(const struct asp_durations *d);
/* the script's head and tail: both outputs from one plot body via a loop */
void gp_begin(struct asp_buf *gp, const char *name, const char *what, int w, int h);
void gp_end(struct asp_buf *gp);
/* NAME.dat and NAME.gp into the stage; frees both buffers */
int chart_commit(struct charts *c, const char *name, struct asp_buf *dat,
		 struct asp_buf *gp, char **err);
/* the body of an empty chart: a message in the middle */
void gp_empty(struct asp_buf *gp, const char *msg);
/* duration tics over [lo, hi] (in units of unit_ns) on a log axis */
void gp_log_tics(struct asp_buf *gp, const char *axis, double lo, double hi,
		 double unit_ns);

/* the x tics of runs 1..n named names[] (a `set xtics (...` line to end
 * with gp_put_run_tics); returns the first name's characters */
size_t gp_run_tics(struct asp_buf *tics, const char *const *names, size_t n);
void gp_put_run_tics(struct asp_buf *gp, struct asp_buf *tics, size_t first_tic_chars);
/* a .dat row's run index (from 1) and name */
void dat_run_column(struct asp_buf *dat, size_t r, const char *name);

/* ---- the chart kinds: each writes its .dat and .gp into the stage */
int chart_dist(struct charts *c, const struct asp_cmp_row *row, char **err);
/* the runs a trend is drawn over: the batch's, or one program's when the
 * batch holds several (program: its name, else NULL) */
struct trend_runs {
	const struct asp_result **runs;
	size_t n;
	const char *program;
};
/* futures by busy time summed over runs, most first; *n gets the count */
struct top *top_futures(const struct asp_result *const *runs, size_t nruns, size_t *n);
int chart_trend(struct charts *c, const struct trend_runs *tr, const struct top *top, size_t ntop,
		bool busy, char **err);
int chart_hist(struct charts *c, const struct asp_result *run, char **err);
/* history-SLUG of each future that changed, history-top of the top futures */
int draw_history(struct charts *c, char **err);

/* ---- gnuplot.c */
/* the gnuplot to run: ASPROF_GNUPLOT, else gnuplot on PATH; NULL when none */
char *gnuplot_prog(void);
/* every chart of c drawn by one gnuplot per core (warm ones first): 0,
 * -1 (the output folder failed) or ASP_CHARTS_GNUPLOT_FAILED, and *err */
int run_gnuplot_all(struct asp_gnuplots *warm, const char *prog, const struct charts *c,
		    char **err);

#endif
