/* describe.h - a finding in words, the same in every writer that shows
 * text (stdout, index.md, junit.xml, report.xlsx, trace.json): what the
 * poll was doing ("blocked 24.90 ms (99 %)", "on CPU 38.20 ms (95 %)"),
 * the preempted time when it is notable, and the culprit or why there is
 * none. The strings are the words only: each writer quotes them its own
 * way (culprits and reasons hold names from the recording). */
#ifndef ASP_REPORT_DESCRIBE_H
#define ASP_REPORT_DESCRIBE_H

#include "analysis/compare.h"
#include "analysis/model.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* in place of a culprit when the poll blocked in the future's own code */
#define ASP_CULPRIT_SELF_TEXT \
	"blocked in its own code, in an uninstrumented call (sleep, lock or I/O)"

/* What the poll was doing, in buf: "blocked 24.90 ms (99 %)" or "on CPU
 * 38.20 ms (95 %)", the percent that of the poll's wall time (rounded
 * down); NULL (buf empty) when it is not known (no context switches). */
const char *asp_doing_text(enum asp_doing doing, const struct asp_split *split, uint64_t wall_ns,
			   char *buf, size_t n);
static inline const char *asp_finding_doing(const struct asp_finding *f, char *buf, size_t n)
{
	return asp_doing_text(f->doing, &f->split, f->duration_ns, buf, n);
}

/* Preempted time worth saying (a tenth of the wall time or more): in buf,
 * "preempted 3.10 ms"; else NULL (buf empty). */
const char *asp_preempted_text(const struct asp_split *split, uint64_t wall_ns, char *buf, size_t n);

/* Both as one: "blocked 24.90 ms (99 %), preempted 3.10 ms", either part
 * alone, or NULL (buf empty) when neither has anything to say. */
const char *asp_poll_text(enum asp_doing doing, const struct asp_split *split, uint64_t wall_ns,
			  char *buf, size_t n);

/* after a culprit: ", in an uninstrumented call (sleep, lock or I/O)"
 * when the poll blocked inside its last function's uninstrumented calls
 * (opaque), ", 2 calls" when that function was called more than once in
 * the poll, else "" (in buf, of at least 64 bytes) */
const char *asp_calls_text(uint64_t calls, bool opaque, char *buf, size_t n);

/* The words shown in place of a culprit: ASP_CULPRIT_SELF_TEXT when the
 * poll blocked in its own code, else NULL when there is a culprit, else
 * "no culprit: REASON" (malloc'd in *owned, free it) when the recording
 * shows none, else NULL (nothing to say). */
const char *asp_no_culprit_text(const char *culprit, bool self, const char *no_culprit,
				char **owned);

/* All of it as one malloc'd string: "calculate_pi → backoff, 2 calls",
 * ASP_CULPRIT_SELF_TEXT or "no culprit: REASON"; NULL when there is
 * nothing to say. */
char *asp_culprit_text(const char *culprit, uint64_t calls, bool opaque, bool self,
		       const char *no_culprit);
static inline char *asp_finding_culprit(const struct asp_finding *f)
{
	return asp_culprit_text(f->culprit, f->culprit_calls, f->culprit_opaque, f->culprit_self,
				f->no_culprit);
}

/* The worst poll of a group in one line: "blocked 24.90 ms (99 %),
 * preempted 3.10 ms; culprit std::thread::sleep" (its parts as above, any
 * of them left out when there is nothing to say); malloc'd, "" when
 * nothing is known. */
char *asp_finding_summary(const struct asp_finding *f);

/* Who waited behind whom, malloc'd, NULL when there is nothing to say.
 * A blocking poll's victims: "held thread 4242 for 30.20 ms; 2 tasks
 * waited behind it, 22.08 ms on average" (a group of several: "2 tasks
 * waited behind these polls, 22.08 ms on average"). A scheduling-delay
 * finding (the group's worst): "waited 22.25 ms from its wake, 22.10 ms of
 * it behind the poll of FUTURE (task 13)", or "...; no poll of the program
 * held the thread (the runtime or the machine)". The words hold a name
 * from the recording: each writer quotes them its own way. */
char *asp_finding_waits_text(const struct asp_finding *f);
char *asp_group_waits_text(const struct asp_finding_group *g, const struct asp_finding *w);

/* the group's tasks: "2, 3, 5" (at most max ids, then ", ... (N in all)";
 * max 0: all) and ", outside tasks" when some were outside any; with
 * words "task 2", "tasks 2, 3", "outside tasks"; malloc'd */
