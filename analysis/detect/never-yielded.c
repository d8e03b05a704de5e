/* never-yielded.c - the never-yielded lint: a task whose single poll ran to
 * completion (it never returned Pending) past the blocking threshold of its
 * root future. */
#include "analysis/analyzer.h"

void lint_never_yielded(struct analyzer *a, const struct asp_rule *rule, size_t i)
{
	struct task_acc *t = &a->tasks[i];
	const char *root = a->fut_names.names[t->root_fut];
	if (t->polls == 1) {
		struct thresholds th = thresholds_for(a, root, NULL);
		enum asp_severity sev = severity_of(&th, t->last_dur);
		if (sev != ASP_SEV_NONE)
			add_poll_finding(a, rule->name, sev, &th, root, (uint32_t)i + 1,
					 t->last_tid, t->last_start, t->last_dur, t->last_culprit,
					 t->last_culprit_dur);
	}
}
