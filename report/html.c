/* html.c - report.html, the batch's page for people: one self-contained
 * file (its style, script and charts inline; nothing fetched, so it opens
 * from file:// and as a CI artifact) with the verdict first, then what
 * regressed and improved (each change with its interval, the noise allowed
 * for and a chart of every run's metric), the findings one row per rule,
 * future and run, and a section per run with its notes, tasks and futures
 * (tables sorted by clicking a header) and links to its files.
 *
 * Every text from a recording (names, paths, notes, culprits) goes through
 * esc(), which shows it as every writer does (asp_show: control characters
 * and bytes that are not UTF-8 written \xNN) and then as HTML text or a
 * quoted attribute value; links are percent-encoded. The page's
 * Content-Security-Policy allows no network, no plugin, and only its own
 * style and script (by their SHA-256): markup that slipped through would
 * run nothing. */
#include "batch.h"
#include "config.h"
#include "report/outfile.h"
#include "report/outputs.h"
#include "report/describe.h"
#include "analysis/registry.h"
#include "analysis/util.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- escaping */

/* s as HTML text or a double-quoted attribute value (a newline or tab
 * shown \x0a, \x09: one line) */
static void esc(FILE *fp, const char *s)
{
	asp_markup_text(fp, s, ASP_SHOW_CONTROLS);
}

/* a path segment of a relative link */
static void url(FILE *fp, const char *s)
{
	asp_url_segment(fp, s);
}

/* a name from the recording as code, a line break allowed after each
 * "::" (a long path wraps between its parts, not inside them) */
static void code(FILE *fp, const char *s)
{
	fputs("<code>", fp);
	for (const char *p = s ? s : "", *sep; *p; p = sep + 2) {
		sep = strstr(p, "::");
		if (!sep) {
			esc(fp, p);
			break;
		}
		char *part = xstrndup(p, (size_t)(sep - p) + 2);
		esc(fp, part);
		free(part);
		if (sep[2])
			fputs("<wbr>", fp);
	}
	fputs("</code>", fp);
}

/* ---------------------------------------------------------------- SHA-256
 * of the page's style and script, for its Content-Security-Policy */

static const uint32_t sha_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

static uint32_t ror(uint32_t x, unsigned n)
{
	return x >> n | x << (32 - n);
}

static void sha_block(uint32_t h[8], const unsigned char *p)
{
	uint32_t w[64], v[8];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	memcpy(v, h, sizeof(v));
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = v[7] + (ror(v[4], 6) ^ ror(v[4], 11) ^ ror(v[4], 25)) +
			      ((v[4] & v[5]) ^ (~v[4] & v[6])) + sha_k[i] + w[i];
		uint32_t t2 = (ror(v[0], 2) ^ ror(v[0], 13) ^ ror(v[0], 22)) +
			      ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
		memmove(v + 1, v, 7 * sizeof(*v));
		v[4] += t1;
		v[0] = t1 + t2;
	}
	for (int i = 0; i < 8; i++)
		h[i] += v[i];
}

