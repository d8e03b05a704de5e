/* charts.c - the batch charts, drawn by gnuplot (the entry of
 * report/charts/): for each chart NAME a data file NAME.dat (full future
 * names and units in its header), a self-contained script NAME.gp that a
 * user can edit and re-run in that directory (`gnuplot NAME.gp` writes
 * NAME.png and NAME.svg), then gnuplot run on it. Charts, one file each:
 *
 *   dist-SLUG   dist.c   base vs new poll-duration CDF of each regressed / improved row
 *   trend-p99   trend.c  p99 poll duration per run of the top futures by busy time
 *   trend-busy  trend.c  busy time per run of the same futures (with two runs or more)
 *   hist-RUN    hist.c   per run, log-binned poll-duration histograms of its top futures
 *   history-*   history.c  `trend`: own time per night (asp_history_charts_start)
 *
 * Output is deterministic: the same batch gives the same .dat/.gp bytes.
 * Labels are drawn with enhanced text off, so Rust names need no escaping
 * beyond gnuplot's string quoting. */
#include "report/charts/chart.h"
#include "report/history.h"
#include "report/outfile.h"
#include "analysis/util.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------ entry */

/* a task root row whose polls are those of the future row of the same name
 * would draw the same distribution twice */
static bool same_as_future_row(const struct asp_comparison *c, const struct asp_cmp_row *row)
{
	if (!row->is_task)
		return false;
	for (size_t i = 0; i < c->nrows; i++) {
		const struct asp_cmp_row *f = &c->rows[i];
		if (!f->is_task && !strcmp(f->name, row->name) && f->verdict == row->verdict &&
		    f->base.polls == row->base.polls && f->new_.polls == row->new_.polls)
			return true;
	}
	return false;
}

/* the program a run recorded: its executable's file name */
static const char *program_of(const struct asp_result *r)
{
	if (!r->exe || !*r->exe)
		return "(program unknown)";
	const char *slash = strrchr(r->exe, '/');
	return slash && slash[1] ? slash + 1 : r->exe;
}

/* A trend needs two runs of one program (one run's would be a column of
 * dots, and unrelated programs' futures do not line up): the batch's runs
 * when they are all one program's, else each program's that has two. */
static int draw_trends(struct charts *c, char **err)
{
	const struct asp_batch *b = c->b;
	const struct asp_result **runs = xcalloc(b->nruns ? b->nruns : 1, sizeof(*runs));
	bool one = true;
	for (size_t r = 1; r < b->nruns && one; r++)
		one = !strcmp(program_of(b->runs[r]), program_of(b->runs[0]));
	int rc = 0;
	for (size_t first = 0; first < b->nruns && rc == 0; first++) {
		const char *prog = program_of(b->runs[first]);
		bool seen = false;
		for (size_t r = 0; r < first && !seen; r++)
			seen = !strcmp(program_of(b->runs[r]), prog);
		if (seen)
			continue;
		struct trend_runs tr = { runs, 0, one ? NULL : prog };
		for (size_t r = first; r < b->nruns; r++)
			if (!strcmp(program_of(b->runs[r]), prog))
				runs[tr.n++] = b->runs[r];
		if (tr.n < 2)
			continue;
		size_t ntop;
		struct top *top = top_futures(runs, tr.n, &ntop);
		if (ntop > TREND_MAX_FUTURES)
			ntop = TREND_MAX_FUTURES;
		rc = chart_trend(c, &tr, top, ntop, false, err);
		if (rc == 0)
			rc = chart_trend(c, &tr, top, ntop, true, err);
		free(top);
	}
	free(runs);
	return rc;
}

struct asp_charts {
	struct charts c;
	struct asp_gnuplots *warm;
	char *dir, *stage;
	pthread_t thread;
	bool threaded;
	int rc;
	char *err, *skipped;
};

/* every chart's .dat and .gp into the stage, then gnuplot on them */
static void draw(struct asp_charts *h)
{
	struct charts *c = &h->c;
	const struct asp_batch *b = c->b;
	int rc = 0;
	if (c->hist)
		rc = draw_history(c, &h->err);
	else if (b->cmp)
		for (size_t i = 0; i < b->cmp->nrows && rc == 0; i++) {
			const struct asp_cmp_row *row = &b->cmp->rows[i];
			if ((row->verdict == ASP_V_REGRESSED || row->verdict == ASP_V_IMPROVED) &&
			    !same_as_future_row(b->cmp, row))
				rc = chart_dist(c, row, &h->err);
		}
	if (rc == 0 && b)
		rc = draw_trends(c, &h->err);
	for (size_t r = 0; b && r < b->nruns && rc == 0; r++)
		rc = chart_hist(c, b->runs[r], &h->err);

	if (rc == 0 && c->used.n) {
		char *prog = gnuplot_prog();
		if (!prog) {
			const char *env = getenv("ASPROF_GNUPLOT");
			char *which = env && *env ? xasprintf("ASPROF_GNUPLOT=%s; ", env) : xstrdup("");
			h->skipped = xasprintf("charts skipped: gnuplot not found (%sapt-get install gnuplot-nox); scripts and data are in %s",
					       which, c->dir);
			free(which);
		} else {
			rc = run_gnuplot_all(h->warm, prog, c, &h->err);
		}
		free(prog);
	}
	h->rc = rc;
}

