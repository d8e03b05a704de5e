/* summary.c - summary.json, schema "asprof-summary/1": the run, its tasks,
 * futures and findings, and the thresholds they were judged by. Times are
 * integer nanoseconds from the start of the recording. */
#include "report.h"
#include "outfile.h"
#include "analysis/util.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#define SUMMARY_SCHEMA "asprof-summary/1"

/* s, or a malloc'd copy in *shown when s is not valid UTF-8 */
static const char *json_text(const char *s, char **shown)
{
	const char *p = s;
	for (size_t n; *p && (n = asp_utf8_seq(p)); p += n)
		;
	*shown = *p ? asp_show(s, 0) : NULL;
	return *shown ? *shown : s;
}

json_object *asp_json_string(const char *s)
{
	if (!s)
		return NULL;
	char *shown;
	json_object *o = json_object_new_string(json_text(s, &shown));
	free(shown);
	return o;
}

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

static json_object *run_json(const struct asp_result *r)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "path", asp_json_string(r->path));
	json_object_object_add(o, "name", asp_json_string(r->name));
	json_object_object_add(o, "exe", asp_json_string(r->exe));
	json_object_object_add(o, "runtime", asp_json_string(r->runtime));
	json_object_object_add(o, "runtime_forced", json_object_new_boolean(r->runtime_forced));
	add_u64(o, "duration_ns", r->duration_ns);
	add_u64(o, "threads", r->threads);
	add_u64(o, "records", r->records);
	add_u64(o, "data_bytes", r->data_bytes);
	json_object_object_add(o, "args_recorded", json_object_new_boolean(r->args_recorded));
	json_object_object_add(o, "program_exit", asp_json_string(r->program_exit));
	add_u64(o, "unfinished_polls", r->unfinished_polls);
	json_object *notes = json_object_new_array();
	for (size_t i = 0; i < r->nnotes; i++)
		json_object_array_add(notes, asp_json_string(r->notes[i]));
	json_object_object_add(o, "notes", notes);
	return o;
}

/* ---------------------------------------------------------------- tasks
 *
 * The tasks array is written by its own json-c serializer, byte for byte as
 * json-c prints an array of objects with these members at that level and
 * with those flags (tests/unit/test-report.c parses it back and compares
 * json-c's printing): a program has thousands of tasks, and a json-c object
 * per task and per field (each object a hash table) cost most of the time
 * summary.json took. json-c still formats every string and double. */

struct jw {
	struct printbuf *pb;
	int flags;
	int level;        /* of the innermost open container */
	unsigned depth;   /* containers open (at most 31) */
	uint32_t had;     /* bit depth: that container has a member */
	json_object *str, *dbl; /* reused: json-c prints strings and doubles */
};

static bool jw_pretty(const struct jw *w) { return w->flags & JSON_C_TO_STRING_PRETTY; }

static void jw_indent(struct jw *w, int level)
{
	if (!jw_pretty(w))
		return;
	if (w->flags & JSON_C_TO_STRING_PRETTY_TAB)
		printbuf_memset(w->pb, -1, '\t', level);
	else
		printbuf_memset(w->pb, -1, ' ', 2 * level);
}

/* before each member or element of the innermost container */
static void jw_item(struct jw *w)
{
	uint32_t bit = 1u << w->depth;
	if (w->had & bit) {
		printbuf_strappend(w->pb, ",");
		if (jw_pretty(w))
			printbuf_strappend(w->pb, "\n");
	}
	w->had |= bit;
	if ((w->flags & JSON_C_TO_STRING_SPACED) && !jw_pretty(w))
		printbuf_strappend(w->pb, " ");
	jw_indent(w, w->level + 1);
}

static void jw_open(struct jw *w, const char *brace)
{
	printbuf_memappend(w->pb, brace, 1);
	if (jw_pretty(w))
		printbuf_strappend(w->pb, "\n");
	w->depth++;
	w->level++;
	w->had &= ~(1u << w->depth);
}

static void jw_close(struct jw *w, const char *brace)
{
	if (jw_pretty(w)) {
		if (w->had & (1u << w->depth))
			printbuf_strappend(w->pb, "\n");
		jw_indent(w, w->level);
	}
	if ((w->flags & JSON_C_TO_STRING_SPACED) && !jw_pretty(w))
		printbuf_strappend(w->pb, " ");
	printbuf_memappend(w->pb, brace, 1);
	w->depth--;
	w->level--;
}

/* a member's name: identifiers only, nothing to escape */
static void jw_key(struct jw *w, const char *key)
{
	jw_item(w);
	printbuf_strappend(w->pb, "\"");
	printbuf_memappend(w->pb, key, (int)strlen(key));
	if (w->flags & JSON_C_TO_STRING_SPACED)
		printbuf_strappend(w->pb, "\": ");
	else
		printbuf_strappend(w->pb, "\":");
}

static void jw_u64(struct jw *w, uint64_t v)
{
	char buf[24], *p = asp_u64_dec(buf + sizeof(buf), v);
	printbuf_memappend(w->pb, p, (int)(buf + sizeof(buf) - p));
}

