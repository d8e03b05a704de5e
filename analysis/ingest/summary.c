/* summary.c - a run made again from its summary.json (summary.h). */
#include "analysis/ingest/summary.h"
#include "analysis/util.h"

#include <json-c/json.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

char *asp_summary_file(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return NULL; /* the recording's reader says why */
	if (!S_ISDIR(st.st_mode)) {
		size_t n = strlen(path);
		return n >= 5 && !strcmp(path + n - 5, ".json") ? xstrdup(path) : NULL;
	}
	char *info = asp_path_join(path, "info");
	bool recording = stat(info, &st) == 0;
	free(info);
	if (recording)
		return NULL;
	char *file = asp_path_join(path, "summary.json");
	if (stat(file, &st) == 0 && !S_ISDIR(st.st_mode))
		return file;
	free(file);
	return NULL;
}

/* ---------------------------------------------------------------- members */

/* the reader: the file (for messages) and the first error */
struct rd {
	const char *file;
	char *err;
};

/* "FILE: WHERE.KEY: what" (once: the first error stands) */
static bool bad(struct rd *rd, const char *where, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static bool bad(struct rd *rd, const char *where, const char *key, const char *fmt, ...)
{
	if (rd->err)
		return false;
	char *what;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&what, fmt, ap) < 0)
		what = NULL;
	va_end(ap);
	const char *k = key ? key : "";
	rd->err = xasprintf("%s: %s%s%s%s%s", rd->file, where, *where && *k ? "." : "", k,
			    *where || *k ? ": " : "", what ? what : "out of memory");
	free(what);
	return false;
}

static const char *type_name(json_object *v)
{
	return v ? json_type_to_name(json_object_get_type(v)) : "null";
}

/* o's member key of type t (nullable: null too, *out NULL); false and the
 * error when missing or of another type */
static bool member(struct rd *rd, json_object *o, const char *where, const char *key,
		   json_type t, bool nullable, json_object **out)
{
	json_object *v = NULL;
	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v))
		return bad(rd, where, key, "missing");
	if (!v && nullable)
		return true;
	if (!v || !json_object_is_type(v, t))
		return bad(rd, where, key, "expected %s, not %s", json_type_to_name(t), type_name(v));
	*out = v;
	return true;
}

/* a non-negative integer */
static bool as_u64(struct rd *rd, json_object *v, const char *where, const char *key, uint64_t *out)
{
	if (!json_object_is_type(v, json_type_int))
		return bad(rd, where, key, "expected a non-negative integer, not %s", type_name(v));
	if (json_object_get_int64(v) < 0)
		return bad(rd, where, key, "expected a non-negative integer, not %" PRId64,
			   json_object_get_int64(v));
	*out = json_object_get_uint64(v);
	return true;
}

static bool get_u64(struct rd *rd, json_object *o, const char *where, const char *key, uint64_t *out)
{
	json_object *v;
	*out = 0;
	return member(rd, o, where, key, json_type_int, false, &v) && as_u64(rd, v, where, key, out);
}

static bool get_u32(struct rd *rd, json_object *o, const char *where, const char *key, uint32_t *out)
{
	uint64_t v;
	*out = 0;
	if (!get_u64(rd, o, where, key, &v))
		return false;
	if (v > UINT32_MAX)
		return bad(rd, where, key, "%" PRIu64 " is out of range", v);
	*out = (uint32_t)v;
	return true;
}

static bool as_int(struct rd *rd, json_object *v, const char *where, const char *key, int *out)
{
	if (!json_object_is_type(v, json_type_int))
		return bad(rd, where, key, "expected an integer, not %s", type_name(v));
	int64_t x = json_object_get_int64(v);
	if (x < INT_MIN || x > INT_MAX)
		return bad(rd, where, key, "out of range");
	*out = (int)x;
	return true;
}

static bool get_int(struct rd *rd, json_object *o, const char *where, const char *key, int *out)
{
	json_object *v;
	*out = 0;
	return member(rd, o, where, key, json_type_int, false, &v) && as_int(rd, v, where, key, out);
}

static bool get_bool(struct rd *rd, json_object *o, const char *where, const char *key, bool *out)
{
	json_object *v;
	*out = false;
	if (!member(rd, o, where, key, json_type_boolean, false, &v))
		return false;
	*out = json_object_get_boolean(v);
	return true;
}

/* members added to asprof-summary/3 after its first release: absent in
 * older summaries (then false and 0) */
static bool opt_bool(struct rd *rd, json_object *o, const char *where, const char *key, bool *out)
{
	*out = false;
	return !json_object_object_get_ex(o, key, NULL) || get_bool(rd, o, where, key, out);
}

