/* self-wake.c - the self-wake lint: a task polled again and again on one
 * thread, no other task polled there in between, each poll within max_gap
 * of the last (busy polling, e.g. a yield_now loop). lint_self_wake_poll
 * keeps each task's longest such run, lint_self_wake judges it. */
#include "analysis/analyzer.h"

void lint_self_wake(struct analyzer *a, const struct asp_rule *rule, size_t i)
{
	const struct asp_rules *R = a->rules;
	struct task_acc *t = &a->tasks[i];
	const char *root = a->fut_names.names[t->root_fut];
	if (t->best_run >= R->self_wake_min_polls) {
		struct thresholds th = thresholds_for(a, root, NULL);
		if (th.ignore)
			return;
		struct asp_finding *fd = add_finding(a, rule->name);
		fd->severity = rule->severity;
		fd->future = xstrdup(root);
		fd->task = (uint32_t)i + 1;
		fd->tid = t->last.tid;
		fd->start_ns = t->best_run_start - a->start;
		fd->threshold_ns = R->self_wake_max_gap_ns;
		fd->pattern = xstrdup(th.pattern);
		fd->count = t->best_run;
	}
}

void lint_self_wake_poll(struct analyzer *a, const struct thread_state *ts, struct task_acc *task,
			 const struct frame *f)
{
	if (task->started && f->start >= task->last_end) {
		uint64_t gap = f->start - task->last_end;
		bool alone = task->last.tid == ts->tid && task->last_thread_polls == ts->root_polls;
		if (alone && gap <= a->rules->self_wake_max_gap_ns) {
			task->run++;
		} else {
			task->run = 1;
			task->run_start = f->start;
		}
	} else {
		task->run = 1;
		task->run_start = f->start;
	}
	if (task->run > task->best_run) {
		task->best_run = task->run;
		task->best_run_start = task->run_start;
	}
}