char *asp_group_tasks_text(const struct asp_finding_group *g, size_t max, bool words);

/* A duration as the pages people read show it: asp_format_duration with
 * "µs" for "us" ("82.45 µs"), in buf (at least 32 bytes) */
const char *asp_duration_text(uint64_t ns, char *buf, size_t n);

/* text of these functions as the pages people read show it: every
 * duration's "us" (a number, a space, "us", then no letter) written "µs";
 * malloc'd */
char *asp_micro_text(const char *s);

/* "base", "new" or NULL (not compared): the side of the comparison c the
 * run named run is on */
const char *asp_run_side(const struct asp_comparison *c, const char *run);

/* Group g of the run named run is new: the run is on the new side, its
 * rule judges single polls (blocking-poll, never-yielded) and no base run
 * has a group of that rule and future (the comparison's new findings, per
 * run). runs are the batch's. */
bool asp_group_is_new(const struct asp_comparison *c, const struct asp_result *const *runs,
		      size_t nruns, const char *run, const struct asp_finding_group *g);

/* f is one of the findings g groups (its rule and future) */
bool asp_group_has(const struct asp_finding_group *g, const struct asp_finding *f);

/* a finding of g fails the rules: fails[i] says whether finding i of r
 * does (the batch verdict's finding_fails of r's run; NULL: none does) */
bool asp_group_fails(const bool *fails, const struct asp_result *r,
		     const struct asp_finding_group *g);

/* qsort order of struct asp_future pointers: busy time, longest first,
 * then by name */
int asp_future_busy_cmp(const void *a, const void *b);

/* ---- quoting shared by the writers of markup and links */

/* s as XML or HTML text, or a quoted attribute value: shown as asp_show
 * shows it with flags (ASP_SHOW_CONTROLS, and ASP_SHOW_KEEP_LINES to keep
 * newline and tab, which then become character references), & < > " '
 * as entities */
void asp_markup_text(FILE *fp, const char *s, unsigned flags);

/* s as a path segment of a relative link: percent-encoded but for the
 * unreserved bytes [A-Za-z0-9._~-] (safe in an attribute value too) */
void asp_url_segment(FILE *fp, const char *s);

/* ---- the comparison, the same in every writer */

/* A relative change as a percent: "+129 %", "-4.3 %" (one decimal under
 * 10 %), in buf. */
const char *asp_percent_text(double rel, char *buf, size_t n);

/* The row's change with its uncertainty: "+129 % [+118 %, +141 %]" (the
 * interval of new / base at the comparison's confidence, as changes), or
 * "+129 %" alone when the row has no interval (both ends equal, or not
 * finite and positive). */
const char *asp_change_text(const struct asp_cmp_row *r, char *buf, size_t n);

/* The row's self time per poll, base -> new: "1.20 us → 3.40 us", "—" for
 * a side without polls. */
const char *asp_self_text(const struct asp_cmp_row *r, char *buf, size_t n);

/* The run-to-run noise the row's verdict allowed for: "±12 %" and, when
 * assumed, " (assumed: one run a side)"; "" when none. */
const char *asp_noise_text(const struct asp_cmp_row *r, char *buf, size_t n);

/* The row's change in one line, the words every writer shows (names
 * left out: each writer quotes those its own way): "p90 80.00 us -> 240.00
 * us, +200 % [+180 %, +220 %]; self per poll 70.00 us → 210.00 us; noise
 * ±12 %"; malloc'd. */
char *asp_change_summary(enum asp_verdict_metric metric, const struct asp_cmp_row *r);

/* The rows shown under row `callee` (index in c->rows): the ASP_V_VIA rows
 * whose via names it, in row order. The indices go in out (up to max);
 * returns how many there are in all. */
size_t asp_cmp_callers(const struct asp_comparison *c, size_t callee, size_t *out, size_t max);

/* The index of the row named name, or SIZE_MAX. */
size_t asp_cmp_row_named(const struct asp_comparison *c, const char *name);

/* A VIA row is shown under its callee when the callee is shown (regressed
 * or improved); else on a line of its own: this says which. */
bool asp_cmp_via_orphan(const struct asp_comparison *c, size_t row);

/* The rows a writer lists as changes: regressed or improved. */
static inline bool asp_cmp_shown(enum asp_verdict v)
{
	return v == ASP_V_REGRESSED || v == ASP_V_IMPROVED;
}

#endif