static bool opt_u64(struct rd *rd, json_object *o, const char *where, const char *key, uint64_t *out)
{
	*out = 0;
	return !json_object_object_get_ex(o, key, NULL) || get_u64(rd, o, where, key, out);
}

static bool get_double(struct rd *rd, json_object *o, const char *where, const char *key, double *out)
{
	json_object *v = NULL;
	*out = 0;
	if (!json_object_object_get_ex(o, key, &v))
		return bad(rd, where, key, "missing");
	if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
		return bad(rd, where, key, "expected a number, not %s", type_name(v));
	*out = json_object_get_double(v);
	if (!isfinite(*out))
		return bad(rd, where, key, "not a finite number");
	return true;
}

/* a string (nullable: or null, *out NULL), malloc'd; a NUL inside is
 * refused (the text would end there) */
static bool as_str(struct rd *rd, json_object *v, const char *where, const char *key, char **out)
{
	const char *s = json_object_get_string(v);
	size_t n = (size_t)json_object_get_string_len(v);
	if (strlen(s) != n)
		return bad(rd, where, key, "holds a NUL character");
	*out = xstrdup(s);
	return true;
}

static bool get_str(struct rd *rd, json_object *o, const char *where, const char *key,
		    bool nullable, char **out)
{
	json_object *v;
	*out = NULL;
	if (!member(rd, o, where, key, json_type_string, nullable, &v))
		return false;
	return !v || as_str(rd, v, where, key, out);
}

/* run.label: a string or null, or absent (a summary written before labels) */
static bool get_label(struct rd *rd, json_object *run, const char *where, char **out)
{
	*out = NULL;
	return !json_object_object_get_ex(run, "label", NULL) ||
	       get_str(rd, run, where, "label", true, out);
}

/* one of names[0..n) by its text: its index */
static bool get_enum(struct rd *rd, json_object *o, const char *where, const char *key,
		     const char *const *names, size_t n, int *out)
{
	json_object *v;
	*out = 0;
	if (!member(rd, o, where, key, json_type_string, false, &v))
		return false;
	const char *s = json_object_get_string(v);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, names[i])) {
			*out = (int)i;
			return true;
		}
	char *shown = asp_show(s, ASP_SHOW_CONTROLS);
	bad(rd, where, key, "unknown value \"%s\"", shown);
	free(shown);
	return false;
}

/* o's array member key: its length */
static bool get_array(struct rd *rd, json_object *o, const char *where, const char *key,
		      json_object **arr, size_t *n)
{
	*n = 0;
	if (!member(rd, o, where, key, json_type_array, false, arr))
		return false;
	*n = json_object_array_length(*arr);
	return true;
}

/* "WHERE.KEY[I]" */
static char *item_where(const char *where, const char *key, size_t i)
{
	return xasprintf("%s%s%s[%zu]", where, *where ? "." : "", key, i);
}

/* the element i of an array that must be an object */
static json_object *object_at(struct rd *rd, json_object *arr, const char *where, const char *key,
			      size_t i)
{
	json_object *v = json_object_array_get_idx(arr, i);
	if (json_object_is_type(v, json_type_object))
		return v;
	char *w = item_where(where, key, i);
	bad(rd, w, NULL, "expected an object, not %s", type_name(v));
	free(w);
	return NULL;
}

/* an array of non-negative integers: malloc'd */
static bool get_u64s(struct rd *rd, json_object *o, const char *where, const char *key,
		     uint64_t **out, size_t *n)
{
	json_object *arr;
	*out = NULL;
	if (!get_array(rd, o, where, key, &arr, n))
		return false;
	*out = xcalloc(*n ? *n : 1, sizeof(**out));
	for (size_t i = 0; i < *n; i++) {
		char *w = item_where(where, key, i);
		bool ok = as_u64(rd, json_object_array_get_idx(arr, i), w, NULL, &(*out)[i]);
		free(w);
		if (!ok)
			return false;
	}
	return true;
}

static bool get_split(struct rd *rd, json_object *o, const char *where, struct asp_split *s)
{
	return get_u64(rd, o, where, "oncpu_ns", &s->oncpu_ns) &&
	       get_u64(rd, o, where, "blocked_ns", &s->blocked_ns) &&
	       get_u64(rd, o, where, "preempted_ns", &s->preempted_ns);
}

/* ---------------------------------------------------------------- durations */

