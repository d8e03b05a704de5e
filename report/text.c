/* text.c - the short human summary on stdout: the run, its tasks, the worst
 * findings with their culprits, the futures that kept the executor busiest.
 * Fixed-width columns first, the (long) names last. */
#include "report.h"
#include "analysis/util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define NAME_WIDTH 70
#define HEAD_KEEP 20 /* of a truncated name; the rest is its tail */
#define FINDING_INDENT 60 /* the FUTURE column of the findings table */

/* name shown as every writer shows text (asp_show: no control character or
 * escape sequence reaches the terminal), cut in the middle to NAME_WIDTH
 * bytes, keeping the tail (the most specific part of a Rust path); never
 * splits a UTF-8 sequence. In buf, of at least NAME_WIDTH + 1 bytes. */
static const char *short_name(const char *name, char *buf, size_t n)
{
	if (!name)
		return "?";
	char *t = asp_show(name, ASP_SHOW_CONTROLS);
	size_t len = strlen(t);
	if (len <= NAME_WIDTH) {
		snprintf(buf, n, "%s", t);
		free(t);
		return buf;
	}
	size_t head = HEAD_KEEP;
	while (head > 0 && (t[head] & 0xc0) == 0x80)
		head--;
	size_t tail = len - (NAME_WIDTH - HEAD_KEEP - 3);
	while (tail < len && (t[tail] & 0xc0) == 0x80)
		tail++;
	snprintf(buf, n, "%.*s...%s", (int)head, t, t + tail);
	free(t);
	return buf;
}

static const char *dur(uint64_t ns, char *buf, size_t n)
{
	return asp_format_duration(ns, buf, n);
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
	char b1[32], b2[32], nb[NAME_WIDTH + 8];
	fprintf(out, "\nTasks (%zu)\n  %6s %8s %11s %11s  %s\n", r->ntasks, "TASK", "POLLS", "BUSY",
		"IDLE", "ROOT");
	for (size_t i = 0; i < n; i++) {
		const struct asp_task *t = v[i];
		fprintf(out, "  %6" PRIu32 " %8" PRIu64 " %11s %11s  %s%s\n", t->id, t->polls,
			dur(t->busy_ns, b1, sizeof(b1)), dur(t->idle_ns, b2, sizeof(b2)),
			t->is_main ? "main: " : "", short_name(t->root, nb, sizeof(nb)));
	}
	print_more(out, n, r->ntasks);
	free(v);
}

static void print_findings(FILE *out, const struct asp_result *r, size_t top)
{
	if (!r->nfindings) {
		fprintf(out, "\nFindings: none\n");
		return;
	}
	size_t n = limit(r->nfindings, top);
	char b1[32], b2[32], nb[NAME_WIDTH + 8];
	fprintf(out, "\nFindings (%zu)\n  %-8s %-14s %6s %11s %13s  %s\n", r->nfindings, "SEVERITY",
		"RULE", "TASK", "DURATION", "THRESHOLD", "FUTURE");
	for (size_t i = 0; i < n; i++) {
		const struct asp_finding *f = &r->findings[i];
		fprintf(out, "  %-8s %-14s %6" PRIu32 " %11s > %11s  %s\n",
			asp_severity_name(f->severity), f->rule ? f->rule : "?", f->task,
			dur(f->duration_ns, b1, sizeof(b1)), dur(f->threshold_ns, b2, sizeof(b2)),
			short_name(f->future, nb, sizeof(nb)));
		if (f->count > 1)
			fprintf(out, "%*s%" PRIu64 " times\n", FINDING_INDENT, "", f->count);
		if (f->culprit)
			fprintf(out, "%*sculprit: %s (%.0f%%)\n", FINDING_INDENT, "",
				short_name(f->culprit, nb, sizeof(nb)), f->culprit_share * 100.0);
	}
	print_more(out, n, r->nfindings);
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
	char b1[32], b2[32], b3[32], b4[32], nb[NAME_WIDTH + 8];
	fprintf(out, "\nTop futures by busy time\n  %11s %8s %11s %11s %11s  %-11s  %s\n", "BUSY",
		"POLLS", "P50", "P99", "MAX", "KIND", "FUTURE");
	for (size_t i = 0; i < n; i++) {
		const struct asp_future *f = v[i];
		struct asp_quantiles q = asp_durations_quantiles(&f->poll_ns);
		fprintf(out, "  %11s %8" PRIu64 " %11s %11s %11s  %-11s  %s\n",
			dur(f->busy_ns, b1, sizeof(b1)), f->polls, dur(q.p50, b2, sizeof(b2)),
			dur(q.p99, b3, sizeof(b3)), dur(q.max, b4, sizeof(b4)),
			asp_future_kind_name(f->kind), short_name(f->name, nb, sizeof(nb)));
	}
	print_more(out, n, r->nfutures);
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
}
