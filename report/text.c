/* text.c - the short human summary on stdout: the run, its tasks, the worst
 * findings (one block per rule and future: what the worst poll was doing
 * and its culprit), the futures that kept the executor busiest. Own time
 * (on CPU + blocked) beside the wall time when the recording has context
 * switches. Fixed-width columns first, the (long) names last. */
#include "report.h"
#include "report/describe.h"
#include "analysis/registry.h"
#include "analysis/util.h"

#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define NAME_WIDTH 70
#define HEAD_KEEP 20 /* of a truncated name; the rest is its tail */
#define FINDING_INDENT 71 /* the FUTURE column of the findings table (RULE 14 wide) */

/* is t[i], a '<', the start of generic arguments (`Foo<`, `foo::<`), not
 * of a qualified path (`<A as B>`, `<Foo<T>>::f`, uftrace's `_<a..b>`)? */
static bool opens_generics(const char *t, size_t i)
{
	char p = i ? t[i - 1] : ' ';
	if (i == 1 && p == '_')
		return false;
	return p == ':' || p == '_' || (p >= '0' && p <= '9') || ((p | 0x20) >= 'a' && (p | 0x20) <= 'z');
}

/* t with the generic argument lists nested at least `level` deep in other
 * generic arguments (level 1: inside one; 0: the outermost too, when a path
 * goes on after them) written `<...>`. `->` closes nothing; unbalanced: the
 * rest as is. *deepest gets the deepest nesting. */
static char *drop_generics(const char *t, int level, int *deepest)
{
	size_t len = strlen(t);
	char *out = xmalloc(len + 1);
	bool gen[64];
	int depth = 0, in_gen = 0;
	size_t o = 0;
	*deepest = 0;
	for (size_t i = 0; i < len; i++) {
		char c = t[i];
		if (c == '>' && i > 0 && t[i - 1] != '-' && depth > 0) {
			depth--;
			if (depth < 64 && gen[depth])
				in_gen--;
		}
		if (c != '<') {
			out[o++] = c;
			continue;
		}
		bool g = opens_generics(t, i);
		if (g && in_gen > *deepest)
			*deepest = in_gen;
		if (g && in_gen >= level) {
			size_t j = i + 1; /* past its matching '>' */
			int d = 1;
			for (; j < len && d > 0; j++) {
				if (t[j] == '<')
					d++;
				else if (t[j] == '>' && t[j - 1] != '-')
					d--;
			}
			/* level 0, the outermost: only when the name goes on
			 * past them (`Lines<..>::next_line`); in `MaybeDone<F>`
			 * F is what tells it apart */
			bool tail = j < len && t[j] == ':';
			if (d == 0 && j - i > 5 && (level > 0 || in_gen > 0 || tail)) {
				memcpy(out + o, "<...>", 5);
				o += 5;
				i = j - 1;
				continue;
			}
		}
		if (depth < 64)
			gen[depth] = g;
		depth++;
		in_gen += g;
		out[o++] = c;
	}
	out[o] = '\0';
	return out;
}

/* name shown as every writer shows text (asp_show: no control character or
 * escape sequence reaches the terminal), fitted to width bytes: first the
 * generic arguments nested in others written `<...>`, the deepest first
 * (the outer path, the type it is generic over and its last segments,
 * which tell futures apart, stay whole), then cut in the middle, keeping
 * the tail (the most specific part of a Rust path); never splits a UTF-8
 * sequence. In buf, of at least width + 1 bytes. */
static const char *cut_name(const char *name, size_t width, char *buf, size_t n)
{
	if (!name)
		return "?";
	char *t = asp_show(name, ASP_SHOW_CONTROLS);
	size_t len = strlen(t);
	int deepest = 0;
	if (len > width)
		free(drop_generics(t, INT_MAX, &deepest));
	for (int level = deepest; level >= 0 && len > width; level--) {
		char *d = drop_generics(t, level, &(int){ 0 });
		free(t);
		t = d;
		len = strlen(t);
	}
	if (len <= width) {
		snprintf(buf, n, "%s", t);
		free(t);
		return buf;
	}
	size_t head = HEAD_KEEP < width / 3 ? HEAD_KEEP : width / 3;
	while (head > 0 && (t[head] & 0xc0) == 0x80)
		head--;
	size_t tail = len - (width - head - 3);
	while (tail < len && (t[tail] & 0xc0) == 0x80)
		tail++;
	snprintf(buf, n, "%.*s...%s", (int)head, t, t + tail);
	free(t);
	return buf;
}

