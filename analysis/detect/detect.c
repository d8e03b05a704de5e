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

/* busy: over a threshold on wall time, the rest of it preempted, and on
 * the CPU for at least half of the threshold: a spin or a CPU loop slowed
 * by a busy machine holds its thread the whole time (a fast poll that was
 * preempted needs far less CPU) */
static bool busy_over(const struct poll_facts *pf, uint64_t threshold)
{
	return pf->dur >= threshold && pf->split.oncpu_ns * 2 >= threshold;
}

/* Only up to a warning: the CPU loop of fixed work that a busy machine
 * stretched is judged on own time, which an error needs (it would fail
 * the build on an idle machine too) */
bool poll_busy(const struct analyzer *a, const struct thresholds *th, const struct poll_facts *pf)
{
	return !a->measure_wall && !th->ignore && asp_split_own(&pf->split) < th->warning &&
	       busy_over(pf, th->warning);
}

uint64_t poll_measure(const struct analyzer *a, const struct poll_facts *pf)
{
	return a->measure_wall ? pf->dur : asp_split_own(&pf->split);
}

enum asp_severity poll_severity(const struct analyzer *a, const struct thresholds *th,
				const struct poll_facts *pf)
{
	if (poll_busy(a, th, pf))
		return th->forced != ASP_SEV_NONE ? th->forced : ASP_SEV_WARNING;
	return severity_of(th, poll_measure(a, pf));
}

static char *path_name(const struct asp_symbol *outer, const struct asp_symbol *inner)
{
	if (!inner || inner == outer)
		return xstrdup(asp_symbol_name(outer));
	return xasprintf("%s \u2192 %s", asp_symbol_name(outer), asp_symbol_name(inner));
}

/* where the culprit path's last function starts, when the recording says */
static void culprit_srcline(const struct analyzer *a, struct asp_finding *fd,
			    const struct asp_symbol *last)
{
	const char *s = asp_trace_srcline(a->t, last);
	fd->culprit_srcline = s ? xstrdup(s) : NULL;
}

/* What the poll was doing and who did it. Blocked: where the thread was
 * when it was switched out (the largest blocked_at); on CPU (or unknown,
 * without context switches): the path to where its callees' time went,
 * kept when it holds at least a tenth of the poll. */
static void finding_culprit(const struct analyzer *a, struct asp_finding *fd,
			    const struct poll_facts *pf)
{
	const struct asp_split *sp = &pf->split;
	fd->doing = !a->sched ? ASP_DOING_UNKNOWN
		    : sp->blocked_ns > sp->oncpu_ns ? ASP_DOING_BLOCKED
						    : ASP_DOING_CPU;
	if (fd->doing == ASP_DOING_BLOCKED) {
		const struct blocked_at *b = &pf->blk;
		fd->culprit_share = (double)b->sum / (double)(pf->dur ? pf->dur : 1);
		if (b->sum * 10 < sp->blocked_ns) {
			fd->no_culprit = xstrdup("it blocked in many places, none for a tenth of its blocked time");
			fd->culprit_share = 0;
		} else if (!b->inner) {
			fd->culprit_self = true;
		} else {
			fd->culprit = path_name(b->outer, b->inner);
			culprit_srcline(a, fd, b->inner);
			/* a function of the program (not std, not the runtime):
			 * what blocked is an uninstrumented call it makes */
			fd->culprit_opaque = b->inner->id < a->nsc && a->sc[b->inner->id].cls == CL_OTHER;
		}
		return;
	}
	if (pf->cpu_outer && pf->cpu_dur * 10 >= pf->dur) {
		fd->culprit = path_name(pf->cpu_outer, pf->cpu_inner);
		culprit_srcline(a, fd, pf->cpu_inner ? pf->cpu_inner : pf->cpu_outer);
		fd->culprit_share = (double)pf->cpu_dur / (double)(pf->dur ? pf->dur : 1);
		fd->culprit_calls = pf->cpu_calls;
		return;
	}
	if (fd->doing == ASP_DOING_CPU)
		fd->no_culprit = xstrdup(pf->cpu_outer ? "its time is spread over its callees, none took a tenth of it"
						       : "it ran in its own code: no instrumented call took a tenth of it");
	else
		fd->no_culprit = xstrdup(pf->cpu_outer ? "its time is spread over its callees, none took a tenth of it (no context switches recorded: blocked or on CPU is unknown)"
						       : "no instrumented call took a tenth of it: its own code or an uninstrumented call (sleep, lock, I/O or a CPU loop; no context switches recorded to tell which)");
}