/* a histogram (report/summary.c's jw_hist) into d, finished */
static bool get_hist(struct rd *rd, json_object *o, const char *where, const char *key,
		     struct asp_durations *d)
{
	json_object *h;
	if (!member(rd, o, where, key, json_type_object, false, &h))
		return false;
	char *w = xasprintf("%s%s%s", where, *where ? "." : "", key);
	uint64_t n, min, max, sum, *values = NULL, *counts = NULL;
	size_t nv = 0, nc = 0;
	bool binned;
	bool ok = get_u64(rd, h, w, "n", &n) && get_u64(rd, h, w, "min", &min) &&
		  get_u64(rd, h, w, "max", &max) && get_u64(rd, h, w, "sum", &sum) &&
		  get_bool(rd, h, w, "binned", &binned) &&
		  get_u64s(rd, h, w, "values", &values, &nv) &&
		  get_u64s(rd, h, w, "counts", &counts, &nc);
	if (ok && nv != nc)
		ok = bad(rd, w, NULL, "%zu values but %zu counts", nv, nc);
	if (ok && min > max)
		ok = bad(rd, w, NULL, "min %" PRIu64 " is above max %" PRIu64, min, max);
	if (ok && !binned && n > ASP_DUR_EXACT)
		ok = bad(rd, w, NULL, "%" PRIu64 " exact durations (at most %d)", n, ASP_DUR_EXACT);
	uint64_t total = 0;
	for (size_t i = 0; ok && i < nv; i++) {
		if (!counts[i] || total > UINT64_MAX - counts[i])
			ok = bad(rd, w, "counts", "count %zu is 0 or too large", i);
		else if (values[i] < min || values[i] > max || (i && values[i] <= values[i - 1]))
			ok = bad(rd, w, "values", "value %zu is out of order or outside [min, max]", i);
		else
			total += counts[i];
	}
	if (ok && total != n)
		ok = bad(rd, w, NULL, "the counts add to %" PRIu64 ", not n = %" PRIu64, total, n);
	if (ok && n && sum < min)
		ok = bad(rd, w, NULL, "sum %" PRIu64 " is below min", sum);
	if (ok)
		asp_durations_restore(d, values, counts, nv, binned, min, max, sum);
	free(values);
	free(counts);
	free(w);
	return ok;
}

/* ---------------------------------------------------------------- run */

static const char *const kinds[] = { "async_fn", "async_block", "user_future", "combinator" };
static const char *const severities[] = { "none", "warning", "error" };
static const char *const doings[] = { "unknown", "on CPU", "blocked" };
static const char *const measures[] = { "own", "wall" };

/* a run name is its folder in runs/: a file name */
static bool name_ok(const char *s)
{
	return *s && strcmp(s, ".") && strcmp(s, "..") && !strchr(s, '/') && strlen(s) <= NAME_MAX;
}

/* the names of enum asp_end_kind, in its order */
static const char *const end_kinds[] = { "unknown", "exited", "panicked", "tracer-crashed",
					 "crashed", "killed", "cannot-tell", "cut" };

/* run.program_end: how the program ended (analysis/end.c) */
static bool get_end(struct rd *rd, json_object *run, const char *w, struct asp_result *r)
{
	json_object *e, *p;
	int kind = 0;
	char *ew = xasprintf("%s.program_end", w);
	bool ok = member(rd, run, w, "program_end", json_type_object, false, &e) &&
		  get_enum(rd, e, ew, "kind", end_kinds, ASP_ARRAY_SIZE(end_kinds), &kind) &&
		  get_str(rd, e, ew, "text", true, &r->end_text) &&
		  get_u64(rd, e, ew, "panics", &r->panics) &&
		  get_u64(rd, e, ew, "panics_caught", &r->panics_caught) &&
		  get_str(rd, e, ew, "open_panic_frames", true, &r->end_frames) &&
		  member(rd, e, ew, "panic", json_type_object, true, &p);
	r->end = (enum asp_end_kind)kind;
	if (ok && p) {
		char *pw = xasprintf("%s.panic", ew);
		ok = get_str(rd, p, pw, "function", true, &r->panic.function) &&
		     get_str(rd, p, pw, "future", true, &r->panic.future) &&
		     get_u32(rd, p, pw, "task", &r->panic.task) &&
		     get_int(rd, p, pw, "tid", &r->panic.tid) &&
		     get_u64(rd, p, pw, "at_ns", &r->panic.at_ns) &&
		     get_bool(rd, p, pw, "caught_only", &r->panic.caught_only);
		free(pw);
	}
	free(ew);
	return ok;
}