/* "sha256-BASE64" of s, as a CSP source */
static void csp_hash(FILE *fp, const char *s)
{
	uint32_t h[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
			  0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	size_t n = strlen(s), i = 0;
	unsigned char last[128] = { 0 };
	for (; n - i >= 64; i += 64)
		sha_block(h, (const unsigned char *)s + i);
	size_t rest = n - i, len = rest < 56 ? 64 : 128;
	memcpy(last, s + i, rest);
	last[rest] = 0x80;
	uint64_t bits = (uint64_t)n * 8;
	for (int k = 0; k < 8; k++)
		last[len - 1 - k] = (unsigned char)(bits >> (8 * k));
	for (size_t k = 0; k < len; k += 64)
		sha_block(h, last + k);
	unsigned char d[33] = { 0 };
	for (int k = 0; k < 32; k++)
		d[k] = (unsigned char)(h[k / 4] >> (24 - 8 * (k % 4)));
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	fputs("'sha256-", fp);
	for (int k = 0; k < 33; k += 3) {
		uint32_t v = (uint32_t)d[k] << 16 | (uint32_t)d[k + 1] << 8 | d[k + 2];
		fputc(b64[v >> 18 & 63], fp);
		fputc(b64[v >> 12 & 63], fp);
		fputc(b64[v >> 6 & 63], fp);
		fputc(k + 2 < 32 ? b64[v & 63] : '=', fp); /* 32 bytes: 43 digits and '=' */
	}
	fputc('\'', fp);
}

/* ---------------------------------------------------------------- the page's own code */

static const char page_style[] =
	"\n:root{--fail:#b3261e;--pass:#1b6e2e;--error:#9a5b00;--muted:#5f6368;--line:#d7dbe0;"
	"--base:#3b6ea5;--new:#c2571a}\n"
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;"
	"margin:0 auto;max-width:1280px;padding:0 16px 32px;color:#1f2328;background:#fff}\n"
	"h1{font-size:20px;margin:16px 0 8px}h2{font-size:17px;margin:28px 0 8px;"
	"border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:15px;margin:18px 0 6px}\n"
	"nav{font-size:13px;color:var(--muted)}nav a{margin-right:10px}\n"
	".verdict{border-radius:6px;padding:12px 16px;margin:8px 0 12px;color:#fff}\n"
	".verdict p{margin:4px 0}.verdict .status{font-size:22px;font-weight:700}\n"
	".verdict .muted{color:inherit;opacity:.85}\n"
	".st-pass{background:var(--pass)}.st-fail{background:var(--fail)}.st-error{background:var(--error)}\n"
	"code{font:12.5px ui-monospace,'DejaVu Sans Mono',monospace;overflow-wrap:break-word}\n"
	".wrap{overflow-x:auto}table{border-collapse:collapse;margin:6px 0;font-size:13px}\n"
	"th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}\n"
	"th{background:#f3f4f6;white-space:nowrap}td.n,th.n,td.nw{text-align:right;white-space:nowrap}\n"
	"td.nw{text-align:left}td.name{min-width:11em;max-width:40em}\n"
	"table.sortable th{cursor:pointer;user-select:none}\n"
	"table.sortable th[aria-sort=ascending]::after{content:' \\25B2'}\n"
	"table.sortable th[aria-sort=descending]::after{content:' \\25BC'}\n"
	"tr.via td{border-bottom:none;color:var(--muted);font-size:12.5px;padding-top:0}\n"
	".sev-error{color:var(--fail);font-weight:600}.sev-warning{color:var(--error);font-weight:600}\n"
	".reg{color:var(--fail);font-weight:600}.imp{color:var(--pass);font-weight:600}\n"
	".muted,.legend{color:var(--muted)}.legend{font-size:12.5px}\n"
	".side{font-size:11px;border:1px solid var(--line);border-radius:3px;padding:0 4px;"
	"margin-left:6px;color:var(--muted);font-weight:400}\n"
	"svg text{font:10px system-ui,sans-serif;fill:#444}\n"
	"ul{margin:4px 0;padding-left:22px}\n";

/* sorts a table.sortable by the header clicked (again: the other way);
 * numbers by their data-v, text by its content */
static const char page_script[] =
	"\n(function () {\n"
	"  'use strict';\n"
	"  function key(cell, num) {\n"
	"    var v = cell.getAttribute('data-v');\n"
	"    if (v === null) v = cell.textContent;\n"
	"    if (!num) return v.toLowerCase();\n"
	"    var n = parseFloat(v);\n"
	"    return isNaN(n) ? -Infinity : n;\n"
	"  }\n"
	"  function sort(th) {\n"
	"    var body = th.closest('table').tBodies[0], col = th.cellIndex;\n"
	"    var num = th.getAttribute('data-type') === 'num';\n"
	"    var asc = th.getAttribute('aria-sort') !== 'ascending';\n"
	"    var rows = Array.prototype.slice.call(body.rows);\n"
	"    rows.sort(function (a, b) {\n"
	"      var x = key(a.cells[col], num), y = key(b.cells[col], num);\n"
	"      return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1);\n"
	"    });\n"
	"    Array.prototype.forEach.call(th.parentNode.cells, function (h) {\n"
	"      h.removeAttribute('aria-sort');\n"
	"    });\n"
	"    th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');\n"
	"    rows.forEach(function (r) { body.appendChild(r); });\n"
	"  }\n"
	"  document.querySelectorAll('table.sortable th').forEach(function (th) {\n"
	"    th.tabIndex = 0;\n"
	"    th.title = 'Sort by this column';\n"
	"    th.addEventListener('click', function () { sort(th); });\n"
	"    th.addEventListener('keydown', function (e) {\n"
	"      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(th); }\n"
	"    });\n"
	"  });\n"
	"})();\n";

/* ---------------------------------------------------------------- numbers */

/* a duration with µs for microseconds: "145.49 µs", "1.17 s" */
/* a duration cell of a sortable table: shown in words, sorted by ns */
static void dur_td(FILE *fp, uint64_t ns)
{
	char b[40];
	fprintf(fp, "<td class=\"n\" data-v=\"%" PRIu64 "\">%s</td>", ns, asp_duration_text(ns, b, sizeof(b)));
}

static void u64_td(FILE *fp, uint64_t v)
{
	fprintf(fp, "<td class=\"n\">%" PRIu64 "</td>", v);
}

/* the verdict metric in words */
static const char *metric_words(enum asp_verdict_metric m)
{
	switch (m) {
	case ASP_METRIC_P50: return "median (p50)";
	case ASP_METRIC_P90: return "90th percentile (p90)";
	case ASP_METRIC_P99: return "99th percentile (p99)";
	case ASP_METRIC_MAX: return "longest (max)";
	case ASP_METRIC_MEAN: return "mean";
	case ASP_METRIC_BUSY_PER_POLL: return "busy time per poll";
	}
	return asp_metric_name(m);
}

/* ---------------------------------------------------------------- verdict */

static void verdict(FILE *fp, const struct asp_batch *b)
{
	const struct asp_batch_verdict *v = b->verdict;
	int status = v ? (int)v->status : b->status;
	const char *cls = status == 0 ? "pass" : status == 1 ? "fail" : "error";
	const char *word = status == 0 ? "Passed" : status == 1 ? "Failed" : "Error";
	fprintf(fp, "<section id=\"verdict\" class=\"verdict st-%s\">\n<p class=\"status\">%s</p>\n<p>",
		cls, word);
	/* the verdict's reason (analysis/verdict.c), the same words as every
	 * report: what fails the build, then what fail_on does not count */
	const char *reason = v ? v->reason : b->status_reason;
	if (reason && *reason) {
		char first[2] = { (char)(*reason >= 'a' && *reason <= 'z' ? *reason - 'a' + 'A' : *reason), 0 };
		esc(fp, first);
		esc(fp, reason + 1);
		fputs(".", fp);
	}
	fprintf(fp, "</p>\n<p>Exit status %d <span class=\"muted\">(0 passed, 1 failed the build, "
		    "2 an input could not be read)</span>.</p>\n</section>\n", status);
}

/* notes as a list after head (which opens it); nothing without notes */
static void notes(FILE *fp, const char *head, char *const *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!i)
			fprintf(fp, "%s\n", head);
		fputs("<li>", fp);
		esc(fp, items[i]);
		fputs("</li>\n", fp);
	}
	if (n)
		fputs("</ul>\n", fp);
}

