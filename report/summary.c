/* summary.c - summary.json, schema "asprof-summary/1": the run, its tasks,
 * futures and findings, and the thresholds they were judged by. Times are
 * integer nanoseconds from the start of the recording. */
#include "report.h"
#include "outfile.h"
#include "analysis/util.h"

#include <inttypes.h>
#include <string.h>

#define SUMMARY_SCHEMA "asprof-summary/1"

static json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static void add_u64(json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

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

static json_object *run_json(const struct asp_result *r)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "path", str_or_null(r->path));
	json_object_object_add(o, "name", str_or_null(r->name));
	json_object_object_add(o, "exe", str_or_null(r->exe));
	json_object_object_add(o, "runtime", str_or_null(r->runtime));
	json_object_object_add(o, "runtime_forced", json_object_new_boolean(r->runtime_forced));
	add_u64(o, "duration_ns", r->duration_ns);
	add_u64(o, "threads", r->threads);
	add_u64(o, "records", r->records);
	add_u64(o, "data_bytes", r->data_bytes);
	json_object_object_add(o, "args_recorded", json_object_new_boolean(r->args_recorded));
	json_object_object_add(o, "program_exit", str_or_null(r->program_exit));
	add_u64(o, "unfinished_polls", r->unfinished_polls);
	json_object *notes = json_object_new_array();
	for (size_t i = 0; i < r->nnotes; i++)
		json_object_array_add(notes, json_object_new_string(r->notes[i]));
	json_object_object_add(o, "notes", notes);
	return o;
}

static json_object *task_json(const struct asp_task *t)
{
	json_object *o = json_object_new_object();
	add_u64(o, "id", t->id);
	json_object_object_add(o, "root", str_or_null(t->root));
	json_object_object_add(o, "main", json_object_new_boolean(t->is_main));
	add_u64(o, "polls", t->polls);
	add_u64(o, "busy_ns", t->busy_ns);
	add_u64(o, "idle_ns", t->idle_ns);
	add_u64(o, "first_poll_ns", t->first_poll_ns);
	add_u64(o, "end_ns", t->end_ns);
	json_object *tids = json_object_new_array();
	for (size_t i = 0; i < t->ntids; i++)
		json_object_array_add(tids, json_object_new_int(t->tids[i]));
	json_object_object_add(o, "tids", tids);
	add_u64(o, "slow_polls", t->slow_polls);
	if (t->has_addr) {
		char buf[24];
		snprintf(buf, sizeof(buf), "0x%" PRIx64, t->addr);
		json_object_object_add(o, "addr", json_object_new_string(buf));
	} else {
		json_object_object_add(o, "addr", NULL);
	}
	json_object_object_add(o, "poll_ns", quantiles(&t->poll_ns));
	return o;
}

static json_object *future_json(const struct asp_future *f)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "name", str_or_null(f->name));
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
	return o;
}

static json_object *finding_json(const struct asp_finding *f)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "rule", str_or_null(f->rule));
	json_object_object_add(o, "severity", json_object_new_string(asp_severity_name(f->severity)));
	json_object_object_add(o, "future", str_or_null(f->future));
	add_u64(o, "task", f->task);
	json_object_object_add(o, "tid", json_object_new_int(f->tid));
	add_u64(o, "start_ns", f->start_ns);
	add_u64(o, "duration_ns", f->duration_ns);
	add_u64(o, "threshold_ns", f->threshold_ns);
	json_object_object_add(o, "culprit", str_or_null(f->culprit));
	json_object_object_add(o, "culprit_share", json_object_new_double(f->culprit_share));
	json_object_object_add(o, "pattern", str_or_null(f->pattern));
	add_u64(o, "count", f->count);
	return o;
}

static json_object *rules_json(const struct asp_rules *rules)
{
	if (!rules)
		return NULL;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "path", str_or_null(rules->path));
	add_u64(o, "warning_ns", rules->warning_ns);
	add_u64(o, "error_ns", rules->error_ns);
	add_u64(o, "slow_poll_ns", rules->slow_poll_ns);
	return o;
}

json_object *asp_summary_json(const struct asp_result *r, const struct asp_rules *rules)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "schema", json_object_new_string(SUMMARY_SCHEMA));
	json_object_object_add(o, "run", run_json(r));

	json_object *a = json_object_new_array();
	for (size_t i = 0; i < r->ntasks; i++)
		json_object_array_add(a, task_json(&r->tasks[i]));
	json_object_object_add(o, "tasks", a);

	a = json_object_new_array();
	for (size_t i = 0; i < r->nfutures; i++)
		json_object_array_add(a, future_json(&r->futures[i]));
	json_object_object_add(o, "futures", a);

	a = json_object_new_array();
	for (size_t i = 0; i < r->nfindings; i++)
		json_object_array_add(a, finding_json(&r->findings[i]));
	json_object_object_add(o, "findings", a);

	json_object_object_add(o, "rules", rules_json(rules));
	return o;
}

int asp_json_write(const char *path, json_object *obj, char **text, char **err)
{
	FILE *fp;
	struct asp_outfile *out = asp_outfile_open(path, &fp, err);
	if (!out)
		return -1;
	size_t len;
	const char *s = json_object_to_json_string_length(
		obj, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	fwrite(s, 1, len, fp);
	fputc('\n', fp);
	if (asp_outfile_commit(out, err) < 0)
		return -1;
	if (text)
		*text = xstrdup(s);
	return 0;
}

int asp_summary_write(const char *path, const struct asp_result *r, const struct asp_rules *rules,
		      char **text, char **err)
{
	json_object *o = asp_summary_json(r, rules);
	int rc = asp_json_write(path, o, text, err);
	json_object_put(o);
	return rc;
}