static bool get_run(struct rd *rd, json_object *o, const char *where, struct asp_result *r)
{
	json_object *run, *sw, *split, *notes;
	int measure = 0;
	uint64_t threads = 0;
	if (!member(rd, o, where, "run", json_type_object, false, &run))
		return false;
	char *w = xasprintf("%s%srun", where, *where ? "." : "");
	bool ok = get_str(rd, run, w, "path", false, &r->path) &&
		  get_str(rd, run, w, "name", false, &r->name) &&
		  get_label(rd, run, w, &r->label) &&
		  get_str(rd, run, w, "exe", true, &r->exe) &&
		  get_str(rd, run, w, "runtime", true, &r->runtime) &&
		  get_bool(rd, run, w, "runtime_forced", &r->runtime_forced) &&
		  get_u64(rd, run, w, "duration_ns", &r->duration_ns) &&
		  get_u64(rd, run, w, "threads", &threads) &&
		  get_u64(rd, run, w, "records", &r->records) &&
		  get_u64(rd, run, w, "data_bytes", &r->data_bytes) &&
		  get_bool(rd, run, w, "args_recorded", &r->args_recorded) &&
		  get_str(rd, run, w, "program_exit", true, &r->program_exit) &&
		  get_end(rd, run, w, r) &&
		  get_u64(rd, run, w, "unfinished_polls", &r->unfinished_polls) &&
		  get_bool(rd, run, w, "has_sched", &r->has_sched) &&
		  get_bool(rd, run, w, "preempt_known", &r->preempt_known) &&
		  get_enum(rd, run, w, "measure", measures, ASP_ARRAY_SIZE(measures), &measure) &&
		  member(rd, run, w, "switches", json_type_object, false, &sw) &&
		  get_u64(rd, sw, w, "voluntary", &r->switches_voluntary) &&
		  get_u64(rd, sw, w, "preempted", &r->switches_preempted) &&
		  get_u64(rd, run, w, "task_polls", &r->task_polls) &&
		  get_u64(rd, run, w, "task_polls_preempted", &r->task_polls_preempted) &&
		  member(rd, run, w, "task_split", json_type_object, false, &split) &&
		  get_split(rd, split, w, &r->task_split) &&
		  get_bool(rd, run, w, "wakes_recorded", &r->wakes_recorded) &&
		  get_u64(rd, run, w, "wakes", &r->wakes) &&
		  opt_bool(rd, run, w, "spawns_recorded", &r->spawns_recorded) &&
		  opt_u64(rd, run, w, "spawns", &r->spawns) &&
		  get_array(rd, run, w, "notes", &notes, &r->nnotes);
	r->threads = (size_t)threads;
	r->measure_wall = measure == 1;
	if (ok && !name_ok(r->name)) {
		char *shown = asp_show(r->name, ASP_SHOW_CONTROLS);
		ok = bad(rd, w, "name", "\"%s\" cannot name a folder", shown);
		free(shown);
	}
	if (ok) {
		r->notes = xcalloc(r->nnotes ? r->nnotes : 1, sizeof(*r->notes));
		for (size_t i = 0; ok && i < r->nnotes; i++) {
			json_object *v = json_object_array_get_idx(notes, i);
			char *iw = item_where(w, "notes", i);
			ok = json_object_is_type(v, json_type_string)
				     ? as_str(rd, v, iw, NULL, &r->notes[i])
				     : bad(rd, iw, NULL, "expected a string, not %s", type_name(v));
			free(iw);
		}
	} else {
		r->nnotes = 0;
	}
	free(w);
	return ok;
}

/* a histogram added to asprof-summary/3 later: absent, none */
static bool opt_hist(struct rd *rd, json_object *o, const char *where, const char *key,
		     struct asp_durations *d)
{
	if (json_object_object_get_ex(o, key, NULL))
		return get_hist(rd, o, where, key, d);
	asp_durations_finish(d);
	return true;
}

/* a task's or future's scheduled time: its waits (sched_hist), the time
 * in them its poller waited for a CPU, the long ones */
static bool get_sched(struct rd *rd, json_object *o, const char *w, struct asp_durations *d,
		      uint64_t *cpu_ns, uint64_t *long_delays)
{
	return get_hist(rd, o, w, "sched_hist", d) && get_u64(rd, o, w, "sched_cpu_ns", cpu_ns) &&
	       get_u64(rd, o, w, "long_delays", long_delays);
}

