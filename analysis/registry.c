/* registry.c - the table of the rules (registry.h). */
#include "registry.h"

#include <string.h>

/* the lints' checks, one file each under analysis/detect/ */
void lint_never_yielded(struct analyzer *a, const struct asp_rule *rule, size_t i);
void lint_self_wake(struct analyzer *a, const struct asp_rule *rule, size_t i);
void lint_self_wake_poll(struct analyzer *a, const struct thread_state *ts, struct task_acc *task,
			 const struct frame *f);
void lint_scheduling_delay(struct analyzer *a, const struct asp_rule *rule, size_t i);

const struct asp_rule asp_rule_table[] = {
	[ASP_RULE_BLOCKING_POLL] = {
		.name = "blocking-poll",
		.kind = ASP_RULE_FINDING,
		.per_poll = true,
		.severity = ASP_SEV_NONE,
		.description = "the innermost future whose single poll ran past the blocking "
			       "threshold, with its culprit",
	},
	[ASP_RULE_NEVER_YIELDED] = {
		.name = "never-yielded",
		.kind = ASP_RULE_LINT,
		.per_poll = true,
		.severity = ASP_SEV_NONE,
		.description = "a task whose single poll ran to completion past the blocking "
			       "threshold",
		.task_done = lint_never_yielded,
	},
	[ASP_RULE_SELF_WAKE] = {
		.name = "self-wake",
		.kind = ASP_RULE_LINT,
		.per_poll = false,
		.severity = ASP_SEV_WARNING,
		.description = "a task that wakes itself and is polled again at once, over and "
			       "over (busy polling)",
		.task_done = lint_self_wake,
		.task_poll = lint_self_wake_poll,
	},
	{
		.name = "scheduling-delay",
		.kind = ASP_RULE_LINT,
		.per_poll = true,
		.severity = ASP_SEV_NONE, /* scheduling.severity */
		.off_by_default = true,
		.description = "a task that waited scheduling.long_delay or more from a wake to "
			       "its poll, with the poll it waited behind",
		.task_done = lint_scheduling_delay,
	},
};

const size_t asp_nrules = sizeof(asp_rule_table) / sizeof(asp_rule_table[0]);
_Static_assert(sizeof(asp_rule_table) / sizeof(asp_rule_table[0]) <= ASP_RULES_MAX,
	       "struct asp_rules keeps a switch per rule: raise ASP_RULES_MAX");

int asp_rule_index(const char *name)
{
	for (size_t i = 0; i < asp_nrules; i++)
		if (!strcmp(asp_rule_table[i].name, name))
			return (int)i;
	return -1;
}

const struct asp_rule *asp_rule_named(const char *name)
{
	int i = asp_rule_index(name);
	return i < 0 ? NULL : &asp_rule_table[i];
}
