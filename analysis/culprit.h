/* culprit.h - what a call spent its time in: its callees, aggregated.
 *
 * A frame keeps up to CULPRIT_SLOTS callees by symbol (calls, total time,
 * and the hot path of the largest call); when the slots are full, a callee
 * replaces the smallest one only if it is larger. The culprit of a frame is
 * its top callee, or that callee's own hot path when one call of it holds
 * half its time. The analyzer (analyze.c) and the folding readers
 * (ingest/fold.c) share these steps: a folded call must aggregate exactly
 * as the analyzer would have. */
#ifndef ASP_CULPRIT_H
#define ASP_CULPRIT_H

#include <stdint.h>
#include <string.h>

#include "ingest/ingest.h"

#define CULPRIT_SLOTS 4
struct child_agg {
	const struct asp_symbol *sym;
	uint64_t sum, calls;
	const struct asp_symbol *deep; /* deepest hot callee of its largest call */
	uint64_t deep_dur, max_call;
};

/* the callee of kids[0..n) that took the most time, NULL when none */
static inline const struct child_agg *culprit_top(const struct child_agg *kids, int n)
{
	const struct child_agg *top = NULL;
	for (int i = 0; i < n; i++)
		if (!top || kids[i].sum > top->sum)
			top = &kids[i];
	return top;
}

/* the culprit of a frame from its aggregated callees kids[0..n) */
static inline void culprit_of(const struct child_agg *kids, int n, const struct asp_symbol **sym,
			      uint64_t *cdur)
{
	const struct child_agg *top = culprit_top(kids, n);
	*sym = NULL;
	*cdur = 0;
	if (!top)
		return;
	if (top->calls == 1 && top->deep && top->deep_dur * 2 >= top->sum) {
		*sym = top->deep;
		*cdur = top->deep_dur;
	} else {
		*sym = top->sym;
		*cdur = top->sum;
	}
}

/* the culprit of a frame as a path: its top callee (outer, with its time
 * and calls) and, when one call of it holds half of that, where that call
 * spent it (inner; else inner is outer). Both NULL without callees. */
static inline void culprit_path(const struct child_agg *kids, int n,
				const struct asp_symbol **outer, const struct asp_symbol **inner,
				uint64_t *cdur, uint64_t *calls)
{
	const struct child_agg *top = culprit_top(kids, n);
	*outer = *inner = NULL;
	*cdur = *calls = 0;
	if (!top)
		return;
	*outer = *inner = top->sym;
	*cdur = top->sum;
	*calls = top->calls;
	if (top->calls == 1 && top->deep && top->deep_dur * 2 >= top->sum)
		*inner = top->deep;
}

/* a finished call of sym (dur long, callees kids[0..n)): its own hot path,
 * its top callee when that holds half its time, else the call itself */
static inline void culprit_hot_path(const struct child_agg *kids, int n,
				    const struct asp_symbol *sym, uint64_t dur,
				    const struct asp_symbol **deep, uint64_t *deep_dur)
{
	culprit_of(kids, n, deep, deep_dur);
	if (!*deep || *deep_dur * 2 < dur) {
		*deep = sym;
		*deep_dur = dur;
	}
}

/* a finished call of sym with its hot path, into its caller's callees
 * kids[0..*n): the callee's slot; a free one; else the smallest one, if
 * smaller */
static inline void culprit_add(struct child_agg *kids, uint8_t *n, const struct asp_symbol *sym,
			       uint64_t dur, const struct asp_symbol *deep, uint64_t deep_dur)
{
	struct child_agg *slot = NULL;
	for (int i = 0; i < *n; i++)
		if (kids[i].sym == sym) {
			slot = &kids[i];
			break;
		}
	if (!slot) {
		if (*n < CULPRIT_SLOTS) {
			slot = &kids[(*n)++];
		} else {
			slot = &kids[0];
			for (int i = 1; i < CULPRIT_SLOTS; i++)
				if (kids[i].sum < slot->sum)
					slot = &kids[i];
			if (slot->sum >= dur)
				return;
		}
		/* as a zeroed slot taking the call below */
		*slot = (struct child_agg){ .sym = sym, .sum = dur, .calls = 1, .deep = deep,
					    .deep_dur = deep_dur, .max_call = dur };
		return;
	}
	slot->sum += dur;
	slot->calls++;
	if (dur >= slot->max_call) {
		slot->max_call = dur;
		slot->deep = deep;
		slot->deep_dur = deep_dur;
	}
}

#endif