static const char *short_name(const char *name, char *buf, size_t n)
{
	return cut_name(name, NAME_WIDTH, buf, n);
}

/* a culprit's call path "outer → inner": each end cut on its own, so that
 * a long outer name does not hide the inner one (nor the arrow) */
static void put_culprit(FILE *out, const char *culprit)
{
	static const char arrow[] = " \u2192 ";
	const char *at = strstr(culprit, arrow);
	char a[NAME_WIDTH + 1], b[NAME_WIDTH + 1];
	if (!at) {
		fputs(short_name(culprit, a, sizeof(a)), out);
		return;
	}
	char *outer = xstrndup(culprit, (size_t)(at - culprit));
	fprintf(out, "%s%s%s", cut_name(outer, NAME_WIDTH / 2, a, sizeof(a)), arrow,
		cut_name(at + strlen(arrow), NAME_WIDTH, b, sizeof(b)));
	free(outer);
}

static const char *dur(uint64_t ns, char *buf, size_t n)
{
	return asp_format_duration(ns, buf, n);
}

/* an optional column of the tables: " VALUE" right-aligned in 11, or ""
 * when off (in buf, of 32 bytes) */
static const char *own_col(bool on, const char *value, char *buf)
{
	if (!on)
		return "";
	snprintf(buf, 32, " %11s", value);
	return buf;
}

/* the scheduled-time column (wakes recorded): " P50/P99" of a task's waits
 * from wake to poll right-aligned in 21, "-" without one (in buf, of 96
 * bytes) */
static const char *sched_col(bool on, const struct asp_durations *d, char *buf)
{
	char p50[32], p99[32], both[72];
	if (!on)
		return "";
	if (!d || !d->n) {
		snprintf(buf, 96, " %21s", d ? "-" : "SCHED P50/P99");
		return buf;
	}
	snprintf(both, sizeof(both), "%s/%s",
		 asp_format_duration(asp_durations_quantile(d, 0.50), p50, sizeof(p50)),
		 asp_format_duration(asp_durations_quantile(d, 0.99), p99, sizeof(p99)));
	snprintf(buf, 96, " %21s", both);
	return buf;
}

/* the first-poll delay column (spawns recorded): a task's wait from its
 * creation to its first poll, "-" when its creation was not recorded */
static const char *first_col(bool on, const struct asp_task *t, char *buf)
{
	char d[32];
	if (!on)
		return "";
	snprintf(buf, 32, " %11s", !t ? "1ST POLL" : !t->spawned ? "-"
			: asp_format_duration(t->first_poll_delay_ns, d, sizeof(d)));
	return buf;
}

static size_t limit(size_t n, size_t top)
{
	return top && top < n ? top : n;
}