static bool get_task(struct rd *rd, json_object *o, const char *w, struct asp_task *t)
{
	json_object *tids, *addr;
	bool ok = get_u32(rd, o, w, "id", &t->id) && get_str(rd, o, w, "root", true, &t->root) &&
		  get_str(rd, o, w, "root_src", true, &t->root_srcline) &&
		  get_bool(rd, o, w, "main", &t->is_main) && get_u64(rd, o, w, "polls", &t->polls) &&
		  get_u64(rd, o, w, "busy_ns", &t->busy_ns) &&
		  get_u64(rd, o, w, "idle_ns", &t->idle_ns) &&
		  get_u64(rd, o, w, "first_poll_ns", &t->first_poll_ns) &&
		  get_u64(rd, o, w, "end_ns", &t->end_ns) &&
		  get_u64(rd, o, w, "slow_polls", &t->slow_polls) &&
		  get_split(rd, o, w, &t->split) &&
		  member(rd, o, w, "addr", json_type_string, true, &addr) &&
		  get_array(rd, o, w, "tids", &tids, &t->ntids);
	if (ok && addr) {
		const char *s = json_object_get_string(addr);
		char *end;
		errno = 0;
		t->addr = strncmp(s, "0x", 2) ? 0 : strtoull(s + 2, &end, 16);
		if (strncmp(s, "0x", 2) || !s[2] || *end || errno)
			ok = bad(rd, w, "addr", "expected \"0x\" and hexadecimal digits");
		t->has_addr = true;
	}
	if (ok) {
		t->tids = xcalloc(t->ntids ? t->ntids : 1, sizeof(*t->tids));
		for (size_t i = 0; ok && i < t->ntids; i++) {
			char *iw = item_where(w, "tids", i);
			ok = as_int(rd, json_object_array_get_idx(tids, i), iw, NULL, &t->tids[i]);
			free(iw);
		}
	} else {
		t->ntids = 0;
	}
	return ok && get_hist(rd, o, w, "poll_hist", &t->poll_ns) &&
	       get_hist(rd, o, w, "own_hist", &t->own_ns) &&
	       get_sched(rd, o, w, &t->sched_ns, &t->sched_cpu_ns, &t->long_delays) &&
	       opt_bool(rd, o, w, "spawned", &t->spawned) &&
	       opt_u64(rd, o, w, "first_poll_delay_ns", &t->first_poll_delay_ns) &&
	       opt_u64(rd, o, w, "first_poll_cpu_ns", &t->first_poll_cpu_ns) &&
	       opt_bool(rd, o, w, "long_first_poll", &t->long_first_poll);
}

/* which argument was taken for the future's self, and the votes for each
 * (attribute.c) */
static bool get_self_arg(struct rd *rd, json_object *o, const char *w, struct asp_future *f)
{
	uint64_t arg, *votes = NULL;
	size_t n = 0;
	bool ok = get_u64(rd, o, w, "self_arg", &arg) && get_u64s(rd, o, w, "self_votes", &votes, &n);
	if (ok && arg > 2)
		ok = bad(rd, w, "self_arg", "%" PRIu64 " is not 0, 1 or 2", arg);
	if (ok && n != 2)
		ok = bad(rd, w, "self_votes", "expected 2 counts, not %zu", n);
	if (ok) {
		f->self_arg = (int)arg;
		f->self_votes[0] = votes[0];
		f->self_votes[1] = votes[1];
	}
	free(votes);
	return ok;
}

static bool get_future(struct rd *rd, json_object *o, const char *w, struct asp_future *f)
{
	json_object *callees;
	uint64_t *ids = NULL;
	int kind;
	bool ok = get_str(rd, o, w, "name", false, &f->name) &&
		  get_str(rd, o, w, "src", true, &f->srcline) &&
		  get_enum(rd, o, w, "kind", kinds, ASP_ARRAY_SIZE(kinds), &kind) &&
		  get_u64s(rd, o, w, "task_ids", &ids, &f->ntask_ids) &&
		  get_u64(rd, o, w, "instances", &f->instances) &&
		  get_u64(rd, o, w, "polls", &f->polls) && get_u64(rd, o, w, "busy_ns", &f->busy_ns) &&
		  get_u64(rd, o, w, "idle_ns", &f->idle_ns) &&
		  get_u64(rd, o, w, "slow_polls", &f->slow_polls) && get_split(rd, o, w, &f->split) &&
		  get_u64(rd, o, w, "self_ns", &f->self_ns) &&
		  get_bool(rd, o, w, "task_root", &f->is_root) &&
		  get_self_arg(rd, o, w, f) &&
		  get_array(rd, o, w, "callees", &callees, &f->ncallees);
	f->kind = (enum asp_future_kind)kind;
	f->task_ids = xcalloc(f->ntask_ids ? f->ntask_ids : 1, sizeof(*f->task_ids));
	for (size_t i = 0; ok && i < f->ntask_ids; i++) {
		if (ids[i] > UINT32_MAX)
			ok = bad(rd, w, "task_ids", "%" PRIu64 " is out of range", ids[i]);
		f->task_ids[i] = (uint32_t)ids[i];
	}
	free(ids);
	if (!ok) {
		f->ncallees = 0;
		return false;
	}
	f->callees = xcalloc(f->ncallees ? f->ncallees : 1, sizeof(*f->callees));
	for (size_t i = 0; ok && i < f->ncallees; i++) {
		json_object *c = object_at(rd, callees, w, "callees", i);
		char *iw = item_where(w, "callees", i);
		ok = c && get_str(rd, c, iw, "name", false, &f->callees[i].name) &&
		     get_u64(rd, c, iw, "polls", &f->callees[i].polls) &&
		     get_u64(rd, c, iw, "own_ns", &f->callees[i].own_ns);
		free(iw);
	}
	return ok && get_hist(rd, o, w, "poll_hist", &f->poll_ns) &&
	       get_hist(rd, o, w, "own_hist", &f->own_ns) &&
	       get_sched(rd, o, w, &f->sched_ns, &f->sched_cpu_ns, &f->long_delays) &&
	       opt_hist(rd, o, w, "first_poll_hist", &f->first_poll_ns) &&
	       opt_u64(rd, o, w, "long_first_polls", &f->long_first_polls);
}