/* ---------------------------------------------------------------- changes */

struct scale {
	double max;         /* ns at the right end */
	double x0, w;       /* the plot's left edge and width, px */
};

static double sx(const struct scale *s, double v)
{
	if (!(v > 0) || !isfinite(v))
		v = 0;
	return s->x0 + (v > s->max ? s->max : v) / s->max * s->w;
}

static double fmax2(double a, double b)
{
	return isfinite(b) && b > a ? b : a;
}

/* one side's lane: each run's metric a dot, the side's metric a bar */
static void lane(FILE *fp, const struct scale *s, double y, const struct asp_side *side,
		 char *const *runs, size_t nruns, double metric, const char *colour, const char *label)
{
	char b[40];
	fprintf(fp, "<text x=\"2\" y=\"%.1f\">%s</text>", y + 3.5, label);
	for (size_t k = 0; side->run_metric && k < nruns; k++) {
		double v = side->run_metric[k];
		if (!isfinite(v))
			continue;
		fprintf(fp, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\" fill-opacity=\"0.55\">"
			    "<title>", sx(s, v), y, colour);
		esc(fp, runs[k]);
		fprintf(fp, ": %s</title></circle>", asp_duration_text((uint64_t)v, b, sizeof(b)));
	}
	if (side->polls && isfinite(metric))
		fprintf(fp, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
			    "stroke-width=\"3\"><title>%s %s: %s</title></line>",
			sx(s, metric), sx(s, metric), y - 7, y + 7, colour, label,
			"(geometric mean of the runs)", asp_duration_text((uint64_t)metric, b, sizeof(b)));
}

/* A strip chart of one change: per side, each run's metric (dots) and the
 * side's (a bar); the noise allowed for around the base (a grey band) and
 * the interval of the new value (a line): inline SVG, on a linear scale
 * from 0 */
static void change_chart(FILE *fp, const struct asp_comparison *c, const struct asp_cmp_row *r)
{
	const double W = 300, H = 58, base_y = 14, new_y = 34;
	double lo = r->metric_base * r->ratio_lo, hi = r->metric_base * r->ratio_hi;
	bool interval = isfinite(r->ratio_lo) && isfinite(r->ratio_hi) && r->ratio_lo > 0 &&
			r->ratio_hi > r->ratio_lo;
	double m = fmax2(0, r->metric_base);
	m = fmax2(m, r->metric_new);
	m = fmax2(m, r->metric_base * (1 + r->noise));
	if (interval)
		m = fmax2(m, hi);
	for (size_t k = 0; r->base.run_metric && k < c->nbase; k++)
		m = fmax2(m, r->base.run_metric[k]);
	for (size_t k = 0; r->new_.run_metric && k < c->nnew; k++)
		m = fmax2(m, r->new_.run_metric[k]);
	struct scale s = { m > 0 ? m * 1.08 : 1, 30, W - 40 };
	char b1[40], b2[40], ch[96];
	fprintf(fp, "<svg width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
		    "aria-label=\"each run's %s, base and new\">",
		W, H, W, H, asp_metric_name(c->metric));
	fprintf(fp, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"44\" y2=\"44\" stroke=\"#999\"/>", s.x0,
		s.x0 + s.w);
	if (r->noise > 0 && isfinite(r->noise) && r->base.polls) {
		double a = r->metric_base * (1 - r->noise), z = r->metric_base * (1 + r->noise);
		char nz[64];
		fprintf(fp, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"30\" fill=\"#000\" "
			    "fill-opacity=\"0.08\"><title>noise allowed for: %s</title></rect>",
			sx(&s, a), base_y - 8, sx(&s, z) - sx(&s, a), asp_noise_text(r, nz, sizeof(nz)));
	}
	if (r->base.polls)
		fprintf(fp, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"4\" y2=\"44\" stroke=\"#999\" "
			    "stroke-dasharray=\"3 2\"/>", sx(&s, r->metric_base), sx(&s, r->metric_base));
	const char *colour = r->verdict == ASP_V_IMPROVED ? "#1b6e2e" : "#b3261e";
	if (interval && r->base.polls)
		fprintf(fp, "<path d=\"M%.1f %.1fv6M%.1f %.1fh%.1fM%.1f %.1fv6\" stroke=\"%s\" "
			    "stroke-width=\"1.5\" fill=\"none\"><title>%.0f %% interval of the change: %s"
			    "</title></path>",
			sx(&s, lo), new_y - 3, sx(&s, lo), new_y, sx(&s, hi) - sx(&s, lo), sx(&s, hi),
			new_y - 3, colour, c->confidence > 0 ? c->confidence * 100 : 95.0,
			asp_change_text(r, ch, sizeof(ch)));
	lane(fp, &s, base_y, &r->base, c->base_runs, c->nbase, r->metric_base, "#3b6ea5", "base");
	lane(fp, &s, new_y, &r->new_, c->new_runs, c->nnew, r->metric_new, colour, "new");
	fprintf(fp, "<text x=\"%.1f\" y=\"55\">0</text><text x=\"%.1f\" y=\"55\" "
		    "text-anchor=\"end\">%s</text><text x=\"%.1f\" y=\"55\" text-anchor=\"middle\">%s</text>",
		s.x0 - 2, s.x0 + s.w, asp_duration_text((uint64_t)s.max, b1, sizeof(b1)), s.x0 + s.w / 2,
		asp_duration_text((uint64_t)(s.max / 2), b2, sizeof(b2)));
	fputs("</svg>", fp);
}

