/* trend.c - trend-p99 and trend-busy: the top futures by busy time
 * across the runs of one program (with two runs or more). A batch of
 * several programs draws one pair per program (trend-p99-PROG), as the
 * futures of unrelated programs have nothing to line up. */
#include "report/charts/chart.h"
#include "report/outfile.h"
#include "analysis/util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- trend-p99, trend-busy: the top futures across runs */

static int top_cmp(const void *a, const void *b)
{
	const struct top *x = a, *y = b;
	if (x->busy != y->busy)
		return x->busy > y->busy ? -1 : 1;
	return strcmp(x->name, y->name);
}

static const struct asp_future *find_future(const struct asp_result *r, const char *name)
{
	for (size_t i = 0; i < r->nfutures; i++)
		if (!strcmp(r->futures[i].name, name))
			return &r->futures[i];
	return NULL;
}

/* futures by busy time summed over runs, most first; *n gets the count */
struct top *top_futures(const struct asp_result *const *runs, size_t nruns, size_t *n)
{
	struct top *t = NULL;
	size_t nt = 0;
	for (size_t r = 0; r < nruns; r++) {
		const struct asp_result *run = runs[r];
		for (size_t i = 0; i < run->nfutures; i++) {
			const struct asp_future *f = &run->futures[i];
			size_t k = 0;
			while (k < nt && strcmp(t[k].name, f->name))
				k++;
			if (k == nt) {
				t = xreallocarray(t, nt + 1, sizeof(*t));
				t[nt++] = (struct top){ f->name, 0 };
			}
			t[k].busy += f->busy_ns;
		}
	}
	if (nt)
		asp_qsort(t, nt, sizeof(*t), top_cmp);
	*n = nt;
	return t;
}

