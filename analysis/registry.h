/* registry.h - the rules that make findings, in one table: their names
 * (the `rule` of a finding, the keys of the rules file's `rules:` section
 * and of --rules), their kind and shape, and what runs them.
 *
 * Reports, the comparison and the rules file read the rules from here
 * instead of naming them. Adding a lint: its file analysis/detect/NAME.c
 * (listed in Makefile.am) with its check, void lint_NAME(struct analyzer *,
 * const struct asp_rule *, size_t task), which adds findings through
 * analyzer.h's helpers; and its entry at the end of the table in
 * registry.c, beside its check's declaration. Nothing else names it: the
 * rules file's `rules:` key, --rules, junit.xml's test cases and the other
 * reports take it from the table, in the table's order. */
#ifndef ASP_REGISTRY_H
#define ASP_REGISTRY_H

#include "model.h"

#include <stdbool.h>
#include <stddef.h>

enum asp_rule_kind {
	ASP_RULE_FINDING, /* judged on every future poll, by the blocking thresholds and
			     the overrides (junit.xml: a case per override pattern);
			     the per-poll check is detect_poll's (detect/detect.c), which
			     knows blocking-poll only: a new such rule is added there */
	ASP_RULE_LINT,    /* judged once per task after the last record */
};

/* the built-in rules the code names (the table's first entries, in this
 * order); a rule added later needs no id */
enum asp_rule_id {
	ASP_RULE_BLOCKING_POLL,
	ASP_RULE_NEVER_YIELDED,
	ASP_RULE_SELF_WAKE,
	ASP_RULE_SCHED_DELAY,
};

/* at most this many rules (struct asp_rules keeps a switch per rule) */
#define ASP_RULES_MAX 32

struct analyzer;
struct thread_state;
struct task_acc;
struct frame;

struct asp_rule {
	const char *name;           /* "blocking-poll" */
	enum asp_rule_kind kind;
	bool per_poll;              /* a finding is one poll (duration, culprit); else
				       a run of polls (count; no duration) */
	enum asp_severity severity; /* fixed, or ASP_SEV_NONE: by the thresholds (or
				       its own setting: scheduling-delay) */
	bool off_by_default;        /* runs only when the rules file (`rules:`)
				       or --rules turns it on */
	const char *description;    /* one line, for reports and --help */
	/* lints: looks at task i (index) after the last record, adds its
	 * findings (named rule->name); NULL for the rules the detect stage
	 * judges on every poll */
	void (*task_done)(struct analyzer *a, const struct asp_rule *rule, size_t i);
	/* lints that follow each poll of a task (NULL for the others): called,
	 * when the rule runs, as a poll of task (root frame f, on thread ts)
	 * returns, before the task's last-poll fields are updated; its state
	 * lives in struct task_acc (analyzer.h) */
	void (*task_poll)(struct analyzer *a, const struct thread_state *ts, struct task_acc *task,
			  const struct frame *f);
};

extern const struct asp_rule asp_rule_table[];
extern const size_t asp_nrules;

/* the index of the rule called name, -1 when there is none */
int asp_rule_index(const char *name);
/* the rule called name, NULL when there is none */
const struct asp_rule *asp_rule_named(const char *name);

#endif