/* the rows that grew only through row i, as a row under it */
static void via_row(FILE *fp, const struct asp_comparison *c, size_t i)
{
	size_t *idx = xcalloc(c->nrows ? c->nrows : 1, sizeof(*idx));
	size_t n = asp_cmp_callers(c, i, idx, c->nrows);
	if (n) {
		fputs("<tr class=\"via\"><td colspan=\"7\">grew only through it (their own time did "
		      "not change): ", fp);
		for (size_t k = 0; k < n; k++) {
			if (k)
				fputs(", ", fp);
			code(fp, c->rows[idx[k]].name);
		}
		fputs("</td></tr>\n", fp);
	}
	free(idx);
}

static void changes(FILE *fp, const struct asp_comparison *c, enum asp_verdict v)
{
	const bool reg = v == ASP_V_REGRESSED;
	fprintf(fp, "<section id=\"%s\">\n<h2>%s</h2>\n", reg ? "regressions" : "improvements",
		reg ? "Regressions" : "Improvements");
	if (!c->counts[v]) {
		fputs("<p>None.</p>\n</section>\n", fp);
		return;
	}
	const char *mn = asp_metric_name(c->metric);
	fprintf(fp, "<div class=\"wrap\"><table class=\"changes\">\n<thead><tr><th>future</th>"
		    "<th class=\"n\">change [%.0f %% interval]</th><th class=\"n\">noise allowed for</th>"
		    "<th class=\"n\">base %s</th><th class=\"n\">new %s</th>"
		    "<th class=\"n\">self per poll<br>base → new</th><th>each run's %s</th></tr></thead>\n"
		    "<tbody>\n",
		c->confidence > 0 ? c->confidence * 100.0 : 95.0, mn, mn, mn);
	for (size_t i = 0; i < c->nrows; i++) {
		const struct asp_cmp_row *r = &c->rows[i];
		if (r->verdict != v)
			continue;
		char b1[40], b2[40], s1[40], s2[40], ch[96], nz[64];
		fputs("<tr><td class=\"name\">", fp);
		code(fp, r->name);
		fprintf(fp, "%s<br><span class=\"muted\">polls %" PRIu64 " → %" PRIu64 "</span></td>",
			r->is_root ? " <span class=\"side\">task root</span>" : "", r->base.polls,
			r->new_.polls);
		fprintf(fp, "<td class=\"n %s\">%s</td>", reg ? "reg" : "imp",
			asp_change_text(r, ch, sizeof(ch)));
		asp_noise_text(r, nz, sizeof(nz));
		fprintf(fp, "<td class=\"n\">%s</td>", *nz ? nz : "—");
		fprintf(fp, "<td class=\"n\">%s</td><td class=\"n\">%s</td>",
			asp_duration_text((uint64_t)r->metric_base, b1, sizeof(b1)),
			asp_duration_text((uint64_t)r->metric_new, b2, sizeof(b2)));
		const struct asp_side *sd[2] = { &r->base, &r->new_ };
		char *st[2] = { s1, s2 };
		for (int k = 0; k < 2; k++)
			if (sd[k]->polls && isfinite(sd[k]->self_per_poll) && sd[k]->self_per_poll >= 0)
				asp_duration_text((uint64_t)sd[k]->self_per_poll, st[k], sizeof(s1));
			else
				strcpy(st[k], "—");
		fprintf(fp, "<td class=\"n\">%s → %s</td><td>", s1, s2);
		change_chart(fp, c, r);
		fputs("</td></tr>\n", fp);
		via_row(fp, c, i);
	}
	fputs("</tbody></table></div>\n</section>\n", fp);
}

