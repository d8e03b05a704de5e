/* dist.c - dist-SLUG: base vs new poll-duration CDF of a regressed or
 * improved row of the comparison, with each run's verdict metric (one
 * point a run, in the side's lighter colour: the spread the verdict
 * weighs) and the noise band around the base metric (base × (1 ± noise):
 * a change inside it is run-to-run noise). */
#include "report/charts/chart.h"
#include "report/outfile.h"
#include "report/describe.h"
#include "analysis/util.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- dist-SLUG: empirical CDFs of base and new */

static void cdf_block(struct asp_buf *dat, const struct asp_side *s, double unit_ns,
		      double floor_ns)
{
	size_t n = (size_t)s->d.n;
	if (!n || !s->d.finished)
		return;
	size_t points = n < CDF_MAX_POINTS ? n : CDF_MAX_POINTS;
	double x0 = (double)s->d.min;
	asp_buf_printf(dat, "%.6g 0\n", (x0 < floor_ns ? floor_ns : x0) / unit_ns);
	size_t last = SIZE_MAX;
	for (size_t j = 0; j < points; j++) {
		size_t k = points == 1 ? n - 1
				       : (size_t)(((double)j * (double)(n - 1)) / (double)(points - 1) + 0.5);
		if (k == last)
			continue;
		last = k;
		double x = (double)asp_durations_rank(&s->d, k);
		if (x < floor_ns)
			x = floor_ns;
		asp_buf_printf(dat, "%.6g %.6g\n", x / unit_ns, (double)(k + 1) / (double)n);
	}
}

/* the lighter colour of series_color[s], for each run's point */
static const char *const run_color[] = { "#aec7e8", "#ffbb78" };

/* the height at which a run's metric is drawn: the quantile it is, on the
 * CDF's scale; the middle for the mean and busy per poll */
static double metric_level(enum asp_verdict_metric m)
{
	switch (m) {
	case ASP_METRIC_P50: return 0.5;
	case ASP_METRIC_P90: return 0.9;
	case ASP_METRIC_P99: return 0.99;
	case ASP_METRIC_MAX: return 1.0;
	default: return 0.5;
	}
}

/* the runs' metrics of a side as "x level" lines (NAN: not polled in that
 * run, left out); returns how many */
static size_t run_block(struct asp_buf *dat, const struct asp_side *s, size_t nruns,
			char *const *names, double level, double unit_ns, double floor_ns)
{
	size_t n = 0;
	for (size_t i = 0; s->run_metric && i < nruns; i++) {
		double x = s->run_metric[i];
		if (!isfinite(x) || x < 0)
			continue;
		dat_comment(dat, "run %s", names[i]);
		asp_buf_printf(dat, "%.6g %.6g\n", (x < floor_ns ? floor_ns : x) / unit_ns, level);
		n++;
	}
	return n;
}

