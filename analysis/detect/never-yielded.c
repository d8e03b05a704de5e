/* never-yielded.c - the never-yielded lint: a task whose single poll ran to
 * completion (it never returned Pending) past the blocking threshold of its
 * root future, on its own time as blocking-poll measures it. */
#include "analysis/analyzer.h"

void lint_never_yielded(struct analyzer *a, const struct asp_rule *rule, size_t i)
{
	struct task_acc *t = &a->tasks[i];
	const char *root = a->fut_names.names[t->root_fut];
	if (t->polls == 1) {
		struct thresholds th = thresholds_for(a, root, NULL);
		enum asp_severity sev = poll_severity(a, &th, &t->last);
		if (sev != ASP_SEV_NONE)
			add_poll_finding(a, rule->name, sev, &th, root, &t->last);
	}
}