/* a finding about one poll: its threshold is the one that fired */
struct asp_finding *add_poll_finding(struct analyzer *a, const char *rule, enum asp_severity sev,
				     const struct thresholds *th, const char *future,
				     const struct poll_facts *pf)
{
	struct asp_finding *fd = add_finding(a, rule);
	fd->severity = sev;
	fd->future = xstrdup(future);
	fd->task = pf->task;
	fd->tid = pf->tid;
	fd->start_ns = pf->start - a->start;
	fd->duration_ns = pf->dur;
	fd->measured_ns = poll_busy(a, th, pf) ? pf->dur : poll_measure(a, pf);
	fd->split = pf->split;
	fd->threshold_ns = sev == ASP_SEV_ERROR && th->forced == ASP_SEV_NONE ? th->error : th->warning;
	fd->pattern = xstrdup(th->pattern);
	finding_culprit(a, fd, pf);
	return fd;
}

enum asp_severity detect_poll(struct analyzer *a, struct thread_state *ts, const struct frame *f,
			      const struct poll_facts *pf, const struct asp_finding **fd)
{
	const char *name = a->fut_names.names[f->fut];
	struct task_acc *task = f->task ? &a->tasks[f->task - 1] : NULL;
	const struct asp_override *o = future_override(a, f->fut);
	if (!o && task)
		o = future_override(a, (int32_t)task->root_fut);
	struct thresholds th = thresholds_of(a, o);
	enum asp_severity sev = ASP_SEV_NONE;
	uint64_t measured = poll_measure(a, pf);
	*fd = NULL;
	if (!f->blocked_below && a->rules->rule_on[ASP_RULE_BLOCKING_POLL]) {
		sev = poll_severity(a, &th, pf);
		if (sev != ASP_SEV_NONE && poll_busy(a, &th, pf))
			a->busy_polls++;
		if (sev != ASP_SEV_NONE) {
			*fd = add_poll_finding(a, asp_rule_table[ASP_RULE_BLOCKING_POLL].name, sev,
					       &th, name, pf);
		} else if (severity_of(&th, pf->dur) != ASP_SEV_NONE) {
			a->excused++; /* over on wall time: preempted */
		}
	}
	/* ancestors that contain a blocking poll do not report it again; an
	 * ignored one still counts as the explanation */
	if (f->fut_parent >= 0 &&
	    (f->blocked_below || sev != ASP_SEV_NONE || (th.ignore && measured >= a->rules->warning_ns)))
		ts->st[f->fut_parent].blocked_below = true;

	return sev;
}

void detect_task_poll(struct analyzer *a, const struct thread_state *ts, struct task_acc *task,
		      const struct frame *f, const struct poll_facts *pf)
{
	for (size_t k = 0; k < asp_nrules; k++)
		if (asp_rule_table[k].task_poll && a->rules->rule_on[k])
			asp_rule_table[k].task_poll(a, ts, task, f);
	task->last = *pf;
	task->last_thread_polls = ts->root_polls + 1; /* aggregate_task_poll counts this one */
}

static int finding_cmp(const void *x, const void *y)
{
	const struct asp_finding *a = x, *b = y;
	if (a->severity != b->severity)
		return a->severity > b->severity ? -1 : 1;
	if (a->measured_ns != b->measured_ns)
		return a->measured_ns > b->measured_ns ? -1 : 1;
	return a->start_ns < b->start_ns ? -1 : a->start_ns > b->start_ns;
}

void detect_finish(struct analyzer *a)
{
	size_t first_lint = a->nfindings;
	/* task by task, each lint in the registry's order */
	for (size_t i = 0; i < a->ntasks; i++)
		for (size_t k = 0; k < asp_nrules; k++)
			if (asp_rule_table[k].task_done && a->rules->rule_on[k])
				asp_rule_table[k].task_done(a, &asp_rule_table[k], i);
	/* a lint's finding about many polls (self-wake) measures its span */
	for (size_t i = first_lint; i < a->nfindings; i++)
		if (!a->findings[i].measured_ns)
			a->findings[i].measured_ns = a->findings[i].duration_ns;
	asp_qsort(a->findings, a->nfindings, sizeof(*a->findings), finding_cmp);
}
