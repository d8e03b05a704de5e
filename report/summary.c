/* summary.c - summary.json, schema "asprof-summary/3": the run, its tasks,
 * futures, findings (each, and grouped per rule and future) and the
 * thresholds they were judged by. Times are integer nanoseconds from the
 * start of the recording. /2 added where each poll's time went (on CPU,
 * blocked, preempted) and the finding groups; /3 the durations of each
 * task's and future's polls (poll_hist, own_hist), from which
 * analysis/ingest/summary.c makes the run again for a comparison; every
 * key of /1 and /2 is kept. */
#include "report.h"
#include "json.h"
#include "analysis/ingest/summary.h"
#include "analysis/util.h"

#include <inttypes.h>
#include <string.h>


static void add_u64(json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

/* the tasks array prints the same members itself (jw_quantiles): keep the
 * two alike (tests/unit/test-report.c compares them) */
json_object *asp_quantiles_json(const struct asp_quantiles *q)
{
	json_object *o = json_object_new_object();
	add_u64(o, "min", q->min);
	add_u64(o, "p50", q->p50);
	add_u64(o, "p90", q->p90);
	add_u64(o, "p99", q->p99);
	add_u64(o, "max", q->max);
	json_object_object_add(o, "mean", json_object_new_double(q->mean));
	return o;
}

static json_object *quantiles(const struct asp_durations *d)
{
	struct asp_quantiles q = asp_durations_quantiles(d);
	return asp_quantiles_json(&q);
}

/* a split's members, flat: oncpu_ns, blocked_ns, preempted_ns */
static void add_split(json_object *o, const struct asp_split *s)
{
	add_u64(o, "oncpu_ns", s->oncpu_ns);
	add_u64(o, "blocked_ns", s->blocked_ns);
	add_u64(o, "preempted_ns", s->preempted_ns);
}

/* how the program ended (analysis/end.c; docs/summary-json.md) */
static json_object *end_json(const struct asp_result *r)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "kind", json_object_new_string(asp_end_kind_name(r->end)));
	json_object_object_add(o, "text", asp_json_string(r->end_text));
	add_u64(o, "panics", r->panics);
	add_u64(o, "panics_caught", r->panics_caught);
	json_object *p = NULL;
	if (r->panics || r->panics_caught) {
		p = json_object_new_object();
		json_object_object_add(p, "function", asp_json_string(r->panic.function));
		json_object_object_add(p, "future", asp_json_string(r->panic.future));
		add_u64(p, "task", r->panic.task);
		json_object_object_add(p, "tid", json_object_new_int(r->panic.tid));
		add_u64(p, "at_ns", r->panic.at_ns);
		json_object_object_add(p, "caught_only", json_object_new_boolean(r->panic.caught_only));
	}
	json_object_object_add(o, "panic", p);
	json_object_object_add(o, "open_panic_frames", asp_json_string(r->end_frames));
	return o;
}

static json_object *run_json(const struct asp_result *r)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "path", asp_json_string(r->path));
	json_object_object_add(o, "name", asp_json_string(r->name));
	json_object_object_add(o, "label", asp_json_string(r->label));
	json_object_object_add(o, "exe", asp_json_string(r->exe));
	json_object_object_add(o, "runtime", asp_json_string(r->runtime));
	json_object_object_add(o, "runtime_forced", json_object_new_boolean(r->runtime_forced));
	add_u64(o, "duration_ns", r->duration_ns);
	add_u64(o, "threads", r->threads);
	add_u64(o, "records", r->records);
	add_u64(o, "data_bytes", r->data_bytes);
	json_object_object_add(o, "args_recorded", json_object_new_boolean(r->args_recorded));
	json_object_object_add(o, "program_exit", asp_json_string(r->program_exit));
	json_object_object_add(o, "program_end", end_json(r));
	add_u64(o, "unfinished_polls", r->unfinished_polls);
	json_object_object_add(o, "has_sched", json_object_new_boolean(r->has_sched));
	json_object_object_add(o, "preempt_known", json_object_new_boolean(r->preempt_known));
	json_object_object_add(o, "measure", json_object_new_string(r->measure_wall ? "wall" : "own"));
	json_object *sw = json_object_new_object();
	add_u64(sw, "voluntary", r->switches_voluntary);
	add_u64(sw, "preempted", r->switches_preempted);
	json_object_object_add(o, "switches", sw);
	add_u64(o, "task_polls", r->task_polls);
	add_u64(o, "task_polls_preempted", r->task_polls_preempted);
	json_object *split = json_object_new_object();
	add_split(split, &r->task_split);
	json_object_object_add(o, "task_split", split);
	json_object *notes = json_object_new_array();
	for (size_t i = 0; i < r->nnotes; i++)
		json_object_array_add(notes, asp_json_string(r->notes[i]));
	json_object_object_add(o, "notes", notes);
	json_object_object_add(o, "wakes_recorded", json_object_new_boolean(r->wakes_recorded));
	add_u64(o, "wakes", r->wakes);
	json_object_object_add(o, "spawns_recorded", json_object_new_boolean(r->spawns_recorded));
	add_u64(o, "spawns", r->spawns);
	return o;
}