/* a finding's victims (absent: a summary written before them, none) */
static bool get_victims(struct rd *rd, json_object *o, const char *where, struct asp_finding *f)
{
	json_object *v, *arr;
	size_t n;
	if (!json_object_object_get_ex(o, "victims", NULL))
		return true;
	char *w = xasprintf("%s%svictims", where, *where ? "." : "");
	uint64_t count, total;
	bool ok = member(rd, o, where, "victims", json_type_object, false, &v) &&
		  get_u64(rd, v, w, "count", &count) && get_u64(rd, v, w, "total_ns", &total) &&
		  get_array(rd, v, w, "tasks", &arr, &n);
	for (size_t i = 0; ok && i < n; i++) {
		json_object *e = object_at(rd, arr, w, "tasks", i);
		char *ew = item_where(w, "tasks", i), *root = NULL;
		uint32_t task;
		uint64_t wait, poll;
		ok = e && get_u32(rd, e, ew, "task", &task) &&
		     get_str(rd, e, ew, "root", true, &root) && get_u64(rd, e, ew, "wait_ns", &wait) &&
		     get_u64(rd, e, ew, "poll_ns", &poll);
		free(ew);
		if (ok)
			asp_finding_add_victim(f, task, root ? root : "", wait, poll);
		free(root);
	}
	free(w);
	if (ok && (count < f->victims || total < f->victims_ns))
		return bad(rd, where, "victims", "lists more than its count or total");
	f->victims = count;
	f->victims_ns = total;
	return ok;
}

/* a scheduling-delay finding's blocking poll: an object, or null or
 * absent (none, or a summary written before them) */
static bool get_behind(struct rd *rd, json_object *o, const char *where, struct asp_finding *f)
{
	json_object *v;
	if (!json_object_object_get_ex(o, "behind", NULL))
		return true;
	if (!member(rd, o, where, "behind", json_type_object, true, &v))
		return false;
	if (!v)
		return true;
	char *w = xasprintf("%s%sbehind", where, *where ? "." : "");
	bool ok = get_str(rd, v, w, "future", false, &f->behind) &&
		  get_u32(rd, v, w, "task", &f->behind_task) &&
		  get_u64(rd, v, w, "wait_ns", &f->behind_ns);
	free(w);
	return ok;
}

static bool get_finding(struct rd *rd, json_object *o, const char *w, struct asp_finding *f)
{
	int sev, doing;
	bool ok = get_str(rd, o, w, "rule", false, &f->rule) &&
		  get_enum(rd, o, w, "severity", severities, ASP_ARRAY_SIZE(severities), &sev) &&
		  get_str(rd, o, w, "future", false, &f->future) &&
		  get_str(rd, o, w, "src", true, &f->srcline) &&
		  get_str(rd, o, w, "culprit_src", true, &f->culprit_srcline) &&
		  get_u32(rd, o, w, "task", &f->task);
	json_object *tid;
	ok = ok && member(rd, o, w, "tid", json_type_int, false, &tid) &&
	     as_int(rd, tid, w, "tid", &f->tid) && get_u64(rd, o, w, "start_ns", &f->start_ns) &&
	     get_u64(rd, o, w, "duration_ns", &f->duration_ns) &&
	     get_u64(rd, o, w, "threshold_ns", &f->threshold_ns) &&
	     get_str(rd, o, w, "culprit", true, &f->culprit) &&
	     get_double(rd, o, w, "culprit_share", &f->culprit_share) &&
	     get_str(rd, o, w, "pattern", true, &f->pattern) && get_u64(rd, o, w, "count", &f->count) &&
	     get_u64(rd, o, w, "measured_ns", &f->measured_ns) && get_split(rd, o, w, &f->split) &&
	     get_enum(rd, o, w, "doing", doings, ASP_ARRAY_SIZE(doings), &doing) &&
	     get_u64(rd, o, w, "culprit_calls", &f->culprit_calls) &&
	     get_bool(rd, o, w, "culprit_self", &f->culprit_self) &&
	     get_bool(rd, o, w, "culprit_opaque", &f->culprit_opaque) &&
	     get_str(rd, o, w, "no_culprit", true, &f->no_culprit) && get_victims(rd, o, w, f) &&
	     get_behind(rd, o, w, f) && opt_bool(rd, o, w, "from_spawn", &f->from_spawn);
	f->severity = (enum asp_severity)sev;
	f->doing = (enum asp_doing)doing;
	return ok;
}

