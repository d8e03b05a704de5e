/* charts.c - the batch charts, drawn by gnuplot: for each chart NAME a data
 * file NAME.dat (full future names and units in its header), a
 * self-contained script NAME.gp that a user can edit and re-run in that
 * directory (`gnuplot NAME.gp` writes NAME.png and NAME.svg), then gnuplot
 * run on it. Charts:
 *
 *   dist-SLUG   base vs new poll-duration CDF of each regressed / improved row
 *   trend-p99   p99 poll duration per run of the top futures by busy time
 *   trend-busy  busy time per run of the same futures (with two runs or more)
 *   hist-RUN    per run, log-binned poll-duration histograms of its top futures
 *
 * Output is deterministic: the same batch gives the same .dat/.gp bytes.
 * Labels are drawn with enhanced text off, so Rust names need no escaping
 * beyond gnuplot's string quoting. */
#include "report/batch.h"
#include "report/outfile.h"
#include "analysis/util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CDF_MAX_POINTS 2000
#define TREND_MAX_FUTURES 8
#define HIST_MAX_FUTURES 5
#define SLUG_MAX 60
#define LABEL_MAX 40
#define RUN_TIC_MAX 32
/* a gnuplot that finishes no chart for this long is stuck (in fontconfig's
 * lock, say): it is killed and its charts are told failed.
 * ASPROF_GNUPLOT_TIMEOUT (seconds) changes it, for tests. */
#define GNUPLOT_TIMEOUT_S 60
/* printed by gnuplot (on stderr) after each chart: its progress */
#define CHART_DONE "asprof: chart drawn"

/* ------------------------------------------------------------ short names */

static bool is_open(char c) { return c == '<' || c == '(' || c == '[' || c == '{'; }
static bool is_close(char c) { return c == '>' || c == ')' || c == ']' || c == '}'; }

/* index just past the group opened at s[i], or n when it is not closed */
static size_t group_end(const char *s, size_t i, size_t n)
{
	int depth = 0;
	for (; i < n; i++) {
		if (is_open(s[i]))
			depth++;
		else if (is_close(s[i]) && !(s[i] == '>' && i > 0 && s[i - 1] == '-')) {
			if (--depth == 0)
				return i + 1;
		}
	}
	return n;
}

struct seg {
	const char *p;
	size_t n;
};

/* split s[0..n) at top-level "::"; returns the count (at most max) */
static size_t split_path(const char *s, size_t n, struct seg *segs, size_t max)
{
	size_t count = 0, start = 0;
	for (size_t i = 0; i < n;) {
		if (is_open(s[i])) {
			i = group_end(s, i, n);
		} else if (s[i] == ':' && i + 1 < n && s[i + 1] == ':') {
			if (count < max)
				segs[count++] = (struct seg){ s + start, i - start };
			i += 2;
			start = i;
		} else {
			i++;
		}
	}
	if (count < max)
		segs[count++] = (struct seg){ s + start, n - start };
	return count;
}

/* a legacy-mangling hash segment: h + 16 hex digits */
static bool is_hash(struct seg g)
{
	if (g.n != 17 || g.p[0] != 'h')
		return false;
	for (size_t i = 1; i < 17; i++)
		if (!strchr("0123456789abcdef", g.p[i]))
			return false;
	return true;
}

/* append a segment with each top-level <...> collapsed to <…> */
static void append_collapsed(struct asp_buf *b, struct seg g)
{
	for (size_t i = 0; i < g.n;) {
		if (g.p[i] == '<') {
			asp_buf_append(b, "<\u2026>", strlen("<\u2026>"));
			i = group_end(g.p, i, g.n);
		} else {
			asp_buf_append(b, g.p + i, 1);
			i++;
		}
	}
}

/* the last meaningful segment of a path and the closure / generic segments after it */
static void append_short_path(struct asp_buf *b, const char *s, size_t n)
{
	struct seg segs[64];
	size_t count = split_path(s, n, segs, ASP_ARRAY_SIZE(segs));
	while (count > 1 && is_hash(segs[count - 1]))
		count--;
	/* closures, generic arguments and a trailing "poll" say little alone */
	size_t k = count - 1;
	while (k > 0 && segs[k].n && (segs[k].p[0] == '{' || segs[k].p[0] == '<'))
		k--;
	if (k > 0 && k == count - 1 && segs[k].n == 4 && !memcmp(segs[k].p, "poll", 4))
		k--;
	for (size_t i = k; i < count; i++) {
		if (i > k)
			asp_buf_append(b, "::", 2);
		append_collapsed(b, segs[i]);
	}
}

/* at most max characters (UTF-8 code points), ending in "…" when cut */
static void cut_chars(char *s, size_t max)
{
	if (!max)
		return;
	size_t chars = 0, keep = 0;
	for (size_t i = 0; s[i]; i++) {
		if (((unsigned char)s[i] & 0xc0) == 0x80)
			continue;
		if (chars == max - 1)
			keep = i;
		chars++;
	}
	if (chars <= max)
		return;
	strcpy(s + keep, "\u2026");
}