/* ---------------------------------------------------------------- tasks
 *
 * The tasks array is written by its own json-c serializer (json.h's
 * asp_jw), byte for byte as
 * json-c prints an array of objects with these members at that level and
 * with those flags (tests/unit/test-report.c parses it back and compares
 * json-c's printing): a program has thousands of tasks, and a json-c object
 * per task and per field (each object a hash table) cost most of the time
 * summary.json took. json-c still formats every string and double. */

static void jw_key_u64(struct asp_jw *w, const char *key, uint64_t v)
{
	asp_jw_key(w, key);
	asp_jw_u64(w, v);
}

/* the members of asp_quantiles_json(), in its order */
static void jw_quantiles(struct asp_jw *w, const struct asp_durations *d)
{
	struct asp_quantiles q = asp_durations_quantiles(d);
	asp_jw_open(w, "{");
	jw_key_u64(w, "min", q.min);
	jw_key_u64(w, "p50", q.p50);
	jw_key_u64(w, "p90", q.p90);
	jw_key_u64(w, "p99", q.p99);
	jw_key_u64(w, "max", q.max);
	asp_jw_key(w, "mean");
	json_object_set_double(w->dbl, q.mean);
	asp_jw_json(w, w->dbl);
	asp_jw_close(w, "}");
}

/* finished durations as they can be made again (asp_durations_restore):
 * n, the exact min, max and sum, whether binned, and the (value, count)
 * pairs in ascending order as two arrays, values and counts */
static void jw_hist(struct asp_jw *w, const struct asp_durations *d)
{
	asp_jw_open(w, "{");
	jw_key_u64(w, "n", d->n);
	jw_key_u64(w, "min", d->n ? d->min : 0);
	jw_key_u64(w, "max", d->n ? d->max : 0);
	jw_key_u64(w, "sum", d->sum);
	asp_jw_key(w, "binned");
	asp_jw_bool(w, d->binned);
	size_t nb = asp_durations_nbins(d);
	for (int pass = 0; pass < 2; pass++) {
		asp_jw_key(w, pass ? "counts" : "values");
		asp_jw_open(w, "[");
		/* exact durations repeat a value once per poll: one pair each */
		for (size_t i = 0; i < nb;) {
			uint64_t c, v = asp_durations_bin(d, i, &c);
			for (i++; i < nb;) {
				uint64_t c2, v2 = asp_durations_bin(d, i, &c2);
				if (v2 != v)
					break;
				c += c2;
				i++;
			}
			asp_jw_item(w);
			asp_jw_u64(w, pass ? c : v);
		}
		asp_jw_close(w, "]");
	}
	asp_jw_close(w, "}");
}

/* a future's histogram: a json-c object printing itself (userdata: the
 * durations, which outlive it) */
static int hist_to_json(json_object *jso, struct printbuf *pb, int level, int flags)
{
	struct asp_jw w = { .pb = pb, .flags = flags, .level = level - 1 };
	jw_hist(&w, json_object_get_userdata(jso));
	return 0;
}

static json_object *hist_json(const struct asp_durations *d)
{
	json_object *o = json_object_new_object();
	json_object_set_serializer(o, hist_to_json, (void *)d, NULL);
	return o;
}

