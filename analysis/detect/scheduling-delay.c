/* scheduling-delay.c - the scheduling-delay lint (off by default): each
 * scheduled wait of a task (from a wake to the poll it caused, or from its
 * creation to its first poll, docs/scheduling-delay.md) of at least
 * scheduling.long_delay, without the
 * time its poller waited for a CPU, with the blocking poll it waited behind
 * longest (attribute.c keeps them as the task's long waits). */
#include "analysis/analyzer.h"

#include <stdint.h>

void lint_scheduling_delay(struct analyzer *a, const struct asp_rule *rule, size_t i)
{
	struct task_acc *t = &a->tasks[i];
	const char *root = a->fut_names.names[t->root_fut];
	if (!t->nlw || thresholds_for(a, root, NULL).ignore)
		return;
	for (size_t k = 0; k < t->nlw; k++) {
		const struct long_wait *w = &t->lw[k];
		struct asp_finding *fd = add_finding(a, rule->name);
		fd->severity = a->rules->sched_severity;
		fd->future = xstrdup(root);
		fd->task = (uint32_t)i + 1;
		fd->tid = w->tid;
		fd->start_ns = w->woken - a->start;
		fd->duration_ns = w->start - w->woken;
		fd->measured_ns = fd->duration_ns - w->cpu;
		fd->threshold_ns = a->rules->sched_long_ns;
		fd->pattern = xstrdup("scheduling.long_delay");
		fd->from_spawn = w->first;
		/* the blocking-poll finding, by its index: the findings are
		 * sorted only after the lints */
		if (w->behind < a->nfindings) {
			const struct asp_finding *b = &a->findings[w->behind];
			fd->behind = xstrdup(b->future);
			fd->behind_task = b->task;
			fd->behind_ns = w->behind_ns;
		}
	}
}