static int future_cmp(const void *a, const void *b)
{
	return strcmp(((const struct asp_future *)a)->name, ((const struct asp_future *)b)->name);
}

/* the elements of o's array key, each an object read by get into
 * elem_size bytes at *out (zeroed); *n counts those read */
static bool get_objects(struct rd *rd, json_object *o, const char *where, const char *key,
			void **out, size_t elem_size, size_t *n,
			bool (*get)(struct rd *, json_object *, const char *, void *))
{
	json_object *arr;
	size_t len;
	*n = 0;
	if (!get_array(rd, o, where, key, &arr, &len))
		return false;
	*out = xcalloc(len ? len : 1, elem_size);
	for (size_t i = 0; i < len; i++) {
		json_object *e = object_at(rd, arr, where, key, i);
		if (!e)
			return false;
		char *w = item_where(where, key, i);
		(*n)++; /* freed with the run, read whole or not */
		bool ok = get(rd, e, w, (char *)*out + i * elem_size);
		free(w);
		if (!ok)
			return false;
	}
	return true;
}

static bool get_task_v(struct rd *rd, json_object *o, const char *w, void *t)
{
	return get_task(rd, o, w, t);
}

static bool get_future_v(struct rd *rd, json_object *o, const char *w, void *f)
{
	return get_future(rd, o, w, f);
}

static bool get_finding_v(struct rd *rd, json_object *o, const char *w, void *f)
{
	return get_finding(rd, o, w, f);
}

/* "asprof-summary/3" -> 3 when it is of family name; -1 when not */
static long schema_version(const char *schema, const char *name)
{
	size_t n = strlen(name);
	if (strncmp(schema, name, n) || schema[n] != '/' || schema[n + 1] < '0' || schema[n + 1] > '9')
		return -1;
	char *end;
	errno = 0;
	long v = strtol(schema + n + 1, &end, 10);
	return *end || errno ? -1 : v;
}

/* the schema member, checked: the version of family name, or -1 and the
 * error */
static long check_schema(struct rd *rd, json_object *o, const char *where, const char *name,
			 long version)
{
	char *schema;
	if (!get_str(rd, o, where, "schema", false, &schema))
		return -1;
	long v = schema_version(schema, name);
	char *shown = asp_show(schema, ASP_SHOW_CONTROLS);
	if (v < 0)
		bad(rd, where, "schema", "\"%s\" is not an asprof summary (expected %s/%ld)", shown,
		    name, version);
	else if (v < version)
		bad(rd, where, "schema", "%s is older than %s/%ld, which this asprof-batch reads: "
		    "analyse the recording again", shown, name, version);
	else if (v > version)
		bad(rd, where, "schema", "%s is newer than %s/%ld, which this asprof-batch reads: "
		    "use a newer asprof-batch", shown, name, version);
	free(shown);
	free(schema);
	return v == version ? v : -1;
}

/* the rules the run was analysed with, kept to be written again: null
 * kept as null; a summary without "rules" gets the batch's */
static bool get_rules_used(struct rd *rd, json_object *o, const char *where,
			   struct asp_rules_used **out)
{
	json_object *v;
	*out = NULL;
	if (!json_object_object_get_ex(o, "rules", &v))
		return true;
	if (!member(rd, o, where, "rules", json_type_object, true, &v))
		return false;
	struct asp_rules_used *u = *out = xcalloc(1, sizeof(*u));
	if (!v) {
		u->none = true;
		return true;
	}
	char *w = xasprintf("%s%srules", where, *where ? "." : "");
	bool ok = get_str(rd, v, w, "path", true, &u->path) &&
		  get_u64(rd, v, w, "warning_ns", &u->warning_ns) &&
		  get_u64(rd, v, w, "error_ns", &u->error_ns) &&
		  get_u64(rd, v, w, "slow_poll_ns", &u->slow_poll_ns) &&
		  get_u64(rd, v, w, "long_delay_ns", &u->long_delay_ns);
	free(w);
	return ok;
}