static void jw_task(struct asp_jw *w, const struct asp_task *t)
{
	asp_jw_open(w, "{");
	jw_key_u64(w, "id", t->id);
	asp_jw_key(w, "root");
	asp_jw_str(w, t->root);
	asp_jw_key(w, "root_src");
	asp_jw_str(w, t->root_srcline);
	asp_jw_key(w, "main");
	asp_jw_bool(w, t->is_main);
	jw_key_u64(w, "polls", t->polls);
	jw_key_u64(w, "busy_ns", t->busy_ns);
	jw_key_u64(w, "idle_ns", t->idle_ns);
	jw_key_u64(w, "first_poll_ns", t->first_poll_ns);
	jw_key_u64(w, "end_ns", t->end_ns);
	asp_jw_key(w, "tids");
	asp_jw_open(w, "[");
	for (size_t i = 0; i < t->ntids; i++) {
		asp_jw_item(w);
		asp_jw_int(w, t->tids[i]);
	}
	asp_jw_close(w, "]");
	jw_key_u64(w, "slow_polls", t->slow_polls);
	asp_jw_key(w, "addr");
	if (t->has_addr) {
		char buf[24];
		snprintf(buf, sizeof(buf), "0x%" PRIx64, t->addr);
		asp_jw_str(w, buf);
	} else {
		printbuf_strappend(w->pb, "null");
	}
	asp_jw_key(w, "poll_ns");
	jw_quantiles(w, &t->poll_ns);
	asp_jw_key(w, "own_ns");
	jw_quantiles(w, &t->own_ns);
	jw_key_u64(w, "oncpu_ns", t->split.oncpu_ns);
	jw_key_u64(w, "blocked_ns", t->split.blocked_ns);
	jw_key_u64(w, "preempted_ns", t->split.preempted_ns);
	jw_key_u64(w, "sched_waits", t->sched_ns.n);
	asp_jw_key(w, "sched_ns");
	jw_quantiles(w, &t->sched_ns);
	jw_key_u64(w, "sched_cpu_ns", t->sched_cpu_ns);
	jw_key_u64(w, "long_delays", t->long_delays);
	asp_jw_key(w, "sched_hist");
	jw_hist(w, &t->sched_ns);
	asp_jw_key(w, "spawned");
	asp_jw_bool(w, t->spawned);
	jw_key_u64(w, "first_poll_delay_ns", t->first_poll_delay_ns);
	jw_key_u64(w, "first_poll_cpu_ns", t->first_poll_cpu_ns);
	asp_jw_key(w, "long_first_poll");
	asp_jw_bool(w, t->long_first_poll);
	asp_jw_key(w, "poll_hist");
	jw_hist(w, &t->poll_ns);
	asp_jw_key(w, "own_hist");
	jw_hist(w, &t->own_ns);
	asp_jw_close(w, "}");
}

/* the serializer of the tasks array (userdata: the result) */
static int tasks_to_json(json_object *jso, struct printbuf *pb, int level, int flags)
{
	const struct asp_result *r = json_object_get_userdata(jso);
	struct asp_jw w = { .pb = pb, .flags = flags, .level = level - 1,
			.str = json_object_new_string(""), .dbl = json_object_new_double(0) };
	if (!w.str || !w.dbl) {
		json_object_put(w.str);
		json_object_put(w.dbl);
		return -1;
	}
	asp_jw_open(&w, "[");
	for (size_t i = 0; i < r->ntasks; i++) {
		asp_jw_item(&w);
		jw_task(&w, &r->tasks[i]);
	}
	asp_jw_close(&w, "]");
	json_object_put(w.str);
	json_object_put(w.dbl);
	return 0;
}

