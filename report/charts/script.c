/* script.c - what every chart kind writes with: chart names (file-name
 * slugs), gnuplot quoting, .dat comments, units, the script's head and
 * tail, and the files of a chart written into the stage (chart.h). */
#include "report/charts/chart.h"
#include "report/outfile.h"
#include "analysis/util.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static bool names_has(const struct names *ns, const char *s)
{
	for (size_t i = 0; i < ns->n; i++)
		if (!strcmp(ns->v[i], s))
			return true;
	return false;
}

void names_add(struct names *ns, char *s)
{
	ns->v = xreallocarray(ns->v, ns->n + 1, sizeof(*ns->v));
	ns->v[ns->n++] = s;
}

void names_free(struct names *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
}

/* "PREFIX-SLUG" unique among used (which takes the result), at most SLUG_MAX chars */
const char *chart_name(struct names *used, const char *prefix, const char *label)
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
void gp_quote(struct asp_buf *b, const char *s)
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
void gp_str(struct asp_buf *b, const char *s)
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
void dat_comment(struct asp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void dat_comment(struct asp_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *line = xvasprintf(fmt, ap);
	va_end(ap);
	asp_buf_append(b, "# ", 2);
	asp_buf_show(b, line, ASP_SHOW_CONTROLS); /* a newline would end the comment */
	asp_buf_append(b, "\n", 1);
	free(line);
}

/* the display unit for values up to max_ns */
struct unit pick_unit(double max_ns)
{
	if (max_ns >= 2e9)
		return (struct unit){ "s", 1e9 };
	if (max_ns >= 2e6)
		return (struct unit){ "ms", 1e6 };
	return (struct unit){ "\u00b5s", 1e3 };
}

void fmt_dur(double ns, char *buf, size_t n)
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
uint64_t p99_of(const struct asp_durations *d)
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

/* the script's head: both outputs from one plot body via a loop */
void gp_begin(struct asp_buf *gp, const char *name, const char *what, int w, int h)
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

void gp_end(struct asp_buf *gp)
{
	const char *s = "    set output\n}\n";
	asp_buf_append(gp, s, strlen(s));
}

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

int chart_commit(struct charts *c, const char *name, struct asp_buf *dat,
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
void gp_empty(struct asp_buf *gp, const char *msg)
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
void gp_log_tics(struct asp_buf *gp, const char *axis, double lo, double hi,
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

/* the x tics of runs 1..n: every run's name while the names fit, else
 * every k-th, cut to fit under the axis; in the script (gp_str), as a data
 * file's strings cannot hold every name. Returns the characters of the
 * first (it leans left of the axis) */
size_t gp_run_tics(struct asp_buf *tics, const char *const *names, size_t n)
{
	size_t every = (n + 24) / 25;
	size_t first_tic_chars = 0;
	for (size_t r = 0; r < n; r++) {
		char *tic = asp_show(names[r], ASP_SHOW_CONTROLS);
		asp_cut_chars(tic, RUN_TIC_MAX);
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
			asp_buf_printf(tics, "%s", tics->len ? ", " : "    set xtics (");
			gp_str(tics, label.data);
			asp_buf_printf(tics, " %zu", r + 1);
			asp_buf_free(&label);
		}
		free(tic);
	}
	return first_tic_chars;
}

/* the tics of gp_run_tics into the script (freed), with a left margin
 * that holds the first */
void gp_put_run_tics(struct asp_buf *gp, struct asp_buf *tics, size_t first_tic_chars)
{
	asp_buf_printf(gp, "%s)\n", tics->data ? tics->data : "    set xtics (");
	asp_buf_free(tics);
	size_t lmargin = (size_t)(0.71 * (double)first_tic_chars) + 3;
	asp_buf_printf(gp, "    set lmargin %zu\n", lmargin < 10 ? 10 : lmargin);
}

/* a .dat row's first two columns: the run's index (from 1) and its name,
 * cut as a tic is, for a reader of the data (a '"' would end it) */
void dat_run_column(struct asp_buf *dat, size_t r, const char *name)
{
	char *tic = asp_show(name, ASP_SHOW_CONTROLS);
	asp_cut_chars(tic, RUN_TIC_MAX);
	for (char *p = tic; *p; p++)
		if (*p == '"')
			*p = '\'';
	asp_buf_printf(dat, "%zu \"%s\"", r + 1, tic);
	free(tic);
}