char *asp_short_name(const char *name, size_t max)
{
	struct asp_buf b = { 0 };
	size_t n = strlen(name);
	if (n && name[0] == '<') {
		/* <Type as Trait>::method: the type, and the method unless it is poll */
		size_t end = group_end(name, 0, n);
		const char *inner = name + 1;
		size_t inner_n = end > 1 && name[end - 1] == '>' ? end - 2 : end - 1;
		size_t type_n = inner_n;
		for (size_t i = 0; i < inner_n;) {
			if (is_open(inner[i])) {
				i = group_end(inner, i, inner_n);
			} else if (!strncmp(inner + i, " as ", 4)) {
				type_n = i;
				break;
			} else {
				i++;
			}
		}
		append_short_path(&b, inner, type_n);
		const char *rest = name + end;
		if (!strncmp(rest, "::", 2))
			rest += 2;
		if (*rest && strcmp(rest, "poll")) {
			asp_buf_append(&b, "::", 2);
			append_short_path(&b, rest, strlen(rest));
		}
	} else {
		append_short_path(&b, name, n);
	}
	if (!b.data || !b.len) {
		asp_buf_free(&b);
		b.data = xstrdup(name);
	}
	cut_chars(b.data, max);
	return b.data;
}

/* ------------------------------------------------------------ helpers */

/* a file-name slug: [a-z0-9_-], at most max chars, never empty */
static char *slugify(const char *s, size_t max)
{
	char *out = xmalloc(max + 2);
	size_t n = 0;
	for (; *s && n < max; s++) {
		char c = *s;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')
			out[n++] = c;
		else if (n && out[n - 1] != '-')
			out[n++] = '-';
	}
	while (n && out[n - 1] == '-')
		n--;
	if (!n)
		out[n++] = 'x';
	out[n] = '\0';
	return out;
}

struct names {
	char **v;
	size_t n;
};

static bool names_has(const struct names *ns, const char *s)
{
	for (size_t i = 0; i < ns->n; i++)
		if (!strcmp(ns->v[i], s))
			return true;
	return false;
}

static void names_add(struct names *ns, char *s)
{
	ns->v = xreallocarray(ns->v, ns->n + 1, sizeof(*ns->v));
	ns->v[ns->n++] = s;
}

static void names_free(struct names *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
}

/* "PREFIX-SLUG" unique among used (which takes the result), at most SLUG_MAX chars */
static const char *chart_name(struct names *used, const char *prefix, const char *label)
{
	size_t room = SLUG_MAX - strlen(prefix) - 1 - 4; /* room for "-NNN" */
	char *slug = slugify(label, room);
	char *name = xasprintf("%s-%s", prefix, slug);
	for (unsigned k = 2; names_has(used, name); k++) {
		free(name);
		name = xasprintf("%s-%s-%u", prefix, slug, k);
	}
	free(slug);
	names_add(used, name);
	return name;
}

/* s exactly, as a gnuplot single-quoted string: only '' is special in it
 * (no backquote, macro or escape is expanded); for file names */
static void gp_quote(struct asp_buf *b, const char *s)
{
	asp_buf_append(b, "'", 1);
	for (const char *q; (q = strchr(s, '\'')); s = q + 1) {
		asp_buf_append(b, s, (size_t)(q - s) + 1);
		asp_buf_append(b, "'", 1);
	}
	asp_buf_append(b, s, strlen(s));
	asp_buf_append(b, "'", 1);
}

/* s as a gnuplot string expression, the one way a script shows text (names,
 * titles, labels): as every writer shows it (asp_buf_show: control
 * characters and bytes that are not UTF-8 written \xNN) in single quotes
 * (gp_quote), a newline (a title's line break) joining two of them with
 * "\n". Never a double-quoted string: gnuplot runs the backquotes in those
 * as shell commands. The terminals are noenhanced: @ ^ _ { } & print as
 * they are. */
static void gp_str(struct asp_buf *b, const char *s)
{
	char *t = asp_show(s, ASP_SHOW_CONTROLS | ASP_SHOW_KEEP_LINES);
	char *line = t;
	for (char *nl; (nl = strchr(line, '\n')); line = nl + 1) {
		*nl = '\0';
		gp_quote(b, line);
		asp_buf_append(b, ".\"\\n\".", 6);
	}
	gp_quote(b, line);
	free(t);
}