/* one run's summary (where: its place in the file, "" at the top) */
static struct asp_result *get_summary(struct rd *rd, json_object *o, const char *where)
{
	if (check_schema(rd, o, where, ASP_SUMMARY_NAME, ASP_SUMMARY_VERSION) < 0)
		return NULL;
	struct asp_result *r = xcalloc(1, sizeof(*r));
	r->from_summary = true;
	void *tasks = NULL, *futures = NULL, *findings = NULL;
	bool ok = get_run(rd, o, where, r) &&
		  get_objects(rd, o, where, "tasks", &tasks, sizeof(*r->tasks), &r->ntasks, get_task_v);
	r->tasks = tasks;
	ok = ok && get_objects(rd, o, where, "futures", &futures, sizeof(*r->futures), &r->nfutures,
			       get_future_v);
	r->futures = futures;
	ok = ok && get_objects(rd, o, where, "findings", &findings, sizeof(*r->findings),
			       &r->nfindings, get_finding_v);
	r->findings = findings;
	ok = ok && get_rules_used(rd, o, where, &r->rules_used);
	if (!ok) {
		asp_result_free(r);
		return NULL;
	}
	/* by name, as the analysis gives them (a summary written by it is) */
	asp_qsort(r->futures, r->nfutures, sizeof(*r->futures), future_cmp);
	asp_result_group_findings(r);
	return r;
}

int asp_summary_read(const char *file, struct asp_result ***runs, size_t *nruns, char **err)
{
	*runs = NULL;
	*nruns = 0;
	size_t len;
	char *text = asp_read_file(file, &len, err);
	if (!text)
		return -1;
	struct rd rd = { .file = file };
	json_tokener *tok = json_tokener_new();
	if (!tok) {
		free(text);
		return asp_fail(err, "%s: out of memory", file);
	}
	json_object *root = len > INT_MAX ? NULL : json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t at = json_tokener_get_parse_end(tok);
	/* the document whole: a half of one, or more after it, is not one */
	while (root && at < len && text[at] && strchr(" \t\r\n", text[at]))
		at++;
	if (len > INT_MAX)
		bad(&rd, "", NULL, "too large (%zu bytes)", len);
	else if (!len)
		bad(&rd, "", NULL, "not JSON: an empty file");
	else if (!root && (jerr == json_tokener_continue || jerr == json_tokener_success))
		bad(&rd, "", NULL, "not JSON: the file ends inside the document (at byte %zu)", at);
	else if (!root || jerr != json_tokener_success || at < len)
		bad(&rd, "", NULL, "not JSON: %s at byte %zu",
		    root ? "more after the document" : json_tokener_error_desc(jerr), at);
	if (rd.err) {
		json_object_put(root);
		root = NULL;
	}
	json_tokener_free(tok);
	free(text);
	if (root && !json_object_is_type(root, json_type_object))
		bad(&rd, "", NULL, "expected a JSON object, not %s", type_name(root));
	char *schema = NULL;
	if (!rd.err && !get_str(&rd, root, "", "schema", false, &schema))
		; /* said */
	else if (schema && schema_version(schema, ASP_BATCH_NAME) >= 0) {
		/* a batch's: each of its runs */
		json_object *arr;
		size_t n;
		if (check_schema(&rd, root, "", ASP_BATCH_NAME, ASP_BATCH_VERSION) >= 0 &&
		    get_array(&rd, root, "", "runs", &arr, &n)) {
			*runs = xcalloc(n ? n : 1, sizeof(**runs));
			for (size_t i = 0; i < n && !rd.err; i++) {
				json_object *e = object_at(&rd, arr, "", "runs", i);
				char *w = item_where("", "runs", i);
				struct asp_result *r = e ? get_summary(&rd, e, w) : NULL;
				free(w);
				if (r)
					(*runs)[(*nruns)++] = r;
			}
			if (!rd.err && !n)
				bad(&rd, "", "runs", "no runs");
		}
	} else if (schema) {
		struct asp_result *r = get_summary(&rd, root, "");
		if (r) {
			*runs = xcalloc(1, sizeof(**runs));
			(*runs)[(*nruns)++] = r;
		}
	}
	free(schema);
	json_object_put(root);
	if (!rd.err)
		return 0;
	for (size_t i = 0; i < *nruns; i++)
		asp_result_free((*runs)[i]);
	free(*runs);
	*runs = NULL;
	*nruns = 0;
	*err = rd.err;
	return -1;
}
