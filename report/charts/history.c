/* history.c - the charts of `asprof-batch trend`: history-SLUG, one per
 * future that changed, and history-top, the futures with the most busy
 * time: the metric of each night's own poll times, nights in the order
 * given, each tic the night's label, every change point of its own a
 * dashed line before its first night with the change written over it. */
#include "report/charts/chart.h"
#include "report/history.h"
#include "analysis/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int busy_cmp(const void *a, const void *b)
{
	const struct asp_history_future *x = *(const struct asp_history_future *const *)a;
	const struct asp_history_future *y = *(const struct asp_history_future *const *)b;
	if (x->busy_ns != y->busy_ns)
		return x->busy_ns > y->busy_ns ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* the chart NAME of futures fs[0..n) */
static int chart_history(struct charts *c, const char *name, const char *title,
			 const struct asp_history_future *const *fs, size_t n, char **err)
{
	const struct asp_history *h = c->hist;
	double max = 0;
	for (size_t k = 0; k < n; k++)
		for (size_t r = 0; r < h->nnights; r++)
			if (isfinite(fs[k]->metric[r]) && fs[k]->metric[r] > max)
				max = fs[k]->metric[r];
	struct unit u = pick_unit(max);
	const char *metric = asp_metric_name(h->metric);
	struct asp_buf dat = { 0 }, gp = { 0 };
	dat_comment(&dat, "%s.dat - %s own poll time per night", name, metric);
	dat_comment(&dat, "columns: 1 night (the order given), 2 run name, 3.. %s (%s) per future; NaN: not polled that night",
		    metric, u.name);
	for (size_t k = 0; k < n; k++)
		dat_comment(&dat, "column %zu: %s", k + 3, fs[k]->name);
	for (size_t r = 0; r < h->nnights; r++)
		dat_comment(&dat, "night %zu: %s, label %s", r + 1, h->night[r], h->label[r]);
	for (size_t r = 0; r < h->nnights; r++) {
		dat_run_column(&dat, r, h->night[r]);
		for (size_t k = 0; k < n; k++) {
			double v = fs[k]->metric[r];
			if (isfinite(v))
				asp_buf_printf(&dat, " %.6g", v / u.ns);
			else
				asp_buf_printf(&dat, " NaN");
		}
		asp_buf_append(&dat, "\n", 1);
	}

	gp_begin(&gp, name, title, 1200, 650);
	asp_buf_append(&gp, "    set title ", strlen("    set title "));
	gp_str(&gp, title);
	asp_buf_append(&gp, "\n", 1);
	if (!n || !h->nnights) {
		gp_empty(&gp, "no futures were polled in these nights");
		gp_end(&gp);
		return chart_commit(c, name, &dat, &gp, err);
	}
	asp_buf_printf(&gp, "    set xlabel \"night (label)\"\n");
	asp_buf_printf(&gp, "    set ylabel \"%s own poll time (%s)\"\n", metric, u.name);
	asp_buf_printf(&gp, "    set xrange [0.5:%zu.5]\n    set yrange [0:*]\n", h->nnights);
	asp_buf_printf(&gp, "    set xtics rotate by 45 right nomirror\n    set grid ytics\n");
	asp_buf_printf(&gp, "    set tmargin 4\n");
	struct asp_buf tics = { 0 };
	size_t first = gp_run_tics(&tics, (const char *const *)h->label, h->nnights);
	gp_put_run_tics(&gp, &tics, first);
	asp_buf_printf(&gp, "    set key outside right top vertical Left reverse samplen 2\n");
	size_t mark = 0;
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < fs[k]->nchanges; i++) {
			const struct asp_history_change *ch = &fs[k]->changes[i];
			if (ch->verdict == ASP_V_VIA)
				continue;
			const char *color = series_color[k % ASP_ARRAY_SIZE(series_color)];
			char pct[32];
			asp_history_pct(pct, sizeof(pct), ch->rel_change);
			mark++;
			asp_buf_printf(&gp, "    set arrow %zu from %zu.5, graph 0 to %zu.5, graph 1 nohead dt 2 lw 2 lc rgb \"%s\"\n",
				       mark, ch->night, ch->night, color);
			asp_buf_printf(&gp, "    set label %zu \"%s\" at %zu.5, graph 1 center offset 0, %.1f tc rgb \"%s\"\n",
				       mark, pct, ch->night, 0.6 + 0.9 * (double)(k % 2), color);
		}
	asp_buf_printf(&gp, "    plot");
	const char **full = xcalloc(n, sizeof(*full));
	for (size_t k = 0; k < n; k++)
		full[k] = fs[k]->name;
	char **labels = asp_short_names(full, n, LABEL_MAX);
	free(full);
	for (size_t k = 0; k < n; k++) {
		asp_buf_printf(&gp, "%s\"%s.dat\" using 1:%zu with linespoints lw 2 pt %zu ps 1.2 lc rgb \"%s\" title ",
			       k ? ", \\\n        " : " ", name, k + 3, k + 4,
			       series_color[k % ASP_ARRAY_SIZE(series_color)]);
		gp_str(&gp, labels[k]);
		free(labels[k]);
	}
	free(labels);
	asp_buf_append(&gp, "\n", 1);
	gp_end(&gp);
	return chart_commit(c, name, &dat, &gp, err);
}

int draw_history(struct charts *c, char **err)
{
	const struct asp_history *h = c->hist;
	int rc = 0;
	names_add(&c->used, xstrdup("history-top")); /* no future's takes it */
	for (size_t i = 0; i < h->nfutures && rc == 0; i++) {
		const struct asp_history_future *f = &h->futures[i];
		if (!f->nown)
			continue;
		char *label = asp_short_name(f->name, SLUG_MAX);
		const char *name = chart_name(&c->used, "history", label);
		free(label);
		char *title = xasprintf("%s: %s own poll time per night", f->name,
					asp_metric_name(h->metric));
		rc = chart_history(c, name, title, &f, 1, err);
		free(title);
	}
	if (rc)
		return rc;
	const struct asp_history_future **top = xcalloc(h->nfutures ? h->nfutures : 1, sizeof(*top));
	for (size_t i = 0; i < h->nfutures; i++)
		top[i] = &h->futures[i];
	if (h->nfutures)
		asp_qsort(top, h->nfutures, sizeof(*top), busy_cmp);
	size_t n = h->nfutures < c->top ? h->nfutures : c->top;
	char *title = xasprintf("%s own poll time per night, top futures by busy time",
				asp_metric_name(h->metric));
	rc = chart_history(c, "history-top", title, top, n, err);
	free(title);
	free(top);
	return rc;
}