static void comparison(FILE *fp, const struct asp_comparison *c)
{
	changes(fp, c, ASP_V_REGRESSED);
	if (c->counts[ASP_V_IMPROVED])
		changes(fp, c, ASP_V_IMPROVED);
	fprintf(fp, "<p class=\"legend\">Chart: each dot is one run's %s own poll time (hover for "
		    "the run), the bar the side's geometric mean; the grey band is the run-to-run "
		    "noise allowed for around the base, the line under the new runs the %.0f %% "
		    "interval of the new value. Own time is time on CPU and blocked; time the "
		    "machine took away (preempted) is left out.</p>\n",
		asp_metric_name(c->metric), c->confidence > 0 ? c->confidence * 100.0 : 95.0);
	bool any = false;
	for (size_t i = 0; i < c->nrows; i++) {
		if (!asp_cmp_via_orphan(c, i))
			continue;
		fputs(any ? "<li>" : "<h3>Grew through an awaited future</h3>\n<ul>\n<li>", fp);
		code(fp, c->rows[i].name);
		fputs(" via ", fp);
		code(fp, c->rows[i].via);
		fputs("</li>\n", fp);
		any = true;
	}
	if (any)
		fputs("</ul>\n", fp);
	notes(fp, "<h3>Comparison notes</h3>\n<ul>", c->notes, c->nnotes);
}

/* ---------------------------------------------------------------- findings */

struct group_ref {
	size_t run;
	const struct asp_finding_group *g;
};

static int group_cmp(const void *a, const void *b)
{
	const struct group_ref *x = a, *y = b;
	if (x->g->severity != y->g->severity)
		return x->g->severity > y->g->severity ? -1 : 1;
	if (x->g->longest_ns != y->g->longest_ns)
		return x->g->longest_ns > y->g->longest_ns ? -1 : 1;
	return x->run < y->run ? -1 : x->run > y->run;
}

static bool group_fails(const struct asp_batch *b, size_t run, const struct asp_finding_group *g)
{
	return b->verdict && asp_group_fails(b->verdict->finding_fails[run], b->runs[run], g);
}

static const struct asp_future *future_named(const struct asp_result *r, const char *name)
{
	for (size_t i = 0; name && i < r->nfutures; i++)
		if (!strcmp(r->futures[i].name, name))
			return &r->futures[i];
	return NULL;
}

static void group_row(FILE *fp, const struct asp_batch *b, const struct group_ref *ref,
		      bool srclines)
{
	const struct asp_result *res = b->runs[ref->run];
	const struct asp_finding_group *g = ref->g;
	const struct asp_finding *w = &res->findings[g->worst];
	const struct asp_rule *rule = asp_rule_named(g->rule);
	const struct asp_future *fu = future_named(res, g->future);
	bool per_poll = !rule || rule->per_poll;
	const char *sev = asp_severity_name(g->severity);
	fprintf(fp, "<tr><td class=\"sev-%s\" data-v=\"%d\">%s</td><td>%s</td><td class=\"nw\">",
		sev, (int)g->severity, sev, group_fails(b, ref->run, g) ? "yes" : "no");
	esc(fp, g->rule);
	fputs("</td><td class=\"name\">", fp);
	code(fp, g->future);
	if (asp_group_is_new(b->cmp, (const struct asp_result *const *)b->runs, b->nruns,
			     res->name, g))
		fputs(" <span class=\"side\" title=\"not in the base runs\">new</span>", fp);
	fprintf(fp, "</td><td>%s</td>", fu ? asp_future_kind_name(fu->kind) : "");
	if (srclines) {
		const char *line = g->srcline;
		fputs("<td>", fp);
		if (line)
			code(fp, line);
		fputs("</td>", fp);
	}
	fprintf(fp, "<td><a href=\"#run-%zu\">", ref->run + 1);
	esc(fp, res->name);
	fputs("</a></td>", fp);
	u64_td(fp, g->count);
	if (per_poll) {
		dur_td(fp, g->longest_ns);
		dur_td(fp, w->threshold_ns);
		dur_td(fp, g->total_ns);
	} else {
		fputs("<td class=\"n\" data-v=\"-1\">—</td><td class=\"n\" data-v=\"-1\">—</td>"
		      "<td class=\"n\" data-v=\"-1\">—</td>", fp);
	}
	char *tasks = asp_group_tasks_text(g, 10, false);
	fputs("<td>", fp);
	esc(fp, tasks);
	free(tasks);
	fputs("</td><td>", fp);
	char what[128];
	bool said = true;
	if (!per_poll)
		fprintf(fp, "%" PRIu64 " polls in a row", w->count);
	else if (asp_poll_text(w->doing, &w->split, w->duration_ns, what, sizeof(what))) {
		char *t = asp_micro_text(what);
		esc(fp, t);
		free(t);
	}
	else
		said = false;
	char *waits = asp_group_waits_text(g, w);
	if (waits) {
		fputs(said ? "<br><span class=\"waits\">" : "<span class=\"waits\">", fp);
		esc(fp, waits);
		fputs("</span>", fp);
	}
	free(waits);
	fputs("</td><td class=\"name\">", fp);
	char *owned, calls[64];
	const char *instead = asp_no_culprit_text(w->culprit, w->culprit_self, w->no_culprit, &owned);
	if (instead) {
		fputs("<span class=\"muted\">", fp);
		esc(fp, instead);
		fputs("</span>", fp);
	} else if (w->culprit) {
		code(fp, w->culprit);
		esc(fp, asp_calls_text(w->culprit_calls, w->culprit_opaque, calls, sizeof(calls)));
	}
	free(owned);
	fputs("</td></tr>\n", fp);
}