static void *draw_main(void *arg)
{
	struct asp_charts *h = arg;
	asp_oom_what = h->dir; /* out of memory: the charts' folder is named */
	draw(arg);
	return NULL;
}

/* the charts of c (a batch's or a history's) started into dir */
static struct asp_charts *charts_start(struct charts c, const char *dir,
				       struct asp_gnuplots *warm, char **err)
{
	/* one level: a batch's stage removed under it (an interrupt) is not
	 * made again */
	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		asp_fail(err, "%s: cannot create directory: %s", dir, strerror(errno));
		return NULL;
	}
	asp_outfile_sweep(dir, ".draw-", true, ASP_OUTFILE_STALE_SECS);
	char *stage = xasprintf("%s/.draw-XXXXXX", dir);
	if (!mkdtemp(stage)) {
		asp_fail(err, "%s: %s", dir, strerror(errno));
		free(stage);
		return NULL;
	}
	struct asp_charts *h = xcalloc(1, sizeof(*h));
	h->dir = xstrdup(dir);
	h->stage = stage;
	h->warm = warm;
	h->c = c;
	h->c.dir = h->dir;
	h->c.stage = h->stage;
	h->threaded = pthread_create(&h->thread, NULL, draw_main, h) == 0;
	if (!h->threaded)
		draw(h);
	return h;
}

struct asp_charts *asp_charts_start(const struct asp_batch *b, const char *dir,
				    struct asp_gnuplots *warm, char **err)
{
	return charts_start((struct charts){ .b = b }, dir, warm, err);
}

struct asp_charts *asp_history_charts_start(const struct asp_history *hist, const char *dir,
					    size_t top, char **err)
{
	return charts_start((struct charts){ .hist = hist, .top = top }, dir, NULL, err);
}

static const char *const chart_exts[] = { "dat", "gp", "png", "svg" };

int asp_charts_finish(struct asp_charts *h, bool keep, char **skipped_msg, char ***drawn,
		      size_t *ndrawn, char **err)
{
	if (drawn) {
		*drawn = NULL;
		*ndrawn = 0;
	}
	if (!h)
		return 0;
	if (h->threaded)
		pthread_join(h->thread, NULL);
	int rc = keep ? h->rc : 0;
	if (rc < 0) {
		*err = h->err;
		h->err = NULL;
	}
	/* what was drawn whole goes in, even after a failure; the rest goes */
	for (size_t i = 0; i < h->c.used.n; i++) {
		size_t moved = 0;
		for (size_t k = 0; k < ASP_ARRAY_SIZE(chart_exts); k++) {
			char *from = xasprintf("%s/%s.%s", h->stage, h->c.used.v[i], chart_exts[k]);
			char *to = xasprintf("%s/%s.%s", h->dir, h->c.used.v[i], chart_exts[k]);
			if (keep && rename(from, to) == 0)
				moved++;
			else if (keep && errno != ENOENT && rc == 0)
				rc = asp_fail(err, "%s: %s", to, strerror(errno));
			unlink(from);
			free(from);
			free(to);
		}
		if (drawn && moved == ASP_ARRAY_SIZE(chart_exts)) {
			*drawn = xreallocarray(*drawn, *ndrawn + 1, sizeof(**drawn));
			(*drawn)[(*ndrawn)++] = xstrdup(h->c.used.v[i]);
		}
	}
	rmdir(h->stage);
	if (keep && skipped_msg) {
		*skipped_msg = h->skipped;
		h->skipped = NULL;
	}
	names_free(&h->c.used);
	free(h->skipped);
	free(h->err);
	free(h->dir);
	free(h->stage);
	free(h);
	return rc;
}

int asp_charts_write(const struct asp_batch *b, const char *dir, char **skipped_msg, char **err)
{
	if (asp_mkdir_p(dir, err) != 0)
		return -1;
	struct asp_charts *h = asp_charts_start(b, dir, NULL, err);
	return h ? asp_charts_finish(h, true, skipped_msg, NULL, NULL, err) : -1;
}