static void jw_int(struct jw *w, int v)
{
	if (v < 0)
		printbuf_strappend(w->pb, "-");
	jw_u64(w, v < 0 ? (uint64_t)0 - (uint64_t)(int64_t)v : (uint64_t)v);
}

static void jw_bool(struct jw *w, bool v)
{
	if (v)
		printbuf_strappend(w->pb, "true");
	else
		printbuf_strappend(w->pb, "false");
}

/* v as json-c prints it */
static void jw_json(struct jw *w, json_object *v)
{
	size_t n;
	const char *s = json_object_to_json_string_length(v, w->flags, &n);
	printbuf_memappend(w->pb, s, (int)n);
}

static void jw_str(struct jw *w, const char *s)
{
	if (!s) {
		printbuf_strappend(w->pb, "null");
		return;
	}
	char *shown; /* as asp_json_string */
	json_object_set_string(w->str, json_text(s, &shown));
	free(shown);
	jw_json(w, w->str);
}

static void jw_key_u64(struct jw *w, const char *key, uint64_t v)
{
	jw_key(w, key);
	jw_u64(w, v);
}

/* the members of asp_quantiles_json(), in its order */
static void jw_quantiles(struct jw *w, const struct asp_durations *d)
{
	struct asp_quantiles q = asp_durations_quantiles(d);
	jw_open(w, "{");
	jw_key_u64(w, "min", q.min);
	jw_key_u64(w, "p50", q.p50);
	jw_key_u64(w, "p90", q.p90);
	jw_key_u64(w, "p99", q.p99);
	jw_key_u64(w, "max", q.max);
	jw_key(w, "mean");
	json_object_set_double(w->dbl, q.mean);
	jw_json(w, w->dbl);
	jw_close(w, "}");
}

static void jw_task(struct jw *w, const struct asp_task *t)
{
	jw_open(w, "{");
	jw_key_u64(w, "id", t->id);
	jw_key(w, "root");
	jw_str(w, t->root);
	jw_key(w, "main");
	jw_bool(w, t->is_main);
	jw_key_u64(w, "polls", t->polls);
	jw_key_u64(w, "busy_ns", t->busy_ns);
	jw_key_u64(w, "idle_ns", t->idle_ns);
	jw_key_u64(w, "first_poll_ns", t->first_poll_ns);
	jw_key_u64(w, "end_ns", t->end_ns);
	jw_key(w, "tids");
	jw_open(w, "[");
	for (size_t i = 0; i < t->ntids; i++) {
		jw_item(w);
		jw_int(w, t->tids[i]);
	}
	jw_close(w, "]");
	jw_key_u64(w, "slow_polls", t->slow_polls);
	jw_key(w, "addr");
	if (t->has_addr) {
		char buf[24];
		snprintf(buf, sizeof(buf), "0x%" PRIx64, t->addr);
		jw_str(w, buf);
	} else {
		printbuf_strappend(w->pb, "null");
	}
	jw_key(w, "poll_ns");
	jw_quantiles(w, &t->poll_ns);
	jw_close(w, "}");
}

/* the serializer of the tasks array (userdata: the result) */
static int tasks_to_json(json_object *jso, struct printbuf *pb, int level, int flags)
{
	const struct asp_result *r = json_object_get_userdata(jso);
	struct jw w = { .pb = pb, .flags = flags, .level = level - 1,
			.str = json_object_new_string(""), .dbl = json_object_new_double(0) };
	if (!w.str || !w.dbl) {
		json_object_put(w.str);
		json_object_put(w.dbl);
		return -1;
	}
	jw_open(&w, "[");
	for (size_t i = 0; i < r->ntasks; i++) {
		jw_item(&w);
		jw_task(&w, &r->tasks[i]);
	}
	jw_close(&w, "]");
	json_object_put(w.str);
	json_object_put(w.dbl);
	return 0;
}

static json_object *future_json(const struct asp_future *f)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "name", asp_json_string(f->name));
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
	json_object_object_add(o, "rule", asp_json_string(f->rule));
	json_object_object_add(o, "severity", json_object_new_string(asp_severity_name(f->severity)));
	json_object_object_add(o, "future", asp_json_string(f->future));
	add_u64(o, "task", f->task);
	json_object_object_add(o, "tid", json_object_new_int(f->tid));
	add_u64(o, "start_ns", f->start_ns);
	add_u64(o, "duration_ns", f->duration_ns);
	add_u64(o, "threshold_ns", f->threshold_ns);
	json_object_object_add(o, "culprit", asp_json_string(f->culprit));
	json_object_object_add(o, "culprit_share", json_object_new_double(f->culprit_share));
	json_object_object_add(o, "pattern", asp_json_string(f->pattern));
	add_u64(o, "count", f->count);
	return o;
}

static json_object *rules_json(const struct asp_rules *rules)
{
	if (!rules)
		return NULL;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "path", asp_json_string(rules->path));
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
	if (!s) { /* a serializer failed (out of memory): nothing half-written */
		asp_fail(err, "%s: %s", path, strerror(ENOMEM));
		asp_outfile_abort(out);
		return -1;
	}
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
