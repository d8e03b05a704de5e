/* hist.c - hist-RUN: per run, log-binned histograms of the poll times of
 * its top futures: own time (on CPU + blocked, what the blocking rules
 * judge) when the run has context switches, else wall time; with the
 * blocking thresholds that apply to each future drawn as lines. */
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

/* --- hist-RUN: log-binned poll durations of a run's top futures */

/* bin of v (ns, >= 1) with per_decade bins per decade */
static long bin_of(uint64_t v, int per_decade)
{
	return (long)floor(log10((double)(v ? v : 1)) * per_decade + 1e-9);
}

/* a whole-number tic step (1, 2, 5 x 10^k) giving at most about 5 tics up to max */
static size_t count_step(size_t max)
{
	static const size_t steps[] = { 1, 2, 5 };
	for (size_t scale = 1;; scale *= 10)
		for (size_t i = 0; i < ASP_ARRAY_SIZE(steps); i++)
			if (steps[i] * scale * 5 >= max || scale > SIZE_MAX / 100)
				return steps[i] * scale;
}

/* the poll times a run's histograms show: what the blocking rules judge */
static const struct asp_durations *judged(const struct asp_result *run, const struct asp_future *f)
{
	return run->has_sched && !run->measure_wall && f->own_ns.n ? &f->own_ns : &f->poll_ns;
}

/* vertical lines at the blocking thresholds of future f that fall in
 * [xlo, xhi] (µs), labelled; arrows and labels numbered from 1 in each
 * panel (unset by the next panel's) */
static void threshold_lines(struct asp_buf *gp, const struct asp_rules *rules, const char *future,
			    double xlo, double xhi)
{
	asp_buf_printf(gp, "    unset arrow\n    unset label\n");
	if (!rules)
		return;
	uint64_t warn = rules->warning_ns, error = rules->error_ns;
	const struct asp_override *o = asp_rules_override(rules, future);
	if (o && o->ignore)
		return;
	if (o && o->has_warning)
		warn = o->warning_ns;
	if (o && o->has_error)
		error = o->error_ns;
	const struct {
		const char *what;
		uint64_t ns;
		const char *color;
	} t[] = { { "warning", warn, "#b8860b" }, { "error", error, "#c00000" } };
	for (size_t i = 0; i < ASP_ARRAY_SIZE(t); i++) {
		double x = (double)t[i].ns / 1e3;
		if (!t[i].ns || x < xlo || x > xhi)
			continue;
		char d[32];
		fmt_dur((double)t[i].ns, d, sizeof(d));
		asp_buf_printf(gp, "    set arrow %zu from %.6g, graph 0 to %.6g, graph 1 nohead dt 2 lw 2 lc rgb \"%s\"\n",
			       i + 1, x, x, t[i].color);
		asp_buf_printf(gp, "    set label %zu \"%s %s\" at %.6g, graph 0.92 right offset -0.5, 0 tc rgb \"%s\"\n",
			       i + 1, t[i].what, d, x, t[i].color);
	}
}