int chart_dist(struct charts *c, const struct asp_cmp_row *row, char **err)
{
	const struct asp_comparison *cmp = c->b->cmp;
	char *label = asp_short_name(row->name, 60);
	char *slug_src = asp_short_name(row->name, 0);
	char *tagged = row->is_task ? xasprintf("task %s", slug_src) : xstrdup(slug_src);
	const char *name = chart_name(&c->used, "dist", tagged);
	free(tagged);
	free(slug_src);

	const struct asp_side *side[2] = { &row->base, &row->new_ };
	const char *side_name[2] = { "base", "new" };
	size_t side_runs[2] = { cmp->nbase, cmp->nnew };
	char *const *run_names[2] = { cmp->base_runs, cmp->new_runs };
	double lo = 0, hi = 0;
	for (int s = 0; s < 2; s++) {
		const struct asp_durations *d = &side[s]->d;
		for (size_t i = 0, nb = asp_durations_nbins(d); i < nb; i++) {
			uint64_t c, v = asp_durations_bin(d, i, &c);
			if (v) {
				if (!lo || (double)v < lo)
					lo = (double)v;
				break;
			}
		}
		if (d->n && (double)d->max > hi)
			hi = (double)d->max;
	}
	struct unit u = pick_unit(hi);
	bool logx = lo > 0 && hi / lo > 100;
	double floor_ns = logx ? lo : 0;
	const char *metric = asp_metric_name(cmp->metric);

	struct asp_buf dat = { 0 }, gp = { 0 };
	dat_comment(&dat, "%s.dat - poll-duration distribution (empirical CDF), base vs new", name);
	dat_comment(&dat, "%s: %s", row->is_task ? "task root" : "future", row->name);
	dat_comment(&dat, "verdict: %s: %s", asp_verdict_name(row->verdict),
		    row->reason ? row->reason : "");
	dat_comment(&dat, "columns: poll duration (%s), fraction of polls <= duration", u.name);
	if (logx)
		dat_comment(&dat, "durations of 0 ns are shown at the smallest nonzero one");
	if (side[0]->d.n > CDF_MAX_POINTS || side[1]->d.n > CDF_MAX_POINTS)
		dat_comment(&dat, "thinned to at most %d evenly spaced ranks per side",
			    CDF_MAX_POINTS);
	int next_index = 0, cdf_index[2], run_index[2];
	for (int s = 0; s < 2; s++) {
		struct asp_buf runs = { 0 };
		for (size_t i = 0; i < side_runs[s]; i++)
			asp_buf_printf(&runs, "%s%s", i ? ", " : "", run_names[s][i]);
		asp_buf_printf(&dat, "\n\n");
		/* gnuplot counts only the blocks with data: an empty one has no index */
		bool data = side[s]->d.n && side[s]->d.finished;
		cdf_index[s] = data ? next_index++ : -1;
		dat_comment(&dat, "index %d: %s, %zu run%s (%s), %" PRIu64 " polls", cdf_index[s], side_name[s],
			    side_runs[s], side_runs[s] == 1 ? "" : "s", runs.data ? runs.data : "",
			    (uint64_t)side[s]->d.n);
		asp_buf_free(&runs);
		cdf_block(&dat, side[s], u.ns, floor_ns);
	}
	size_t nrun_pts[2];
	for (int s = 0; s < 2; s++) {
		size_t finite = 0;
		for (size_t i = 0; side[s]->run_metric && i < side_runs[s]; i++)
			finite += isfinite(side[s]->run_metric[i]) && side[s]->run_metric[i] >= 0;
		run_index[s] = finite ? next_index++ : -1;
		asp_buf_printf(&dat, "\n\n");
		dat_comment(&dat, "index %d: %s, each run's %s (column 2: the level it is drawn at)",
			    run_index[s], side_name[s], metric);
		nrun_pts[s] = run_block(&dat, side[s], side_runs[s], run_names[s],
					metric_level(cmp->metric), u.ns, floor_ns);
	}

	gp_begin(&gp, name, "poll-duration distribution, base vs new", 1100, 650);
	char *title = xasprintf("%s%s: %s", row->is_task ? "task " : "", label,
				asp_verdict_name(row->verdict));
	asp_buf_append(&gp, "    set title ", strlen("    set title "));
	char *change = asp_change_summary(cmp->metric, row);
	char *full = xasprintf("%s\n%s", title, change);
	free(change);
	gp_str(&gp, full);
	asp_buf_append(&gp, "\n", 1);
	free(full);
	free(title);
	if (logx)
		asp_buf_printf(&gp, "    set xlabel \"poll duration (log scale)\"\n");
	else
		asp_buf_printf(&gp, "    set xlabel \"poll duration (%s)\"\n", u.name);
	asp_buf_printf(&gp, "    set ylabel \"fraction of polls at or below\"\n");
	if (logx) {
		asp_buf_printf(&gp, "    set logscale x 10\n");
		gp_log_tics(&gp, "x", lo / u.ns, hi / u.ns, u.ns);
	}
	asp_buf_printf(&gp, "    set yrange [0:1.05]\n    set ytics 0.1\n    set grid\n");
	asp_buf_printf(&gp, "    set key below\n");
	/* dashed verticals at each side's verdict metric */
	double mv[2] = { row->metric_base, row->metric_new };
	for (int s = 0; s < 2; s++) {
		double x = mv[s] < floor_ns ? floor_ns : mv[s];
		if (!side[s]->d.n || (logx && x <= 0))
			continue;
		asp_buf_printf(&gp, "    set arrow %d from %.6g, graph 0 to %.6g, graph 1 nohead dt 2 lc rgb \"%s\"\n",
			       s + 1, x / u.ns, x / u.ns, series_color[s]);
	}
	/* the noise band: a change of the metric inside it is what the runs
	 * of a side show among themselves (or the assumed noise) */
	double band[2] = { row->metric_base * (1 - row->noise), row->metric_base * (1 + row->noise) };
	bool banded = row->base.polls && isfinite(row->noise) && row->noise > 0 &&
		      row->metric_base > 0;
	if (banded) {
		for (int k = 0; k < 2; k++)
			band[k] = band[k] < floor_ns ? floor_ns : band[k];
		asp_buf_printf(&gp, "    set object 1 rect from %.6g, graph 0 to %.6g, graph 1 behind "
				    "fc rgb \"%s\" fs transparent solid 0.15 noborder\n",
			       band[0] / u.ns, band[1] / u.ns, series_color[0]);
	}
	/* the interval of new/base, as new metric values (base × ratio): a bar
	 * along the bottom in the new side's colour */
	bool interval = row->metric_base > 0 && (row->ratio_lo != 1 || row->ratio_hi != 1) &&
			isfinite(row->ratio_lo) && isfinite(row->ratio_hi) && row->ratio_hi > row->ratio_lo;
	if (interval) {
		double i0 = row->metric_base * row->ratio_lo, i1 = row->metric_base * row->ratio_hi;
		i0 = i0 < floor_ns ? floor_ns : i0;
		i1 = i1 < floor_ns ? floor_ns : i1;
		asp_buf_printf(&gp, "    set object 2 rect from %.6g, graph 0 to %.6g, graph 0.035 front "
				    "fc rgb \"%s\" fs solid 0.8 noborder\n",
			       i0 / u.ns, i1 / u.ns, series_color[1]);
	}
	asp_buf_printf(&gp, "    plot");
	int plotted = 0;
	for (int s = 0; s < 2; s++) {
		if (cdf_index[s] < 0)
			continue;
		char m[32];
		fmt_dur(mv[s], m, sizeof(m));
		char *t = xasprintf("%s (%zu run%s, %" PRIu64 " polls; %s %s, dashed)", side_name[s],
				    side_runs[s], side_runs[s] == 1 ? "" : "s",
				    (uint64_t)side[s]->d.n, metric, m);
		asp_buf_printf(&gp, "%s \"%s.dat\" index %d using 1:2 with steps lw 2 lc rgb \"%s\" title ",
			       plotted ? ", \\\n        " : " ", name, cdf_index[s], series_color[s]);
		gp_str(&gp, t);
		free(t);
		plotted++;
	}
	for (int s = 0; s < 2; s++) {
		if (!nrun_pts[s])
			continue;
		char *t = xasprintf("%s: each run's %s (%zu of %zu)", side_name[s], metric,
				    nrun_pts[s], side_runs[s]);
		asp_buf_printf(&gp, "%s \"%s.dat\" index %d using 1:2 with points pt 7 ps 1.5 "
				    "lc rgb \"%s\" title ",
			       plotted ? ", \\\n        " : " ", name, run_index[s], run_color[s]);
		gp_str(&gp, t);
		free(t);
		plotted++;
	}
	if (banded && plotted) {
		char nz[64];
		char *t = xasprintf("noise band: base %s %s", metric,
				    asp_noise_text(row, nz, sizeof(nz)));
		asp_buf_printf(&gp, ", \\\n         NaN with boxes fs transparent solid 0.15 noborder "
				    "lc rgb \"%s\" title ",
			       series_color[0]);
		gp_str(&gp, t);
		free(t);
	}
	if (interval && plotted) {
		char *t = xasprintf("interval of the new %s (%.0f %% confidence)", metric,
				    cmp->confidence > 0 ? cmp->confidence * 100 : 95.0);
		asp_buf_printf(&gp, ", \\\n         NaN with boxes fs solid 0.8 noborder lc rgb \"%s\" title ",
			       series_color[1]);
		gp_str(&gp, t);
		free(t);
	}
	if (!plotted)
		asp_buf_printf(&gp, " NaN notitle");
	asp_buf_append(&gp, "\n", 1);
	gp_end(&gp);
	free(label);
	return chart_commit(c, name, &dat, &gp, err);
}