static json_object *future_json(const struct asp_future *f)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "name", asp_json_string(f->name));
	json_object_object_add(o, "src", asp_json_string(f->srcline));
	json_object_object_add(o, "kind", json_object_new_string(asp_future_kind_name(f->kind)));
	json_object *ids = json_object_new_array();
	for (size_t i = 0; i < f->ntask_ids; i++)
		json_object_array_add(ids, json_object_new_uint64(f->task_ids[i]));
	json_object_object_add(o, "task_ids", ids);
	add_u64(o, "instances", f->instances);
	add_u64(o, "polls", f->polls);
	add_u64(o, "busy_ns", f->busy_ns);
	add_u64(o, "idle_ns", f->idle_ns);
	json_object_object_add(o, "poll_ns", quantiles(&f->poll_ns));
	add_u64(o, "slow_polls", f->slow_polls);
	json_object_object_add(o, "own_ns", quantiles(&f->own_ns));
	add_split(o, &f->split);
	add_u64(o, "self_ns", f->self_ns);
	json_object_object_add(o, "task_root", json_object_new_boolean(f->is_root));
	add_u64(o, "self_arg", (uint64_t)f->self_arg);
	json_object *votes = json_object_new_array();
	json_object_array_add(votes, json_object_new_uint64(f->self_votes[0]));
	json_object_array_add(votes, json_object_new_uint64(f->self_votes[1]));
	json_object_object_add(o, "self_votes", votes);
	json_object *callees = json_object_new_array();
	for (size_t i = 0; i < f->ncallees; i++) {
		json_object *c = json_object_new_object();
		json_object_object_add(c, "name", asp_json_string(f->callees[i].name));
		add_u64(c, "polls", f->callees[i].polls);
		add_u64(c, "own_ns", f->callees[i].own_ns);
		json_object_array_add(callees, c);
	}
	json_object_object_add(o, "callees", callees);
	add_u64(o, "sched_waits", f->sched_ns.n);
	json_object_object_add(o, "sched_ns", quantiles(&f->sched_ns));
	add_u64(o, "sched_cpu_ns", f->sched_cpu_ns);
	add_u64(o, "long_delays", f->long_delays);
	json_object_object_add(o, "sched_hist", hist_json(&f->sched_ns));
	add_u64(o, "first_polls", f->first_poll_ns.n);
	json_object_object_add(o, "first_poll_ns", quantiles(&f->first_poll_ns));
	add_u64(o, "long_first_polls", f->long_first_polls);
	json_object_object_add(o, "first_poll_hist", hist_json(&f->first_poll_ns));
	json_object_object_add(o, "poll_hist", hist_json(&f->poll_ns));
	json_object_object_add(o, "own_hist", hist_json(&f->own_ns));
	return o;
}

static json_object *finding_json(const struct asp_finding *f)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "rule", asp_json_string(f->rule));
	json_object_object_add(o, "severity", json_object_new_string(asp_severity_name(f->severity)));
	json_object_object_add(o, "future", asp_json_string(f->future));
	json_object_object_add(o, "src", asp_json_string(f->srcline));
	add_u64(o, "task", f->task);
	json_object_object_add(o, "tid", json_object_new_int(f->tid));
	add_u64(o, "start_ns", f->start_ns);
	add_u64(o, "duration_ns", f->duration_ns);
	add_u64(o, "threshold_ns", f->threshold_ns);
	json_object_object_add(o, "culprit", asp_json_string(f->culprit));
	json_object_object_add(o, "culprit_src", asp_json_string(f->culprit_srcline));
	json_object_object_add(o, "culprit_share", json_object_new_double(f->culprit_share));
	json_object_object_add(o, "pattern", asp_json_string(f->pattern));
	add_u64(o, "count", f->count);
	add_u64(o, "measured_ns", f->measured_ns);
	add_split(o, &f->split);
	json_object_object_add(o, "doing", json_object_new_string(asp_doing_name(f->doing)));
	add_u64(o, "culprit_calls", f->culprit_calls);
	json_object_object_add(o, "culprit_self", json_object_new_boolean(f->culprit_self));
	json_object_object_add(o, "culprit_opaque", json_object_new_boolean(f->culprit_opaque));
	json_object_object_add(o, "no_culprit", asp_json_string(f->no_culprit));
	json_object *v = json_object_new_object();
	add_u64(v, "count", f->victims);
	add_u64(v, "total_ns", f->victims_ns);
	add_u64(v, "mean_ns", f->victims ? f->victims_ns / f->victims : 0);
	json_object *list = json_object_new_array();
	for (size_t i = 0; i < f->nvictim; i++) {
		json_object *e = json_object_new_object();
		add_u64(e, "task", f->victim[i].task);
		json_object_object_add(e, "root", asp_json_string(f->victim[i].root));
		add_u64(e, "wait_ns", f->victim[i].wait_ns);
		add_u64(e, "poll_ns", f->victim[i].poll_ns);
		json_object_array_add(list, e);
	}
	json_object_object_add(v, "tasks", list);
	json_object_object_add(o, "victims", v);
	json_object *behind = NULL;
	if (f->behind) {
		behind = json_object_new_object();
		json_object_object_add(behind, "future", asp_json_string(f->behind));
		add_u64(behind, "task", f->behind_task);
		add_u64(behind, "wait_ns", f->behind_ns);
	}
	json_object_object_add(o, "behind", behind);
	json_object_object_add(o, "from_spawn", json_object_new_boolean(f->from_spawn));
	return o;
}

