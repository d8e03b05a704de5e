/* history.c - history.json (schema asprof-history/1, docs/history.md): the
 * nights with their labels, per future its metric per night and its change
 * points, and the method's parameters. */
#include "report/history.h"
#include "report/json.h"
#include "analysis/compare.h"

#include <math.h>
#include <stdio.h>

void asp_history_pct(char *buf, size_t n, double rel)
{
	snprintf(buf, n, "%+.0f %%", rel * 100);
}

static json_object *num_json(double v)
{
	return isfinite(v) ? json_object_new_double(v) : NULL;
}

static json_object *change_json(const struct asp_history *h, const struct asp_history_change *c)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "night", json_object_new_int64((int64_t)c->night));
	json_object_object_add(o, "name", asp_json_string(h->night[c->night]));
	json_object_object_add(o, "label", asp_json_string(h->label[c->night]));
	json_object_object_add(o, "verdict", json_object_new_string(asp_verdict_name(c->verdict)));
	json_object_object_add(o, "via", asp_json_string(c->via));
	json_object_object_add(o, "before_ns", num_json(c->before));
	json_object_object_add(o, "after_ns", num_json(c->after));
	json_object_object_add(o, "rel_change", num_json(c->rel_change));
	json_object_object_add(o, "p_value", num_json(c->p_value));
	return o;
}

static json_object *future_json(const struct asp_history *h, const struct asp_history_future *f)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "name", asp_json_string(f->name));
	json_object_object_add(o, "src", asp_json_string(f->src));
	json_object_object_add(o, "ignored", json_object_new_boolean(f->ignored));
	json_object *m = json_object_new_array();
	for (size_t i = 0; i < h->nnights; i++)
		json_object_array_add(m, num_json(f->metric[i]));
	json_object_object_add(o, "metric_ns", m);
	json_object *cs = json_object_new_array();
	const struct asp_history_change *last = NULL;
	for (size_t k = 0; k < f->nchanges; k++) {
		json_object_array_add(cs, change_json(h, &f->changes[k]));
		if (f->changes[k].verdict != ASP_V_VIA)
			last = &f->changes[k];
	}
	json_object_object_add(o, "changes", cs);
	json_object_object_add(o, "last_change",
			       json_object_new_string(last ? asp_verdict_name(last->verdict) : "none"));
	return o;
}

int asp_history_json_write(const struct asp_history *h, const char *path, char **err)
{
	json_object *root = json_object_new_object();
	json_object_object_add(root, "schema", json_object_new_string(ASP_HISTORY_SCHEMA));
	json_object_object_add(root, "metric", json_object_new_string(asp_metric_name(h->metric)));
	json_object *m = json_object_new_object();
	json_object_object_add(m, "name", json_object_new_string("e-divisive means"));
	json_object_object_add(m, "permutations", json_object_new_int64(h->params.permutations));
	json_object_object_add(m, "p_value", json_object_new_double(h->params.p_value));
	json_object_object_add(m, "min_nights", json_object_new_int64(h->params.min_nights));
	json_object_object_add(m, "seed", json_object_new_uint64(h->params.seed));
	json_object_object_add(m, "min_change", json_object_new_double(h->min_change));
	json_object_object_add(m, "min_abs_ns", json_object_new_uint64(h->min_abs_ns));
	json_object_object_add(root, "method", m);
	json_object *nights = json_object_new_array();
	for (size_t i = 0; i < h->nnights; i++) {
		json_object *n = json_object_new_object();
		json_object_object_add(n, "name", asp_json_string(h->night[i]));
		json_object_object_add(n, "label", asp_json_string(h->label[i]));
		json_object_array_add(nights, n);
	}
	json_object_object_add(root, "nights", nights);
	json_object_object_add(root, "changed", json_object_new_int64((int64_t)h->nchanged));
	json_object_object_add(root, "regressed", json_object_new_int64((int64_t)h->nregressed));
	json_object *fs = json_object_new_array();
	for (size_t i = 0; i < h->nfutures; i++)
		json_object_array_add(fs, future_json(h, &h->futures[i]));
	json_object_object_add(root, "futures", fs);
	int rc = asp_json_write(path, root, NULL, err);
	json_object_put(root);
	return rc;
}