static void findings(FILE *fp, const struct asp_batch *b)
{
	size_t n = 0;
	for (size_t r = 0; r < b->nruns; r++)
		n += b->runs[r]->ngroups;
	fputs("<section id=\"findings\">\n<h2>Findings</h2>\n", fp);
	if (!n) {
		fputs("<p>None: no poll held its thread past the rules' thresholds, and no future "
		      "woke itself in a loop.</p>\n</section>\n", fp);
		return;
	}
	struct group_ref *refs = xcalloc(n, sizeof(*refs));
	size_t k = 0;
	bool srclines = false;
	for (size_t r = 0; r < b->nruns; r++)
		for (size_t i = 0; i < b->runs[r]->ngroups; i++) {
			refs[k++] = (struct group_ref){ r, &b->runs[r]->groups[i] };
			srclines |= b->runs[r]->groups[i].srcline != NULL;
		}
	asp_qsort(refs, n, sizeof(*refs), group_cmp);
	fprintf(fp, "<p>One row per rule, future and run (the worst poll says what it was doing); "
		    "\"fails\" says whether it breaks the rules%s.</p>\n"
		    "<div class=\"wrap\"><table class=\"sortable\" id=\"findings-table\">\n<thead><tr>"
		    "<th data-type=\"num\">severity</th><th>fails</th><th>rule</th><th>future</th>"
		    "<th>kind</th>%s<th>run</th><th class=\"n\" data-type=\"num\">count</th>"
		    "<th class=\"n\" data-type=\"num\">longest</th><th class=\"n\" data-type=\"num\">"
		    "threshold</th><th class=\"n\" data-type=\"num\">total</th><th>tasks</th>"
		    "<th>what it was doing</th><th>culprit</th></tr></thead>\n<tbody>\n",
		b->cmp ? ", \"new\" marks a blocking future the base runs did not have" : "",
		srclines ? "<th>source</th>" : "");
	for (size_t i = 0; i < n; i++)
		group_row(fp, b, &refs[i], srclines);
	fputs("</tbody></table></div>\n</section>\n", fp);
	free(refs);
}

/* ---------------------------------------------------------------- runs */

/* a table's rows beyond this are left to report.xlsx and summary.json */
#define ROWS_MAX 500

static bool written(const struct asp_batch *b, const char *name)
{
	return !(b->outputs_off & asp_output_bit(name));
}

static void more_rows(FILE *fp, size_t n)
{
	if (n > ROWS_MAX)
		fprintf(fp, "<p class=\"muted\">%zu more rows in report.xlsx and summary.json.</p>\n",
			n - ROWS_MAX);
}

/* " at src/main.rs:42" under a name, when the recording has its source line */
static void src_at(FILE *fp, const char *srcline)
{
	if (!srcline)
		return;
	fputs(" <small>at ", fp);
	code(fp, srcline);
	fputs("</small>", fp);
}

static void tasks_table(FILE *fp, const struct asp_result *r, size_t run)
{
	fprintf(fp, "<h3>Tasks (%zu)</h3>\n", r->ntasks);
	if (!r->ntasks) {
		fputs("<p>None.</p>\n", fp);
		return;
	}
	fprintf(fp, "<div class=\"wrap\"><table class=\"sortable tasks\" id=\"tasks-%zu\">\n<thead><tr>"
		    "<th class=\"n\" data-type=\"num\" aria-sort=\"ascending\">task</th><th>root future</th>"
		    "<th class=\"n\" data-type=\"num\">polls</th><th class=\"n\" data-type=\"num\">busy</th>"
		    "<th class=\"n\" data-type=\"num\">own</th><th class=\"n\" data-type=\"num\">blocked</th>"
		    "<th class=\"n\" data-type=\"num\">preempted</th><th class=\"n\" data-type=\"num\">idle</th>"
		    "<th class=\"n\" data-type=\"num\">p50 poll</th><th class=\"n\" data-type=\"num\">p99 poll"
		    "</th><th class=\"n\" data-type=\"num\">longest poll</th>"
		    "<th class=\"n\" data-type=\"num\">slow polls</th><th>threads</th></tr></thead>\n<tbody>\n",
		run + 1);
	for (size_t i = 0; i < r->ntasks && i < ROWS_MAX; i++) {
		const struct asp_task *t = &r->tasks[i];
		struct asp_quantiles q = asp_durations_quantiles(&t->poll_ns);
		fprintf(fp, "<tr><td class=\"n\">%" PRIu32 "</td><td class=\"name\">", t->id);
		code(fp, t->root);
		if (t->is_main)
			fputs(" <span class=\"side\">main</span>", fp);
		src_at(fp, t->root_srcline);
		fputs("</td>", fp);
		u64_td(fp, t->polls);
		dur_td(fp, t->busy_ns);
		dur_td(fp, asp_split_own(&t->split));
		dur_td(fp, t->split.blocked_ns);
		dur_td(fp, t->split.preempted_ns);
		dur_td(fp, t->idle_ns);
		dur_td(fp, q.p50);
		dur_td(fp, q.p99);
		dur_td(fp, q.max);
		u64_td(fp, t->slow_polls);
		fputs("<td>", fp);
		for (size_t k = 0; k < t->ntids; k++)
			fprintf(fp, "%s%d", k ? ", " : "", t->tids[k]);
		fputs("</td></tr>\n", fp);
	}
	fputs("</tbody></table></div>\n", fp);
	more_rows(fp, r->ntasks);
}