int chart_hist(struct charts *c, const struct asp_result *run, char **err)
{
	char *run_slug_src = xstrdup(run->name);
	const char *name = chart_name(&c->used, "hist", run_slug_src);
	free(run_slug_src);

	const struct asp_future **fs = xcalloc(run->nfutures ? run->nfutures : 1, sizeof(*fs));
	size_t nf = 0;
	for (size_t i = 0; i < run->nfutures; i++)
		if (run->futures[i].poll_ns.n)
			fs[nf++] = &run->futures[i];
	if (nf)
		asp_qsort(fs, nf, sizeof(*fs), asp_future_busy_cmp);
	if (nf > HIST_MAX_FUTURES)
		nf = HIST_MAX_FUTURES;

	bool own = nf && judged(run, fs[0]) == &fs[0]->own_ns;
	const char *what = own ? "own poll time (on CPU + blocked)" : "poll duration";
	uint64_t lo = UINT64_MAX, hi = 0;
	for (size_t i = 0; i < nf; i++) {
		const struct asp_durations *d = judged(run, fs[i]);
		uint64_t v0 = d->min ? d->min : 1, v1 = d->max ? d->max : 1;
		if (v0 < lo)
			lo = v0;
		if (v1 > hi)
			hi = v1;
	}
	double decades = nf ? log10((double)hi / (double)lo) : 1;
	int per_decade = decades <= 3 ? 10 : decades <= 6 ? 6 : 4;
	long b0 = nf ? bin_of(lo, per_decade) : 0, b1 = nf ? bin_of(hi, per_decade) : 0;
	size_t nbins = (size_t)(b1 - b0 + 1);
	double unit = 1e3; /* µs */

	struct asp_buf dat = { 0 }, gp = { 0 };
	dat_comment(&dat, "%s.dat - histograms of the %s of run %s (%s)", name, what, run->name,
		    run->path ? run->path : "");
	dat_comment(&dat, "the %zu futures with the most busy time; bins log-spaced, %d per decade",
		    nf, per_decade);
	dat_comment(&dat, "columns: bin low (\u00b5s), bin high (\u00b5s), polls in [low, high)");
	size_t *counts = xcalloc(nbins, sizeof(*counts));
	size_t *peak = xcalloc(nf ? nf : 1, sizeof(*peak)); /* the fullest bin of each */
	for (size_t i = 0; i < nf; i++) {
		const struct asp_future *f = fs[i];
		memset(counts, 0, nbins * sizeof(*counts));
		const struct asp_durations *d = judged(run, f);
		for (size_t k = 0, nb = asp_durations_nbins(d); k < nb; k++) {
			uint64_t c, v = asp_durations_bin(d, k, &c);
			counts[bin_of(v, per_decade) - b0] += (size_t)c;
		}
		for (size_t k = 0; k < nbins; k++)
			if (counts[k] > peak[i])
				peak[i] = counts[k];
		char busy[32];
		fmt_dur((double)f->busy_ns, busy, sizeof(busy));
		asp_buf_printf(&dat, "\n\n");
		dat_comment(&dat, "index %zu: %s (%" PRIu64 " polls, busy %s)", i, f->name, f->poll_ns.n,
			    busy);
		for (size_t k = 0; k < nbins; k++) {
			double e0 = pow(10.0, (double)(b0 + (long)k) / per_decade);
			double e1 = pow(10.0, (double)(b0 + (long)k + 1) / per_decade);
			asp_buf_printf(&dat, "%.6g %.6g %zu\n", e0 / unit, e1 / unit, counts[k]);
		}
	}
	free(counts);

	/* panels of equal height: title band, panels with a band for tics and
	 * the next panel's title, room for the x label at the bottom */
	const int top_px = 85, panel_px = 170, gap_px = 75, bottom_px = 60;
	int h = nf ? top_px + (int)nf * panel_px + ((int)nf - 1) * gap_px + bottom_px : 400;
	gp_begin(&gp, name, "poll-time histograms of one run", 1000, h);
	if (!nf) {
		char *t = xasprintf("Poll times, run %s", run->name);
		asp_buf_append(&gp, "    set title ", strlen("    set title "));
		gp_str(&gp, t);
		free(t);
		asp_buf_append(&gp, "\n", 1);
		gp_empty(&gp, "no future polls in this run");
		gp_end(&gp);
		free(fs);
		free(peak);
		return chart_commit(c, name, &dat, &gp, err);
	}
	double xlo = pow(10.0, (double)b0 / per_decade) / unit;
	double xhi = pow(10.0, (double)(b1 + 1) / per_decade) / unit;
	/* the warning threshold in sight, so the chart shows how far below it
	 * the polls are */
	if (c->b->rules && c->b->rules->warning_ns && (double)c->b->rules->warning_ns / unit * 1.5 > xhi)
		xhi = (double)c->b->rules->warning_ns / unit * 1.5;
	asp_buf_printf(&gp, "    set logscale x 10\n    set xrange [%.6g:%.6g]\n    set yrange [0:*]\n",
		       xlo, xhi);
	asp_buf_printf(&gp, "    set style fill solid 0.7 border lc rgb \"gray30\"\n");
	asp_buf_printf(&gp, "    set grid xtics\n    unset key\n    set ylabel \"polls\"\n");
	gp_log_tics(&gp, "x", xlo, xhi, unit);
	char *t = xasprintf("%s %s, run %s: top %zu futures by busy time", own ? "Own" : "Poll",
			    own ? "poll time (on CPU + blocked)" : "durations", run->name, nf);
	asp_buf_append(&gp, "    set multiplot layout ", strlen("    set multiplot layout "));
	asp_buf_printf(&gp, "%zu,1 title ", nf);
	gp_str(&gp, t);
	free(t);
	asp_buf_printf(&gp, " margins 0.09, 0.97, %.4f, %.4f spacing 0, %.4f", (double)bottom_px / h,
		       1.0 - (double)top_px / h, (double)gap_px / h);
	asp_buf_append(&gp, "\n", 1);
	const char **full = xcalloc(nf, sizeof(*full));
	for (size_t i = 0; i < nf; i++)
		full[i] = fs[i]->name;
	char **labels = asp_short_names(full, nf, 50);
	free(full);
	for (size_t i = 0; i < nf; i++) {
		const struct asp_future *f = fs[i];
		const struct asp_durations *d = judged(run, f);
		char busy[32], p50[32], p99[32];
		fmt_dur((double)f->busy_ns, busy, sizeof(busy));
		fmt_dur((double)asp_durations_quantile(d, 0.5), p50, sizeof(p50));
		fmt_dur((double)p99_of(d), p99, sizeof(p99));
		char *pt = xasprintf("%s: %" PRIu64 " polls, busy %s, p50 %s, p99 %s", labels[i],
				     d->n, busy, p50, p99);
		asp_buf_append(&gp, "    set title ", strlen("    set title "));
		gp_str(&gp, pt);
		asp_buf_append(&gp, "\n", 1);
		free(pt);
		free(labels[i]);
		threshold_lines(&gp, c->b->rules, f->name, xlo, xhi);
		if (i + 1 == nf)
			asp_buf_printf(&gp, "    set xlabel \"%s (log scale)\"\n", what);
		else
			asp_buf_printf(&gp, "    unset xlabel\n");
		asp_buf_printf(&gp, "    set ytics %zu\n", count_step(peak[i]));
		asp_buf_printf(&gp, "    plot \"%s.dat\" index %zu using 1:3:1:2:(0):3 with boxxyerror lc rgb \"%s\"\n",
			       name, i, series_color[i % ASP_ARRAY_SIZE(series_color)]);
	}
	free(labels);
	asp_buf_printf(&gp, "    unset multiplot\n    unset xlabel\n");
	gp_end(&gp);
	free(fs);
	free(peak);
	return chart_commit(c, name, &dat, &gp, err);
}
