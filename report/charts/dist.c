/* dist.c - dist-SLUG: base vs new poll-duration CDF of a regressed or
 * improved row of the comparison. */
#include "report/charts/chart.h"
#include "report/outfile.h"
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
	for (int s = 0; s < 2; s++) {
		struct asp_buf runs = { 0 };
		for (size_t i = 0; i < side_runs[s]; i++)
			asp_buf_printf(&runs, "%s%s", i ? ", " : "", run_names[s][i]);
		asp_buf_printf(&dat, "\n\n");
		dat_comment(&dat, "index %d: %s, %zu run%s (%s), %" PRIu64 " polls", s, side_name[s],
			    side_runs[s], side_runs[s] == 1 ? "" : "s", runs.data ? runs.data : "",
			    (uint64_t)side[s]->d.n);
		asp_buf_free(&runs);
		cdf_block(&dat, side[s], u.ns, floor_ns);
	}

	gp_begin(&gp, name, "poll-duration distribution, base vs new", 1100, 650);
	char *title = xasprintf("%s%s: %s", row->is_task ? "task " : "", label,
				asp_verdict_name(row->verdict));
	asp_buf_append(&gp, "    set title ", strlen("    set title "));
	char *full = xasprintf("%s\n%s", title, row->reason ? row->reason : "");
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
	asp_buf_printf(&gp, "    plot");
	int plotted = 0;
	for (int s = 0; s < 2; s++) {
		if (!side[s]->d.n)
			continue;
		char m[32];
		fmt_dur(mv[s], m, sizeof(m));
		char *t = xasprintf("%s (%zu run%s, %" PRIu64 " polls; %s %s, dashed)", side_name[s],
				    side_runs[s], side_runs[s] == 1 ? "" : "s",
				    (uint64_t)side[s]->d.n, metric, m);
		asp_buf_printf(&gp, "%s \"%s.dat\" index %d using 1:2 with steps lw 2 lc rgb \"%s\" title ",
			       plotted ? ", \\\n        " : " ", name, s, series_color[s]);
		gp_str(&gp, t);
		free(t);
		plotted++;
	}
	if (!plotted)
		asp_buf_printf(&gp, " NaN notitle");
	asp_buf_append(&gp, "\n", 1);
	gp_end(&gp);
	free(label);
	return chart_commit(c, name, &dat, &gp, err);
}