static void futures_table(FILE *fp, const struct asp_result *r, size_t run)
{
	fprintf(fp, "<h3>Futures (%zu)</h3>\n", r->nfutures);
	if (!r->nfutures) {
		fputs("<p>None.</p>\n", fp);
		return;
	}
	const struct asp_future **by = xcalloc(r->nfutures, sizeof(*by));
	for (size_t i = 0; i < r->nfutures; i++)
		by[i] = &r->futures[i];
	asp_qsort(by, r->nfutures, sizeof(*by), asp_future_busy_cmp);
	fprintf(fp, "<div class=\"wrap\"><table class=\"sortable futures\" id=\"futures-%zu\">\n"
		    "<thead><tr><th>future</th><th>kind</th><th class=\"n\" data-type=\"num\">polls</th>"
		    "<th class=\"n\" data-type=\"num\" aria-sort=\"descending\">busy</th>"
		    "<th class=\"n\" data-type=\"num\">self</th><th class=\"n\" data-type=\"num\">own p50"
		    "</th><th class=\"n\" data-type=\"num\">own p90</th><th class=\"n\" data-type=\"num\">"
		    "own p99</th><th class=\"n\" data-type=\"num\">own max</th>"
		    "<th class=\"n\" data-type=\"num\">slow polls</th><th>tasks</th></tr></thead>\n<tbody>\n",
		run + 1);
	for (size_t i = 0; i < r->nfutures && i < ROWS_MAX; i++) {
		const struct asp_future *f = by[i];
		struct asp_quantiles q = asp_durations_quantiles(&f->own_ns);
		fputs("<tr><td class=\"name\">", fp);
		code(fp, f->name);
		src_at(fp, f->srcline);
		fprintf(fp, "</td><td>%s</td>", asp_future_kind_name(f->kind));
		u64_td(fp, f->polls);
		dur_td(fp, f->busy_ns);
		dur_td(fp, f->self_ns);
		dur_td(fp, q.p50);
		dur_td(fp, q.p90);
		dur_td(fp, q.p99);
		dur_td(fp, q.max);
		u64_td(fp, f->slow_polls);
		fputs("<td>", fp);
		for (size_t k = 0; k < f->ntask_ids && k < 10; k++)
			fprintf(fp, "%s%" PRIu32, k ? ", " : "", f->task_ids[k]);
		if (f->ntask_ids > 10)
			fprintf(fp, ", … (%zu in all)", f->ntask_ids);
		fputs("</td></tr>\n", fp);
	}
	fputs("</tbody></table></div>\n", fp);
	more_rows(fp, r->nfutures);
	free(by);
}

/* runs/NAME/FILE, when that output is written */
static void run_link(FILE *fp, const struct asp_batch *b, const struct asp_result *r,
		     const char *output, bool *first)
{
	const struct asp_output *o = asp_output_find(output);
	/* a run read from its summary.json has no trace.json (index.md alike) */
	if (!o || !written(b, output) || (r->from_summary && !strcmp(output, "trace")))
		return;
	fputs(*first ? "<p>Files: " : " · ", fp);
	fputs("<a href=\"runs/", fp);
	url(fp, r->name);
	fprintf(fp, "/%s\">%s</a>", o->path, o->path);
	*first = false;
}

static void run_section(FILE *fp, const struct asp_batch *b, size_t run)
{
	const struct asp_result *r = b->runs[run];
	char d[40];
	const char *side = asp_run_side(b->cmp, r->name);
	fprintf(fp, "<section class=\"run\" id=\"run-%zu\">\n<h2>", run + 1);
	esc(fp, r->name);
	if (side)
		fprintf(fp, "<span class=\"side\">%s</span>", side);
	fputs("</h2>\n<p>", fp);
	esc(fp, r->runtime ? r->runtime : "unknown runtime");
	fprintf(fp, ", %s, %zu thread%s, %zu finding%s", asp_duration_text(r->duration_ns, d, sizeof(d)), r->threads,
		r->threads == 1 ? "" : "s", r->nfindings, r->nfindings == 1 ? "" : "s");
	if (r->program_exit) {
		fputs("; the program: ", fp);
		esc(fp, r->program_exit);
	}
	fputs("<br><span class=\"muted\">recording ", fp);
	code(fp, r->path);
	if (r->exe) {
		fputs(", program ", fp);
		code(fp, r->exe);
	}
	fputs("</span></p>\n", fp);
	bool first = true;
	run_link(fp, b, r, "trace", &first);
	run_link(fp, b, r, "run-summary", &first);
	if (written(b, "trace") && !r->from_summary)
		fputs(" <span class=\"muted\">(open trace.json in https://ui.perfetto.dev)</span>", fp);
	if (!first)
		fputs("</p>\n", fp);
	notes(fp, "<ul class=\"notes\">", r->notes, r->nnotes);
	tasks_table(fp, r, run);
	futures_table(fp, r, run);
	fputs("</section>\n", fp);
}