/* one line of a .dat comment, shown as every writer shows text (asp_buf_show) */
static void dat_comment(struct asp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void dat_comment(struct asp_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *line = NULL;
	if (vasprintf(&line, fmt, ap) < 0)
		line = NULL;
	va_end(ap);
	if (!line)
		line = xstrdup("?");
	asp_buf_append(b, "# ", 2);
	asp_buf_show(b, line, ASP_SHOW_CONTROLS); /* a newline would end the comment */
	asp_buf_append(b, "\n", 1);
	free(line);
}

struct unit {
	const char *name;
	double ns;
};

/* the display unit for values up to max_ns */
static struct unit pick_unit(double max_ns)
{
	if (max_ns >= 2e9)
		return (struct unit){ "s", 1e9 };
	if (max_ns >= 2e6)
		return (struct unit){ "ms", 1e6 };
	return (struct unit){ "\u00b5s", 1e3 };
}

static void fmt_dur(double ns, char *buf, size_t n)
{
	if (ns < 1e3)
		snprintf(buf, n, "%.0f ns", ns);
	else if (ns < 1e6)
		snprintf(buf, n, "%.3g \u00b5s", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, n, "%.3g ms", ns / 1e6);
	else
		snprintf(buf, n, "%.3g s", ns / 1e9);
}

/* p99 of durations, finished or not (a library user may hand either) */
static uint64_t p99_of(const struct asp_durations *d)
{
	if (d->finished || !d->n)
		return asp_durations_quantile(d, 0.99);
	struct asp_durations c = { 0 };
	asp_durations_merge(&c, d);
	asp_durations_finish(&c);
	uint64_t q = asp_durations_quantile(&c, 0.99);
	asp_durations_free(&c);
	return q;
}

static const char *const series_color[] = { "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
					    "#9467bd", "#8c564b", "#e377c2", "#17becf" };

/* the script's head: both outputs from one plot body via a loop */
static void gp_begin(struct asp_buf *gp, const char *name, const char *what, int w, int h)
{
	asp_buf_printf(gp, "# %s.gp - %s\n", name, what);
	asp_buf_printf(gp, "# written by asprof; edit and re-run here: gnuplot %s.gp\n", name);
	asp_buf_printf(gp, "# (writes %s.png and %s.svg from %s.dat)\n", name, name, name);
	/* one gnuplot draws several scripts in turn: each starts from scratch */
	asp_buf_append(gp, "reset\nset encoding utf8\n", strlen("reset\nset encoding utf8\n"));
	asp_buf_printf(gp, "do for [fmt in \"png svg\"] {\n"
			   "    if (fmt eq \"png\") {\n"
			   "        set terminal pngcairo size %d,%d noenhanced font \"sans,11\"\n"
			   "    } else {\n"
			   "        set terminal svg size %d,%d noenhanced font \"sans,11\" background rgb \"white\"\n"
			   "    }\n"
			   "    set output \"%s.\".fmt\n",
		       w, h, w, h, name);
}

static void gp_end(struct asp_buf *gp)
{
	const char *s = "    set output\n}\n";
	asp_buf_append(gp, s, strlen(s));
}

/* ------------------------------------------------------------ writing */

struct charts {
	const struct asp_batch *b;
	const char *dir;     /* where they go (the messages name it) */
	const char *stage;   /* where they are drawn: a private folder in dir */
	struct names used;   /* chart names, in the order written */
};

/* the stage is private and committed file by file with rename(): a plain
 * write is enough, and a failure names the file where it would land */
static int write_buf(const struct charts *c, const char *name, const char *ext,
		     const struct asp_buf *buf, char **err)
{
	char *path = xasprintf("%s/%s.%s", c->stage, name, ext);
	FILE *fp = fopen(path, "w");
	bool ok = fp && (!buf->len || fwrite(buf->data, 1, buf->len, fp) == buf->len);
	int e = errno;
	if (fp && fclose(fp) != 0 && ok) {
		ok = false;
		e = errno;
	}
	if (!ok && fp) /* nothing half-written goes in */
		unlink(path);
	free(path);
	if (ok)
		return 0;
	return asp_fail(err, "%s/%s.%s: %s", c->dir, name, ext, strerror(e));
}

static int chart_commit(struct charts *c, const char *name, struct asp_buf *dat,
			struct asp_buf *gp, char **err)
{
	int rc = write_buf(c, name, "dat", dat, err);
	if (rc == 0)
		rc = write_buf(c, name, "gp", gp, err);
	asp_buf_free(dat);
	asp_buf_free(gp);
	return rc;
}

/* the body of an empty chart: a message in the middle */
static void gp_empty(struct asp_buf *gp, const char *msg)
{
	asp_buf_append(gp, "    unset xtics\n    unset ytics\n    unset key\n"
			   "    set xrange [0:1]\n    set yrange [0:1]\n    set label 1 ",
		       strlen("    unset xtics\n    unset ytics\n    unset key\n"
			      "    set xrange [0:1]\n    set yrange [0:1]\n    set label 1 "));
	gp_str(gp, msg);
	asp_buf_append(gp, " at graph 0.5, 0.5 center\n    plot NaN notitle\n",
		       strlen(" at graph 0.5, 0.5 center\n    plot NaN notitle\n"));
}

/* tics over [lo, hi] (in units of unit_ns) on a log axis, labelled as
 * durations ("500 ns", "2 ms"): 1-2-5 steps over a narrow range, decades
 * over a wide one */
static void gp_log_tics(struct asp_buf *gp, const char *axis, double lo, double hi,
			double unit_ns)
{
	static const double steps125[] = { 1, 2, 5 }, steps1[] = { 1 };
	static const char *const units[] = { "ns", "\u00b5s", "ms", "s" };
	bool narrow = hi / lo <= 400;
	const double *steps = narrow ? steps125 : steps1;
	size_t nsteps = narrow ? 3 : 1;
	int unit_exp = (int)lround(log10(unit_ns));
	asp_buf_printf(gp, "    set %stics (", axis);
	int n = 0;
	for (int e = (int)floor(log10(lo)) - 1; e <= (int)ceil(log10(hi)); e++)
		for (size_t i = 0; i < nsteps; i++) {
			double v = steps[i] * pow(10.0, e);
			if (v < lo * 0.999 || v > hi * 1.001)
				continue;
			int ns_exp = e + unit_exp; /* v is steps[i] * 10^ns_exp ns */
			int k = ns_exp < 0 ? 0 : ns_exp / 3 > 3 ? 3 : ns_exp / 3;
			double shown = steps[i] * pow(10.0, ns_exp - 3 * k);
			asp_buf_printf(gp, "%s\"%g %s\" %g", n++ ? ", " : "", shown, units[k], v);
		}
	asp_buf_printf(gp, ")\n");
}

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

static int chart_dist(struct charts *c, const struct asp_cmp_row *row, char **err)
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

/* --- trend-p99, trend-busy: the top futures across runs */

struct top {
	const char *name;   /* borrowed from a run */
	uint64_t busy;
};

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
static struct top *top_futures(const struct asp_batch *b, size_t *n)
{
	struct top *t = NULL;
	size_t nt = 0;
	for (size_t r = 0; r < b->nruns; r++) {
		const struct asp_result *run = b->runs[r];
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

static int chart_trend(struct charts *c, const struct top *top, size_t ntop, bool busy,
		       char **err)
{
	const struct asp_batch *b = c->b;
	const char *name = busy ? "trend-busy" : "trend-p99";
	names_add(&c->used, xstrdup(name));
	double max = 0;
	for (size_t r = 0; r < b->nruns; r++)
		for (size_t k = 0; k < ntop; k++) {
			const struct asp_future *f = find_future(b->runs[r], top[k].name);
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
	for (size_t r = 0; r < b->nruns; r++)
		dat_comment(&dat, "run %zu: %s (%s)", r + 1, b->runs[r]->name,
			    b->runs[r]->path ? b->runs[r]->path : "");
	/* the x tics: every run's name while the names fit, else every k-th,
	 * cut to fit under the axis; in the script (gp_str), as a data file's
	 * strings cannot hold every name */
	size_t every = (b->nruns + 24) / 25;
	size_t first_tic_chars = 0;
	struct asp_buf tics = { 0 };
	for (size_t r = 0; r < b->nruns; r++) {
		char *tic = asp_show(b->runs[r]->name, ASP_SHOW_CONTROLS);
		cut_chars(tic, RUN_TIC_MAX);
		if (r == 0)
			for (const char *p = tic; *p; p++)
				first_tic_chars += ((unsigned char)*p & 0xc0) != 0x80;
		if (r % every == 0) {
			/* a tic label is a format for its position: % as %% */
			struct asp_buf label = { 0 };
			asp_buf_append(&label, "", 0);
			for (const char *p = tic; *p; p++) {
				if (*p == '%')
					asp_buf_append(&label, "%", 1);
				asp_buf_append(&label, p, 1);
			}
			asp_buf_printf(&tics, "%s", tics.len ? ", " : "    set xtics (");
			gp_str(&tics, label.data);
			asp_buf_printf(&tics, " %zu", r + 1);
			asp_buf_free(&label);
		}
		/* column 2, for a reader of the data: a '"' would end it */
		for (char *p = tic; *p; p++)
			if (*p == '"')
				*p = '\'';
		asp_buf_printf(&dat, "%zu \"%s\"", r + 1, tic);
		free(tic);
		for (size_t k = 0; k < ntop; k++) {
			const struct asp_future *f = find_future(b->runs[r], top[k].name);
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
	asp_buf_printf(&gp, "    set title \"%s per run", busy ? "Busy time" : "p99 poll duration");
	if (ntop)
		asp_buf_printf(&gp, ", top %zu futures by busy time", ntop);
	asp_buf_printf(&gp, "\"\n");
	if (!ntop || !b->nruns) {
		gp_empty(&gp, "no futures were polled in these runs");
		gp_end(&gp);
		asp_buf_free(&tics);
		return chart_commit(c, name, &dat, &gp, err);
	}
	asp_buf_printf(&gp, "    set xlabel \"run (argument order)\"\n");
	asp_buf_printf(&gp, "    set ylabel \"%s (%s)\"\n", busy ? "busy time" : "p99 poll duration",
		       u.name);
	asp_buf_printf(&gp, "    set xrange [0.5:%zu.5]\n    set yrange [0:*]\n", b->nruns);
	asp_buf_printf(&gp, "    set xtics rotate by 45 right nomirror\n    set grid ytics\n");
	asp_buf_printf(&gp, "%s)\n", tics.data);
	asp_buf_free(&tics);
	/* room for the first rotated run name, which leans left of the axis */
	size_t lmargin = (size_t)(0.71 * (double)first_tic_chars) + 3;
	asp_buf_printf(&gp, "    set lmargin %zu\n", lmargin < 10 ? 10 : lmargin);
	asp_buf_printf(&gp, "    set key outside right top vertical Left reverse samplen 2\n");
	const struct asp_comparison *cmp = b->cmp;
	if (cmp && cmp->nbase && cmp->nnew && cmp->nbase + cmp->nnew == b->nruns) {
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
	for (size_t k = 0; k < ntop; k++) {
		char *label = asp_short_name(top[k].name, LABEL_MAX);
		asp_buf_printf(&gp, "%s\"%s.dat\" using 1:%zu with linespoints lw 2 pt %zu ps 1.2 lc rgb \"%s\" title ",
			       k ? ", \\\n        " : " ", name, k + 3, k + 4,
			       series_color[k % ASP_ARRAY_SIZE(series_color)]);
		gp_str(&gp, label);
		free(label);
	}
	asp_buf_append(&gp, "\n", 1);
	gp_end(&gp);
	return chart_commit(c, name, &dat, &gp, err);
}

/* --- hist-RUN: log-binned poll durations of a run's top futures */

static int busy_cmp(const void *a, const void *b)
{
	const struct asp_future *x = *(const struct asp_future *const *)a;
	const struct asp_future *y = *(const struct asp_future *const *)b;
	if (x->busy_ns != y->busy_ns)
		return x->busy_ns > y->busy_ns ? -1 : 1;
	return strcmp(x->name, y->name);
}

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

static int chart_hist(struct charts *c, const struct asp_result *run, char **err)
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
		asp_qsort(fs, nf, sizeof(*fs), busy_cmp);
	if (nf > HIST_MAX_FUTURES)
		nf = HIST_MAX_FUTURES;

	uint64_t lo = UINT64_MAX, hi = 0;
	for (size_t i = 0; i < nf; i++) {
		const struct asp_durations *d = &fs[i]->poll_ns;
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
	dat_comment(&dat, "%s.dat - poll-duration histograms of run %s (%s)", name, run->name,
		    run->path ? run->path : "");
	dat_comment(&dat, "the %zu futures with the most busy time; bins log-spaced, %d per decade",
		    nf, per_decade);
	dat_comment(&dat, "columns: bin low (\u00b5s), bin high (\u00b5s), polls in [low, high)");
	size_t *counts = xcalloc(nbins, sizeof(*counts));
	size_t *peak = xcalloc(nf ? nf : 1, sizeof(*peak)); /* the fullest bin of each */
	for (size_t i = 0; i < nf; i++) {
		const struct asp_future *f = fs[i];
		memset(counts, 0, nbins * sizeof(*counts));
		const struct asp_durations *d = &f->poll_ns;
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
	gp_begin(&gp, name, "poll-duration histograms of one run", 1000, h);
	if (!nf) {
		char *t = xasprintf("Poll durations, run %s", run->name);
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
	asp_buf_printf(&gp, "    set logscale x 10\n    set xrange [%.6g:%.6g]\n    set yrange [0:*]\n",
		       xlo, xhi);
	asp_buf_printf(&gp, "    set style fill solid 0.7 border lc rgb \"gray30\"\n");
	asp_buf_printf(&gp, "    set grid xtics\n    unset key\n    set ylabel \"polls\"\n");
	gp_log_tics(&gp, "x", xlo, xhi, unit);
	char *t = xasprintf("Poll durations, run %s: top %zu futures by busy time", run->name, nf);
	asp_buf_append(&gp, "    set multiplot layout ", strlen("    set multiplot layout "));
	asp_buf_printf(&gp, "%zu,1 title ", nf);
	gp_str(&gp, t);
	free(t);
	asp_buf_printf(&gp, " margins 0.09, 0.97, %.4f, %.4f spacing 0, %.4f", (double)bottom_px / h,
		       1.0 - (double)top_px / h, (double)gap_px / h);
	asp_buf_append(&gp, "\n", 1);
	for (size_t i = 0; i < nf; i++) {
		const struct asp_future *f = fs[i];
		char *label = asp_short_name(f->name, 50);
		char busy[32], p50[32], p99[32];
		fmt_dur((double)f->busy_ns, busy, sizeof(busy));
		fmt_dur((double)asp_durations_quantile(&f->poll_ns, 0.5), p50, sizeof(p50));
		fmt_dur((double)p99_of(&f->poll_ns), p99, sizeof(p99));
		char *pt = xasprintf("%s: %" PRIu64 " polls, busy %s, p50 %s, p99 %s", label,
				     f->poll_ns.n, busy, p50, p99);
		asp_buf_append(&gp, "    set title ", strlen("    set title "));
		gp_str(&gp, pt);
		asp_buf_append(&gp, "\n", 1);
		free(pt);
		free(label);
		if (i + 1 == nf)
			asp_buf_printf(&gp, "    set xlabel \"poll duration (log scale)\"\n");
		else
			asp_buf_printf(&gp, "    unset xlabel\n");
		asp_buf_printf(&gp, "    set ytics %zu\n", count_step(peak[i]));
		asp_buf_printf(&gp, "    plot \"%s.dat\" index %zu using 1:3:1:2:(0):3 with boxxyerror lc rgb \"%s\"\n",
			       name, i, series_color[i % ASP_ARRAY_SIZE(series_color)]);
	}
	asp_buf_printf(&gp, "    unset multiplot\n    unset xlabel\n");
	gp_end(&gp);
	free(fs);
	free(peak);
	return chart_commit(c, name, &dat, &gp, err);
}

/* ------------------------------------------------------------ gnuplot */

static char *find_in_path(const char *prog)
{
	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0 ? xstrdup(prog) : NULL;
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path;;) {
		const char *colon = strchr(p, ':');
		size_t n = colon ? (size_t)(colon - p) : strlen(p);
		char *cand = n ? xasprintf("%.*s/%s", (int)n, p, prog) : xasprintf("./%s", prog);
		struct stat st;
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0)
			return cand;
		free(cand);
		if (!colon)
			return NULL;
		p = colon + 1;
	}
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* the line of gnuplot's stderr that says what went wrong: gnuplot echoes
 * the command and a caret before `"FILE" line N: message`; else the first line */
static char *error_line(const char *text)
{
	const char *first = NULL;
	size_t first_n = 0;
	for (const char *p = text; *p;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		const char *s = p;
		while (n && (*s == ' ' || *s == '\t' || *s == '^')) {
			s++;
			n--;
		}
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\r'))
			n--;
		if (n == strlen(CHART_DONE) && !memcmp(s, CHART_DONE, n))
			n = 0; /* our progress marks */
		if (n && *s == '"' && memmem(s, n, "\" line ", 7))
			return xstrndup(s, n);
		if (n && !first) {
			first = s;
			first_n = n;
		}
		if (!e)
			break;
		p = e + 1;
	}
	return first ? xstrndup(first, first_n) : NULL;
}

/* gnuplot exits 0 even when it could not write its output (a full disk):
 * a whole PNG ends with its IEND chunk, a whole SVG with </svg> */
static bool output_whole(const char *path, const char *fmt)
{
	static const unsigned char iend[12] = { 0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82 };
	unsigned char tail[16];
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return false;
	size_t n = 0;
	if (fseek(fp, -(long)sizeof(tail), SEEK_END) == 0)
		n = fread(tail, 1, sizeof(tail), fp);
	fclose(fp);
	if (n != sizeof(tail))
		return false;
	if (!strcmp(fmt, "png"))
		return !memcmp(tail + 4, iend, sizeof(iend));
	return memmem(tail, n, "</svg>", 6) != NULL;
}

static const char *const chart_fmts[] = { "png", "svg" };

/* a gnuplot reading commands on its stdin, a socket (a write after it died
 * fails with EPIPE, not a SIGPIPE), its stderr on a pipe */
struct gp_proc {
	pid_t pid;
	int in, err;
};

/* the gnuplots running, for asp_gnuplots_kill_all */
static pid_t gp_live[256];
static pthread_mutex_t gp_live_lock = PTHREAD_MUTEX_INITIALIZER;

static void gp_live_set(pid_t old, pid_t new)
{
	pthread_mutex_lock(&gp_live_lock);
	for (size_t i = 0; i < ASP_ARRAY_SIZE(gp_live); i++)
		if (gp_live[i] == old) {
			gp_live[i] = new;
			break;
		}
	pthread_mutex_unlock(&gp_live_lock);
}

/* waits for a gnuplot killed or done */
static pid_t gp_wait(pid_t pid, int *status, int flags)
{
	pid_t w = waitpid(pid, status, flags);
	if (w == pid)
		gp_live_set(pid, 0);
	return w;
}

void asp_gnuplots_kill_all(void)
{
	pthread_mutex_lock(&gp_live_lock);
	for (size_t i = 0; i < ASP_ARRAY_SIZE(gp_live); i++)
		if (gp_live[i] > 0)
			kill(gp_live[i], SIGKILL);
	pthread_mutex_unlock(&gp_live_lock);
}

/* started in cwd (NULL: ours) */
static int gp_spawn(const char *prog, const char *cwd, struct gp_proc *p, char **why)
{
	int sv[2] = { -1, -1 }, pe[2] = { -1, -1 };
	pid_t parent = getpid();
	/* close-on-exec: another gnuplot must not hold our ends open */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0 ||
	    pipe2(pe, O_CLOEXEC) != 0 || (p->pid = fork()) < 0) {
		*why = xasprintf("cannot run gnuplot: %s", strerror(errno));
		for (int i = 0; i < 2; i++) {
			if (sv[i] >= 0)
				close(sv[i]);
			if (pe[i] >= 0)
				close(pe[i]);
		}
		return -1;
	}
	if (p->pid == 0) {
#ifdef __linux__
		/* a gnuplot stuck (say in its fonts, short of memory) does not
		 * outlive us: it ends with the thread that started it, which
		 * waits for it or lives as long as the batch */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
#endif
		/* a batch blocks its interrupt signals for a thread of its own
		 * to handle; gnuplot gets them as any program does */
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		dup2(sv[1], 0);
		if (null >= 0)
			dup2(null, 1);
		dup2(pe[1], 2);
		if (cwd && chdir(cwd) != 0) {
			dprintf(2, "cannot enter %s: %s\n", cwd, strerror(errno));
			_exit(126);
		}
		char *argv[] = { (char *)prog, NULL };
		execv(prog, argv);
		dprintf(2, "cannot run %s: %s\n", prog, strerror(errno));
		_exit(127);
	}
	gp_live_set(0, p->pid);
	close(sv[1]);
	close(pe[1]);
	p->in = sv[0];
	p->err = pe[0];
	return 0;
}

/* s[0..n) to gnuplot's stdin: false when gnuplot is gone (its stderr and
 * exit status say why) */
static bool gp_write(struct gp_proc *p, const char *s, size_t n)
{
	for (size_t off = 0; off < n;) {
		ssize_t w = send(p->in, s + off, n - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		off += (size_t)w;
	}
	return true;
}

/* the first text a gnuplot draws pays for its fonts and the cairo terminal
 * (a third of a small chart's time): a warm one has drawn, to nowhere */
static const char gp_warmup[] = "set terminal pngcairo size 320,240\nset output '/dev/null'\n"
				"unset key\nplot [0:1] [0:1] x\nset output\n";

struct asp_gnuplots {
	char *prog;
	struct gp_proc *p;
	size_t n, next;
	pthread_mutex_t lock;
};

/* seconds without a chart drawn before a gnuplot is taken for stuck */
static int gnuplot_timeout(void)
{
	const char *env = getenv("ASPROF_GNUPLOT_TIMEOUT");
	char *end;
	long v = env ? strtol(env, &end, 10) : 0;
	return env && *env && !*end && v > 0 && v <= 86400 ? (int)v : GNUPLOT_TIMEOUT_S;
}

/* the gnuplot to run: ASPROF_GNUPLOT, else gnuplot on PATH; NULL when
 * there is none */
static char *gnuplot_prog(void)
{
	const char *env = getenv("ASPROF_GNUPLOT");
	return find_in_path(env && *env ? env : "gnuplot");
}

struct asp_gnuplots *asp_gnuplots_start(size_t n)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	if (cores >= 1 && n > (size_t)cores)
		n = (size_t)cores;
	char *prog = n ? gnuplot_prog() : NULL;
	if (!prog)
		return NULL;
	struct asp_gnuplots *g = xcalloc(1, sizeof(*g));
	g->prog = prog;
	g->p = xcalloc(n, sizeof(*g->p));
	pthread_mutex_init(&g->lock, NULL);
	for (; g->n < n; g->n++) {
		char *why = NULL;
		struct gp_proc *p = &g->p[g->n];
		if (gp_spawn(prog, NULL, p, &why) < 0) {
			free(why); /* the charts start their own, and tell */
			break;
		}
		/* the socket's buffer takes it; a gnuplot gone tells at the charts */
		gp_write(p, gp_warmup, sizeof(gp_warmup) - 1);
	}
	return g;
}

/* a warm gnuplot of prog that can be sent to stage, if one is left */
static bool gp_take(struct asp_gnuplots *g, const char *prog, const char *stage,
		    struct gp_proc *p)
{
	if (!g || strcmp(g->prog, prog) || strpbrk(stage, "\n\r"))
		return false;
	pthread_mutex_lock(&g->lock);
	bool got = g->next < g->n;
	if (got)
		*p = g->p[g->next++];
	pthread_mutex_unlock(&g->lock);
	return got;
}

void asp_gnuplots_stop(struct asp_gnuplots *g)
{
	if (!g)
		return;
	for (size_t i = g->next; i < g->n; i++) {
		struct gp_proc *p = &g->p[i];
		close(p->in);
		close(p->err);
		kill(p->pid, SIGKILL);
		while (gp_wait(p->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	pthread_mutex_destroy(&g->lock);
	free(g->p);
	free(g->prog);
	free(g);
}

/* one gnuplot (warm, from g, or started now) drawing the stage's charts
 * names[0..n) in turn; per chart, errs[i] when it failed. The first chart
 * left without whole outputs gets gnuplot's error (any chart without them
 * loses what it has) */
static void run_gnuplot(struct asp_gnuplots *g, const char *prog, const struct charts *c,
			char **names, size_t n, char **errs, bool *disk)
{
	char *why = NULL;
	bool failed = true;
	struct gp_proc gp;
	struct asp_buf cmd = { 0 };
	if (gp_take(g, prog, c->stage, &gp)) {
		asp_buf_append(&cmd, "cd ", 3);
		gp_quote(&cmd, c->stage);
		asp_buf_append(&cmd, "\n", 1);
	} else if (gp_spawn(prog, c->stage, &gp, &why) < 0) {
		goto outputs;
	}
	for (size_t i = 0; i < n; i++) {
		char *script = xasprintf("%s.gp", names[i]);
		asp_buf_append(&cmd, "load ", 5);
		gp_quote(&cmd, script);
		static const char mark[] = "\nprint \"" CHART_DONE "\"\n";
		asp_buf_append(&cmd, mark, sizeof(mark) - 1);
		free(script);
	}
	gp_write(&gp, cmd.data, cmd.len); /* a gnuplot gone says why on stderr */
	close(gp.in);
	pid_t pid = gp.pid;

	/* the time limit runs from the last chart drawn (a mark split between
	 * two reads is missed: the limit then runs from the one before) */
	struct asp_buf out = { 0 };
	int limit = gnuplot_timeout();
	double deadline = now_s() + limit;
	bool timed_out = false;
	for (;;) {
		double left = deadline - now_s();
		if (left <= 0) {
			timed_out = true;
			break;
		}
		struct pollfd p = { .fd = gp.err, .events = POLLIN };
		int r = poll(&p, 1, (int)(left * 1000) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		char buf[4096];
		ssize_t got = read(gp.err, buf, sizeof(buf));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		if (memmem(buf, (size_t)got, CHART_DONE, strlen(CHART_DONE)))
			deadline = now_s() + limit;
		if (out.len < 65536)
			asp_buf_append(&out, buf, (size_t)got);
	}
	close(gp.err);
	int status = 0;
	if (timed_out)
		kill(pid, SIGKILL);
	for (;;) {
		pid_t w = gp_wait(pid, &status, timed_out ? 0 : WNOHANG);
		if (w == pid || (w < 0 && errno != EINTR))
			break;
		if (w == 0) {
			if (now_s() >= deadline) {
				timed_out = true;
				kill(pid, SIGKILL);
				continue;
			}
			nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
		}
		if (timed_out)
			kill(pid, SIGKILL);
	}
	if (timed_out) {
		why = xasprintf("no chart finished for %d s (stuck?); killed", limit);
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		why = out.data ? error_line(out.data) : NULL;
		if (!why)
			why = WIFSIGNALED(status) ? xasprintf("killed by signal %d", WTERMSIG(status))
						  : xstrdup("exit status not 0");
	} else {
		failed = false;
	}
	asp_buf_free(&out);

outputs:
	for (size_t i = 0; i < n; i++) {
		const char *bad = NULL;
		for (size_t k = 0; k < ASP_ARRAY_SIZE(chart_fmts) && !bad; k++) {
			char *path = xasprintf("%s/%s.%s", c->stage, names[i], chart_fmts[k]);
			if (!output_whole(path, chart_fmts[k]))
				bad = chart_fmts[k];
			free(path);
		}
		if (!bad)
			continue;
		for (size_t k = 0; k < ASP_ARRAY_SIZE(chart_fmts); k++) { /* no half-drawn charts */
			char *path = xasprintf("%s/%s.%s", c->stage, names[i], chart_fmts[k]);
			unlink(path);
			free(path);
		}
		if (why) {
			errs[i] = xasprintf("%s/%s.gp: gnuplot failed: %s", c->dir, names[i], why);
			free(why);
			why = NULL;
		} else if (!failed) {
			errs[i] = xasprintf("%s/%s.%s: gnuplot could not write it whole (is the disk full?)",
					    c->dir, names[i], bad);
			disk[i] = true;
		}
	}
	if (why && n) /* every chart drawn, and still an error */
		errs[n - 1] = xasprintf("%s/%s.gp: gnuplot failed: %s", c->dir, names[n - 1], why);
	free(why);
	asp_buf_free(&cmd);
}

/* the charts drawn by one gnuplot per core (each one's start-up, a tenth
 * of a chart's time, is paid once), spread by expected cost: a histogram
 * has several panels; the error reported is that of the first chart (in
 * order) that failed */
struct gnuplot_group {
	char **names;    /* in the charts' order */
	size_t *index;   /* into the charts */
	size_t n, cost;
};

struct gnuplot_pool {
	struct asp_gnuplots *warm;
	const char *prog;
	const struct charts *c;
	struct gnuplot_group *g;
	size_t ng, next;
	char **errs;     /* per chart */
	bool *disk;      /* per chart: its error is the output folder's */
	pthread_mutex_t lock;
};

static void *gnuplot_worker(void *arg)
{
	struct gnuplot_pool *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->lock);
		size_t i = p->next++;
		pthread_mutex_unlock(&p->lock);
		if (i >= p->ng)
			return NULL;
		struct gnuplot_group *g = &p->g[i];
		char **errs = xcalloc(g->n, sizeof(*errs));
		bool *disk = xcalloc(g->n, sizeof(*disk));
		run_gnuplot(p->warm, p->prog, p->c, g->names, g->n, errs, disk);
		for (size_t k = 0; k < g->n; k++) {
			p->errs[g->index[k]] = errs[k];
			p->disk[g->index[k]] = disk[k];
		}
		free(errs);
		free(disk);
	}
}

static int run_gnuplot_all(struct asp_gnuplots *warm, const char *prog, const struct charts *c,
			   char **err)
{
	size_t n = c->used.n;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t ng = cores > 1 ? (size_t)cores : 1;
	if (ng > n)
		ng = n;
	struct gnuplot_pool p = { .warm = warm, .prog = prog, .c = c, .ng = ng };
	p.g = xcalloc(ng, sizeof(*p.g));
	p.errs = xcalloc(n, sizeof(*p.errs));
	p.disk = xcalloc(n, sizeof(*p.disk));
	for (size_t k = 0; k < ng; k++) {
		p.g[k].names = xcalloc(n, sizeof(*p.g[k].names));
		p.g[k].index = xcalloc(n, sizeof(*p.g[k].index));
	}
	/* the costly ones first, each to the least loaded group; then each
	 * group's in the charts' order */
	size_t *group = xcalloc(n, sizeof(*group));
	for (size_t cost = 2; cost >= 1; cost--)
		for (size_t i = 0; i < n; i++) {
			if ((strncmp(c->used.v[i], "hist-", 5) ? 1u : 2u) != cost)
				continue;
			for (size_t k = 1; k < ng; k++)
				if (p.g[k].cost < p.g[group[i]].cost)
					group[i] = k;
			p.g[group[i]].cost += cost;
		}
	for (size_t i = 0; i < n; i++) {
		struct gnuplot_group *g = &p.g[group[i]];
		g->index[g->n] = i;
		g->names[g->n++] = c->used.v[i];
	}
	free(group);
	pthread_mutex_init(&p.lock, NULL);
	pthread_t *t = xcalloc(ng ? ng : 1, sizeof(*t));
	size_t started = 0;
	for (size_t i = 1; i < ng; i++) {
		if (asp_thread_create(&t[i], gnuplot_worker, &p) != 0)
			break;
		started = i;
	}
	gnuplot_worker(&p);
	for (size_t i = 1; i <= started; i++)
		pthread_join(t[i], NULL);
	free(t);
	pthread_mutex_destroy(&p.lock);
	/* a chart gnuplot could not write whole is the output folder's error
	 * (-1); else gnuplot's own failures are told */
	int rc = 0;
	for (size_t pass = 0; pass < 2 && rc == 0; pass++)
		for (size_t i = 0; i < n && rc == 0; i++)
			if (p.errs[i] && (pass || p.disk[i])) {
				asp_fail(err, "%s", p.errs[i]);
				rc = pass ? ASP_CHARTS_GNUPLOT_FAILED : -1;
			}
	for (size_t i = 0; i < n; i++)
		free(p.errs[i]);
	for (size_t k = 0; k < ng; k++) {
		free(p.g[k].names);
		free(p.g[k].index);
	}
	free(p.g);
	free(p.errs);
	free(p.disk);
	return rc;
}

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
	if (b->cmp)
		for (size_t i = 0; i < b->cmp->nrows && rc == 0; i++) {
			const struct asp_cmp_row *row = &b->cmp->rows[i];
			if ((row->verdict == ASP_V_REGRESSED || row->verdict == ASP_V_IMPROVED) &&
			    !same_as_future_row(b->cmp, row))
				rc = chart_dist(c, row, &h->err);
		}
	/* a trend needs two runs: one run's would be a column of dots */
	if (rc == 0 && b->nruns >= 2) {
		size_t ntop;
		struct top *top = top_futures(b, &ntop);
		if (ntop > TREND_MAX_FUTURES)
			ntop = TREND_MAX_FUTURES;
		rc = chart_trend(c, top, ntop, false, &h->err);
		if (rc == 0)
			rc = chart_trend(c, top, ntop, true, &h->err);
		free(top);
	}
	for (size_t r = 0; r < b->nruns && rc == 0; r++)
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

struct asp_charts *asp_charts_start(const struct asp_batch *b, const char *dir,
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
	h->c = (struct charts){ .b = b, .dir = h->dir, .stage = h->stage };
	h->threaded = pthread_create(&h->thread, NULL, draw_main, h) == 0;
	if (!h->threaded)
		draw(h);
	return h;
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