static int task_order(const void *a, const void *b)
{
	const struct asp_task *x = *(const struct asp_task *const *)a;
	const struct asp_task *y = *(const struct asp_task *const *)b;
	if (x->is_main != y->is_main)
		return x->is_main ? -1 : 1;
	if (x->busy_ns != y->busy_ns)
		return x->busy_ns > y->busy_ns ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int future_order(const void *a, const void *b)
{
	const struct asp_future *x = *(const struct asp_future *const *)a;
	const struct asp_future *y = *(const struct asp_future *const *)b;
	if (x->busy_ns != y->busy_ns)
		return x->busy_ns > y->busy_ns ? -1 : 1;
	return strcmp(x->name ? x->name : "", y->name ? y->name : "");
}

static void print_more(FILE *out, size_t shown, size_t n)
{
	if (shown < n)
		fprintf(out, "  ... and %zu more\n", n - shown);
}

static void print_tasks(FILE *out, const struct asp_result *r, size_t top)
{
	if (!r->ntasks) {
		fprintf(out, "\nTasks: none found\n");
		return;
	}
	const struct asp_task **v = xreallocarray(NULL, r->ntasks, sizeof(*v));
	for (size_t i = 0; i < r->ntasks; i++)
		v[i] = &r->tasks[i];
	asp_qsort(v, r->ntasks, sizeof(*v), task_order);
	size_t n = limit(r->ntasks, top);
	/* with context switches: own time (on CPU + blocked) beside the wall
	 * time, and the blocked and preempted parts of it */
	bool own = r->has_sched;
	char b1[32], b2[32], b3[32], b4[32], b5[32], c1[32], c2[32], c3[32];
	char nb[NAME_WIDTH + 8], sc[96], fc[32];
	/* with wakes recorded: the scheduled time (wake to poll); with
	 * creations: the first-poll delay */
	bool sched = r->wakes_recorded, first = r->spawns_recorded;
	fprintf(out, "\nTasks (%zu)\n  %6s %8s %11s%s%s%s %11s%s%s  %s\n", r->ntasks, "TASK", "POLLS",
		"BUSY", own_col(own, "OWN", c1), own_col(own, "BLOCKED", c2),
		own_col(own, "PREEMPTED", c3), "IDLE", sched_col(sched, NULL, sc),
		first_col(first, NULL, fc), "ROOT");
	for (size_t i = 0; i < n; i++) {
		const struct asp_task *t = v[i];
		fprintf(out, "  %6" PRIu32 " %8" PRIu64 " %11s%s%s%s %11s%s%s  %s%s\n", t->id, t->polls,
			dur(t->busy_ns, b1, sizeof(b1)),
			own_col(own, dur(asp_split_own(&t->split), b3, sizeof(b3)), c1),
			own_col(own, dur(t->split.blocked_ns, b4, sizeof(b4)), c2),
			own_col(own, dur(t->split.preempted_ns, b5, sizeof(b5)), c3),
			dur(t->idle_ns, b2, sizeof(b2)), sched_col(sched, &t->sched_ns, sc),
			first_col(first, t, fc), t->is_main ? "main: " : "",
			short_name(t->root, nb, sizeof(nb)));
	}
	print_more(out, n, r->ntasks);
	free(v);
}

/* a group's second and third lines: its tasks and what the worst poll was
 * doing; its culprit, or why there is none */
static void print_group_detail(FILE *out, const struct asp_finding_group *g,
			       const struct asp_finding *w, int indent)
{
	char poll[128];
	struct asp_buf who = { 0 }, what = { 0 };
	char *tasks = asp_group_tasks_text(g, 8, true);
	asp_buf_printf(&who, "%s", tasks);
	free(tasks);
	if (w->count > 1)
		asp_buf_printf(&who, "; %" PRIu64 " times", w->count);
	if (asp_poll_text(w->doing, &w->split, w->duration_ns, poll, sizeof(poll)))
		asp_buf_printf(&what, "%s%s", g->count > 1 ? "worst: " : "", poll);
	/* one line when it fits beside the names' column, else two */
	if (!what.len)
		fprintf(out, "%*s%s\n", indent, "", who.data);
	else if (who.len + 2 + what.len <= NAME_WIDTH + 10)
		fprintf(out, "%*s%s; %s\n", indent, "", who.data, what.data);
	else
		fprintf(out, "%*s%s\n%*s%s\n", indent, "", who.data, indent, "",
			what.data);
	asp_buf_free(&who);
	asp_buf_free(&what);
	/* a call path cut as names are; words in its place are shown whole */
	char *owned;
	const char *instead = asp_no_culprit_text(w->culprit, w->culprit_self, w->no_culprit, &owned);
	if (instead) {
		char *t = asp_show(instead, ASP_SHOW_CONTROLS);
		fprintf(out, "%*s%s\n", indent, "", t);
		free(t);
	} else if (w->culprit) {
		char c[64], sb[NAME_WIDTH + 8];
		fprintf(out, "%*sculprit: ", indent, "");
		put_culprit(out, w->culprit);
		fprintf(out, "%s\n", asp_calls_text(w->culprit_calls, w->culprit_opaque, c, sizeof(c)));
		if (w->culprit_srcline)
			fprintf(out, "%*s  at %s\n", indent, "",
				short_name(w->culprit_srcline, sb, sizeof(sb)));
	}
	free(owned);
	char *waits = asp_group_waits_text(g, w);
	if (waits) {
		char *t = asp_show(waits, ASP_SHOW_CONTROLS);
		fprintf(out, "%*s%s\n", indent, "", t);
		free(t);
	}
	free(waits);
}

/* one block per group of findings (rule and future) */
static void print_findings(FILE *out, const struct asp_result *r, size_t top)
{
	if (!r->nfindings) {
		fprintf(out, "\nFindings: none\n");
		return;
	}
	size_t n = limit(r->ngroups, top);
	char b1[32], b2[32], b3[32], nb[NAME_WIDTH + 8];
	/* the RULE column as wide as the longest rule shown (14 at least):
	 * the FUTURE column and the lines under it move with it */
	int rw = 14;
	for (size_t i = 0; i < n; i++)
		if (r->groups[i].rule && (int)strlen(r->groups[i].rule) > rw)
			rw = (int)strlen(r->groups[i].rule);
	int indent = FINDING_INDENT + rw - 14;
	fprintf(out, "\nFindings (%zu, in %zu group%s)\n  %-8s %-*s %5s %11s   %11s %11s  %s\n",
		r->nfindings, r->ngroups, r->ngroups == 1 ? "" : "s", "SEVERITY", rw, "RULE", "COUNT",
		"LONGEST", "THRESHOLD", "TOTAL", "FUTURE");
	for (size_t i = 0; i < n; i++) {
		const struct asp_finding_group *g = &r->groups[i];
		const struct asp_finding *w = &r->findings[g->worst];
		const struct asp_rule *rule = asp_rule_named(g->rule);
		/* a self-wake finding is a run of polls: no duration of its own */
		bool per_poll = !rule || rule->per_poll;
		fprintf(out, "  %-8s %-*s %5" PRIu64 " %11s > %11s %11s  %s\n",
			asp_severity_name(g->severity), rw, g->rule ? g->rule : "?", g->count,
			per_poll ? dur(g->longest_ns, b1, sizeof(b1)) : "-",
			dur(w->threshold_ns, b2, sizeof(b2)),
			per_poll ? dur(g->total_ns, b3, sizeof(b3)) : "-",
			short_name(g->future, nb, sizeof(nb)));
		if (g->srcline) /* where the future is in the source */
			fprintf(out, "%*sat %s\n", indent, "", short_name(g->srcline, nb, sizeof(nb)));
		print_group_detail(out, g, w, indent);
	}
	print_more(out, n, r->ngroups);
}

static void print_futures(FILE *out, const struct asp_result *r, size_t top)
{
	if (!r->nfutures)
		return;
	const struct asp_future **v = xreallocarray(NULL, r->nfutures, sizeof(*v));
	for (size_t i = 0; i < r->nfutures; i++)
		v[i] = &r->futures[i];
	asp_qsort(v, r->nfutures, sizeof(*v), future_order);
	size_t n = limit(r->nfutures, top);
	/* with context switches, own time's p99 beside the wall p99, and
	 * SELF (own time outside the futures it polls) in place of MAX (in
	 * summary.json and the workbook): the durations take 10 columns, not
	 * 11, so that a long name still ends within 150 */
	bool own = r->has_sched;
	int w = own ? 10 : 11;
	char b1[32], b2[32], b3[32], b4[32], b5[32], nb[NAME_WIDTH + 8];
	fprintf(out, "\nTop futures by busy time\n  %*s %8s %*s %*s %*s%s%*s  %-11s  %s\n", w, "BUSY",
		"POLLS", w, "P50", w, "P99", own ? w : 0, own ? "OWN P99" : "", own ? " " : "", w,
		own ? "SELF" : "MAX", "KIND", "FUTURE");
	for (size_t i = 0; i < n; i++) {
		const struct asp_future *f = v[i];
		struct asp_quantiles q = asp_durations_quantiles(&f->poll_ns);
		uint64_t own_p99 = asp_durations_quantile(&f->own_ns, 0.99);
		fprintf(out, "  %*s %8" PRIu64 " %*s %*s %*s%s%*s  %-11s  %s\n", w,
			dur(f->busy_ns, b1, sizeof(b1)), f->polls, w, dur(q.p50, b2, sizeof(b2)), w,
			dur(q.p99, b3, sizeof(b3)), own ? w : 0,
			own ? dur(own_p99, b5, sizeof(b5)) : "", own ? " " : "", w,
			dur(own ? f->self_ns : q.max, b4, sizeof(b4)), asp_future_kind_name(f->kind),
			short_name(f->name, nb, sizeof(nb)));
	}
	print_more(out, n, r->nfutures);
	free(v);
}

static uint64_t longest_wait(const struct asp_future *f)
{
	uint64_t a = f->sched_ns.n ? f->sched_ns.max : 0, b = f->first_poll_ns.n ? f->first_poll_ns.max : 0;
	return a > b ? a : b;
}

static int wait_order(const void *a, const void *b)
{
	const struct asp_future *x = *(const struct asp_future *const *)a;
	const struct asp_future *y = *(const struct asp_future *const *)b;
	uint64_t lx = longest_wait(x), ly = longest_wait(y);
	if (lx != ly)
		return lx > ly ? -1 : 1;
	return strcmp(x->name ? x->name : "", y->name ? y->name : "");
}

/* " COUNT P50/P99 LONG" of one kind of wait, in buf (of 128 bytes), or
 * "" when that kind was not recorded; d NULL: the header */
static const char *waits_cols(bool on, const char *count, const char *quant,
			      const struct asp_durations *d, uint64_t nlong, char *buf)
{
	char sc[96];
	if (!on)
		return "";
	if (!d)
		snprintf(buf, 128, " %6s %21s %5s", count, quant, "LONG");
	else
		snprintf(buf, 128, " %6" PRIu64 "%s %5" PRIu64, d->n, sched_col(true, d, sc), nlong);
	return buf;
}

/* the root futures whose tasks waited (wakes or spawns recorded): their
 * scheduled waits and first-poll delays, the longest first */
static void print_waits(FILE *out, const struct asp_result *r, size_t top)
{
	bool sched = r->wakes_recorded, first = r->spawns_recorded;
	if (!sched && !first)
		return;
	const struct asp_future **v = xreallocarray(NULL, r->nfutures + 1, sizeof(*v));
	size_t nv = 0;
	for (size_t i = 0; i < r->nfutures; i++)
		if (r->futures[i].sched_ns.n || r->futures[i].first_poll_ns.n)
			v[nv++] = &r->futures[i];
	if (nv) {
		asp_qsort(v, nv, sizeof(*v), wait_order);
		size_t n = limit(nv, top);
		char sc[128], fc[128], nb[NAME_WIDTH + 8];
		fprintf(out, "\nWaits of the root futures' tasks (%s%s%s)\n %s%s  %s\n",
			sched ? "scheduled: wake to poll" : "", sched && first ? "; " : "",
			first ? "1st poll: spawn to first poll" : "",
			waits_cols(sched, "WAITS", "SCHED P50/P99", NULL, 0, sc),
			waits_cols(first, "SPAWNS", "1ST POLL P50/P99", NULL, 0, fc), "FUTURE");
		for (size_t i = 0; i < n; i++) {
			const struct asp_future *f = v[i];
			fprintf(out, " %s%s  %s\n",
				waits_cols(sched, NULL, NULL, &f->sched_ns, f->long_delays, sc),
				waits_cols(first, NULL, NULL, &f->first_poll_ns, f->long_first_polls, fc),
				short_name(f->name, nb, sizeof(nb)));
		}
		print_more(out, n, nv);
	}
	free(v);
}

/* top == 0: no limit */
void asp_summary_print(FILE *out, const struct asp_result *r, size_t top)
{
	char b[32];
	char *name = asp_show(r->name ? r->name : "?", ASP_SHOW_CONTROLS);
	char *runtime = asp_show(r->runtime ? r->runtime : "unknown", ASP_SHOW_CONTROLS);
	fprintf(out, "%s: runtime %s%s, %s, %zu thread%s, %" PRIu64 " records\n", name, runtime,
		r->runtime_forced ? " (forced)" : "", dur(r->duration_ns, b, sizeof(b)), r->threads,
		r->threads == 1 ? "" : "s", r->records);
	free(name);
	free(runtime);
	for (size_t i = 0; i < r->nnotes; i++) {
		char *note = asp_show(r->notes[i], ASP_SHOW_CONTROLS);
		fprintf(out, "  note: %s\n", note);
		free(note);
	}
	print_tasks(out, r, top);
	print_findings(out, r, top);
	print_futures(out, r, top);
	print_waits(out, r, top);
}

/* ---- the comparison */

/* "  via CALLEE: caller, caller" for the VIA rows of callee (SIZE_MAX:
 * those whose callee is not shown, one line per callee); names shown as
 * every writer shows text */
static void print_callers(FILE *out, const struct asp_comparison *c, size_t callee, const char *indent)
{
	size_t n = callee == SIZE_MAX ? 0 : asp_cmp_callers(c, callee, NULL, 0);
	if (callee != SIZE_MAX && !n)
		return;
	size_t *idx = xcalloc(c->nrows ? c->nrows : 1, sizeof(*idx));
	if (callee != SIZE_MAX) {
		asp_cmp_callers(c, callee, idx, c->nrows);
	} else {
		for (size_t i = 0; i < c->nrows; i++)
			if (asp_cmp_via_orphan(c, i))
				idx[n++] = i;
	}
	for (size_t k = 0; k < n; k++) {
		const struct asp_cmp_row *r = &c->rows[idx[k]];
		const char *via = r->via ? r->via : "";
		/* orphans: a new line whenever the callee changes */
		bool head = k == 0 || (callee == SIZE_MAX &&
				       strcmp(via, c->rows[idx[k - 1]].via ? c->rows[idx[k - 1]].via : ""));
		char *name = asp_show(r->name, ASP_SHOW_CONTROLS);
		if (head) {
			char *shown = asp_show(via, ASP_SHOW_CONTROLS);
			fprintf(out, "%s%svia %s: ", k ? "\n" : "", indent, shown);
			free(shown);
		}
		fprintf(out, "%s%s", head ? "" : ", ", name);
		free(name);
	}
	if (n)
		fputc('\n', out);
	free(idx);
}

void asp_comparison_print(FILE *out, const struct asp_comparison *c, size_t top)
{
	char b1[32];
	fprintf(out, "Comparison: %zu base run%s vs %zu new run%s by each run's %s own poll time: "
		"%zu regressed, %zu improved, %zu via a callee, %zu new, %zu gone, %zu unchanged\n",
		c->nbase, c->nbase == 1 ? "" : "s", c->nnew, c->nnew == 1 ? "" : "s",
		asp_metric_name(c->metric), c->counts[ASP_V_REGRESSED], c->counts[ASP_V_IMPROVED],
		c->counts[ASP_V_VIA], c->counts[ASP_V_NEW], c->counts[ASP_V_GONE],
		c->counts[ASP_V_UNCHANGED]);
	for (size_t i = 0; i < c->nnotes; i++) {
		char *note = asp_show(c->notes[i], ASP_SHOW_CONTROLS);
		fprintf(out, "  note: %s\n", note);
		free(note);
	}
	size_t shown = 0;
	for (int pass = 0; pass < 2; pass++) {
		enum asp_verdict v = pass ? ASP_V_IMPROVED : ASP_V_REGRESSED;
		for (size_t i = 0; i < c->nrows && shown < top; i++) {
			const struct asp_cmp_row *r = &c->rows[i];
			if (r->verdict != v)
				continue;
			shown++;
			char *name = asp_show(r->name, ASP_SHOW_CONTROLS);
			char *what = asp_change_summary(c->metric, r);
			fprintf(out, "  %-9s %s%s: %s\n", asp_verdict_name(v), r->is_task ? "task " : "",
				name, what);
			free(what);
			free(name);
			print_callers(out, c, i, "            ");
		}
	}
	print_callers(out, c, SIZE_MAX, "  ");
	for (size_t i = 0; i < c->nnew_findings; i++) {
		char *future = asp_show(c->new_findings[i].future, ASP_SHOW_CONTROLS);
		char *run = asp_show(c->new_findings[i].run, ASP_SHOW_CONTROLS);
		const struct asp_cmp_finding *f = &c->new_findings[i];
		char doing[64];
		bool did = asp_doing_text(f->doing, &f->split, f->duration_ns, doing, sizeof(doing)) != NULL;
		fprintf(out, "  new blocking finding: %s (%s, %s in %s%s%s)\n", future,
			asp_severity_name(f->severity),
			asp_format_duration(f->duration_ns, b1, sizeof(b1)), run, did ? ": " : "",
			did ? doing : "");
		free(future);
		free(run);
	}
	fputc('\n', out);
}