static void runs(FILE *fp, const struct asp_batch *b)
{
	char d[40];
	fputs("<section id=\"runs\">\n<h2>Runs</h2>\n", fp);
	if (!b->nruns)
		fputs("<p>No run could be read.</p>\n", fp);
	else
		fputs("<div class=\"wrap\"><table class=\"sortable\" id=\"runs-table\">\n<thead><tr>"
		      "<th>run</th><th>side</th><th>runtime</th><th class=\"n\" data-type=\"num\">duration</th>"
		      "<th class=\"n\" data-type=\"num\">threads</th><th class=\"n\" data-type=\"num\">tasks</th>"
		      "<th class=\"n\" data-type=\"num\">futures</th><th class=\"n\" data-type=\"num\">findings"
		      "</th></tr></thead>\n<tbody>\n", fp);
	for (size_t i = 0; i < b->nruns; i++) {
		const struct asp_result *r = b->runs[i];
		const char *side = asp_run_side(b->cmp, r->name);
		fprintf(fp, "<tr><td><a href=\"#run-%zu\">", i + 1);
		esc(fp, r->name);
		fprintf(fp, "</a></td><td>%s</td><td>", side ? side : "");
		esc(fp, r->runtime);
		fprintf(fp, "</td><td class=\"n\" data-v=\"%" PRIu64 "\">%s</td><td class=\"n\">%zu</td>"
			    "<td class=\"n\">%zu</td><td class=\"n\">%zu</td><td class=\"n\">%zu</td></tr>\n",
			r->duration_ns, asp_duration_text(r->duration_ns, d, sizeof(d)), r->threads, r->ntasks,
			r->nfutures, r->nfindings);
	}
	if (b->nruns)
		fputs("</tbody></table></div>\n", fp);
	for (size_t i = 0; i < b->nskipped; i++) {
		fputs(i ? "<li>" : "<h3>Skipped (could not be read)</h3>\n<ul>\n<li>", fp);
		code(fp, b->skipped[i].path);
		fputs(": ", fp);
		esc(fp, b->skipped[i].reason);
		fputs("</li>\n", fp);
	}
	if (b->nskipped)
		fputs("</ul>\n", fp);
	fputs("</section>\n", fp);
	for (size_t i = 0; i < b->nruns; i++)
		run_section(fp, b, i);
}

/* ---------------------------------------------------------------- the page */

/* links to the batch's other reports written this batch */
static void nav(FILE *fp, const struct asp_batch *b)
{
	fputs("<nav><a href=\"#verdict\">Verdict</a>", fp);
	if (b->cmp)
		fputs("<a href=\"#regressions\">Regressions</a>", fp);
	fputs("<a href=\"#findings\">Findings</a><a href=\"#runs\">Runs</a>", fp);
	bool any = false;
	for (size_t i = 0; i < asp_noutputs; i++) {
		const struct asp_output *o = &asp_outputs[i];
		if (o->scope != ASP_OUTPUT_BATCH || !strcmp(o->name, "html") || !written(b, o->name))
			continue;
		fprintf(fp, "%s<a href=\"%s\">%s</a>", any ? "" : " · Full data: ", o->path, o->path);
		any = true;
	}
	fputs("</nav>\n", fp);
}

static void summary_line(FILE *fp, const struct asp_batch *b)
{
	const struct asp_comparison *c = b->cmp;
	fprintf(fp, "<p>%zu run%s analysed", b->nruns, b->nruns == 1 ? "" : "s");
	if (b->nskipped)
		fprintf(fp, ", %zu skipped (could not be read)", b->nskipped);
	if (c)
		fprintf(fp, ". Compared %zu base run%s with %zu new run%s by each run's %s own poll "
			    "time: %zu regressed, %zu improved, %zu grew only through an awaited "
			    "future, %zu new, %zu gone, %zu unchanged",
			c->nbase, c->nbase == 1 ? "" : "s", c->nnew, c->nnew == 1 ? "" : "s",
			metric_words(c->metric), c->counts[ASP_V_REGRESSED], c->counts[ASP_V_IMPROVED],
			c->counts[ASP_V_VIA], c->counts[ASP_V_NEW], c->counts[ASP_V_GONE],
			c->counts[ASP_V_UNCHANGED]);
	else
		fputs(". No comparison (no --baseline)", fp);
	fputs(".</p>\n", fp);
}

static void write_page(FILE *fp, const struct asp_batch *b)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "img-src data:; base-uri 'none'; form-action 'none'; style-src ", fp);
	csp_hash(fp, page_style);
	fputs("; script-src ", fp);
	csp_hash(fp, page_script);
	fputs("\">\n<title>asprof report: ", fp);
	int status = b->verdict ? (int)b->verdict->status : b->status;
	fputs(status == 0 ? "passed" : status == 1 ? "failed" : "error", fp);
	fprintf(fp, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>asprof report</h1>\n", page_style);
	nav(fp, b);
	verdict(fp, b);
	summary_line(fp, b);
	if (b->cmp)
		comparison(fp, b->cmp);
	findings(fp, b);
	runs(fp, b);
	fprintf(fp, "<p class=\"muted\">Written by asprof-batch %s.</p>\n<script>%s</script>\n"
		    "</body>\n</html>\n", PACKAGE_VERSION, page_script);
}

int asp_html_write(const struct asp_batch *b, const char *path, char **err)
{
	FILE *fp;
	struct asp_outfile *h = asp_outfile_open(path, &fp, err);
	if (!h)
		return -1;
	write_page(fp, b);
	return asp_outfile_commit(h, err);
}
