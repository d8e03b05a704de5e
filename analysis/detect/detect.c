/* detect.c - the detect stage: findings by the rules.
 *
 * When a future poll returns, it is timed against the rules; only the
 * innermost future over its threshold is reported (blocking-poll), with the
 * non-future callee that took most of its time (its culprit). At the end,
 * each lint of the registry (registry.h: one file each in this folder)
 * looks at each task. */
#include "analysis/analyzer.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- findings */

struct asp_finding *add_finding(struct analyzer *a, const char *rule)
{
	if (a->nfindings == a->cfindings) {
		a->cfindings = a->cfindings ? a->cfindings * 2 : 16;
		a->findings = xreallocarray(a->findings, a->cfindings, sizeof(*a->findings));
	}
	struct asp_finding *f = &a->findings[a->nfindings++];
	memset(f, 0, sizeof(*f));
	f->rule = xstrdup(rule);
	f->count = 1;
	return f;
}

static struct thresholds thresholds_of(const struct analyzer *a, const struct asp_override *o)
{
	struct thresholds th = { false, a->rules->warning_ns, a->rules->error_ns, ASP_SEV_NONE,
				 "default" };
	if (o) {
		th.pattern = o->match;
		th.ignore = o->ignore;
		if (o->has_warning)
			th.warning = o->warning_ns;
		if (o->has_error)
			th.error = o->error_ns;
		th.forced = o->severity;
	}
	return th;
}

struct thresholds thresholds_for(const struct analyzer *a, const char *future,
				 const char *task_root)
{
	const struct asp_override *o = asp_rules_override(a->rules, future);
	if (!o && task_root)
		o = asp_rules_override(a->rules, task_root);
	return thresholds_of(a, o);
}

/* the override of future index k, matched once per future (per poll it was
 * an fnmatch() per override pattern) */
static const struct asp_override *future_override(struct analyzer *a, int32_t k)
{
	struct fut_acc *f = &a->futs[k];
	if (!f->ovr_known) {
		f->ovr = asp_rules_override(a->rules, a->fut_names.names[k]);
		f->ovr_known = true;
	}
	return f->ovr;
}

enum asp_severity severity_of(const struct thresholds *th, uint64_t dur)
{
	if (th->ignore || dur < th->warning)
		return ASP_SEV_NONE;
	if (th->forced != ASP_SEV_NONE)
		return th->forced;
	return dur >= th->error ? ASP_SEV_ERROR : ASP_SEV_WARNING;
}

/* a finding about one poll: its threshold is the one that fired; the culprit
 * is kept when it holds at least a tenth of the poll */
void add_poll_finding(struct analyzer *a, const char *rule, enum asp_severity sev,
		      const struct thresholds *th, const char *future, uint32_t task, int tid,
		      uint64_t start, uint64_t dur, const struct asp_symbol *culprit,
		      uint64_t cdur)
{
	struct asp_finding *fd = add_finding(a, rule);
	fd->severity = sev;
	fd->future = xstrdup(future);
	fd->task = task;
	fd->tid = tid;
	fd->start_ns = start - a->start;
	fd->duration_ns = dur;
	fd->threshold_ns = sev == ASP_SEV_ERROR && th->forced == ASP_SEV_NONE ? th->error : th->warning;
	fd->pattern = xstrdup(th->pattern);
	if (culprit && cdur * 10 >= dur) {
		fd->culprit = xstrdup(asp_symbol_name(culprit));
		fd->culprit_share = (double)cdur / (double)dur;
	}
}


enum asp_severity detect_poll(struct analyzer *a, struct thread_state *ts, const struct frame *f,
			      uint64_t dur, const struct asp_symbol *culprit, uint64_t cdur)
{
	const char *name = a->fut_names.names[f->fut];
	struct task_acc *task = f->task ? &a->tasks[f->task - 1] : NULL;
	const struct asp_override *o = future_override(a, f->fut);
	if (!o && task)
		o = future_override(a, (int32_t)task->root_fut);
	struct thresholds th = thresholds_of(a, o);
	enum asp_severity sev = ASP_SEV_NONE;
	if (!f->blocked_below && a->rules->rule_on[ASP_RULE_BLOCKING_POLL]) {
		sev = severity_of(&th, dur);
		if (sev != ASP_SEV_NONE) {
			add_poll_finding(a, asp_rule_table[ASP_RULE_BLOCKING_POLL].name, sev, &th, name, f->task, ts->tid, f->start,
					 dur, culprit, cdur);
		}
	}
	/* ancestors that contain a blocking poll do not report it again; an
	 * ignored one still counts as the explanation */
	if (f->fut_parent >= 0 &&
	    (f->blocked_below || sev != ASP_SEV_NONE || (th.ignore && dur >= a->rules->warning_ns)))
		ts->st[f->fut_parent].blocked_below = true;

	return sev;
}

void detect_task_poll(struct analyzer *a, const struct thread_state *ts, struct task_acc *task,
		      const struct frame *f, uint64_t dur, const struct asp_symbol *culprit,
		      uint64_t cdur)
{
	for (size_t k = 0; k < asp_nrules; k++)
		if (asp_rule_table[k].task_poll && a->rules->rule_on[k])
			asp_rule_table[k].task_poll(a, ts, task, f);
	task->last_culprit = culprit;
	task->last_culprit_dur = cdur;
	task->last_dur = dur;
	task->last_start = f->start;
	task->last_tid = ts->tid;
	task->last_thread_polls = ts->root_polls + 1; /* aggregate_task_poll counts this one */
}

static int finding_cmp(const void *x, const void *y)
{
	const struct asp_finding *a = x, *b = y;
	if (a->severity != b->severity)
		return a->severity > b->severity ? -1 : 1;
	if (a->duration_ns != b->duration_ns)
		return a->duration_ns > b->duration_ns ? -1 : 1;
	return a->start_ns < b->start_ns ? -1 : a->start_ns > b->start_ns;
}

void detect_finish(struct analyzer *a)
{
	/* task by task, each lint in the registry's order */
	for (size_t i = 0; i < a->ntasks; i++)
		for (size_t k = 0; k < asp_nrules; k++)
			if (asp_rule_table[k].task_done && a->rules->rule_on[k])
				asp_rule_table[k].task_done(a, &asp_rule_table[k], i);
	asp_qsort(a->findings, a->nfindings, sizeof(*a->findings), finding_cmp);
}