int chart_trend(struct charts *c, const struct trend_runs *tr, const struct top *top, size_t ntop,
		bool busy, char **err)
{
	const struct asp_result *const *runs = tr->runs;
	size_t nruns = tr->n;
	const char *prefix = busy ? "trend-busy" : "trend-p99";
	const char *name = prefix;
	if (tr->program)
		name = chart_name(&c->used, prefix, tr->program);
	else
		names_add(&c->used, xstrdup(name));
	double max = 0;
	for (size_t r = 0; r < nruns; r++)
		for (size_t k = 0; k < ntop; k++) {
			const struct asp_future *f = find_future(runs[r], top[k].name);
			double v = !f ? 0 : busy ? (double)f->busy_ns : (double)p99_of(&f->poll_ns);
			if (v > max)
				max = v;
		}
	struct unit u = pick_unit(max);
	const char *what = busy ? "busy time (time spent in polls)" : "p99 poll duration";

	struct asp_buf dat = { 0 }, gp = { 0 };
	dat_comment(&dat, "%s.dat - %s per run, of the %zu futures with the most busy time", name,
		    what, ntop);
	dat_comment(&dat, "columns: 1 run index (argument order), 2 run name, 3.. %s (%s) per future; NaN: not in the run",
		    busy ? "busy time" : "p99", u.name);
	for (size_t k = 0; k < ntop; k++)
		dat_comment(&dat, "column %zu: %s", k + 3, top[k].name);
	if (tr->program)
		dat_comment(&dat, "the runs of program %s", tr->program);
	for (size_t r = 0; r < nruns; r++)
		dat_comment(&dat, "run %zu: %s (%s)", r + 1, runs[r]->name,
			    runs[r]->path ? runs[r]->path : "");
	/* the x tics: every run's name while the names fit, else every k-th,
	 * cut to fit under the axis; in the script (gp_str), as a data file's
	 * strings cannot hold every name */
	const char **tic_names = xcalloc(nruns ? nruns : 1, sizeof(*tic_names));
	for (size_t r = 0; r < nruns; r++)
		tic_names[r] = runs[r]->name;
	struct asp_buf tics = { 0 };
	size_t first_tic_chars = gp_run_tics(&tics, tic_names, nruns);
	free(tic_names);
	for (size_t r = 0; r < nruns; r++) {
		dat_run_column(&dat, r, runs[r]->name);
		for (size_t k = 0; k < ntop; k++) {
			const struct asp_future *f = find_future(runs[r], top[k].name);
			if (!f || (!busy && !f->poll_ns.n)) {
				asp_buf_printf(&dat, " NaN");
				continue;
			}
			double v = busy ? (double)f->busy_ns : (double)p99_of(&f->poll_ns);
			asp_buf_printf(&dat, " %.6g", v / u.ns);
		}
		asp_buf_append(&dat, "\n", 1);
	}

	int w = 1200, h = 650;
	gp_begin(&gp, name, what, w, h);
	char *title = xasprintf("%s per run%s%s%s", busy ? "Busy time" : "p99 poll duration",
				tr->program ? " of " : "", tr->program ? tr->program : "",
				ntop ? ", top futures by busy time" : "");
	asp_buf_append(&gp, "    set title ", strlen("    set title "));
	gp_str(&gp, title);
	asp_buf_append(&gp, "\n", 1);
	free(title);
	if (!ntop || !nruns) {
		gp_empty(&gp, "no futures were polled in these runs");
		gp_end(&gp);
		asp_buf_free(&tics);
		return chart_commit(c, name, &dat, &gp, err);
	}
	asp_buf_printf(&gp, "    set xlabel \"run (argument order)\"\n");
	asp_buf_printf(&gp, "    set ylabel \"%s (%s)\"\n", busy ? "busy time" : "p99 poll duration",
		       u.name);
	asp_buf_printf(&gp, "    set xrange [0.5:%zu.5]\n    set yrange [0:*]\n", nruns);
	asp_buf_printf(&gp, "    set xtics rotate by 45 right nomirror\n    set grid ytics\n");
	gp_put_run_tics(&gp, &tics, first_tic_chars);
	asp_buf_printf(&gp, "    set key outside right top vertical Left reverse samplen 2\n");
	const struct asp_comparison *cmp = c->b->cmp;
	if (!tr->program && cmp && cmp->nbase && cmp->nnew && cmp->nbase + cmp->nnew == nruns) {
		/* base runs come first: mark where the new ones start */
		asp_buf_printf(&gp, "    set tmargin 4\n");
		asp_buf_printf(&gp, "    set arrow 1 from %zu.5, graph 0 to %zu.5, graph 1 nohead dt 2 lc rgb \"gray40\"\n",
			       cmp->nbase, cmp->nbase);
		asp_buf_printf(&gp, "    set label 1 \"base\" at %zu.5, graph 1 right offset -0.5, 0.6 tc rgb \"gray40\"\n",
			       cmp->nbase);
		asp_buf_printf(&gp, "    set label 2 \"new\" at %zu.5, graph 1 left offset 0.5, 0.6 tc rgb \"gray40\"\n",
			       cmp->nbase);
	}
	asp_buf_printf(&gp, "    plot");
	const char **full = xcalloc(ntop, sizeof(*full));
	for (size_t k = 0; k < ntop; k++)
		full[k] = top[k].name;
	char **labels = asp_short_names(full, ntop, LABEL_MAX);
	free(full);
	for (size_t k = 0; k < ntop; k++) {
		char *label = labels[k];
		asp_buf_printf(&gp, "%s\"%s.dat\" using 1:%zu with linespoints lw 2 pt %zu ps 1.2 lc rgb \"%s\" title ",
			       k ? ", \\\n        " : " ", name, k + 3, k + 4,
			       series_color[k % ASP_ARRAY_SIZE(series_color)]);
		gp_str(&gp, label);
		free(label);
	}
	free(labels);
	asp_buf_append(&gp, "\n", 1);
	gp_end(&gp);
	return chart_commit(c, name, &dat, &gp, err);
}