static json_object *group_json(const struct asp_finding_group *g)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "rule", asp_json_string(g->rule));
	json_object_object_add(o, "future", asp_json_string(g->future));
	json_object_object_add(o, "src", asp_json_string(g->srcline));
	json_object_object_add(o, "severity", json_object_new_string(asp_severity_name(g->severity)));
	add_u64(o, "count", g->count);
	add_u64(o, "total_ns", g->total_ns);
	add_u64(o, "longest_ns", g->longest_ns);
	json_object *tasks = json_object_new_array();
	for (size_t i = 0; i < g->ntasks; i++)
		json_object_array_add(tasks, json_object_new_uint64(g->tasks[i]));
	json_object_object_add(o, "tasks", tasks);
	add_u64(o, "worst", g->worst);
	add_u64(o, "victims", g->victims);
	add_u64(o, "victims_ns", g->victims_ns);
	return o;
}

/* "rules": the thresholds the run was analysed with (none: null) */
static json_object *rules_json(const struct asp_rules_used *u)
{
	if (!u || u->none)
		return NULL;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "path", asp_json_string(u->path));
	add_u64(o, "warning_ns", u->warning_ns);
	add_u64(o, "error_ns", u->error_ns);
	add_u64(o, "slow_poll_ns", u->slow_poll_ns);
	add_u64(o, "long_delay_ns", u->long_delay_ns);
	return o;
}

json_object *asp_summary_json(const struct asp_result *r, const struct asp_rules *rules)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "schema", json_object_new_string(ASP_SUMMARY_SCHEMA));
	json_object_object_add(o, "run", run_json(r));

	/* r is the serializer's: it outlives the object */
	json_object *a = json_object_new_array();
	json_object_set_serializer(a, tasks_to_json, (void *)r, NULL);
	json_object_object_add(o, "tasks", a);

	a = json_object_new_array();
	for (size_t i = 0; i < r->nfutures; i++)
		json_object_array_add(a, future_json(&r->futures[i]));
	json_object_object_add(o, "futures", a);

	a = json_object_new_array();
	for (size_t i = 0; i < r->nfindings; i++)
		json_object_array_add(a, finding_json(&r->findings[i]));
	json_object_object_add(o, "findings", a);

	a = json_object_new_array();
	for (size_t i = 0; i < r->ngroups; i++)
		json_object_array_add(a, group_json(&r->groups[i]));
	json_object_object_add(o, "finding_groups", a);

	/* a run read from its summary.json: the rules it was analysed with, as
	 * read; else the ones given */
	struct asp_rules_used given = { .none = !rules };
	if (rules)
		given = (struct asp_rules_used){ .path = rules->path, .warning_ns = rules->warning_ns,
						 .error_ns = rules->error_ns,
						 .slow_poll_ns = rules->slow_poll_ns,
						 .long_delay_ns = rules->sched_long_ns };
	json_object_object_add(o, "rules", rules_json(r->rules_used ? r->rules_used : &given));
	return o;
}

int asp_summary_write(const char *path, const struct asp_result *r, const struct asp_rules *rules,
		      char **text, char **err)
{
	json_object *o = asp_summary_json(r, rules);
	int rc = asp_json_write(path, o, text, err);
	json_object_put(o);
	return rc;
}
