/* batch.c - the batch-level summary.json (schema "asprof-batch/1"): every
 * run's summary, the runs that were skipped, and the comparison. */
#include "batch.h"
#include "report.h"
#include "json.h"
#include "analysis/util.h"

#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* a finite number, or null (NAN: the future was not polled in that run) */
static json_object *num_json(double v)
{
	return isfinite(v) ? json_object_new_double(v) : NULL;
}

static json_object *side_json(const struct asp_side *s, size_t nruns)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "runs", json_object_new_uint64(s->runs));
	json_object_object_add(o, "polls", json_object_new_uint64(s->polls));
	json_object_object_add(o, "busy_ns", json_object_new_uint64(s->busy_ns));
	json_object_object_add(o, "idle_ns", json_object_new_uint64(s->idle_ns));
	json_object_object_add(o, "busy_per_poll", json_object_new_double(s->busy_per_poll));
	json_object_object_add(o, "poll_ns", asp_quantiles_json(&s->q));
	json_object_object_add(o, "own_ns", json_object_new_uint64(s->own_ns));
	json_object_object_add(o, "self_ns", json_object_new_uint64(s->self_ns));
	json_object_object_add(o, "self_per_poll", num_json(s->self_per_poll));
	/* the verdict metric of each run of the side, in base_runs / new_runs
	 * order; null where the future was not polled */
	json_object *rm = json_object_new_array();
	for (size_t i = 0; i < nruns; i++)
		json_object_array_add(rm, s->run_metric ? num_json(s->run_metric[i]) : NULL);
	json_object_object_add(o, "run_metric", rm);
	return o;
}

static json_object *strings_json(char **v, size_t n)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, asp_json_string(v[i]));
	return a;
}

static json_object *comparison_json(const struct asp_comparison *c)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "metric", json_object_new_string(asp_metric_name(c->metric)));
	json_object_object_add(o, "base_runs", strings_json(c->base_runs, c->nbase));
	json_object_object_add(o, "new_runs", strings_json(c->new_runs, c->nnew));
	json_object *counts = json_object_new_object();
	for (int v = 0; v < ASP_V_COUNT; v++)
		json_object_object_add(counts, asp_verdict_name((enum asp_verdict)v),
				       json_object_new_uint64(c->counts[v]));
	json_object_object_add(o, "counts", counts);
	json_object_object_add(o, "confidence", num_json(c->confidence));
	json_object_object_add(o, "notes", strings_json(c->notes, c->nnotes));
	json_object *rows = json_object_new_array();
	for (size_t i = 0; i < c->nrows; i++) {
		const struct asp_cmp_row *r = &c->rows[i];
		json_object *j = json_object_new_object();
		json_object_object_add(j, "name", asp_json_string(r->name));
		json_object_object_add(j, "is_task", json_object_new_boolean(r->is_task));
		json_object_object_add(j, "kind", r->is_task ? NULL : json_object_new_string(asp_future_kind_name(r->kind)));
		json_object_object_add(j, "is_root", json_object_new_boolean(r->is_root));
		json_object_object_add(j, "base", side_json(&r->base, c->nbase));
		json_object_object_add(j, "new", side_json(&r->new_, c->nnew));
		json_object_object_add(j, "metric_base", json_object_new_double(r->metric_base));
		json_object_object_add(j, "metric_new", json_object_new_double(r->metric_new));
		json_object_object_add(j, "abs_change", json_object_new_double(r->abs_change));
		json_object_object_add(j, "rel_change", json_object_new_double(r->rel_change));
		json_object_object_add(j, "ratio_lo", num_json(r->ratio_lo));
		json_object_object_add(j, "ratio_hi", num_json(r->ratio_hi));
		json_object_object_add(j, "noise", num_json(r->noise));
		json_object_object_add(j, "noise_assumed", json_object_new_boolean(r->noise_assumed));
		/* for reference only: the verdict is decided by the interval */
		json_object_object_add(j, "p_value", num_json(r->p_value));
		json_object_object_add(j, "via", asp_json_string(r->via));
		json_object_object_add(j, "verdict", json_object_new_string(asp_verdict_name(r->verdict)));
		json_object_object_add(j, "reason", asp_json_string(r->reason ? r->reason : ""));
		json_object_array_add(rows, j);
	}
	json_object_object_add(o, "rows", rows);
	json_object *nf = json_object_new_array();
	for (size_t i = 0; i < c->nnew_findings; i++) {
		const struct asp_cmp_finding *f = &c->new_findings[i];
		json_object *j = json_object_new_object();
		json_object_object_add(j, "future", asp_json_string(f->future));
		json_object_object_add(j, "run", asp_json_string(f->run));
		json_object_object_add(j, "severity", json_object_new_string(asp_severity_name(f->severity)));
		json_object_object_add(j, "duration_ns", json_object_new_uint64(f->duration_ns));
		json_object_object_add(j, "threshold_ns", json_object_new_uint64(f->threshold_ns));
		json_object_object_add(j, "culprit", asp_json_string(f->culprit));
		json_object_object_add(j, "measured_ns", json_object_new_uint64(f->measured_ns));
		json_object_object_add(j, "oncpu_ns", json_object_new_uint64(f->split.oncpu_ns));
		json_object_object_add(j, "blocked_ns", json_object_new_uint64(f->split.blocked_ns));
		json_object_object_add(j, "preempted_ns", json_object_new_uint64(f->split.preempted_ns));
		json_object_object_add(j, "doing", json_object_new_string(asp_doing_name(f->doing)));
		json_object_object_add(j, "culprit_calls", json_object_new_uint64(f->culprit_calls));
		json_object_object_add(j, "culprit_self", json_object_new_boolean(f->culprit_self));
		json_object_object_add(j, "culprit_opaque", json_object_new_boolean(f->culprit_opaque));
		json_object_object_add(j, "no_culprit", asp_json_string(f->no_culprit));
		json_object_array_add(nf, j);
	}
	json_object_object_add(o, "new_findings", nf);
	return o;
}

static json_object *run_summary(const struct asp_batch *b, size_t i)
{
	if (!b->run_json || !b->run_json[i])
		return asp_summary_json(b->runs[i], b->rules);
	return asp_json_written(b->run_json[i]);
}

int asp_batch_summary_write(const struct asp_batch *b, const char *path, char **err)
{
	json_object *root = json_object_new_object();
	json_object_object_add(root, "schema", json_object_new_string("asprof-batch/1"));
	json_object_object_add(root, "status", json_object_new_int(b->status));
	json_object_object_add(root, "status_reason",
			       asp_json_string(b->status_reason ? b->status_reason : ""));
	json_object *runs = json_object_new_array();
	for (size_t i = 0; i < b->nruns; i++)
		json_object_array_add(runs, run_summary(b, i));
	json_object_object_add(root, "runs", runs);
	json_object *sk = json_object_new_array();
	for (size_t i = 0; i < b->nskipped; i++) {
		json_object *j = json_object_new_object();
		json_object_object_add(j, "path", asp_json_string(b->skipped[i].path));
		json_object_object_add(j, "reason", asp_json_string(b->skipped[i].reason));
		json_object_array_add(sk, j);
	}
	json_object_object_add(root, "skipped", sk);
	json_object_object_add(root, "comparison", b->cmp ? comparison_json(b->cmp) : NULL);
	int rc = asp_json_write(path, root, NULL, err);
	json_object_put(root);
	return rc;
}
